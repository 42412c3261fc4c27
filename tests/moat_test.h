/*
 * Helpers shared by the ATF C tests: assert success or a specific moat error,
 * printing the error name and where it was raised when an assertion fails.
 */
#ifndef MOAT_TESTS_MOAT_TEST_H
#define MOAT_TESTS_MOAT_TEST_H

#include <atf-c.h>

#include "common/error.h"

#define EXPECT_OK(x) \
	do { \
		moat_error_clear(); \
		int rc_ = (x); \
		ATF_REQUIRE_MSG(rc_ == MOAT_SUCCESS, "%s failed: %s at %s", #x, \
				moat_strerror_name(moat_errno), moat_strerror_debug(moat_errno, NULL)); \
	} while (0)

#define EXPECT_ERR(x, err) \
	do { \
		moat_error_clear(); \
		int rc_ = (x); \
		ATF_REQUIRE_MSG(rc_ == MOAT_FAILURE, "%s succeeded, expected %s", #x, #err); \
		ATF_REQUIRE_MSG(moat_errno == (err), "%s: got %s at %s, expected %s", #x, \
				moat_strerror_name(moat_errno), moat_strerror_debug(moat_errno, NULL), #err); \
	} while (0)

#endif
