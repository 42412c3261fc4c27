/*
 * libFuzzer target for the TLS 1.3 server state machine: a ClientHello in,
 * an alert or the ServerHello flight out, the second flight after a
 * HelloRetryRequest, the client's Finished, and what may follow the
 * handshake (application data, KeyUpdate, alerts), all through a moat server
 * connection on callback I/O.
 *
 * Why the input is a script and not the client's bytes: the server's random,
 * key share and cookie are fresh on every run (the library has no
 * deterministic RNG), so raw bytes could never carry a Finished or a
 * protected record that the server would open, and the fuzzer would stay in
 * front of the ServerHello. Here the input drives a client that does its own
 * cryptography with the library's key schedule, the way tests/tls's scripted
 * peer does: a working handshake stays reachable, and the fuzzer's bytes
 * choose what the client sends, in which order, in what pieces the server's
 * transport hands it over, and which bytes of the ClientHello it changes.
 *
 * Input: one header byte, then operations until the input ends (a missing
 * argument byte reads as zero); a last OP_RUN follows.
 *   header bit 0   server policy "20190802" (no x25519: the client's x25519
 *                  share gets a HelloRetryRequest)
 *          bit 1   the server asks for a client certificate (optional); the
 *                  client sends an empty Certificate
 *          bit 2   compatibility mode: a 32-byte session id
 *          bit 3   the first ClientHello offers early data (PSK modes,
 *                  early_data, a pre_shared_key the server cannot use)
 *          bit 4   record_size_limit
 *          bit 5-7 the server's transport hands over everything it has, or
 *                  pieces of 1, 2, 7, 100, 1000, 5000 or 16389 bytes with a
 *                  "would block" between two pieces
 *   operations: one byte (modulo OP_COUNT), then its arguments
 *     OP_HELLO       u8 n, n x (u16 offset, u8 xor), u8 fragment: a
 *                    ClientHello (the second one once a HelloRetryRequest
 *                    came) with n bytes changed, in records of `fragment`
 *                    bytes (0: one record)
 *     OP_RUN         the server runs (handshake, or after it receive and
 *                    send); then the client reads what the server wrote
 *     OP_FINISHED    u8 corrupt: the client's second flight (an empty
 *                    Certificate if one was asked for, then Finished, one bit
 *                    flipped when corrupt is odd); then application keys
 *     OP_RECORD      u8 type, u16 len, bytes: a record under the client's
 *                    current write keys (in the clear before it has any)
 *     OP_PLAIN       u8 type, u16 len, bytes: an unprotected record
 *     OP_CCS         the compatibility change_cipher_spec
 *     OP_EARLY       u16 len: a 0-RTT record the server has no keys for
 *     OP_RAW         u16 len, bytes: straight to the transport
 *     OP_KEY_UPDATE  u8 requested: a KeyUpdate, then the client's next keys
 *     OP_HYBRID      the first ClientHello, when it comes, lists
 *                    X25519MLKEM768 first and shares it before x25519, as
 *                    browsers do (1216 + 32 bytes); the client keeps the
 *                    hybrid's key, which the default policy chooses
 *
 * The one invariant checked beyond "no crash, no sanitizer report": the
 * server completes a handshake only after the client sent a good Finished.
 *
 * Built with -DMOAT_FUZZ_STANDALONE it gets a main() that runs built-in
 * scripts (or, with --write-seeds DIR, writes them out as a seed corpus for
 * the libFuzzer build) and checks what each must reach: a full handshake with data and a
 * KeyUpdate, the HelloRetryRequest path to the end, skipped early data (with
 * and without a HelloRetryRequest), a transport that gives one byte at a
 * time, client authentication, a broken ClientHello and a broken Finished
 * that must end in alerts, and an X25519MLKEM768 share answered with the
 * hybrid or, by a policy without it, with a HelloRetryRequest.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "common/secmem.h"
#include "tls/conn.h"
#include "tls/crypto/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) \
	do { \
		if (!(cond)) \
			abort(); \
	} while (0)

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define WIRE_MAX (1u << 20)
#define HS_MAX (1u << 17)
/* negotiate/recv calls per OP_RUN: enough for one byte at a time through a whole flight. */
#define RUN_STEPS 100000

enum {
	OP_HELLO,
	OP_RUN,
	OP_FINISHED,
	OP_RECORD,
	OP_PLAIN,
	OP_CCS,
	OP_EARLY,
	OP_RAW,
	OP_KEY_UPDATE,
	OP_HYBRID,
	OP_COUNT
};

#define H_HRR_POLICY 0x01
#define H_CLIENT_AUTH 0x02
#define H_MIDDLEBOX 0x04
#define H_EARLY_DATA 0x08
#define H_RECORD_SIZE_LIMIT 0x10

static const size_t pieces[8] = { 0, 1, 2, 7, 100, 1000, 5000, 16389 };

