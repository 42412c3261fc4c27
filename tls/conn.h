/*
 * The insides of config, connection, certificate/key and async pkey objects.
 *
 * Only tls/ sees these structs; applications get opaque pointers (moat.h).
 * A connection keeps everything that only the handshake needs in one
 * separately allocated struct moat_handshake so that moat_connection_free_handshake
 * can give it back once the connection is established: an idle established
 * connection then holds little more than its record keys.
 */
#ifndef MOAT_TLS_CONN_H
#define MOAT_TLS_CONN_H

#include "common/buf.h"
#include "common/cursor.h"
#include "common/error.h"
#include "policy/cipher_suites.h"
#include "policy/security_policy.h"
#include "tls/crypto/cert.h"
#include "tls/crypto/hash.h"
#include "tls/crypto/kex.h"
#include "tls/crypto/sig.h"
#include "tls/extensions.h"
#include "tls/iana.h"
#include "tls/messages.h"
#include "tls/moat.h"
#include "tls/record.h"
#include "tls/record_io.h"
#include "tls/session_state.h"
#include "tls/tls12_premaster.h"
#include "tls/tls13_key_schedule.h"

#define MOAT_MAX_CERTS_PER_CONFIG 4
#define MOAT_MAX_ALPN_WIRE 512
#define MOAT_MAX_SERVER_NAME 255
#define MOAT_MAX_SIG_LEN 1024        /* RSA-8192 */
#define MOAT_LOW_LATENCY_RECORD 1398 /* one TCP segment on a 1500 MTU path, minus headers and tag */

struct moat_cert_chain_and_key {
	struct moat_cert_chain chain;
	struct moat_pkey private_key;        /* type NONE when the key lives elsewhere */
	moat_key_type key_type;              /* of the leaf's public key */
	uint8_t *ocsp;                       /* DER OCSPResponse stapled for the leaf (ocsp_staple.c), or NULL */
	uint32_t ocsp_len;
	uint8_t *sct_list;                   /* SignedCertificateTimestampList for the leaf (sct_list.c), or NULL */
	uint32_t sct_list_len;
	uint32_t key_caps;                   /* MOAT_KEY_CAP_* (key_caps.h); all until the key's holder says */
	void *ctx;
};

struct moat_config {
	const struct moat_security_policy *policy;
	struct moat_cert_chain_and_key *certs[MOAT_MAX_CERTS_PER_CONFIG];
	size_t cert_count;

	struct moat_trust_store trust;
	/* SHA-256 over every change to trust and verify_x509 (config_trust.c); false: a change failed to hash. */
	uint8_t trust_digest[32];
	bool trust_digest_ok;
	bool verify_x509;
	moat_verify_host_fn verify_host;
	void *verify_host_data;
	moat_cert_auth_type client_auth;

	uint8_t alpn_wire[MOAT_MAX_ALPN_WIRE]; /* ProtocolNameList body: len-prefixed names */
	size_t alpn_wire_len;

	moat_client_hello_fn client_hello_cb;
	void *client_hello_ctx;
	moat_client_hello_cb_mode client_hello_mode;

	moat_async_pkey_fn async_pkey_cb;
	moat_async_pkey_validation_mode async_pkey_validation;

	moat_clock_time_nanoseconds wall_clock;
	void *wall_clock_ctx;
	moat_clock_time_nanoseconds monotonic_clock;
	void *monotonic_clock_ctx;

	bool accept_mfl;
	void *ctx;

	/* Session tickets (tls/tickets.c). */
	moat_ticket_crypto_fn ticket_crypto_cb;
	void *ticket_crypto_ctx;
	moat_session_ticket_fn session_ticket_cb;
	void *session_ticket_ctx;
	bool tickets_off;                    /* moat_config_set_session_tickets_onoff(0) */
	uint8_t initial_ticket_count;
	uint32_t ticket_lifetime;            /* seconds */

