/*
 * Inside tls/: external PSKs (RFC 8446 §2.2): the objects of moat.h's
 * "external pre-shared keys" section (psk_external.c) and their part in the
 * TLS 1.3 handshake (tls13_psk_external.c). Resumption PSKs, from tickets,
 * are tickets.h's.
 */
#ifndef MOAT_TLS_PSK_EXTERNAL_H
#define MOAT_TLS_PSK_EXTERNAL_H

#include "tls/conn.h"

#define MOAT_MAX_PSKS 16
/* The identities vector holds at most 2^16-1 bytes: one identity, its 2-byte length and its 4-byte age. */
#define MOAT_PSK_IDENTITY_MAX (0xffff - 2 - 4)

struct moat_psk {
	uint8_t *identity;                   /* heap: public */
	uint16_t identity_len;
	uint8_t *secret;                     /* secure heap */
	uint16_t secret_len;
	moat_psk_hmac hmac;
};

/* conn->psks, in locked memory: the PSKs appended and what the handshake did with them. */
struct moat_psk_set {
	moat_psk_mode mode;
	bool mode_set;                       /* the connection's mode overrides the config's */
	struct moat_psk list[MOAT_MAX_PSKS];
	size_t count;
	bool settled;                        /* no more appending: offered (client) or selection done (server) */

	bool chosen;                         /* the handshake runs on list[chosen_index] */
	size_t chosen_index;
	uint16_t wire_index;                 /* server: its selected_identity in the last ClientHello */
	struct moat_hash hrr_transcript;     /* server: message_hash(CH1) and our HRR, for the second binder */
	bool hrr_transcript_ready;

	uint8_t offered[MOAT_MAX_PSKS];      /* client: list indexes, in the order of our identities */
	size_t offered_count;
};

struct moat_offered_psk_list {
	struct moat_connection *conn;
	struct moat_psk_offer offer;
	struct moat_cursor next_id;          /* identities not yet read */
	uint16_t next_index;
	bool chosen;
	uint16_t chosen_wire;
	size_t chosen_local;
};

struct moat_offered_psk {
	struct moat_cursor identity;
	uint16_t wire_index;
	bool valid;                          /* filled by moat_offered_psk_list_next */
};

/* psk_external.c */
moat_psk_mode moat_conn_psk_mode(const struct moat_connection *conn);
moat_hash_alg moat_psk_hash(const struct moat_psk *psk);
/* The external PSK the handshake runs on, or NULL. */
const struct moat_psk *moat_psk_ext_chosen(const struct moat_connection *conn);
/* Wipe and free conn->psks. */
void moat_psk_set_release(struct moat_connection *conn);

/* tls13_psk_external.c */
/*
 * Server, first ClientHello, external mode: choose a PSK (the application's
 * callback or the default rule), verify its binder (decrypt_error), or fail
 * when there is none and no certificate to fall back on.
 */
MOAT_MUST_USE int moat_tls13_psk_ext_server_select(struct moat_connection *conn);
MOAT_MUST_USE int moat_tls13_psk_ext_server_hrr_sent(struct moat_connection *conn);
MOAT_MUST_USE int moat_tls13_psk_ext_server_second_hello(struct moat_connection *conn, struct moat_cursor body);
/* Client: the external PSKs to offer in this ClientHello (external mode, a hash our suites have). */
bool moat_tls13_psk_ext_client_offers(const struct moat_connection *conn);
MOAT_MUST_USE int moat_tls13_psk_ext_ch_write(struct moat_connection *conn, struct moat_buf *out);
MOAT_MUST_USE int moat_tls13_psk_ext_client_bind(struct moat_connection *conn, struct moat_buf *msg);
MOAT_MUST_USE int moat_tls13_psk_ext_sh_recv(struct moat_connection *conn, uint16_t selected);

/* tls13_server.c: the policy's first TLS 1.3 suite the client offers, of hash alg unless MOAT_HASH_NONE. */
const struct moat_cipher_suite *moat_tls13_choose_suite(const struct moat_security_policy *p,
							 struct moat_cursor offered, moat_hash_alg alg);

#endif