/* A P-256 certificate for localhost and its key: the server's, for every run. */
static const char cert_pem[] = "-----BEGIN CERTIFICATE-----\n"
			       "MIIBlDCCATugAwIBAgIUD31lt0SjJhU8sZyB3qmAwFF+kH4wCgYIKoZIzj0EAwIw\n"
			       "FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTIwNjAwMTY0NloYDzIxMjYxMTEy\n"
			       "MDAxNjQ2WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO\n"
			       "PQMBBwNCAASe3g/YYND3nU9Kybqidl/QRc3llwHNgPTY9a5AW9A+b0ZwDkslGTqf\n"
			       "Vhpfxl+ebGa/Cp0IZj72sm1S1qcVpoDmo2kwZzAdBgNVHQ4EFgQUZPBpManlgAtc\n"
			       "658Vpy59JADMB8YwHwYDVR0jBBgwFoAUZPBpManlgAtc658Vpy59JADMB8YwDwYD\n"
			       "VR0TAQH/BAUwAwEB/zAUBgNVHREEDTALgglsb2NhbGhvc3QwCgYIKoZIzj0EAwID\n"
			       "RwAwRAIgd9tEV/1T6Bz/VO3skZutGs4wz0H1IAf3j66GrfxZUJYCICtPSg/wA1l2\n"
			       "HuIad06imYtW/IP7b5Ggkd8NGkzNCvCJ\n"
			       "-----END CERTIFICATE-----\n";
static const char key_pem[] = "-----BEGIN PRIVATE KEY-----\n"
			      "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgEn+UtYGT7CoNrbaR\n"
			      "AGpvsGo9KNCGZOjKsNguoPHN8NuhRANCAASe3g/YYND3nU9Kybqidl/QRc3llwHN\n"
			      "gPTY9a5AW9A+b0ZwDkslGTqfVhpfxl+ebGa/Cp0IZj72sm1S1qcVpoDm\n"
			      "-----END PRIVATE KEY-----\n";

static const uint16_t suites[] = { MOAT_TLS_AES_128_GCM_SHA256, MOAT_TLS_AES_256_GCM_SHA384,
				   MOAT_TLS_CHACHA20_POLY1305_SHA256 };
static const uint16_t tls13_only[] = { MOAT_TLS13 };
static const uint16_t groups[] = { MOAT_GROUP_X25519, MOAT_GROUP_SECP256R1, MOAT_GROUP_SECP384R1 };
static const uint16_t hybrid_groups[] = { MOAT_GROUP_X25519MLKEM768, MOAT_GROUP_X25519, MOAT_GROUP_SECP256R1,
					  MOAT_GROUP_SECP384R1 };
static const uint16_t sig_algs[] = { MOAT_SIG_ECDSA_SECP256R1_SHA256, MOAT_SIG_RSA_PSS_RSAE_SHA256,
				     MOAT_SIG_ED25519 };
static const uint8_t psk_modes[] = { 1 }; /* psk_dhe_ke */
/* pre_shared_key (RFC 8446 §4.2.11): one identity the server cannot open, one 32-byte binder. */
static const uint8_t psk_ext[] = {
	0x00, 0x29, 0x00, 0x3b,		/* pre_shared_key, 59 bytes */
	0x00, 0x16, 0x00, 0x10,		/* identities (22 bytes): a 16-byte identity */
	't', 'i', 'c', 'k', 'e', 't', ' ', 'f', 'r', 'o', 'm', ' ', 'e', 'l', 's', 'e',
	0x00, 0x00, 0x00, 0x2a,		/* obfuscated_ticket_age */
	0x00, 0x21, 0x20,		/* binders (33 bytes): a 32-byte binder */
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
	30, 31, 32,
};

/* ---- the script ---- */

struct script {
	const uint8_t *p;
	size_t left;
};

static uint8_t get_u8(struct script *s)
{
	if (s->left == 0)
		return 0;
	s->left--;
	return *s->p++;
}

static uint16_t get_u16(struct script *s)
{
	uint16_t hi = get_u8(s);
	return (uint16_t)(hi << 8 | get_u8(s));
}

/* Up to n bytes of the script; fewer if it ends first. */
static const uint8_t *get_bytes(struct script *s, size_t *n)
{
	const uint8_t *p = s->p;
	if (*n > s->left)
		*n = s->left;
	s->p += *n;
	s->left -= *n;
	return p;
}

/* ---- the transport between the client and our server ---- */

struct pipe {
	struct moat_buf to_server;
	size_t taken;                /* bytes of to_server the server has read */
	struct moat_buf from_server;
	size_t piece;                /* 0: everything at once */
	bool gave;                   /* a piece went out since the last "would block" */
};

static int pipe_recv(void *ctx, uint8_t *buf, uint32_t len)
{
	struct pipe *p = ctx;
	size_t avail = p->to_server.len - p->taken;
	if (avail == 0 || (p->piece > 0 && p->gave)) {
		p->gave = false;
		errno = EAGAIN;
		return -1;
	}
	size_t n = avail < len ? avail : len;
	if (p->piece > 0 && n > p->piece)
		n = p->piece;
	memcpy(buf, p->to_server.data + p->taken, n);
	p->taken += n;
	p->gave = true;
	return (int)n;
}

