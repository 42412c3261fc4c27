/*
 * moat's TLS library: the public API.
 *
 * It follows the s2n-tls usage guide (prefix moat_ instead of s2n_): config
 * and connection objects, negotiate/send/recv/shutdown returning a blocked
 * status, error types read from moat_errno, security policies by name, async
 * private-key operations and the client hello callback. Where moat differs
 * from the guide the comment says why. The main difference:
 *
 *   A sign operation's input is the UNHASHED content to be signed (for TLS
 *   1.3, RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte and the
 *   transcript hash) together with the TLS signature scheme that must be used,
 *   not a digest. Whoever holds the key can therefore check what it is asked
 *   to sign (moat-keyd refuses anything not of that shape) and no raw padding
 *   mode ever crosses the API.
 *
 * Return convention: MOAT_SUCCESS (0) or MOAT_FAILURE (-1) with moat_errno
 * set; moat_error_get_type(moat_errno) says whether to retry (BLOCKED), stop
 * (CLOSED), or give up (IO, PROTO, ALERT, INTERNAL, USAGE).
 */
#ifndef MOAT_TLS_MOAT_H
#define MOAT_TLS_MOAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "common/error_public.h"

/* Everything declared from here on is the library's ABI (see error_public.h). */
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility push(default)
#endif

#define MOAT_TLS10 0x0301
#define MOAT_TLS11 0x0302
#define MOAT_TLS12 0x0303
#define MOAT_TLS13 0x0304

typedef enum { MOAT_SERVER, MOAT_CLIENT } moat_mode;

typedef enum {
	MOAT_NOT_BLOCKED = 0,
	MOAT_BLOCKED_ON_READ,
	MOAT_BLOCKED_ON_WRITE,
	MOAT_BLOCKED_ON_APPLICATION_INPUT,
	MOAT_BLOCKED_ON_EARLY_DATA,
} moat_blocked_status;

struct moat_config;
struct moat_connection;
struct moat_cert_chain_and_key;
struct moat_async_pkey_op;
struct moat_ticket_op;
struct moat_session_ticket;
struct moat_client_hello;

/* ---- library ---------------------------------------------------------- */

/* Optional: libcrypto initialises itself. Kept for the guide's shape. */
MOAT_MUST_USE int moat_init(void);
MOAT_MUST_USE int moat_cleanup(void);

/* ---- certificates and keys -------------------------------------------- */

struct moat_cert_chain_and_key *moat_cert_chain_and_key_new(void);
MOAT_MUST_USE int moat_cert_chain_and_key_free(struct moat_cert_chain_and_key *ck);
/* Chain (leaf first) and its private key, PEM. The key must match the leaf. */
MOAT_MUST_USE int moat_cert_chain_and_key_load_pem_bytes(struct moat_cert_chain_and_key *ck,
							 const uint8_t *chain_pem, uint32_t chain_len,
							 const uint8_t *key_pem, uint32_t key_len);
/*
 * Chain only: the private key lives elsewhere (moat-keyd, an HSM). Every
 * signature is then requested through the async pkey callback, which must be
 * set on the config.
 */
MOAT_MUST_USE int moat_cert_chain_and_key_load_public_pem_bytes(struct moat_cert_chain_and_key *ck,
								const uint8_t *chain_pem, uint32_t chain_len);
/* SHA-256 of the leaf's SubjectPublicKeyInfo: the key id moat-keyd uses. */
MOAT_MUST_USE int moat_cert_chain_and_key_get_key_id(const struct moat_cert_chain_and_key *ck, uint8_t out[32]);
/* Application context attached to a chain (e.g. which keyd key serves it). */
MOAT_MUST_USE int moat_cert_chain_and_key_set_ctx(struct moat_cert_chain_and_key *ck, void *ctx);
void *moat_cert_chain_and_key_get_ctx(const struct moat_cert_chain_and_key *ck);
/*
 * The DER OCSPResponse to staple for the chain's leaf (RFC 6066 §8), sent in
 * TLS 1.3 to a client that asks with status_request; copied; at most 65531
 * bytes; NULL and 0 remove it. The library sends it as given: checking it
 * (status, signer, validity) and replacing it before it expires is the
 * application's part, as in the guide.
 */
MOAT_MUST_USE int moat_cert_chain_and_key_set_ocsp_data(struct moat_cert_chain_and_key *ck, const uint8_t *data,
							uint32_t length);
/*
 * The SignedCertificateTimestampList (RFC 6962 §3.3) for the chain's leaf,
 * sent to a client that asks with signed_certificate_timestamp: in the
 * TLS 1.2 ServerHello, in the leaf's CertificateEntry in TLS 1.3. Copied;
 * a list of one or more length-prefixed SCTs with its own 2-byte length,
 * at most 65535 bytes, else MOAT_ERR_INVALID_ARG; NULL and 0 remove it.
 */
