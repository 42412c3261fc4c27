/*
 * TLS 1.2 server handlers (RFC 5246 §7.3, RFC 8422 for ECDHE): ClientHello
 * in; ServerHello, Certificate, ServerKeyExchange, CertificateRequest and
 * ServerHelloDone out; the client's Certificate, ClientKeyExchange,
 * CertificateVerify, ChangeCipherSpec and Finished in; our ChangeCipherSpec
 * and Finished out.
 *
 * What is served, and why it is this much:
 *  - Key exchange: ECDHE (x25519, x448, secp256r1/384r1/521r1 as the
 *    policy lists them) with RSA or ECDSA certificates, DHE on ffdhe2048 or
 *    ffdhe3072 with RSA certificates, and RSA key transport
 *    (tls12_kx_server.c has the three, and why those groups).
 *  - Suite: the policy's first TLS 1.2 suite, in the policy's order, that
 *    the client offers, whose record protection exists
 *    (moat_tls12_key_layout), whose key exchange has a group with this
 *    client, and for which a certificate of the suite's key type can sign
 *    with a scheme both the policy and the client's signature_algorithms
 *    list (RFC 5246 §7.4.1.4.1, RFC 8422 §5.1.1) or, for RSA key
 *    transport, decrypt. Without signature_algorithms the client gets the
 *    SHA-1 defaults of §7.4.1.4.1, which moat does not sign with (RFC
 *    9155): no ECDHE or DHE suite then.
 *  - The master secret is always the extended one (RFC 7627): a client
 *    that does not offer it is refused (tls12_ext_server.c says why).
 *  - The ServerKeyExchange signature goes through moat_async_pkey_sign,
 *    over the exact content keyd checks (tls/crypto/signed_content.h); the
 *    RSA premaster through moat_async_pkey_decrypt.
 *  - Key changes: the client's CCS installs the read keys at its one place
 *    (RFC 5246 §7.1), our CCS row's `sent` hook the write keys. The key
 *    block is derived from the master secret for each direction as it is
 *    installed and wiped at once, so no key block outlives its use.
 *  - The ServerHello carries the RFC 8446 §4.1.3 downgrade sentinel when
 *    the policy in force would have served TLS 1.3. Resumption (session
 *    tickets, the abbreviated handshake, the session ID it echoes) is
 *    tls12_resume.c's.
 */
#include <string.h>

#include "common/secmem.h"
#include "tls/crypto/prf.h"
#include "tls/crypto/signed_content.h"
#include "tls/crypto/util.h"
#include "tls/ext_rows.h"
#include "tls/extensions12.h"
#include "tls/handshake_tables.h"
#include "tls/key_caps.h"
#include "tls/messages12.h"
#include "tls/ocsp_staple.h"
#include "tls/record_tls12.h"
#include "tls/tickets.h"
#include "tls/tls12_keys.h"
#include "tls/tls12_kx_server.h"

static bool offers_null_compression(struct moat_cursor methods)
{
	while (moat_cursor_remaining(&methods) > 0) {
		uint8_t m;
		if (moat_cursor_get_u8(&methods, &m) < 0)
			return false;
		if (m == 0)
			return true;
	}
	return false;
}

/*
 * The group for ECDHE: the policy's first elliptic curve group the client
 * lists. RFC 8422 §4: a client that sends no supported_groups leaves the
 * choice to the server; we take secp256r1, the curve such (older) clients
 * are most likely to have.
 */
static int choose_group(struct moat_connection *conn, uint16_t *group)
{
	const struct moat_security_policy *p = moat_conn_policy(conn);
	const struct moat_ext_block *ext = &conn->hs->client_hello.ext;
	struct moat_cursor listed;
	bool any = !moat_ext_present(ext, MOAT_EXTI_SUPPORTED_GROUPS);
	if (!any)
		TRY(moat_ext_u16_list_decode(ext->data[MOAT_EXTI_SUPPORTED_GROUPS], &listed));
	for (size_t i = 0; i < p->groups_count; i++) {
		uint16_t g = p->groups[i];
		if (!moat_kex_group_is_ec(g) || !moat_kex_group_supported(g))
			continue;
		if (any ? g == MOAT_GROUP_SECP256R1 : moat_u16_list_contains(listed, g)) {
			*group = g;
			return MOAT_SUCCESS;
		}
	}
	BAIL(MOAT_ERR_HANDSHAKE_FAILURE);
}

