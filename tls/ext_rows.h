/*
 * Extension behaviour as data: what the handshake does with each extension
 * in each message (s2n-tls's extension types and extension type lists).
 *
 * extensions.h is the codec: one row per extension with its code point and
 * the messages RFC 8446 §4.2 allows it in, and the block parser that checks
 * a received block against those rows. This layer adds the behaviour, in
 * two kinds of data:
 *
 *  - A row per extension (moat_ext_rows[], indexed by moat_ext_index) with
 *    one column per message (MOAT_MSG_* bit): should_send and write for a
 *    message we build, recv and if_missing for one we read. A column left
 *    empty means we neither write nor read that extension in that message.
 *    A handler whose work differs by protocol version reads conn->version,
 *    as s2n-tls's do; TLS 1.2's ServerHello has its own column (SH12).
 *
 *  - A list per message and stage (struct moat_ext_list): which extensions,
 *    in which order, a ClientHello or EncryptedExtensions gets written with,
 *    or are read from a received one. The order of a send list is the order
 *    on the wire; that of a receive list is the order in which the handlers
 *    run, so an extension whose handler needs another's result comes after
 *    it.
 *
 * Reading a block is two passes over its list: first every extension of the
 * list that is absent gets its if_missing (so a message missing a required
 * extension is refused for that, RFC 8446 §9.2, whatever else is wrong with
 * it), then every one present gets its recv. In a response (ServerHello,
 * HelloRetryRequest, EncryptedExtensions) every extension present must be
 * one we offered in our ClientHello (RFC 8446 §4.2: "MUST NOT send extension
 * responses if the remote endpoint did not send the corresponding extension
 * requests"), except where the column allows it unasked (the cookie in a
 * HelloRetryRequest, the one exception §4.2 names): otherwise
 * unsupported_extension. Extensions of a request (ClientHello,
 * CertificateRequest) that its list does not name are ignored, as RFC 8446
 * §4.1.2 allows for what a server does not act on.
 *
 * Writing walks the send list: each extension whose should_send says yes
 * (no predicate: always) is written by its writer, and the set of what was
 * written is handed back, so a client knows what the server may answer.
 *
 * TLS 1.2's ServerHello extensions (renegotiation_info, RFC 5746 §3.6;
 * extended_master_secret, RFC 7627 §5.1; ec_point_formats, RFC 8422 §5.2;
 * and server_name and ALPN, which 1.2 answers there) are SH12 columns of
 * their rows, with writers over the codecs of extensions12.h
 * (tls12_ext_server.c), written from the TLS 1.2 ServerHello send list; a
 * ClientHello that chose TLS 1.2 is read with its own list. A client's
 * ClientHello, one for every version it offers, adds ec_point_formats,
 * extended_master_secret and renegotiation_info when it offers TLS 1.2 or
 * older, and leaves supported_versions and key_share out when it does not
 * offer TLS 1.3; a TLS 1.2 ServerHello is read with moat_ext_sh12_recv
 * (tls12_ext_client.c). session_ticket (RFC 5077 §3.2) has only its SH12
 * column, the ClientHello's being read by tls12_resume.c before the suite
 * is chosen; a client offering it comes with client-side resumption.
 */
#ifndef MOAT_TLS_EXT_ROWS_H
#define MOAT_TLS_EXT_ROWS_H

#include "tls/conn.h"

/* Columns: one per MOAT_MSG_* bit, in bit order. */
#define MOAT_EXT_COLUMNS 8

struct moat_ext_column {
	/* Sending: write when should_send says so (NULL: always). */
	bool (*should_send)(const struct moat_connection *conn);
	int (*write)(struct moat_connection *conn, struct moat_buf *out);
	/*
	 * Receiving: recv gets the whole block, so a handler may read another
	 * extension it is tied to (key_share reads supported_groups, §4.2.8);
	 * if_missing (NULL: absence is fine) runs when the extension is absent.
	 */
	int (*recv)(struct moat_connection *conn, const struct moat_ext_block *blk);
	int (*if_missing)(struct moat_connection *conn);
	/* A response may carry it though we did not offer it (§4.2: the cookie in an HRR). */
	bool unsolicited;
};

