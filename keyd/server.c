/*
 * The event loop (see server.h).
 *
 * Lifetime of a peer: live (in the epoll set) until it hangs up or is
 * dropped; then its socket is closed at once and it waits on the zombie list
 * until the signing threads have returned every job that points to it.
 * Peers are only freed at the end of a loop turn, so no handler ever holds a
 * pointer to freed memory, whatever it closed.
 *
 * Key operations: the handlers only check them and put them on the turn's
 * list; at the end of the turn run_turn decides, for each, whether the loop
 * signs it itself or hands it to the signing threads (see there).
 */
#include "keyd/server.h"

#include <errno.h>
#include <sched.h>
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
#define SEND_BATCH 64    /* replies given to one sendmmsg */
#define MAX_EVENTS 64
#define MAX_PEER_GROUPS 64
/*
 * How long the loop may spend signing in one turn (at least one operation is
 * allowed): what inline signing may add to a PING's or another peer's wait.
 */
#define INLINE_TURN_NS (1 * MOAT_NS_PER_MS)
/*
 * inline-sign when the config does not say: ECDSA P-256 (20-30 us) is signed
 * inline, RSA-2048 (~300 us), P-384 and P-521 go to the threads, which
 * sign them in parallel on other cores for about 5% more CPU. When keyd may
 * run on one CPU only (its affinity at startup, as with taskset or a
 * systemd CPUAffinity= of one CPU), the threads cannot sign in parallel and
 * only add the hand-off: then whatever fits in a turn is signed inline, and
 * only what is slower than INLINE_TURN_NS (RSA-4096) still goes to them,
 * so that it never holds up the loop.
 */
#define INLINE_DEFAULT_NS (100 * 1000)
/*
 * Inline work in a turn above which, on a machine where keyd may use
 * several CPUs, idle threads are given a share: the loop is falling behind
 * (about eight P-256 signatures came at once), and waking a thread costs
 * less than that.
 */
#define SPLIT_MIN_NS (200 * 1000)
/* How often refusals by a key's policy are logged at most: a hostile frontd must not flood the log. */
#define POLICY_LOG_INTERVAL_NS (10 * MOAT_NS_PER_SEC)

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
	uint64_t deadline_ns;    /* HELLO deadline, then (idle-timeout) last request + idle-timeout; 0: none */
	unsigned in_flight;
	uint32_t events;
	struct reply *out, *out_tail;
	size_t out_count;
	bool to_flush;           /* on the server's flush list */
	struct peer *flush_next;
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
	struct keyd_job *turn, *turn_tail; /* key operations read this turn, neither signed nor handed over yet */
	struct peer *flush;                /* peers with replies made this turn */
	uint64_t inline_max_ns;            /* inline-sign */
	bool one_cpu;                      /* keyd's affinity allows one CPU: the threads cannot sign in parallel */
	uint64_t *key_ns;                  /* per key (index in the keyset): its fastest operation so far, 0 if none */
	uint64_t next_sweep_ns;            /* earliest peer deadline (0: none): when the loop looks at them */
	uint64_t policy_log_ns;            /* when a key-policy refusal was last logged */
	uint64_t policy_unlogged;          /* key-policy refusals since then not logged */
	uint8_t rx[READ_BUDGET][MOAT_IPC_MAX_MESSAGE + 1]; /* one more, so an oversize packet is seen as one */
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

/* ---- reply queues (see output) ---- */

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

/*
 * Hand p's queued replies to the kernel, oldest first, until the queue is
 * empty or p's socket is full. 0 or EAGAIN (full), else the errno that
 * stopped it (EMSGSIZE for a short send).
 */