static bool key_fits_auth(moat_auth_kind auth, moat_key_type type)
{
	if (auth == MOAT_AUTH_RSA)
		return type == MOAT_KEY_RSA || type == MOAT_KEY_RSA_PSS;
	/* RFC 8422 §2.1, RFC 8422 §3 with Ed25519: ECDHE_ECDSA suites take any of our EC signing keys. */
	return type == MOAT_KEY_EC_P256 || type == MOAT_KEY_EC_P384 || type == MOAT_KEY_EC_P521 ||
	       type == MOAT_KEY_ED25519;
}

/*
 * RFC 8422 §5.1: the client's supported_groups also bind the curve of an
 * ECDSA certificate; a client that lists none takes any (§4).
 */
static bool curve_acceptable(const struct moat_connection *conn, moat_key_type type)
{
	const struct moat_ext_block *ext = &conn->hs->client_hello.ext;
	uint16_t group;
	switch (type) {
	case MOAT_KEY_EC_P256:
		group = MOAT_GROUP_SECP256R1;
		break;
	case MOAT_KEY_EC_P384:
		group = MOAT_GROUP_SECP384R1;
		break;
	case MOAT_KEY_EC_P521:
		group = MOAT_GROUP_SECP521R1;
		break;
	default:
		return true;
	}
	struct moat_cursor listed;
	if (!moat_ext_present(ext, MOAT_EXTI_SUPPORTED_GROUPS))
		return true;
	if (moat_ext_u16_list_decode(ext->data[MOAT_EXTI_SUPPORTED_GROUPS], &listed) < 0) {
		moat_error_clear();
		return false;
	}
	return moat_u16_list_contains(listed, group);
}

/*
 * TLS 1.0/1.1 signatures carry no scheme (RFC 4346 §7.4.3): the key says
 * how to sign, with our private code points for it (iana.h). The policy
 * allows them through its SHA-1 legacy schemes, the hash they rest on.
 */
static uint16_t legacy_scheme(moat_key_type type, uint16_t *policy_scheme)
{
	if (type == MOAT_KEY_RSA) {
		*policy_scheme = MOAT_SIG_RSA_PKCS1_SHA1;
		return MOAT_SIG_LEGACY_RSA_MD5_SHA1;
	}
	*policy_scheme = MOAT_SIG_ECDSA_SHA1;
	return MOAT_SIG_LEGACY_ECDSA_SHA1;
}

static bool find_legacy_signer(struct moat_connection *conn, const struct moat_cipher_suite *s)
{
	const struct moat_security_policy *p = moat_conn_policy(conn);
	struct moat_config *config = conn->config;
	for (size_t c = 0; c < config->cert_count; c++) {
		moat_key_type type = config->certs[c]->key_type;
		uint16_t allowed_by;
		uint16_t scheme = legacy_scheme(type, &allowed_by);
		if (!moat_key_caps_allow(config->certs[c]->key_caps, conn->version, false))
			continue;
		if (key_fits_auth(s->auth, type) && moat_sig_scheme_usable_legacy(scheme, type) &&
		    moat_security_policy_has_sig_scheme(p, allowed_by) && curve_acceptable(conn, type)) {
			conn->selected_cert = config->certs[c];
			conn->server_sig_scheme = scheme;
			return true;
		}
	}
	return false;
}

/*
 * A scheme the server may sign this ServerKeyExchange with: the TLS 1.2
 * rules, or a SHA-1 scheme (rsa_pkcs1_sha1, ecdsa_sha1), which RFC 9155
 * deprecates and we use only because the policy lists it (the caller walks
 * the policy's list, where the SHA-1 schemes come last), the client offers
 * it (listed, or implied by a missing signature_algorithms, RFC 5246
 * §7.4.1.4.1) and the key's holder signs SHA-1 (key_caps.h).
 */
static bool scheme_fits(uint16_t scheme, moat_key_type type, uint32_t caps)
{
	return moat_sig_scheme_usable_tls12(scheme, type) ||
	       (moat_sig_scheme_usable_tls12_sha1(scheme, type) && (caps & MOAT_KEY_CAP_TLS10_11) != 0);
}

/*
 * A certificate for the suite's authentication and the policy's first scheme
 * for it that the client offers.
 */