MOAT_MUST_USE int moat_cert_chain_and_key_set_sct_list(struct moat_cert_chain_and_key *ck, const uint8_t *data,
						       uint32_t length);

/* ---- config ----------------------------------------------------------- */

typedef enum { MOAT_CERT_AUTH_NONE, MOAT_CERT_AUTH_REQUIRED, MOAT_CERT_AUTH_OPTIONAL } moat_cert_auth_type;
typedef enum { MOAT_CLIENT_HELLO_CB_BLOCKING, MOAT_CLIENT_HELLO_CB_NONBLOCKING } moat_client_hello_cb_mode;
typedef enum { MOAT_ASYNC_PKEY_VALIDATION_FAST, MOAT_ASYNC_PKEY_VALIDATION_STRICT } moat_async_pkey_validation_mode;

/* Return 1 to accept host_name for the peer's certificate, 0 to reject. */
typedef uint8_t (*moat_verify_host_fn)(const char *host_name, size_t host_name_len, void *data);
typedef int (*moat_client_hello_fn)(struct moat_connection *conn, void *ctx);
typedef int (*moat_async_pkey_fn)(struct moat_connection *conn, struct moat_async_pkey_op *op);
typedef int (*moat_clock_time_nanoseconds)(void *ctx, uint64_t *nanoseconds);

struct moat_config *moat_config_new(void);
MOAT_MUST_USE int moat_config_free(struct moat_config *config);

/* A named policy from policy/ (e.g. "default_tls13", "20190801"). */
MOAT_MUST_USE int moat_config_set_cipher_preferences(struct moat_config *config, const char *version);
/* One chain per key type (RSA, RSA-PSS, ECDSA P-256, ECDSA P-384); the server picks by the client's signature_algorithms. */
MOAT_MUST_USE int moat_config_add_cert_chain_and_key_to_store(struct moat_config *config,
							      struct moat_cert_chain_and_key *ck);

/* Trust store: starts with the system default locations, like the guide. */
MOAT_MUST_USE int moat_config_wipe_trust_store(struct moat_config *config);
MOAT_MUST_USE int moat_config_set_verification_ca_location(struct moat_config *config, const char *ca_pem_filename,
							   const char *ca_dir);
MOAT_MUST_USE int moat_config_add_pem_to_trust_store(struct moat_config *config, const char *pem);
/*
 * Certificates allowed between the peer's leaf and a trust anchor (the
 * guide's s2n_config_set_max_cert_chain_depth); 0 is invalid. A longer chain
 * fails with MOAT_ERR_BAD_CERTIFICATE (bad_certificate).
 */
MOAT_MUST_USE int moat_config_set_max_cert_chain_depth(struct moat_config *config, uint16_t max_depth);
/*
 * Add the CRLs in pem (PEM "X509 CRL" blocks) and check the peer's leaf
 * against them from then on: revoked → certificate_revoked; an issuer
 * without a current CRL → certificate_unknown. Not in the guide, whose CRL
 * support is a lookup callback.
 */
MOAT_MUST_USE int moat_config_add_crl_pem(struct moat_config *config, const char *pem);
MOAT_MUST_USE int moat_config_set_verify_host_callback(struct moat_config *config, moat_verify_host_fn fn, void *data);
/* Skip certificate verification entirely (tests and pinned setups only). */
MOAT_MUST_USE int moat_config_disable_x509_verification(struct moat_config *config);
MOAT_MUST_USE int moat_config_set_client_auth_type(struct moat_config *config, moat_cert_auth_type type);

/* ALPN: protocols in preference order (the server's order wins). */
MOAT_MUST_USE int moat_config_set_protocol_preferences(struct moat_config *config, const char *const *protocols,
						       int protocol_count);

MOAT_MUST_USE int moat_config_set_client_hello_cb(struct moat_config *config, moat_client_hello_fn fn, void *ctx);
MOAT_MUST_USE int moat_config_set_client_hello_cb_mode(struct moat_config *config, moat_client_hello_cb_mode mode);

MOAT_MUST_USE int moat_config_set_async_pkey_callback(struct moat_config *config, moat_async_pkey_fn fn);
MOAT_MUST_USE int moat_config_set_async_pkey_validation_mode(struct moat_config *config,
							     moat_async_pkey_validation_mode mode);

MOAT_MUST_USE int moat_config_set_wall_clock(struct moat_config *config, moat_clock_time_nanoseconds fn, void *ctx);
MOAT_MUST_USE int moat_config_set_monotonic_clock(struct moat_config *config, moat_clock_time_nanoseconds fn, void *ctx);

/* Server: honour a client's max_fragment_length request (RFC 6066 §4). Off by default, as in the guide. */
MOAT_MUST_USE int moat_config_accept_max_fragment_length(struct moat_config *config);
/* ---- session tickets (TLS 1.3, RFC 8446 §4.6.1, §2.2; TLS 1.2, RFC 5077) ---- */

