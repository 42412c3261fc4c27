/*
 * The TLS 1.2 (and 1.1/1.0) client's three key exchanges: the
 * ServerKeyExchange we read and the ClientKeyExchange we write, for ECDHE
 * (RFC 8422 §5.4, §5.7), DHE (RFC 5246 §7.4.3, §7.4.7.2) and RSA key
 * transport (RFC 5246 §7.4.7.1).
 *
 * The ServerKeyExchange signature covers client_random, server_random and
 * the params exactly as the server sent them (RFC 5246 §7.4.3); it is
 * verified with the scheme the server names, which must be one our
 * signature_algorithms offered and fit the certificate's key (TLS 1.2), or
 * with MD5 || SHA-1 (RSA) or SHA-1 (ECDSA) in TLS 1.0/1.1, which name no
 * scheme (RFC 4346 §7.4.3). A bad signature is decrypt_error.
 *
 * DHE, and which groups (RFC 7919 §3): we accept the server's dh_p and
 * dh_g only when they are one of the RFC 7919 groups (ffdhe2048 to
 * ffdhe8192, generator 2), whether or not our supported_groups listed it
 * (policies with DHE suites need not list FFDHE groups, and a pre-RFC 7919
 * server picks its group without looking). A custom group is refused with
 * insufficient_security, the alert §3 names: checking that a custom prime
 * is safe and large enough costs a primality test per handshake, and
 * servers that still use one are misconfigured. dh_Ys must be 1 < Ys <
 * p-1, else handshake_failure (§3).
 *
 * The premaster is derived as the ServerKeyExchange is read; the master
 * secret once our ClientKeyExchange is in the transcript, from the session
 * hash (RFC 7627 §4: the extended master secret is always negotiated,
 * tls12_ext_client.c). The premaster is wiped as soon as it is used.
 */
#include <string.h>

#include "common/secmem.h"
#include "tls/crypto/prf.h"
#include "tls/crypto/rsa_encrypt.h"
#include "tls/crypto/util.h"
#include "tls/handshake_tables.h"
#include "tls/messages12.h"
#include "tls/tls12_client.h"
#include "tls/tls12_keys.h"
#include "tls/tls12_kx_server.h"

static const uint16_t ffdhe_groups[] = { MOAT_GROUP_FFDHE2048, MOAT_GROUP_FFDHE3072, MOAT_GROUP_FFDHE4096,
					 MOAT_GROUP_FFDHE6144, MOAT_GROUP_FFDHE8192 };

static size_t skip_zeros(const uint8_t *v, size_t len)
{
	size_t i = 0;
	while (i + 1 < len && v[i] == 0)
		i++;
	return i;
}

/* RFC 7919 §3 (see the top): the group whose prime and generator the server sent, or insufficient_security. */
static int ffdhe_group_of(const struct moat_server_key_exchange *ske, uint16_t *group)
{
	const uint8_t *p = moat_cursor_data(&ske->dh_p), *g = moat_cursor_data(&ske->dh_g);
	size_t p_len = moat_cursor_remaining(&ske->dh_p), g_len = moat_cursor_remaining(&ske->dh_g);
	size_t pz = skip_zeros(p, p_len), gz = skip_zeros(g, g_len);
	ENSURE(g_len - gz == 1 && g[gz] == MOAT_KEX_FFDHE_GENERATOR, MOAT_ERR_INSUFFICIENT_SECURITY);
	for (size_t i = 0; i < sizeof(ffdhe_groups) / sizeof(ffdhe_groups[0]); i++) {
		uint16_t grp = ffdhe_groups[i];
		size_t len = moat_kex_share_len(grp);
		uint8_t prime[MOAT_KEX_MAX_SHARE_LEN];
		if (!moat_kex_group_supported(grp) || len != p_len - pz || len > sizeof(prime))
			continue;
		TRY(moat_kex_ffdhe_prime(grp, prime, len));
		if (memcmp(prime, p + pz, len) == 0) {
			*group = grp;
			return MOAT_SUCCESS;
		}
	}
	BAIL(MOAT_ERR_INSUFFICIENT_SECURITY);
}

