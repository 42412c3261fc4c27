/*
 * One client connection, from accept to close.
 *
 * It lives in four states:
 *   HANDSHAKE  moat_negotiate driven by read/write readiness, the client
 *              hello callback choosing the site by SNI, and the async pkey
 *              callback sending the signature to keyd; the handshake
 *              timeout runs (and keeps running while the backend connects);
 *   PROXY      bytes both ways between TLS and the backend (proxy.c), under
 *              the idle timeout;
 *   CLOSING    our close_notify being written;
 *   LINGER     our side is shut; the client's remaining bytes are read and
 *              dropped for a moment before close(), so that the kernel does
 *              not answer unread data with a reset that could destroy the
 *              alert or close_notify we just sent.
 *
 * Readiness is tracked by four "blocked" flags (client read/write, backend
 * read/write), set only when an operation returned EAGAIN and cleared when
 * the socket's event says it is ready again. Each socket has one event for
 * both directions. Where the event loop offers edge-triggered events
 * (epoll), it is registered once, for reading and writing, and stays
 * registered until close: an edge comes after every EAGAIN, so nothing is
 * added or deleted around each would-block or the keyd round trip, and a
 * direction nobody needs costs nothing until the peer sends. Elsewhere
 * (level-triggered) the event asks for exactly the blocked directions
 * (frontd_conn_watch). Either way a direction that is not read pushes back
 * on its peer through TCP flow control.
 */
#ifndef MOAT_FRONTD_CONN_H
#define MOAT_FRONTD_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "common/error.h"
#include "common/log.h"
#include "frontd/limits.h"
#include "frontd/proxy_protocol.h"
#include "frontd/server.h"
#include "tls/moat.h"

/*
 * Bytes one direction holds because their receiver would not take them all
 * (proxy.c): allocated only then, freed as soon as they are out.
 */
struct frontd_pipe {
	size_t head; /* next byte to write out */
	size_t tail; /* end of the bytes held */
	size_t cap;
	uint8_t data[];
};

enum frontd_conn_state { CONN_HANDSHAKE, CONN_PROXY, CONN_CLOSING, CONN_LINGER };

struct frontd_conn {
	struct frontd_server *srv;
	LIST_ENTRY(frontd_conn) link;
	enum frontd_conn_state state;
	int fd;  /* client */
	int bfd; /* backend, or -1 */
	struct moat_connection *tls;
	struct frontd_site *site;
	char peer[64];

	/* Until the ClientHello is whole (limits.h). */
	TAILQ_ENTRY(frontd_conn) hello_link;   /* in the waiting or partial queue */
	TAILQ_ENTRY(frontd_conn) source_link;  /* in its source's waiters */
	enum frontd_hello_state hello;
	size_t hello_bytes;       /* read while in the partial queue */
	struct frontd_source *source; /* counted against max-handshakes-per-source while in_handshake */
	bool in_handshake;        /* counted against max-handshakes */
	bool evicted;             /* closed by a limit: not a handshake failure */
	uint64_t accepted_ms;

	/* PROXY protocol (conn_proxy_protocol.c). */
	bool pp_expected;                      /* a PROXY header must come before the ClientHello */
	struct frontd_pp_partial *pp_partial;  /* the part of it that has arrived, while incomplete */
	struct frontd_pp_addrs *pp_client;     /* the client's endpoints as the header gave them, or NULL */

	struct event *ev_client, *ev_backend, *ev_timer;
	short client_on, backend_on; /* what each event is registered for (EV_READ | EV_WRITE) */
	bool edge;                   /* the loop has edge-triggered events */
	/*
	 * Edge-triggered with the peer's FIN as an event of its own (EV_CLOSED,
	 * epoll's EPOLLRDHUP): a read that returns less than it asked for has
	 * emptied the socket, and whatever comes next (bytes or the FIN) brings
	 * a new edge, so the read that would only find EAGAIN is skipped. Once
	 * the FIN was seen, reads go on until they return 0.
	 */
	bool short_read_drains;
	bool client_drained;         /* the last read from the client was short: wait for its next edge */
	bool client_fin, backend_fin; /* EV_CLOSED came: the peer's FIN is there to read */
	bool kicked;                 /* ev_client made active to run again (frontd_conn_kick) */
	bool cread_blocked, cwrite_blocked, bread_blocked, bwrite_blocked;

