/* Key ids (see key_id.h). */
#include "tls/crypto/key_id.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

int moat_pkey_spki_sha256(const struct moat_pkey *k, uint8_t out[MOAT_KEY_ID_LEN])
{
	unsigned char *der = NULL;
	unsigned int md_len = 0;

	ENSURE_REF(k);
	ENSURE_REF(out);
	ENSURE(k->pkey != NULL, MOAT_ERR_INVALID_ARG);
	int len = i2d_PUBKEY(k->pkey, &der);
	ENSURE(len > 0, MOAT_ERR_CRYPTO);
	int ok = EVP_Digest(der, (size_t)len, out, &md_len, EVP_sha256(), NULL);
	OPENSSL_free(der);
	if (ok != 1 || md_len != MOAT_KEY_ID_LEN) {
		ERR_clear_error();
		BAIL(MOAT_ERR_CRYPTO);
	}
	return MOAT_SUCCESS;
}
