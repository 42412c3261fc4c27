/*
 * libcrypto secure heap setup (see crypto_secure_heap.h).
 *
 * Sizing: libcrypto does not fall back to ordinary memory when the secure
 * heap is full, it fails the allocation, so the heap is sized for the keys
 * with a wide margin: 64 KiB per key (an RSA-4096 private key takes about
 * 5 KiB, and private operations borrow secure temporaries), at least 1 MiB,
 * a power of two as CRYPTO_secure_malloc_init requires.
 */
#include "keyd/crypto_secure_heap.h"

#include <openssl/crypto.h>

#define HEAP_MIN (1u << 20)
#define HEAP_MAX (64u << 20)
#define HEAP_PER_KEY (64u << 10)
#define HEAP_MIN_ALLOC 16

bool keyd_secure_heap_init(size_t key_count, bool *locked, size_t *bytes)
{
	size_t want = key_count * HEAP_PER_KEY;
	size_t size = HEAP_MIN;
	while (size < want && size < HEAP_MAX)
		size <<= 1;
	*bytes = size;
	*locked = false;
	/* 1: initialised and locked; 2: initialised, but mlock failed; 0: not initialised. */
	int rc = CRYPTO_secure_malloc_init(size, HEAP_MIN_ALLOC);
	if (rc == 0)
		return false;
	*locked = rc == 1;
	return true;
}

size_t keyd_secure_heap_used(void)
{
	/* CRYPTO_secure_used takes a lock that exists only once the heap is initialised. */
	return CRYPTO_secure_malloc_initialized() ? CRYPTO_secure_used() : 0;
}
