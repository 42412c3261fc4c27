/*
 * Ticket sealing (tls/crypto/ticket_aead.h): round trips at the size
 * limits; the documented format checked with the record AEAD directly
 * (name || nonce || AES-256-GCM(pt, aad = name) || tag); every byte of a
 * ticket flipped in turn, truncation at every length, extra bytes, and the
 * wrong secret must all fail alike with bad_record_mac and leave no
 * plaintext; nonces differ between seals. A prepared key (struct
 * moat_ticket_key, set up once for many operations) makes and opens the
 * same tickets as the one-shot calls, stays usable after a forged ticket
 * failed on it, refuses what they refuse, and is wiped when freed; its
 * batched nonces never repeat, across batches or across a fork.
 */
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tls/crypto/aead.h"
#include "tls/crypto/ticket_aead.h"
#include "tests/moat_test.h"

static const uint8_t name[MOAT_TICKET_NAME_LEN] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
						    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f };
static uint8_t secret[MOAT_TICKET_SECRET_LEN];
static uint8_t pt[MOAT_TICKET_PLAINTEXT_MAX + 1];
static uint8_t ticket[MOAT_TICKET_MAX_LEN + 2];
static uint8_t back[MOAT_TICKET_MAX_LEN + 2];

static void setup(void)
{
	for (size_t i = 0; i < sizeof(secret); i++)
		secret[i] = (uint8_t)(0xa0 + i);
	for (size_t i = 0; i < sizeof(pt); i++)
		pt[i] = (uint8_t)(i * 7 + 3);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static size_t seal(size_t n)
{
	size_t len = 0;
	EXPECT_OK(moat_ticket_seal(name, secret, pt, n, ticket, sizeof(ticket), &len));
	ATF_REQUIRE_EQ(len, n + MOAT_TICKET_OVERHEAD);
	return len;
}

ATF_TC_WITHOUT_HEAD(round_trip);
ATF_TC_BODY(round_trip, tc)
{
	setup();
	static const size_t sizes[] = { 1, 2, 15, 16, 17, 200, MOAT_TICKET_PLAINTEXT_MAX };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len = seal(sizes[i]), out = 0;
		uint8_t got[MOAT_TICKET_NAME_LEN];
		EXPECT_OK(moat_ticket_name(ticket, len, got));
		ATF_REQUIRE(memcmp(got, name, sizeof(name)) == 0);
		EXPECT_OK(moat_ticket_open(name, secret, ticket, len, back, sizeof(back), &out));
		ATF_REQUIRE_EQ(out, sizes[i]);
		ATF_REQUIRE(memcmp(back, pt, out) == 0);
	}
}

ATF_TC_WITHOUT_HEAD(format);
ATF_TC_BODY(format, tc)
{
	setup();
	size_t len = seal(100);
	ATF_REQUIRE(memcmp(ticket, name, MOAT_TICKET_NAME_LEN) == 0);
	/* Open it as the format says, with the record AEAD: the key name is the AAD. */
	struct moat_aead a = { 0 };
	EXPECT_OK(moat_aead_init(&a, MOAT_AEAD_AES_256_GCM, secret, false));
	const uint8_t *nonce = ticket + MOAT_TICKET_NAME_LEN;
	const uint8_t *sealed = nonce + MOAT_TICKET_NONCE_LEN;
	size_t sealed_len = len - MOAT_TICKET_NAME_LEN - MOAT_TICKET_NONCE_LEN;
	EXPECT_OK(moat_aead_open(&a, nonce, name, sizeof(name), sealed, sealed_len, back));
	ATF_REQUIRE(memcmp(back, pt, 100) == 0);
	/* Without the name as AAD it does not open. */
	EXPECT_ERR(moat_aead_open(&a, nonce, NULL, 0, sealed, sealed_len, back), MOAT_ERR_BAD_RECORD_MAC);
	moat_aead_free(&a);
}

ATF_TC_WITHOUT_HEAD(fresh_nonces);
ATF_TC_BODY(fresh_nonces, tc)
{
	setup();
	uint8_t first[MOAT_TICKET_MIN_LEN + 31];
	size_t len = seal(32);
	memcpy(first, ticket, len);
	seal(32);
	ATF_REQUIRE(memcmp(first + MOAT_TICKET_NAME_LEN, ticket + MOAT_TICKET_NAME_LEN, MOAT_TICKET_NONCE_LEN) != 0);
	ATF_REQUIRE(memcmp(first, ticket, len) != 0);
}

