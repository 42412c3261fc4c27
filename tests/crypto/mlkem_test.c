/*
 * ML-KEM-768 (tls/crypto/mlkem.h), FIPS 203.
 *
 * Known answers: NIST ACVP ML-KEM-768 keyGen and encapDecap vectors, and
 * C2SP CCTV's intermediate-value and strcmp vectors (tests/mlkem_vectors.h);
 * the accumulated test of Go's crypto/mlkem (100 key pairs, messages and
 * random ciphertexts drawn from SHAKE128, every output hashed into
 * another SHAKE128), which reaches edge cases no short list of vectors
 * does. Input checks of FIPS 203 §7.2 and §7.3: the modulus check at every
 * value from q to 4095 and at positions across the key, wrong lengths,
 * the decapsulation-key hash check. Implicit rejection: a modified
 * ciphertext gives J(z || c), computed here independently. The parts
 * (compression, NTT, the XOF refill of SampleNTT) are checked against
 * their definitions. The last case prints the cost of each operation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "tls/crypto/mlkem.h"
#include "tls/crypto/mlkem_internal.h"
#include "tests/mlkem_vectors.h"
#include "tests/moat_test.h"
#include "tests/test_hex.h"

#define EK_LEN MOAT_MLKEM768_EK_LEN
#define DK_LEN MOAT_MLKEM768_DK_LEN
#define CT_LEN MOAT_MLKEM768_CT_LEN
#define SS_LEN MOAT_MLKEM_SS_LEN

/* SHAKE(in) to outlen bytes, with libcrypto directly (independent of mlkem_hash.c). */
static void shake(const char *name, const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ATF_REQUIRE(ctx != NULL);
	ATF_REQUIRE(EVP_DigestInit_ex(ctx, EVP_get_digestbyname(name), NULL) == 1);
	ATF_REQUIRE(EVP_DigestUpdate(ctx, in, inlen) == 1);
	ATF_REQUIRE(EVP_DigestFinalXOF(ctx, out, outlen) == 1);
	EVP_MD_CTX_free(ctx);
}

/* Like REQUIRE_HEX, for values longer than test_require_hex's 1024 bytes (keys, ciphertexts). */
static void require_long_hex(const uint8_t *got, size_t len, const char *hex, const char *what)
{
	static uint8_t want[DK_LEN];
	size_t n = test_unhex(hex, want, sizeof(want));
	ATF_REQUIRE_EQ_MSG(n, len, "%s: length %zu, expected %zu", what, len, n);
	ATF_REQUIRE_MSG(memcmp(got, want, n) == 0, "%s differs from the known answer", what);
}
#define REQUIRE_LONG_HEX(got, len, hex) require_long_hex((got), (len), (hex), #got)

ATF_TC_WITHOUT_HEAD(round_trip);
ATF_TC_BODY(round_trip, tc)
{
	static uint8_t ek[EK_LEN], dk[DK_LEN], ct[CT_LEN];
	uint8_t ss1[SS_LEN], ss2[SS_LEN];
	ATF_REQUIRE_STREQ(moat_mlkem_implementation(), "moat");
	for (int i = 0; i < 20; i++) {
		EXPECT_OK(moat_mlkem768_keygen(ek, dk));
		EXPECT_OK(moat_mlkem768_encaps(ct, ss1, ek, EK_LEN));
		EXPECT_OK(moat_mlkem768_decaps(ss2, ct, CT_LEN, dk));
		ATF_REQUIRE(memcmp(ss1, ss2, SS_LEN) == 0);
		/* dk = dk_PKE || ek || H(ek) || z */
		ATF_REQUIRE(memcmp(dk + 1152, ek, EK_LEN) == 0);
	}
}

