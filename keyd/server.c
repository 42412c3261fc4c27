/*
 * The event loop (see server.h).
 *
 * Lifetime of a peer: live (in the epoll set) until it hangs up or is
 * dropped; then its socket is closed at once and it waits on the zombie list
 * until the signing threads have returned every job that points to it.
 * Peers are only freed at the end of a loop turn, so no handler ever holds a
 * pointer to freed memory, whatever it closed.
 */
#include "keyd/server.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/secmem.h"
#include "keyd/control.h"

#define READ_BUDGET 16   /* packets read from one peer per wake-up */
#define ACCEPT_BUDGET 16 /* connections accepted per wake-up */
#define MAX_EVENTS 64
#define MAX_PEER_GROUPS 64

enum handle_kind {
	H_DATA_LISTENER,
	H_CONTROL_LISTENER,
	H_SIGNAL,
	H_WORKERS,
	H_PEER,
};

struct handle {
	enum handle_kind kind;
};

struct reply {
	struct reply *next;
	size_t len;
	uint8_t data[];
};

struct peer {
	struct handle h; /* first: epoll data points here */
	struct peer *prev, *next;
	int fd;
	moat_ipc_socket sock;
	uint64_t serial;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	bool hello;
	bool closed;
	unsigned in_flight;
	uint32_t events;
	struct reply *out, *out_tail;
	size_t out_count;
};

struct keyd_server {
	struct keyd_server_params p;
	int epfd;
	int sigfd;
	struct handle data_h, control_h, sig_h, workers_h;
	struct peer *live, *zombies;
	size_t live_count;
	uint64_t next_serial;
	bool listeners_paused;
	bool stop;
	uid_t self_uid;
	uint8_t rx[MOAT_IPC_MAX_MESSAGE + 1]; /* one more, so an oversize packet is seen as one */
	uint8_t tx[MOAT_IPC_MAX_MESSAGE];
};

static const char *socket_name(moat_ipc_socket sock)
{
	return sock == MOAT_IPC_DATA_SOCKET ? "data" : "control";
}

/* ---- peer lists ---- */

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

static void free_replies(struct peer *p)
{
	while (p->out != NULL) {
		struct reply *r = p->out;
		p->out = r->next;
		/* Replies may hold a premaster secret. */
		moat_wipe(r->data, r->len);
		free(r);
	}
	p->out_tail = NULL;
	p->out_count = 0;
}

static void set_listeners(struct keyd_server *s, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = &s->data_h };
	(void)epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->p.data_fd, &ev);
	ev.data.ptr = &s->control_h;
	(void)epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->p.control_fd, &ev);
}

__attribute__((format(printf, 4, 5)))
static void peer_close(struct keyd_server *s, struct peer *p, moat_log_level level, const char *fmt, ...)
{
	if (p->closed)
		return;
	char why[160] = "";
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	moat_log(level, "peer #%llu (%s socket, pid %d, uid %u): %s", (unsigned long long)p->serial,
		 socket_name(p->sock), (int)p->pid, (unsigned)p->uid, why);

	(void)epoll_ctl(s->epfd, EPOLL_CTL_DEL, p->fd, NULL);
	close(p->fd);
	p->fd = -1;
	p->closed = true;
	free_replies(p);
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
		set_listeners(s, EPOLLIN);
	}
}

#define peer_drop(s, p, ...) \
	do { \
		(s)->p.stats->dropped++; \
		peer_close((s), (p), MOAT_LOG_NOTICE, __VA_ARGS__); \
	} while (0)

static void reap_zombies(struct keyd_server *s)
{
	for (struct peer *p = s->zombies, *next; p != NULL; p = next) {
		next = p->next;
		if (p->in_flight == 0) {
			list_remove(&s->zombies, p);
			free(p);
		}
	}
}

/* ---- output ---- */

static void update_events(struct keyd_server *s, struct peer *p)
{
	/* Read only while nothing waits to be written: a peer that does not read is not read either. */
	uint32_t want = p->out != NULL ? EPOLLOUT : EPOLLIN;
	if (p->closed || want == p->events)
		return;
	struct epoll_event ev = { .events = want, .data.ptr = &p->h };
	if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, p->fd, &ev) != 0) {
		peer_close(s, p, MOAT_LOG_ERR, "epoll_ctl: %s", strerror(errno));
		return;
	}
	p->events = want;
}

