/*
 * TLS 1.2 (and 1.1/1.0) client handlers (RFC 5246 §7.3, §7.4): the
 * ServerHello, Certificate, ServerKeyExchange (tls12_kx_client.c),
 * CertificateRequest and ServerHelloDone in; our Certificate,
 * ClientKeyExchange (tls12_kx_client.c), CertificateVerify,
 * ChangeCipherSpec and Finished out; the server's ChangeCipherSpec and
 * Finished in. The message order is the machine's (tls12_tables.c): a
 * CertificateRequest where the ServerHelloDone was expected switches the
 * path to client authentication, a ServerKeyExchange missing from an
 * ECDHE or DHE suite's path (or present in RSA's) is unexpected_message.
 *
 * What is done, and why it is this much:
 *  - The ClientHello is the hello machine's, one for every version
 *    (tls13_client.c); hello.c checks the version the ServerHello picks
 *    and the RFC 8446 §4.1.3 downgrade sentinel before handing over here.
 *  - No session is offered or resumed: our session id is empty, or, when
 *    TLS 1.3 is offered too, the random compatibility one, which a
 *    TLS 1.2 server must not echo (an echo claims a resumption we never
 *    asked for: illegal_parameter). Client-side TLS 1.2 resumption is not
 *    implemented.
 *  - The server's certificate chain is checked by the same trust code as
 *    TLS 1.3's (moat_peer_chain_load), and its key must fit the suite.
 *  - Client authentication: with the certificates the config holds, the
 *    first that the server's certificate_types and signature algorithms
 *    allow, signed with the policy's first scheme the server lists; the
 *    CertificateVerify signs the handshake messages themselves with that
 *    scheme's hash (RFC 5246 §7.4.8), through the async pkey operation as
 *    on TLS 1.3. In TLS 1.0/1.1 (MD5 || SHA-1 signatures, no scheme) we
 *    answer a CertificateRequest with an empty Certificate.
 *  - Key changes: our CCS row's `sent` hook installs the write keys, the
 *    server's CCS the read keys, each from a key block derived and wiped
 *    at once; the master secret is wiped after the server's Finished.
 */
#include <string.h>

#include "common/secmem.h"
#include "tls/crypto/prf.h"
#include "tls/crypto/util.h"
#include "tls/ext_handlers.h"
#include "tls/ext_rows.h"
#include "tls/tls12_keys.h"
#include "tls/handshake_tables.h"
#include "tls/messages12.h"
#include "tls/record_tls12.h"
#include "tls/tls12_client.h"

/* A suite we offer for version: the policy's, defined there, with a record protection we have. */
static bool suite_offered_for(const struct moat_cipher_suite *s, uint16_t version)
{
	struct moat_tls12_key_layout layout;
	if (s->kx == MOAT_KX_TLS13 || !moat_cipher_suite_supports_version(s, version))
		return false;
	if (moat_tls12_key_layout(s, version, &layout) < 0) {
		moat_error_clear();
		return false;
	}
	return true;
}

static bool suite_offered(const struct moat_connection *conn, const struct moat_cipher_suite *s)
{
	uint16_t lo = moat_hs_client_min_version(conn), hi = moat_hs_client_max_version(conn);
	for (uint16_t v = lo; v <= hi && v <= MOAT_TLS12; v++)
		if (suite_offered_for(s, v))
			return true;
	return false;
}

size_t moat_tls12_client_suites(const struct moat_connection *conn, uint16_t *out, size_t cap)
{
	const struct moat_security_policy *p = moat_conn_policy(conn);
	size_t n = 0;
	for (size_t i = 0; i < p->cipher_suites_count && n < cap; i++)
		if (suite_offered(conn, p->cipher_suites[i]))
			out[n++] = p->cipher_suites[i]->iana;
	return n;
}

bool moat_tls12_client_offered_scheme(const struct moat_connection *conn, uint16_t scheme)
{
	uint16_t schemes[64];
	size_t n = moat_client_offered_schemes(conn, schemes, 64);
	for (size_t i = 0; i < n; i++)
		if (schemes[i] == scheme)
			return true;
	return false;
}