static bool find_signer(struct moat_connection *conn, const struct moat_cipher_suite *s,
			const struct moat_u16_set *offered)
{
	const struct moat_security_policy *p = moat_conn_policy(conn);
	struct moat_config *config = conn->config;
	if (conn->version < MOAT_TLS12)
		return find_legacy_signer(conn, s);
	for (size_t i = 0; i < p->sig_schemes_count; i++) {
		uint16_t scheme = p->sig_schemes[i];
		if (!moat_u16_set_has(offered, scheme))
			continue;
		for (size_t c = 0; c < config->cert_count; c++) {
			moat_key_type type = config->certs[c]->key_type;
			uint32_t caps = config->certs[c]->key_caps;
			if (!moat_key_caps_allow(caps, conn->version, false))
				continue;
			if (key_fits_auth(s->auth, type) && scheme_fits(scheme, type, caps) &&
			    curve_acceptable(conn, type)) {
				conn->selected_cert = config->certs[c];
				conn->server_sig_scheme = scheme;
				return true;
			}
		}
	}
	return false;
}

/*
 * RSA key transport signs nothing: it needs an rsaEncryption certificate
 * (an RSASSA-PSS key cannot decrypt, RFC 4055 §1.2) and an application that
 * decrypts through the async callback (no in-process decryption,
 * async_pkey.c).
 */
static bool find_decrypter(struct moat_connection *conn)
{
	struct moat_config *config = conn->config;
	if (config->async_pkey_cb == NULL)
		return false;
	for (size_t c = 0; c < config->cert_count; c++) {
		/* A key whose holder refuses RSA decryption is never chosen for it (key_caps.h). */
		if (config->certs[c]->key_type == MOAT_KEY_RSA &&
		    moat_key_caps_allow(config->certs[c]->key_caps, conn->version, true)) {
			conn->selected_cert = config->certs[c];
			conn->server_sig_scheme = 0;
			return true;
		}
	}
	return false;
}

/* The groups each key exchange would use with this client; false where it has none. */
struct kx_groups {
	bool ec_ok, dhe_ok;
	uint16_t ec, dhe;
};

/* A group the key exchange lacks is no error (its suites are skipped); a malformed list is. */
static int group_or_none(int rc, bool *ok)
{
	*ok = rc == MOAT_SUCCESS;
	if (rc == MOAT_SUCCESS)
		return MOAT_SUCCESS;
	if (moat_errno != MOAT_ERR_HANDSHAKE_FAILURE)
		return MOAT_FAILURE;
	moat_error_clear();
	return MOAT_SUCCESS;
}

static int kx_groups_find(struct moat_connection *conn, struct kx_groups *g)
{
	TRY(group_or_none(choose_group(conn, &g->ec), &g->ec_ok));
	return group_or_none(moat_tls12_dhe_group(conn, &g->dhe), &g->dhe_ok);
}

/*
 * The policy's first suite, in its order, that the client offers, that
 * exists in the version chosen, whose record protection exists, whose key
 * exchange has a group with this client (none for RSA), and for which a
 * certificate can sign (ECDHE, DHE) or decrypt (RSA).
 */
static int choose_suite(struct moat_connection *conn)
{
	const struct moat_security_policy *p = moat_conn_policy(conn);
	struct moat_client_hello *ch = &conn->hs->client_hello;
	struct moat_u16_set offered;
	struct kx_groups groups;
	ENSURE(conn->config->cert_count > 0, MOAT_ERR_CONFIG);
	moat_u16_set_clear(&offered);
	/*
	 * Without the extension only the SHA-1 defaults of RFC 5246 §7.4.1.4.1
	 * count: {sha1,rsa} for the RSA suites, {sha1,ecdsa} for the ECDSA ones
	 * (key_fits_auth and the schemes' key types pair them). TLS 1.0/1.1
	 * have no such extension (a client may send it; it means nothing there,
	 * RFC 5246 §7.4.1.4.1).
	 */
	if (conn->version == MOAT_TLS12 && moat_ext_present(&ch->ext, MOAT_EXTI_SIGNATURE_ALGORITHMS)) {
		struct moat_cursor list;
		TRY(moat_ext_u16_list_decode(ch->ext.data[MOAT_EXTI_SIGNATURE_ALGORITHMS], &list));
		moat_u16_set_add_list(&offered, list);
	} else if (conn->version == MOAT_TLS12) {
		moat_u16_set_add(&offered, MOAT_SIG_RSA_PKCS1_SHA1);
		moat_u16_set_add(&offered, MOAT_SIG_ECDSA_SHA1);
	}
	TRY(kx_groups_find(conn, &groups));
	bool dhe_without_group = false;
	for (size_t i = 0; i < p->cipher_suites_count; i++) {
		const struct moat_cipher_suite *s = p->cipher_suites[i];
		struct moat_tls12_key_layout layout;
		if (!moat_cipher_suite_supports_version(s, conn->version) ||
		    !moat_u16_list_contains(ch->cipher_suites, s->iana))
			continue;
		if (moat_tls12_key_layout(s, conn->version, &layout) < 0) {
			moat_error_clear();
			continue;
		}
		bool ok;
		uint16_t group = 0;
		switch (s->kx) {
		case MOAT_KX_ECDHE:
			ok = groups.ec_ok && find_signer(conn, s, &offered);
			group = groups.ec;
			break;
		case MOAT_KX_DHE:
			ok = groups.dhe_ok && find_signer(conn, s, &offered);
			group = groups.dhe;
			dhe_without_group |= !groups.dhe_ok;
			break;
		case MOAT_KX_RSA:
			ok = find_decrypter(conn);
			break;
		default:
			ok = false;
			break;
		}
		if (ok) {
			conn->suite = s;
			conn->group = group;
			/* RFC 5246 §7.4.3: RSA key transport sends no ServerKeyExchange. */
			if (s->kx == MOAT_KX_RSA)
				conn->hs->flags &= ~MOAT_HS_F_ECDHE;
			return MOAT_SUCCESS;
		}
	}
	/*
	 * RFC 7919 §4: a client that listed FFDHE groups, none of them ours, and
	 * had no other suite we take gets insufficient_security.
	 */
	ENSURE(!dhe_without_group, MOAT_ERR_INSUFFICIENT_SECURITY);
	BAIL(MOAT_ERR_HANDSHAKE_FAILURE);
}