static int pipe_send(void *ctx, const uint8_t *buf, uint32_t len)
{
	struct pipe *p = ctx;
	if (moat_buf_put_bytes(&p->from_server, buf, len) < 0) {
		errno = EPIPE;
		return -1;
	}
	return (int)len;
}

/* ---- the client ---- */

struct client {
	uint8_t header;
	struct moat_record_layer rl;         /* write: the client's keys; read: the server's */
	const struct moat_cipher_suite *suite;
	struct moat_hash transcript;
	bool transcript_started;
	struct moat_secrets *sec;
	struct moat_kex kex;
	uint16_t group;
	uint8_t finished_key[MOAT_MAX_HASH_LEN]; /* the client's */
	uint8_t random[MOAT_RANDOM_LEN];
	uint8_t session_id[32];
	size_t session_id_len;
	struct moat_buf ch;                  /* the last ClientHello, as sent */
	struct moat_buf hrr_prefix;          /* message_hash(ClientHello1) and the HelloRetryRequest */
	uint8_t cookie[256];
	size_t cookie_len;
	uint16_t hrr_group;
	bool hybrid;                         /* OP_HYBRID: the first ClientHello shares X25519MLKEM768 and x25519 */
	struct moat_buf hs_in;               /* the server's handshake bytes, being reassembled */
	size_t read_at;                      /* bytes of the server's output already taken as records */
	bool broken;                         /* the client cannot follow the server any more */

	/* What happened: built-in scripts check these. */
	bool first_hello_sent, hrr_seen, second_hello_sent, server_finished_seen, cr_seen;
	bool finished_sent, finished_good, app_keys;
	int alert;                           /* the server's alert, -1 if none */
	size_t app_bytes;                    /* application data the client received */
};

struct outcome {
	bool hrr, server_finished, complete;
	int alert;
	size_t app_bytes;
};

static struct moat_config *configs[2];
static struct moat_cert_chain_and_key *chain;

static void setup(void)
{
	if (chain != NULL)
		return;
	chain = moat_cert_chain_and_key_new();
	CHECK(chain != NULL);
	CHECK(moat_cert_chain_and_key_load_pem_bytes(chain, (const uint8_t *)cert_pem, (uint32_t)strlen(cert_pem),
						     (const uint8_t *)key_pem, (uint32_t)strlen(key_pem)) == 0);
	for (size_t i = 0; i < COUNT(configs); i++) {
		configs[i] = moat_config_new();
		CHECK(configs[i] != NULL);
		CHECK(moat_config_add_cert_chain_and_key_to_store(configs[i], chain) == 0);
	}
	CHECK(moat_config_set_cipher_preferences(configs[1], "20190802") == 0);
}

static void send_records(struct client *c, struct pipe *p, uint8_t type, const uint8_t *data, size_t len, size_t frag)
{
	size_t max = frag == 0 || frag > MOAT_MAX_PLAINTEXT ? MOAT_MAX_PLAINTEXT : frag;
	do {
		size_t n = len < max ? len : max;
		/* The record layer refuses some records (empty handshake, too long): the script goes on without them. */
		if (moat_record_write(&c->rl, type, data, n, 0, &p->to_server) < 0)
			moat_error_clear();
		data += n;
		len -= n;
	} while (len > 0);
}

