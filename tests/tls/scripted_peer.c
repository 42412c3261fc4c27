/*
 * The scripted peer (see scripted_peer.h): wire helpers, then a scripted
 * TLS 1.3 client, then a scripted TLS 1.3 server.
 *
 * The peer keeps its own transcript and key schedule, computed with the
 * library's key schedule functions from what it actually sent and received,
 * so a message the test corrupted is in the peer's transcript exactly as it
 * went out: our side and the peer agree on everything except the one thing
 * the test broke.
 */
#include "tests/tls/scripted_peer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/moat_test.h"
#include "tls/crypto/util.h"

#define IN_MAX (4 * MOAT_RECORD_MAX_WIRE_LEN)
/* Room for a message over our side's limit, to test that limit. */
#define HS_MSG_MAX (MOAT_MAX_HANDSHAKE_MESSAGE + 1024)

/* The fixture in use (see the header). */
static struct sp_fixture *live;

/*
 * An ATF_REQUIRE that fails (or an expected failure) ends the process with
 * the fixture still alive. Free it on the way out, before libcrypto's own
 * exit handler tears down what our keys and contexts point into: that
 * teardown would otherwise leave libcrypto allocations LeakSanitizer reports.
 * Registered once libcrypto is initialised, so it runs before libcrypto's.
 */
static void free_live_at_exit(void)
{
	if (live != NULL)
		sp_free(live);
}

static const uint16_t default_suites[] = { MOAT_TLS_AES_128_GCM_SHA256 };
static const uint8_t null_compression[] = { 0 };
static const uint16_t tls13_only[] = { MOAT_TLS13 };
static const uint16_t default_groups[] = { MOAT_GROUP_X25519, MOAT_GROUP_SECP256R1, MOAT_GROUP_SECP384R1 };
static const uint16_t default_shares[] = { MOAT_GROUP_X25519 };
static const uint16_t sig_algs[] = { MOAT_SIG_ECDSA_SECP256R1_SHA256, MOAT_SIG_RSA_PSS_RSAE_SHA256 };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- fixture ---- */

struct sp_fixture *sp_new(moat_mode ours, const char *policy)
{
	ATF_REQUIRE_MSG(live == NULL, "one scripted peer at a time");
	struct sp_fixture *f = calloc(1, sizeof(*f));
	ATF_REQUIRE(f != NULL);
	live = f;
	f->ours = ours;
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, f->fds) == 0);
	for (int i = 0; i < 2; i++)
		ATF_REQUIRE(fcntl(f->fds[i], F_SETFL, O_NONBLOCK) == 0);

	test_pki_make(&f->pki, TEST_KEY_P256);
	f->ck = moat_cert_chain_and_key_new();
	ATF_REQUIRE(f->ck != NULL);
	EXPECT_OK(moat_cert_chain_and_key_load_pem_bytes(f->ck, (const uint8_t *)f->pki.chain_pem,
							 (uint32_t)strlen(f->pki.chain_pem),
							 (const uint8_t *)f->pki.key_pem, (uint32_t)strlen(f->pki.key_pem)));
	f->cfg = moat_config_new();
	ATF_REQUIRE(f->cfg != NULL);
	if (policy != NULL)
		EXPECT_OK(moat_config_set_cipher_preferences(f->cfg, policy));
	if (ours == MOAT_SERVER) {
		EXPECT_OK(moat_config_add_cert_chain_and_key_to_store(f->cfg, f->ck));
	} else {
		EXPECT_OK(moat_config_wipe_trust_store(f->cfg));
		EXPECT_OK(moat_config_add_pem_to_trust_store(f->cfg, f->pki.ca_pem));
	}
	f->conn = moat_connection_new(ours);
	ATF_REQUIRE(f->conn != NULL);
	EXPECT_OK(moat_connection_set_config(f->conn, f->cfg));
	EXPECT_OK(moat_connection_set_fd(f->conn, f->fds[0]));
	if (ours == MOAT_CLIENT)
		EXPECT_OK(moat_set_server_name(f->conn, "localhost"));
	static bool exit_handler;
	if (!exit_handler) {
		ATF_REQUIRE(atexit(free_live_at_exit) == 0);
		exit_handler = true;
	}

	struct sp_peer *p = &f->peer;
	p->fd = f->fds[1];
	p->is_client = ours == MOAT_SERVER;
	moat_record_layer_init(&p->rl);
	p->rl.write_version = MOAT_TLS12;
	p->in = malloc(IN_MAX);
	p->rec = malloc(MOAT_RECORD_MAX_WIRE_LEN);
	p->hs_msg = malloc(HS_MSG_MAX);
	p->sec = calloc(1, sizeof(*p->sec));
	ATF_REQUIRE(p->in != NULL && p->rec != NULL && p->hs_msg != NULL && p->sec != NULL);
	moat_buf_init(&p->hs_in, HS_MSG_MAX + MOAT_RECORD_MAX_WIRE_LEN);
	moat_buf_init(&p->ch, HS_MSG_MAX);
	moat_buf_init(&p->hrr_prefix, HS_MSG_MAX);
	moat_buf_init(&p->out_hs, HS_MSG_MAX);
	return f;
}

void sp_free(struct sp_fixture *f)
{
	struct sp_peer *p = &f->peer;
	live = NULL;
	EXPECT_OK(moat_connection_free(f->conn));
	EXPECT_OK(moat_config_free(f->cfg));
	EXPECT_OK(moat_cert_chain_and_key_free(f->ck));
	test_pki_free(&f->pki);
	moat_record_layer_free(&p->rl);
	moat_hash_free(&p->transcript);
	moat_kex_free(&p->kex);
	moat_buf_free(&p->hs_in);
	moat_buf_free(&p->ch);
	moat_buf_free(&p->hrr_prefix);
	moat_buf_free(&p->out_hs);
	free(p->in);
	free(p->rec);
	free(p->hs_msg);
	free(p->sec);
	close(f->fds[0]);
	close(f->fds[1]);
	free(f);
}