static void queue_reply(struct keyd_server *s, struct peer *p, const uint8_t *data, size_t len)
{
	if (p->out_count >= s->p.cfg->max_inflight + (size_t)READ_BUDGET) {
		peer_drop(s, p, "dropped: does not read its replies");
		return;
	}
	struct reply *r = malloc(sizeof(*r) + len);
	if (r == NULL) {
		peer_drop(s, p, "dropped: out of memory for its replies");
		return;
	}
	r->next = NULL;
	r->len = len;
	memcpy(r->data, data, len);
	if (p->out_tail != NULL)
		p->out_tail->next = r;
	else
		p->out = r;
	p->out_tail = r;
	p->out_count++;
	update_events(s, p);
}

static void send_packet(struct keyd_server *s, struct peer *p, const uint8_t *data, size_t len)
{
	if (p->closed)
		return;
	if (p->out == NULL) {
		ssize_t n = send(p->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n >= 0 && (size_t)n == len)
			return;
		if (n >= 0) {
			peer_drop(s, p, "dropped: short send");
			return;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			peer_close(s, p, MOAT_LOG_DEBUG, "closed: send: %s", strerror(errno));
			return;
		}
	}
	queue_reply(s, p, data, len);
}

static void peer_writable(struct keyd_server *s, struct peer *p)
{
	while (p->out != NULL) {
		struct reply *r = p->out;
		ssize_t n = send(p->fd, r->data, r->len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			break;
		if (n < 0 || (size_t)n != r->len) {
			peer_close(s, p, MOAT_LOG_DEBUG, "closed: send: %s", n < 0 ? strerror(errno) : "short send");
			return;
		}
		p->out = r->next;
		if (p->out == NULL)
			p->out_tail = NULL;
		p->out_count--;
		moat_wipe(r->data, r->len);
		free(r);
	}
	update_events(s, p);
}

static void count_status(struct keyd_server *s, moat_ipc_status st)
{
	if (st == MOAT_IPC_BUSY)
		s->p.stats->busy++;
	else if (st != MOAT_IPC_OK)
		s->p.stats->errors++;
}

static void answer_status(struct keyd_server *s, struct peer *p, uint8_t opcode, uint32_t id, moat_ipc_status st)
{
	struct moat_buf b;
	moat_buf_init_fixed(&b, s->tx, sizeof(s->tx));
	count_status(s, st);
	if (moat_log_enabled(MOAT_LOG_DEBUG))
		moat_log(MOAT_LOG_DEBUG, "peer #%llu: %s (id %u) refused: %s", (unsigned long long)p->serial,
			 moat_ipc_opcode_name(opcode), (unsigned)id, moat_ipc_status_name((uint16_t)st));
	if (moat_ipc_encode_status(&b, opcode, id, st) != MOAT_SUCCESS) {
		peer_drop(s, p, "dropped: cannot encode a reply");
		return;
	}
	send_packet(s, p, b.data, b.len);
}

/* Send the reply built in b by an encoder that returned rc; an encoder failure is answered INTERNAL. */
static void answer_built(struct keyd_server *s, struct peer *p, struct moat_buf *b, int rc, uint8_t opcode,
			 uint32_t id)
{
	if (rc != MOAT_SUCCESS) {
		moat_log_error(MOAT_LOG_ERR, "encoding a reply");
		answer_status(s, p, opcode, id, MOAT_IPC_INTERNAL);
		return;
	}
	send_packet(s, p, b->data, b->len);
}

/* ---- requests ---- */

static void on_hello(struct keyd_server *s, struct peer *p, const struct moat_ipc_header *h, struct moat_cursor body)
{
	struct moat_ipc_hello hello;
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	uint8_t version = 0;
	if (moat_ipc_hello_decode(body, &hello, &st) != MOAT_SUCCESS ||
	    moat_ipc_hello_choose(&hello, &version, &st) != MOAT_SUCCESS) {
		answer_status(s, p, h->opcode, h->request_id, st);
		return;
	}
	const struct moat_ipc_hello_reply reply = {
		.version = version,
		.max_inflight = (uint16_t)(p->sock == MOAT_IPC_DATA_SOCKET ? s->p.cfg->max_inflight
									    : KEYD_CONTROL_MAX_INFLIGHT),
		.max_message = MOAT_IPC_MAX_MESSAGE,
	};
	struct moat_buf b;
	moat_buf_init_fixed(&b, s->tx, sizeof(s->tx));
	int rc = moat_ipc_hello_reply_encode(&b, h->request_id, &reply);
	if (rc == MOAT_SUCCESS)
		p->hello = true;
	answer_built(s, p, &b, rc, h->opcode, h->request_id);
}

static void on_ping(struct keyd_server *s, struct peer *p, const struct moat_ipc_header *h, struct moat_cursor body)
{
	struct moat_cursor payload;
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	if (moat_ipc_ping_decode(body, &payload, &st) != MOAT_SUCCESS) {
		answer_status(s, p, h->opcode, h->request_id, st);
		return;
	}
	s->p.stats->pings++;
	struct moat_buf b;
	moat_buf_init_fixed(&b, s->tx, sizeof(s->tx));
	int rc = moat_ipc_ping_reply_encode(&b, h->request_id, moat_cursor_data(&payload),
					    moat_cursor_remaining(&payload));
	answer_built(s, p, &b, rc, h->opcode, h->request_id);
}

static void on_control(struct keyd_server *s, struct peer *p, const struct moat_ipc_header *h,
		       struct moat_cursor body)
{
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	int ok = h->opcode == MOAT_IPC_LIST_KEYS ? moat_ipc_list_keys_decode(body, &st)
						 : moat_ipc_stats_decode(body, &st);
	if (ok != MOAT_SUCCESS) {
		answer_status(s, p, h->opcode, h->request_id, st);
		return;
	}
	struct moat_buf b;
	moat_buf_init_fixed(&b, s->tx, sizeof(s->tx));
	int rc = h->opcode == MOAT_IPC_LIST_KEYS
			 ? keyd_control_list_keys(s->p.keys, h->request_id, &b, &st)
			 : keyd_control_stats(s->p.stats, moat_clock_monotonic_ns(), h->request_id, &b, &st);
	if (rc == MOAT_SUCCESS)
		count_status(s, st);
	answer_built(s, p, &b, rc, h->opcode, h->request_id);
}

static void on_key_op(struct keyd_server *s, struct peer *p, const struct moat_ipc_header *h,
		      struct moat_cursor body)
{
	/* The cap comes before the body is even decoded: a flooding peer costs as little as possible. */
	if (p->in_flight >= s->p.cfg->max_inflight) {
		answer_status(s, p, h->opcode, h->request_id, MOAT_IPC_BUSY);
		return;
	}
	struct keyd_job *job = malloc(sizeof(*job));
	if (job == NULL) {
		answer_status(s, p, h->opcode, h->request_id, MOAT_IPC_INTERNAL);
		return;
	}
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	if (keyd_op_prepare(s->p.keys, h->opcode, body, &job->op, &st) != MOAT_SUCCESS) {
		job->next = NULL;
		keyd_jobs_free(job);
		answer_status(s, p, h->opcode, h->request_id, st);
		return;
	}
	job->owner = p;
	job->request_id = h->request_id;
	job->reply_len = 0;
	p->in_flight++;
	keyd_workers_submit(s->p.workers, job);
}

static void handle_packet(struct keyd_server *s, struct peer *p, const uint8_t *pkt, size_t len)
{
	struct moat_ipc_header h;
	struct moat_cursor body;
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	bool answerable = false;

	s->p.stats->requests++;
	if (moat_ipc_request_open(pkt, len, &h, &body, &st, &answerable) != MOAT_SUCCESS) {
		s->p.stats->malformed++;
		if (!answerable) {
			peer_drop(s, p, "dropped: unanswerable packet of %zu bytes", len);
			return;
		}
		answer_status(s, p, h.opcode, h.request_id, st);
		return;
	}
	if (!p->hello && h.opcode != MOAT_IPC_HELLO) {
		answer_status(s, p, h.opcode, h.request_id, MOAT_IPC_NEED_HELLO);
		return;
	}
	if ((p->hello && h.opcode == MOAT_IPC_HELLO) || !moat_ipc_opcode_allowed(h.opcode, p->sock)) {
		answer_status(s, p, h.opcode, h.request_id, MOAT_IPC_NOT_PERMITTED);
		return;
	}
	switch (h.opcode) {
	case MOAT_IPC_HELLO:
		on_hello(s, p, &h, body);
		break;
	case MOAT_IPC_PING:
		on_ping(s, p, &h, body);
		break;
	case MOAT_IPC_LIST_KEYS:
	case MOAT_IPC_STATS:
		on_control(s, p, &h, body);
		break;
	case MOAT_IPC_SIGN:
	case MOAT_IPC_RSA_DECRYPT:
		on_key_op(s, p, &h, body);
		break;
	default:
		answer_status(s, p, h.opcode, h.request_id, MOAT_IPC_BAD_OPCODE);
		break;
	}
}

static void peer_readable(struct keyd_server *s, struct peer *p)
{
	for (int i = 0; i < READ_BUDGET && !p->closed && p->out == NULL; i++) {
		ssize_t n = recv(p->fd, s->rx, sizeof(s->rx), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EINTR)
				continue;
			peer_close(s, p, MOAT_LOG_DEBUG, "closed: recv: %s", strerror(errno));
			return;
		}
		if (n == 0) {
			peer_close(s, p, MOAT_LOG_DEBUG, "disconnected");
			return;
		}
		/* MSG_TRUNC gives the real length: an oversize packet reaches the decoder as longer than the limit. */
		size_t len = (size_t)n < sizeof(s->rx) ? (size_t)n : sizeof(s->rx);
		handle_packet(s, p, s->rx, len);
	}
}