static void build_hello(struct client *c, bool second)
{
	struct moat_buf ext;
	uint8_t share[MOAT_KEX_MAX_SHARE_LEN], x25519[32];
	size_t share_len = 0, n_shares = 1;
	struct moat_key_share ks[2];
	bool hybrid = c->hybrid && !second;
	uint16_t group = second ? c->hrr_group : hybrid ? MOAT_GROUP_X25519MLKEM768 : MOAT_GROUP_X25519;

	if (!second) {
		CHECK(moat_random_bytes(c->random, sizeof(c->random)) == 0);
		c->session_id_len = c->header & H_MIDDLEBOX ? 32 : 0;
		memset(c->session_id, 0x5a, sizeof(c->session_id));
	}
	moat_kex_free(&c->kex);
	memset(&c->kex, 0, sizeof(c->kex));
	c->group = group;
	if (!moat_kex_group_supported(group) || moat_kex_generate(&c->kex, group, share, &share_len) < 0) {
		/* A group we cannot compute with (a HelloRetryRequest the fuzzer bent): any bytes parse. */
		moat_error_clear();
		memset(share, 0x42, 32);
		share_len = 32;
	}
	ks[0].group = group;
	moat_cursor_init(&ks[0].key_exchange, share, share_len);
	if (hybrid) {
		/* The x25519 share beside it; its key is not kept (the server takes the hybrid). */
		struct moat_kex k = { 0 };
		size_t len = 0;
		CHECK(moat_kex_generate(&k, MOAT_GROUP_X25519, x25519, &len) == 0);
		moat_kex_free(&k);
		ks[1].group = MOAT_GROUP_X25519;
		moat_cursor_init(&ks[1].key_exchange, x25519, len);
		n_shares = 2;
	}

	moat_buf_init(&ext, 4096);
	CHECK(moat_ext_write_server_name(&ext, "localhost") == 0);
	CHECK(moat_ext_write_supported_versions_ch(&ext, tls13_only, COUNT(tls13_only)) == 0);
	if (c->hybrid)
		CHECK(moat_ext_write_u16_list(&ext, MOAT_EXT_SUPPORTED_GROUPS, hybrid_groups, COUNT(hybrid_groups)) == 0);
	else
		CHECK(moat_ext_write_u16_list(&ext, MOAT_EXT_SUPPORTED_GROUPS, groups, COUNT(groups)) == 0);
	CHECK(moat_ext_write_u16_list(&ext, MOAT_EXT_SIGNATURE_ALGORITHMS, sig_algs, COUNT(sig_algs)) == 0);
	CHECK(moat_ext_write_key_share_ch(&ext, ks, n_shares) == 0);
	if (c->header & H_RECORD_SIZE_LIMIT)
		CHECK(moat_ext_write_record_size_limit(&ext, 4097) == 0);
	if (second && c->cookie_len > 0)
		CHECK(moat_ext_write_cookie(&ext, c->cookie, c->cookie_len) == 0);
	/* The second ClientHello is the first without early_data (RFC 8446 §4.1.2). */
	if (c->header & H_EARLY_DATA) {
		CHECK(moat_ext_write_psk_modes(&ext, psk_modes, COUNT(psk_modes)) == 0);
		if (!second)
			CHECK(moat_ext_write_empty(&ext, MOAT_EXT_EARLY_DATA) == 0);
		CHECK(moat_buf_put_bytes(&ext, psk_ext, sizeof(psk_ext)) == 0);
	}

	moat_buf_reset(&c->ch);
	CHECK(moat_hs_begin(&c->ch, MOAT_HS_CLIENT_HELLO) == 0);
	CHECK(moat_buf_put_u16(&c->ch, MOAT_TLS12) == 0);
	CHECK(moat_buf_put_bytes(&c->ch, c->random, sizeof(c->random)) == 0);
	CHECK(moat_buf_put_prefixed(&c->ch, 1, c->session_id, c->session_id_len) == 0);
	CHECK(moat_buf_open_prefixed(&c->ch, 2) == 0);
	for (size_t i = 0; i < COUNT(suites); i++)
		CHECK(moat_buf_put_u16(&c->ch, suites[i]) == 0);
	CHECK(moat_buf_close_prefixed(&c->ch) == 0);
	CHECK(moat_buf_put_prefixed(&c->ch, 1, (const uint8_t[]){ 0 }, 1) == 0);
	CHECK(moat_buf_open_prefixed(&c->ch, 2) == 0);
	CHECK(moat_buf_put_bytes(&c->ch, ext.data, ext.len) == 0);
	CHECK(moat_buf_close_prefixed(&c->ch) == 0);
	CHECK(moat_hs_end(&c->ch) == 0);
	moat_buf_free(&ext);
}

static void op_hello(struct client *c, struct pipe *p, struct script *s)
{
	bool second = c->hrr_seen && !c->second_hello_sent;
	build_hello(c, second);
	unsigned n = get_u8(s) % 8;
	for (unsigned i = 0; i < n; i++) {
		uint16_t off = get_u16(s);
		uint8_t x = get_u8(s);
		c->ch.data[off % c->ch.len] ^= x;
	}
	size_t frag = get_u8(s);
	/* RFC 8446 §5.1: the first ClientHello's record may say 0x0301. */
	c->rl.write_version = second ? MOAT_TLS12 : MOAT_TLS10;
	send_records(c, p, MOAT_CT_HANDSHAKE, c->ch.data, c->ch.len, frag);
	c->rl.write_version = MOAT_TLS12;
	if (second)
		c->second_hello_sent = true;
	else
		c->first_hello_sent = true;
}

static void transcript_add(struct client *c, const uint8_t *msg, size_t len)
{
	if (c->transcript_started)
		CHECK(moat_hash_update(&c->transcript, msg, len) == 0);
}

static void set_keys(struct client *c, bool write, const uint8_t *secret)
{
	CHECK(moat_record_set_traffic_secret(&c->rl, write, c->suite->prf_hash, c->suite->aead, secret) == 0);
}

