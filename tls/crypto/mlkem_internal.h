/*
 * The parts ML-KEM-768 is built from (FIPS 203 §4 and §5), shared by the
 * files that implement it and by the tests that check each part. Not part
 * of the crypto layer's interface: TLS code uses tls/crypto/mlkem.h.
 *
 * Polynomials hold coefficients of R_q = Z_q[X]/(X^256 + 1), q = 3329,
 * always fully reduced to [0, q) so that encoding needs no final reduction
 * and every function can assume its inputs are canonical. A polynomial in
 * the NTT domain (FIPS 203 §4.3, "T_q") uses the same type.
 *
 * Constant time: every function here that takes secret data runs the same
 * instructions and touches the same addresses whatever the data. The
 * exceptions take public inputs by design and say so (the modulus check,
 * the rejection sampling of the public matrix).
 */
#ifndef MOAT_TLS_CRYPTO_MLKEM_INTERNAL_H
#define MOAT_TLS_CRYPTO_MLKEM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* FIPS 203 §8, Table 2: ML-KEM-768. */
#define MLKEM_N 256
#define MLKEM_Q 3329
#define MLKEM_K 3
#define MLKEM_ETA 2 /* eta1 = eta2 = 2 for ML-KEM-768 */
#define MLKEM_DU 10
#define MLKEM_DV 4

#define MLKEM_POLY_BYTES 384 /* ByteEncode_12 of one polynomial */
#define MLKEM_POLYVEC_BYTES (MLKEM_K * MLKEM_POLY_BYTES)
#define MLKEM_C1_BYTES (MLKEM_K * 32 * MLKEM_DU)
#define MLKEM_C2_BYTES (32 * MLKEM_DV)
#define MLKEM_EK_BYTES (MLKEM_POLYVEC_BYTES + 32)
#define MLKEM_CT_BYTES (MLKEM_C1_BYTES + MLKEM_C2_BYTES)
#define MLKEM_DK_BYTES (MLKEM_POLYVEC_BYTES + MLKEM_EK_BYTES + 32 + 32)

/*
 * The first SHAKE128 output SampleNTT asks for, in 168-byte blocks (the
 * rate). Four blocks give 448 candidates for 256 coefficients, each kept
 * with probability q/4096; running short is a 2^-100-class event, handled
 * (see mlkem_sample.c) but not paid for in advance.
 */
#define MLKEM_XOF_BLOCK 168
#define MLKEM_XOF_FIRST_BLOCKS 4

typedef struct {
	uint16_t c[MLKEM_N];
} mlkem_poly;

typedef struct {
	mlkem_poly p[MLKEM_K];
} mlkem_polyvec;

/*
 * Marks bytes that are public by design (rho, the encapsulation key, the
 * ciphertext) as such for the constant-time probe (tests/crypto/ct-mlkem.c),
 * which builds these files with MOAT_CT_PROBE and runs under valgrind with
 * the secret inputs marked undefined: anything computed from a secret is
 * then "undefined" until declassified here, at the point it is published.
 * A no-op in every other build.
 */
#if defined(MOAT_CT_PROBE) && defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define MLKEM_DECLASSIFY(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#endif
#endif
#ifndef MLKEM_DECLASSIFY
#define MLKEM_DECLASSIFY(p, n) ((void)(p), (void)(n))
#endif

/* mlkem_ntt.c: arithmetic in R_q and T_q (FIPS 203 §4.3). */
void mlkem_poly_ntt(mlkem_poly *f);         /* Alg. 9 */
void mlkem_poly_invntt(mlkem_poly *f);      /* Alg. 10 */
/* h += f ∘ g in T_q (Alg. 11, MultiplyNTTs, accumulated). */
void mlkem_poly_basemul_acc(mlkem_poly *h, const mlkem_poly *f, const mlkem_poly *g);
void mlkem_poly_add(mlkem_poly *h, const mlkem_poly *f, const mlkem_poly *g);
void mlkem_poly_sub(mlkem_poly *h, const mlkem_poly *f, const mlkem_poly *g);

