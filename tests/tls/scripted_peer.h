/*
 * A scripted TLS 1.3 peer for tests that attack our client or our server.
 *
 * Our connection sits on one end of a socketpair; the test holds the other
 * end and writes records by hand. The peer is built from the library's own
 * codecs (messages.h, extensions.h), record layer (record.h) and key schedule
 * (tls13_key_schedule.h) so that a test changes exactly one thing about an
 * otherwise correct conversation: every case is a valid handshake with one
 * field, message or record made hostile. Positive controls in the tests drive
 * the same helpers to a completed handshake, which is what makes the
 * negative cases mean something.
 *
 * Everything runs on one thread: the test writes, then calls our side once
 * (sp_negotiate / sp_recv), which processes what is waiting and either fails
 * or stops blocked on read; then the test reads what our side wrote. Helpers
 * fail the test case (ATF_REQUIRE) on anything they did not expect, naming
 * the moat error or alert involved.
 *
 * A fixture an ATF_REQUIRE leaves behind when it ends the process early is
 * freed by an exit handler, so expected failures stay clean under
 * LeakSanitizer.
 */
#ifndef MOAT_TESTS_TLS_SCRIPTED_PEER_H
#define MOAT_TESTS_TLS_SCRIPTED_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/tls/test_certs.h"
#include "tls/conn.h"

/* The scripted side's state. "Ours" is the moat_connection under test; the peer is the test. */
struct sp_peer {
	int fd;
	bool is_client;                      /* the peer's role: the opposite of our side's */
	/* write: records the peer sends; read: records our side sent, opened with our side's keys. */
	struct moat_record_layer rl;
	uint8_t *in;                         /* bytes our side sent, not yet taken as records */
	size_t in_len;
	uint16_t last_record_version;        /* legacy_record_version of the last record read */
	uint8_t *rec;                        /* plaintext of the last record read */
	struct moat_buf hs_in;               /* handshake bytes from our side, being reassembled */
	uint8_t *hs_msg;                     /* the last whole handshake message taken from hs_in */

	/* Key exchange and key schedule. */
	const struct moat_cipher_suite *suite;
	struct moat_hash transcript;
	bool transcript_started;
	struct moat_secrets *sec;
	struct moat_kex kex;                 /* the peer's ephemeral key */
	uint16_t group;
	uint8_t share[MOAT_KEX_MAX_SHARE_LEN];
	size_t share_len;
	uint8_t finished_key_peer[MOAT_MAX_HASH_LEN]; /* the peer's own Finished key */
	uint8_t finished_key_ours[MOAT_MAX_HASH_LEN]; /* our side's Finished key */

	/* Hello state. */
	uint8_t random[MOAT_RANDOM_LEN];     /* the client random (either role) */
	uint8_t server_random[MOAT_RANDOM_LEN]; /* scripted server: its last ServerHello's random */
	uint8_t session_id[MOAT_MAX_SESSION_ID_LEN];
	size_t session_id_len;
	struct moat_buf ch;                  /* the ClientHello message (sent or received) */
	uint8_t their_share[MOAT_KEX_MAX_SHARE_LEN]; /* scripted server: our client's share */
	size_t their_share_len;
	/*
	 * Scripted server: take our client's ML-KEM hybrid share. Off by
	 * default: it then acts as a server without the hybrids (as every peer
	 * on this platform is) and takes the first other share.
	 */
	bool answer_hybrid;
	uint8_t hybrid_secret[MOAT_KEX_MAX_SECRET_LEN]; /* scripted server: the secret of its hybrid answer */
	size_t hybrid_secret_len;
	struct moat_buf hrr_prefix;          /* scripted client after a HelloRetryRequest: message_hash(CH1) || HRR */
	uint8_t cookie[256];                 /* scripted client: cookie from a HelloRetryRequest */
	size_t cookie_len;
	uint16_t hrr_group;
	bool hrr_sent;                       /* scripted server: it keeps no transcript across a HelloRetryRequest */
	struct moat_buf out_hs;              /* handshake messages queued by the scripted server */
};

struct sp_fixture {
	int fds[2];                          /* [0]: our connection, [1]: the peer */
	moat_mode ours;
	struct test_pki pki;
	struct moat_cert_chain_and_key *ck;  /* P-256: our server's certificate, or the scripted server's */
	struct moat_config *cfg;
	struct moat_connection *conn;
	struct sp_peer peer;
};

/* ---- fixture ---- */

/*
 * Our side in mode `ours` with the named policy (NULL: the default). A server
 * gets a P-256 certificate; a client trusts its CA and asks for "localhost".
 * Returns the fixture (one at a time).
 */
struct sp_fixture *sp_new(moat_mode ours, const char *policy);
void sp_free(struct sp_fixture *f);

