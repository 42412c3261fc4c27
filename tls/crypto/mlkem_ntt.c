/*
 * Arithmetic in R_q and in its NTT representation T_q (FIPS 203 §4.3).
 *
 * Coefficients are kept in [0, q). Every reduction is arithmetic: a
 * product (< q^2 < 2^24) is reduced with a Barrett-style multiply by
 * floor(2^32 / q) and a shift, which leaves a value in [0, 2q); the last
 * conditional subtraction is done with a mask made from the borrow, so no
 * coefficient (secret in s, e, y and the decrypted message) ever decides a
 * branch or an address. The loops' bounds and the zeta indices depend only
 * on the position, never on the data.
 */
#include "tls/crypto/mlkem_internal.h"

/* ζ^BitRev7(i) mod q for ζ = 17, the 256th root of unity of FIPS 203 §4.3 (Appendix A). */
static const uint16_t zetas[128] = {
	1,    1729, 2580, 3289, 2642, 630,  1897, 848,  1062, 1919, 193,  797,  2786, 3260, 569,  1746,
	296,  2447, 1339, 1476, 3046, 56,   2240, 1333, 1426, 2094, 535,  2882, 2393, 2879, 1974, 821,
	289,  331,  3253, 1756, 1197, 2304, 2277, 2055, 650,  1977, 2513, 632,  2865, 33,   1320, 1915,
	2319, 1435, 807,  452,  1438, 2868, 1534, 2402, 2647, 2617, 1481, 648,  2474, 3110, 1227, 910,
	17,   2761, 583,  2649, 1637, 723,  2288, 1100, 1409, 2662, 3281, 233,  756,  2156, 3015, 3050,
	1703, 1651, 2789, 1789, 1847, 952,  1461, 2687, 939,  2308, 2437, 2388, 733,  2337, 268,  641,
	1584, 2298, 2037, 3220, 375,  2549, 2090, 1645, 1063, 319,  2773, 757,  2099, 561,  2466, 2594,
	2804, 1092, 403,  1026, 1143, 2150, 2775, 886,  1722, 1212, 1874, 1029, 2110, 2935, 885,  2154,
};

/* ζ^(2·BitRev7(i)+1) mod q: the moduli X^2 - γ_i of BaseCaseMultiply (Alg. 12, Appendix A). */
static const uint16_t gammas[128] = {
	17,   3312, 2761, 568,  583,  2746, 2649, 680,  1637, 1692, 723,  2606, 2288, 1041, 1100, 2229,
	1409, 1920, 2662, 667,  3281, 48,   233,  3096, 756,  2573, 2156, 1173, 3015, 314,  3050, 279,
	1703, 1626, 1651, 1678, 2789, 540,  1789, 1540, 1847, 1482, 952,  2377, 1461, 1868, 2687, 642,
	939,  2390, 2308, 1021, 2437, 892,  2388, 941,  733,  2596, 2337, 992,  268,  3061, 641,  2688,
	1584, 1745, 2298, 1031, 2037, 1292, 3220, 109,  375,  2954, 2549, 780,  2090, 1239, 1645, 1684,
	1063, 2266, 319,  3010, 2773, 556,  757,  2572, 2099, 1230, 561,  2768, 2466, 863,  2594, 735,
	2804, 525,  1092, 2237, 403,  2926, 1026, 2303, 1143, 2186, 2150, 1179, 2775, 554,  886,  2443,
	1722, 1607, 1212, 2117, 1874, 1455, 1029, 2300, 2110, 1219, 2935, 394,  885,  2444, 2154, 1175,
};

/* x mod q for x < 2q: subtract q, add it back if that borrowed. */
static inline uint16_t csubq(uint32_t x)
{
	uint32_t t = x - MLKEM_Q;
	return (uint16_t)(t + (MLKEM_Q & (0u - (t >> 31))));
}

/*
 * x mod q for x < 2^31: t = floor(x · floor(2^32/q) / 2^32) underestimates
 * x/q by less than 2, so x - t·q is in [0, 2q).
 */
static inline uint16_t reduce(uint32_t x)
{
	uint32_t t = (uint32_t)(((uint64_t)x * 1290167u) >> 32);
	return csubq(x - t * MLKEM_Q);
}

static inline uint16_t fmul(uint16_t a, uint16_t b)
{
	return reduce((uint32_t)a * b);
}

static inline uint16_t fadd(uint16_t a, uint16_t b)
{
	return csubq((uint32_t)a + b);
}

static inline uint16_t fsub(uint16_t a, uint16_t b)
{
	return csubq((uint32_t)a + MLKEM_Q - b);
}

void mlkem_poly_ntt(mlkem_poly *f)
{
	size_t i = 1;
	for (size_t len = 128; len >= 2; len /= 2) {
		for (size_t start = 0; start < MLKEM_N; start += 2 * len) {
			uint16_t zeta = zetas[i++];
			for (size_t j = start; j < start + len; j++) {
				uint16_t t = fmul(zeta, f->c[j + len]);
				f->c[j + len] = fsub(f->c[j], t);
				f->c[j] = fadd(f->c[j], t);
			}
		}
	}
}

void mlkem_poly_invntt(mlkem_poly *f)
{
	size_t i = 127;
	for (size_t len = 2; len <= 128; len *= 2) {
		for (size_t start = 0; start < MLKEM_N; start += 2 * len) {
			uint16_t zeta = zetas[i--];
			for (size_t j = start; j < start + len; j++) {
				uint16_t t = f->c[j];
				f->c[j] = fadd(t, f->c[j + len]);
				f->c[j + len] = fmul(zeta, fsub(f->c[j + len], t));
			}
		}
	}
	/* 3303 = 128^-1 mod q (Alg. 10 step 14). */
	for (size_t j = 0; j < MLKEM_N; j++)
		f->c[j] = fmul(f->c[j], 3303);
}

/*
 * Alg. 11 and 12: the product in T_q is 128 products of degree-one
 * polynomials modulo X^2 - γ_i, added into h. The sums of products are
 * formed in 32 bits (each term < q^2 < 2^24) and reduced once.
 */
void mlkem_poly_basemul_acc(mlkem_poly *h, const mlkem_poly *f, const mlkem_poly *g)
{
	for (size_t i = 0; i < MLKEM_N / 2; i++) {
		uint16_t a0 = f->c[2 * i], a1 = f->c[2 * i + 1];
		uint16_t b0 = g->c[2 * i], b1 = g->c[2 * i + 1];
		uint32_t c0 = (uint32_t)a0 * b0 + (uint32_t)fmul(a1, b1) * gammas[i] + h->c[2 * i];
		uint32_t c1 = (uint32_t)a0 * b1 + (uint32_t)a1 * b0 + h->c[2 * i + 1];
		h->c[2 * i] = reduce(c0);
		h->c[2 * i + 1] = reduce(c1);
	}
}

void mlkem_poly_add(mlkem_poly *h, const mlkem_poly *f, const mlkem_poly *g)
{
	for (size_t j = 0; j < MLKEM_N; j++)
		h->c[j] = fadd(f->c[j], g->c[j]);
}

void mlkem_poly_sub(mlkem_poly *h, const mlkem_poly *f, const mlkem_poly *g)
{
	for (size_t j = 0; j < MLKEM_N; j++)
		h->c[j] = fsub(f->c[j], g->c[j]);
}