/*
 * The ServerHello of a TLS 1.2-or-older handshake (hello.c chose this
 * machine from its version). RFC 5246 §7.4.1.3: a suite we offered, for
 * the version chosen; only extensions we offered (RFC 5246 §7.4.1.4),
 * read by the SH12 list.
 */
int moat_tls12_client_recv_server_hello(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_server_hello sh;
	TRY(moat_server_hello_decode(body, &sh));
	conn->version = hs->machine->version;
	/* The TLS 1.3 HelloRetryRequest value is no TLS 1.2 server's random. */
	ENSURE(!sh.is_hrr, MOAT_ERR_ILLEGAL_PARAMETER);
	size_t echo_len = moat_cursor_remaining(&sh.session_id_echo);
	ENSURE(echo_len == 0 || echo_len != hs->session_id_len ||
		       memcmp(moat_cursor_data(&sh.session_id_echo), hs->session_id, echo_len) != 0,
	       MOAT_ERR_ILLEGAL_PARAMETER);
	const struct moat_cipher_suite *s = moat_cipher_suite_find(sh.cipher_suite);
	ENSURE(s != NULL && moat_security_policy_has_suite(moat_conn_policy(conn), s->iana) &&
		       suite_offered(conn, s) && suite_offered_for(s, conn->version),
	       MOAT_ERR_ILLEGAL_PARAMETER);
	conn->suite = s;
	memcpy(hs->server_random, sh.random, MOAT_RANDOM_LEN);
	TRY(moat_ext_recv_list(conn, &moat_ext_sh12_recv, &sh.ext, hs->ext_offered));
	/* RFC 5246 §7.4.3: RSA key transport has no ServerKeyExchange. */
	if (s->kx == MOAT_KX_RSA)
		hs->flags &= ~MOAT_HS_F_ECDHE;
	/* The TLS 1.3 key share of our ClientHello is not used. */
	moat_kex_free(&hs->kex);
	moat_hs_kex_release(hs);
	hs->our_share_len = 0;
	/* A CertificateVerify would sign the messages themselves (§7.4.8): keep them while one may come. */
	if (conn->version == MOAT_TLS12 && conn->config->cert_count > 0)
		hs->transcript_keep_raw = true;
	TRY(moat_hs_transcript_start(conn, conn->version == MOAT_TLS12 ? s->prf_hash : MOAT_HASH_MD5_SHA1));
	/* RFC 5246 Appendix E.1: from here on our records carry the negotiated version. */
	conn->rl.write_version = conn->version;
	conn->secrets->hash = s->prf_hash;
	conn->secrets->hash_len = moat_hash_len(s->prf_hash);
	return MOAT_SUCCESS;
}

/* The certificate's key must be one the suite authenticates with (RFC 5246 §7.4.2, RFC 8422 §5.3). */
static bool key_fits_suite(const struct moat_cipher_suite *s, moat_key_type type)
{
	if (s->kx == MOAT_KX_RSA)
		return type == MOAT_KEY_RSA;
	if (s->auth == MOAT_AUTH_RSA)
		return type == MOAT_KEY_RSA || type == MOAT_KEY_RSA_PSS;
	return type == MOAT_KEY_EC_P256 || type == MOAT_KEY_EC_P384 || type == MOAT_KEY_EC_P521 ||
	       type == MOAT_KEY_ED25519;
}

int moat_tls12_client_recv_certificate(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_certificate_msg m;
	TRY(moat_certificate12_decode(body, &m));
	/* §7.4.2: the server sends its certificate whenever the key exchange uses one: all of ours do. */
	ENSURE(m.count > 0, MOAT_ERR_DECODE);
	TRY(moat_peer_chain_load(conn, &m));
	ENSURE(key_fits_suite(conn->suite, conn->peer_chain.leaf_key.type), MOAT_ERR_UNSUPPORTED_CERTIFICATE);
	/* §7.4.2: a key we encrypt the premaster to must be allowed to encrypt. */
	ENSURE(conn->suite->kx != MOAT_KX_RSA || moat_cert_leaf_allows_key_encipherment(&conn->peer_chain),
	       MOAT_ERR_UNSUPPORTED_CERTIFICATE);
	return MOAT_SUCCESS;
}