/* Our side, once: MOAT_ERR_OK when the handshake is done, MOAT_ERR_IO_BLOCKED when it waits to read, else the error. */
int sp_negotiate(struct sp_fixture *f);
/* Our side's moat_recv, once: MOAT_ERR_OK with *got bytes, MOAT_ERR_IO_BLOCKED, or the error. */
int sp_recv(struct sp_fixture *f, uint8_t *buf, size_t len, size_t *got);

/* got is evaluated once: it is usually the call itself. */
#define SP_REQUIRE_RESULT(got, want) \
	do { \
		int got_ = (got); \
		ATF_REQUIRE_MSG(got_ == (want), "our side returned %s (raised at %s), expected %s", \
				moat_strerror_name(got_), moat_strerror_debug(got_, NULL), moat_strerror_name(want)); \
	} while (0)

/* ---- wire ---- */

/* Bytes exactly as given. */
void sp_send_raw(struct sp_fixture *f, const void *data, size_t len);
/* A handshake message (or several) in as many records as it needs. */
void sp_send_handshake(struct sp_fixture *f, const uint8_t *msg, size_t len);
/* One record through the peer's record layer (protected once its write keys are set). */
void sp_send_record(struct sp_fixture *f, uint8_t type, const void *data, size_t len);
/*
 * One protected record whose TLSInnerPlaintext (content, type, padding) is
 * given whole, sealed with the peer's write keys: for records our own record
 * writer refuses to make (no content type, a protected change_cipher_spec,
 * an oversized inner plaintext).
 */
void sp_send_sealed_inner(struct sp_fixture *f, const uint8_t *inner, size_t inner_len);
/* The next record our side sent, opened with the peer's read keys; false if none is complete. */
bool sp_next_record(struct sp_fixture *f, uint8_t *type, const uint8_t **plain, size_t *len);
/* The next whole handshake message our side sent (header included), skipping change_cipher_spec records. */
void sp_next_handshake_message(struct sp_fixture *f, uint8_t *type, const uint8_t **msg, size_t *len);

/*
 * The end of a conversation: our side reported err (as returned by
 * sp_negotiate / sp_recv) and must have sent exactly one record more, a
 * fatal alert with this description, under the keys the peer expects, and
 * nothing after it; and the connection stays failed with the same error.
 */
void sp_expect_fatal(struct sp_fixture *f, int got, int err, uint8_t alert);

/* ---- scripted client (our side is the server) ---- */

struct sp_ch_opts {
	uint16_t legacy_version;             /* 0x0303 */
	size_t session_id_len;               /* 32: compatibility mode, as browsers send */
	const uint16_t *suites;              /* TLS_AES_128_GCM_SHA256 */
	size_t n_suites;
	const uint8_t *compression;          /* { 0 } */
	size_t n_compression;
	bool no_supported_versions;
	const uint16_t *versions;            /* { 0x0304 } */
	size_t n_versions;
	bool no_supported_groups;
	const uint16_t *groups;              /* { x25519, secp256r1, secp384r1 } */
	size_t n_groups;
	bool no_signature_algorithms;
	const uint16_t *sig_algs;            /* { ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256 } */
	size_t n_sig_algs;
	bool no_key_share;
	/*
	 * One share per group, as many as wanted: a real key for the groups we
	 * implement (the first of those is the peer's key), one filler byte for
	 * the others.
	 */
	const uint16_t *share_groups;        /* { x25519 } */
	size_t n_shares;
	const uint8_t *first_share;          /* NULL, or the first share's key_exchange as sent, verbatim */
	size_t first_share_len;
	const uint8_t *cookie;               /* NULL: no cookie extension */
	size_t cookie_len;
	const uint8_t *prefix_ext;           /* raw extensions before the others */
	size_t prefix_ext_len;
	const uint8_t *extra_ext;            /* raw extensions appended after the others */
	size_t extra_ext_len;
	bool second;                         /* a second ClientHello: same random and session id as the first */
};
void sp_ch_defaults(struct sp_ch_opts *o);
/* Build a ClientHello message into msg (initialised by the caller); the first share's key is kept. */
void sp_client_build_hello(struct sp_fixture *f, const struct sp_ch_opts *o, struct moat_buf *msg);
/* Build and send a ClientHello (in as many records as it needs), and keep it for the transcript. */
void sp_client_send_hello(struct sp_fixture *f, const struct sp_ch_opts *o);
/* Read our server's HelloRetryRequest (and its change_cipher_spec): keeps the cookie and the group asked for. */
void sp_client_read_hrr(struct sp_fixture *f);
/* Read our server's ServerHello and install the handshake keys (the read side: server_handshake_traffic_secret). */
void sp_client_read_server_hello(struct sp_fixture *f);
/* Only check the next message: a ServerHello (not a HelloRetryRequest) whose key_share is for group. */
void sp_expect_server_hello_for(struct sp_fixture *f, uint16_t group);
/* Read and check EncryptedExtensions..Finished; then the master secret; read keys become the server's application keys. */
void sp_client_read_rest_of_flight(struct sp_fixture *f);
/* The two above. */
void sp_client_read_flight(struct sp_fixture *f);
/* Our client Finished message for the transcript so far (4 + hash length bytes into out). */
size_t sp_client_finished(struct sp_fixture *f, uint8_t *out);
/* Send the Finished (after the change_cipher_spec a compatibility-mode client sends), switch to application keys, and let our server finish. */
void sp_client_complete(struct sp_fixture *f);
/* sp_client_send_hello with defaults, our server's flight, our Finished. */
void sp_client_handshake(struct sp_fixture *f);

