/*
 * Suite row and key block to record protection: see record_tls12.h.
 */
#include "tls/record_tls12.h"

#include <string.h>

static moat_hash_alg mac_hash_of(moat_mac_kind mac)
{
	switch (mac) {
	case MOAT_MAC_HMAC_SHA1:
		return MOAT_HASH_SHA1;
	case MOAT_MAC_HMAC_SHA256:
		return MOAT_HASH_SHA256;
	case MOAT_MAC_HMAC_SHA384:
		return MOAT_HASH_SHA384;
	case MOAT_MAC_AEAD:
	default:
		return MOAT_HASH_NONE;
	}
}

static moat_cbc_alg cbc_of(moat_cipher_kind cipher)
{
	switch (cipher) {
	case MOAT_CIPHER_AES_128_CBC:
		return MOAT_CBC_AES_128;
	case MOAT_CIPHER_AES_256_CBC:
		return MOAT_CBC_AES_256;
	case MOAT_CIPHER_3DES_EDE_CBC:
		return MOAT_CBC_3DES_EDE;
	default:
		return MOAT_CBC_NONE;
	}
}

int moat_tls12_key_layout(const struct moat_cipher_suite *suite, uint16_t version, struct moat_tls12_key_layout *out)
{
	ENSURE_REF(out);
	memset(out, 0, sizeof(*out));
	ENSURE(suite != NULL && version >= MOAT_TLS10 && version <= MOAT_TLS12, MOAT_ERR_INVALID_ARG);
	ENSURE(moat_cipher_suite_supports_version(suite, version), MOAT_ERR_INVALID_ARG);

	if (suite->mac == MOAT_MAC_AEAD) {
		ENSURE(suite->aead != MOAT_AEAD_NONE, MOAT_ERR_INVALID_ARG);
		out->aead = suite->aead;
		out->key_len = moat_aead_key_len(suite->aead);
		if (suite->aead == MOAT_AEAD_CHACHA20_POLY1305) {
			out->prot = &moat_record_aead12_implicit;
			out->iv_len = MOAT_AEAD_NONCE_LEN;   /* RFC 7905 §2 */
		} else {
			out->prot = &moat_record_aead12_explicit;
			out->iv_len = 4;                     /* RFC 5288 §3: the salt */
		}
		return MOAT_SUCCESS;
	}
	out->cbc = cbc_of(suite->cipher);
	out->mac_hash = mac_hash_of(suite->mac);
	ENSURE(out->cbc != MOAT_CBC_NONE && out->mac_hash != MOAT_HASH_NONE, MOAT_ERR_INVALID_ARG);
	out->prot = &moat_record_cbc;
	out->key_len = moat_cbc_key_len(out->cbc);
	out->mac_key_len = moat_hash_len(out->mac_hash);
	/* RFC 2246 §6.3: TLS 1.0 takes the first IV from the key block; 1.1+ send one per record (RFC 4346 §6.3). */
	out->iv_len = version == MOAT_TLS10 ? moat_cbc_block_len(out->cbc) : 0;
	return MOAT_SUCCESS;
}

size_t moat_tls12_key_block_len(const struct moat_tls12_key_layout *l)
{
	return 2 * (l->mac_key_len + l->key_len + l->iv_len);
}

int moat_record_set_tls12_keys(struct moat_record_layer *rl, bool write, bool is_client,
			       const struct moat_cipher_suite *suite, uint16_t version, const uint8_t *key_block,
			       size_t key_block_len)
{
	ENSURE_REF(rl);
	ENSURE_REF(key_block);
	struct moat_tls12_key_layout l;
	TRY(moat_tls12_key_layout(suite, version, &l));
	ENSURE(key_block_len >= moat_tls12_key_block_len(&l), MOAT_ERR_INVALID_ARG);

	/* The client's write keys are the first of each pair. */
	bool client_keys = write == is_client;
	size_t side = client_keys ? 0 : 1;
	const uint8_t *mac_keys = key_block;
	const uint8_t *keys = mac_keys + 2 * l.mac_key_len;
	const uint8_t *ivs = keys + 2 * l.key_len;
	struct moat_record_keys k = {
		.aead = l.aead,
		.cbc = l.cbc,
		.key = keys + side * l.key_len,
		.key_len = l.key_len,
		.iv = l.iv_len ? ivs + side * l.iv_len : NULL,
		.iv_len = l.iv_len,
		.mac_key = l.mac_key_len ? mac_keys + side * l.mac_key_len : NULL,
		.mac_key_len = l.mac_key_len,
		.mac_hash = l.mac_hash,
		.version = version,
	};
	TRY(moat_record_set_version(rl, version));
	return moat_record_set_keys(rl, write, l.prot, &k);
}
