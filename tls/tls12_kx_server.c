/*
 * The TLS 1.2 (and 1.1/1.0) server's three key exchanges: the
 * ServerKeyExchange we write and the ClientKeyExchange we read, for ECDHE
 * (RFC 8422), DHE on the RFC 7919 groups (RFC 5246 §7.4.3, §8.1.2) and RSA
 * key transport (RFC 5246 §7.4.7.1).
 *
 * DHE, and which groups:
 *  - The group is ffdhe2048 or ffdhe3072, never a prime of our own making
 *    and never a larger RFC 7919 group: the ServerKeyExchange content is
 *    signed by keyd, whose SIGN input holds ServerDHParams up to ffdhe3072
 *    and no larger (ipc/ipc_sign_input.c). The library does not know who
 *    signs, so the rule holds for a signer in-process too; ffdhe3072 is
 *    stronger than any DHE peer that negotiates it needs.
 *  - RFC 7919 §4: a client that lists any FFDHE code point (256..511) in
 *    supported_groups gets one of those it lists or no DHE suite; a client
 *    that lists none (or sends no supported_groups) predates RFC 7919 and
 *    gets ffdhe2048, the group "of our choice" §4 allows.
 *  - The client's dh_Yc must be 1 < Yc < p-1 (RFC 7919 §5.1, checked by
 *    moat_kex_derive): else illegal_parameter. TLS integers are minimal
 *    (RFC 5246 §8.1.2 strips the premaster's leading zeros), so Yc may come
 *    shorter than p and is padded back to p's length for the key exchange;
 *    one longer than p, leading zeros removed, cannot be below p.
 *  - The premaster is Z with its leading zero bytes removed, §8.1.2. Its
 *    length then depends on the secret (the "Raccoon" timing of the PRF
 *    key); RFC 5246 fixes the encoding and the extended master secret
 *    (which we always use) does not change it, so DHE is kept for the
 *    policies that list it, after ECDHE in every one of them.
 *
 * RSA key transport: the EncryptedPreMasterSecret goes to the async DECRYPT
 * operation, which always answers 48 bytes (the decrypter's implicit
 * rejection), and moat_tls12_premaster_finish writes
 * ClientHello.client_version over the first two (tls12_premaster.h says why
 * this is RFC 5246 §7.4.7.1's first construction and no oracle). Nothing in
 * between looks at the decrypted bytes. The ciphertext's length is public:
 * one that is not the modulus length is decode_error before any decryption,
 * as it says nothing about the plaintext.
 */
#include <string.h>

#include "common/secmem.h"
#include "tls/crypto/prf.h"
#include "tls/crypto/signed_content.h"
#include "tls/handshake_tables.h"
#include "tls/messages12.h"
#include "tls/tls12_keys.h"
#include "tls/tls12_kx_server.h"

/* The RFC 7919 groups a DHE ServerKeyExchange may carry, in our order: cheapest first. */
static const uint16_t dhe_groups[] = { MOAT_GROUP_FFDHE2048, MOAT_GROUP_FFDHE3072 };
#define DHE_GROUPS (sizeof(dhe_groups) / sizeof(dhe_groups[0]))

/* RFC 7919 §4: "any codepoint between 256 and 511, inclusive". */
static bool is_ffdhe_codepoint(uint16_t g)
{
	return g >= 256 && g <= 511;
}

int moat_tls12_dhe_group(struct moat_connection *conn, uint16_t *group)
{
	const struct moat_ext_block *ext = &conn->hs->client_hello.ext;
	struct moat_cursor listed;
	if (!moat_ext_present(ext, MOAT_EXTI_SUPPORTED_GROUPS)) {
		*group = dhe_groups[0];
		return MOAT_SUCCESS;
	}
	TRY(moat_ext_u16_list_decode(ext->data[MOAT_EXTI_SUPPORTED_GROUPS], &listed));
	bool any_ffdhe = false;
	struct moat_cursor it = listed;
	while (moat_cursor_remaining(&it) > 0) {
		uint16_t g;
		TRY(moat_u16_list_next(&it, &g));
		any_ffdhe |= is_ffdhe_codepoint(g);
	}
	for (size_t i = 0; i < DHE_GROUPS; i++) {
		if (!any_ffdhe || moat_u16_list_contains(listed, dhe_groups[i])) {
			*group = dhe_groups[i];
			return MOAT_SUCCESS;
		}
	}
	BAIL(MOAT_ERR_HANDSHAKE_FAILURE);
}

enum moat_kx12 moat_tls12_kx_of(const struct moat_cipher_suite *s)
{
	switch (s->kx) {
	case MOAT_KX_DHE:
		return MOAT_KX12_DHE;
	case MOAT_KX_RSA:
		return MOAT_KX12_RSA;
	default:
		return MOAT_KX12_ECDHE;
	}
}

/* The first byte of a minimal big-endian encoding: leading zero bytes skipped (at least one byte left). */
static size_t leading_zeros(const uint8_t *v, size_t len)
{
	size_t i = 0;
	while (i + 1 < len && v[i] == 0)
		i++;
	return i;
}

/*
 * RFC 8422 §5.4: our ephemeral point and the signature over client_random,
 * server_random and ServerECDHParams; RFC 5246 §7.4.3 and RFC 7919 §4 the
 * same with ServerDHParams. The key is made once; a signature that blocks
 * on the application brings us back here with it.
 */