/* CCTV intermediate values: encapsulation and decapsulation of one key. */
ATF_TC_WITHOUT_HEAD(cctv_intermediate);
ATF_TC_BODY(cctv_intermediate, tc)
{
	static uint8_t ek[EK_LEN], dk[DK_LEN], ct[CT_LEN];
	uint8_t m[32], ss[SS_LEN];
	test_unhex(cctv_inter_ek, ek, sizeof(ek));
	test_unhex(cctv_inter_dk, dk, sizeof(dk));
	test_unhex(cctv_inter_m, m, sizeof(m));
	EXPECT_OK(moat_mlkem768_encaps_m(ct, ss, ek, EK_LEN, m));
	REQUIRE_LONG_HEX(ct, CT_LEN, cctv_inter_c);
	REQUIRE_HEX(ss, SS_LEN, cctv_inter_k);
	memset(ss, 0, sizeof(ss));
	EXPECT_OK(moat_mlkem768_decaps(ss, ct, CT_LEN, dk));
	REQUIRE_HEX(ss, SS_LEN, cctv_inter_k);
}

ATF_TC_WITHOUT_HEAD(cctv_strcmp);
ATF_TC_BODY(cctv_strcmp, tc)
{
	static uint8_t dk[DK_LEN], ct[CT_LEN];
	uint8_t ss[SS_LEN];
	test_unhex(cctv_strcmp_dk, dk, sizeof(dk));
	test_unhex(cctv_strcmp_c, ct, sizeof(ct));
	EXPECT_OK(moat_mlkem768_decaps(ss, ct, CT_LEN, dk));
	REQUIRE_HEX(ss, SS_LEN, cctv_strcmp_k);
}

/*
 * Go's crypto/mlkem TestAccumulated (its -short size): a SHAKE128 stream
 * with empty input supplies, per round, the 64-byte seed d || z, the
 * 32-byte m and a random 1088-byte ciphertext; ek, the ciphertext and key
 * of Encaps, and the key Decaps gives for the random ciphertext are
 * absorbed into a second SHAKE128, whose first 32 bytes are checked.
 * OpenSSL 3.0 cannot squeeze SHAKE incrementally, so the input stream is
 * produced in one piece (prefix-consistent, so the same bytes).
 */
static void accumulated(size_t rounds, const char *want)
{
	const size_t per = MOAT_MLKEM_SEED_LEN + 32 + CT_LEN;
	uint8_t *in = malloc(rounds * per);
	static uint8_t ek[EK_LEN], dk[DK_LEN], ct[CT_LEN];
	uint8_t ss[SS_LEN], ss2[SS_LEN], ss3[SS_LEN], digest[32];
	ATF_REQUIRE(in != NULL);
	shake("SHAKE128", NULL, 0, in, rounds * per);
	EVP_MD_CTX *o = EVP_MD_CTX_new();
	ATF_REQUIRE(o != NULL);
	ATF_REQUIRE(EVP_DigestInit_ex(o, EVP_get_digestbyname("SHAKE128"), NULL) == 1);
	for (size_t r = 0; r < rounds; r++) {
		const uint8_t *p = in + r * per;
		EXPECT_OK(moat_mlkem768_keygen_seed(ek, dk, p));
		ATF_REQUIRE(EVP_DigestUpdate(o, ek, EK_LEN) == 1);
		EXPECT_OK(moat_mlkem768_encaps_m(ct, ss, ek, EK_LEN, p + MOAT_MLKEM_SEED_LEN));
		ATF_REQUIRE(EVP_DigestUpdate(o, ct, CT_LEN) == 1);
		ATF_REQUIRE(EVP_DigestUpdate(o, ss, SS_LEN) == 1);
		EXPECT_OK(moat_mlkem768_decaps(ss2, ct, CT_LEN, dk));
		ATF_REQUIRE_MSG(memcmp(ss, ss2, SS_LEN) == 0, "round %zu: decaps disagrees", r);
		EXPECT_OK(moat_mlkem768_decaps(ss3, p + MOAT_MLKEM_SEED_LEN + 32, CT_LEN, dk));
		ATF_REQUIRE(EVP_DigestUpdate(o, ss3, SS_LEN) == 1);
	}
	ATF_REQUIRE(EVP_DigestFinalXOF(o, digest, sizeof(digest)) == 1);
	EVP_MD_CTX_free(o);
	free(in);
	REQUIRE_HEX(digest, sizeof(digest), want);
}

