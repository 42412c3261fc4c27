/*
 * A peer's life, from accept to free.
 *
 *   accepted  admission.c let it in; it is in the epoll set and on the live
 *             list, with hello-timeout to complete HELLO.
 *   live      it sends requests; with idle-timeout set, each request moves
 *             its deadline (a peer waiting for its own replies is not
 *             idle).
 *   draining  keyd is stopping (server.c): the peer is no longer read, and
 *             is closed once every request keyd read from it is answered.
 *   closed    it hung up, broke the protocol, missed a deadline, or keyd
 *             stopped: its socket is closed at once and its jobs that
 *             no thread has started are taken back, so a peer that floods
 *             and leaves wastes no signatures.
 *   zombie    a closed peer waits on the zombie list until the signing
 *             threads have returned every job that points to it.
 *   freed     at the end of a loop turn only, so no handler ever holds a
 *             pointer to freed memory, whatever it closed.
 *
 * Deadlines are not timers: each peer holds one (HELLO, then idle), and the
 * loop keeps only the earliest of them as epoll_wait's timeout. Deadlines
 * only move later as peers work, so the planned look may find nothing due:
 * it then plans the next. One timeout for the whole loop, and no timer to
 * cancel when a peer goes.
 *
 * A full descriptor table pauses both listeners until a peer leaves,
 * rather than spin on a backlog keyd cannot accept.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common/clock.h"
#include "keyd/server_internal.h"

#define ACCEPT_BUDGET 16 /* connections accepted per wake-up */

static void list_remove(struct peer **head, struct peer *p)
{
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		*head = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	p->prev = p->next = NULL;
}

static void list_push(struct peer **head, struct peer *p)
{
	p->prev = NULL;
	p->next = *head;
	if (*head != NULL)
		(*head)->prev = p;
	*head = p;
}

static void set_listeners(struct keyd_server *s, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = &s->data_h };
	(void)epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->p.data_fd, &ev);
	ev.data.ptr = &s->control_h;
	(void)epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->p.control_fd, &ev);
}

/* ---- deadlines ---- */

static void plan_sweep(struct keyd_server *s, uint64_t deadline_ns)
{
	if (deadline_ns != 0 && (s->next_sweep_ns == 0 || deadline_ns < s->next_sweep_ns))
		s->next_sweep_ns = deadline_ns;
}

void keyd_peer_active(struct keyd_server *s, struct peer *p, uint64_t now_ns)
{
	if (!p->hello)
		return;
	p->deadline_ns = s->p.cfg->idle_timeout_ms > 0 ? now_ns + s->p.cfg->idle_timeout_ms * MOAT_NS_PER_MS : 0;
	/* The sweep already planned comes earlier or reschedules: nothing to do unless none is. */
	plan_sweep(s, p->deadline_ns);
}

void keyd_peers_sweep(struct keyd_server *s, uint64_t now_ns)
{
	if (s->next_sweep_ns == 0 || now_ns < s->next_sweep_ns)
		return;
	s->next_sweep_ns = 0;
	for (struct peer *p = s->live, *next; p != NULL; p = next) {
		next = p->next;
		if (p->deadline_ns == 0)
			continue;
		if (p->deadline_ns > now_ns) {
			plan_sweep(s, p->deadline_ns);
			continue;
		}
		if (!p->hello) {
			s->p.stats->hello_timeouts++;
			keyd_peer_close(s, p, MOAT_LOG_NOTICE, "closed: no HELLO within %llu ms",
					(unsigned long long)s->p.cfg->hello_timeout_ms);
		} else if (p->in_flight > 0 || p->out != NULL) {
			/* Waiting for its own replies is not idle. */
			p->deadline_ns = now_ns + s->p.cfg->idle_timeout_ms * MOAT_NS_PER_MS;
			plan_sweep(s, p->deadline_ns);
		} else {
			s->p.stats->idle_timeouts++;
			keyd_peer_close(s, p, MOAT_LOG_INFO, "closed: no request for %llu ms",
					(unsigned long long)s->p.cfg->idle_timeout_ms);
		}
	}
}

int keyd_peers_wait_ms(const struct keyd_server *s)
{
	if (s->next_sweep_ns == 0)
		return -1;
	uint64_t now = moat_clock_monotonic_ns();
	if (s->next_sweep_ns <= now)
		return 0;
	uint64_t ms = (s->next_sweep_ns - now + MOAT_NS_PER_MS - 1) / MOAT_NS_PER_MS;
	return ms > 60000 ? 60000 : (int)ms;
}

/* ---- accepting ---- */

