/*
 * libcrypto's secure heap for keyd's private keys.
 *
 * The EVP_PKEYs keyd serves live in libcrypto's memory, not ours. Once its
 * secure heap is initialised, libcrypto allocates private-key numbers (the
 * RSA private exponent and CRT factors, the EC private scalar) from a
 * separate mapping that it locks (mlock) and excludes from core dumps
 * (MADV_DONTDUMP), and it wipes them when freed. It must be initialised
 * before the first key is loaded.
 */
#ifndef MOAT_KEYD_CRYPTO_SECURE_HEAP_H
#define MOAT_KEYD_CRYPTO_SECURE_HEAP_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Initialise the secure heap with room for key_count keys. Returns false if
 * libcrypto could not set it up (then keys use ordinary memory, which
 * mlockall still locks); *locked says whether the heap itself is mlocked.
 * *bytes is its size.
 */
bool keyd_secure_heap_init(size_t key_count, bool *locked, size_t *bytes);
/* Bytes of the secure heap in use, for STATS. */
size_t keyd_secure_heap_used(void);

#endif
