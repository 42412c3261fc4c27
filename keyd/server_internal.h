/*
 * What the pieces of keyd's event loop share (not for the rest of keyd,
 * which sees only server.h).
 *
 * The loop is split by job, one file each:
 *   server.c     setup, one loop turn after another, the drain on stop, teardown
 *   signals.c    the stop signals, read from a signalfd in the loop
 *   admission.c  who may connect: peer credentials and connection limits
 *   peer.c       a peer's life: accepted, timed out, closed, freed
 *   requests.c   packets read from a peer, decoded and routed to a handler
 *   key_admin.c  KEY_ADD and KEY_REMOVE: the keyset changed while keyd serves
 *   schedule.c   each key operation: signed by the loop or by the threads
 *   replies.c    replies queued per peer, sent at the end of the turn
 *   ticket_requests.c  the ticket-key requests and the keys' timer
 *
 * A turn: the handlers run for each epoll event (accepting, reading,
 * answering what needs no key), key operations wait on the turn's list,
 * schedule.c signs or hands them over, replies.c flushes every queue the
 * turn filled, peer.c closes the peers whose deadline passed and frees
 * those no signing thread still points to.
 *
 * All of their state is in struct keyd_server, passed to every function:
 * no file-static globals, so nothing here assumes one loop per process.
 * Each group of fields below is the state of the file it names, which
 * alone changes it after setup (server.c); the p.stats counters and the tx
 * scratch buffer are shared.
 */
#ifndef MOAT_KEYD_SERVER_INTERNAL_H
#define MOAT_KEYD_SERVER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "common/log.h"
#include "common/metrics_http.h"
#include "ipc/ipc.h"
#include "keyd/server.h"
#include "keyd/early_record.h"
#include "keyd/ticket_keys.h"

#define READ_BUDGET 16 /* packets read from one peer per wake-up */

/* What an epoll event's data points to: the first member of each watched object. */
enum handle_kind {
	H_DATA_LISTENER,
	H_CONTROL_LISTENER,
	H_SIGNAL,
	H_WORKERS,
	H_PEER,
	H_METRICS_LISTENER,
	H_SCRAPE,
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
	unsigned in_flight;      /* its key operations on the turn's list, with the threads, or done and not answered */
	uint64_t next_round;     /* its next round in the signing threads' fair queue (workers.h) */
	uint32_t events;
	struct reply *out, *out_tail;
	size_t out_count;
	bool to_flush;           /* on the server's flush list */
	struct peer *flush_next;
};

/* A metrics request being read or answered (metrics.c). */
#define KEYD_MAX_SCRAPES 4
struct keyd_scrape {
	struct handle h; /* first: epoll data points here */
	int fd;
	size_t len, sent;
	uint64_t deadline_ns;
	struct moat_buf out;
	uint8_t req[MOAT_HTTP_MAX_REQUEST];
};

struct keyd_server {
	struct keyd_server_params p;       /* the counters in p.stats are counted by every file */
	/* server.c */
	int epfd;
	struct handle data_h, control_h, sig_h, workers_h;
	bool draining;                     /* stopping: listeners closed, peers not read, what was read is answered */
	uint64_t drain_end_ns;             /* when the drain gives up on what is still unanswered */
	uint8_t tx[MOAT_IPC_MAX_MESSAGE];  /* scratch: the reply being encoded (requests.c, replies.c) */
	/* signals.c */
	int sigfd;
	bool stop;                         /* SIGTERM or SIGINT came: server.c drains after this turn, then ends the loop */
	uint64_t status_keys, status_peers; /* what systemd's STATUS= line last said (server.c) */
	/* admission.c */
	uid_t self_uid;                    /* keyd's own uid, after the privilege drop (set up by server.c) */
	/* peer.c */
	struct peer *live, *zombies;
	size_t live_count;
	uint64_t next_serial;
	bool listeners_paused;
	uint64_t next_sweep_ns;            /* earliest peer deadline (0: none): when the loop looks at them */
	/* requests.c */
	uint64_t policy_log_ns;            /* when a key-policy refusal was last logged */
	uint64_t policy_unlogged;          /* key-policy refusals since then not logged */
	uint8_t rx[READ_BUDGET][MOAT_IPC_MAX_MESSAGE + 1]; /* one more, so an oversize packet is seen as one */
	/* schedule.c */
	struct keyd_job *turn, *turn_tail; /* key operations read this turn, neither signed nor handed over yet */
	uint64_t inline_max_ns;            /* inline-sign */
	bool one_cpu;                      /* keyd's affinity allows one CPU: the threads cannot sign in parallel */
	/* replies.c */
	struct peer *flush;                /* peers with replies made this turn */
	/* ticket_requests.c */
	struct keyd_tickets tickets;       /* the session-ticket keys (ticket_keys.h) */
	uint64_t tickets_next;             /* Unix time of the keys' next scheduled change; 0: look now */
	/* metrics.c */
	struct handle metrics_h;
	struct keyd_scrape *scrapes[KEYD_MAX_SCRAPES];
	struct keyd_early_record early;    /* tickets opened for 0-RTT (early_record.h) */
};