/*
 * The library holds no ticket key. A server seals each ticket's session
 * state and opens each ticket a client offers through this callback (a
 * moat_ticket_op: SEAL or OPEN), which may answer at once or later, as an
 * async pkey operation does; negotiate returns MOAT_BLOCKED_ON_APPLICATION_INPUT
 * until the operation is applied. Without a callback a server issues no
 * tickets and resumes none. ctx is handed back to the callback.
 */
typedef int (*moat_ticket_crypto_fn)(struct moat_connection *conn, void *ctx, struct moat_ticket_op *op);
MOAT_MUST_USE int moat_config_set_ticket_crypto_cb(struct moat_config *config, moat_ticket_crypto_fn fn, void *ctx);
/* Server: issue tickets and accept them (default on; nothing happens without the crypto callback). Client: offer
 * a session set with moat_connection_set_session and keep the tickets received (default on). */
MOAT_MUST_USE int moat_config_set_session_tickets_onoff(struct moat_config *config, uint8_t enabled);
/* Server: the tickets sent after each handshake (default 1, as the guide's). */
MOAT_MUST_USE int moat_config_set_initial_ticket_count(struct moat_config *config, uint8_t num);
/* Server: a ticket's lifetime in seconds (default 15 hours, as the guide's; at most 7 days, RFC 8446 §4.6.1). */
MOAT_MUST_USE int moat_config_set_session_state_lifetime(struct moat_config *config, uint32_t lifetime_in_secs);
/* Client: called for every NewSessionTicket received, with a ticket whose data moat_connection_set_session takes. */
typedef int (*moat_session_ticket_fn)(struct moat_connection *conn, void *ctx, struct moat_session_ticket *ticket);
MOAT_MUST_USE int moat_config_set_session_ticket_cb(struct moat_config *config, moat_session_ticket_fn fn, void *ctx);

/* ---- session ID cache (TLS 1.2 and earlier, RFC 5246 §7.4.1.2) -------- */

/*
 * Server: a TLS 1.2 (1.1, 1.0) session resumes by its session ID through
 * the application's cache, with the guide's three callbacks. store keeps
 * value (a serialized session state: a secret, it holds the master secret)
 * under key for ttl_in_seconds; retrieve copies the value for key into
 * value, *value_size being its room on entry and the length on return, and
 * returns 0, or -1 when it has none (a full handshake follows); delete drops
 * key. They are called synchronously (no blocked answer). The cache is used
 * once store and retrieve are set and it is on (the default); a client that
 * takes a session ticket is not also cached.
 */
typedef int (*moat_cache_store_fn)(struct moat_connection *conn, void *ctx, uint64_t ttl_in_seconds, const void *key,
				   uint64_t key_size, const void *value, uint64_t value_size);
typedef int (*moat_cache_retrieve_fn)(struct moat_connection *conn, void *ctx, const void *key, uint64_t key_size,
				      void *value, uint64_t *value_size);
typedef int (*moat_cache_delete_fn)(struct moat_connection *conn, void *ctx, const void *key, uint64_t key_size);
MOAT_MUST_USE int moat_config_set_cache_store_callback(struct moat_config *config, moat_cache_store_fn fn, void *ctx);
MOAT_MUST_USE int moat_config_set_cache_retrieve_callback(struct moat_config *config, moat_cache_retrieve_fn fn,
							  void *ctx);
MOAT_MUST_USE int moat_config_set_cache_delete_callback(struct moat_config *config, moat_cache_delete_fn fn, void *ctx);
MOAT_MUST_USE int moat_config_set_session_cache_onoff(struct moat_config *config, uint8_t enabled);

/* ---- early data (0-RTT, RFC 8446 §2.3, §4.2.10; moat(3) "Early data") ---- */

/*
 * Server: the most 0-RTT data accepted per connection, advertised in the
 * tickets issued (0, the default: none is accepted or advertised). Early
 * data can be replayed (RFC 8446 §8, E.5): a server accepts it only when
 * the ticket callback's OPEN says the ticket is used for it the first time
 * (moat_ticket_op_set_early_data_ok), the early data callback (if any)
 * accepts it, and the ticket, suite, ALPN protocol and server name fit.
 */
MOAT_MUST_USE int moat_config_set_server_max_early_data_size(struct moat_config *config, uint32_t max_early_data_size);
MOAT_MUST_USE int moat_connection_set_server_max_early_data_size(struct moat_connection *conn,
								 uint32_t max_early_data_size);
/*
 * Server: asked whether to take the early data a client offers, once
 * everything else allows it. The callback calls accept or reject, now or
 * later (from any thread); until then negotiate reports
 * MOAT_BLOCKED_ON_APPLICATION_INPUT. Without a callback it is accepted.
 */
