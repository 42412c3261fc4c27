/*
 * The handshake as data: per-version state machines (RFC 8446 §2, Appendix A).
 *
 * A machine is three tables, as in s2n-tls: actions, one row per message
 * kind saying who writes it and how each side handles it; paths, one
 * sequence of message kinds per handshake type, found by the MOAT_HS_F_*
 * flags; and switches, the messages a reader may meet instead of the one
 * its path expects, which set a flag and so choose another path. The driver
 * (handshake.c) walks the current path of the connection's machine
 * (hs->machine). Handlers that learn something that changes the handshake
 * type (a HelloRetryRequest, a CertificateRequest, an empty client
 * Certificate) set a flag, and the path is re-read at the same position, so
 * every path of a machine agrees with the others on the prefix already done.
 *
 * Every handshake starts in the hello machine, which knows only the two
 * hellos (s2n's INITIAL handshake type). Its version-neutral handlers
 * (hello.c) read the ClientHello (server) or ServerHello (client), choose the
 * protocol version and point hs->machine at that version's machine (s2n's
 * NEGOTIATED); the driver goes on at the same position in it. Every
 * machine's paths therefore begin with the hello machine's messages.
 *
 * Each row may have a `sent` hook (LibreSSL's tls13_handshake.c), run once
 * the row's message is in the transcript and queued: that is where our write
 * keys change, as RFC 8446 Appendix A places K_send. Read keys change in the
 * recv handler of the message after which Appendix A places K_recv.
 */
#ifndef MOAT_TLS_HANDSHAKE_TABLES_H
#define MOAT_TLS_HANDSHAKE_TABLES_H

#include "tls/conn.h"

/* Message kinds: one enum for all machines, so a path is a list of small numbers. */
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
	/* TLS 1.2 (RFC 5246 §7.3): the messages TLS 1.3 does not have. */
	MOAT_MSG_SERVER_KEY_EXCHANGE,
	MOAT_MSG_SERVER_HELLO_DONE,
	MOAT_MSG_CLIENT_KEY_EXCHANGE,
	MOAT_MSG_CERTIFICATE_STATUS,         /* RFC 6066 §8: the stapled OCSP response, after Certificate */
	/* TLS 1.3 (RFC 8446 §4.6.1): the server's tickets, right after the client's Finished. */
	MOAT_MSG_NEW_SESSION_TICKET,
	/* TLS 1.3 (RFC 8446 §4.5): the client's end of accepted 0-RTT data. */
	MOAT_MSG_END_OF_EARLY_DATA,
	MOAT_MSG_APPLICATION_DATA,           /* the end of every path */
	MOAT_MSG_KIND_COUNT,
} moat_hs_msg;

struct moat_hs_action {
	const char *name;
	uint8_t record_type;                 /* MOAT_CT_HANDSHAKE or MOAT_CT_CHANGE_CIPHER_SPEC */
	uint8_t hs_type;                     /* handshake type on the wire (0 for CCS) */
	moat_mode writer;
	/*
	 * The reader steps over this row: the peer may leave the message out,
	 * and it may come earlier than its place in the path. Only the TLS 1.3
	 * compatibility change_cipher_spec is such a row (RFC 8446 §5, D.4).
	 * A change_cipher_spec row that is not optional (TLS 1.2, RFC 5246
	 * §7.1) is read at its place: the next record must be the CCS.
	 */
	bool optional;
	/* The writer builds and queues the message; may stop blocked and is then called again. */
	int (*send)(struct moat_connection *conn);
	/* The reader processes the body (transcript already includes the message); may stop
	 * blocked on application input and is then called again with the same body. */
	int (*recv)(struct moat_connection *conn, struct moat_cursor body);
	/* After send succeeded: the message is in the transcript and queued. Never blocks. */
	int (*sent)(struct moat_connection *conn);
	/*
	 * The writer sends it at the end of its handshake, the reader takes it
	 * after its own (io.c): no recv. The TLS 1.3 server's first tickets.
	 */
	bool post_handshake;
};

/* A message the reader may see instead of the expected one, which switches the path. */
struct moat_hs_path_switch {
	moat_hs_msg expected;
	uint8_t seen_type;
	uint32_t set_flag;
};

#define MOAT_HS_MAX_PATH 20

/* One handshake type: its flags and its messages, ending with MOAT_MSG_APPLICATION_DATA. */
struct moat_hs_path {
	uint32_t flags;
	uint8_t msgs[MOAT_HS_MAX_PATH];
};