	/* The TLS 1.2 session ID cache (tls/tls12_resume.c). */
	moat_cache_store_fn cache_store;
	void *cache_store_ctx;
	moat_cache_retrieve_fn cache_retrieve;
	void *cache_retrieve_ctx;
	moat_cache_delete_fn cache_delete;
	void *cache_delete_ctx;
	bool cache_off;                      /* moat_config_set_session_cache_onoff(0) */
	/* External PSKs (tls/psk_external.c). */
	moat_psk_mode psk_mode;
	moat_psk_selection_callback psk_select_cb;
	void *psk_select_ctx;
	/* 0-RTT (tls/early_data.c). */
	uint32_t max_early_data;             /* server: 0, none accepted or advertised */
	moat_early_data_fn early_data_cb;
};

/*
 * Handshake path flags: a machine's paths are found by them
 * (tls/handshake_tables.h). 32 bits, so the handshakes still to come each
 * get one without a change of type.
 */
#define MOAT_HS_F_HRR            (1u << 0)  /* 1.3: HelloRetryRequest */
#define MOAT_HS_F_CLIENT_AUTH    (1u << 1)  /* the server asked for a certificate */
#define MOAT_HS_F_NO_CLIENT_CERT (1u << 2)  /* ... and the client had none (empty Certificate) */
#define MOAT_HS_F_MIDDLEBOX      (1u << 3)  /* 1.3: compatibility change_cipher_spec (RFC 8446 D.4) */
/* Set aside for the handshakes to come; no path uses them yet. */
#define MOAT_HS_F_PSK            (1u << 4)  /* 1.3: PSK, no certificates (RFC 8446 §2.2) */
#define MOAT_HS_F_EARLY_DATA     (1u << 5)  /* 1.3: 0-RTT accepted, EndOfEarlyData (§4.5) */
#define MOAT_HS_F_RESUMED        (1u << 6)  /* 1.2: abbreviated handshake (RFC 5246 §7.3) */
/* NewSessionTicket: 1.3, the server's after the client's Finished (RFC 8446 §4.6.1); 1.2, RFC 5077 §3.3. */
#define MOAT_HS_F_TICKET         (1u << 7)
#define MOAT_HS_F_OCSP           (1u << 8)  /* 1.2: CertificateStatus (RFC 6066 §8) */
#define MOAT_HS_F_ECDHE          (1u << 9)  /* 1.2: ServerKeyExchange, ECDHE or DHE (RFC 8422 §2, RFC 5246 §7.4.3) */

/* A connection's 0-RTT, as far as it went (the getter maps it to moat_early_data_status_t). */
#define MOAT_ED_NONE 0       /* not offered */
#define MOAT_ED_OFFERED 1    /* offered (client) or accepted and still coming (server) */
#define MOAT_ED_REJECTED 2
#define MOAT_ED_END 3        /* accepted, and EndOfEarlyData read (server) or the acceptance read (client) */

struct moat_hs_machine;
struct moat_hs_path;
struct moat_hs_action;

struct moat_async_pkey_op {
	moat_async_pkey_op_type type;
	uint16_t scheme;
	struct moat_buf input;               /* the content to sign, or the EncryptedPreMasterSecret */
	uint8_t output[MOAT_MAX_SIG_LEN];
	size_t output_len;
	bool has_output;
	bool applied;
	struct moat_connection *conn;        /* NULL once the connection let go of it */
	const struct moat_pkey *verify_key;  /* public key for strict validation */
	bool strict;
};

struct moat_ticket_op {
	moat_ticket_op_type type;
	uint8_t input[MOAT_TICKET_MAX_LEN];  /* SEAL: a session state; OPEN: a ticket */
	size_t input_len;
	uint8_t output[MOAT_TICKET_MAX_LEN];
	size_t output_len;
	moat_ticket_result result;
	bool has_result;
	bool applied;
	bool for_early_data;                 /* OPEN: 0-RTT would ride on this ticket */
	bool early_data_ok;                  /* ... and the opener says it is the ticket's first such use */
	struct moat_connection *conn;        /* NULL once the connection let go of it */
};

_Static_assert(MOAT_SESSION_STATE_MAX_LEN <= MOAT_TICKET_MAX_LEN, "a session state fits an operation's buffers");

/*
 * A connection's ticket work (tls/tickets.c), in locked memory of its own,
 * allocated when the connection first needs it and kept past
 * free_handshake: a server issues tickets after the handshake too. The
 * session state holds a PSK: the server's to seal or the one it resumed
 * with, or the client's to offer.
 */