/* Every byte flipped: the name's bytes change the name (the caller would not find the key), the rest fail. */
ATF_TC_WITHOUT_HEAD(tamper_each_byte);
ATF_TC_BODY(tamper_each_byte, tc)
{
	setup();
	size_t len = seal(64), out = 99;
	for (size_t i = 0; i < len; i++) {
		ticket[i] ^= 0x01;
		uint8_t got[MOAT_TICKET_NAME_LEN];
		EXPECT_OK(moat_ticket_name(ticket, len, got));
		if (i < MOAT_TICKET_NAME_LEN) {
			ATF_REQUIRE(memcmp(got, name, sizeof(name)) != 0);
			/* Opened under the key whose name it claims now (same secret): the AAD differs. */
			EXPECT_ERR(moat_ticket_open(got, secret, ticket, len, back, sizeof(back), &out),
				   MOAT_ERR_BAD_RECORD_MAC);
		} else {
			memset(back, 0x55, sizeof(back));
			EXPECT_ERR(moat_ticket_open(name, secret, ticket, len, back, sizeof(back), &out),
				   MOAT_ERR_BAD_RECORD_MAC);
			ATF_REQUIRE_MSG(all_zero(back, 64), "plaintext left behind after byte %zu", i);
		}
		ticket[i] ^= 0x01;
	}
	ATF_REQUIRE_EQ(out, 99);
	EXPECT_OK(moat_ticket_open(name, secret, ticket, len, back, sizeof(back), &out));
}

ATF_TC_WITHOUT_HEAD(truncated_and_extended);
ATF_TC_BODY(truncated_and_extended, tc)
{
	setup();
	size_t len = seal(64), out = 0;
	uint8_t got[MOAT_TICKET_NAME_LEN];
	for (size_t n = 0; n < len; n++) {
		if (n < MOAT_TICKET_MIN_LEN)
			EXPECT_ERR(moat_ticket_name(ticket, n, got), MOAT_ERR_BAD_RECORD_MAC);
		EXPECT_ERR(moat_ticket_open(name, secret, ticket, n, back, sizeof(back), &out),
			   MOAT_ERR_BAD_RECORD_MAC);
	}
	ticket[len] = 0;
	EXPECT_ERR(moat_ticket_open(name, secret, ticket, len + 1, back, sizeof(back), &out),
		   MOAT_ERR_BAD_RECORD_MAC);
	/* Longer than any ticket we make: refused before the name is read. */
	EXPECT_ERR(moat_ticket_name(ticket, MOAT_TICKET_MAX_LEN + 1, got), MOAT_ERR_BAD_RECORD_MAC);
}

ATF_TC_WITHOUT_HEAD(wrong_key);
ATF_TC_BODY(wrong_key, tc)
{
	setup();
	size_t len = seal(48), out = 0;
	uint8_t other[MOAT_TICKET_SECRET_LEN];
	memcpy(other, secret, sizeof(other));
	other[31] ^= 0x80;
	EXPECT_ERR(moat_ticket_open(name, other, ticket, len, back, sizeof(back), &out), MOAT_ERR_BAD_RECORD_MAC);
	/* A key looked up under another name is the caller's mistake. */
	uint8_t other_name[MOAT_TICKET_NAME_LEN] = { 0 };
	EXPECT_ERR(moat_ticket_open(other_name, secret, ticket, len, back, sizeof(back), &out), MOAT_ERR_INVALID_ARG);
}

ATF_TC_WITHOUT_HEAD(limits);
ATF_TC_BODY(limits, tc)
{
	setup();
	size_t len = 0;
	EXPECT_ERR(moat_ticket_seal(name, secret, pt, 0, ticket, sizeof(ticket), &len), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ticket_seal(name, secret, pt, MOAT_TICKET_PLAINTEXT_MAX + 1, ticket, sizeof(ticket), &len),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ticket_seal(name, secret, pt, 10, ticket, 10 + MOAT_TICKET_OVERHEAD - 1, &len),
		   MOAT_ERR_BUF_FULL);
	len = seal(10);
	size_t out = 0;
	EXPECT_ERR(moat_ticket_open(name, secret, ticket, len, back, 9, &out), MOAT_ERR_BUF_FULL);
}