/*
 * The ClientHello, decoded by hello.c, which chose TLS 1.2 (or 1.1, 1.0:
 * the same handlers, conn->version says which). RFC 5746 §3.6: the SCSV
 * counts as an empty renegotiation_info.
 */
int moat_tls12_server_recv_hello(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_client_hello *ch = &hs->client_hello;
	(void)body;
	/* RFC 5246 §7.4.1.2: the list "MUST contain" null, the only method we take. */
	ENSURE(offers_null_compression(ch->compression_methods), MOAT_ERR_ILLEGAL_PARAMETER);
	if (moat_u16_list_contains(ch->cipher_suites, MOAT_TLS_EMPTY_RENEGOTIATION_INFO_SCSV))
		hs->client_secure_reneg = true;
	/* First, as it may wait for the ticket callback: everything above is safe to run again. */
	TRY(moat_tls12_resume_server_hello(conn));
	TRY(moat_ext_recv_list(conn, &moat_ext_ch12_recv, &ch->ext, 0));
	/*
	 * A resumed session keeps its suite (tls12_resume.c checked it against
	 * this ClientHello) and sends no Certificate, so no CertificateStatus.
	 */
	if (!(hs->flags & MOAT_HS_F_RESUMED)) {
		TRY(choose_suite(conn));
		moat_ocsp_staple_tls12_decide(conn);
	}
	if (moat_conn_client_auth(conn) != MOAT_CERT_AUTH_NONE) {
		/*
		 * A TLS 1.0/1.1 client signs its CertificateVerify with MD5 || SHA-1
		 * and no scheme (RFC 4346 §7.4.8), which we do not verify: such a
		 * client is not served where certificates are asked for.
		 */
		ENSURE(conn->version == MOAT_TLS12, MOAT_ERR_PROTOCOL_VERSION);
		hs->flags |= MOAT_HS_F_CLIENT_AUTH;
		/* §7.4.8: the client signs the messages themselves, hashed with its scheme's hash: keep them. */
		hs->transcript_keep_raw = true;
	}
	/*
	 * RFC 5246 §7.4.9, RFC 7627 §3: Finished and the session hash use the
	 * suite's PRF hash; TLS 1.0/1.1 use MD5 || SHA-1 (RFC 2246 §7.4.9).
	 */
	TRY(moat_hs_transcript_start(conn, conn->version == MOAT_TLS12 ? conn->suite->prf_hash : MOAT_HASH_MD5_SHA1));
	/* RFC 5246 Appendix E.1: records carry the negotiated version from the ServerHello on. */
	conn->rl.write_version = conn->version;
	conn->secrets->hash = conn->suite->prf_hash;
	conn->secrets->hash_len = moat_hash_len(conn->suite->prf_hash);
	return moat_tls12_resume_server_install(conn);
}