int moat_tls12_server_send_key_exchange(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	bool dhe = moat_tls12_kx_of(conn->suite) == MOAT_KX12_DHE;
	uint8_t *ours;
	TRY(moat_hs_kex_buffers(hs, conn->group, &ours, NULL));
	if (hs->our_share_len == 0)
		TRY(moat_kex_generate(&hs->kex, conn->group, ours, &hs->our_share_len));
	/* dh_Ys goes out minimal, as the signed content has it (signed_content.h). */
	size_t skip = dhe ? leading_zeros(ours, hs->our_share_len) : 0;
	if (!hs->signature_ready) {
		uint8_t content_mem[MOAT_SKE_DH_CONTENT_MAX];
		struct moat_buf content;
		moat_buf_init_fixed(&content, content_mem, sizeof(content_mem));
		if (dhe)
			TRY(moat_ske_dh_content_build(hs->client_random, hs->server_random, conn->group, ours,
						      hs->our_share_len, &content));
		else
			TRY(moat_ske_ecdh_content_build(hs->client_random, hs->server_random, conn->group, ours,
							hs->our_share_len, &content));
		TRY(moat_async_pkey_sign(conn, conn->server_sig_scheme, content.data, content.len));
	}
	struct moat_buf msg;
	moat_buf_init(&msg, 2 * hs->our_share_len + hs->signature_len + 32);
	int rc;
	if (dhe) {
		size_t p_len = moat_kex_share_len(conn->group);
		uint8_t p[MOAT_KEX_MAX_SHARE_LEN];
		const uint8_t g = MOAT_KEX_FFDHE_GENERATOR;
		rc = moat_kex_ffdhe_prime(conn->group, p, p_len);
		if (rc == MOAT_SUCCESS)
			rc = moat_server_key_exchange_dhe_encode(&msg, conn->version, p, p_len, &g, 1, ours + skip,
								 hs->our_share_len - skip, conn->server_sig_scheme,
								 hs->signature, hs->signature_len);
	} else {
		rc = moat_server_key_exchange_ecdhe_encode(&msg, conn->version, conn->group, ours, hs->our_share_len,
							   conn->server_sig_scheme, hs->signature, hs->signature_len);
	}
	if (rc == MOAT_SUCCESS)
		rc = moat_hs_queue_message(conn, msg.data, msg.len);
	moat_buf_free(&msg);
	hs->signature_ready = false;
	return rc;
}

/* RFC 8422 §5.7: the client's point, checked on the curve by the key exchange (illegal_parameter otherwise). */
static int ecdhe_premaster(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_cursor point;
	uint8_t *pms;
	size_t pms_len = 0;
	TRY(moat_client_key_exchange_decode(body, MOAT_KX12_ECDHE, &point));
	TRY(moat_hs_kex_buffers(hs, conn->group, NULL, &pms));
	TRY(moat_kex_derive(&hs->kex, moat_cursor_data(&point), moat_cursor_remaining(&point), pms, &pms_len));
	moat_kex_free(&hs->kex);
	int rc = moat_tls12_master_secret(conn, pms, pms_len);
	moat_wipe(pms, pms_len);
	return rc;
}

/* RFC 5246 §7.4.7.2, §8.1.2; RFC 7919 §5.1 (see the top). */
static int dhe_premaster(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_cursor yc;
	uint8_t padded[MOAT_KEX_MAX_SHARE_LEN];
	uint8_t *z;
	size_t p_len = moat_kex_share_len(conn->group), z_len = 0;
	TRY(moat_client_key_exchange_decode(body, MOAT_KX12_DHE, &yc));
	const uint8_t *y = moat_cursor_data(&yc);
	size_t y_len = moat_cursor_remaining(&yc);
	size_t skip = leading_zeros(y, y_len);
	ENSURE(y_len - skip <= p_len && p_len <= sizeof(padded), MOAT_ERR_ILLEGAL_PARAMETER);
	memset(padded, 0, p_len - (y_len - skip));
	memcpy(padded + p_len - (y_len - skip), y + skip, y_len - skip);
	TRY(moat_hs_kex_buffers(hs, conn->group, NULL, &z));
	TRY(moat_kex_derive(&hs->kex, padded, p_len, z, &z_len));
	moat_kex_free(&hs->kex);
	size_t zeros = leading_zeros(z, z_len);
	int rc = moat_tls12_master_secret(conn, z + zeros, z_len - zeros);
	moat_wipe(z, z_len);
	return rc;
}

/* RFC 5246 §7.4.7.1 (see the top). */
static int rsa_premaster(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_cursor ct;
	TRY(moat_client_key_exchange_decode(body, MOAT_KX12_RSA, &ct));
	size_t n = moat_cursor_remaining(&ct);
	ENSURE(n > 0 && n == moat_pkey_max_sig_len(&conn->selected_cert->chain.leaf_key), MOAT_ERR_DECODE);
	TRY(moat_async_pkey_decrypt(conn, moat_cursor_data(&ct), n));
	ENSURE(hs->premaster != NULL, MOAT_ERR_INTERNAL);
	moat_tls12_premaster_finish(hs->premaster, conn->client_hello_version, hs->premaster);
	int rc = moat_tls12_master_secret(conn, hs->premaster, MOAT_TLS12_PREMASTER_LEN);
	moat_async_pkey_release_premaster(hs);
	return rc;
}

/*
 * The client's key exchange gives the premaster secret, and RFC 7627 §4 the
 * master secret from it and the session hash (the driver has added this
 * message to the transcript). An RSA decryption that blocks on the
 * application brings us back here with the same message.
 */
int moat_tls12_server_recv_key_exchange(struct moat_connection *conn, struct moat_cursor body)
{
	int rc;
	switch (moat_tls12_kx_of(conn->suite)) {
	case MOAT_KX12_DHE:
		rc = dhe_premaster(conn, body);
		break;
	case MOAT_KX12_RSA:
		return rsa_premaster(conn, body);
	default:
		rc = ecdhe_premaster(conn, body);
		break;
	}
	moat_hs_kex_release(conn->hs);
	return rc;
}