/* The scheme that signed the ServerKeyExchange: the one named (TLS 1.2), or the key's (1.0/1.1). */
static int ske_scheme(struct moat_connection *conn, const struct moat_server_key_exchange *ske, uint16_t *scheme)
{
	moat_key_type type = conn->peer_chain.leaf_key.type;
	if (conn->version < MOAT_TLS12) {
		*scheme = type == MOAT_KEY_RSA ? MOAT_SIG_LEGACY_RSA_MD5_SHA1 : MOAT_SIG_LEGACY_ECDSA_SHA1;
		ENSURE(moat_sig_scheme_usable_legacy(*scheme, type), MOAT_ERR_ILLEGAL_PARAMETER);
		return MOAT_SUCCESS;
	}
	/* RFC 5246 §7.4.3: one of the pairs our signature_algorithms listed, and one that fits the key. */
	ENSURE(ske->sig.has_scheme && moat_tls12_client_offered_scheme(conn, ske->sig.scheme) &&
		       moat_sig_scheme_usable_tls12(ske->sig.scheme, type),
	       MOAT_ERR_ILLEGAL_PARAMETER);
	*scheme = ske->sig.scheme;
	return MOAT_SUCCESS;
}

static int verify_ske_signature(struct moat_connection *conn, const struct moat_server_key_exchange *ske)
{
	struct moat_handshake *hs = conn->hs;
	uint16_t scheme;
	TRY(ske_scheme(conn, ske, &scheme));
	size_t params_len = moat_cursor_remaining(&ske->params);
	struct moat_buf content;
	moat_buf_init(&content, 2 * MOAT_RANDOM_LEN + params_len);
	int rc = moat_buf_put_bytes(&content, hs->client_random, MOAT_RANDOM_LEN);
	if (rc == MOAT_SUCCESS)
		rc = moat_buf_put_bytes(&content, hs->server_random, MOAT_RANDOM_LEN);
	if (rc == MOAT_SUCCESS)
		rc = moat_buf_put_bytes(&content, moat_cursor_data(&ske->params), params_len);
	if (rc == MOAT_SUCCESS)
		rc = moat_sig_verify(&conn->peer_chain.leaf_key, scheme, content.data, content.len,
				     moat_cursor_data(&ske->sig.signature), moat_cursor_remaining(&ske->sig.signature));
	moat_buf_free(&content);
	TRY(rc);
	conn->server_sig_scheme = scheme;
	return MOAT_SUCCESS;
}

/* Our share for the group and the premaster from the server's: kept in hs until the ClientKeyExchange. */
static int derive_premaster(struct moat_connection *conn, uint16_t group, const uint8_t *peer, size_t peer_len)
{
	struct moat_handshake *hs = conn->hs;
	uint8_t *ours, *secret;
	size_t len = 0;
	/* A TLS 1.3 key share made for the ClientHello is of no use now. */
	moat_kex_free(&hs->kex);
	TRY(moat_hs_kex_buffers(hs, group, &ours, &secret));
	TRY(moat_kex_generate(&hs->kex, group, ours, &hs->our_share_len));
	int rc = moat_kex_derive(&hs->kex, peer, peer_len, secret, &len);
	moat_kex_free(&hs->kex);
	TRY(rc);
	hs->shared_secret_len = len;
	conn->group = group;
	return MOAT_SUCCESS;
}

/*
 * RFC 8422 §5.4: a named curve our supported_groups listed, else
 * illegal_parameter (§5.4: the server "MUST choose" from the client's
 * list). RFC 5246 §7.4.3 and RFC 7919 §3 for DHE.
 */
