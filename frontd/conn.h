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
 * read/write), set when an operation would block and cleared when the
 * matching event fires; the events registered are exactly the flags set
 * (conn_watch), so a direction nobody needs is not polled and a full
 * buffer pushes back on the peer through TCP flow control.
 */
#ifndef MOAT_FRONTD_CONN_H
#define MOAT_FRONTD_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "common/error.h"
#include "frontd/server.h"
#include "tls/moat.h"

/* Per-direction proxy buffer: two TLS records' worth, so one full record always fits behind a partial one. */
#define FRONTD_PIPE_SIZE (32u * 1024u)

struct frontd_pipe {
	size_t head; /* next byte to write out */
	size_t tail; /* end of the bytes held */
	uint8_t data[FRONTD_PIPE_SIZE];
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

	struct event *ev_cread, *ev_cwrite, *ev_bread, *ev_bwrite, *ev_timer, *ev_pump;
	bool cread_blocked, cwrite_blocked, bread_blocked, bwrite_blocked;
	bool cread_on, cwrite_on, bread_on, bwrite_on; /* registered events */

	/* An async signature with keyd. */
	struct moat_async_pkey_op *op;
	uint32_t keyd_id;
	const char *sign_error; /* why keyd gave no signature, for the handshake's log line */

	/* Proxying (allocated when the handshake is done). */
	struct frontd_pipe *up;   /* client -> backend */
	struct frontd_pipe *down; /* backend -> client */
	bool backend_connecting, backend_connected;
	bool up_eof, up_shut;     /* client sent close_notify; backend got our FIN */
	bool down_eof, down_shut; /* backend sent FIN; client got our close_notify */
	bool tls_out_pending;     /* moat_send took bytes it could not write yet */
	uint64_t last_activity_ms;
	uint64_t bytes_up, bytes_down;
};

/* Take over an accepted, non-blocking client socket (closed on failure). */
MOAT_MUST_USE int frontd_conn_start(struct frontd_server *srv, int fd, const struct sockaddr_storage *peer,
				    socklen_t peer_len);
/* Drop every connection at once (shutdown). */
void frontd_conn_close_all(struct frontd_server *srv);

/* The callbacks every site's config carries (frontd_sites_set_callbacks); hello's ctx is the server. */
int frontd_client_hello_cb(struct moat_connection *tls, void *ctx);
int frontd_async_pkey_cb(struct moat_connection *tls, struct moat_async_pkey_op *op);

/* ---- shared by conn.c and proxy.c ---- */

/* Register exactly the events the blocked flags ask for. */
void frontd_conn_watch(struct frontd_conn *c);
/* Close now, without a word to the client (after an error or a TLS failure already alerted). */
void frontd_conn_abort(struct frontd_conn *c, const char *why);
/* Send close_notify, then linger and close (backend down, idle timeout). */
void frontd_conn_close_gracefully(struct frontd_conn *c, const char *why);
/* Both directions finished: close. */
void frontd_conn_finish(struct frontd_conn *c);
/* (Re)arm the connection's one timer. */
void frontd_conn_set_timer(struct frontd_conn *c, uint32_t ms);
uint64_t frontd_conn_now_ms(const struct frontd_conn *c);
/* Create the backend events once c->bfd exists. */
MOAT_MUST_USE int frontd_conn_backend_events(struct frontd_conn *c);

/* proxy.c */
MOAT_MUST_USE int frontd_proxy_start(struct frontd_conn *c);
void frontd_proxy_pump(struct frontd_conn *c);
/* The timer fired in the PROXY state: backend connect deadline or idle check. */
void frontd_proxy_timer(struct frontd_conn *c);

#endif