struct moat_tickets {
	struct moat_ticket_op *op;           /* in flight, owned jointly with the application */
	bool answer_ready;                   /* an applied answer waits in result/answer */
	moat_ticket_result result;
	bool answer_early_data_ok;           /* OPEN: first use for 0-RTT (moat_ticket_op_set_early_data_ok) */
	bool open_for_early_data;            /* the next OPEN is for a ticket 0-RTT would ride on */
	uint8_t answer[MOAT_TICKET_MAX_LEN];
	size_t answer_len;

	/* Server: issuing (RFC 8446 §4.6.1). */
	uint32_t to_send;
	uint16_t nonce_counter;              /* ticket_nonce: unique per connection */
	struct moat_session_state issuing;   /* the state being sealed */

	/* Server: choosing an offered PSK (tls/tls13_psk.c). */
	bool psk_done;                       /* the first ClientHello's identities are settled */
	uint16_t psk_next;                   /* the next identity to open */
	bool psk_selected;
	uint16_t psk_index;                  /* selected_identity */
	uint8_t psk_identity_hash[32];       /* SHA-256 of the selected identity, found again after an HRR */
	bool reissue;                        /* opened under a decrypt-only key */
	bool early_data_ok;                  /* the selected ticket's OPEN allowed 0-RTT (tls/early_data.c) */
	struct moat_hash hrr_transcript;     /* message_hash(CH1) and our HRR, for the second binder */
	bool hrr_transcript_ready;
	bool tls12_settled;                  /* 1.2: the ClientHello's ticket and session ID are dealt with */
	bool tls12_cache_hit;                /* 1.2: resumed by session ID */
	uint8_t session_id[32];              /* 1.2: the ID a full handshake's session is cached under */
	size_t session_id_len;

	/* Both: the session resumed (server) or offered (client). */
	struct moat_session_state session;
	bool have_session;

	/* Client: the ticket to offer (set_session) and the last one received (get_session). */
	uint8_t ticket[MOAT_TICKET_MAX_LEN];
	size_t ticket_len;
	bool offered;                        /* our ClientHello carries it */
	bool received;                       /* ticket/session are the latest NewSessionTicket's */
};

/* What the handshake needs and an established connection does not. */
struct moat_handshake {
	const struct moat_hs_machine *machine; /* NULL: the hello machine, until a version is chosen */
	uint32_t flags;                      /* MOAT_HS_F_* */
	unsigned position;                   /* index into the current path */
	/* The path for (machine, flags) as last looked up: the driver looks again when either changes. */
	const struct moat_hs_path *path;
	const struct moat_hs_machine *path_machine;
	uint32_t path_flags;
	size_t path_len;
	/* The row whose recv handler stopped blocked on the message in hs->in: call it again. */
	const struct moat_hs_action *pending;

	/*
	 * Transcript: raw messages until the hash is known, then a running hash.
	 * A version that also signs the messages themselves with another hash
	 * (TLS 1.2 CertificateVerify hashes them with its signature scheme's
	 * hash, not the PRF hash: RFC 5246 §7.4.8) sets transcript_keep_raw
	 * before the hash starts; the raw copy then grows beside the hash until
	 * moat_hs_transcript_drop_raw. TLS 1.3 never sets it and keeps no copy.
	 */
	struct moat_buf transcript_raw;
	struct moat_hash transcript;
	bool transcript_ready;
	bool transcript_keep_raw;

	/* Handshake message reassembly (RFC 8446 §5.1: messages may span records). */
	struct moat_buf in;
	/* Outgoing handshake messages, coalesced into records at flush. */
	struct moat_buf out;