struct moat_hs_machine {
	const char *name;
	uint16_t version;                    /* 0 for the version-neutral hello machine */
	/*
	 * Version-neutral: the first message a side receives through this
	 * machine chooses the machine for the rest of the handshake (hello.c).
	 */
	bool neutral;
	/*
	 * Only a server enters it: the library has no client side for this
	 * version yet (our ClientHello does not offer it), so its rows have
	 * no client handlers.
	 */
	bool server_only;
	uint32_t flags;                      /* the MOAT_HS_F_* its paths use; others are ignored */
	/*
	 * Flags only a server's handshake takes (what our client does not ask
	 * for: a 1.2 ticket, an abbreviated handshake, a staple): a client is
	 * never on those paths, so their rows need no client handlers, and a
	 * server message on them that a client gets is simply not on its path
	 * (unexpected_message).
	 */
	uint32_t server_only_flags;
	/* Set when the hello handler enters the machine: the handshake type it starts as. */
	uint32_t initial_flags;
	const struct moat_hs_action *actions; /* indexed by moat_hs_msg; MOAT_MSG_KIND_COUNT rows */
	const struct moat_hs_path *paths;
	size_t path_count;
	const struct moat_hs_path_switch *switches;
	size_t switch_count;
};

/*
 * The machines: the version-neutral start (handshake_tables.c), TLS 1.3
 * (tls13_tables.c) and TLS 1.2 (tls12_tables.c).
 */
extern const struct moat_hs_machine moat_hs_hello_machine;
extern const struct moat_hs_machine moat_tls13_machine;
extern const struct moat_hs_machine moat_tls12_machine;
/* TLS 1.1 and 1.0: TLS 1.2's tables under their own version (tls12_tables.c). */
extern const struct moat_hs_machine moat_tls11_machine;
extern const struct moat_hs_machine moat_tls10_machine;

/* Every machine, for the table tests; NULL-terminated. */
extern const struct moat_hs_machine *const moat_hs_machines[];

/* The machine for a negotiated protocol version, NULL if the library has none. */
const struct moat_hs_machine *moat_hs_machine_for_version(uint16_t version);

/* The path of m for flags (m->flags picks the bits that count), NULL if m has none. */
const struct moat_hs_path *moat_hs_path_find(const struct moat_hs_machine *m, uint32_t flags);
/* Messages in a path, APPLICATION_DATA included. */
size_t moat_hs_path_len(const struct moat_hs_path *path);

/* The row for the peer's change_cipher_spec in m, NULL if m has none. */
const struct moat_hs_action *moat_hs_peer_ccs_row(const struct moat_hs_machine *m, moat_mode self);

/* hello.c: the version-neutral hello handlers. */
/* The highest version the policy in force allows and a machine exists for (0 if none). */
uint16_t moat_hs_server_highest_version(const struct moat_connection *conn);
int moat_hs_server_recv_client_hello(struct moat_connection *conn, struct moat_cursor body);
int moat_hs_client_recv_server_hello(struct moat_connection *conn, struct moat_cursor body);
/* Client: the highest and lowest versions its ClientHello offers (the policy's, with a machine). */
uint16_t moat_hs_client_max_version(const struct moat_connection *conn);
uint16_t moat_hs_client_min_version(const struct moat_connection *conn);
/*
 * The version a ServerHello selects: its supported_versions, which must
 * select TLS 1.3 and only when we offered it (illegal_parameter
 * otherwise); without it legacy_version, TLS 1.2 or older, which must be
 * one we offered (protocol_version), after the downgrade check of RFC 8446
 * §4.1.3 (illegal_parameter).
 */
MOAT_MUST_USE int moat_hs_server_hello_version(const struct moat_connection *conn, const struct moat_server_hello *sh,
					       uint16_t *version);

/*
 * handshake.c: hand the message being received to the row at the current
 * position of hs->machine, which the caller (a hello handler) just chose.
 */
MOAT_MUST_USE int moat_hs_machine_recv(struct moat_connection *conn, struct moat_cursor body);