int sp_negotiate(struct sp_fixture *f)
{
	moat_blocked_status blocked;
	moat_error_clear();
	if (moat_negotiate(f->conn, &blocked) == MOAT_SUCCESS)
		return MOAT_ERR_OK;
	return moat_errno;
}

int sp_recv(struct sp_fixture *f, uint8_t *buf, size_t len, size_t *got)
{
	moat_blocked_status blocked;
	moat_error_clear();
	*got = 0;
	ssize_t n = moat_recv(f->conn, buf, (ssize_t)len, &blocked);
	if (n < 0)
		return moat_errno;
	*got = (size_t)n;
	return MOAT_ERR_OK;
}

/* ---- wire ---- */

void sp_send_raw(struct sp_fixture *f, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (len > 0) {
		ssize_t n = write(f->peer.fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		ATF_REQUIRE_MSG(n > 0, "write to our side: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

void sp_send_record(struct sp_fixture *f, uint8_t type, const void *data, size_t len)
{
	struct moat_buf out;
	moat_buf_init(&out, MOAT_RECORD_MAX_WIRE_LEN);
	EXPECT_OK(moat_record_write(&f->peer.rl, type, data, len, 0, &out));
	sp_send_raw(f, out.data, out.len);
	moat_buf_free(&out);
}

void sp_send_handshake(struct sp_fixture *f, const uint8_t *msg, size_t len)
{
	/* RFC 8446 §5.1: a handshake message may be split over any number of records. */
	size_t off = 0;
	do {
		size_t n = len - off < MOAT_MAX_PLAINTEXT ? len - off : MOAT_MAX_PLAINTEXT;
		sp_send_record(f, MOAT_CT_HANDSHAKE, msg + off, n);
		off += n;
	} while (off < len);
}

void sp_send_sealed_inner(struct sp_fixture *f, const uint8_t *inner, size_t inner_len)
{
	struct moat_record_dir *d = &f->peer.rl.write;
	ATF_REQUIRE(moat_record_is_protected(&f->peer.rl, true));
	size_t ct_len = inner_len + MOAT_AEAD_TAG_LEN;
	ATF_REQUIRE(ct_len <= 0xffff);
	uint8_t *rec = malloc(MOAT_RECORD_HEADER_LEN + ct_len);
	ATF_REQUIRE(rec != NULL);
	rec[0] = MOAT_CT_APPLICATION_DATA;
	rec[1] = 0x03;
	rec[2] = 0x03;
	rec[3] = (uint8_t)(ct_len >> 8);
	rec[4] = (uint8_t)(ct_len & 0xff);
	if (inner_len > 0)
		memcpy(rec + MOAT_RECORD_HEADER_LEN, inner, inner_len);
	/* RFC 8446 §5.3: the sequence number XORed into the right end of the IV. */
	uint8_t nonce[MOAT_AEAD_NONCE_LEN];
	memcpy(nonce, d->iv, sizeof(nonce));
	for (unsigned i = 0; i < 8; i++)
		nonce[MOAT_AEAD_NONCE_LEN - 1 - i] ^= (uint8_t)(d->seq >> (8 * i));
	EXPECT_OK(moat_aead_seal(&d->aead, nonce, rec, MOAT_RECORD_HEADER_LEN, rec + MOAT_RECORD_HEADER_LEN, inner_len,
				 rec + MOAT_RECORD_HEADER_LEN));
	d->seq++;
	sp_send_raw(f, rec, MOAT_RECORD_HEADER_LEN + ct_len);
	free(rec);
}

/* Everything our side has written so far (it never closes its end while the fixture lives). */
static void fill(struct sp_peer *p)
{
	for (;;) {
		ATF_REQUIRE_MSG(p->in_len < IN_MAX, "our side sent more than the peer buffers");
		ssize_t n = read(p->fd, p->in + p->in_len, IN_MAX - p->in_len);
		if (n > 0) {
			p->in_len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		ATF_REQUIRE_MSG(n == 0 || errno == EAGAIN || errno == EWOULDBLOCK, "read from our side: %s",
				strerror(errno));
		return;
	}
}

bool sp_next_record(struct sp_fixture *f, uint8_t *type, const uint8_t **plain, size_t *len)
{
	struct sp_peer *p = &f->peer;
	size_t total;
	fill(p);
	if (p->in_len < MOAT_RECORD_HEADER_LEN)
		return false;
	moat_error_clear();
	ATF_REQUIRE_MSG(moat_record_total_len(p->in, &total) == MOAT_SUCCESS, "our side sent a bad record header: %s",
			moat_strerror_name(moat_errno));
	if (p->in_len < total)
		return false;
	memcpy(p->rec, p->in, total);
	memmove(p->in, p->in + total, p->in_len - total);
	p->in_len -= total;
	p->last_record_version = (uint16_t)(p->rec[1] << 8 | p->rec[2]);
	uint8_t outer = p->rec[0];
	uint8_t *out;
	moat_error_clear();
	int rc = moat_record_open(&p->rl, p->rec, total, type, &out, len);
	ATF_REQUIRE_MSG(rc == MOAT_SUCCESS,
			"a record from our side (outer type %u, %zu bytes) does not open with the keys the peer expects: %s",
			outer, total, moat_strerror_name(moat_errno));
	*plain = out;
	return true;
}

void sp_next_handshake_message(struct sp_fixture *f, uint8_t *type, const uint8_t **msg, size_t *len)
{
	struct sp_peer *p = &f->peer;
	size_t msg_len;
	while (!moat_hs_message_complete(p->hs_in.data, p->hs_in.len, &msg_len)) {
		uint8_t ct;
		const uint8_t *plain;
		size_t n;
		if (!sp_next_record(f, &ct, &plain, &n))
			atf_tc_fail("our side sent no complete handshake message");
		if (ct == MOAT_CT_CHANGE_CIPHER_SPEC)
			continue;
		if (ct == MOAT_CT_ALERT && n == 2)
			atf_tc_fail("our side sent alert %s (error %s at %s) where a handshake message was expected",
				    moat_alert_name(plain[1]), moat_strerror_name(f->conn->error),
				    moat_strerror_debug(f->conn->error, NULL));
		ATF_REQUIRE_EQ_MSG(ct, MOAT_CT_HANDSHAKE, "record of type %u where a handshake message was expected", ct);
		EXPECT_OK(moat_buf_put_bytes(&p->hs_in, plain, n));
	}
	ATF_REQUIRE(msg_len <= HS_MSG_MAX);
	memcpy(p->hs_msg, p->hs_in.data, msg_len);
	memmove(p->hs_in.data, p->hs_in.data + msg_len, p->hs_in.len - msg_len);
	EXPECT_OK(moat_buf_truncate(&p->hs_in, p->hs_in.len - msg_len));
	*type = p->hs_msg[0];
	*msg = p->hs_msg;
	*len = msg_len;
}

void sp_expect_fatal(struct sp_fixture *f, int got, int err, uint8_t alert)
{
	uint8_t type;
	const uint8_t *plain;
	size_t len;
	SP_REQUIRE_RESULT(got, err);
	ATF_REQUIRE_MSG(sp_next_record(f, &type, &plain, &len), "our side sent no alert (expected %s)",
			moat_alert_name(alert));
	ATF_REQUIRE_MSG(type == MOAT_CT_ALERT, "our side sent a record of type %u where its alert should be", type);
	ATF_REQUIRE_EQ_MSG(len, 2, "alert record of %zu bytes", len);
	ATF_REQUIRE_MSG(plain[0] == 2 && plain[1] == alert, "our side sent alert %s (%u) at level %u, expected fatal %s (%u)",
			moat_alert_name(plain[1]), plain[1], plain[0], moat_alert_name(alert), alert);
	fill(&f->peer);
	ATF_REQUIRE_MSG(f->peer.in_len == 0, "our side sent %zu bytes after its fatal alert", f->peer.in_len);

	/* The connection stays failed with the same error and says nothing more. */
	moat_blocked_status blocked;
	moat_error_clear();
	ATF_REQUIRE(moat_negotiate(f->conn, &blocked) == MOAT_FAILURE);
	SP_REQUIRE_RESULT(moat_errno, err);
	fill(&f->peer);
	ATF_REQUIRE_MSG(f->peer.in_len == 0, "our side sent more after failing again");
}

/* ---- key schedule shared by both roles ---- */

static size_t hash_len(const struct sp_peer *p)
{
	return moat_hash_len(p->suite->prf_hash);
}

static void transcript_start(struct sp_peer *p, const uint8_t *sh, size_t sh_len)
{
	ATF_REQUIRE(p->suite != NULL && p->suite->min_version == MOAT_TLS13);
	moat_hash_free(&p->transcript);
	EXPECT_OK(moat_hash_init(&p->transcript, p->suite->prf_hash));
	if (p->hrr_prefix.len > 0)
		EXPECT_OK(moat_hash_update(&p->transcript, p->hrr_prefix.data, p->hrr_prefix.len));
	EXPECT_OK(moat_hash_update(&p->transcript, p->ch.data, p->ch.len));
	EXPECT_OK(moat_hash_update(&p->transcript, sh, sh_len));
	p->transcript_started = true;
}

static void transcript_add(struct sp_peer *p, const uint8_t *msg, size_t len)
{
	ATF_REQUIRE(p->transcript_started);
	EXPECT_OK(moat_hash_update(&p->transcript, msg, len));
}

static void transcript_hash(struct sp_peer *p, uint8_t *out)
{
	EXPECT_OK(moat_hash_current(&p->transcript, out));
}

/* RFC 8446 §7.1: from the (EC)DHE secret and Hash(ClientHello..ServerHello) to both handshake traffic keys. */
static void install_handshake_keys(struct sp_peer *p, const uint8_t *ecdhe, size_t ecdhe_len, bool peer_is_client)
{
	uint8_t hash[MOAT_MAX_HASH_LEN];
	moat_hash_alg alg = p->suite->prf_hash;
	transcript_hash(p, hash);
	EXPECT_OK(moat_tls13_init(p->sec, alg, NULL, 0));
	EXPECT_OK(moat_tls13_derive_handshake(p->sec, ecdhe, ecdhe_len, hash));
	const uint8_t *mine = peer_is_client ? p->sec->client_hs : p->sec->server_hs;
	const uint8_t *theirs = peer_is_client ? p->sec->server_hs : p->sec->client_hs;
	EXPECT_OK(moat_tls13_finished_key(alg, mine, p->finished_key_peer));
	EXPECT_OK(moat_tls13_finished_key(alg, theirs, p->finished_key_ours));
	EXPECT_OK(moat_record_set_traffic_secret(&p->rl, true, alg, p->suite->aead, mine));
	EXPECT_OK(moat_record_set_traffic_secret(&p->rl, false, alg, p->suite->aead, theirs));
}

/* Master secret from Hash(ClientHello..server Finished); the handshake secrets are wiped by it. */
static void derive_master(struct sp_peer *p)
{
	uint8_t hash[MOAT_MAX_HASH_LEN];
	transcript_hash(p, hash);
	EXPECT_OK(moat_tls13_derive_master(p->sec, hash));
}

static void set_keys(struct sp_peer *p, bool write, const uint8_t *secret)
{
	EXPECT_OK(moat_record_set_traffic_secret(&p->rl, write, p->suite->prf_hash, p->suite->aead, secret));
}

/* Check a received Finished against our side's Finished key and the transcript before it. */
static void check_finished(struct sp_peer *p, const uint8_t *msg, size_t len)
{
	struct moat_cursor c, body, verify;
	uint8_t type, hash[MOAT_MAX_HASH_LEN], expected[MOAT_MAX_HASH_LEN];
	moat_cursor_init(&c, msg, len);
	EXPECT_OK(moat_hs_header_decode(&c, &type, &body));
	EXPECT_OK(moat_finished_decode(body, hash_len(p), &verify));
	transcript_hash(p, hash);
	EXPECT_OK(moat_hmac(p->suite->prf_hash, p->finished_key_ours, hash_len(p), hash, hash_len(p), expected));
	ATF_REQUIRE_MSG(memcmp(expected, moat_cursor_data(&verify), hash_len(p)) == 0,
			"our side's Finished does not verify: the peer's transcript differs");
}

/* A Finished message from the peer's Finished key over the transcript so far. */
static size_t peer_finished(struct sp_peer *p, uint8_t *out, bool corrupt)
{
	uint8_t hash[MOAT_MAX_HASH_LEN], verify[MOAT_MAX_HASH_LEN];
	struct moat_buf b;
	transcript_hash(p, hash);
	EXPECT_OK(moat_hmac(p->suite->prf_hash, p->finished_key_peer, hash_len(p), hash, hash_len(p), verify));
	if (corrupt)
		verify[0] ^= 0x01;
	moat_buf_init_fixed(&b, out, MOAT_HS_HEADER_LEN + MOAT_MAX_HASH_LEN);
	EXPECT_OK(moat_finished_encode(&b, verify, hash_len(p)));
	return b.len;
}

static void decode_server_hello(const uint8_t *msg, size_t len, struct moat_server_hello *sh)
{
	struct moat_cursor c, body;
	uint8_t type;
	moat_cursor_init(&c, msg, len);
	EXPECT_OK(moat_hs_header_decode(&c, &type, &body));
	ATF_REQUIRE_EQ(type, MOAT_HS_SERVER_HELLO);
	EXPECT_OK(moat_server_hello_decode(body, sh));
}

void sp_send_ccs(struct sp_fixture *f)
{
	static const uint8_t one = 0x01;
	sp_send_record(f, MOAT_CT_CHANGE_CIPHER_SPEC, &one, 1);
}

/* ---- scripted client ---- */

void sp_ch_defaults(struct sp_ch_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->legacy_version = MOAT_TLS12;
	o->session_id_len = MOAT_MAX_SESSION_ID_LEN;
	o->suites = default_suites;
	o->n_suites = COUNT(default_suites);
	o->compression = null_compression;
	o->n_compression = COUNT(null_compression);
	o->versions = tls13_only;
	o->n_versions = COUNT(tls13_only);
	o->groups = default_groups;
	o->n_groups = COUNT(default_groups);
	o->share_groups = default_shares;
	o->n_shares = COUNT(default_shares);
	o->sig_algs = sig_algs;
	o->n_sig_algs = COUNT(sig_algs);
}

static void write_key_shares(struct sp_peer *p, const struct sp_ch_opts *o, struct moat_buf *ext)
{
	/* Lists of any length: a test may send as many shares as an extension holds. */
	struct moat_key_share *shares = calloc(o->n_shares + 1, sizeof(*shares));
	uint8_t *keys = calloc(o->n_shares + 1, MOAT_KEX_MAX_SHARE_LEN);
	bool kept = false;
	ATF_REQUIRE(shares != NULL && keys != NULL);
	for (size_t i = 0; i < o->n_shares; i++) {
		uint16_t g = o->share_groups[i];
		uint8_t *key = keys + i * MOAT_KEX_MAX_SHARE_LEN;
		size_t n = 1;
		if (moat_kex_group_supported(g)) {
			struct moat_kex k;
			n = MOAT_KEX_MAX_SHARE_LEN;
			memset(&k, 0, sizeof(k));
			EXPECT_OK(moat_kex_generate(&k, g, key, &n));
			/* The peer keeps the key of the first share in a group we implement. */
			if (!kept) {
				moat_kex_free(&p->kex);
				p->kex = k;
				p->group = g;
				memcpy(p->share, key, n);
				p->share_len = n;
				kept = true;
			} else {
				moat_kex_free(&k);
			}
		} else {
			/* A group we cannot compute with: any non-empty key_exchange parses. */
			key[0] = 0x42;
		}
		if (i == 0 && o->first_share != NULL) {
			ATF_REQUIRE(o->first_share_len <= MOAT_KEX_MAX_SHARE_LEN);
			n = o->first_share_len;
			memcpy(key, o->first_share, n);
		}
		shares[i].group = g;
		moat_cursor_init(&shares[i].key_exchange, key, n);
	}
	EXPECT_OK(moat_ext_write_key_share_ch(ext, shares, o->n_shares));
	free(shares);
	free(keys);
}

void sp_client_build_hello(struct sp_fixture *f, const struct sp_ch_opts *o, struct moat_buf *msg)
{
	struct sp_peer *p = &f->peer;
	if (!o->second) {
		EXPECT_OK(moat_random_bytes(p->random, sizeof(p->random)));
		ATF_REQUIRE(o->session_id_len <= MOAT_MAX_SESSION_ID_LEN);
		p->session_id_len = o->session_id_len;
		EXPECT_OK(moat_random_bytes(p->session_id, p->session_id_len));
	}
	struct moat_buf ext;
	moat_buf_init(&ext, 65535);
	if (o->prefix_ext_len > 0)
		EXPECT_OK(moat_buf_put_bytes(&ext, o->prefix_ext, o->prefix_ext_len));
	if (!o->no_supported_versions)
		EXPECT_OK(moat_ext_write_supported_versions_ch(&ext, o->versions, o->n_versions));
	if (!o->no_supported_groups)
		EXPECT_OK(moat_ext_write_u16_list(&ext, MOAT_EXT_SUPPORTED_GROUPS, o->groups, o->n_groups));
	if (!o->no_signature_algorithms)
		EXPECT_OK(moat_ext_write_u16_list(&ext, MOAT_EXT_SIGNATURE_ALGORITHMS, o->sig_algs, o->n_sig_algs));
	if (!o->no_key_share)
		write_key_shares(p, o, &ext);
	if (o->cookie != NULL)
		EXPECT_OK(moat_ext_write_cookie(&ext, o->cookie, o->cookie_len));
	if (o->extra_ext_len > 0)
		EXPECT_OK(moat_buf_put_bytes(&ext, o->extra_ext, o->extra_ext_len));

	EXPECT_OK(moat_hs_begin(msg, MOAT_HS_CLIENT_HELLO));
	EXPECT_OK(moat_buf_put_u16(msg, o->legacy_version));
	EXPECT_OK(moat_buf_put_bytes(msg, p->random, sizeof(p->random)));
	EXPECT_OK(moat_buf_put_prefixed(msg, 1, p->session_id, p->session_id_len));
	EXPECT_OK(moat_buf_open_prefixed(msg, 2));
	for (size_t i = 0; i < o->n_suites; i++)
		EXPECT_OK(moat_buf_put_u16(msg, o->suites[i]));
	EXPECT_OK(moat_buf_close_prefixed(msg));
	EXPECT_OK(moat_buf_put_prefixed(msg, 1, o->compression, o->n_compression));
	EXPECT_OK(moat_buf_open_prefixed(msg, 2));
	if (ext.len > 0)
		EXPECT_OK(moat_buf_put_bytes(msg, ext.data, ext.len));
	EXPECT_OK(moat_buf_close_prefixed(msg));
	EXPECT_OK(moat_hs_end(msg));
	moat_buf_free(&ext);
}

void sp_client_send_hello(struct sp_fixture *f, const struct sp_ch_opts *o)
{
	struct sp_peer *p = &f->peer;
	moat_buf_reset(&p->ch);
	sp_client_build_hello(f, o, &p->ch);
	/* RFC 8446 §5.1: 0x0301 is allowed only on the first ClientHello's record. */
	p->rl.write_version = o->second ? MOAT_TLS12 : MOAT_TLS10;
	sp_send_handshake(f, p->ch.data, p->ch.len);
	p->rl.write_version = MOAT_TLS12;
}

void sp_client_read_hrr(struct sp_fixture *f)
{
	struct sp_peer *p = &f->peer;
	struct moat_server_hello sh;
	uint8_t type;
	const uint8_t *msg;
	size_t len;
	sp_next_handshake_message(f, &type, &msg, &len);
	decode_server_hello(msg, len, &sh);
	ATF_REQUIRE_MSG(sh.is_hrr, "expected a HelloRetryRequest");
	/* RFC 8446 §4.4.1: the transcript goes on as message_hash(Hash(ClientHello1)) || HelloRetryRequest. */
	const struct moat_cipher_suite *suite = moat_cipher_suite_find(sh.cipher_suite);
	ATF_REQUIRE(suite != NULL);
	uint8_t ch1_hash[MOAT_MAX_HASH_LEN];
	size_t hlen = moat_hash_len(suite->prf_hash);
	EXPECT_OK(moat_hash_oneshot(suite->prf_hash, p->ch.data, p->ch.len, ch1_hash));
	const uint8_t message_hash[4] = { MOAT_HS_MESSAGE_HASH, 0, 0, (uint8_t)hlen };
	moat_buf_reset(&p->hrr_prefix);
	EXPECT_OK(moat_buf_put_bytes(&p->hrr_prefix, message_hash, sizeof(message_hash)));
	EXPECT_OK(moat_buf_put_bytes(&p->hrr_prefix, ch1_hash, hlen));
	EXPECT_OK(moat_buf_put_bytes(&p->hrr_prefix, msg, len));
	ATF_REQUIRE(moat_ext_present(&sh.ext, MOAT_EXTI_KEY_SHARE));
	EXPECT_OK(moat_ext_key_share_decode_hrr(sh.ext.data[MOAT_EXTI_KEY_SHARE], &p->hrr_group));
	p->cookie_len = 0;
	if (moat_ext_present(&sh.ext, MOAT_EXTI_COOKIE)) {
		struct moat_cursor cookie;
		EXPECT_OK(moat_ext_cookie_decode(sh.ext.data[MOAT_EXTI_COOKIE], &cookie));
		p->cookie_len = moat_cursor_remaining(&cookie);
		ATF_REQUIRE(p->cookie_len <= sizeof(p->cookie));
		EXPECT_OK(moat_cursor_get_bytes(&cookie, p->cookie, p->cookie_len));
	}
	/* Appendix D.4: a server answering a compatibility-mode client follows with change_cipher_spec. */
	if (p->session_id_len > 0) {
		const uint8_t *plain;
		ATF_REQUIRE(sp_next_record(f, &type, &plain, &len));
		ATF_REQUIRE_EQ(type, MOAT_CT_CHANGE_CIPHER_SPEC);
	}
}

void sp_expect_server_hello_for(struct sp_fixture *f, uint16_t group)
{
	struct moat_server_hello sh;
	struct moat_key_share share;
	uint8_t type;
	const uint8_t *msg;
	size_t len;
	sp_next_handshake_message(f, &type, &msg, &len);
	decode_server_hello(msg, len, &sh);
	ATF_REQUIRE_MSG(!sh.is_hrr, "unexpected HelloRetryRequest");
	ATF_REQUIRE(moat_ext_present(&sh.ext, MOAT_EXTI_KEY_SHARE));
	EXPECT_OK(moat_ext_key_share_decode_sh(sh.ext.data[MOAT_EXTI_KEY_SHARE], &share));
	ATF_REQUIRE_EQ(share.group, group);
}

void sp_client_read_server_hello(struct sp_fixture *f)
{
	struct sp_peer *p = &f->peer;
	struct moat_server_hello sh;
	struct moat_key_share share;
	uint8_t type, secret[MOAT_KEX_MAX_SECRET_LEN];
	const uint8_t *msg;
	size_t len, secret_len;
	sp_next_handshake_message(f, &type, &msg, &len);
	decode_server_hello(msg, len, &sh);
	ATF_REQUIRE_MSG(!sh.is_hrr, "unexpected HelloRetryRequest");
	p->suite = moat_cipher_suite_find(sh.cipher_suite);
	ATF_REQUIRE(p->suite != NULL);
	ATF_REQUIRE(moat_ext_present(&sh.ext, MOAT_EXTI_KEY_SHARE));
	EXPECT_OK(moat_ext_key_share_decode_sh(sh.ext.data[MOAT_EXTI_KEY_SHARE], &share));
	ATF_REQUIRE_EQ(share.group, p->group);
	EXPECT_OK(moat_kex_derive(&p->kex, moat_cursor_data(&share.key_exchange),
				  moat_cursor_remaining(&share.key_exchange), secret, &secret_len));
	transcript_start(p, msg, len);
	install_handshake_keys(p, secret, secret_len, true);
}

void sp_client_read_rest_of_flight(struct sp_fixture *f)
{
	struct sp_peer *p = &f->peer;
	uint8_t type;
	const uint8_t *msg;
	size_t len;
	do {
		sp_next_handshake_message(f, &type, &msg, &len);
		ATF_REQUIRE_MSG(type == MOAT_HS_ENCRYPTED_EXTENSIONS || type == MOAT_HS_CERTIFICATE_REQUEST ||
					type == MOAT_HS_CERTIFICATE || type == MOAT_HS_CERTIFICATE_VERIFY ||
					type == MOAT_HS_FINISHED,
				"handshake message %u in the server's flight", type);
		if (type == MOAT_HS_FINISHED)
			check_finished(p, msg, len);
		transcript_add(p, msg, len);
	} while (type != MOAT_HS_FINISHED);
	derive_master(p);
	/* Appendix A.1: the server writes with its application keys right after its Finished. */
	set_keys(p, false, p->sec->server_app);
}

void sp_client_read_flight(struct sp_fixture *f)
{
	sp_client_read_server_hello(f);
	sp_client_read_rest_of_flight(f);
}

size_t sp_client_finished(struct sp_fixture *f, uint8_t *out)
{
	return peer_finished(&f->peer, out, false);
}

void sp_client_complete(struct sp_fixture *f)
{
	struct sp_peer *p = &f->peer;
	uint8_t fin[MOAT_HS_HEADER_LEN + MOAT_MAX_HASH_LEN];
	size_t n = sp_client_finished(f, fin);
	if (p->session_id_len > 0)
		sp_send_ccs(f);
	sp_send_record(f, MOAT_CT_HANDSHAKE, fin, n);
	transcript_add(p, fin, n);
	set_keys(p, true, p->sec->client_app);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_OK);
}

void sp_client_handshake(struct sp_fixture *f)
{
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	sp_client_send_hello(f, &o);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_client_read_flight(f);
	sp_client_complete(f);
}

void sp_next_traffic_keys(struct sp_fixture *f, bool write)
{
	struct sp_peer *p = &f->peer;
	uint8_t *secret = p->is_client == write ? p->sec->client_app : p->sec->server_app;
	EXPECT_OK(moat_tls13_next_traffic_secret(p->suite->prf_hash, secret));
	set_keys(p, write, secret);
}

/* ---- scripted server ---- */

void sp_sh_defaults(struct sp_sh_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->legacy_version = MOAT_TLS12;
	o->suite = MOAT_TLS_AES_128_GCM_SHA256;
	o->version = MOAT_TLS13;
	o->key_share_group = MOAT_GROUP_X25519;
}

void sp_server_read_hello(struct sp_fixture *f)
{
	struct sp_peer *p = &f->peer;
	struct moat_client_hello ch;
	struct moat_key_share_list shares;
	struct moat_cursor c, body;
	uint8_t type;
	const uint8_t *msg;
	size_t len;
	sp_next_handshake_message(f, &type, &msg, &len);
	ATF_REQUIRE_EQ_MSG(type, MOAT_HS_CLIENT_HELLO, "handshake message %u where a ClientHello was expected", type);
	moat_buf_reset(&p->ch);
	EXPECT_OK(moat_buf_put_bytes(&p->ch, msg, len));
	moat_cursor_init(&c, p->ch.data, p->ch.len);
	EXPECT_OK(moat_hs_header_decode(&c, &type, &body));
	EXPECT_OK(moat_client_hello_decode(body, &ch));
	memcpy(p->random, ch.random, sizeof(p->random));
	p->session_id_len = moat_cursor_remaining(&ch.session_id);
	EXPECT_OK(moat_cursor_get_bytes(&ch.session_id, p->session_id, p->session_id_len));
	/* A ClientHello that offers TLS 1.2 and older only has no key share. */
	p->group = 0;
	p->their_share_len = 0;
	if (!moat_ext_present(&ch.ext, MOAT_EXTI_KEY_SHARE))
		return;
	EXPECT_OK(moat_ext_key_share_decode_ch(ch.ext.data[MOAT_EXTI_KEY_SHARE], &shares));
	ATF_REQUIRE(shares.count >= 1);
	struct moat_key_share first;
	EXPECT_OK(moat_key_share_next(&shares.entries, &first));
	while (!p->answer_hybrid && moat_kex_group_is_hybrid(first.group) && moat_cursor_remaining(&shares.entries) > 0)
		EXPECT_OK(moat_key_share_next(&shares.entries, &first));
	p->their_share_len = moat_cursor_remaining(&first.key_exchange);
	ATF_REQUIRE(p->their_share_len <= sizeof(p->their_share));
	memcpy(p->their_share, moat_cursor_data(&first.key_exchange), p->their_share_len);
	p->group = first.group;
}

void sp_server_send_hello(struct sp_fixture *f, const struct sp_sh_opts *o)
{
	/* RFC 8446 §4.1.3: "DOWNGRD" and 01 (TLS 1.2) or 00 (TLS 1.1 and below). */
	static const uint8_t downgrade[7] = { 0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44 };
	struct sp_peer *p = &f->peer;
	uint8_t ext_mem[MOAT_KEX_MAX_SHARE_LEN + 1024], random[MOAT_RANDOM_LEN], sid[MOAT_MAX_SESSION_ID_LEN];
	size_t sid_len = p->session_id_len;
	struct moat_buf ext, msg;
	moat_buf_init_fixed(&ext, ext_mem, sizeof(ext_mem));

	const struct moat_cipher_suite *suite = moat_cipher_suite_find(o->suite);
	bool keys = !o->hrr && !p->hrr_sent && suite != NULL && suite->min_version == MOAT_TLS13 &&
		    !o->no_supported_versions && o->version == MOAT_TLS13 && !o->bad_session_id &&
		    o->key_share_group == p->group && o->extra_ext_len == 0 && o->downgrade == 0 && o->share == NULL;
	p->hrr_sent |= o->hrr;
	if (!o->no_supported_versions)
		EXPECT_OK(moat_ext_write_supported_versions_sh(&ext, o->version));
	if (o->key_share_group != 0) {
		if (o->hrr) {
			EXPECT_OK(moat_ext_write_key_share_hrr(&ext, o->key_share_group));
		} else if (o->share != NULL) {
			EXPECT_OK(moat_ext_write_key_share_sh(&ext, o->key_share_group, o->share, o->share_len));
		} else if (moat_kex_group_is_hybrid(o->key_share_group)) {
			/* A KEM: the answer is computed from our client's share, with the secret. */
			ATF_REQUIRE_EQ(o->key_share_group, p->group);
			EXPECT_OK(moat_kex_respond(p->group, p->their_share, p->their_share_len, p->share, &p->share_len,
						   p->hybrid_secret, &p->hybrid_secret_len));
			EXPECT_OK(moat_ext_write_key_share_sh(&ext, o->key_share_group, p->share, p->share_len));
		} else {
			moat_kex_free(&p->kex);
			EXPECT_OK(moat_kex_generate(&p->kex, o->key_share_group, p->share, &p->share_len));
			EXPECT_OK(moat_ext_write_key_share_sh(&ext, o->key_share_group, p->share, p->share_len));
		}
	}
	if (o->cookie != NULL)
		EXPECT_OK(moat_ext_write_cookie(&ext, o->cookie, o->cookie_len));
	if (o->extra_ext_len > 0)
		EXPECT_OK(moat_buf_put_bytes(&ext, o->extra_ext, o->extra_ext_len));

	if (o->hrr) {
		memcpy(random, moat_hrr_random, sizeof(random));
	} else {
		EXPECT_OK(moat_random_bytes(random, sizeof(random)));
		if (o->downgrade != 0) {
			memcpy(random + 24, downgrade, sizeof(downgrade));
			random[31] = o->downgrade == 12 ? 0x01 : 0x00;
		}
	}
	memcpy(p->server_random, random, sizeof(random));
	memcpy(sid, p->session_id, sid_len);
	if (o->bad_session_id) {
		if (sid_len == 0)
			sid_len = 1;
		sid[0] ^= 0x55;
	}

	moat_buf_init(&msg, 4096);
	EXPECT_OK(moat_server_hello_encode(&msg, random, sid, sid_len, o->suite, ext.len > 0 ? ext.data : NULL,
					   ext.len));
	/* After the 4-byte handshake header. */
	msg.data[4] = (uint8_t)(o->legacy_version >> 8);
	msg.data[5] = (uint8_t)(o->legacy_version & 0xff);
	sp_send_record(f, MOAT_CT_HANDSHAKE, msg.data, msg.len);

	if (keys) {
		uint8_t secret[MOAT_KEX_MAX_SECRET_LEN];
		size_t secret_len;
		p->suite = suite;
		if (moat_kex_group_is_hybrid(p->group)) {
			secret_len = p->hybrid_secret_len;
			memcpy(secret, p->hybrid_secret, secret_len);
		} else {
			EXPECT_OK(moat_kex_derive(&p->kex, p->their_share, p->their_share_len, secret, &secret_len));
		}
		transcript_start(p, msg.data, msg.len);
		install_handshake_keys(p, secret, secret_len, false);
	}
	moat_buf_free(&msg);
}

void sp_server_queue(struct sp_fixture *f, const uint8_t *msg, size_t len)
{
	transcript_add(&f->peer, msg, len);
	EXPECT_OK(moat_buf_put_bytes(&f->peer.out_hs, msg, len));
}

void sp_server_flush(struct sp_fixture *f)
{
	struct sp_peer *p = &f->peer;
	size_t off = 0;
	while (off < p->out_hs.len) {
		size_t n = p->out_hs.len - off;
		if (n > MOAT_MAX_PLAINTEXT)
			n = MOAT_MAX_PLAINTEXT;
		sp_send_record(f, MOAT_CT_HANDSHAKE, p->out_hs.data + off, n);
		off += n;
	}
	moat_buf_reset(&p->out_hs);
}

void sp_server_queue_ee(struct sp_fixture *f, const uint8_t *ext, size_t ext_len)
{
	struct moat_buf msg;
	moat_buf_init(&msg, HS_MSG_MAX);
	EXPECT_OK(moat_encrypted_extensions_encode(&msg, ext, ext_len));
	sp_server_queue(f, msg.data, msg.len);
	moat_buf_free(&msg);
}

void sp_server_queue_certificate(struct sp_fixture *f, bool empty)
{
	const struct moat_cert_chain *chain = &f->ck->chain;
	struct moat_buf msg;
	moat_buf_init(&msg, HS_MSG_MAX);
	if (empty)
		EXPECT_OK(moat_certificate_encode(&msg, NULL, 0, NULL, NULL, 0));
	else
		EXPECT_OK(moat_certificate_encode(&msg, NULL, 0, (const uint8_t *const *)chain->der, chain->der_len,
						  chain->count));
	sp_server_queue(f, msg.data, msg.len);
	moat_buf_free(&msg);
}

void sp_server_queue_certificate_verify(struct sp_fixture *f, sp_cv_kind kind)
{
	struct sp_peer *p = &f->peer;
	uint8_t hash[MOAT_MAX_HASH_LEN], content_mem[MOAT_CV_CONTENT_MAX], sig[MOAT_MAX_SIG_LEN];
	size_t sig_len = sizeof(sig);
	struct moat_buf content, msg;
	transcript_hash(p, hash);
	moat_buf_init_fixed(&content, content_mem, sizeof(content_mem));
	/* RFC 8446 §4.4.3: a server signs with the server context string; the client's is a reflection. */
	EXPECT_OK(moat_cv_content_build(kind != SP_CV_CLIENT_CONTEXT, hash, hash_len(p), &content));
	EXPECT_OK(moat_sig_sign(&f->ck->private_key, MOAT_SIG_ECDSA_SECP256R1_SHA256, content.data, content.len, sig,
				&sig_len));
	/* The last byte of an ECDSA-Sig-Value is the low byte of s: the DER stays valid, the signature does not. */
	if (kind == SP_CV_FLIPPED)
		sig[sig_len - 1] ^= 0x01;
	moat_buf_init(&msg, 2048);
	EXPECT_OK(moat_certificate_verify_encode(&msg, MOAT_SIG_ECDSA_SECP256R1_SHA256, sig, sig_len));
	sp_server_queue(f, msg.data, msg.len);
	moat_buf_free(&msg);
}

void sp_server_queue_finished(struct sp_fixture *f, bool corrupt)
{
	uint8_t fin[MOAT_HS_HEADER_LEN + MOAT_MAX_HASH_LEN];
	size_t n = peer_finished(&f->peer, fin, corrupt);
	sp_server_queue(f, fin, n);
}

void sp_server_hello_ok(struct sp_fixture *f)
{
	struct sp_sh_opts o;
	sp_sh_defaults(&o);
	sp_server_send_hello(f, &o);
	ATF_REQUIRE(moat_record_is_protected(&f->peer.rl, true));
	sp_send_ccs(f);
}

void sp_server_complete(struct sp_fixture *f)
{
	struct sp_peer *p = &f->peer;
	uint8_t type;
	const uint8_t *msg;
	size_t len;
	derive_master(p);
	set_keys(p, true, p->sec->server_app);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_OK);
	sp_next_handshake_message(f, &type, &msg, &len);
	ATF_REQUIRE_EQ_MSG(type, MOAT_HS_FINISHED, "handshake message %u where the client's Finished was expected", type);
	check_finished(p, msg, len);
	transcript_add(p, msg, len);
	set_keys(p, false, p->sec->client_app);
}

void sp_server_queue_certificate_request(struct sp_fixture *f, const uint8_t *ext, size_t ext_len)
{
	struct moat_buf msg;
	moat_buf_init(&msg, HS_MSG_MAX);
	/* RFC 8446 §4.3.2: an empty context during the handshake. */
	EXPECT_OK(moat_certificate_request_encode(&msg, NULL, 0, ext, ext_len));
	sp_server_queue(f, msg.data, msg.len);
	moat_buf_free(&msg);
}

void sp_server_complete_client_auth(struct sp_fixture *f, uint16_t scheme)
{
	struct sp_peer *p = &f->peer;
	uint8_t type, hash[MOAT_MAX_HASH_LEN], content_mem[MOAT_CV_CONTENT_MAX];
	const uint8_t *msg;
	size_t len;
	struct moat_cursor c, body;
	derive_master(p);
	set_keys(p, true, p->sec->server_app);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_OK);

	sp_next_handshake_message(f, &type, &msg, &len);
	ATF_REQUIRE_EQ_MSG(type, MOAT_HS_CERTIFICATE, "handshake message %u where the client's Certificate was expected",
			   type);
	struct moat_certificate_msg cert;
	moat_cursor_init(&c, msg, len);
	EXPECT_OK(moat_hs_header_decode(&c, &type, &body));
	EXPECT_OK(moat_certificate_decode(body, &cert));
	transcript_add(p, msg, len);
	if (scheme == 0) {
		ATF_REQUIRE_EQ_MSG(cert.count, 0, "our client sent %zu certificates where it has none to offer", cert.count);
	} else {
		ATF_REQUIRE_MSG(cert.count > 0, "our client sent an empty Certificate");
		/* The CertificateVerify: the scheme expected, signed over the transcript up to the Certificate. */
		transcript_hash(p, hash);
		sp_next_handshake_message(f, &type, &msg, &len);
		ATF_REQUIRE_EQ_MSG(type, MOAT_HS_CERTIFICATE_VERIFY, "handshake message %u where CertificateVerify was expected",
				   type);
		struct moat_certificate_verify cv;
		struct moat_buf content;
		moat_cursor_init(&c, msg, len);
		EXPECT_OK(moat_hs_header_decode(&c, &type, &body));
		EXPECT_OK(moat_certificate_verify_decode(body, &cv));
		ATF_REQUIRE_EQ_MSG(cv.scheme, scheme, "our client signed with 0x%04x, expected 0x%04x", cv.scheme, scheme);
		moat_buf_init_fixed(&content, content_mem, sizeof(content_mem));
		EXPECT_OK(moat_cv_content_build(false, hash, hash_len(p), &content));
		EXPECT_OK(moat_sig_verify(&f->ck->chain.leaf_key, cv.scheme, content.data, content.len,
					  moat_cursor_data(&cv.signature), moat_cursor_remaining(&cv.signature)));
		transcript_add(p, msg, len);
	}
	sp_next_handshake_message(f, &type, &msg, &len);
	ATF_REQUIRE_EQ_MSG(type, MOAT_HS_FINISHED, "handshake message %u where the client's Finished was expected", type);
	check_finished(p, msg, len);
	transcript_add(p, msg, len);
	set_keys(p, false, p->sec->client_app);
}

void sp_server_handshake(struct sp_fixture *f)
{
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_server_read_hello(f);
	sp_server_hello_ok(f);
	sp_server_queue_ee(f, NULL, 0);
	sp_server_queue_certificate(f, false);
	sp_server_queue_certificate_verify(f, SP_CV_GOOD);
	sp_server_queue_finished(f, false);
	sp_server_flush(f);
	sp_server_complete(f);
}