	struct moat_kex kex;                 /* our ephemeral key share */
	/*
	 * Client: a second share beside a hybrid one, for the policy's first
	 * elliptic curve group (second_group; 0 if none), as browsers send
	 * X25519MLKEM768 and x25519: a server without the hybrid answers the
	 * curve instead of costing a HelloRetryRequest. Its key_exchange is
	 * in our_share (the hybrid's goes to kex_large).
	 */
	struct moat_kex kex_second;
	uint16_t second_group;
	/*
	 * Our key_exchange, and the (EC)DHE output between key exchange and the
	 * handshake secret (wiped right after use). The elliptic curve groups'
	 * fit these arrays. An FFDHE group's (up to 1024 bytes each, RFC 8446
	 * §4.2.8.1) and a hybrid's (a share of up to 1249 bytes) go to
	 * kex_large, taken from the secure heap only for such a group: room
	 * for them here would push this struct past the secure
	 * heap's largest slab chunk (4 KiB), and every handshake would then pay
	 * for a locked mapping of its own. moat_hs_kex_buffers hands out the pair.
	 */
	uint8_t our_share[MOAT_KEX_MAX_EC_SHARE_LEN];
	size_t our_share_len;
	struct moat_key_share kex_share;     /* server: the client's share we chose */
	uint8_t shared_secret[MOAT_KEX_MAX_EC_SECRET_LEN];
	size_t shared_secret_len;
	uint8_t *kex_large;                  /* FFDHE, hybrids: share, then secret; MOAT_KEX_MAX_*_LEN each */
	size_t cur_msg_len;                  /* length of the received message being handled */
	size_t ch1_len;                      /* client: our first ClientHello, for the HRR transcript */
	uint8_t mfl_code;                    /* server: accepted max_fragment_length, 0 if none */
	uint16_t hrr_group;                  /* group requested by HRR (client: what we must send) */
	uint8_t cookie[512];                 /* client: cookie from HRR to echo; server: the one we sent */
	size_t cookie_len;

	/* ClientHello as received (server) — the getters and callback read it. */
	struct moat_buf client_hello_raw;
	struct moat_client_hello client_hello;
	bool client_hello_parsed;
	uint8_t client_versions;             /* versions the ClientHello offers: bit n for 0x0301 + n (hello.c) */
	bool client_hello_cb_called;
	bool client_hello_cb_done;
	bool server_name_used;
	char server_name[MOAT_MAX_SERVER_NAME + 1]; /* from the ClientHello, for the getter */
	uint8_t session_id[MOAT_MAX_SESSION_ID_LEN];
	size_t session_id_len;
	uint8_t client_random[MOAT_RANDOM_LEN];

	/* Client: the peer's certificate request context and schemes. */
	uint8_t cr_context[255];
	size_t cr_context_len;

	struct moat_async_pkey_op *op;       /* in flight, owned jointly with the application */
	uint8_t signature[MOAT_MAX_SIG_LEN]; /* applied signature for CertificateVerify */
	size_t signature_len;
	bool signature_ready;
	bool signature_failed;               /* the application gave up on the operation */
	/* TLS 1.2 RSA key exchange: the decrypted premaster, RFC 5246 §7.4.7.1 (48 bytes of moat_secmem). */
	uint8_t *premaster;
	bool premaster_ready;
	bool premaster_failed;               /* the application gave up on the DECRYPT operation */

	uint8_t finished_hash[MOAT_MAX_HASH_LEN]; /* transcript hash before the received message */
	uint8_t finished_key_ours[MOAT_MAX_HASH_LEN];
	uint8_t finished_key_peer[MOAT_MAX_HASH_LEN];
	bool sent_ccs;
	bool ccs_due;                        /* the driver waits at a CCS row that is not optional (1.2) */
	bool hrr_done;
	bool ch_sent_record_size_limit;
	moat_ext_set ext_offered;            /* client: the extensions of our last ClientHello (ext_rows.c) */

	bool sct_requested;                  /* server: the ClientHello asked for SCTs (RFC 6962 §3.3.1, sct_list.c) */
	bool ocsp_requested;                 /* server: the ClientHello's status_request asks for OCSP (ocsp_staple.c) */

	/* TLS 1.2 server (tls12_server.c). */
	uint8_t server_random[MOAT_RANDOM_LEN];
	bool client_secure_reneg;            /* the client sent the SCSV or an empty renegotiation_info (RFC 5746) */