struct moat_offered_early_data;
typedef int (*moat_early_data_fn)(struct moat_connection *conn, struct moat_offered_early_data *early_data);
MOAT_MUST_USE int moat_config_set_early_data_cb(struct moat_config *config, moat_early_data_fn fn);
MOAT_MUST_USE int moat_offered_early_data_accept(struct moat_offered_early_data *early_data);
MOAT_MUST_USE int moat_offered_early_data_reject(struct moat_offered_early_data *early_data);
/*
 * Server: read the client's early data before (or instead of) negotiate.
 * Success once no more will come (none offered, rejected, or all read up to
 * EndOfEarlyData); *data_received is what this call put into data. Fails
 * blocked (MOAT_BLOCKED_ON_EARLY_DATA when data is full, else read or
 * application input) with *data_received bytes still taken: call again.
 * While accepted early data waits unread, negotiate reports
 * MOAT_BLOCKED_ON_EARLY_DATA.
 */
MOAT_MUST_USE int moat_recv_early_data(struct moat_connection *conn, uint8_t *data, ssize_t max_data_len,
				       ssize_t *data_received, moat_blocked_status *blocked);
/*
 * Client: with a session set whose ticket allows early data, send data in
 * the first flight, before negotiate. Success once data_len bytes are
 * queued (*data_sent counts them); more than the ticket allows is refused
 * (MOAT_ERR_TOO_MUCH_EARLY_DATA, nothing sent, the connection unharmed). After the handshake,
 * moat_connection_get_early_data_status says whether the server took it:
 * REJECTED means none of it was read, and the application sends it again.
 */
MOAT_MUST_USE int moat_send_early_data(struct moat_connection *conn, const uint8_t *data, ssize_t data_len,
				       ssize_t *data_sent, moat_blocked_status *blocked);
typedef enum {
	MOAT_EARLY_DATA_STATUS_OK,            /* offered and accepted (client: so far, until the server answers) */
	MOAT_EARLY_DATA_STATUS_NOT_REQUESTED, /* none offered */
	MOAT_EARLY_DATA_STATUS_REJECTED,      /* offered and not accepted: skipped by the server */
	MOAT_EARLY_DATA_STATUS_END,           /* accepted, and all of it read (server) or the server's answer in (client) */
} moat_early_data_status_t;
MOAT_MUST_USE int moat_connection_get_early_data_status(struct moat_connection *conn, moat_early_data_status_t *status);
/* Client: how much more early data the session allows; server: how much more may come. */
MOAT_MUST_USE int moat_connection_get_remaining_early_data_size(struct moat_connection *conn, uint32_t *size);

/* Application pointer on the config (frontd stores its site here). */
MOAT_MUST_USE int moat_config_set_ctx(struct moat_config *config, void *ctx);
void *moat_config_get_ctx(const struct moat_config *config);

/* ---- connection ------------------------------------------------------- */

typedef int (*moat_recv_fn)(void *io_context, uint8_t *buf, uint32_t len);
typedef int (*moat_send_fn)(void *io_context, const uint8_t *buf, uint32_t len);

struct moat_connection *moat_connection_new(moat_mode mode);
MOAT_MUST_USE int moat_connection_free(struct moat_connection *conn);
/* Reset for reuse with another peer; keeps config and buffers' memory. */
MOAT_MUST_USE int moat_connection_wipe(struct moat_connection *conn);
/* After the handshake: drop everything only the handshake needed. */
MOAT_MUST_USE int moat_connection_free_handshake(struct moat_connection *conn);
/* Give idle I/O buffers back (for many idle connections). */
MOAT_MUST_USE int moat_connection_release_buffers(struct moat_connection *conn);

MOAT_MUST_USE int moat_connection_set_config(struct moat_connection *conn, struct moat_config *config);
MOAT_MUST_USE int moat_connection_set_fd(struct moat_connection *conn, int fd);
MOAT_MUST_USE int moat_connection_set_read_fd(struct moat_connection *conn, int fd);
MOAT_MUST_USE int moat_connection_set_write_fd(struct moat_connection *conn, int fd);
MOAT_MUST_USE int moat_connection_set_recv_cb(struct moat_connection *conn, moat_recv_fn fn);
MOAT_MUST_USE int moat_connection_set_send_cb(struct moat_connection *conn, moat_send_fn fn);
MOAT_MUST_USE int moat_connection_set_recv_ctx(struct moat_connection *conn, void *ctx);
MOAT_MUST_USE int moat_connection_set_send_ctx(struct moat_connection *conn, void *ctx);
MOAT_MUST_USE int moat_connection_set_ctx(struct moat_connection *conn, void *ctx);
void *moat_connection_get_ctx(const struct moat_connection *conn);

/*
 * Client: the name sent in server_name and checked against the certificate.
 * The getter on a server: the name the ClientHello carried, or NULL.
 */
MOAT_MUST_USE int moat_set_server_name(struct moat_connection *conn, const char *server_name);
const char *moat_get_server_name(struct moat_connection *conn);
MOAT_MUST_USE int moat_connection_set_verify_host_callback(struct moat_connection *conn, moat_verify_host_fn fn,
							   void *data);
