#include <config.h> /* PACKAGE_VERSION */

#include "tls/crypto/version.h"

#include <openssl/crypto.h>
#include <openssl/opensslv.h>

void moat_print_version(FILE *out, const char *program)
{
	fprintf(out, "%s (moat) %s\n", program, PACKAGE_VERSION);
	fprintf(out, "libcrypto: %s (built with %s)\n", OpenSSL_version(OPENSSL_VERSION), OPENSSL_VERSION_TEXT);
}