/* mlkem_encode.c: FIPS 203 §4.2.1, ByteEncode/ByteDecode and Compress/Decompress. */
void mlkem_encode12(uint8_t out[MLKEM_POLY_BYTES], const mlkem_poly *f);
/* ByteDecode_12 of our own (secret) dk_PKE: reduces mod q, in constant time. */
void mlkem_decode12(mlkem_poly *f, const uint8_t in[MLKEM_POLY_BYTES]);
/*
 * ByteDecode_12 of a peer's encapsulation key with the FIPS 203 §7.2 modulus
 * check: false if any 12-bit value is >= q. The key is public, so this
 * may branch on it.
 */
MOAT_MUST_USE bool mlkem_decode12_checked(mlkem_poly *f, const uint8_t in[MLKEM_POLY_BYTES]);
/* ByteEncode_d(Compress_d(f)) for d = du (10) and dv (4); decode: ByteDecode_d then Decompress_d. */
void mlkem_compress_du(uint8_t out[32 * MLKEM_DU], const mlkem_poly *f);
void mlkem_decompress_du(mlkem_poly *f, const uint8_t in[32 * MLKEM_DU]);
void mlkem_compress_dv(uint8_t out[32 * MLKEM_DV], const mlkem_poly *f);
void mlkem_decompress_dv(mlkem_poly *f, const uint8_t in[32 * MLKEM_DV]);
/* The message: ByteEncode_1(Compress_1(f)) and Decompress_1(ByteDecode_1(m)). */
void mlkem_poly_to_msg(uint8_t m[32], const mlkem_poly *f);
void mlkem_poly_from_msg(mlkem_poly *f, const uint8_t m[32]);
/* Compress_d / Decompress_d of one coefficient, 1 <= d <= 11 (exposed for the tests). */
uint16_t mlkem_compress(uint16_t x, unsigned d);
uint16_t mlkem_decompress(uint16_t y, unsigned d);

/* mlkem_hash.c: the functions of FIPS 203 §4.1 over libcrypto's SHA-3. */
MOAT_MUST_USE int mlkem_hash_h(uint8_t out[32], const uint8_t *in, size_t len);            /* SHA3-256 */
MOAT_MUST_USE int mlkem_hash_g(uint8_t out[64], const uint8_t *a, size_t alen,
			       const uint8_t *b, size_t blen);                                /* SHA3-512(a || b) */
MOAT_MUST_USE int mlkem_hash_j(uint8_t out[32], const uint8_t z[32], const uint8_t *c, size_t clen); /* SHAKE256(z || c, 32) */
MOAT_MUST_USE int mlkem_prf(uint8_t *out, size_t outlen, const uint8_t s[32], uint8_t b);  /* SHAKE256(s || b) */
MOAT_MUST_USE int mlkem_xof(uint8_t *out, size_t outlen, const uint8_t in[34]);          /* SHAKE128 */

/* mlkem_sample.c: FIPS 203 §4.2.2. */
/* Alg. 7 SampleNTT(rho || j || i), first asking the XOF for first_blocks blocks (tests vary it). */
MOAT_MUST_USE int mlkem_sample_ntt(mlkem_poly *a, const uint8_t rho[32], uint8_t j, uint8_t i,
				   size_t first_blocks);
/* Alg. 8 SamplePolyCBD_2(PRF_2(sigma, n)). */
MOAT_MUST_USE int mlkem_sample_cbd(mlkem_poly *f, const uint8_t sigma[32], uint8_t n);
/* Â of Alg. 13 and 14: a[i].p[j] = SampleNTT(rho || j || i). */
MOAT_MUST_USE int mlkem_gen_matrix(mlkem_polyvec a[MLKEM_K], const uint8_t rho[32]);

/* mlkem_kpke.c: K-PKE, FIPS 203 §5 (Alg. 13, 14, 15). */
MOAT_MUST_USE int mlkem_kpke_keygen(uint8_t ek[MLKEM_EK_BYTES], uint8_t dk_pke[MLKEM_POLYVEC_BYTES],
				    const uint8_t d[32]);
/* ek must have passed the modulus check (it is decoded without one). */
MOAT_MUST_USE int mlkem_kpke_encrypt(uint8_t c[MLKEM_CT_BYTES], const uint8_t ek[MLKEM_EK_BYTES],
				     const uint8_t m[32], const uint8_t r[32]);
void mlkem_kpke_decrypt(uint8_t m[32], const uint8_t dk_pke[MLKEM_POLYVEC_BYTES], const uint8_t c[MLKEM_CT_BYTES]);

#endif
