/*
 * Sampling (FIPS 203 §4.2.2): the public matrix Â by rejection sampling
 * from SHAKE128 (Alg. 7, SampleNTT), the secret and noise polynomials from
 * the centred binomial distribution over SHAKE256 (Alg. 8, SamplePolyCBD).
 *
 * SampleNTT's loop count and its branches depend on the XOF output, which
 * is computed from rho only: rho is part of the public encapsulation key,
 * so nothing secret steers them. SamplePolyCBD, on secret PRF output, is
 * branch-free bit counting.
 */
#include <string.h>

#include "common/secmem.h"
#include "tls/crypto/mlkem_internal.h"

/*
 * How SampleNTT gets enough XOF output. Alg. 7 squeezes SHAKE128 three
 * bytes at a time until 256 coefficients are accepted; OpenSSL 3.0 has no
 * incremental squeeze (EVP_DigestSqueeze is 3.3+), only one
 * EVP_DigestFinalXOF of a length fixed in advance. XOF output is
 * prefix-consistent: the first n bytes of a longer output are the n-byte
 * output. So the sampler asks for first_blocks blocks, and in the rare case
 * they do not yield 256 coefficients it asks again for twice as many and
 * carries on from where it stopped. Each extra squeeze repeats the
 * absorption (a few microseconds) but changes no result. Whether that
 * happens depends only on rho, which is public, so the branch leaks
 * nothing.
 */
#define MAX_XOF_BYTES (MLKEM_XOF_BLOCK * 64)

int mlkem_sample_ntt(mlkem_poly *a, const uint8_t rho[32], uint8_t j, uint8_t i, size_t first_blocks)
{
	uint8_t in[34];
	uint8_t buf[MAX_XOF_BYTES];
	memcpy(in, rho, 32);
	in[32] = j;
	in[33] = i;

	size_t have = first_blocks * MLKEM_XOF_BLOCK, pos = 0, n = 0;
	ENSURE(have > 0 && have <= MAX_XOF_BYTES, MOAT_ERR_INVALID_ARG);
	TRY(mlkem_xof(buf, have, in));
	while (n < MLKEM_N) {
		if (pos + 3 > have) {
			/* 64 blocks hold 7168 candidates: never reached unless SHAKE128 is broken. */
			ENSURE(have * 2 <= MAX_XOF_BYTES, MOAT_ERR_CRYPTO);
			have *= 2;
			TRY(mlkem_xof(buf, have, in));
		}
		uint16_t d1 = (uint16_t)(buf[pos] | ((buf[pos + 1] & 0x0f) << 8));
		uint16_t d2 = (uint16_t)((buf[pos + 1] >> 4) | (buf[pos + 2] << 4));
		pos += 3;
		if (d1 < MLKEM_Q)
			a->c[n++] = d1;
		if (d2 < MLKEM_Q && n < MLKEM_N)
			a->c[n++] = d2;
	}
	return MOAT_SUCCESS;
}

int mlkem_gen_matrix(mlkem_polyvec a[MLKEM_K], const uint8_t rho[32])
{
	for (uint8_t i = 0; i < MLKEM_K; i++)
		for (uint8_t j = 0; j < MLKEM_K; j++)
			TRY(mlkem_sample_ntt(&a[i].p[j], rho, j, i, MLKEM_XOF_FIRST_BLOCKS));
	return MOAT_SUCCESS;
}

int mlkem_sample_cbd(mlkem_poly *f, const uint8_t sigma[32], uint8_t n)
{
	/* eta = 2: each coefficient is (b0 + b1) - (b2 + b3) over four PRF bits, two per byte. */
	uint8_t b[64 * MLKEM_ETA];
	TRY(mlkem_prf(b, sizeof(b), sigma, n));
	for (size_t i = 0; i < sizeof(b); i++) {
		uint32_t t = b[i];
		uint32_t s = (t & 0x55) + ((t >> 1) & 0x55); /* four 2-bit sums x0 y0 x1 y1 */
		for (size_t k = 0; k < 2; k++) {
			uint32_t x = (s >> (4 * k)) & 3, y = (s >> (4 * k + 2)) & 3;
			/* x - y mod q, with x - y in [-2, 2]: add q back when the difference borrowed. */
			uint32_t v = x - y;
			f->c[2 * i + k] = (uint16_t)(v + (MLKEM_Q & (0u - (v >> 31))));
		}
	}
	moat_wipe(b, sizeof(b));
	return MOAT_SUCCESS;
}
