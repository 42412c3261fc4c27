/*
 * The TLS 1.3 handshake as data (RFC 8446 §2, Appendix A).
 *
 * Two tables, as in s2n-tls: one row per message kind saying who writes it
 * and how each side handles it, and one path (sequence of message kinds) per
 * handshake type, indexed by the MOAT_HS_F_* flags. The driver
 * (handshake.c) walks the current path; handlers that learn something that
 * changes the handshake type (a HelloRetryRequest, a CertificateRequest, an
 * empty client Certificate) set a flag and the path is re-read at the same
 * position, so every path agrees with the others on the prefix already done.
 */
#ifndef MOAT_TLS_HANDSHAKE_TABLES_H
#define MOAT_TLS_HANDSHAKE_TABLES_H

#include "tls/conn.h"

typedef enum {
	MOAT_MSG_CLIENT_HELLO,
	MOAT_MSG_HELLO_RETRY_REQUEST,
	MOAT_MSG_SERVER_HELLO,
	MOAT_MSG_SERVER_CCS,
	MOAT_MSG_ENCRYPTED_EXTENSIONS,
	MOAT_MSG_CERTIFICATE_REQUEST,
	MOAT_MSG_SERVER_CERTIFICATE,
	MOAT_MSG_SERVER_CERTIFICATE_VERIFY,
	MOAT_MSG_SERVER_FINISHED,
	MOAT_MSG_CLIENT_CCS,
	MOAT_MSG_CLIENT_CERTIFICATE,
	MOAT_MSG_CLIENT_CERTIFICATE_VERIFY,
	MOAT_MSG_CLIENT_FINISHED,
	MOAT_MSG_APPLICATION_DATA,
	MOAT_MSG_KIND_COUNT,
} moat_hs_msg;

struct moat_hs_action {
	const char *name;
	uint8_t record_type;                 /* MOAT_CT_HANDSHAKE or MOAT_CT_CHANGE_CIPHER_SPEC */
	uint8_t hs_type;                     /* handshake type on the wire */
	moat_mode writer;
	/* The writer builds and queues the message; may stop blocked and is then called again. */
	int (*send)(struct moat_connection *conn);
	/* The reader processes the body (transcript already includes the message); may stop
	 * blocked on application input and is then called again with the same body. */
	int (*recv)(struct moat_connection *conn, struct moat_cursor body);
};

/* A message the reader may see instead of the expected one, which switches the path. */
struct moat_hs_path_switch {
	moat_hs_msg expected;
	uint8_t seen_type;
	unsigned set_flag;
};

extern const struct moat_hs_action moat_hs_actions[MOAT_MSG_KIND_COUNT];
extern const struct moat_hs_path_switch moat_hs_path_switches[];
extern const size_t moat_hs_path_switch_count;

/* The message kind at position pos of the path for flags; APPLICATION_DATA past the end. */
moat_hs_msg moat_hs_path_at(unsigned flags, unsigned pos);
/* Whether flags name a handshake type that exists (tests walk every valid one). */
bool moat_hs_path_valid(unsigned flags);
size_t moat_hs_path_len(unsigned flags);

/* Handlers, by side (tls13_server.c, tls13_client.c). */
int moat_tls13_client_send_hello(struct moat_connection *conn);
int moat_tls13_server_recv_hello(struct moat_connection *conn, struct moat_cursor body);
int moat_tls13_server_send_hrr(struct moat_connection *conn);
int moat_tls13_client_recv_server_hello(struct moat_connection *conn, struct moat_cursor body);
int moat_tls13_server_send_hello(struct moat_connection *conn);
int moat_tls13_server_send_ee(struct moat_connection *conn);
int moat_tls13_client_recv_ee(struct moat_connection *conn, struct moat_cursor body);
int moat_tls13_server_send_cr(struct moat_connection *conn);
int moat_tls13_client_recv_cr(struct moat_connection *conn, struct moat_cursor body);
int moat_tls13_send_certificate(struct moat_connection *conn);
int moat_tls13_recv_certificate(struct moat_connection *conn, struct moat_cursor body);
int moat_tls13_send_certificate_verify(struct moat_connection *conn);
int moat_tls13_recv_certificate_verify(struct moat_connection *conn, struct moat_cursor body);
int moat_tls13_server_send_finished(struct moat_connection *conn);
int moat_tls13_client_recv_server_finished(struct moat_connection *conn, struct moat_cursor body);
int moat_tls13_client_send_finished(struct moat_connection *conn);
int moat_tls13_server_recv_client_finished(struct moat_connection *conn, struct moat_cursor body);
int moat_tls13_send_ccs(struct moat_connection *conn);

#endif
