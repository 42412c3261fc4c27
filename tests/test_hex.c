#include "tests/test_hex.h"

#include <atf-c.h>
#include <stdio.h>
#include <string.h>

size_t test_unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (const char *p = hex; *p != '\0'; p++) {
		int v;
		if (*p == ' ')
			continue;
		if (*p >= '0' && *p <= '9')
			v = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			v = *p - 'a' + 10;
		else
			atf_tc_fail("bad hex digit '%c'", *p);
		if (hi < 0) {
			hi = v;
			continue;
		}
		ATF_REQUIRE_MSG(n < cap, "hex longer than %zu bytes", cap);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	ATF_REQUIRE_MSG(hi < 0, "odd number of hex digits");
	return n;
}

void test_require_hex(const uint8_t *got, size_t len, const char *hex, const char *what)
{
	uint8_t want[1024];
	size_t n = test_unhex(hex, want, sizeof(want));

	ATF_REQUIRE_EQ_MSG(n, len, "%s: length %zu, expected %zu", what, len, n);
	if (memcmp(got, want, n) != 0) {
		for (size_t i = 0; i < len; i++)
			fprintf(stderr, "%02x", got[i]);
		fprintf(stderr, "\n");
		atf_tc_fail("%s differs from the known answer (got value above)", what);
	}
}