/* The ServerHello or HelloRetryRequest; false when the client cannot go on. */
static bool client_server_hello(struct client *c, const uint8_t *msg, size_t len)
{
	struct moat_cursor m, body;
	struct moat_server_hello sh;
	uint8_t type;
	moat_cursor_init(&m, msg, len);
	if (moat_hs_header_decode(&m, &type, &body) < 0 || moat_server_hello_decode(body, &sh) < 0)
		return false;
	const struct moat_cipher_suite *suite = moat_cipher_suite_find(sh.cipher_suite);
	if (suite == NULL || suite->min_version != MOAT_TLS13)
		return false;
	if (sh.is_hrr) {
		/* RFC 8446 §4.4.1: the transcript goes on from message_hash(Hash(ClientHello1)) and the HelloRetryRequest. */
		uint8_t h[MOAT_MAX_HASH_LEN];
		size_t hl = moat_hash_len(suite->prf_hash);
		const uint8_t head[4] = { MOAT_HS_MESSAGE_HASH, 0, 0, (uint8_t)hl };
		if (c->hrr_seen || !moat_ext_present(&sh.ext, MOAT_EXTI_KEY_SHARE) ||
		    moat_ext_key_share_decode_hrr(sh.ext.data[MOAT_EXTI_KEY_SHARE], &c->hrr_group) < 0)
			return false;
		c->cookie_len = 0;
		if (moat_ext_present(&sh.ext, MOAT_EXTI_COOKIE)) {
			struct moat_cursor cookie;
			if (moat_ext_cookie_decode(sh.ext.data[MOAT_EXTI_COOKIE], &cookie) < 0 ||
			    moat_cursor_remaining(&cookie) > sizeof(c->cookie))
				return false;
			c->cookie_len = moat_cursor_remaining(&cookie);
			CHECK(moat_cursor_get_bytes(&cookie, c->cookie, c->cookie_len) == 0);
		}
		CHECK(moat_hash_oneshot(suite->prf_hash, c->ch.data, c->ch.len, h) == 0);
		moat_buf_reset(&c->hrr_prefix);
		CHECK(moat_buf_put_bytes(&c->hrr_prefix, head, sizeof(head)) == 0);
		CHECK(moat_buf_put_bytes(&c->hrr_prefix, h, hl) == 0);
		CHECK(moat_buf_put_bytes(&c->hrr_prefix, msg, len) == 0);
		c->hrr_seen = true;
		return true;
	}
	struct moat_key_share share;
	uint8_t secret[MOAT_KEX_MAX_SECRET_LEN], hash[MOAT_MAX_HASH_LEN];
	size_t secret_len;
	if (c->transcript_started || !moat_ext_present(&sh.ext, MOAT_EXTI_KEY_SHARE) ||
	    moat_ext_key_share_decode_sh(sh.ext.data[MOAT_EXTI_KEY_SHARE], &share) < 0 || share.group != c->group ||
	    c->kex.pkey == NULL ||
	    moat_kex_derive(&c->kex, moat_cursor_data(&share.key_exchange), moat_cursor_remaining(&share.key_exchange),
			    secret, &secret_len) < 0)
		return false;
	c->suite = suite;
	CHECK(moat_hash_init(&c->transcript, suite->prf_hash) == 0);
	c->transcript_started = true;
	if (c->hrr_prefix.len > 0)
		transcript_add(c, c->hrr_prefix.data, c->hrr_prefix.len);
	transcript_add(c, c->ch.data, c->ch.len);
	transcript_add(c, msg, len);
	CHECK(moat_hash_current(&c->transcript, hash) == 0);
	CHECK(moat_tls13_init(c->sec, suite->prf_hash, NULL, 0) == 0);
	CHECK(moat_tls13_derive_handshake(c->sec, secret, secret_len, hash) == 0);
	CHECK(moat_tls13_finished_key(suite->prf_hash, c->sec->client_hs, c->finished_key) == 0);
	set_keys(c, true, c->sec->client_hs);
	set_keys(c, false, c->sec->server_hs);
	return true;
}

static bool client_message(struct client *c, const uint8_t *msg, size_t len)
{
	switch (msg[0]) {
	case MOAT_HS_SERVER_HELLO:
		return client_server_hello(c, msg, len);
	case MOAT_HS_CERTIFICATE_REQUEST:
		c->cr_seen = true;
		/* fall through */
	case MOAT_HS_ENCRYPTED_EXTENSIONS:
	case MOAT_HS_CERTIFICATE:
	case MOAT_HS_CERTIFICATE_VERIFY:
		transcript_add(c, msg, len);
		return c->transcript_started;
	case MOAT_HS_FINISHED: {
		uint8_t hash[MOAT_MAX_HASH_LEN];
		if (!c->transcript_started || c->server_finished_seen)
			return false;
		transcript_add(c, msg, len);
		CHECK(moat_hash_current(&c->transcript, hash) == 0);
		CHECK(moat_tls13_derive_master(c->sec, hash) == 0);
		set_keys(c, false, c->sec->server_app);
		c->server_finished_seen = true;
		return true;
	}
	case MOAT_HS_KEY_UPDATE:
		if (!c->server_finished_seen)
			return false;
		CHECK(moat_tls13_next_traffic_secret(c->suite->prf_hash, c->sec->server_app) == 0);
		set_keys(c, false, c->sec->server_app);
		return true;
	default:
		return false;
	}
}

