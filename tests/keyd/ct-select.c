/*
 * ct-select: run keyd's PKCS#1 v1.5 premaster check (keyd_rsa_select_premaster)
 * under valgrind memcheck with the decrypted block marked undefined, the way
 * ctgrind does: memcheck then reports every conditional jump, and every
 * memory access through an index, that depends on the block's bytes. Such a
 * report is a timing leak of the padding check (a Bleichenbacher or Marvin
 * oracle); keyd_ct_check expects none.
 *
 *	ct-select ct      the real check, on a valid block and on broken ones
 *	ct-select leaky   a textbook early-exit check, to show memcheck catches one
 *
 * Exit 77 when built without valgrind's header or with a sanitizer (which
 * valgrind cannot run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyd/crypto_rsa_decrypt.h"

#include "tests/ct_probe.h"

#define K 256 /* RSA-2048 */

#ifndef CT_SKIP
/* A well-formed type 2 block holding a 48-byte message (RFC 8017 §7.2.1). */
static void make_block(uint8_t em[K], uint8_t m[KEYD_PREMASTER_LEN])
{
	em[0] = 0x00;
	em[1] = 0x02;
	for (size_t i = 2; i < K - KEYD_PREMASTER_LEN - 1; i++)
		em[i] = (uint8_t)(1 + (i * 37) % 255);
	em[K - KEYD_PREMASTER_LEN - 1] = 0x00;
	for (size_t i = 0; i < KEYD_PREMASTER_LEN; i++)
		m[i] = em[K - KEYD_PREMASTER_LEN + i] = (uint8_t)(0x30 + i);
}

/* What a naive implementation does: return at the first wrong byte. */
static int leaky_check(const uint8_t *em)
{
	if (em[0] != 0x00 || em[1] != 0x02)
		return 0;
	for (size_t i = 2; i < K - KEYD_PREMASTER_LEN - 1; i++)
		if (em[i] == 0)
			return 0;
	return em[K - KEYD_PREMASTER_LEN - 1] == 0;
}

/* Run the check with the block (and the synthetic value) undefined; return whether the right answer came out. */
static int run_one(uint8_t em[K], const uint8_t want[KEYD_PREMASTER_LEN], int leaky)
{
	uint8_t syn[KEYD_PREMASTER_LEN], out[KEYD_PREMASTER_LEN];
	memset(syn, 0xa5, sizeof(syn));
	VALGRIND_MAKE_MEM_UNDEFINED(em, K);
	VALGRIND_MAKE_MEM_UNDEFINED(syn, sizeof(syn));
	if (leaky) {
		volatile int ok = leaky_check(em);
		(void)ok;
		memcpy(out, want, sizeof(out));
	} else {
		keyd_rsa_select_premaster(em, K, syn, out);
	}
	/* The answer is checked outside the measured code: declare it defined first. */
	VALGRIND_MAKE_MEM_DEFINED(out, sizeof(out));
	VALGRIND_MAKE_MEM_DEFINED(em, K);
	VALGRIND_MAKE_MEM_DEFINED(syn, sizeof(syn));
	return memcmp(out, want, sizeof(out)) == 0;
}
#endif

int main(int argc, char **argv)
{
	int leaky = ct_probe_mode(argc, argv, "ct-select");
#ifdef CT_SKIP
	(void)leaky;
	return 77;
#else
	uint8_t em[K], m[KEYD_PREMASTER_LEN], syn[KEYD_PREMASTER_LEN];
	memset(syn, 0xa5, sizeof(syn));
	int failures = 0;
	make_block(em, m);
	failures += !run_one(em, m, leaky);
	/* Broken in each part of the structure: the synthetic value must come out. */
	const size_t broken[] = { 0, 1, 2, 100, K - KEYD_PREMASTER_LEN - 2, K - KEYD_PREMASTER_LEN - 1 };
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		make_block(em, m);
		size_t at = broken[i];
		em[at] = at == 1 ? 0x01 : at == K - KEYD_PREMASTER_LEN - 1 ? 0x07 : at == 0 ? 0x01 : 0x00;
		failures += !run_one(em, leaky ? m : syn, leaky);
	}
	printf("%s: %d blocks, %d wrong answers\n", argv[1], 1 + (int)(sizeof(broken) / sizeof(broken[0])), failures);
	return failures == 0 ? 0 : 1;
#endif
}