int moat_tls12_server_send_hello(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_buf ext, msg;
	size_t sid_len;
	const uint8_t *sid = moat_tls12_resume_session_id(conn, &sid_len);
	TRY(moat_random_bytes(hs->server_random, MOAT_RANDOM_LEN));
	/* RFC 8446 §4.1.3: a server that would have spoken TLS 1.3 says it was not asked to. */
	TRY(moat_downgrade_sentinel_set(hs->server_random, conn->version, moat_hs_server_highest_version(conn)));
	/* extensions<0..2^16-1>: an SCT list alone may take most of it (sct_list.c). */
	moat_buf_init(&ext, 0xffff);
	moat_buf_init(&msg, 0xffff + 128);
	int rc = moat_ext_write_list(conn, &moat_ext_sh12_send, &ext, NULL);
	if (rc == MOAT_SUCCESS)
		rc = moat_server_hello12_encode(&msg, conn->version, hs->server_random, sid, sid_len, conn->suite->iana,
						ext.data, ext.len);
	if (rc == MOAT_SUCCESS)
		rc = moat_hs_queue_message(conn, msg.data, msg.len);
	moat_buf_free(&ext);
	moat_buf_free(&msg);
	return rc;
}

int moat_tls12_server_send_certificate(struct moat_connection *conn)
{
	const struct moat_cert_chain *chain = &conn->selected_cert->chain;
	struct moat_buf msg;
	size_t total = 64;
	for (size_t i = 0; i < chain->count; i++)
		total += chain->der_len[i] + 8;
	moat_buf_init(&msg, total);
	int rc = moat_certificate12_encode(&msg, (const uint8_t *const *)chain->der, chain->der_len, chain->count);
	if (rc == MOAT_SUCCESS)
		rc = moat_hs_queue_message(conn, msg.data, msg.len);
	moat_buf_free(&msg);
	return rc;
}

/*
 * The schemes we take in the client's CertificateVerify: the policy's that
 * TLS 1.2 allows with some key type we verify (SHA-1 never, RFC 9155).
 */
static size_t verify_schemes(const struct moat_security_policy *p, uint16_t *out, size_t cap)
{
	return moat_verify_schemes(p, moat_sig_scheme_usable_tls12, out, cap);
}

/* RFC 5246 §7.4.4: RSA and ECDSA certificates (RFC 8422 §5.5), our schemes, any CA. */
int moat_tls12_server_send_certificate_request(struct moat_connection *conn)
{
	static const uint8_t types[] = { MOAT_CLIENT_CERT_RSA_SIGN, MOAT_CLIENT_CERT_ECDSA_SIGN };
	uint16_t schemes[64];
	size_t n = verify_schemes(moat_conn_policy(conn), schemes, 64);
	ENSURE(n > 0, MOAT_ERR_CONFIG);
	struct moat_buf msg;
	uint8_t mem[256];
	moat_buf_init_fixed(&msg, mem, sizeof(mem));
	TRY(moat_certificate_request12_encode(&msg, conn->version, types, sizeof(types), schemes, n, NULL, 0));
	return moat_hs_queue_message(conn, msg.data, msg.len);
}

/*
 * RFC 5246 §7.4.6: the client's certificates. An empty list where one is
 * required is handshake_failure (TLS 1.2 has no certificate_required);
 * otherwise the handshake goes on without a CertificateVerify, and the
 * messages kept for it are given back.
 */
int moat_tls12_server_recv_certificate(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_certificate_msg m;
	TRY(moat_certificate12_decode(body, &m));
	if (m.count == 0) {
		ENSURE(moat_conn_client_auth(conn) != MOAT_CERT_AUTH_REQUIRED, MOAT_ERR_HANDSHAKE_FAILURE);
		conn->hs->flags |= MOAT_HS_F_NO_CLIENT_CERT;
		moat_hs_transcript_drop_raw(conn);
		return MOAT_SUCCESS;
	}
	return moat_peer_chain_load(conn, &m);
}

/*
 * RFC 5246 §7.4.8: a signature over every handshake message before this
 * one, with a scheme from our CertificateRequest that fits the client's key
 * (illegal_parameter otherwise); a bad signature is decrypt_error.
 */