/* Everything the server wrote since the last call, as far as the client can follow it. */
static void client_read(struct client *c, struct pipe *p)
{
	static uint8_t rec[MOAT_RECORD_MAX_WIRE_LEN];
	while (!c->broken && p->from_server.len - c->read_at >= MOAT_RECORD_HEADER_LEN) {
		size_t total;
		uint8_t type, *plain;
		size_t len, msg_len;
		if (moat_record_total_len(p->from_server.data + c->read_at, &total) < 0) {
			moat_error_clear();
			c->broken = true;
			return;
		}
		if (p->from_server.len - c->read_at < total)
			return;
		memcpy(rec, p->from_server.data + c->read_at, total);
		c->read_at += total;
		if (moat_record_open(&c->rl, rec, total, &type, &plain, &len) < 0) {
			moat_error_clear();
			c->broken = true;
			return;
		}
		switch (type) {
		case MOAT_CT_ALERT:
			if (len == 2)
				c->alert = plain[1];
			c->broken = true;
			return;
		case MOAT_CT_APPLICATION_DATA:
			c->app_bytes += len;
			break;
		case MOAT_CT_HANDSHAKE:
			CHECK(moat_buf_put_bytes(&c->hs_in, plain, len) == 0);
			while (moat_hs_message_complete(c->hs_in.data, c->hs_in.len, &msg_len)) {
				static uint8_t msg[HS_MAX];
				if (msg_len > sizeof(msg) || !client_message(c, memcpy(msg, c->hs_in.data, msg_len), msg_len)) {
					c->broken = true;
					return;
				}
				memmove(c->hs_in.data, c->hs_in.data + msg_len, c->hs_in.len - msg_len);
				c->hs_in.len -= msg_len;
			}
			break;
		default:
			break;
		}
	}
}

static void op_finished(struct client *c, struct pipe *p, struct script *s)
{
	bool corrupt = get_u8(s) & 1;
	if (!c->server_finished_seen || c->finished_sent)
		return;
	struct moat_buf flight;
	uint8_t hash[MOAT_MAX_HASH_LEN], verify[MOAT_MAX_HASH_LEN];
	size_t hl = moat_hash_len(c->suite->prf_hash);
	moat_buf_init(&flight, 1024);
	if (c->cr_seen) {
		/* RFC 8446 §4.4.2: no certificate to offer is an empty certificate_list. */
		CHECK(moat_certificate_encode(&flight, NULL, 0, NULL, NULL, 0) == 0);
		transcript_add(c, flight.data, flight.len);
	}
	CHECK(moat_hash_current(&c->transcript, hash) == 0);
	CHECK(moat_hmac(c->suite->prf_hash, c->finished_key, hl, hash, hl, verify) == 0);
	if (corrupt)
		verify[hl - 1] ^= 0x80;
	size_t fin_at = flight.len;
	CHECK(moat_finished_encode(&flight, verify, hl) == 0);
	transcript_add(c, flight.data + fin_at, flight.len - fin_at);
	send_records(c, p, MOAT_CT_HANDSHAKE, flight.data, flight.len, 0);
	moat_buf_free(&flight);
	set_keys(c, true, c->sec->client_app);
	c->finished_sent = true;
	c->finished_good = !corrupt;
	c->app_keys = true;
}

static void op_key_update(struct client *c, struct pipe *p, struct script *s)
{
	struct moat_buf msg;
	uint8_t mem[8];
	bool requested = get_u8(s) & 1;
	if (!c->app_keys)
		return;
	moat_buf_init_fixed(&msg, mem, sizeof(mem));
	CHECK(moat_key_update_encode(&msg, requested) == 0);
	send_records(c, p, MOAT_CT_HANDSHAKE, msg.data, msg.len, 0);
	CHECK(moat_tls13_next_traffic_secret(c->suite->prf_hash, c->sec->client_app) == 0);
	set_keys(c, true, c->sec->client_app);
}

/* The server, until it waits for bytes the client has not sent, or fails. */
static void op_run(struct moat_connection *conn, struct pipe *p)
{
	moat_blocked_status blocked;
	for (int i = 0; i < RUN_STEPS && !conn->failed; i++) {
		moat_error_clear();
		if (!moat_connection_is_handshake_complete(conn)) {
			if (moat_negotiate(conn, &blocked) == 0)
				continue;
		} else {
			uint8_t buf[4096];
			ssize_t n = moat_recv(conn, buf, sizeof(buf), &blocked);
			if (n > 0) {
				/* Answer what came: the client reads it under whatever keys are current. */
				if (moat_send(conn, buf, n < 64 ? n : 64, &blocked) < 0)
					moat_error_clear();
				continue;
			}
			if (n == 0)
				break;
		}
		if (moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED)
			break;
		/* Blocked on read: go on while the transport has bytes left (it gives them in pieces). */
		if (p->taken == p->to_server.len)
			break;
	}
	moat_error_clear();
}

