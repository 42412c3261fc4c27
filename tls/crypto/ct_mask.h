/*
 * Branch-free masks for code that must not let a secret steer its control
 * flow or its memory accesses (the CBC record check, the constant-time HMAC).
 * Each returns all ones for true and zero for false, computed with
 * arithmetic only, so the compiler has no comparison to turn into a jump.
 */
#ifndef MOAT_TLS_CRYPTO_CT_MASK_H
#define MOAT_TLS_CRYPTO_CT_MASK_H

#include <stddef.h>
#include <stdint.h>

#define MOAT_CT_TOP_BIT (sizeof(size_t) * 8 - 1)

/* All ones if x == 0. */
static inline size_t moat_ct_is_zero(size_t x)
{
	return (size_t)0 - ((~x & (x - 1)) >> MOAT_CT_TOP_BIT);
}

static inline size_t moat_ct_eq(size_t a, size_t b)
{
	return moat_ct_is_zero(a ^ b);
}

/* All ones if a < b (unsigned): the borrow out of a - b. */
static inline size_t moat_ct_lt(size_t a, size_t b)
{
	return (size_t)0 - (((~a & b) | (~(a ^ b) & (a - b))) >> MOAT_CT_TOP_BIT);
}

static inline size_t moat_ct_le(size_t a, size_t b)
{
	return ~moat_ct_lt(b, a);
}

/*
 * x, opaque to the optimiser. Used on public indices next to secret masks:
 * without it the compiler may merge the loop counter with (secret - counter)
 * into one induction variable and address memory through the secret, which
 * is exactly the leak the masks avoid (memcheck saw gcc -O2 do it).
 */
static inline size_t moat_ct_barrier(size_t x)
{
	__asm__("" : "+r"(x));
	return x;
}

/* mask ? a : b. */
static inline size_t moat_ct_select(size_t mask, size_t a, size_t b)
{
	return (a & mask) | (b & ~mask);
}

#endif