/* RFC 5246 §7.4.4, RFC 8422 §5.5: the certificate type a key of ours answers to. */
static uint8_t client_cert_type(moat_key_type type)
{
	switch (type) {
	case MOAT_KEY_RSA:
	case MOAT_KEY_RSA_PSS:
		return MOAT_CLIENT_CERT_RSA_SIGN;
	case MOAT_KEY_EC_P256:
	case MOAT_KEY_EC_P384:
	case MOAT_KEY_EC_P521:
	case MOAT_KEY_ED25519:
		return MOAT_CLIENT_CERT_ECDSA_SIGN;
	default:
		return 0;
	}
}

static bool type_listed(struct moat_cursor types, uint8_t type)
{
	while (moat_cursor_remaining(&types) > 0) {
		uint8_t t;
		if (moat_cursor_get_u8(&types, &t) < 0)
			return false;
		if (t == type && type != 0)
			return true;
	}
	return false;
}

/* Our first certificate the request allows, with the policy's first scheme for it that the server lists. */
static void choose_client_cert(struct moat_connection *conn, const struct moat_certificate_request12 *cr)
{
	const struct moat_security_policy *p = moat_conn_policy(conn);
	struct moat_config *config = conn->config;
	for (size_t c = 0; c < config->cert_count; c++) {
		moat_key_type type = config->certs[c]->key_type;
		if (!type_listed(cr->certificate_types, client_cert_type(type)))
			continue;
		for (size_t i = 0; i < p->sig_schemes_count; i++) {
			uint16_t scheme = p->sig_schemes[i];
			if (moat_sig_scheme_usable_tls12(scheme, type) && moat_u16_list_contains(cr->sig_algs, scheme)) {
				conn->selected_cert = config->certs[c];
				conn->client_sig_scheme = scheme;
				return;
			}
		}
	}
}

int moat_tls12_client_recv_certificate_request(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_certificate_request12 cr;
	TRY(moat_certificate_request12_decode(body, conn->version, &cr));
	hs->flags |= MOAT_HS_F_CLIENT_AUTH;
	conn->selected_cert = NULL;
	/* TLS 1.0/1.1 signatures carry no scheme (MD5 || SHA-1): we send no certificate there. */
	if (conn->version == MOAT_TLS12)
		choose_client_cert(conn, &cr);
	if (conn->selected_cert == NULL) {
		hs->flags |= MOAT_HS_F_NO_CLIENT_CERT;
		moat_hs_transcript_drop_raw(conn);
	}
	return MOAT_SUCCESS;
}

int moat_tls12_client_recv_hello_done(struct moat_connection *conn, struct moat_cursor body)
{
	TRY(moat_server_hello_done_decode(body));
	/* No CertificateRequest: nothing will sign the messages. */
	if ((conn->hs->flags & MOAT_HS_F_CLIENT_AUTH) == 0)
		moat_hs_transcript_drop_raw(conn);
	return MOAT_SUCCESS;
}

/* RFC 5246 §7.4.6: our chain, or an empty list when none fits the request. */
int moat_tls12_client_send_certificate(struct moat_connection *conn)
{
	struct moat_buf msg;
	int rc;
	if ((conn->hs->flags & MOAT_HS_F_NO_CLIENT_CERT) != 0 || conn->selected_cert == NULL) {
		uint8_t mem[MOAT_HS_HEADER_LEN + 3];
		moat_buf_init_fixed(&msg, mem, sizeof(mem));
		TRY(moat_certificate12_encode(&msg, NULL, NULL, 0));
		return moat_hs_queue_message(conn, msg.data, msg.len);
	}
	const struct moat_cert_chain *chain = &conn->selected_cert->chain;
	size_t total = 64;
	for (size_t i = 0; i < chain->count; i++)
		total += chain->der_len[i] + 8;
	moat_buf_init(&msg, total);
	rc = moat_certificate12_encode(&msg, (const uint8_t *const *)chain->der, chain->der_len, chain->count);
	if (rc == MOAT_SUCCESS)
		rc = moat_hs_queue_message(conn, msg.data, msg.len);
	moat_buf_free(&msg);
	return rc;
}