	/* An async signature with keyd. */
	struct moat_async_pkey_op *op;
	uint32_t keyd_id;
	const char *sign_error; /* why keyd gave no signature, for the handshake's log line */
	const char *sign_end;   /* the same in the access log's words ("keyd timeout") */
	/* A ticket seal or open with keyd (conn_tickets.c). */
	struct moat_ticket_op *tix_op;
	uint32_t tix_keyd_id;
	bool tix_seal;

	/* Proxying. */
	struct frontd_pipe *up;   /* client -> backend bytes the backend has not taken yet, or NULL */
	struct frontd_pipe *early; /* accepted 0-RTT data, for the backend first once it is connected (conn.c) */
	const char *early_status; /* "accepted" or "rejected" for the access log; NULL: none offered */
	struct frontd_pipe *down; /* backend -> client bytes the TLS library has not taken yet, or NULL */
	uint32_t up_read, down_read; /* how much the next read asks for (proxy.c) */
	bool backend_connecting, backend_connected;
	struct frontd_backend_set *backend_set; /* the site's list for the negotiated ALPN (backends.h) */
	struct frontd_backend *backend;         /* the one connected to, or being tried */
	unsigned backend_tries;                 /* connects started (FRONTD_BACKEND_TRIES at most) */
	bool connect_clean;       /* edge-triggered: the connect completed with EV_WRITE alone */
	bool up_eof, up_shut;     /* client sent close_notify; backend got our FIN */
	bool down_eof, down_shut; /* backend sent FIN; client got our close_notify */
	bool tls_out_pending;     /* the TLS library holds records it could not write yet (moat_send, moat_recv) */
	bool tls_io;              /* the TLS library may hold I/O buffers (released when idle) */
	bool client_spoke_last;   /* the last bytes read came from the client, not the backend (draining) */
	uint64_t last_activity_ms;
	uint64_t bytes_up, bytes_down;
	uint32_t idle_releases;   /* times the TLS library gave its buffers back (logged at the end) */

	/* For the access log line (accesslog.h), written when the connection is freed. */
	const struct frontd_listener *listener;
	uint64_t first_byte_us;   /* monotonic; 0: no byte yet */
	int64_t handshake_us;     /* first byte to handshake done; -1: not done */
	uint64_t keyd_start_us, keyd_us; /* the keyd request in flight (signature or ticket); the sum of all waits */
	const char *version, *suite, *group; /* static strings, once the handshake is done */
	bool site_chosen;         /* by the ClientHello (site is the fallback until then) */
	bool resumed;             /* the handshake resumed a session from a ticket */
	bool has_sni;
	uint8_t sni_len;
	uint8_t sni[255];         /* the library keeps a server's SNI only during the handshake */
	const char *end, *end_detail; /* how it ended: the first cause set wins (frontd_conn_ended) */
};

/*
 * Take over a non-blocking client socket accepted on l (closed on failure).
 * expect_proxy: it comes from a trusted load balancer and starts with a
 * PROXY header.
 */
MOAT_MUST_USE int frontd_conn_start(struct frontd_server *srv, const struct frontd_listener *l, int fd,
				    const struct sockaddr_storage *peer, socklen_t peer_len, bool expect_proxy);
/* Drop every connection at once (shutdown). */
void frontd_conn_close_all(struct frontd_server *srv);