static inline const char *keyd_socket_name(moat_ipc_socket sock)
{
	return sock == MOAT_IPC_DATA_SOCKET ? "data" : "control";
}

/* ---- signals.c ---- */

/* Open the signalfd that reports the signals keyd_server_block_signals blocked. */
MOAT_MUST_USE int keyd_signals_open(struct keyd_server *s);
/* Read every pending signal: SIGTERM and SIGINT set s->stop, SIGHUP is only logged. */
void keyd_signals_read(struct keyd_server *s);

/* ---- admission.c ---- */

/*
 * Whether the peer on fd, just accepted on sock, may stay; its credentials
 * in *cred. A refusal is logged and counted; the caller closes fd.
 */
bool keyd_admit(struct keyd_server *s, moat_ipc_socket sock, int fd, struct ucred *cred);

/* ---- peer.c ---- */

/* Accept what is waiting on the listening socket lfd, at most a budget per wake-up. */
void keyd_peers_accept(struct keyd_server *s, moat_ipc_socket sock, int lfd);
/*
 * Close p's socket and log why; p becomes a zombie until no job points to it.
 * Replies already queued are still offered to the socket.
 */
__attribute__((format(printf, 4, 5)))
void keyd_peer_close(struct keyd_server *s, struct peer *p, moat_log_level level, const char *fmt, ...);
/* Close p for what it did (counted in STATS dropped). */
#define keyd_peer_drop(srv, peer, ...) \
	do { \
		(srv)->p.stats->dropped++; \
		keyd_peer_close((srv), (peer), MOAT_LOG_NOTICE, __VA_ARGS__); \
	} while (0)
/* p sent a request at now_ns: with idle-timeout, its clock starts again. */
void keyd_peer_active(struct keyd_server *s, struct peer *p, uint64_t now_ns);
/* Close the peers whose deadline passed; plan the next look. */
void keyd_peers_sweep(struct keyd_server *s, uint64_t now_ns);
/* epoll_wait's timeout: until the next sweep, in whole milliseconds; -1 for none. */
int keyd_peers_wait_ms(const struct keyd_server *s);
/* Free the zombies no job points to any more. */
void keyd_peers_reap(struct keyd_server *s);
/* Close every live peer and free every zombie: keyd is stopping and the threads are joined. */
void keyd_peers_free_all(struct keyd_server *s);
/*
 * keyd is draining (server.c): stop reading every live peer and close those
 * with nothing in flight and nothing to send; the rest are closed by
 * keyd_peers_close_answered once their last reply is out.
 */
void keyd_peers_quiesce(struct keyd_server *s);
void keyd_peers_close_answered(struct keyd_server *s);
/* Key operations of live peers not answered yet (the drain's count). */
unsigned keyd_peers_in_flight(const struct keyd_server *s);

/* ---- requests.c ---- */

/* Read what p sent, up to READ_BUDGET packets, and handle each. */
void keyd_peer_read(struct keyd_server *s, struct peer *p);

/* ---- key_admin.c ---- */