/* ---- completions ---- */

static void jobs_done(struct keyd_server *s)
{
	struct keyd_job *list = keyd_workers_take_done(s->p.workers);
	while (list != NULL) {
		struct keyd_job *job = list;
		list = job->next;
		job->next = NULL;
		struct peer *p = job->owner;
		p->in_flight--;
		if (job->status == MOAT_IPC_OK) {
			if (job->op.opcode == MOAT_IPC_SIGN)
				s->p.stats->signs++;
			else
				s->p.stats->decrypts++;
		} else {
			count_status(s, job->status);
		}
		if (!p->closed) {
			if (job->reply_len == 0)
				peer_drop(s, p, "dropped: no reply could be built");
			else
				send_packet(s, p, job->reply, job->reply_len);
		}
		keyd_jobs_free(job);
	}
}

/* ---- connections ---- */

static size_t peer_groups(int fd, gid_t primary, uint32_t *gids, size_t cap)
{
	gid_t groups[MAX_PEER_GROUPS];
	socklen_t len = sizeof(groups);
	size_t n = 0;
	gids[n++] = (uint32_t)primary;
	/* Supplementary groups (Linux 4.13+); without them only the primary group counts. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0)
		for (size_t i = 0; i < len / sizeof(gid_t) && n < cap; i++)
			gids[n++] = (uint32_t)groups[i];
	return n;
}

static bool peer_allowed(struct keyd_server *s, moat_ipc_socket sock, int fd, const struct ucred *cred,
			 const char **why)
{
	if (sock == MOAT_IPC_CONTROL_SOCKET) {
		*why = "the control socket serves root and keyd's own user only";
		return cred->uid == 0 || cred->uid == s->self_uid;
	}
	uint32_t gids[MAX_PEER_GROUPS + 1];
	size_t n = peer_groups(fd, cred->gid, gids, sizeof(gids) / sizeof(gids[0]));
	*why = "no allow rule matches its uid or groups";
	return keyd_config_allows(s->p.cfg, (uint32_t)cred->uid, gids, n);
}

static void accept_one(struct keyd_server *s, moat_ipc_socket sock, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred)) {
		moat_log(MOAT_LOG_WARNING, "refused %s-socket peer: no credentials: %s", socket_name(sock),
			 strerror(errno));
		s->p.stats->refused++;
		close(fd);
		return;
	}
	const char *why = NULL;
	if (!peer_allowed(s, sock, fd, &cred, &why) || s->live_count >= KEYD_MAX_PEERS) {
		if (why == NULL || s->live_count >= KEYD_MAX_PEERS)
			why = "too many peers";
		moat_log(MOAT_LOG_NOTICE, "refused %s-socket peer (pid %d, uid %u, gid %u): %s", socket_name(sock),
			 (int)cred.pid, (unsigned)cred.uid, (unsigned)cred.gid, why);
		s->p.stats->refused++;
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
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &p->h };
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		moat_log(MOAT_LOG_ERR, "epoll_ctl: %s", strerror(errno));
		close(fd);
		free(p);
		return;
	}
	list_push(&s->live, p);
	s->live_count++;
	s->p.stats->peers++;
	s->p.stats->connections++;
	moat_log(MOAT_LOG_DEBUG, "peer #%llu connected to the %s socket (pid %d, uid %u, gid %u)",
		 (unsigned long long)p->serial, socket_name(sock), (int)cred.pid, (unsigned)cred.uid,
		 (unsigned)cred.gid);
}

static void accept_peers(struct keyd_server *s, moat_ipc_socket sock, int lfd)
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
			moat_log(MOAT_LOG_ERR, "accept on the %s socket: %s", socket_name(sock), strerror(errno));
		}
		return;
	}
}

static void on_signal(struct keyd_server *s)
{
	struct signalfd_siginfo si;
	while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			moat_log(MOAT_LOG_NOTICE, "SIGHUP: keyd cannot reload (its sandbox forbids opening files); restart it");
			continue;
		}
		moat_log(MOAT_LOG_NOTICE, "%s: shutting down", si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
		s->stop = true;
	}
}

/* ---- setup and loop ---- */

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

int keyd_server_block_signals(void)
{
	sigset_t set;
	stop_signals(&set);
	ENSURE(pthread_sigmask(SIG_BLOCK, &set, NULL) == 0, MOAT_ERR_INTERNAL);
	ENSURE(signal(SIGPIPE, SIG_IGN) != SIG_ERR, MOAT_ERR_INTERNAL);
	return MOAT_SUCCESS;
}

static int watch(struct keyd_server *s, int fd, struct handle *h, enum handle_kind kind)
{
	h->kind = kind;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = h };
	ENSURE(epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) == 0, MOAT_ERR_IO);
	return MOAT_SUCCESS;
}