static void accept_one(struct keyd_server *s, moat_ipc_socket sock, int fd)
{
	struct ucred cred;
	if (!keyd_admit(s, sock, fd, &cred)) {
		close(fd);
		return;
	}
	struct peer *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		moat_log(MOAT_LOG_ERR, "out of memory for a new peer");
		close(fd);
		return;
	}
	p->h.kind = H_PEER;
	p->fd = fd;
	p->sock = sock;
	p->serial = ++s->next_serial;
	p->pid = cred.pid;
	p->uid = cred.uid;
	p->gid = cred.gid;
	p->events = EPOLLIN;
	p->deadline_ns = moat_clock_monotonic_ns() + s->p.cfg->hello_timeout_ms * MOAT_NS_PER_MS;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &p->h };
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		moat_log(MOAT_LOG_ERR, "epoll_ctl: %s", strerror(errno));
		close(fd);
		free(p);
		return;
	}
	list_push(&s->live, p);
	s->live_count++;
	plan_sweep(s, p->deadline_ns);
	s->p.stats->peers++;
	s->p.stats->connections++;
	moat_log(MOAT_LOG_DEBUG, "peer #%llu connected to the %s socket (pid %d, uid %u, gid %u)",
		 (unsigned long long)p->serial, keyd_socket_name(sock), (int)cred.pid, (unsigned)cred.uid,
		 (unsigned)cred.gid);
}

void keyd_peers_accept(struct keyd_server *s, moat_ipc_socket sock, int lfd)
{
	for (int i = 0; i < ACCEPT_BUDGET; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			accept_one(s, sock, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* Out of descriptors: stop accepting until a peer leaves, rather than spin on a full backlog. */
			moat_log(MOAT_LOG_WARNING, "accept: %s; not accepting until a peer disconnects", strerror(errno));
			s->listeners_paused = true;
			set_listeners(s, 0);
		} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
			moat_log(MOAT_LOG_ERR, "accept on the %s socket: %s", keyd_socket_name(sock), strerror(errno));
		}
		return;
	}
}

/* ---- closing and freeing ---- */

void keyd_peer_close(struct keyd_server *s, struct peer *p, moat_log_level level, const char *fmt, ...)
{
	if (p->closed)
		return;
	char why[160] = "";
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	moat_log(level, "peer #%llu (%s socket, pid %d, uid %u): %s", (unsigned long long)p->serial,
		 keyd_socket_name(p->sock), (int)p->pid, (unsigned)p->uid, why);

	/*
	 * Replies still queued answer requests that came before whatever cost
	 * the connection (they wait for the end of the turn): they still go,
	 * if the socket takes them.
	 */
	if (p->out != NULL)
		(void)keyd_replies_send(p);
	(void)epoll_ctl(s->epfd, EPOLL_CTL_DEL, p->fd, NULL);
	close(p->fd);
	p->fd = -1;
	p->closed = true;
	keyd_replies_discard(p);
	list_remove(&s->live, p);
	s->live_count--;
	s->p.stats->peers--;

	/* Jobs no thread has started are taken back: a peer that floods and leaves wastes no signatures. */
	if (s->p.workers != NULL) {
		struct keyd_job *cancelled = keyd_workers_cancel(s->p.workers, p);
		for (struct keyd_job *j = cancelled; j != NULL; j = j->next)
			p->in_flight--;
		keyd_jobs_free(cancelled);
	}
	list_push(&s->zombies, p);

	if (s->listeners_paused) {
		s->listeners_paused = false;
		/* A draining keyd has closed its listeners: nothing to resume. */
		if (!s->draining)
			set_listeners(s, EPOLLIN);
	}
}

/* Nothing read from it waits for an answer, and every answer is out. */
static bool answered(const struct peer *p)
{
	return p->in_flight == 0 && p->out == NULL;
}

void keyd_peers_quiesce(struct keyd_server *s)
{
	for (struct peer *p = s->live, *next; p != NULL; p = next) {
		next = p->next;
		if (answered(p)) {
			keyd_peer_close(s, p, MOAT_LOG_DEBUG, "closed: keyd is stopping");
			continue;
		}
		/* Only EPOLLOUT while replies wait for room; EPOLLHUP and EPOLLERR come regardless. */
		uint32_t want = p->out != NULL ? EPOLLOUT : 0;
		struct epoll_event ev = { .events = want, .data.ptr = &p->h };
		if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, p->fd, &ev) != 0) {
			keyd_peer_close(s, p, MOAT_LOG_ERR, "epoll_ctl: %s", strerror(errno));
			continue;
		}
		p->events = want;
	}
}

void keyd_peers_close_answered(struct keyd_server *s)
{
	for (struct peer *p = s->live, *next; p != NULL; p = next) {
		next = p->next;
		if (answered(p))
			keyd_peer_close(s, p, MOAT_LOG_DEBUG, "closed: keyd is stopping, every request it sent answered");
	}
}

unsigned keyd_peers_in_flight(const struct keyd_server *s)
{
	unsigned n = 0;
	for (const struct peer *p = s->live; p != NULL; p = p->next)
		n += p->in_flight;
	return n;
}

void keyd_peers_reap(struct keyd_server *s)
{
	for (struct peer *p = s->zombies, *next; p != NULL; p = next) {
		next = p->next;
		if (p->in_flight == 0) {
			list_remove(&s->zombies, p);
			free(p);
		}
	}
}

void keyd_peers_free_all(struct keyd_server *s)
{
	while (s->live != NULL)
		keyd_peer_close(s, s->live, MOAT_LOG_DEBUG, "closed: keyd is stopping");
	while (s->zombies != NULL) {
		struct peer *p = s->zombies;
		list_remove(&s->zombies, p);
		free(p);
	}
}