int moat_tls12_client_recv_key_exchange(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_server_key_exchange ske;
	enum moat_kx12 kx = moat_tls12_kx_of(conn->suite);
	TRY(moat_server_key_exchange_decode(body, conn->version, kx, &ske));
	if (kx == MOAT_KX12_ECDHE)
		ENSURE(moat_kex_group_is_ec(ske.group) && moat_kex_group_supported(ske.group) &&
			       moat_security_policy_has_group(moat_conn_policy(conn), ske.group),
		       MOAT_ERR_ILLEGAL_PARAMETER);
	TRY(verify_ske_signature(conn, &ske));
	if (kx == MOAT_KX12_ECDHE)
		return derive_premaster(conn, ske.group, moat_cursor_data(&ske.point), moat_cursor_remaining(&ske.point));

	uint16_t group;
	TRY(ffdhe_group_of(&ske, &group));
	/* Ys as sent may be shorter than p (minimal) or carry leading zeros: the key exchange takes it at p's length. */
	const uint8_t *ys = moat_cursor_data(&ske.dh_ys);
	size_t ys_len = moat_cursor_remaining(&ske.dh_ys), z = skip_zeros(ys, ys_len);
	size_t p_len = moat_kex_share_len(group);
	uint8_t padded[MOAT_KEX_MAX_SHARE_LEN];
	/* RFC 7919 §3: a Ys out of range is handshake_failure. */
	ENSURE(ys_len - z <= p_len && p_len <= sizeof(padded), MOAT_ERR_HANDSHAKE_FAILURE);
	memset(padded, 0, p_len - (ys_len - z));
	memcpy(padded + p_len - (ys_len - z), ys + z, ys_len - z);
	if (derive_premaster(conn, group, padded, p_len) < 0) {
		if (moat_errno != MOAT_ERR_ILLEGAL_PARAMETER)
			return MOAT_FAILURE;
		moat_error_clear();
		BAIL(MOAT_ERR_HANDSHAKE_FAILURE);
	}
	return MOAT_SUCCESS;
}

static int queue_cke(struct moat_connection *conn, enum moat_kx12 kx, const uint8_t *data, size_t len)
{
	struct moat_buf msg;
	moat_buf_init(&msg, len + 16);
	int rc = moat_client_key_exchange_encode(&msg, kx, data, len);
	if (rc == MOAT_SUCCESS)
		rc = moat_hs_queue_message(conn, msg.data, msg.len);
	moat_buf_free(&msg);
	return rc;
}

/*
 * RFC 5246 §7.4.7.1: 48 bytes, ClientHello.client_version then 46 random
 * ones, RSAES-PKCS1-v1_5-encrypted to the server certificate's key.
 */
static int rsa_key_exchange(struct moat_connection *conn)
{
	uint8_t *pms;
	uint8_t ct[MOAT_MAX_SIG_LEN];
	size_t ct_len = sizeof(ct);
	TRY(moat_secmem_alloc(MOAT_TLS12_PREMASTER_LEN, (void **)&pms));
	pms[0] = (uint8_t)(conn->client_hello_version >> 8);
	pms[1] = (uint8_t)conn->client_hello_version;
	int rc = moat_random_bytes(pms + 2, MOAT_TLS12_PREMASTER_LEN - 2);
	if (rc == MOAT_SUCCESS)
		rc = moat_rsa_pkcs1_encrypt(&conn->peer_chain.leaf_key, pms, MOAT_TLS12_PREMASTER_LEN, ct, &ct_len);
	if (rc == MOAT_SUCCESS)
		rc = queue_cke(conn, MOAT_KX12_RSA, ct, ct_len);
	if (rc == MOAT_SUCCESS)
		rc = moat_tls12_master_secret(conn, pms, MOAT_TLS12_PREMASTER_LEN);
	moat_secmem_free(pms);
	return rc;
}

/* ECDHE: our point (RFC 8422 §5.7); DHE: our Yc, minimal like the server's Ys (RFC 5246 §8.1.2). */
int moat_tls12_client_send_key_exchange(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	enum moat_kx12 kx = moat_tls12_kx_of(conn->suite);
	if (kx == MOAT_KX12_RSA)
		return rsa_key_exchange(conn);
	uint8_t *ours, *secret;
	TRY(moat_hs_kex_buffers(hs, conn->group, &ours, &secret));
	ENSURE(hs->our_share_len > 0 && hs->shared_secret_len > 0, MOAT_ERR_INTERNAL);
	size_t skip = kx == MOAT_KX12_DHE ? skip_zeros(ours, hs->our_share_len) : 0;
	int rc = queue_cke(conn, kx, ours + skip, hs->our_share_len - skip);
	/* RFC 5246 §8.1.2: the DH premaster is Z with its leading zero bytes stripped. */
	size_t z = kx == MOAT_KX12_DHE ? skip_zeros(secret, hs->shared_secret_len) : 0;
	if (rc == MOAT_SUCCESS)
		rc = moat_tls12_master_secret(conn, secret + z, hs->shared_secret_len - z);
	moat_wipe(secret, hs->shared_secret_len);
	hs->shared_secret_len = 0;
	moat_hs_kex_release(hs);
	return rc;
}