/* Whether p may change the keys: root or keyd's own user, by its SO_PEERCRED uid. */
bool keyd_may_change_keys(const struct keyd_server *s, const struct peer *p);
/*
 * KEY_ADD and KEY_REMOVE, as rows of requests.c's control table: the reply
 * to request id into out, or a failure with *st the status to answer
 * (NOT_PERMITTED, TOO_LARGE, KEY_HELD, BAD_KEY, UNKNOWN_KEY, or a decoder's).
 */
MOAT_MUST_USE int keyd_key_add(struct keyd_server *s, const struct peer *p, uint32_t id, struct moat_cursor body,
			       struct moat_buf *out, moat_ipc_status *st);
MOAT_MUST_USE int keyd_key_remove(struct keyd_server *s, const struct peer *p, uint32_t id, struct moat_cursor body,
				  struct moat_buf *out, moat_ipc_status *st);

/* ---- schedule.c ---- */

/* Measure keyd's CPU affinity and choose the inline-sign limit. */
MOAT_MUST_USE int keyd_schedule_init(struct keyd_server *s);
/* Put a prepared key operation of p on the turn's list. */
void keyd_schedule_add(struct keyd_server *s, struct peer *p, struct keyd_job *job);
/* Sign the turn's cheap operations here, hand the rest to the threads. */
void keyd_schedule_run_turn(struct keyd_server *s);
/* Answer the operations the threads have finished. */
void keyd_schedule_take_done(struct keyd_server *s);
/* Free the turn's list (keyd is stopping). */
void keyd_schedule_free(struct keyd_server *s);

/* ---- ticket_requests.c ---- */

/* Handle a ticket-key request (opcodes 0x20..0x2f); false if h->opcode is not one. */
bool keyd_ticket_request(struct keyd_server *s, struct peer *p, const struct moat_ipc_header *h,
			 struct moat_cursor body);
/* Set up the store from the configuration and make the first key (before the sandbox). */
MOAT_MUST_USE int keyd_tickets_start(struct keyd_server *s);
/* Make and wipe keys whose time came; plan the next look. */
void keyd_tickets_timer(struct keyd_server *s);
/* epoll_wait's timeout for the keys' next change, in milliseconds; -1 for none. */
int keyd_tickets_wait_ms(const struct keyd_server *s);

/* ---- replies.c ---- */

/* Queue a reply to p; it is sent at the end of the turn (or when p's socket takes more). */
void keyd_send_packet(struct keyd_server *s, struct peer *p, const uint8_t *data, size_t len);
/* Answer a request with a bare status. */
void keyd_answer_status(struct keyd_server *s, struct peer *p, uint8_t opcode, uint32_t id, moat_ipc_status st);
/* Send the reply built in b by an encoder that returned rc; an encoder failure is answered INTERNAL. */
void keyd_answer_built(struct keyd_server *s, struct peer *p, struct moat_buf *b, int rc, uint8_t opcode,
		       uint32_t id);
/* Count a reply's status in STATS (busy, errors). */
void keyd_count_status(struct keyd_server *s, moat_ipc_status st);
/* Send what p's queue holds; then read p again, or wait until it can take the rest. */
void keyd_peer_flush(struct keyd_server *s, struct peer *p);
/* Flush every queue the turn filled. */
void keyd_replies_flush(struct keyd_server *s);
/*
 * Hand p's queued replies to the kernel, oldest first, until the queue is
 * empty or p's socket is full. 0 or EAGAIN (full), else the errno that
 * stopped it (EMSGSIZE for a short send).
 */
int keyd_replies_send(struct peer *p);
/* Wipe and free p's queued replies. */
void keyd_replies_discard(struct peer *p);

/* metrics.c: the metrics endpoint (moat-keyd.conf(5), METRICS), when p.metrics_fd is set. */
void keyd_metrics_accept(struct keyd_server *s);
void keyd_metrics_event(struct keyd_server *s, struct keyd_scrape *sc, uint32_t events);
/* Close the scrapes past their deadline; epoll_wait's bound for the next one (-1: none). */
void keyd_metrics_sweep(struct keyd_server *s);
int keyd_metrics_wait_ms(const struct keyd_server *s);
void keyd_metrics_close_all(struct keyd_server *s);
/* A key operation answered ns after it was read. */
void keyd_metrics_observe(struct keyd_stats *st, uint64_t ns);

#endif