static int setup(struct keyd_server *s)
{
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	ENSURE(s->epfd >= 0, MOAT_ERR_IO);
	sigset_t set;
	stop_signals(&set);
	s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	ENSURE(s->sigfd >= 0, MOAT_ERR_IO);
	TRY(watch(s, s->p.data_fd, &s->data_h, H_DATA_LISTENER));
	TRY(watch(s, s->p.control_fd, &s->control_h, H_CONTROL_LISTENER));
	TRY(watch(s, s->sigfd, &s->sig_h, H_SIGNAL));
	TRY(watch(s, keyd_workers_fd(s->p.workers), &s->workers_h, H_WORKERS));
	return MOAT_SUCCESS;
}

int keyd_server_new(struct keyd_server **out, const struct keyd_server_params *p)
{
	ENSURE_REF(out);
	ENSURE_REF(p);
	*out = NULL;
	struct keyd_server *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		/* What it would have taken over is still released, as on every other failure. */
		close(p->data_fd);
		close(p->control_fd);
		keyd_jobs_free(keyd_workers_stop(p->workers));
		BAIL(MOAT_ERR_ALLOC);
	}
	s->p = *p;
	s->self_uid = geteuid();
	s->epfd = -1;
	s->sigfd = -1;
	if (setup(s) != MOAT_SUCCESS) {
		int err = moat_errno;
		keyd_server_free(s);
		moat_error_raise(err, MOAT_HERE);
		return MOAT_FAILURE;
	}
	*out = s;
	return MOAT_SUCCESS;
}

