/*
 * ByteEncode/ByteDecode and Compress/Decompress (FIPS 203 §4.2.1).
 *
 * Packing is shifts and masks over fixed positions, so it is constant
 * time by construction. Compress_d(x) = round(2^d · x / q) mod 2^d would
 * naturally be written with a division by q, which many CPUs execute in a
 * time that depends on the dividend; the coefficients of u and v are
 * secret (and the re-encryption inside decapsulation compresses them
 * again), so the division is replaced by a multiplication by
 * ceil(2^33 / q) and a shift, which is exact for every dividend that
 * occurs (below (2^11 + 1)·q, checked exhaustively when the constant was
 * chosen and again by tests/crypto/mlkem_test.c).
 */
#include "tls/crypto/mlkem_internal.h"

uint16_t mlkem_compress(uint16_t x, unsigned d)
{
	/* round(2^d·x/q) = floor((2^d·x + (q-1)/2) / q) as q is odd; then / q as * 2580335 >> 33. */
	uint64_t n = ((uint64_t)x << d) + (MLKEM_Q - 1) / 2;
	return (uint16_t)(((n * 2580335u) >> 33) & ((1u << d) - 1));
}

uint16_t mlkem_decompress(uint16_t y, unsigned d)
{
	/* round(q·y / 2^d), y < 2^d. */
	return (uint16_t)(((uint32_t)y * MLKEM_Q + (1u << (d - 1))) >> d);
}

void mlkem_encode12(uint8_t out[MLKEM_POLY_BYTES], const mlkem_poly *f)
{
	for (size_t i = 0; i < MLKEM_N / 2; i++) {
		uint16_t a = f->c[2 * i], b = f->c[2 * i + 1];
		out[3 * i] = (uint8_t)a;
		out[3 * i + 1] = (uint8_t)((a >> 8) | (b << 4));
		out[3 * i + 2] = (uint8_t)(b >> 4);
	}
}

static inline void unpack12(const uint8_t in[3], uint16_t *a, uint16_t *b)
{
	*a = (uint16_t)(in[0] | ((in[1] & 0x0f) << 8));
	*b = (uint16_t)((in[1] >> 4) | (in[2] << 4));
}

void mlkem_decode12(mlkem_poly *f, const uint8_t in[MLKEM_POLY_BYTES])
{
	for (size_t i = 0; i < MLKEM_N / 2; i++) {
		uint16_t a, b;
		unpack12(in + 3 * i, &a, &b);
		/* A 12-bit value is below 2q: one masked subtraction reduces it (FIPS 203 §4.2.1, m = q). */
		uint32_t ta = (uint32_t)a - MLKEM_Q, tb = (uint32_t)b - MLKEM_Q;
		f->c[2 * i] = (uint16_t)(ta + (MLKEM_Q & (0u - (ta >> 31))));
		f->c[2 * i + 1] = (uint16_t)(tb + (MLKEM_Q & (0u - (tb >> 31))));
	}
}

bool mlkem_decode12_checked(mlkem_poly *f, const uint8_t in[MLKEM_POLY_BYTES])
{
	/* FIPS 203 §7.2: ek is valid iff ByteEncode_12(ByteDecode_12(ek)) == ek, i.e. every value < q. */
	for (size_t i = 0; i < MLKEM_N / 2; i++) {
		uint16_t a, b;
		unpack12(in + 3 * i, &a, &b);
		if (a >= MLKEM_Q || b >= MLKEM_Q)
			return false;
		f->c[2 * i] = a;
		f->c[2 * i + 1] = b;
	}
	return true;
}

/* du = 10: four coefficients in five bytes. */
void mlkem_compress_du(uint8_t out[32 * MLKEM_DU], const mlkem_poly *f)
{
	for (size_t i = 0; i < MLKEM_N / 4; i++) {
		uint16_t t[4];
		for (size_t k = 0; k < 4; k++)
			t[k] = mlkem_compress(f->c[4 * i + k], MLKEM_DU);
		uint8_t *o = out + 5 * i;
		o[0] = (uint8_t)t[0];
		o[1] = (uint8_t)((t[0] >> 8) | (t[1] << 2));
		o[2] = (uint8_t)((t[1] >> 6) | (t[2] << 4));
		o[3] = (uint8_t)((t[2] >> 4) | (t[3] << 6));
		o[4] = (uint8_t)(t[3] >> 2);
	}
}

void mlkem_decompress_du(mlkem_poly *f, const uint8_t in[32 * MLKEM_DU])
{
	for (size_t i = 0; i < MLKEM_N / 4; i++) {
		const uint8_t *p = in + 5 * i;
		uint16_t t[4];
		t[0] = (uint16_t)((p[0] | (p[1] << 8)) & 0x3ff);
		t[1] = (uint16_t)(((p[1] >> 2) | (p[2] << 6)) & 0x3ff);
		t[2] = (uint16_t)(((p[2] >> 4) | (p[3] << 4)) & 0x3ff);
		t[3] = (uint16_t)(((p[3] >> 6) | (p[4] << 2)) & 0x3ff);
		for (size_t k = 0; k < 4; k++)
			f->c[4 * i + k] = mlkem_decompress(t[k], MLKEM_DU);
	}
}

/* dv = 4: two coefficients per byte. */
void mlkem_compress_dv(uint8_t out[32 * MLKEM_DV], const mlkem_poly *f)
{
	for (size_t i = 0; i < MLKEM_N / 2; i++)
		out[i] = (uint8_t)(mlkem_compress(f->c[2 * i], MLKEM_DV) |
				   (mlkem_compress(f->c[2 * i + 1], MLKEM_DV) << 4));
}

void mlkem_decompress_dv(mlkem_poly *f, const uint8_t in[32 * MLKEM_DV])
{
	for (size_t i = 0; i < MLKEM_N / 2; i++) {
		f->c[2 * i] = mlkem_decompress(in[i] & 0x0f, MLKEM_DV);
		f->c[2 * i + 1] = mlkem_decompress(in[i] >> 4, MLKEM_DV);
	}
}

void mlkem_poly_to_msg(uint8_t m[32], const mlkem_poly *f)
{
	for (size_t i = 0; i < 32; i++) {
		uint8_t byte = 0;
		for (size_t k = 0; k < 8; k++)
			byte |= (uint8_t)(mlkem_compress(f->c[8 * i + k], 1) << k);
		m[i] = byte;
	}
}

void mlkem_poly_from_msg(mlkem_poly *f, const uint8_t m[32])
{
	/* Decompress_1(b) = b · (q+1)/2: a mask, not a branch, on each secret bit. */
	for (size_t i = 0; i < 32; i++)
		for (size_t k = 0; k < 8; k++)
			f->c[8 * i + k] = (uint16_t)((0u - ((uint32_t)(m[i] >> k) & 1)) & ((MLKEM_Q + 1) / 2));
}