MOAT_MUST_USE int moat_connection_set_client_auth_type(struct moat_connection *conn, moat_cert_auth_type type);
/* Per-connection ALPN list overriding the config's. */
MOAT_MUST_USE int moat_connection_set_protocol_preferences(struct moat_connection *conn,
							   const char *const *protocols, int protocol_count);

/* Record sizing: throughput = full 16 KiB records (the default); low latency = records that fit one TCP segment. */
MOAT_MUST_USE int moat_connection_prefer_throughput(struct moat_connection *conn);
MOAT_MUST_USE int moat_connection_prefer_low_latency(struct moat_connection *conn);

MOAT_MUST_USE int moat_negotiate(struct moat_connection *conn, moat_blocked_status *blocked);
ssize_t moat_send(struct moat_connection *conn, const void *buf, ssize_t size, moat_blocked_status *blocked);
ssize_t moat_sendv(struct moat_connection *conn, const struct iovec *bufs, ssize_t count, moat_blocked_status *blocked);
ssize_t moat_sendv_with_offset(struct moat_connection *conn, const struct iovec *bufs, ssize_t count, ssize_t offs,
			       moat_blocked_status *blocked);
/*
 * Returns bytes read, 0 once the peer has sent close_notify (or closed), -1 on
 * error. It also writes what the peer is owed at once (the KeyUpdate it
 * requested) and what an earlier call left queued: when that would block,
 * *blocked is MOAT_BLOCKED_ON_WRITE, with bytes returned or with -1 (nothing
 * to read either), and moat_flush finishes the write once the transport is
 * writable.
 */
ssize_t moat_recv(struct moat_connection *conn, void *buf, ssize_t size, moat_blocked_status *blocked);
/* Decrypted bytes ready to be returned by moat_recv without reading the transport. */
uint32_t moat_peek(struct moat_connection *conn);
/* Send close_notify and wait for the peer's. */
MOAT_MUST_USE int moat_shutdown(struct moat_connection *conn, moat_blocked_status *blocked);
/* Send close_notify only (half close): reading may continue until the peer closes. */
MOAT_MUST_USE int moat_shutdown_send(struct moat_connection *conn, moat_blocked_status *blocked);

/* TLS 1.3 KeyUpdate (RFC 8446 §4.6.3): sent before the next application data, or by moat_flush or moat_recv. */
MOAT_MUST_USE int moat_connection_request_key_update(struct moat_connection *conn, bool peer_update_requested);
/* Write out anything queued (KeyUpdate, alerts). */
MOAT_MUST_USE int moat_flush(struct moat_connection *conn, moat_blocked_status *blocked);

/* ---- session resumption ------------------------------------------------ */

/* Server: send num more tickets: during the handshake with the others, after it on the next moat_send. */
MOAT_MUST_USE int moat_connection_add_new_tickets_to_send(struct moat_connection *conn, uint8_t num);
/*
 * Server: the client certificate's identity, after a full handshake from the
 * chain it verified, after a resumption as the ticket recorded it: the
 * leaf's SHA-256, its subject (RFC 2253 text) and commonName, each may be
 * NULL. MOAT_ERR_INVALID_STATE without one; MOAT_ERR_INVALID_ARG if a name
 * does not fit. A server that asks for certificates resumes a ticket only if
 * its record was made under the same trust settings and the leaf has not
 * expired since (moat(3), "Session resumption").
 */
MOAT_MUST_USE int moat_connection_get_client_cert_identity(struct moat_connection *conn, uint8_t leaf_sha256[32],
							   char *subject, size_t subject_max, char *cn,
							   size_t cn_max);
/*
 * 1 if the handshake resumed a session (TLS 1.3: a ticket's PSK, not an
 * external PSK; TLS 1.2: a ticket or a cached session ID), else 0.
 */
int moat_connection_is_session_resumed(struct moat_connection *conn);
/*
 * Client: the session of the last ticket received, serialized (a secret: it
 * holds the resumption PSK), for moat_connection_set_session on a later
 * connection. get_session_length is 0 while there is none.
 */
int moat_connection_get_session_length(struct moat_connection *conn);
int moat_connection_get_session(struct moat_connection *conn, uint8_t *session, size_t max_length);
/* Client, before negotiate: offer this session (from get_session or a ticket callback) for resumption. */
MOAT_MUST_USE int moat_connection_set_session(struct moat_connection *conn, const uint8_t *session, size_t length);
/* Client, the session ticket callback's ticket: the serialized session and the server's lifetime for it. */
MOAT_MUST_USE int moat_session_ticket_get_data_len(struct moat_session_ticket *ticket, size_t *data_len);
MOAT_MUST_USE int moat_session_ticket_get_data(struct moat_session_ticket *ticket, size_t max_data_len, uint8_t *data);
MOAT_MUST_USE int moat_session_ticket_get_lifetime(struct moat_session_ticket *ticket, uint32_t *session_lifetime);

