/*
 * The error model: types, names, messages, alerts, debug location, the guard
 * macros, and that moat_errno is per thread.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "tests/moat_test.h"

static int raise_line;
static int raises_decode(void)
{
	raise_line = __LINE__ + 1;
	ENSURE(1 == 2, MOAT_ERR_DECODE);
	return MOAT_SUCCESS;
}

static int propagates(void)
{
	TRY(raises_decode());
	return MOAT_SUCCESS;
}

static int ossl_style(int rc)
{
	TRY_OSSL(rc, MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

static int null_check(const void *p)
{
	ENSURE_REF(p);
	return MOAT_SUCCESS;
}

static const char *ptr_fn(int fail)
{
	ENSURE_PTR(!fail, MOAT_ERR_ALLOC);
	return "ok";
}

ATF_TC_WITHOUT_HEAD(types_and_names);
ATF_TC_BODY(types_and_names, tc)
{
	ATF_REQUIRE_EQ(moat_error_get_type(MOAT_ERR_OK), MOAT_ERR_T_OK);
	ATF_REQUIRE_EQ(moat_error_get_type(MOAT_ERR_IO), MOAT_ERR_T_IO);
	ATF_REQUIRE_EQ(moat_error_get_type(MOAT_ERR_CLOSED), MOAT_ERR_T_CLOSED);
	ATF_REQUIRE_EQ(moat_error_get_type(MOAT_ERR_IO_BLOCKED), MOAT_ERR_T_BLOCKED);
	ATF_REQUIRE_EQ(moat_error_get_type(MOAT_ERR_ASYNC_BLOCKED), MOAT_ERR_T_BLOCKED);
	ATF_REQUIRE_EQ(moat_error_get_type(MOAT_ERR_ALERT), MOAT_ERR_T_ALERT);
	ATF_REQUIRE_EQ(moat_error_get_type(MOAT_ERR_DECODE), MOAT_ERR_T_PROTO);
	ATF_REQUIRE_EQ(moat_error_get_type(MOAT_ERR_ALLOC), MOAT_ERR_T_INTERNAL);
	ATF_REQUIRE_EQ(moat_error_get_type(MOAT_ERR_NULL_ARG), MOAT_ERR_T_USAGE);

	ATF_REQUIRE_STREQ(moat_strerror_name(MOAT_ERR_DECODE), "MOAT_ERR_DECODE");
	ATF_REQUIRE_STREQ(moat_strerror_name(MOAT_ERR_OK), "MOAT_ERR_OK");
	ATF_REQUIRE_STREQ(moat_strerror(MOAT_ERR_DECODE, "EN"), "message is malformed or truncated");
	ATF_REQUIRE_STREQ(moat_strerror(MOAT_ERR_DECODE, NULL), "message is malformed or truncated");
	ATF_REQUIRE(strstr(moat_strerror(MOAT_ERR_DECODE, "FR"), "language") != NULL);

	/* Codes that do not exist are reported, never indexed out of the table. */
	int bogus[] = { -1, 0x7fffffff, (MOAT_ERR_T_IO << MOAT_ERR_TYPE_SHIFT) + 999,
			(99 << MOAT_ERR_TYPE_SHIFT) };
	for (size_t i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++) {
		ATF_REQUIRE_STREQ(moat_strerror_name(bogus[i]), "MOAT_ERR_UNKNOWN");
		ATF_REQUIRE_EQ(moat_error_get_type(bogus[i]), MOAT_ERR_T_INTERNAL);
		ATF_REQUIRE_EQ(moat_error_get_alert(bogus[i]), MOAT_ALERT_INTERNAL_ERROR);
	}
}

ATF_TC_WITHOUT_HEAD(alerts);
ATF_TC_BODY(alerts, tc)
{
	ATF_REQUIRE_EQ(moat_error_get_alert(MOAT_ERR_DECODE), MOAT_ALERT_DECODE_ERROR);
	ATF_REQUIRE_EQ(moat_error_get_alert(MOAT_ERR_DUPLICATE_EXTENSION), MOAT_ALERT_ILLEGAL_PARAMETER);
	ATF_REQUIRE_EQ(moat_error_get_alert(MOAT_ERR_BAD_RECORD_MAC), MOAT_ALERT_BAD_RECORD_MAC);
	ATF_REQUIRE_EQ(moat_error_get_alert(MOAT_ERR_ALLOC), MOAT_ALERT_INTERNAL_ERROR);
	ATF_REQUIRE_EQ(moat_error_get_alert(MOAT_ERR_IO), MOAT_ALERT_NONE);
	ATF_REQUIRE_STREQ(moat_alert_name(MOAT_ALERT_DECODE_ERROR), "decode_error");
	ATF_REQUIRE_STREQ(moat_alert_name(MOAT_ALERT_NO_APPLICATION_PROTOCOL), "no_application_protocol");
	ATF_REQUIRE_STREQ(moat_alert_name(200), "unknown_alert");
}

ATF_TC_WITHOUT_HEAD(guards_record_location);
ATF_TC_BODY(guards_record_location, tc)
{
	moat_error_clear();
	ATF_REQUIRE_STREQ(moat_strerror_debug(moat_errno, NULL), "");
	ATF_REQUIRE_EQ(propagates(), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_DECODE);
	/* The location is where the error was raised, not where it was propagated. */
	const char *where = moat_strerror_debug(moat_errno, "EN");
	ATF_REQUIRE_MSG(strstr(where, "error_test.c:") != NULL, "debug string %s", where);
	char want[64];
	snprintf(want, sizeof(want), "error_test.c:%d", raise_line);
	ATF_REQUIRE_MSG(strstr(where, want) != NULL, "debug string %s, want %s", where, want);

	ATF_REQUIRE_EQ(ossl_style(1), MOAT_SUCCESS);
	ATF_REQUIRE_EQ(ossl_style(0), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_CRYPTO);
	ATF_REQUIRE_EQ(ossl_style(-1), MOAT_FAILURE);
	ATF_REQUIRE_EQ(null_check(NULL), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_NULL_ARG);
	ATF_REQUIRE(ptr_fn(1) == NULL);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_ALLOC);
	ATF_REQUIRE_STREQ(ptr_fn(0), "ok");

	*moat_errno_location() = MOAT_ERR_CLOSED;
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_CLOSED);
	moat_error_clear();
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_OK);
}

static void *other_thread(void *arg)
{
	(void)arg;
	/* A fresh thread starts clean and its error stays its own. */
	int seen = moat_errno;
	moat_error_raise(MOAT_ERR_ALLOC, "thread");
	return (void *)(intptr_t)seen;
}

ATF_TC_WITHOUT_HEAD(thread_local);
ATF_TC_BODY(thread_local, tc)
{
	pthread_t t;
	void *seen;
	moat_error_raise(MOAT_ERR_DECODE, "main");
	ATF_REQUIRE_EQ(pthread_create(&t, NULL, other_thread, NULL), 0);
	ATF_REQUIRE_EQ(pthread_join(t, &seen), 0);
	ATF_REQUIRE_EQ((intptr_t)seen, MOAT_ERR_OK);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_DECODE);
	ATF_REQUIRE_STREQ(moat_debug_str, "main");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, types_and_names);
	ATF_TP_ADD_TC(tp, alerts);
	ATF_TP_ADD_TC(tp, guards_record_location);
	ATF_TP_ADD_TC(tp, thread_local);
	return atf_no_error();
}
