/*
 * Smoke program: links against every dependency the daemons will use and
 * runs the common/ primitives once end to end. It is what demo.sh runs until
 * moat-frontd and moat-keyd exist, and the smoke test checks its output.
 */
#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/cursor.h"
#include "common/log.h"
#include "common/secmem.h"

static int round_trip(void)
{
	struct moat_buf b;
	struct moat_cursor c, sub;
	uint16_t type;
	const uint8_t *name;

	/* An SNI-shaped structure: written with back-filled prefixes, read back with the cursor. */
	moat_buf_init(&b, 256);
	TRY(moat_buf_put_u16(&b, 0x0000));
	TRY(moat_buf_open_prefixed(&b, 2));
	TRY(moat_buf_put_prefixed(&b, 2, "example.test", 12));
	TRY(moat_buf_close_prefixed(&b));
	moat_cursor_init(&c, b.data, b.len);
	TRY(moat_cursor_get_u16(&c, &type));
	TRY(moat_cursor_get_prefixed(&c, 2, &sub));
	TRY(moat_cursor_expect_end(&c));
	TRY(moat_cursor_get_prefixed(&sub, 2, &c));
	TRY(moat_cursor_get_ref(&c, 12, &name));
	TRY(moat_cursor_expect_end(&c));
	ENSURE(memcmp(name, "example.test", 12) == 0, MOAT_ERR_INTERNAL);
	moat_buf_free(&b);
	return MOAT_SUCCESS;
}

static int secret_digest(void)
{
	void *secret;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	TRY(moat_secmem_alloc(32, &secret));
	memset(secret, 0x42, 32);
	int ok = EVP_Digest(secret, 32, md, &mdlen, EVP_sha256(), NULL);
	moat_secmem_free(secret);
	ENSURE(ok == 1 && mdlen == 32, MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

int main(void)
{
	moat_log_open("moat-smoke", false, MOAT_LOG_INFO);
	uint64_t start = moat_clock_monotonic_ns();
	if (round_trip() < 0 || secret_digest() < 0) {
		moat_log_error(MOAT_LOG_ERR, "smoke failed");
		return 1;
	}
	const struct scmp_version *sv = seccomp_version();
	printf("moat smoke: ok in %llu us (secure memory %s)\n",
	       (unsigned long long)((moat_clock_monotonic_ns() - start) / 1000),
	       moat_secmem_locking() ? "locked" : "unlocked: MOAT_DONT_MLOCK is set");
	printf("  libcrypto %s\n", OpenSSL_version(OPENSSL_VERSION_STRING));
	printf("  libevent %s\n", event_get_version());
	printf("  libseccomp %u.%u.%u\n", sv->major, sv->minor, sv->micro);
	return 0;
}
