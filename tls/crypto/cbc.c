/*
 * CBC ciphers on OpenSSL 3 EVP_CIPHER_CTX, fetched once per process (as in
 * aead.c). Padding is off: a TLS record's padding is not PKCS#7 and is the
 * record layer's to write and to check in constant time.
 */
#include <limits.h>
#include <pthread.h>

#include <openssl/evp.h>

#include "tls/crypto/cbc.h"

#define CBC_SLOTS 4

static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *fetched_cipher[CBC_SLOTS];

static const char *const cipher_names[CBC_SLOTS] = {
	[MOAT_CBC_AES_128] = "AES-128-CBC",
	[MOAT_CBC_AES_256] = "AES-256-CBC",
	[MOAT_CBC_3DES_EDE] = "DES-EDE3-CBC",
};

static void fetch_all(void)
{
	for (size_t i = 0; i < CBC_SLOTS; i++) {
		if (cipher_names[i] == NULL)
			continue;
		EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, cipher_names[i], NULL);
		if (c != NULL && ((size_t)EVP_CIPHER_get_block_size(c) != moat_cbc_block_len((moat_cbc_alg)i) ||
				  (size_t)EVP_CIPHER_get_key_length(c) != moat_cbc_key_len((moat_cbc_alg)i))) {
			EVP_CIPHER_free(c);
			c = NULL;
		}
		fetched_cipher[i] = c;
	}
}

size_t moat_cbc_key_len(moat_cbc_alg alg)
{
	switch (alg) {
	case MOAT_CBC_AES_128:
		return 16;
	case MOAT_CBC_AES_256:
		return 32;
	case MOAT_CBC_3DES_EDE:
		return 24;
	case MOAT_CBC_NONE:
	default:
		return 0;
	}
}

size_t moat_cbc_block_len(moat_cbc_alg alg)
{
	switch (alg) {
	case MOAT_CBC_AES_128:
	case MOAT_CBC_AES_256:
		return 16;
	case MOAT_CBC_3DES_EDE:
		return 8;
	case MOAT_CBC_NONE:
	default:
		return 0;
	}
}

int moat_cbc_init(struct moat_cbc *c, moat_cbc_alg alg, const uint8_t *key, bool encrypt)
{
	ENSURE_REF(c);
	c->ctx = NULL;
	c->alg = MOAT_CBC_NONE;
	c->encrypt = encrypt;
	ENSURE_REF(key);
	ENSURE(moat_cbc_key_len(alg) != 0, MOAT_ERR_INVALID_ARG);
	ENSURE(pthread_once(&fetch_once, fetch_all) == 0, MOAT_ERR_INTERNAL);
	const EVP_CIPHER *cipher = fetched_cipher[alg];
	ENSURE(cipher != NULL, MOAT_ERR_NOT_SUPPORTED);

	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	ENSURE(ctx != NULL, MOAT_ERR_ALLOC);
	if (EVP_CipherInit_ex2(ctx, cipher, key, NULL, encrypt ? 1 : 0, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		BAIL(MOAT_ERR_CRYPTO);
	}
	c->ctx = ctx;
	c->alg = alg;
	return MOAT_SUCCESS;
}

int moat_cbc_crypt(struct moat_cbc *c, const uint8_t *iv, const uint8_t *in, size_t len, uint8_t *out)
{
	ENSURE_REF(c);
	ENSURE_REF(iv);
	ENSURE(len == 0 || (in != NULL && out != NULL), MOAT_ERR_NULL_ARG);
	ENSURE(c->ctx != NULL, MOAT_ERR_INVALID_STATE);
	size_t bl = moat_cbc_block_len(c->alg);
	ENSURE(len % bl == 0 && len <= INT_MAX, MOAT_ERR_INVALID_ARG);
	if (len == 0)
		return MOAT_SUCCESS;
	int n = 0;
	TRY_OSSL(EVP_CipherInit_ex2(c->ctx, NULL, NULL, iv, -1, NULL), MOAT_ERR_CRYPTO);
	TRY_OSSL(EVP_CipherUpdate(c->ctx, out, &n, in, (int)len), MOAT_ERR_CRYPTO);
	ENSURE((size_t)n == len, MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

void moat_cbc_free(struct moat_cbc *c)
{
	if (c == NULL)
		return;
	EVP_CIPHER_CTX_free(c->ctx);
	c->ctx = NULL;
	c->alg = MOAT_CBC_NONE;
}
