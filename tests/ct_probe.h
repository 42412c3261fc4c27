/*
 * What the constant-time probes share (tests/keyd/ct-select.c,
 * tests/record/ct-cbc.c): each runs one secret-dependent check under
 * valgrind memcheck with the secret marked undefined, as ctgrind does, so
 * memcheck reports every branch and every memory index that depends on it.
 *
 * CT_SKIP is defined, with the reason, when the probe cannot run: a
 * sanitizer build (valgrind cannot run it) or no valgrind/memcheck.h. A
 * probe then exits 77, which its atf-sh script turns into a skip
 * (ct_run in tests/lib/moat_test_lib.sh).
 */
#ifndef MOAT_TESTS_CT_PROBE_H
#define MOAT_TESTS_CT_PROBE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define CT_SKIP "AddressSanitizer build"
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CT_SKIP "AddressSanitizer build"
#endif
#endif
#if !defined(CT_SKIP) && defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define CT_HAVE_VALGRIND 1
#endif
#endif
#if !defined(CT_SKIP) && !defined(CT_HAVE_VALGRIND)
#define CT_SKIP "built without valgrind/memcheck.h"
#endif

/*
 * The probe's command line: "ct" (the real check, returns 0) or "leaky"
 * (the textbook early-exit check that shows memcheck catches one, returns
 * 1). Exits 77 with the reason when CT_SKIP, 2 on a bad command line.
 */
static inline int ct_probe_mode(int argc, char **argv, const char *prog)
{
#ifdef CT_SKIP
	(void)argc;
	(void)argv;
	(void)prog;
	printf("skip: %s\n", CT_SKIP);
	exit(77);
#else
	if (argc != 2 || (strcmp(argv[1], "ct") != 0 && strcmp(argv[1], "leaky") != 0)) {
		fprintf(stderr, "usage: %s ct|leaky\n", prog);
		exit(2);
	}
	return strcmp(argv[1], "leaky") == 0;
#endif
}

#endif