	/* Server: 0-RTT we do not accept, skipped (RFC 8446 §4.2.10; early_data_skip.c). */
	bool early_data_offered;             /* the first ClientHello carried early_data */
	bool early_data_over;                /* a record opened with the handshake keys: no more skipping */
	size_t early_data_skipped;           /* bytes of 0-RTT data skipped so far, at most the limit */
	/* Server: 0-RTT we accept (tls/early_data.c). */
	bool early_data_decided;             /* accepted (MOAT_HS_F_EARLY_DATA) or not, for good */
	bool early_data_cb_called;
	bool early_data_cb_answered;
	bool early_data_cb_accepted;
	bool early_data_waiting;             /* an early data record waits in conn->app_in for recv_early_data */
	uint32_t early_data_limit;           /* the ticket's max_early_data_size */
	uint8_t early_hello_hash[MOAT_MAX_HASH_LEN]; /* Transcript-Hash(ClientHello), for the early secrets (§7.1) */
	size_t early_data_received;          /* bytes of accepted 0-RTT data so far */
	bool early_data_keys;                /* client: our write keys are the early ones */
	/*
	 * The client's handshake traffic secret, kept for the key change after
	 * the EndOfEarlyData: by then the master secret is derived, which wipes
	 * conn->secrets->client_hs (tls13_key_schedule.c). Wiped once used.
	 */
	uint8_t early_next_secret[MOAT_MAX_HASH_LEN];
	struct moat_offered_early_data {
		struct moat_connection *conn;
	} offered_early_data;
};

struct moat_connection {
	moat_mode mode;
	struct moat_config *config;
	void *ctx;

	struct moat_record_layer rl;
	struct moat_record_io io;
	int read_fd, write_fd;

	struct moat_handshake *hs;           /* NULL until the first negotiate and after free_handshake */
	struct moat_secrets *secrets;        /* secure heap; NULL until the handshake needs it */
	bool hs_secure;                      /* hs is in the secure heap (connection.c: why not always) */
	bool handshake_complete;
	uint32_t hs_flags;                   /* the handshake's path flags, kept after free_handshake */

	/* Negotiated. */
	uint16_t version;
	uint16_t client_hello_version;       /* legacy_version of the first ClientHello */
	uint16_t client_version;             /* highest the client offered */
	const struct moat_cipher_suite *suite;
	uint16_t group;
	uint16_t server_sig_scheme;
	uint16_t client_sig_scheme;
	char alpn[256];
	char server_name[MOAT_MAX_SERVER_NAME + 1];
	struct moat_cert_chain_and_key *selected_cert;
	struct moat_cert_chain peer_chain;

	/* Connection overrides of config settings. */
	moat_verify_host_fn verify_host;
	void *verify_host_data;
	bool verify_host_set;
	moat_cert_auth_type client_auth;
	bool client_auth_set;
	uint8_t alpn_wire[MOAT_MAX_ALPN_WIRE];
	size_t alpn_wire_len;
	bool alpn_set;

	size_t max_record_out;               /* chosen record size (throughput/low latency), before peer limits */
	size_t peer_record_limit;            /* from record_size_limit / max_fragment_length, 0 = none */

	/* Post-handshake messages (KeyUpdate, NewSessionTicket) being reassembled. */
	struct moat_buf post_hs;

	/* Application data already decrypted and not yet returned by recv. */
	uint8_t *app_in;
	size_t app_in_len;

	/*
	 * Flags sit together, here and above: the struct stays under 2048
	 * bytes, from which glibc clears it (calloc, and the wipe on free)
	 * with rep stosb.
	 */
	bool peer_chain_loaded;
	bool renegotiation_refused;          /* TLS 1.2: a no_renegotiation warning was sent (io.c) */
	bool resumption_ready;               /* 1.3: conn->secrets->resumption is derived (tickets.c) */
	uint8_t early_data_status;           /* MOAT_ED_* (tls/early_data.c) */
	bool early_data_writing;             /* client: moat_send_early_data runs negotiate up to the ServerHello */
	uint32_t max_early_data;             /* server: moat_connection_set_server_max_early_data_size */
	bool max_early_data_set;
	uint32_t early_data_sent;            /* client: 0-RTT bytes written */
	struct moat_tickets *tix;            /* NULL until tickets or resumption need it (tls/tickets.c) */
	struct moat_psk_set *psks;           /* NULL until a PSK mode or an external PSK is set (tls/psk_external.c) */