/* TLS 1.3 handlers, by side (tls13_server.c, tls13_client.c, tls13_auth.c, tls13_ccs.c). */
int moat_tls13_client_send_hello(struct moat_connection *conn);
int moat_tls13_server_recv_hello(struct moat_connection *conn, struct moat_cursor body);
int moat_tls13_server_send_hrr(struct moat_connection *conn);
int moat_tls13_client_recv_server_hello(struct moat_connection *conn, struct moat_cursor body);
int moat_tls13_server_send_hello(struct moat_connection *conn);
int moat_tls13_server_hello_sent(struct moat_connection *conn);
int moat_tls13_server_send_ee(struct moat_connection *conn);
int moat_tls13_client_recv_ee(struct moat_connection *conn, struct moat_cursor body);
int moat_tls13_server_send_cr(struct moat_connection *conn);
int moat_tls13_client_recv_cr(struct moat_connection *conn, struct moat_cursor body);
int moat_tls13_send_certificate(struct moat_connection *conn);
int moat_tls13_recv_certificate(struct moat_connection *conn, struct moat_cursor body);
int moat_tls13_send_certificate_verify(struct moat_connection *conn);
int moat_tls13_recv_certificate_verify(struct moat_connection *conn, struct moat_cursor body);
int moat_tls13_server_send_finished(struct moat_connection *conn);
int moat_tls13_server_finished_sent(struct moat_connection *conn);
int moat_tls13_client_recv_server_finished(struct moat_connection *conn, struct moat_cursor body);
int moat_tls13_client_send_finished(struct moat_connection *conn);
int moat_tls13_client_finished_sent(struct moat_connection *conn);
int moat_tls13_server_recv_client_finished(struct moat_connection *conn, struct moat_cursor body);
int moat_tls13_server_send_tickets(struct moat_connection *conn);
int moat_tls13_client_send_end_of_early_data(struct moat_connection *conn);
int moat_tls13_client_end_of_early_data_sent(struct moat_connection *conn);
int moat_tls13_server_recv_end_of_early_data(struct moat_connection *conn, struct moat_cursor body);
int moat_tls13_send_ccs(struct moat_connection *conn);
int moat_tls13_recv_ccs(struct moat_connection *conn, struct moat_cursor body);

/* TLS 1.2 server handlers (tls12_server.c). */
int moat_tls12_server_recv_hello(struct moat_connection *conn, struct moat_cursor body);
int moat_tls12_server_send_hello(struct moat_connection *conn);
int moat_tls12_server_send_certificate(struct moat_connection *conn);
/* ocsp_staple.c */
int moat_tls12_server_send_certificate_status(struct moat_connection *conn);
int moat_tls12_server_send_key_exchange(struct moat_connection *conn);
int moat_tls12_server_send_certificate_request(struct moat_connection *conn);
int moat_tls12_server_send_hello_done(struct moat_connection *conn);
int moat_tls12_server_recv_certificate(struct moat_connection *conn, struct moat_cursor body);
int moat_tls12_server_recv_certificate_verify(struct moat_connection *conn, struct moat_cursor body);
int moat_tls12_server_recv_key_exchange(struct moat_connection *conn, struct moat_cursor body);
int moat_tls12_server_recv_ccs(struct moat_connection *conn, struct moat_cursor body);
int moat_tls12_server_recv_finished(struct moat_connection *conn, struct moat_cursor body);
int moat_tls12_server_send_ccs(struct moat_connection *conn);
int moat_tls12_server_ccs_sent(struct moat_connection *conn);
int moat_tls12_server_send_finished(struct moat_connection *conn);
/* tls12_resume.c: RFC 5077 §3.3. */
int moat_tls12_server_send_ticket(struct moat_connection *conn);

/* TLS 1.2 client handlers (tls12_client.c, tls12_kx_client.c). */
int moat_tls12_client_recv_server_hello(struct moat_connection *conn, struct moat_cursor body);
int moat_tls12_client_recv_certificate(struct moat_connection *conn, struct moat_cursor body);
int moat_tls12_client_recv_key_exchange(struct moat_connection *conn, struct moat_cursor body);
int moat_tls12_client_recv_certificate_request(struct moat_connection *conn, struct moat_cursor body);
int moat_tls12_client_recv_hello_done(struct moat_connection *conn, struct moat_cursor body);
int moat_tls12_client_send_certificate(struct moat_connection *conn);
int moat_tls12_client_send_key_exchange(struct moat_connection *conn);
int moat_tls12_client_send_certificate_verify(struct moat_connection *conn);
int moat_tls12_client_send_ccs(struct moat_connection *conn);
int moat_tls12_client_ccs_sent(struct moat_connection *conn);
int moat_tls12_client_send_finished(struct moat_connection *conn);
int moat_tls12_client_recv_ccs(struct moat_connection *conn, struct moat_cursor body);
int moat_tls12_client_recv_finished(struct moat_connection *conn, struct moat_cursor body);

#endif