struct moat_ext_row {
	struct moat_ext_column on[MOAT_EXT_COLUMNS];
};

extern const struct moat_ext_row moat_ext_rows[MOAT_EXTI_COUNT];

/* The column of row i for msg (exactly one MOAT_MSG_* bit). */
const struct moat_ext_column *moat_ext_column_of(moat_ext_index i, unsigned msg);

struct moat_ext_list {
	const char *name;                    /* for tests and logs */
	unsigned msg;                        /* the MOAT_MSG_* bit: which column of each row */
	bool response;                       /* a response: only what we offered may come */
	const uint8_t *exts;                 /* moat_ext_index values, in order */
	size_t count;
};

/* TLS 1.3 (and the version-neutral hello stage), RFC 8446 §4.1-§4.3. */
extern const struct moat_ext_list moat_ext_ch_send;       /* our ClientHello (both, after an HRR too) */
extern const struct moat_ext_list moat_ext_sh_send;       /* our ServerHello */
extern const struct moat_ext_list moat_ext_hrr_send;      /* our HelloRetryRequest */
extern const struct moat_ext_list moat_ext_ee_send;       /* our EncryptedExtensions */
extern const struct moat_ext_list moat_ext_cr_send;       /* our CertificateRequest */
extern const struct moat_ext_list moat_ext_ch_hello_recv; /* a ClientHello, before a version is chosen */
extern const struct moat_ext_list moat_ext_ch13_recv;     /* the first ClientHello, TLS 1.3 chosen */
extern const struct moat_ext_list moat_ext_ch13_retry_recv; /* the ClientHello after our HRR */
extern const struct moat_ext_list moat_ext_sh13_recv;     /* the server's ServerHello */
extern const struct moat_ext_list moat_ext_hrr13_recv;    /* the server's HelloRetryRequest */
extern const struct moat_ext_list moat_ext_ee13_recv;     /* the server's EncryptedExtensions */
extern const struct moat_ext_list moat_ext_cr13_recv;     /* the server's CertificateRequest */

/* TLS 1.2 (server side), RFC 5246 §7.4.1.4. */
extern const struct moat_ext_list moat_ext_sh12_send;     /* our TLS 1.2 ServerHello */
extern const struct moat_ext_list moat_ext_ch12_recv;     /* the ClientHello, TLS 1.2 chosen */
/* TLS 1.2 (client side). */
extern const struct moat_ext_list moat_ext_sh12_recv;     /* the server's TLS 1.2 ServerHello */

/* Every list, for the table tests; NULL-terminated. */
extern const struct moat_ext_list *const moat_ext_lists[];

/*
 * Write the extensions of list into out (the block's body, no length
 * prefix); *written (may be NULL) gets the set of those written.
 */
MOAT_MUST_USE int moat_ext_write_list(struct moat_connection *conn, const struct moat_ext_list *list,
				      struct moat_buf *out, moat_ext_set *written);
/*
 * Read a parsed block with list: the if_missing pass, then the recv pass.
 * offered is what we sent in the request this block answers (used only
 * when list->response). The two passes are also callable alone, for a
 * message with a check of its own between them.
 */
MOAT_MUST_USE int moat_ext_recv_list(struct moat_connection *conn, const struct moat_ext_list *list,
				     const struct moat_ext_block *blk, moat_ext_set offered);
MOAT_MUST_USE int moat_ext_recv_missing(struct moat_connection *conn, const struct moat_ext_list *list,
					const struct moat_ext_block *blk, moat_ext_set offered);
MOAT_MUST_USE int moat_ext_recv_present(struct moat_connection *conn, const struct moat_ext_list *list,
					const struct moat_ext_block *blk);

#endif