/* The callbacks every site's config carries (frontd_sites_set_callbacks); hello's ctx is the server. */
int frontd_client_hello_cb(struct moat_connection *tls, void *ctx);
int frontd_async_pkey_cb(struct moat_connection *tls, struct moat_async_pkey_op *op);

/* ---- shared by conn.c and proxy.c ---- */

/* Keep the events registered for what the blocked flags ask for (no-op once registered when edge-triggered). */
void frontd_conn_watch(struct frontd_conn *c);
/* Run the connection again from the loop, after the other connections had their turn. */
void frontd_conn_kick(struct frontd_conn *c);
/* Close now, without a word to the client (after an error or a TLS failure already alerted). */
void frontd_conn_abort(struct frontd_conn *c, const char *why);
/* A per-connection log line, rate-limited (ratelimit.h). */
void frontd_conn_log(struct frontd_conn *c, moat_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Say how the connection ended, for the access log: one of the fixed
 * phrases of moat-frontd.conf(5) ("timeout idle", "backend-failed", ...),
 * detail (an alert name) or NULL. The first call wins: the cause, not what
 * closing then ran into.
 */
void frontd_conn_ended(struct frontd_conn *c, const char *end, const char *detail);
/* The same for an error from the TLS library while talking to the client, in the handshake or after. */
void frontd_conn_ended_tls(struct frontd_conn *c, bool in_handshake, int err);
/* Monotonic microseconds, for the access log's durations. */
uint64_t frontd_conn_mono_us(void);
/* Send close_notify, then linger and close (backend down, idle timeout). */
void frontd_conn_close_gracefully(struct frontd_conn *c, const char *why);
/* Both directions finished: close. */
void frontd_conn_finish(struct frontd_conn *c);
/* (Re)arm the connection's one timer. */
void frontd_conn_set_timer(struct frontd_conn *c, uint32_t ms);
uint64_t frontd_conn_now_ms(const struct frontd_conn *c);
/* Create the backend's event once c->bfd exists. */
MOAT_MUST_USE int frontd_conn_backend_events(struct frontd_conn *c);
/*
 * drain-timeout ran out (drain.h): close c, with close_notify once its
 * handshake is done. false: c was closing already and is left to finish.
 */
bool frontd_conn_drain_expire(struct frontd_conn *c);

/* conn_tickets.c */
/* The ticket crypto callback of every site with tickets on (frontd_sites_set_ticket_cb). */
int frontd_ticket_crypto_cb(struct moat_connection *tls, void *ctx, struct moat_ticket_op *op);
/* The connection goes away: cancel a ticket request keyd still works on and free its operation. */
void frontd_conn_tickets_free(struct frontd_conn *c);

/* conn_proxy_protocol.c */
/*
 * Read the PROXY header a trusted balancer sends first. true: it is in and
 * the handshake may start; false: waiting for more (the read is watched),
 * or c is gone (closed for a bad header).
 */
bool frontd_pp_conn_read(struct frontd_conn *c);
/* The header for c's backend (site->proxy_protocol), appended to out. */
MOAT_MUST_USE int frontd_pp_backend_header(struct frontd_conn *c, struct moat_buf *out);
void frontd_pp_conn_free(struct frontd_conn *c);

/* proxy.c */
MOAT_MUST_USE int frontd_proxy_start(struct frontd_conn *c);
void frontd_proxy_pump(struct frontd_conn *c);
/* The timer fired in the PROXY state: backend connect deadline, idle check, or (draining) the end of a quiet moment. */
void frontd_proxy_timer(struct frontd_conn *c);
/*
 * The server is draining (drain.h): close c with close_notify if it is idle
 * now, or arm its timer for when it may be; c may be gone after.
 */
void frontd_proxy_drain_check(struct frontd_conn *c);
/* Give back the held bytes of a connection that goes away. */
void frontd_proxy_free(struct frontd_conn *c);
/* Free the process's read buffers (at exit). */
void frontd_proxy_pool_free(void);

#endif