	/* KeyUpdate. */
	bool key_update_pending;             /* we owe the peer a KeyUpdate */
	bool key_update_request_peer;        /* ... with update_requested */
	uint64_t records_since_update;

	/* Closure and alerts. */
	bool read_closed;                    /* close_notify received or EOF */
	bool write_closed;                   /* close_notify sent */
	bool close_notify_queued;
	bool failed;                         /* fatal error: nothing more may be sent or received */
	int error;                           /* the error that failed the connection */
	int alert_received;                  /* -1 if none */
};

/* Helpers shared inside tls/ (each implemented in the file named). */

/* config_trust.c: fold a change of the trust settings into config->trust_digest. */
void moat_config_trust_changed(struct moat_config *config, const char *what, const void *data, size_t len);

/* connection.c */
const struct moat_security_policy *moat_conn_policy(const struct moat_connection *conn);
moat_cert_auth_type moat_conn_client_auth(const struct moat_connection *conn);
MOAT_MUST_USE int moat_conn_now_ns(const struct moat_connection *conn, uint64_t *ns);
size_t moat_conn_record_limit(const struct moat_connection *conn);
/* Our ALPN list (wire form): the connection's if set, else the config's. */
const uint8_t *moat_conn_alpn(const struct moat_connection *conn, size_t *len);
MOAT_MUST_USE int moat_conn_alloc_handshake(struct moat_connection *conn);
/* The whole ClientHello is in: move the handshake state to the secure heap, with the secrets. */
MOAT_MUST_USE int moat_conn_secure_handshake(struct moat_connection *conn);
void moat_conn_free_handshake_state(struct moat_connection *conn);
/*
 * Where our key share and the shared secret for group go: hs->our_share and
 * hs->shared_secret, or for an FFDHE group or a hybrid hs->kex_large
 * (allocated on first use). Either pointer may be NULL if not wanted.
 */
MOAT_MUST_USE int moat_hs_kex_buffers(struct moat_handshake *hs, uint16_t group, uint8_t **share, uint8_t **secret);
/* Give back hs->kex_large (wiped) once the shared secret has gone into the key schedule. */
void moat_hs_kex_release(struct moat_handshake *hs);

/*
 * The most 0-RTT data a server takes in (RFC 8446 §4.6.1 max_early_data_size):
 * what it would advertise in its tickets, and what it skips of early data it
 * rejects (connection.c).
 */
uint32_t moat_conn_max_early_data_size(const struct moat_connection *conn);

/*
 * early_data_skip.c: whether the record just read (opened by rc, its outer
 * type in rec_type, its wire length rec_len) is rejected 0-RTT data to skip
 * (RFC 8446 §4.2.10). *skip true: the record is consumed and counted, and
 * moat_errno is clear. Otherwise the record is the caller's as it came: rc's
 * error, if any, stands. Fails with TOO_MUCH_EARLY_DATA past the limit.
 */
MOAT_MUST_USE int moat_early_data_skip(struct moat_connection *conn, int rc, uint8_t rec_type, size_t rec_len,
				       bool *skip);

/* io.c: fatal error path. Records err, queues the alert it maps to and tries to send it. */
int moat_conn_fail(struct moat_connection *conn, int err);
MOAT_MUST_USE int moat_conn_flush(struct moat_connection *conn, moat_blocked_status *blocked);
/* Read one record and route it: handshake bytes to hs->in, alerts handled, app data kept. */
MOAT_MUST_USE int moat_conn_read_record(struct moat_connection *conn, uint8_t *content_type);
MOAT_MUST_USE int moat_conn_write_records(struct moat_connection *conn, uint8_t content_type, const uint8_t *data,
					  size_t len);
MOAT_MUST_USE int moat_conn_handle_post_handshake(struct moat_connection *conn);