static int send_queued(struct peer *p)
{
	while (p->out != NULL) {
		struct mmsghdr msgs[SEND_BATCH];
		struct iovec iov[SEND_BATCH];
		unsigned n = 0;
		memset(msgs, 0, sizeof(msgs));
		for (struct reply *r = p->out; r != NULL && n < SEND_BATCH; r = r->next, n++) {
			iov[n].iov_base = r->data;
			iov[n].iov_len = r->len;
			msgs[n].msg_hdr.msg_iov = &iov[n];
			msgs[n].msg_hdr.msg_iovlen = 1;
		}
		int sent = sendmmsg(p->fd, msgs, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (sent < 0)
			return errno == EWOULDBLOCK || errno == EINTR ? EAGAIN : errno;
		for (int i = 0; i < sent; i++) {
			struct reply *r = p->out;
			if (msgs[i].msg_len != r->len)
				return EMSGSIZE;
			p->out = r->next;
			if (p->out == NULL)
				p->out_tail = NULL;
			p->out_count--;
			/* Replies may hold a premaster secret. */
			moat_wipe(r->data, r->len);
			free(r);
		}
		/* Fewer sent than offered: the socket is full (the next call would say EAGAIN). */
		if ((unsigned)sent < n)
			return EAGAIN;
	}
	return 0;
}

/* ---- closing ---- */

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

	/*
	 * Replies still queued answer requests that came before whatever cost
	 * the connection (they wait for the end of the turn): they still go,
	 * if the socket takes them.
	 */
	if (p->out != NULL)
		(void)send_queued(p);
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

/*
 * Replies are not sent as they are made: each goes on its peer's queue, and
 * the queues are flushed at the end of the loop turn, each with one
 * sendmmsg. A peer whose requests came in together (several read in one
 * turn, or finished by the threads together) gets their replies with one
 * system call and one wake-up, rather than one each; on a busy machine each
 * wake-up can also preempt the loop to run that peer. A PING's reply waits
 * at most for the end of the turn.
 */

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

static void send_packet(struct keyd_server *s, struct peer *p, const uint8_t *data, size_t len)
{
	if (p->closed)
		return;
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
	/* A peer waiting for EPOLLOUT is flushed when epoll says it can take more. */
	if (!p->to_flush && p->events != EPOLLOUT) {
		p->to_flush = true;
		p->flush_next = s->flush;
		s->flush = p;
	}
}

/* Send what p's queue holds; then read p again, or wait until it can take the rest. */
static void flush_peer(struct keyd_server *s, struct peer *p)
{
	int err = send_queued(p);
	if (err == EMSGSIZE) {
		peer_drop(s, p, "dropped: short send");
		return;
	}
	if (err != 0 && err != EAGAIN) {
		peer_close(s, p, MOAT_LOG_DEBUG, "closed: send: %s", strerror(err));
		return;
	}
	update_events(s, p);
}

static void flush_replies(struct keyd_server *s)
{
	while (s->flush != NULL) {
		struct peer *p = s->flush;
		s->flush = p->flush_next;
		p->flush_next = NULL;
		p->to_flush = false;
		if (!p->closed)
			flush_peer(s, p);
	}
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

/* ---- deadlines ---- */

static void schedule(struct keyd_server *s, uint64_t deadline_ns)
{
	if (deadline_ns != 0 && (s->next_sweep_ns == 0 || deadline_ns < s->next_sweep_ns))
		s->next_sweep_ns = deadline_ns;
}

/* A request came: with idle-timeout, the peer's clock starts again. */
static void peer_active(struct keyd_server *s, struct peer *p, uint64_t now_ns)
{
	if (!p->hello)
		return;
	p->deadline_ns = s->p.cfg->idle_timeout_ms > 0 ? now_ns + s->p.cfg->idle_timeout_ms * MOAT_NS_PER_MS : 0;
	/* The sweep already planned comes earlier or reschedules: nothing to do unless none is. */
	schedule(s, p->deadline_ns);
}

/*
 * Close the peers whose deadline passed; plan the next look. Deadlines only
 * move later as peers work, so a planned sweep may find nothing due: it then
 * just plans the next one.
 */
static void sweep_deadlines(struct keyd_server *s, uint64_t now_ns)
{
	if (s->next_sweep_ns == 0 || now_ns < s->next_sweep_ns)
		return;
	s->next_sweep_ns = 0;
	for (struct peer *p = s->live, *next; p != NULL; p = next) {
		next = p->next;
		if (p->deadline_ns == 0)
			continue;
		if (p->deadline_ns > now_ns) {
			schedule(s, p->deadline_ns);
			continue;
		}
		if (!p->hello) {
			s->p.stats->hello_timeouts++;
			peer_close(s, p, MOAT_LOG_NOTICE, "closed: no HELLO within %llu ms",
				   (unsigned long long)s->p.cfg->hello_timeout_ms);
		} else if (p->in_flight > 0 || p->out != NULL) {
			/* Waiting for its own replies is not idle. */
			p->deadline_ns = now_ns + s->p.cfg->idle_timeout_ms * MOAT_NS_PER_MS;
			schedule(s, p->deadline_ns);
		} else {
			s->p.stats->idle_timeouts++;
			peer_close(s, p, MOAT_LOG_INFO, "closed: no request for %llu ms",
				   (unsigned long long)s->p.cfg->idle_timeout_ms);
		}
	}
}

/* epoll_wait's timeout: until the next sweep, rounded up to a whole millisecond; -1 for none. */
static int wait_ms(const struct keyd_server *s)
{
	if (s->next_sweep_ns == 0)
		return -1;
	uint64_t now = moat_clock_monotonic_ns();
	if (s->next_sweep_ns <= now)
		return 0;
	uint64_t ms = (s->next_sweep_ns - now + MOAT_NS_PER_MS - 1) / MOAT_NS_PER_MS;
	return ms > 60000 ? 60000 : (int)ms;
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
	if (rc == MOAT_SUCCESS) {
		p->hello = true;
		peer_active(s, p, moat_clock_monotonic_ns());
	}
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

/*
 * A request the key's configuration forbids is what a compromised frontd
 * would send: the operator must hear of it, but at most once per
 * POLICY_LOG_INTERVAL_NS, with the count of those not logged.
 */
static void policy_refused(struct keyd_server *s, struct peer *p, const struct keyd_op *op)
{
	s->p.stats->key_policy++;
	uint64_t now = moat_clock_monotonic_ns();
	if (s->policy_log_ns != 0 && now - s->policy_log_ns < POLICY_LOG_INTERVAL_NS) {
		s->policy_unlogged++;
		return;
	}
	moat_log(MOAT_LOG_WARNING, "peer #%llu (pid %d, uid %u): key %s: %s%s", (unsigned long long)p->serial,
		 (int)p->pid, (unsigned)p->uid, op->key != NULL ? op->key->name : "?",
		 op->refusal != NULL ? op->refusal : "refused by the key's policy",
		 s->policy_unlogged > 0 ? " (and more refusals not logged, see STATS key_policy)" : "");
	s->policy_log_ns = now;
	s->policy_unlogged = 0;
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
		if (st == MOAT_IPC_KEY_POLICY)
			policy_refused(s, p, &job->op);
		job->next = NULL;
		keyd_jobs_free(job);
		answer_status(s, p, h->opcode, h->request_id, st);
		return;
	}
	job->owner = p;
	job->request_id = h->request_id;
	job->reply_len = 0;
	job->run_ns = 0;
	job->next = NULL;
	p->in_flight++;
	if (s->turn_tail != NULL)
		s->turn_tail->next = job;
	else
		s->turn = job;
	s->turn_tail = job;
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
	if (s->p.cfg->idle_timeout_ms > 0)
		peer_active(s, p, moat_clock_monotonic_ns());
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

/*
 * Up to READ_BUDGET packets with one recvmmsg: a peer that sent several
 * requests costs one system call for them all, and one that sent a single
 * request is not asked again just to hear EAGAIN.
 */
static void peer_readable(struct keyd_server *s, struct peer *p)
{
	struct mmsghdr msgs[READ_BUDGET];
	struct iovec iov[READ_BUDGET];
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < READ_BUDGET; i++) {
		iov[i].iov_base = s->rx[i];
		iov[i].iov_len = sizeof(s->rx[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	int n;
	while ((n = recvmmsg(p->fd, msgs, READ_BUDGET, MSG_DONTWAIT | MSG_TRUNC, NULL)) < 0 && errno == EINTR)
		;
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			peer_close(s, p, MOAT_LOG_DEBUG, "closed: recv: %s", strerror(errno));
		return;
	}
	for (int i = 0; i < n && !p->closed; i++) {
		if (msgs[i].msg_len == 0) {
			peer_close(s, p, MOAT_LOG_DEBUG, "disconnected");
			return;
		}
		/* MSG_TRUNC gives the real length: an oversize packet reaches the decoder as longer than the limit. */
		size_t len = msgs[i].msg_len < sizeof(s->rx[i]) ? msgs[i].msg_len : sizeof(s->rx[i]);
		handle_packet(s, p, s->rx[i], len);
	}
}

/* ---- key operations: signed here or by the threads ---- */

static uint64_t *key_cost(struct keyd_server *s, const struct keyd_job *job)
{
	return &s->key_ns[job->op.key - s->p.keys->keys];
}

/* Answer a job that was run (here or by a thread) and free it. */
static void finish_job(struct keyd_server *s, struct keyd_job *job)
{
	struct peer *p = job->owner;
	p->in_flight--;
	if (job->status == MOAT_IPC_OK) {
		/*
		 * The fastest run is the estimate: a run is only ever made slower
		 * (the thread was preempted), so the minimum is the key's real
		 * cost. Failures are not counted: they may stop early.
		 */
		uint64_t *cost = key_cost(s, job);
		if (*cost == 0 || job->run_ns < *cost)
			*cost = job->run_ns > 0 ? job->run_ns : 1;
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

/* Free a job whose peer went away before it was run: a flood then a hang-up wastes no signatures. */
static void forget_job(struct keyd_job *job)
{
	struct peer *p = job->owner;
	p->in_flight--;
	keyd_jobs_free(job);
}

/*
 * The key operations read this turn. A thread hand-off costs two wake-ups
 * and their context switches, which is more than an ECDSA P-256 signature:
 * such cheap operations are signed here, by the loop, and answered with the
 * turn's other replies. Cheap means that the key's fastest operation so far
 * took at most inline-sign; a key not measured yet goes to the threads,
 * which measure it. The turn's inline signing stops at INLINE_TURN_NS (one
 * operation at least), so a PING or another peer waits at most about that;
 * the rest, and every slow operation (RSA, P-384), go to the threads in one
 * batch, handed over first so that on a machine with several cores they
 * sign while the loop does.
 *
 * When more cheap work came than the loop does quickly (SPLIT_MIN_NS) and
 * keyd may use several CPUs, the loop keeps only its share of it, as if it
 * were one more thread, and the idle threads get the rest: under load the
 * cores still sign in parallel.
 */
static void run_turn(struct keyd_server *s)
{
	struct keyd_job *list = s->turn;
	struct keyd_job *here = NULL, *here_tail = NULL, *pool = NULL, *pool_tail = NULL;
	uint64_t planned = 0;
	s->turn = s->turn_tail = NULL;
	while (list != NULL) {
		struct keyd_job *job = list;
		list = job->next;
		job->next = NULL;
		if (((struct peer *)job->owner)->closed) {
			forget_job(job);
			continue;
		}
		uint64_t cost = *key_cost(s, job);
		bool inline_ok = cost != 0 && cost <= s->inline_max_ns &&
				 (planned == 0 || planned + cost <= INLINE_TURN_NS);
		struct keyd_job **head = inline_ok ? &here : &pool, **tail = inline_ok ? &here_tail : &pool_tail;
		if (inline_ok)
			planned += cost;
		if (*tail != NULL)
			(*tail)->next = job;
		else
			*head = job;
		*tail = job;
	}
	if (planned > SPLIT_MIN_NS && !s->one_cpu) {
		size_t idle = keyd_workers_idle(s->p.workers);
		uint64_t keep = planned / (idle + 1), kept = 0;
		for (struct keyd_job **j = &here; idle > 0 && *j != NULL; j = &(*j)->next) {
			kept += *key_cost(s, *j);
			if (kept > keep && j != &here) {
				/* *j and the jobs after it go to the threads. */
				if (pool_tail != NULL)
					pool_tail->next = *j;
				else
					pool = *j;
				*j = NULL;
				break;
			}
		}
	}
	keyd_workers_submit(s->p.workers, pool);
	while (here != NULL) {
		struct keyd_job *job = here;
		here = job->next;
		job->next = NULL;
		/* An earlier reply may have cost the peer its connection (its queue was full). */
		if (((struct peer *)job->owner)->closed) {
			forget_job(job);
			continue;
		}
		keyd_job_run(job);
		finish_job(s, job);
	}
}

static void jobs_done(struct keyd_server *s)
{
	struct keyd_job *list = keyd_workers_take_done(s->p.workers);
	while (list != NULL) {
		struct keyd_job *job = list;
		list = job->next;
		job->next = NULL;
		finish_job(s, job);
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

/* Live peers of uid on that socket (at most KEYD_MAX_PEERS to count, once per accepted connection). */
static unsigned peers_of(const struct keyd_server *s, moat_ipc_socket sock, uid_t uid)
{
	unsigned n = 0;
	for (const struct peer *p = s->live; p != NULL; p = p->next)
		n += p->sock == sock && p->uid == uid;
	return n;
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
	bool allowed = peer_allowed(s, sock, fd, &cred, &why);
	if (allowed && s->live_count >= KEYD_MAX_PEERS) {
		allowed = false;
		why = "too many peers";
		s->p.stats->refused_limit++;
	} else if (allowed && peers_of(s, sock, cred.uid) >= s->p.cfg->max_peers_per_uid) {
		allowed = false;
		why = "its uid holds max-peers-per-uid connections already";
		s->p.stats->refused_limit++;
	}
	if (!allowed) {
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
	schedule(s, p->deadline_ns);
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
	s->key_ns = calloc(s->p.keys->count > 0 ? s->p.keys->count : 1, sizeof(*s->key_ns));
	ENSURE(s->key_ns != NULL, MOAT_ERR_ALLOC);
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

static bool one_cpu(void)
{
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	return sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) == 1;
}

static uint64_t inline_max_ns(const struct keyd_server *s)
{
	if (s->p.cfg->inline_sign_us != KEYD_INLINE_SIGN_AUTO)
		return (uint64_t)s->p.cfg->inline_sign_us * 1000u;
	return s->one_cpu ? INLINE_TURN_NS : INLINE_DEFAULT_NS;
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
	s->one_cpu = one_cpu();
	s->inline_max_ns = inline_max_ns(s);
	if (setup(s) != MOAT_SUCCESS) {
		int err = moat_errno;
		keyd_server_free(s);
		moat_error_raise(err, MOAT_HERE);
		return MOAT_FAILURE;
	}
	if (s->inline_max_ns == 0)
		moat_log(MOAT_LOG_INFO, "every key operation goes to the signing threads (inline-sign 0)");
	else
		moat_log(MOAT_LOG_INFO, "the event loop signs operations of at most %llu us itself%s",
			 (unsigned long long)(s->inline_max_ns / 1000u),
			 p->cfg->inline_sign_us != KEYD_INLINE_SIGN_AUTO ? ""
			 : s->inline_max_ns == INLINE_TURN_NS ? " (default for a single CPU)" : " (default)");
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
			flush_peer(s, p);
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
		int n = epoll_wait(s->epfd, events, MAX_EVENTS, wait_ms(s));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			BAIL(MOAT_ERR_IO);
		}
		for (int i = 0; i < n; i++)
			dispatch(s, &events[i]);
		run_turn(s);
		flush_replies(s);
		if (s->next_sweep_ns != 0)
			sweep_deadlines(s, moat_clock_monotonic_ns());
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
	keyd_jobs_free(s->turn);
	s->turn = s->turn_tail = NULL;
	free(s->key_ns);
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