/* A prepared key and the one-shot calls make the same format: each opens the other's tickets. */
ATF_TC_WITHOUT_HEAD(prepared_key_round_trip);
ATF_TC_BODY(prepared_key_round_trip, tc)
{
	setup();
	struct moat_ticket_key k;
	EXPECT_OK(moat_ticket_key_init(&k, name, secret));
	static const size_t sizes[] = { 1, 16, 17, 200, MOAT_TICKET_PLAINTEXT_MAX };
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			size_t len = 0, out = 0;
			EXPECT_OK(moat_ticket_key_seal(&k, pt, sizes[i], ticket, sizeof(ticket), &len));
			ATF_REQUIRE_EQ(len, sizes[i] + MOAT_TICKET_OVERHEAD);
			ATF_REQUIRE(memcmp(ticket, name, sizeof(name)) == 0);
			EXPECT_OK(moat_ticket_open(name, secret, ticket, len, back, sizeof(back), &out));
			ATF_REQUIRE_EQ(out, sizes[i]);
			ATF_REQUIRE(memcmp(back, pt, out) == 0);
			len = seal(sizes[i]);
			memset(back, 0, sizeof(back));
			EXPECT_OK(moat_ticket_key_open(&k, ticket, len, back, sizeof(back), &out));
			ATF_REQUIRE_EQ(out, sizes[i]);
			ATF_REQUIRE(memcmp(back, pt, out) == 0);
		}
	}
	moat_ticket_key_free(&k);
}

/* Every byte flipped fails on the prepared key, and the key opens the intact ticket afterwards. */
ATF_TC_WITHOUT_HEAD(prepared_key_after_forgery);
ATF_TC_BODY(prepared_key_after_forgery, tc)
{
	setup();
	struct moat_ticket_key k;
	EXPECT_OK(moat_ticket_key_init(&k, name, secret));
	size_t len = 0, out = 99;
	EXPECT_OK(moat_ticket_key_seal(&k, pt, 64, ticket, sizeof(ticket), &len));
	for (size_t i = 0; i < len; i++) {
		ticket[i] ^= 0x01;
		memset(back, 0x55, sizeof(back));
		/* A flipped name is another key's ticket: the caller's lookup mistake, not a forgery. */
		EXPECT_ERR(moat_ticket_key_open(&k, ticket, len, back, sizeof(back), &out),
			   i < MOAT_TICKET_NAME_LEN ? MOAT_ERR_INVALID_ARG : MOAT_ERR_BAD_RECORD_MAC);
		if (i >= MOAT_TICKET_NAME_LEN)
			ATF_REQUIRE_MSG(all_zero(back, 64), "plaintext left behind after byte %zu", i);
		ticket[i] ^= 0x01;
		EXPECT_OK(moat_ticket_key_open(&k, ticket, len, back, sizeof(back), &out));
		ATF_REQUIRE_EQ(out, 64);
		ATF_REQUIRE(memcmp(back, pt, 64) == 0);
	}
	for (size_t n = 0; n < len; n++)
		EXPECT_ERR(moat_ticket_key_open(&k, ticket, n, back, sizeof(back), &out), MOAT_ERR_BAD_RECORD_MAC);
	EXPECT_ERR(moat_ticket_key_seal(&k, pt, 0, ticket, sizeof(ticket), &len), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ticket_key_seal(&k, pt, 10, ticket, 10 + MOAT_TICKET_OVERHEAD - 1, &len), MOAT_ERR_BUF_FULL);
	moat_ticket_key_free(&k);
}

/* Another secret under the same name does not open; freeing wipes the key and may be repeated. */
ATF_TC_WITHOUT_HEAD(prepared_key_wrong_secret_and_free);
ATF_TC_BODY(prepared_key_wrong_secret_and_free, tc)
{
	setup();
	uint8_t other[MOAT_TICKET_SECRET_LEN];
	memcpy(other, secret, sizeof(other));
	other[0] ^= 0x01;
	struct moat_ticket_key k;
	EXPECT_OK(moat_ticket_key_init(&k, name, other));
	size_t len = seal(48), out = 0;
	EXPECT_ERR(moat_ticket_key_open(&k, ticket, len, back, sizeof(back), &out), MOAT_ERR_BAD_RECORD_MAC);
	moat_ticket_key_free(&k);
	ATF_REQUIRE(all_zero((const uint8_t *)&k, sizeof(k)));
	moat_ticket_key_free(&k);
}