/* handshake.c */
MOAT_MUST_USE int moat_hs_queue_message(struct moat_connection *conn, const uint8_t *msg, size_t len);
MOAT_MUST_USE int moat_hs_flush_messages(struct moat_connection *conn);
MOAT_MUST_USE int moat_hs_transcript_add(struct moat_connection *conn, const uint8_t *msg, size_t len);
MOAT_MUST_USE int moat_hs_transcript_start(struct moat_connection *conn, moat_hash_alg alg);
MOAT_MUST_USE int moat_hs_transcript_hash(struct moat_connection *conn, uint8_t *out);
/* Give back the raw copy kept for transcript_keep_raw once nothing will sign it. */
void moat_hs_transcript_drop_raw(struct moat_connection *conn);
MOAT_MUST_USE int moat_hs_transcript_hrr_rewrite(struct moat_connection *conn);
/* Start the transcript as message_hash(Hash(ClientHello1)) (RFC 8446 §4.4.1). */
MOAT_MUST_USE int moat_hs_transcript_start_message_hash(struct moat_connection *conn, moat_hash_alg alg,
							 const uint8_t *ch1_hash);
MOAT_MUST_USE int moat_hs_set_keys(struct moat_connection *conn, bool write, const uint8_t *secret);
/* A change_cipher_spec record read before the handshake is complete: its machine's row judges it. */
MOAT_MUST_USE int moat_hs_recv_ccs(struct moat_connection *conn, const uint8_t *data, size_t len);

/*
 * connection.c: the policy's signature schemes that `usable` allows with
 * some key type we verify (up to cap; the count): what we accept in a peer's
 * CertificateVerify, with moat_sig_scheme_usable_tls13 or _tls12.
 */
size_t moat_verify_schemes(const struct moat_security_policy *p, bool (*usable)(uint16_t scheme, moat_key_type type),
			   uint16_t *out, size_t cap);
/* The TLS 1.3 ones (RFC 8446 §4.4.3 forbids SHA-1 and PKCS#1 v1.5 there). */
size_t moat_tls13_verify_schemes(const struct moat_security_policy *p, uint16_t *out, size_t cap);

/* tls13_auth.c: Certificate, CertificateVerify and Finished, both directions. */
/* A peer's non-empty certificate list into conn->peer_chain, verified as the config says (1.3 and 1.2). */
MOAT_MUST_USE int moat_peer_chain_load(struct moat_connection *conn, const struct moat_certificate_msg *m);
MOAT_MUST_USE int moat_tls13_prepare_finished_keys(struct moat_connection *conn);
/* signature_algorithms of a ClientHello or CertificateRequest; absent → MISSING_EXTENSION. */
MOAT_MUST_USE int moat_tls13_peer_sig_schemes(const struct moat_ext_block *ext, struct moat_u16_set *offered);
MOAT_MUST_USE int moat_tls13_write_finished(struct moat_connection *conn, struct moat_buf *msg);
MOAT_MUST_USE int moat_tls13_read_finished(struct moat_connection *conn, struct moat_cursor body);
/* Our policy's first scheme that fits ck's key and that the peer offered. */
MOAT_MUST_USE int moat_tls13_choose_sig_scheme(struct moat_connection *conn, const struct moat_cert_chain_and_key *ck,
					       const struct moat_u16_set *offered, uint16_t *scheme);

/* async_pkey.c */
MOAT_MUST_USE int moat_async_pkey_sign(struct moat_connection *conn, uint16_t scheme, const uint8_t *content,
				       size_t len);
void moat_async_pkey_detach(struct moat_connection *conn);
/*
 * TLS 1.2 RSA key exchange: have the EncryptedPreMasterSecret decrypted
 * through the async pkey callback (a DECRYPT operation; there is no
 * in-process path: without a callback MOAT_ERR_NOT_SUPPORTED). Success
 * once hs->premaster holds the 48 bytes the application applied; until
 * then MOAT_ERR_ASYNC_BLOCKED; MOAT_ERR_PKEY_OP_FAILED after op_fail. The
 * caller then sets the version bytes (tls12_premaster.h).
 */
MOAT_MUST_USE int moat_async_pkey_decrypt(struct moat_connection *conn, const uint8_t *ciphertext, size_t len);
/* Wipe and free hs->premaster (moat_conn_free_handshake_state does). */
void moat_async_pkey_release_premaster(struct moat_handshake *hs);

#endif
