/*
 * RSAES-PKCS1-v1_5 encryption with libcrypto (rsa_encrypt.h says what for).
 */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "tls/crypto/rsa_encrypt.h"

int moat_rsa_pkcs1_encrypt(const struct moat_pkey *k, const uint8_t *in, size_t len, uint8_t *out, size_t *out_len)
{
	ENSURE_REF(k);
	ENSURE_REF(in);
	ENSURE_REF(out);
	ENSURE_REF(out_len);
	ENSURE(k->type == MOAT_KEY_RSA && k->pkey != NULL, MOAT_ERR_UNSUPPORTED_CERTIFICATE);
	size_t cap = *out_len;
	ENSURE(cap >= moat_pkey_max_sig_len(k), MOAT_ERR_BUF_FULL);
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(k->pkey, NULL);
	ENSURE(pctx != NULL, MOAT_ERR_ALLOC);
	int rc = MOAT_SUCCESS;
	if (EVP_PKEY_encrypt_init(pctx) != 1 || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_encrypt(pctx, out, &cap, in, len) != 1) {
		moat_error_raise(MOAT_ERR_CRYPTO, MOAT_HERE);
		rc = MOAT_FAILURE;
		ERR_clear_error();
	}
	EVP_PKEY_CTX_free(pctx);
	if (rc == MOAT_SUCCESS)
		*out_len = cap;
	return rc;
}