/* ---- external pre-shared keys (TLS 1.3, RFC 8446 §2.2, §4.2.11) ------- */

/*
 * A PSK agreed out of band: an identity (sent in the clear: nothing secret
 * in it), a secret (kept in locked memory, wiped on free; use at least 32
 * random bytes, never a password: an offline dictionary attack on the
 * binder is possible) and the hash its binder and key schedule use, which
 * the cipher suite must share. A PSK handshake sends no certificate and
 * always uses psk_dhe_ke (RFC 8446 §4.2.9): every policy wants forward
 * secrecy, so psk_ke is neither offered nor accepted.
 */
struct moat_psk;
struct moat_offered_psk;
struct moat_offered_psk_list;
typedef enum { MOAT_PSK_HMAC_SHA256, MOAT_PSK_HMAC_SHA384 } moat_psk_hmac;
/* Which PSKs a connection uses: tickets (the default) or the external PSKs appended to it. */
typedef enum { MOAT_PSK_MODE_RESUMPTION, MOAT_PSK_MODE_EXTERNAL } moat_psk_mode;

/* A new PSK with SHA-256 as its hash; free it with moat_psk_free. */
struct moat_psk *moat_external_psk_new(void);
MOAT_MUST_USE int moat_psk_free(struct moat_psk **psk);
/* 1 to 65529 bytes (what fits the pre_shared_key extension with its age). */
MOAT_MUST_USE int moat_psk_set_identity(struct moat_psk *psk, const uint8_t *identity, uint16_t identity_size);
/* At least 1 byte (any length; see above for what is wise). */
MOAT_MUST_USE int moat_psk_set_secret(struct moat_psk *psk, const uint8_t *secret, uint16_t secret_size);
MOAT_MUST_USE int moat_psk_set_hmac(struct moat_psk *psk, moat_psk_hmac hmac);
/*
 * Copy psk (identity and secret set) into the connection. Client: the PSKs
 * it offers, in this order. Server: the PSKs it accepts, in order of
 * preference. At most 16, identities distinct (else MOAT_ERR_INVALID_ARG).
 */
MOAT_MUST_USE int moat_connection_append_psk(struct moat_connection *conn, struct moat_psk *psk);
MOAT_MUST_USE int moat_config_set_psk_mode(struct moat_config *config, moat_psk_mode mode);
MOAT_MUST_USE int moat_connection_set_psk_mode(struct moat_connection *conn, moat_psk_mode mode);
/*
 * Server, external mode: choose among the client's identities. Without a
 * callback the server takes the first of its own PSKs (append order) whose
 * identity the client offers and whose hash fits a cipher suite both allow.
 * The callback walks the list with the moat_offered_psk_* calls, may
 * append PSKs to the connection (say, from a database) and chooses one with
 * moat_offered_psk_list_choose_psk, or none (NULL: no PSK). It runs once per
 * ClientHello, synchronously; a non-zero return fails the handshake
 * (internal_error). The chosen PSK's binder must verify or the handshake
 * ends with decrypt_error. Without a PSK the handshake is a full one if the
 * config has a certificate, else it fails: unknown_psk_identity when the
 * client offered PSKs (RFC 8446 §6.2), handshake_failure when it offered none.
 */
typedef int (*moat_psk_selection_callback)(struct moat_connection *conn, void *context,
					   struct moat_offered_psk_list *psk_list);
MOAT_MUST_USE int moat_config_set_psk_selection_callback(struct moat_config *config, moat_psk_selection_callback cb,
							 void *context);
struct moat_offered_psk *moat_offered_psk_new(void);
MOAT_MUST_USE int moat_offered_psk_free(struct moat_offered_psk **psk);
bool moat_offered_psk_list_has_next(struct moat_offered_psk_list *psk_list);
MOAT_MUST_USE int moat_offered_psk_list_next(struct moat_offered_psk_list *psk_list, struct moat_offered_psk *psk);
MOAT_MUST_USE int moat_offered_psk_list_reread(struct moat_offered_psk_list *psk_list);
/* The identity points into the ClientHello: valid during the callback only. */
MOAT_MUST_USE int moat_offered_psk_get_identity(struct moat_offered_psk *psk, uint8_t **identity, uint16_t *size);
MOAT_MUST_USE int moat_offered_psk_list_choose_psk(struct moat_offered_psk_list *psk_list,
						   struct moat_offered_psk *psk);
/* The external PSK the handshake used (0 bytes after a full handshake or a ticket resumption). */
MOAT_MUST_USE int moat_connection_get_negotiated_psk_identity_length(struct moat_connection *conn,
								     uint16_t *identity_length);
MOAT_MUST_USE int moat_connection_get_negotiated_psk_identity(struct moat_connection *conn, uint8_t *identity,
							      uint16_t max_identity_length);

/* ---- the library ------------------------------------------------------ */