ATF_TC_WITHOUT_HEAD(accumulated_100);
ATF_TC_BODY(accumulated_100, tc)
{
	accumulated(100, "1114b1b6699ed191734fa339376afa7e285c9e6acf6ff0177d346696ce564415");
}

/*
 * The full-size run, 10,000 rounds: about 3 s of CPU in a plain build and
 * several times that under ASan, too slow for every `make check`. Run it
 * with kyua test -v test_suites.moat.mlkem_long=yes crypto/mlkem_test.
 */
ATF_TC(accumulated_10000);
ATF_TC_HEAD(accumulated_10000, tc)
{
	atf_tc_set_md_var(tc, "descr", "Go's 10,000-round accumulated ML-KEM-768 test (config mlkem_long=yes)");
	atf_tc_set_md_var(tc, "timeout", "300");
}
ATF_TC_BODY(accumulated_10000, tc)
{
	if (!atf_tc_get_config_var_as_bool_wd(tc, "mlkem_long", false))
		atf_tc_skip("long run: set the config variable mlkem_long=yes");
	accumulated(10000, "8a518cc63da366322a8e7a818c7a0d63483cb3528d34a4cf42f35d5ad73f22fc");
}

/* ACVP keyGen tcId 26: (d, z) → ek, dk, checked by their SHA3-256. */
ATF_TC_WITHOUT_HEAD(acvp_keygen);
ATF_TC_BODY(acvp_keygen, tc)
{
	static uint8_t ek[EK_LEN], dk[DK_LEN];
	uint8_t seed[MOAT_MLKEM_SEED_LEN], h[32];
	test_unhex(acvp_kg26_d, seed, 32);
	test_unhex(acvp_kg26_z, seed + 32, 32);
	EXPECT_OK(moat_mlkem768_keygen_seed(ek, dk, seed));
	ATF_REQUIRE(EVP_Digest(ek, EK_LEN, h, NULL, EVP_sha3_256(), NULL) == 1);
	REQUIRE_HEX(h, 32, acvp_kg26_ek_sha3);
	ATF_REQUIRE(EVP_Digest(dk, DK_LEN, h, NULL, EVP_sha3_256(), NULL) == 1);
	REQUIRE_HEX(h, 32, acvp_kg26_dk_sha3);
}

/* ACVP encapDecap tcId 28: (ek, m) → (c, k), and (dk, c) → k. */
ATF_TC_WITHOUT_HEAD(acvp_encap_decap);
ATF_TC_BODY(acvp_encap_decap, tc)
{
	static uint8_t dk[DK_LEN], ct[CT_LEN];
	uint8_t m[32], ss[SS_LEN];
	test_unhex(acvp_ed28_dk, dk, sizeof(dk));
	test_unhex(acvp_ed28_m, m, sizeof(m));
	EXPECT_OK(moat_mlkem768_encaps_m(ct, ss, dk + 1152, EK_LEN, m));
	REQUIRE_LONG_HEX(ct, CT_LEN, acvp_ed28_c);
	REQUIRE_HEX(ss, SS_LEN, acvp_ed28_k);
	memset(ss, 0, sizeof(ss));
	EXPECT_OK(moat_mlkem768_decaps(ss, ct, CT_LEN, dk));
	REQUIRE_HEX(ss, SS_LEN, acvp_ed28_k);
}

/*
 * ACVP decapsulation tcId 88, a modified ciphertext: the implicit-rejection
 * key, which must equal J(z || c) = SHAKE256(z || c, 32) (FIPS 203 Alg. 18
 * step 7) computed here with libcrypto directly.
 */