/* After the handshake: the next application traffic keys (RFC 8446 §7.2) for the peer's writing or reading. */
void sp_next_traffic_keys(struct sp_fixture *f, bool write);

/* ---- scripted server (our side is the client) ---- */

struct sp_sh_opts {
	bool hrr;                            /* HelloRetryRequest: the special random */
	int downgrade;                       /* 12 or 11: random ends in the RFC 8446 §4.1.3 sentinel */
	uint16_t legacy_version;             /* 0x0303 */
	uint16_t suite;                      /* TLS_AES_128_GCM_SHA256 */
	bool bad_session_id;                 /* echo a session id that is not the client's */
	bool no_supported_versions;
	uint16_t version;                    /* 0x0304 */
	uint16_t key_share_group;            /* SH: our share's group (x25519); HRR: selected_group; 0: omit */
	const uint8_t *share;                /* SH: NULL, or key_exchange sent verbatim (no keys installed) */
	size_t share_len;
	const uint8_t *cookie;               /* HRR only */
	size_t cookie_len;
	const uint8_t *extra_ext;            /* raw extensions appended */
	size_t extra_ext_len;
};
void sp_sh_defaults(struct sp_sh_opts *o);
/*
 * Read our client's ClientHello (our client must have written it); group 0
 * when it has no key share (TLS 1.2 only). The share kept is the first, or
 * without peer.answer_hybrid the first that is not a hybrid's.
 */
void sp_server_read_hello(struct sp_fixture *f);
/*
 * Send a ServerHello or HelloRetryRequest. For a good TLS 1.3 ServerHello
 * (a TLS 1.3 suite we know, a share in the group of our client's share, no
 * other change) the handshake keys are installed after it (write:
 * server_handshake_traffic_secret; read: the client's). Not after a
 * HelloRetryRequest: the scripted server does not carry its transcript
 * through one, so tests of a retried handshake stop at the ServerHello.
 */
void sp_server_send_hello(struct sp_fixture *f, const struct sp_sh_opts *o);
/* The compatibility change_cipher_spec (RFC 8446 D.4). */
void sp_send_ccs(struct sp_fixture *f);
/* Queue a handshake message (added to the transcript); sp_server_flush sends the queue as one protected record. */
void sp_server_queue(struct sp_fixture *f, const uint8_t *msg, size_t len);
void sp_server_flush(struct sp_fixture *f);
void sp_server_queue_ee(struct sp_fixture *f, const uint8_t *ext, size_t ext_len);
/* The P-256 chain of the fixture, or an empty certificate_list. */
void sp_server_queue_certificate(struct sp_fixture *f, bool empty);
typedef enum { SP_CV_GOOD, SP_CV_CLIENT_CONTEXT, SP_CV_FLIPPED } sp_cv_kind;
void sp_server_queue_certificate_verify(struct sp_fixture *f, sp_cv_kind kind);
/* verify_data flipped in one bit when corrupt. */
void sp_server_queue_finished(struct sp_fixture *f, bool corrupt);
/* ServerHello, change_cipher_spec and nothing else queued: the hello phase of a good handshake. */
void sp_server_hello_ok(struct sp_fixture *f);
/* After a good flight: master secret, our client finishes, its Finished is read and checked, application keys in both directions. */
void sp_server_complete(struct sp_fixture *f);
/* A CertificateRequest (empty context) with the given extensions block. */
void sp_server_queue_certificate_request(struct sp_fixture *f, const uint8_t *ext, size_t ext_len);
/*
 * As sp_server_complete, after a CertificateRequest: our client's Certificate
 * (empty when scheme is 0), its CertificateVerify, which must use scheme and
 * verify with the fixture's P-256 key, then its Finished.
 */
void sp_server_complete_client_auth(struct sp_fixture *f, uint16_t scheme);
/* sp_server_read_hello, hello, a good flight, complete. */
void sp_server_handshake(struct sp_fixture *f);

#endif