static void run_script(const uint8_t *data, size_t size, struct outcome *out)
{
	struct script s = { data, size };
	struct pipe p;
	struct client c;
	setup();
	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));
	c.header = get_u8(&s);
	c.alert = -1;
	moat_buf_init(&p.to_server, WIRE_MAX);
	moat_buf_init(&p.from_server, WIRE_MAX);
	p.piece = pieces[c.header >> 5];
	moat_record_layer_init(&c.rl);
	c.rl.write_version = MOAT_TLS12;
	c.sec = calloc(1, sizeof(*c.sec));
	CHECK(c.sec != NULL);
	moat_buf_init(&c.ch, HS_MAX);
	moat_buf_init(&c.hrr_prefix, HS_MAX);
	moat_buf_init(&c.hs_in, HS_MAX + MOAT_RECORD_MAX_WIRE_LEN);

	struct moat_connection *conn = moat_connection_new(MOAT_SERVER);
	CHECK(conn != NULL);
	CHECK(moat_connection_set_config(conn, configs[c.header & H_HRR_POLICY ? 1 : 0]) == 0);
	CHECK(moat_connection_set_recv_cb(conn, pipe_recv) == 0);
	CHECK(moat_connection_set_send_cb(conn, pipe_send) == 0);
	CHECK(moat_connection_set_recv_ctx(conn, &p) == 0);
	CHECK(moat_connection_set_send_ctx(conn, &p) == 0);
	if (c.header & H_CLIENT_AUTH)
		CHECK(moat_connection_set_client_auth_type(conn, MOAT_CERT_AUTH_OPTIONAL) == 0);

	while (s.left > 0 && !conn->failed) {
		uint8_t op = get_u8(&s) % OP_COUNT;
		uint8_t type;
		size_t len;
		const uint8_t *bytes;
		switch (op) {
		case OP_HELLO:
			op_hello(&c, &p, &s);
			break;
		case OP_RUN:
			op_run(conn, &p);
			client_read(&c, &p);
			break;
		case OP_FINISHED:
			op_finished(&c, &p, &s);
			break;
		case OP_RECORD:
		case OP_PLAIN:
			type = get_u8(&s);
			len = get_u16(&s) % (MOAT_MAX_PLAINTEXT + 1);
			bytes = get_bytes(&s, &len);
			if (op == OP_RECORD) {
				send_records(&c, &p, type, bytes, len, 0);
			} else {
				uint8_t head[5] = { type, 3, 3, (uint8_t)(len >> 8), (uint8_t)len };
				CHECK(moat_buf_put_bytes(&p.to_server, head, sizeof(head)) == 0);
				CHECK(moat_buf_put_bytes(&p.to_server, bytes, len) == 0);
			}
			break;
		case OP_CCS:
			CHECK(moat_buf_put_bytes(&p.to_server, (const uint8_t[]){ 20, 3, 3, 0, 1, 1 }, 6) == 0);
			break;
		case OP_EARLY: {
			static uint8_t noise[MOAT_RECORD_MAX_WIRE_LEN];
			len = get_u16(&s) % (MOAT_MAX_CIPHERTEXT_13 + 1);
			uint8_t head[5] = { MOAT_CT_APPLICATION_DATA, 3, 3, (uint8_t)(len >> 8), (uint8_t)len };
			memset(noise, 0xe0 ^ (uint8_t)len, len);
			CHECK(moat_buf_put_bytes(&p.to_server, head, sizeof(head)) == 0);
			CHECK(moat_buf_put_bytes(&p.to_server, noise, len) == 0);
			break;
		}
		case OP_RAW:
			len = get_u16(&s);
			bytes = get_bytes(&s, &len);
			CHECK(moat_buf_put_bytes(&p.to_server, bytes, len) == 0);
			break;
		case OP_HYBRID:
			c.hybrid = c.hybrid || !c.first_hello_sent;
			break;
		case OP_KEY_UPDATE:
			op_key_update(&c, &p, &s);
			break;
		default:
			break;
		}
		/* The transport holds at most WIRE_MAX: stop writing before it would refuse. */
		if (p.to_server.len > WIRE_MAX - 2 * MOAT_RECORD_MAX_WIRE_LEN - HS_MAX)
			break;
	}
	op_run(conn, &p);
	client_read(&c, &p);

	out->hrr = c.hrr_seen;
	out->server_finished = c.server_finished_seen;
	out->complete = moat_connection_is_handshake_complete(conn) == 1;
	out->alert = c.alert;
	out->app_bytes = c.app_bytes;
	/* The server must not finish a handshake the client has not authenticated. */
	CHECK(!out->complete || (c.finished_sent && c.finished_good));

	CHECK(moat_connection_free(conn) == 0);
	moat_record_layer_free(&c.rl);
	moat_hash_free(&c.transcript);
	moat_kex_free(&c.kex);
	moat_wipe(c.sec, sizeof(*c.sec));
	free(c.sec);
	moat_buf_free(&c.ch);
	moat_buf_free(&c.hrr_prefix);
	moat_buf_free(&c.hs_in);
	moat_buf_free(&p.to_server);
	moat_buf_free(&p.from_server);
	moat_error_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome out;
	run_script(data, size, &out);
	return 0;
}