/* moat's version ("0.1.0"), for an application linked to libmoat.so to log or check at run time. */
const char *moat_get_version(void);
/* The libcrypto in use and the one moat was built with: "OpenSSL 3.0.x ... (built with OpenSSL 3.0.y ...)". */
const char *moat_get_libcrypto_version(void);

/* ---- getters ---------------------------------------------------------- */

int moat_connection_get_client_protocol_version(struct moat_connection *conn);
int moat_connection_get_server_protocol_version(struct moat_connection *conn);
int moat_connection_get_actual_protocol_version(struct moat_connection *conn);
int moat_connection_get_client_hello_version(struct moat_connection *conn);
/* IANA name of the negotiated suite ("TLS_AES_128_GCM_SHA256"), or "NONE". */
const char *moat_connection_get_cipher(struct moat_connection *conn);
MOAT_MUST_USE int moat_connection_get_cipher_iana_value(struct moat_connection *conn, uint8_t *first, uint8_t *second);
/* Key exchange group by its IANA name ("x25519", "secp521r1", "ffdhe2048", "X25519MLKEM768", ...) or "NONE". */
const char *moat_connection_get_curve(struct moat_connection *conn);
/* Signature scheme used by the server (and the client, with client auth), IANA value or 0. */
uint16_t moat_connection_get_server_sig_scheme(struct moat_connection *conn);
uint16_t moat_connection_get_client_sig_scheme(struct moat_connection *conn);
const char *moat_get_application_protocol(struct moat_connection *conn);
struct moat_cert_chain_and_key *moat_connection_get_selected_cert(struct moat_connection *conn);
/* Peer's leaf certificate, DER (valid until wipe/free). */
MOAT_MUST_USE int moat_connection_get_peer_cert_der(struct moat_connection *conn, const uint8_t **der, uint32_t *len);
int moat_connection_is_handshake_complete(struct moat_connection *conn);
/* s2n-style description of the handshake, e.g. "NEGOTIATED|FULL_HANDSHAKE|HELLO_RETRY_REQUEST|MIDDLEBOX_COMPAT". */
const char *moat_connection_get_handshake_type_name(struct moat_connection *conn);
/* 1 if a HelloRetryRequest was part of the handshake. */
int moat_connection_is_hello_retried(struct moat_connection *conn);
/* Alert received from the peer, once moat_errno is of type ALERT. */
int moat_connection_get_alert(struct moat_connection *conn);
/* Set by the client hello callback when it acted on server_name: the server then acknowledges it. */
MOAT_MUST_USE int moat_connection_server_name_extension_used(struct moat_connection *conn);

/* ---- client hello ----------------------------------------------------- */

struct moat_client_hello *moat_connection_get_client_hello(struct moat_connection *conn);
ssize_t moat_client_hello_get_raw_message_length(struct moat_client_hello *ch);
ssize_t moat_client_hello_get_raw_message(struct moat_client_hello *ch, uint8_t *out, uint32_t max_length);
ssize_t moat_client_hello_get_cipher_suites_length(struct moat_client_hello *ch);
ssize_t moat_client_hello_get_cipher_suites(struct moat_client_hello *ch, uint8_t *out, uint32_t max_length);
ssize_t moat_client_hello_get_extensions_length(struct moat_client_hello *ch);
ssize_t moat_client_hello_get_extensions(struct moat_client_hello *ch, uint8_t *out, uint32_t max_length);
ssize_t moat_client_hello_get_extension_length(struct moat_client_hello *ch, uint16_t extension_type);
ssize_t moat_client_hello_get_extension_by_id(struct moat_client_hello *ch, uint16_t extension_type, uint8_t *out,
					      uint32_t max_length);
MOAT_MUST_USE int moat_client_hello_get_session_id_length(struct moat_client_hello *ch, uint32_t *out_length);
MOAT_MUST_USE int moat_client_hello_get_session_id(struct moat_client_hello *ch, uint8_t *out, uint32_t *out_length,
						   uint32_t max_length);
/* The host name from server_name, or NULL: a convenience for SNI routing. */
const char *moat_client_hello_get_server_name(struct moat_client_hello *ch);
/* Non-blocking mode: the callback's work is finished; negotiate continues. */
MOAT_MUST_USE int moat_client_hello_cb_done(struct moat_connection *conn);

/* ---- async private-key operations -------------------------------------- */

/*
 * SIGN: the input is the content to sign (unhashed), the output the
 * signature. DECRYPT (the TLS 1.2 RSA key exchange): the input is the
 * EncryptedPreMasterSecret, the output exactly 48 bytes, which must be the
 * premaster or, for a ciphertext that does not decrypt to one, a value the
 * decrypter derives without revealing that it failed (implicit rejection;
 * moat-keyd's RSA_DECRYPT does this). A DECRYPT cannot be performed
 * in-process (moat_async_pkey_op_perform fails with MOAT_ERR_NOT_SUPPORTED):
 * hand it to the key daemon and set_output its answer.
 */
