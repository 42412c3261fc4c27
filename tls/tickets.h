/*
 * Inside tls/: TLS 1.3 session tickets (tickets.c) and the PSK they carry
 * (tls13_psk.c). The public side is moat.h's "session tickets" and "ticket
 * operations" sections.
 */
#ifndef MOAT_TLS_TICKETS_H
#define MOAT_TLS_TICKETS_H

#include "tls/conn.h"

/* tickets.c */
void moat_tickets_config_defaults(struct moat_config *config);
/* conn->tix, allocated (locked memory) on first use. */
MOAT_MUST_USE int moat_tickets_get(struct moat_connection *conn, struct moat_tickets **t);
/* Let go of a pending operation and wipe and free conn->tix. */
void moat_tickets_release(struct moat_connection *conn);
/* A server with a ticket crypto callback and tickets not switched off. */
bool moat_tickets_server_enabled(const struct moat_connection *conn);
/* Start an operation on input; the callback may answer before this returns. */
MOAT_MUST_USE int moat_tickets_start_op(struct moat_connection *conn, moat_ticket_op_type type, const uint8_t *input,
					size_t len);
/* Success when an applied answer waits in conn->tix; MOAT_ERR_ASYNC_BLOCKED while the application works. */
MOAT_MUST_USE int moat_tickets_take_answer(struct moat_connection *conn);
/* The resumption master secret (RFC 8446 §7.1) from the transcript through the client's Finished. */
MOAT_MUST_USE int moat_tickets_derive_resumption(struct moat_connection *conn);
/* Server: seal and send the tickets owed, queued in the flight (in_handshake) or written as records. */
MOAT_MUST_USE int moat_tickets_issue(struct moat_connection *conn, bool in_handshake);
/* Client: a NewSessionTicket after the handshake (io.c). */
MOAT_MUST_USE int moat_tickets_client_recv_nst(struct moat_connection *conn, struct moat_cursor body);

/* tls12_resume.c */
/*
 * Server, a ClientHello that chose TLS 1.2, 1.1 or 1.0, before the suite
 * is chosen: open its session ticket through the ticket callback (blocks
 * with MOAT_ERR_ASYNC_BLOCKED while an OPEN is out; call again with the
 * same ClientHello) and decide between the abbreviated handshake
 * (MOAT_HS_F_RESUMED, conn->suite set) and a full one, and whether a
 * NewSessionTicket is sent (MOAT_HS_F_TICKET).
 */
MOAT_MUST_USE int moat_tls12_resume_server_hello(struct moat_connection *conn);
/* Resumed: the session's master secret into conn->secrets. */
MOAT_MUST_USE int moat_tls12_resume_server_install(struct moat_connection *conn);
/* Full handshake, the client's Finished verified: the session into the cache, if it has an ID. */
MOAT_MUST_USE int moat_tls12_resume_server_finished(struct moat_connection *conn);
/* The session ID the ServerHello carries (NULL, 0: none). */
const uint8_t *moat_tls12_resume_session_id(const struct moat_connection *conn, size_t *len);
/* tickets_client_auth.c */
/* Into s->client_identity: the client certificate this handshake verified, or the one its resumed session had. */
MOAT_MUST_USE int moat_tickets_client_id_fill(const struct moat_connection *conn, struct moat_session_state *s);
/* Whether a server that asks for client certificates may resume s in their stead. */
bool moat_tickets_client_id_acceptable(const struct moat_connection *conn, const struct moat_session_state *s,
				       uint64_t now_ns);

/* tls13_psk.c */
/*
 * Server, first ClientHello: settle the offered PSKs (RFC 8446 §4.2.11):
 * open identities through the ticket callback until one opens and fits,
 * verify its binder (decrypt_error if it does not verify). Blocks
 * (MOAT_ERR_ASYNC_BLOCKED) while an OPEN is out; call again with the same
 * ClientHello. Afterwards conn->tix->psk_selected says whether one was taken.
 */
MOAT_MUST_USE int moat_tls13_psk_server_select(struct moat_connection *conn);
/* Server, after our HelloRetryRequest is queued: keep the transcript the second binder covers. */
MOAT_MUST_USE int moat_tls13_psk_server_hrr_sent(struct moat_connection *conn);
/* Server, second ClientHello (body): the PSK chosen from the first, its binder verified again. */
MOAT_MUST_USE int moat_tls13_psk_server_second_hello(struct moat_connection *conn, struct moat_cursor body);
/*
 * Server, ServerHello sent: the key schedule's Early Secret (RFC 8446 §7.1)
 * from the PSK the handshake runs on (none: the no-PSK one), taken over
 * from the binder's verification when that was the ticket's PSK.
 */
MOAT_MUST_USE int moat_tls13_psk_server_init_schedule(struct moat_connection *conn);
/* The PSK the handshake runs on (server or client), NULL without one. */
const uint8_t *moat_tls13_psk(const struct moat_connection *conn, size_t *len);
/* Client: a session to offer in this ClientHello (its ticket not expired, its hash one of our suites'). */
bool moat_tls13_psk_client_offers(const struct moat_connection *conn);
/* Client: fill in the binder of the ClientHello just encoded in msg (whole message, header included). */
MOAT_MUST_USE int moat_tls13_psk_client_bind(struct moat_connection *conn, struct moat_buf *msg);
/* Shared with external PSKs (tls13_psk_external.c): */
bool moat_tls13_psk_mode_offered(const struct moat_ext_block *ext, uint8_t mode);
/* The binder (§4.2.11.2) of psk over a truncated ClientHello's hash; external picks "ext binder" over "res binder". */
MOAT_MUST_USE int moat_tls13_psk_binder(struct moat_connection *conn, moat_hash_alg alg, const uint8_t *psk,
					size_t psk_len, bool external, const uint8_t *transcript_hash, uint8_t *out);
/* Hash of the ClientHello body up to its binders (binders_len bytes), after base's transcript if not NULL. */
MOAT_MUST_USE int moat_tls13_psk_truncated_hash(const struct moat_hash *base, moat_hash_alg alg, struct moat_cursor body,
						size_t binders_len, uint8_t *out);

#endif