#ifdef MOAT_FUZZ_STANDALONE
#include <stdio.h>

#define HELLO OP_HELLO, 0, 0
#define RUN OP_RUN
#define FIN OP_FINISHED, 0
#define PING OP_RECORD, MOAT_CT_APPLICATION_DATA, 0, 4, 'p', 'i', 'n', 'g'

struct builtin {
	const char *name;
	uint8_t script[64];
	size_t len;
	bool hrr, complete;
	int alert;                           /* -1: none */
	size_t app_bytes;                    /* at least */
};

#define S(...) { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ })

static const struct builtin builtins[] = {
	{ "full handshake, data, KeyUpdate", S(H_MIDDLEBOX, HELLO, RUN, OP_CCS, FIN, RUN, PING, RUN, OP_KEY_UPDATE, 1,
					       PING, RUN),
	  false, true, -1, 8 },
	{ "HelloRetryRequest to the end", S(H_HRR_POLICY | H_MIDDLEBOX, HELLO, RUN, OP_CCS, HELLO, RUN, FIN, RUN, PING,
					      RUN),
	  true, true, -1, 4 },
	{ "early data skipped", S(H_MIDDLEBOX | H_EARLY_DATA, HELLO, OP_CCS, OP_EARLY, 0x20, 0x11, OP_EARLY, 0x10, 0x00,
				  RUN, FIN, RUN, PING, RUN),
	  false, true, -1, 4 },
	{ "early data skipped after a HelloRetryRequest",
	  S(H_HRR_POLICY | H_EARLY_DATA, HELLO, OP_EARLY, 0x20, 0x11, RUN, HELLO, RUN, FIN, RUN, PING, RUN), true, true,
	  -1, 4 },
	{ "too much early data", S(H_EARLY_DATA, HELLO, OP_EARLY, 0x40, 0x11, OP_EARLY, 0x00, 0x12, RUN), false, false,
	  MOAT_ALERT_UNEXPECTED_MESSAGE, 0 },
	{ "one byte at a time, record size limit",
	  S(0x20 | H_RECORD_SIZE_LIMIT, OP_HELLO, 0, 7, RUN, FIN, RUN, PING, RUN), false, true, -1, 4 },
	{ "client certificate asked for, none given", S(H_CLIENT_AUTH, HELLO, RUN, FIN, RUN, PING, RUN), false, true,
	  -1, 4 },
	/* The message type byte changed from client_hello (1) to server_hello (2). */
	{ "a ServerHello where the ClientHello belongs", S(0, OP_HELLO, 1, 0, 0, 3, 0, RUN), false, false,
	  MOAT_ALERT_UNEXPECTED_MESSAGE, 0 },
	{ "bad Finished", S(0, HELLO, RUN, OP_FINISHED, 1, RUN), false, false, MOAT_ALERT_DECRYPT_ERROR, 0 },
	/* draft-ietf-tls-ecdhe-mlkem: the server encapsulates, the client decapsulates. */
	{ "X25519MLKEM768 beside x25519, to the end", S(H_MIDDLEBOX, OP_HYBRID, HELLO, RUN, OP_CCS, FIN, RUN, PING, RUN),
	  false, true, -1, 4 },
	{ "X25519MLKEM768 to a policy without it: HelloRetryRequest to the end",
	  S(H_HRR_POLICY, OP_HYBRID, HELLO, RUN, HELLO, RUN, FIN, RUN, PING, RUN), true, true, -1, 4 },
	{ "application data before the Finished", S(0, HELLO, RUN, PING, RUN), false, false,
	  MOAT_ALERT_UNEXPECTED_MESSAGE, 0 },
};

/* With --write-seeds DIR: the built-in scripts as files, a seed corpus for the libFuzzer build. */
static int write_seeds(const char *dir)
{
	for (size_t i = 0; i < COUNT(builtins); i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/builtin-%02zu", dir, i);
		FILE *f = fopen(path, "wb");
		if (f == NULL || fwrite(builtins[i].script, 1, builtins[i].len, f) != builtins[i].len || fclose(f) != 0) {
			perror(path);
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	int failed = 0;
	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
		return write_seeds(argv[2]);
	for (size_t i = 0; i < COUNT(builtins); i++) {
		const struct builtin *b = &builtins[i];
		struct outcome out;
		run_script(b->script, b->len, &out);
		bool ok = out.hrr == b->hrr && out.complete == b->complete && out.alert == b->alert &&
			  out.app_bytes >= b->app_bytes && (!b->complete || out.server_finished);
		printf("%s: %s (hrr %d, server Finished %d, complete %d, alert %d, %zu bytes back)\n", ok ? "ok" : "FAILED",
		       b->name, out.hrr, out.server_finished, out.complete, out.alert, out.app_bytes);
		failed |= !ok;
	}
	for (size_t i = 0; i < COUNT(configs); i++)
		CHECK(moat_config_free(configs[i]) == 0);
	CHECK(moat_cert_chain_and_key_free(chain) == 0);
	return failed;
}
#endif