/*
 * RFC 5246 §7.4.8: a signature over every handshake message so far, with
 * the scheme chosen for the certificate; a signature that blocks on the
 * application brings us back here.
 */
int moat_tls12_client_send_certificate_verify(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	if (!hs->signature_ready) {
		ENSURE(hs->transcript_keep_raw, MOAT_ERR_INTERNAL);
		TRY(moat_async_pkey_sign(conn, conn->client_sig_scheme, hs->transcript_raw.data,
					 hs->transcript_raw.len));
	}
	struct moat_buf msg;
	moat_buf_init(&msg, hs->signature_len + 16);
	int rc = moat_certificate_verify12_encode(&msg, conn->version, conn->client_sig_scheme, hs->signature,
						  hs->signature_len);
	if (rc == MOAT_SUCCESS)
		rc = moat_hs_queue_message(conn, msg.data, msg.len);
	moat_buf_free(&msg);
	hs->signature_ready = false;
	moat_hs_transcript_drop_raw(conn);
	return rc;
}

/* Our ChangeCipherSpec, after the flight so far (under no keys: the first handshake). */
int moat_tls12_client_send_ccs(struct moat_connection *conn)
{
	TRY(moat_hs_flush_messages(conn));
	return moat_record_write_ccs(&conn->rl, &conn->io.out);
}

int moat_tls12_client_ccs_sent(struct moat_connection *conn)
{
	return moat_tls12_install_keys(conn, true);
}

/* RFC 5246 §7.4.9: verify_data over every handshake message before it. */
int moat_tls12_client_send_finished(struct moat_connection *conn)
{
	uint8_t hash[MOAT_MAX_HASH_LEN], verify[MOAT_TLS12_VERIFY_DATA_LEN];
	struct moat_buf msg;
	uint8_t mem[MOAT_HS_HEADER_LEN + MOAT_TLS12_VERIFY_DATA_LEN];
	TRY(moat_hs_transcript_hash(conn, hash));
	TRY(moat_tls12_verify_data(conn, true, hash, verify));
	moat_buf_init_fixed(&msg, mem, sizeof(mem));
	TRY(moat_finished_encode(&msg, verify, sizeof(verify)));
	return moat_hs_queue_message(conn, msg.data, msg.len);
}

/* RFC 5246 §7.1: the server's ChangeCipherSpec, a single byte 1; its records are under the new keys from here. */
int moat_tls12_client_recv_ccs(struct moat_connection *conn, struct moat_cursor body)
{
	uint8_t value;
	ENSURE(moat_cursor_remaining(&body) == 1, MOAT_ERR_UNEXPECTED_MESSAGE);
	TRY(moat_cursor_get_u8(&body, &value));
	ENSURE(value == 0x01, MOAT_ERR_UNEXPECTED_MESSAGE);
	return moat_tls12_install_keys(conn, false);
}

/* The server's verify_data over everything before it (hs->finished_hash); a mismatch is decrypt_error. */
int moat_tls12_client_recv_finished(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_cursor got;
	uint8_t expected[MOAT_TLS12_VERIFY_DATA_LEN];
	TRY(moat_finished_decode(body, MOAT_TLS12_VERIFY_DATA_LEN, &got));
	TRY(moat_tls12_verify_data(conn, false, conn->hs->finished_hash, expected));
	bool ok = moat_ct_equal(expected, moat_cursor_data(&got), sizeof(expected));
	moat_wipe(expected, sizeof(expected));
	/* Both directions' keys are installed: nothing needs the master secret any more (no resumption). */
	moat_wipe(conn->secrets->tls12.master_secret, sizeof(conn->secrets->tls12.master_secret));
	ENSURE(ok, MOAT_ERR_DECRYPT_ERROR);
	return MOAT_SUCCESS;
}