/* Seals under a prepared key over several batches of nonces: no nonce comes twice. */
ATF_TC_WITHOUT_HEAD(prepared_key_nonces_never_repeat);
ATF_TC_BODY(prepared_key_nonces_never_repeat, tc)
{
	setup();
	enum { N = 5 * MOAT_TICKET_NONCE_BATCH + 3 };
	static uint8_t seen[N][MOAT_TICKET_NONCE_LEN];
	struct moat_ticket_key k;
	EXPECT_OK(moat_ticket_key_init(&k, name, secret));
	for (size_t i = 0; i < N; i++) {
		size_t len = 0, out = 0;
		EXPECT_OK(moat_ticket_key_seal(&k, pt, 8, ticket, sizeof(ticket), &len));
		memcpy(seen[i], ticket + MOAT_TICKET_NAME_LEN, MOAT_TICKET_NONCE_LEN);
		ATF_REQUIRE(!all_zero(seen[i], MOAT_TICKET_NONCE_LEN));
		for (size_t j = 0; j < i; j++)
			ATF_REQUIRE_MSG(memcmp(seen[i], seen[j], MOAT_TICKET_NONCE_LEN) != 0, "seal %zu reused %zu's nonce",
					i, j);
		EXPECT_OK(moat_ticket_open(name, secret, ticket, len, back, sizeof(back), &out));
	}
	moat_ticket_key_free(&k);
}

/*
 * A key whose batch was drawn before a fork: the child's next seal and the
 * parent's must not share a nonce (they would if the child used the batch
 * it inherited).
 */
ATF_TC_WITHOUT_HEAD(prepared_key_nonces_after_fork);
ATF_TC_BODY(prepared_key_nonces_after_fork, tc)
{
	setup();
	struct moat_ticket_key k;
	EXPECT_OK(moat_ticket_key_init(&k, name, secret));
	size_t len = 0;
	EXPECT_OK(moat_ticket_key_seal(&k, pt, 8, ticket, sizeof(ticket), &len));
	int fds[2];
	ATF_REQUIRE(pipe(fds) == 0);
	pid_t pid = fork();
	ATF_REQUIRE(pid >= 0);
	if (pid == 0) {
		size_t n = 0;
		int ok = moat_ticket_key_seal(&k, pt, 8, ticket, sizeof(ticket), &n) == MOAT_SUCCESS &&
			 write(fds[1], ticket + MOAT_TICKET_NAME_LEN, MOAT_TICKET_NONCE_LEN) == MOAT_TICKET_NONCE_LEN;
		_exit(ok ? 0 : 1);
	}
	close(fds[1]);
	uint8_t child[MOAT_TICKET_NONCE_LEN];
	ATF_REQUIRE_EQ(read(fds[0], child, sizeof(child)), (ssize_t)sizeof(child));
	close(fds[0]);
	int status = 0;
	ATF_REQUIRE_EQ(waitpid(pid, &status, 0), pid);
	ATF_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_OK(moat_ticket_key_seal(&k, pt, 8, ticket, sizeof(ticket), &len));
	ATF_REQUIRE_MSG(memcmp(child, ticket + MOAT_TICKET_NAME_LEN, MOAT_TICKET_NONCE_LEN) != 0,
			"parent and child sealed with the same nonce after a fork");
	moat_ticket_key_free(&k);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, round_trip);
	ATF_TP_ADD_TC(tp, format);
	ATF_TP_ADD_TC(tp, fresh_nonces);
	ATF_TP_ADD_TC(tp, tamper_each_byte);
	ATF_TP_ADD_TC(tp, truncated_and_extended);
	ATF_TP_ADD_TC(tp, wrong_key);
	ATF_TP_ADD_TC(tp, limits);
	ATF_TP_ADD_TC(tp, prepared_key_round_trip);
	ATF_TP_ADD_TC(tp, prepared_key_after_forgery);
	ATF_TP_ADD_TC(tp, prepared_key_wrong_secret_and_free);
	ATF_TP_ADD_TC(tp, prepared_key_nonces_never_repeat);
	ATF_TP_ADD_TC(tp, prepared_key_nonces_after_fork);
	return atf_no_error();
}
