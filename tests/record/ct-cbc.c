/*
 * ct-cbc: run the CBC record check (moat_record_cbc_check, the padding and
 * MAC verification of tls/record_cbc.c) under valgrind memcheck with the
 * decrypted record marked undefined, as ctgrind does: memcheck then reports
 * every conditional jump, and every memory access through an index, that
 * depends on the record's bytes. Such a report is a Lucky Thirteen style
 * timing leak; cbc_ct_check expects none.
 *
 *	ct-cbc ct      the real check, on valid records and broken ones, for
 *	               HMAC-SHA1, -SHA256 and -SHA384 with 16- and 8-byte blocks
 *	ct-cbc leaky   a textbook early-exit padding check, to show memcheck
 *	               catches one
 *
 * Exit 77 when built without valgrind's header or with a sanitizer (which
 * valgrind cannot run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls/crypto/hash.h"
#include "tls/crypto/hmac_ct.h"
#include "tls/record_cbc.h"

#include "tests/ct_probe.h"

#ifndef CT_SKIP
#define MAX_N 1024

static const uint8_t prefix[11] = { 0, 0, 0, 0, 0, 0, 0, 7, 23, 3, 3 };

/*
 * A decrypted record: content of len bytes, its MAC, padding_length pad.
 * Returns n, the whole length.
 */
static size_t make_record(moat_hash_alg alg, const uint8_t *key, size_t len, size_t pad, uint8_t *p)
{
	size_t ml = moat_hash_len(alg);
	uint8_t in[13 + MAX_N];
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 13 + 1);
	memcpy(in, prefix, 11);
	in[11] = (uint8_t)(len >> 8);
	in[12] = (uint8_t)len;
	memcpy(in + 13, p, len);
	if (moat_hmac(alg, key, ml, in, 13 + len, p + len) != MOAT_SUCCESS)
		abort();
	memset(p + len + ml, (int)pad, pad + 1);
	return len + ml + pad + 1;
}

/* What a naive receiver does: look at the padding and stop at the first wrong byte. */
static size_t leaky_check(const uint8_t *p, size_t n, size_t ml)
{
	size_t pad = p[n - 1];
	if (pad + 1 + ml > n)
		return 0;
	for (size_t i = 0; i <= pad; i++)
		if (p[n - 1 - i] != pad)
			return 0;
	return 1;
}

/* Run the check with the record undefined; return whether the right answer came out. */
static int run_one(const struct moat_hmac_ct *m, size_t ml, uint8_t *p, size_t n, size_t want_good, size_t want_len,
		   int leaky)
{
	size_t good, len = 0;
	VALGRIND_MAKE_MEM_UNDEFINED(p, n);
	if (leaky) {
		volatile size_t r = leaky_check(p, n, ml);
		good = want_good;
		len = want_len;
		(void)r;
	} else {
		good = moat_record_cbc_check(m, ml, prefix, p, n, &len);
	}
	/* The answer is checked outside the measured code: declare it defined first. */
	VALGRIND_MAKE_MEM_DEFINED(&good, sizeof(good));
	VALGRIND_MAKE_MEM_DEFINED(&len, sizeof(len));
	VALGRIND_MAKE_MEM_DEFINED(p, n);
	if (want_good)
		return good == ~(size_t)0 && len == want_len;
	return good == 0;
}
#endif

int main(int argc, char **argv)
{
	int leaky = ct_probe_mode(argc, argv, "ct-cbc");
#ifdef CT_SKIP
	(void)leaky;
	return 77;
#else
	const struct {
		moat_hash_alg alg;
		size_t block;
	} kinds[] = { { MOAT_HASH_SHA1, 16 }, { MOAT_HASH_SHA256, 16 }, { MOAT_HASH_SHA384, 16 }, { MOAT_HASH_SHA1, 8 } };
	uint8_t key[48];
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0x61 + i);
	int records = 0, failures = 0;
	static uint8_t p[MAX_N];
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t ml = moat_hash_len(kinds[k].alg), bl = kinds[k].block;
		struct moat_hmac_ct m;
		if (moat_hmac_ct_init(&m, kinds[k].alg, key, ml) != MOAT_SUCCESS)
			return 1;
		/* Valid records with small, medium and the largest padding, then each kind of damage. */
		const size_t lens[] = { 0, 5, 100, 300 };
		for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
			size_t len = lens[li];
			size_t base = (bl - (len + ml + 1) % bl) % bl;
			const size_t pads[] = { base, base + bl, base + bl * ((255 - base) / bl) };
			for (size_t pi = 0; pi < 3; pi++) {
				size_t pad = pads[pi];
				size_t n = make_record(kinds[k].alg, key, len, pad, p);
				failures += !run_one(&m, ml, p, n, 1, len, leaky);
				records++;
				if (leaky)
					continue;
				/* A wrong MAC byte, a wrong padding byte, a padding length too big, past the record. */
				n = make_record(kinds[k].alg, key, len, pad, p);
				p[len] ^= 1;
				failures += !run_one(&m, ml, p, n, 0, 0, leaky);
				n = make_record(kinds[k].alg, key, len, pad, p);
				if (pad > 0) {
					p[n - 1 - pad] ^= 1;
					failures += !run_one(&m, ml, p, n, 0, 0, leaky);
					records++;
				}
				records++;
				if (pad + bl <= 255) {
					n = make_record(kinds[k].alg, key, len, pad, p);
					p[n - 1] = (uint8_t)(pad + bl);
					failures += !run_one(&m, ml, p, n, 0, 0, leaky);
					records++;
				}
				if (pad != 255) {
					n = make_record(kinds[k].alg, key, len, pad, p);
					p[n - 1] = 255;
					failures += !run_one(&m, ml, p, n, 0, 0, leaky);
					records++;
				}
			}
		}
		moat_hmac_ct_free(&m);
	}
	printf("%s: %d records, %d wrong answers\n", argv[1], records, failures);
	return failures == 0 ? 0 : 1;
#endif
}
