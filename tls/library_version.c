/*
 * The library's version getters (moat(3)). The daemons print the same two
 * facts for -V through tls/crypto/version.h; these are for applications,
 * which may run with another libmoat.so or libcrypto than they were built
 * against.
 */
#include <config.h> /* PACKAGE_VERSION */

#include "tls/moat.h"

#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <stdio.h>

const char *moat_get_version(void)
{
	return PACKAGE_VERSION;
}

const char *moat_get_libcrypto_version(void)
{
	/* Per thread, so concurrent callers never see a half-written string. */
	static _Thread_local char text[256];
	snprintf(text, sizeof(text), "%s (built with %s)", OpenSSL_version(OPENSSL_VERSION), OPENSSL_VERSION_TEXT);
	return text;
}