ATF_TC_WITHOUT_HEAD(acvp_decap_modified);
ATF_TC_BODY(acvp_decap_modified, tc)
{
	static uint8_t dk[DK_LEN], zc[32 + CT_LEN];
	uint8_t ss[SS_LEN], kbar[32];
	test_unhex(acvp_dec88_dk, dk, sizeof(dk));
	test_unhex(acvp_dec88_c, zc + 32, CT_LEN);
	EXPECT_OK(moat_mlkem768_decaps(ss, zc + 32, CT_LEN, dk));
	REQUIRE_HEX(ss, SS_LEN, acvp_dec88_k);
	memcpy(zc, dk + DK_LEN - 32, 32);
	shake("SHAKE256", zc, sizeof(zc), kbar, sizeof(kbar));
	REQUIRE_HEX(kbar, sizeof(kbar), acvp_dec88_k);
}

/*
 * Implicit rejection on our own keys: any change to the ciphertext (one bit
 * in the first, a middle and the last byte, in u and in v) gives J(z || c'),
 * never the real key and never an error.
 */
ATF_TC_WITHOUT_HEAD(implicit_rejection);
ATF_TC_BODY(implicit_rejection, tc)
{
	static uint8_t ek[EK_LEN], dk[DK_LEN], ct[CT_LEN], zc[32 + CT_LEN];
	uint8_t ss[SS_LEN], ss2[SS_LEN], kbar[32];
	const size_t where[] = { 0, 500, 959, 960, CT_LEN - 1 };
	EXPECT_OK(moat_mlkem768_keygen(ek, dk));
	EXPECT_OK(moat_mlkem768_encaps(ct, ss, ek, EK_LEN));
	for (size_t w = 0; w < sizeof(where) / sizeof(where[0]); w++) {
		for (unsigned bit = 0; bit < 8; bit += 7) {
			memcpy(zc + 32, ct, CT_LEN);
			zc[32 + where[w]] ^= (uint8_t)(1u << bit);
			EXPECT_OK(moat_mlkem768_decaps(ss2, zc + 32, CT_LEN, dk));
			ATF_REQUIRE_MSG(memcmp(ss, ss2, SS_LEN) != 0, "byte %zu bit %u: real key", where[w], bit);
			memcpy(zc, dk + DK_LEN - 32, 32);
			shake("SHAKE256", zc, sizeof(zc), kbar, sizeof(kbar));
			ATF_REQUIRE_MSG(memcmp(ss2, kbar, SS_LEN) == 0, "byte %zu bit %u: not J(z || c)", where[w], bit);
		}
	}
	/* The untouched ciphertext still gives the key. */
	EXPECT_OK(moat_mlkem768_decaps(ss2, ct, CT_LEN, dk));
	ATF_REQUIRE(memcmp(ss, ss2, SS_LEN) == 0);
}

/* Set the 12-bit value at index i (0..767) of ek's t̂ encoding. */
static void set12(uint8_t *ek, size_t i, unsigned v)
{
	uint8_t *p = ek + 3 * (i / 2);
	if (i % 2 == 0) {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)((p[1] & 0xf0) | (v >> 8));
	} else {
		p[1] = (uint8_t)((p[1] & 0x0f) | ((v & 0x0f) << 4));
		p[2] = (uint8_t)(v >> 4);
	}
}

/*
 * FIPS 203 §7.2 modulus check: an ek with one coefficient anywhere in
 * [q, 4095] is refused with illegal_parameter (every such value at the
 * first position, the boundary values at positions across all three
 * polynomials); q - 1 is accepted. ek of the wrong length: refused.
 */