int moat_tls12_server_recv_certificate_verify(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_digitally_signed cv;
	uint16_t schemes[64];
	TRY(moat_certificate_verify12_decode(body, conn->version, &cv));
	ENSURE(conn->peer_chain_loaded && conn->peer_chain.count > 0, MOAT_ERR_UNEXPECTED_MESSAGE);
	size_t n = verify_schemes(moat_conn_policy(conn), schemes, 64);
	bool offered = false;
	for (size_t i = 0; i < n; i++)
		offered |= schemes[i] == cv.scheme;
	ENSURE(offered && moat_sig_scheme_usable_tls12(cv.scheme, conn->peer_chain.leaf_key.type),
	       MOAT_ERR_ILLEGAL_PARAMETER);
	/* The driver has added this message to the kept messages: it is not signed. */
	ENSURE(hs->transcript_raw.len >= hs->cur_msg_len, MOAT_ERR_INTERNAL);
	TRY(moat_sig_verify(&conn->peer_chain.leaf_key, cv.scheme, hs->transcript_raw.data,
			    hs->transcript_raw.len - hs->cur_msg_len, moat_cursor_data(&cv.signature),
			    moat_cursor_remaining(&cv.signature)));
	conn->client_sig_scheme = cv.scheme;
	moat_hs_transcript_drop_raw(conn);
	return MOAT_SUCCESS;
}

int moat_tls12_server_send_hello_done(struct moat_connection *conn)
{
	struct moat_buf msg;
	uint8_t mem[MOAT_HS_HEADER_LEN];
	moat_buf_init_fixed(&msg, mem, sizeof(mem));
	TRY(moat_server_hello_done_encode(&msg));
	return moat_hs_queue_message(conn, msg.data, msg.len);
}

/*
 * RFC 5246 §7.1: the client's ChangeCipherSpec, a single byte 1, read at
 * its place (the driver made sure no handshake bytes wait in front of it);
 * from the next record on the client writes under the new keys.
 */
int moat_tls12_server_recv_ccs(struct moat_connection *conn, struct moat_cursor body)
{
	uint8_t value;
	ENSURE(moat_cursor_remaining(&body) == 1, MOAT_ERR_UNEXPECTED_MESSAGE);
	TRY(moat_cursor_get_u8(&body, &value));
	ENSURE(value == 0x01, MOAT_ERR_UNEXPECTED_MESSAGE);
	return moat_tls12_install_keys(conn, false);
}

/* RFC 5246 §7.4.9: verify_data over the messages before it (hs->finished_hash); a mismatch is decrypt_error. */
int moat_tls12_server_recv_finished(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_cursor verify;
	uint8_t expected[MOAT_TLS12_VERIFY_DATA_LEN];
	TRY(moat_finished_decode(body, MOAT_TLS12_VERIFY_DATA_LEN, &verify));
	TRY(moat_tls12_verify_data(conn, true, conn->hs->finished_hash, expected));
	bool ok = moat_ct_equal(expected, moat_cursor_data(&verify), sizeof(expected));
	moat_wipe(expected, sizeof(expected));
	ENSURE(ok, MOAT_ERR_DECRYPT_ERROR);
	/* Resumed (RFC 5246 §7.3 figure 2): the client's Finished is the last use of the master secret. */
	if (conn->hs->flags & MOAT_HS_F_RESUMED)
		moat_wipe(conn->secrets->tls12.master_secret, sizeof(conn->secrets->tls12.master_secret));
	return moat_tls12_resume_server_finished(conn);
}

/* Our ChangeCipherSpec, under the keys it replaces (none: the first handshake). */
int moat_tls12_server_send_ccs(struct moat_connection *conn)
{
	TRY(moat_hs_flush_messages(conn));
	return moat_record_write_ccs(&conn->rl, &conn->io.out);
}

int moat_tls12_server_ccs_sent(struct moat_connection *conn)
{
	return moat_tls12_install_keys(conn, true);
}

int moat_tls12_server_send_finished(struct moat_connection *conn)
{
	uint8_t hash[MOAT_MAX_HASH_LEN], verify[MOAT_TLS12_VERIFY_DATA_LEN];
	struct moat_buf msg;
	uint8_t mem[MOAT_HS_HEADER_LEN + MOAT_TLS12_VERIFY_DATA_LEN];
	TRY(moat_hs_transcript_hash(conn, hash));
	TRY(moat_tls12_verify_data(conn, false, hash, verify));
	/*
	 * Full handshake: both directions' keys are installed, both Finished
	 * done and the ticket sealed: nothing needs the master secret any more.
	 * Resumed, the client's Finished is still to come.
	 */
	if (!(conn->hs->flags & MOAT_HS_F_RESUMED))
		moat_wipe(conn->secrets->tls12.master_secret, sizeof(conn->secrets->tls12.master_secret));
	moat_buf_init_fixed(&msg, mem, sizeof(mem));
	TRY(moat_finished_encode(&msg, verify, sizeof(verify)));
	return moat_hs_queue_message(conn, msg.data, msg.len);
}
