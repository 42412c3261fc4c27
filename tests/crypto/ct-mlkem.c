/*
 * ct-mlkem: run ML-KEM-768 key generation, encapsulation and decapsulation
 * (tls/crypto/mlkem*.c, built into this probe with MOAT_CT_PROBE) under
 * valgrind memcheck with the secret inputs marked undefined, as ctgrind
 * does: the seed d || z for key generation, m for encapsulation, the whole
 * dk for decapsulation. Memcheck then reports every conditional jump and
 * every memory index that depends on a secret. The values public by
 * design (rho, ek, the ciphertext) are declassified by the library where
 * they are published (MLKEM_DECLASSIFY in tls/crypto/mlkem_internal.h);
 * nothing else is. mlkem_ct_check expects no report.
 *
 *	ct-mlkem ct      the real operations, decapsulating the valid
 *	                 ciphertext and a modified one (implicit rejection)
 *	ct-mlkem leaky   decapsulation's re-encryption compared with a textbook
 *	                 early-exit loop, to show memcheck catches one
 *
 * Exit 77 when built without valgrind's header or with a sanitizer (which
 * valgrind cannot run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls/crypto/mlkem.h"
#include "tls/crypto/mlkem_internal.h"

#include "tests/ct_probe.h"

#ifndef CT_SKIP
#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
/* Results are checked outside the measured code: declare them defined first. */
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

/*
 * What a naive decapsulation does after re-encrypting: compare c with c'
 * and stop at the first difference. Returns whether they matched.
 */
static int leaky_decaps(const uint8_t *dk, const uint8_t *ct)
{
	uint8_t m[32], kr[64], c2[MOAT_MLKEM768_CT_LEN];
	/* ek and H(ek) inside dk are public, as moat_mlkem768_decaps declares them. */
	PUBLIC(dk + 1152, MOAT_MLKEM768_EK_LEN + 32);
	mlkem_kpke_decrypt(m, dk, ct);
	if (mlkem_hash_g(kr, m, 32, dk + 2336, 32) < 0 || mlkem_kpke_encrypt(c2, dk + 1152, m, kr + 32) < 0)
		abort();
	for (size_t i = 0; i < sizeof(c2); i++)
		if (ct[i] != c2[i])
			return 0;
	return 1;
}
#endif

int main(int argc, char **argv)
{
	int leaky = ct_probe_mode(argc, argv, "ct-mlkem");
#ifdef CT_SKIP
	(void)leaky;
	return 77;
#else
	static uint8_t ek[MOAT_MLKEM768_EK_LEN], dk[MOAT_MLKEM768_DK_LEN], ct[MOAT_MLKEM768_CT_LEN],
		bad[MOAT_MLKEM768_CT_LEN];
	uint8_t seed[MOAT_MLKEM_SEED_LEN], m[32], ss[32], ss2[32], ss3[32];
	int ops = 0, failures = 0;

	for (size_t round = 0; round < 3; round++) {
		for (size_t i = 0; i < sizeof(seed); i++)
			seed[i] = (uint8_t)(round * 77 + i * 13 + 5);
		for (size_t i = 0; i < sizeof(m); i++)
			m[i] = (uint8_t)(round * 31 + i * 7 + 1);

		SECRET(seed, sizeof(seed));
		if (moat_mlkem768_keygen_seed(ek, dk, seed) < 0)
			return 1;
		SECRET(m, sizeof(m));
		if (moat_mlkem768_encaps_m(ct, ss, ek, sizeof(ek), m) < 0)
			return 1;
		ops += 2;

		memcpy(bad, ct, sizeof(bad));
		bad[round * 300] ^= 0x10;
		SECRET(dk, sizeof(dk));
		if (leaky) {
			int r = leaky_decaps(dk, ct);
			PUBLIC(&r, sizeof(r));
			failures += r != 1;
			ops++;
			continue;
		}
		if (moat_mlkem768_decaps(ss2, ct, sizeof(ct), dk) < 0 ||
		    moat_mlkem768_decaps(ss3, bad, sizeof(bad), dk) < 0)
			return 1;
		ops += 2;
		PUBLIC(ss, sizeof(ss));
		PUBLIC(ss2, sizeof(ss2));
		PUBLIC(ss3, sizeof(ss3));
		failures += memcmp(ss, ss2, sizeof(ss)) != 0;
		failures += memcmp(ss, ss3, sizeof(ss)) == 0;
	}
	printf("%s: %d operations, %d wrong answers\n", argv[1], ops, failures);
	return failures == 0 ? 0 : 1;
#endif
}