static void dispatch(struct keyd_server *s, const struct epoll_event *ev)
{
	struct handle *h = ev->data.ptr;
	switch (h->kind) {
	case H_DATA_LISTENER:
		accept_peers(s, MOAT_IPC_DATA_SOCKET, s->p.data_fd);
		break;
	case H_CONTROL_LISTENER:
		accept_peers(s, MOAT_IPC_CONTROL_SOCKET, s->p.control_fd);
		break;
	case H_SIGNAL:
		on_signal(s);
		break;
	case H_WORKERS:
		jobs_done(s);
		break;
	case H_PEER: {
		struct peer *p = (struct peer *)h;
		if (p->closed)
			break;
		/* A hung-up peer reads nothing more: its pending requests are not worth signing. */
		if (ev->events & (EPOLLERR | EPOLLHUP)) {
			peer_close(s, p, MOAT_LOG_DEBUG, "disconnected");
			break;
		}
		if (ev->events & EPOLLOUT)
			peer_writable(s, p);
		if ((ev->events & EPOLLIN) && !p->closed)
			peer_readable(s, p);
		break;
	}
	}
}

int keyd_server_run(struct keyd_server *s)
{
	ENSURE_REF(s);
	struct epoll_event events[MAX_EVENTS];
	while (!s->stop) {
		int n = epoll_wait(s->epfd, events, MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			BAIL(MOAT_ERR_IO);
		}
		for (int i = 0; i < n; i++)
			dispatch(s, &events[i]);
		reap_zombies(s);
	}
	return MOAT_SUCCESS;
}

void keyd_server_free(struct keyd_server *s)
{
	if (s == NULL)
		return;
	keyd_jobs_free(keyd_workers_stop(s->p.workers));
	s->p.workers = NULL;
	while (s->live != NULL)
		peer_close(s, s->live, MOAT_LOG_DEBUG, "closed: keyd is stopping");
	while (s->zombies != NULL) {
		struct peer *p = s->zombies;
		list_remove(&s->zombies, p);
		free(p);
	}
	if (s->p.data_fd >= 0)
		close(s->p.data_fd);
	if (s->p.control_fd >= 0)
		close(s->p.control_fd);
	if (s->sigfd >= 0)
		close(s->sigfd);
	if (s->epfd >= 0)
		close(s->epfd);
	free(s);
}
