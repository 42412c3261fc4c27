/*
 * tls/moat.h is all an application includes: it must be enough to handle
 * errors, and it must not hand the application the library's internal
 * guard macros (TRY, ENSURE, BAIL, ...), whose short names would collide
 * with the application's own.
 *
 * This file includes tls/moat.h first and nothing else of moat's, records
 * which internal macros it found, and only then includes ATF; a leaked
 * macro is a failed test case naming it, not a build error.
 */
#include "tls/moat.h"

/* The internal names tls/moat.h defined. */
static const char *const leaked[] = {
#ifdef TRY
	"TRY",
#endif
#ifdef TRY_PTR
	"TRY_PTR",
#endif
#ifdef TRY_OSSL
	"TRY_OSSL",
#endif
#ifdef ENSURE
	"ENSURE",
#endif
#ifdef ENSURE_PTR
	"ENSURE_PTR",
#endif
#ifdef ENSURE_REF
	"ENSURE_REF",
#endif
#ifdef BAIL
	"BAIL",
#endif
#ifdef BAIL_PTR
	"BAIL_PTR",
#endif
#ifdef MOAT_HERE
	"MOAT_HERE",
#endif
	NULL,
};

#include <atf-c.h>
#include <string.h>

ATF_TC_WITHOUT_HEAD(no_guard_macros);
ATF_TC_BODY(no_guard_macros, tc)
{
	char names[256] = "";
	for (size_t i = 0; leaked[i] != NULL; i++) {
		strncat(names, " ", sizeof(names) - strlen(names) - 1);
		strncat(names, leaked[i], sizeof(names) - strlen(names) - 1);
	}
	ATF_CHECK_MSG(names[0] == '\0', "tls/moat.h defines the library's internal macros:%s", names);
}

/* What moat(3) promises an application for errors, with nothing but tls/moat.h. */
ATF_TC_WITHOUT_HEAD(errors_with_public_header_only);
ATF_TC_BODY(errors_with_public_header_only, tc)
{
	ATF_REQUIRE_EQ(MOAT_SUCCESS, 0);
	ATF_REQUIRE_EQ(MOAT_FAILURE, -1);
	ATF_REQUIRE_EQ(moat_init(), MOAT_SUCCESS);

	struct moat_config *config = moat_config_new();
	ATF_REQUIRE(config != NULL);
	moat_error_clear();
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_OK);
	ATF_REQUIRE_EQ(moat_config_set_cipher_preferences(config, "no-such-policy"), MOAT_FAILURE);
	ATF_CHECK_EQ(moat_errno, MOAT_ERR_NO_SUCH_POLICY);
	ATF_CHECK_EQ(*moat_errno_location(), MOAT_ERR_NO_SUCH_POLICY);
	ATF_CHECK_EQ(moat_error_get_type(moat_errno), MOAT_ERR_T_USAGE);
	ATF_CHECK_EQ(moat_error_get_alert(moat_errno), MOAT_ALERT_NONE);
	ATF_CHECK_STREQ(moat_strerror_name(moat_errno), "MOAT_ERR_NO_SUCH_POLICY");
	ATF_CHECK_STREQ(moat_strerror(moat_errno, NULL), "unknown security policy name");
	ATF_CHECK(strchr(moat_strerror_debug(moat_errno, NULL), ':') != NULL);
	ATF_CHECK_STREQ(moat_alert_name(MOAT_ALERT_DECODE_ERROR), "decode_error");
	moat_error_clear();
	ATF_CHECK_EQ(moat_errno, MOAT_ERR_OK);

	ATF_REQUIRE_EQ(moat_config_free(config), MOAT_SUCCESS);
	ATF_REQUIRE_EQ(moat_cleanup(), MOAT_SUCCESS);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, no_guard_macros);
	ATF_TP_ADD_TC(tp, errors_with_public_header_only);
	return atf_no_error();
}