ATF_TC_WITHOUT_HEAD(encaps_key_checks);
ATF_TC_BODY(encaps_key_checks, tc)
{
	static uint8_t ek[EK_LEN], dk[DK_LEN], bad[EK_LEN + 1], ct[CT_LEN];
	uint8_t ss[SS_LEN];
	EXPECT_OK(moat_mlkem768_keygen(ek, dk));
	for (unsigned v = MLKEM_Q; v < 4096; v++) {
		memcpy(bad, ek, EK_LEN);
		set12(bad, 0, v);
		EXPECT_ERR(moat_mlkem768_encaps(ct, ss, bad, EK_LEN), MOAT_ERR_ILLEGAL_PARAMETER);
	}
	const size_t pos[] = { 1, 255, 256, 511, 512, 700, 767 };
	const unsigned vals[] = { MLKEM_Q, MLKEM_Q + 1, 4095 };
	for (size_t i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
		for (size_t j = 0; j < sizeof(vals) / sizeof(vals[0]); j++) {
			memcpy(bad, ek, EK_LEN);
			set12(bad, pos[i], vals[j]);
			EXPECT_ERR(moat_mlkem768_encaps(ct, ss, bad, EK_LEN), MOAT_ERR_ILLEGAL_PARAMETER);
		}
		memcpy(bad, ek, EK_LEN);
		set12(bad, pos[i], MLKEM_Q - 1);
		EXPECT_OK(moat_mlkem768_encaps(ct, ss, bad, EK_LEN));
	}
	/* rho is any 32 bytes: not checked. */
	memcpy(bad, ek, EK_LEN);
	memset(bad + EK_LEN - 32, 0xff, 32);
	EXPECT_OK(moat_mlkem768_encaps(ct, ss, bad, EK_LEN));
	memcpy(bad, ek, EK_LEN);
	EXPECT_ERR(moat_mlkem768_encaps(ct, ss, bad, EK_LEN - 1), MOAT_ERR_ILLEGAL_PARAMETER);
	EXPECT_ERR(moat_mlkem768_encaps(ct, ss, bad, EK_LEN + 1), MOAT_ERR_ILLEGAL_PARAMETER);
	EXPECT_ERR(moat_mlkem768_encaps(ct, ss, bad, 0), MOAT_ERR_ILLEGAL_PARAMETER);
}

/*
 * FIPS 203 §7.3: a ciphertext of the wrong length is refused with
 * illegal_parameter; a dk whose stored H(ek) does not match its ek (a
 * change to either) is refused as a programming error (invalid argument).
 */
ATF_TC_WITHOUT_HEAD(decaps_input_checks);
ATF_TC_BODY(decaps_input_checks, tc)
{
	static uint8_t ek[EK_LEN], dk[DK_LEN], bad[DK_LEN], ct[CT_LEN + 1];
	uint8_t ss[SS_LEN];
	EXPECT_OK(moat_mlkem768_keygen(ek, dk));
	EXPECT_OK(moat_mlkem768_encaps(ct, ss, ek, EK_LEN));
	EXPECT_ERR(moat_mlkem768_decaps(ss, ct, CT_LEN - 1, dk), MOAT_ERR_ILLEGAL_PARAMETER);
	EXPECT_ERR(moat_mlkem768_decaps(ss, ct, CT_LEN + 1, dk), MOAT_ERR_ILLEGAL_PARAMETER);
	EXPECT_ERR(moat_mlkem768_decaps(ss, ct, 0, dk), MOAT_ERR_ILLEGAL_PARAMETER);
	const size_t flip[] = { 1152, 1152 + 600, 1152 + EK_LEN - 1, 2336, 2367 };
	for (size_t i = 0; i < sizeof(flip) / sizeof(flip[0]); i++) {
		memcpy(bad, dk, DK_LEN);
		bad[flip[i]] ^= 0x01;
		EXPECT_ERR(moat_mlkem768_decaps(ss, ct, CT_LEN, bad), MOAT_ERR_INVALID_ARG);
	}
	EXPECT_OK(moat_mlkem768_decaps(ss, ct, CT_LEN, dk));
}

/*
 * Compress_d and Decompress_d (FIPS 203 §4.2.1) against their definitions
 * with exact rational rounding, for every x in Z_q and every d ML-KEM uses
 * (and 11, the largest the multiply-and-shift is claimed for).
 */