typedef enum { MOAT_ASYNC_DECRYPT, MOAT_ASYNC_SIGN } moat_async_pkey_op_type;

MOAT_MUST_USE int moat_async_pkey_op_get_op_type(struct moat_async_pkey_op *op, moat_async_pkey_op_type *type);
/* IANA SignatureScheme a sign operation must use (moat extension: see the top of this file). */
MOAT_MUST_USE int moat_async_pkey_op_get_signature_scheme(struct moat_async_pkey_op *op, uint16_t *scheme);
MOAT_MUST_USE int moat_async_pkey_op_get_input_size(struct moat_async_pkey_op *op, uint32_t *data_len);
MOAT_MUST_USE int moat_async_pkey_op_get_input(struct moat_async_pkey_op *op, uint8_t *data, uint32_t data_len);
/* Offload: the caller computed the output (the signature, or the 48-byte premaster) elsewhere. */
MOAT_MUST_USE int moat_async_pkey_op_set_output(struct moat_async_pkey_op *op, const uint8_t *data, uint32_t data_len);
/* Compute the output with the private key loaded in this process. */
MOAT_MUST_USE int moat_async_pkey_op_perform(struct moat_async_pkey_op *op,
					     struct moat_cert_chain_and_key *ck);
/* Hand the output to the connection; the next negotiate continues. */
MOAT_MUST_USE int moat_async_pkey_op_apply(struct moat_async_pkey_op *op, struct moat_connection *conn);
MOAT_MUST_USE int moat_async_pkey_op_free(struct moat_async_pkey_op *op);
/*
 * moat extension: the operation cannot be completed (the key daemon is gone,
 * timed out, refused). The next negotiate fails with MOAT_ERR_PKEY_OP_FAILED
 * and sends the peer an internal_error alert, instead of the application
 * having to drop the transport without a word.
 */
MOAT_MUST_USE int moat_async_pkey_op_fail(struct moat_async_pkey_op *op, struct moat_connection *conn);

/* ---- ticket operations (the crypto callback's work) -------------------- */

/*
 * SEAL: the input is a session state (a secret: it holds the resumption
 * PSK), the output the ticket the client will hand back, 1 to
 * MOAT_TICKET_MAX_LEN bytes, result MOAT_TICKET_OK; any other result means
 * no ticket is sent (not an error). OPEN: the input is a ticket a client
 * offered, the output the session state it sealed, result OK, or OK_REISSUE
 * when the key that opened it may no longer seal (the server then sends a
 * fresh ticket after the handshake); UNKNOWN_KEY or BAD_TICKET, without
 * output, make the server try the client's next ticket or do a full
 * handshake, never fail. set_result then apply hands the answer over; free
 * may come before or after the connection's end. Operations live in locked
 * memory and are wiped when freed.
 */
#define MOAT_TICKET_MAX_LEN 1024
typedef enum { MOAT_TICKET_SEAL, MOAT_TICKET_OPEN } moat_ticket_op_type;
typedef enum {
	MOAT_TICKET_OK,
	MOAT_TICKET_UNKNOWN_KEY,
	MOAT_TICKET_BAD_TICKET,
	MOAT_TICKET_OK_REISSUE,
} moat_ticket_result;

MOAT_MUST_USE int moat_ticket_op_get_type(struct moat_ticket_op *op, moat_ticket_op_type *type);
MOAT_MUST_USE int moat_ticket_op_get_input_size(struct moat_ticket_op *op, uint32_t *data_len);
MOAT_MUST_USE int moat_ticket_op_get_input(struct moat_ticket_op *op, uint8_t *data, uint32_t data_len);
MOAT_MUST_USE int moat_ticket_op_set_output(struct moat_ticket_op *op, const uint8_t *data, uint32_t data_len);
MOAT_MUST_USE int moat_ticket_op_set_result(struct moat_ticket_op *op, moat_ticket_result result);
/*
 * OPEN for a ClientHello whose 0-RTT data would ride on this ticket:
 * for_early_data is 1. The opener answers set_early_data_ok(op, 1) only if
 * this is the first time the ticket is opened for early data (single-use
 * tickets, RFC 8446 §8.1); without it the session may resume but its early
 * data is rejected.
 */
MOAT_MUST_USE int moat_ticket_op_get_for_early_data(struct moat_ticket_op *op, uint8_t *for_early_data);
MOAT_MUST_USE int moat_ticket_op_set_early_data_ok(struct moat_ticket_op *op, uint8_t first_use);
/* Hand the result (and output) to the connection; the next negotiate (or send) continues. */
MOAT_MUST_USE int moat_ticket_op_apply(struct moat_ticket_op *op, struct moat_connection *conn);
MOAT_MUST_USE int moat_ticket_op_free(struct moat_ticket_op *op);

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility pop
#endif

#endif
