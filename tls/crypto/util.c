#include "tls/crypto/util.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

int moat_random_bytes(uint8_t *out, size_t len)
{
	ENSURE(len <= INT_MAX, MOAT_ERR_INVALID_ARG);
	TRY_OSSL(RAND_bytes(out, (int)len), MOAT_ERR_RANDOM);
	return MOAT_SUCCESS;
}

bool moat_ct_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}