ATF_TC_WITHOUT_HEAD(compress_definition);
ATF_TC_BODY(compress_definition, tc)
{
	const unsigned ds[] = { 1, 4, 10, 11 };
	for (size_t k = 0; k < sizeof(ds) / sizeof(ds[0]); k++) {
		unsigned d = ds[k];
		for (unsigned x = 0; x < MLKEM_Q; x++) {
			/* round(2^d x / q) = floor((2^(d+1) x + q) / 2q) */
			unsigned want = ((((unsigned)2 << d) * x + MLKEM_Q) / (2 * MLKEM_Q)) % (1u << d);
			ATF_REQUIRE_EQ_MSG(mlkem_compress((uint16_t)x, d), want, "Compress_%u(%u)", d, x);
		}
		for (unsigned y = 0; y < (1u << d); y++) {
			unsigned want = (2 * MLKEM_Q * y + (1u << d)) / (2u << d);
			ATF_REQUIRE_EQ_MSG(mlkem_decompress((uint16_t)y, d), want, "Decompress_%u(%u)", d, y);
		}
	}
}

static unsigned powmod(unsigned b, unsigned e)
{
	unsigned r = 1;
	for (; e > 0; e--)
		r = r * b % MLKEM_Q;
	return r;
}

static unsigned bitrev7(unsigned i)
{
	unsigned r = 0;
	for (int b = 0; b < 7; b++)
		r |= ((i >> b) & 1) << (6 - b);
	return r;
}

/*
 * The NTT against its definition (FIPS 203 §4.3, eq. 4.8): f̂[2i+b] is
 * Σ_j f[2j+b] ζ^((2·BitRev7(i)+1)·j); its inverse undoes it; and
 * multiplication in T_q (Alg. 11) is multiplication in R_q, checked
 * against the schoolbook product modulo X^256 + 1.
 */
ATF_TC_WITHOUT_HEAD(ntt_definition);
ATF_TC_BODY(ntt_definition, tc)
{
	static mlkem_poly f, g, h, fh, gh;
	static unsigned want[MLKEM_N];
	uint32_t x = 12345;
	for (size_t i = 0; i < MLKEM_N; i++) {
		x = x * 1103515245u + 12345u;
		f.c[i] = (uint16_t)((x >> 8) % MLKEM_Q);
		x = x * 1103515245u + 12345u;
		g.c[i] = (uint16_t)((x >> 8) % MLKEM_Q);
	}
	fh = f;
	mlkem_poly_ntt(&fh);
	for (unsigned i = 0; i < 128; i++) {
		unsigned z = powmod(17, 2 * bitrev7(i) + 1);
		for (unsigned b = 0; b < 2; b++) {
			unsigned acc = 0, zp = 1;
			for (unsigned j = 0; j < 128; j++) {
				acc = (acc + f.c[2 * j + b] * zp) % MLKEM_Q;
				zp = zp * z % MLKEM_Q;
			}
			ATF_REQUIRE_EQ_MSG(fh.c[2 * i + b], acc, "NTT(f)[%u]", 2 * i + b);
		}
	}
	h = fh;
	mlkem_poly_invntt(&h);
	ATF_REQUIRE(memcmp(&h, &f, sizeof(f)) == 0);

	memset(want, 0, sizeof(want));
	for (unsigned i = 0; i < MLKEM_N; i++)
		for (unsigned j = 0; j < MLKEM_N; j++) {
			unsigned p = (unsigned)f.c[i] * g.c[j] % MLKEM_Q;
			if (i + j < MLKEM_N)
				want[i + j] = (want[i + j] + p) % MLKEM_Q;
			else /* X^256 = -1 */
				want[i + j - MLKEM_N] = (want[i + j - MLKEM_N] + MLKEM_Q - p) % MLKEM_Q;
		}
	gh = g;
	mlkem_poly_ntt(&gh);
	memset(&h, 0, sizeof(h));
	mlkem_poly_basemul_acc(&h, &fh, &gh);
	mlkem_poly_invntt(&h);
	for (unsigned i = 0; i < MLKEM_N; i++)
		ATF_REQUIRE_EQ_MSG(h.c[i], want[i], "(f·g)[%u]", i);
}

/*
 * SampleNTT's refill (mlkem_sample.c): starting from a single XOF block,
 * which can never hold 256 accepted coefficients, the sampler must squeeze
 * again and end with the same polynomial as with the usual four blocks;
 * every coefficient is below q.
 */
ATF_TC_WITHOUT_HEAD(sample_ntt_refill);
ATF_TC_BODY(sample_ntt_refill, tc)
{
	mlkem_poly a, b;
	uint8_t rho[32];
	for (int t = 0; t < 16; t++) {
		for (size_t i = 0; i < sizeof(rho); i++)
			rho[i] = (uint8_t)((size_t)t * 31 + i);
		EXPECT_OK(mlkem_sample_ntt(&a, rho, (uint8_t)(t % 3), (uint8_t)(t / 3 % 3), MLKEM_XOF_FIRST_BLOCKS));
		EXPECT_OK(mlkem_sample_ntt(&b, rho, (uint8_t)(t % 3), (uint8_t)(t / 3 % 3), 1));
		ATF_REQUIRE(memcmp(&a, &b, sizeof(a)) == 0);
		for (size_t i = 0; i < MLKEM_N; i++)
			ATF_REQUIRE(a.c[i] < MLKEM_Q);
	}
}

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/*
 * Not a timed test (it cannot fail on a slow machine): prints the cost of
 * each operation, for the record and for choosing the default groups.
 */
ATF_TC_WITHOUT_HEAD(cost);
ATF_TC_BODY(cost, tc)
{
	static uint8_t ek[EK_LEN], dk[DK_LEN], ct[CT_LEN];
	uint8_t seed[MOAT_MLKEM_SEED_LEN] = { 1 }, m[32] = { 2 }, ss[SS_LEN];
	const int n = 200;
	double t0 = now_us();
	for (int i = 0; i < n; i++)
		EXPECT_OK(moat_mlkem768_keygen_seed(ek, dk, seed));
	double t1 = now_us();
	for (int i = 0; i < n; i++)
		EXPECT_OK(moat_mlkem768_encaps_m(ct, ss, ek, EK_LEN, m));
	double t2 = now_us();
	for (int i = 0; i < n; i++)
		EXPECT_OK(moat_mlkem768_decaps(ss, ct, CT_LEN, dk));
	double t3 = now_us();
	printf("ML-KEM-768 (%s): keygen %.1f us, encaps %.1f us, decaps %.1f us (mean of %d)\n",
	       moat_mlkem_implementation(), (t1 - t0) / n, (t2 - t1) / n, (t3 - t2) / n, n);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, round_trip);
	ATF_TP_ADD_TC(tp, cctv_intermediate);
	ATF_TP_ADD_TC(tp, cctv_strcmp);
	ATF_TP_ADD_TC(tp, accumulated_100);
	ATF_TP_ADD_TC(tp, accumulated_10000);
	ATF_TP_ADD_TC(tp, acvp_keygen);
	ATF_TP_ADD_TC(tp, acvp_encap_decap);
	ATF_TP_ADD_TC(tp, acvp_decap_modified);
	ATF_TP_ADD_TC(tp, implicit_rejection);
	ATF_TP_ADD_TC(tp, encaps_key_checks);
	ATF_TP_ADD_TC(tp, decaps_input_checks);
	ATF_TP_ADD_TC(tp, compress_definition);
	ATF_TP_ADD_TC(tp, ntt_definition);
	ATF_TP_ADD_TC(tp, sample_ntt_refill);
	ATF_TP_ADD_TC(tp, cost);
	return atf_no_error();
}
