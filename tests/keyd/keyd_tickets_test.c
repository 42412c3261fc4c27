/*
 * keyd's ticket-key store (keyd/ticket_keys.h) on a fake clock: the
 * generated keys' schedule (a new key at half the encrypt-decrypt
 * lifetime, decrypt-only after, wiped at expiry), rotation, imported keys
 * (pending, taking over, keyd no longer generating, two stores with the
 * same key opening each other's tickets), removal, the per-key seal limit,
 * tickets off, and the only answers a bad ticket gets (unknown key, bad
 * ticket).
 */
#include <string.h>

#include "keyd/ticket_keyfile.h"
#include "keyd/ticket_keys.h"
#include "tests/moat_test.h"

#define T0 UINT64_C(1700000000)
#define ENC KEYD_TICKET_DEFAULT_ENCRYPT_S
#define DEC KEYD_TICKET_DEFAULT_DECRYPT_S

static uint8_t state[100];
static uint8_t back[MOAT_TICKET_MAX_LEN];

static void setup(struct keyd_tickets *t)
{
	for (size_t i = 0; i < sizeof(state); i++)
		state[i] = (uint8_t)(i + 1);
	EXPECT_OK(keyd_tickets_init(t, true, ENC, DEC));
}

static size_t seal_at(struct keyd_tickets *t, uint64_t now, uint8_t *out)
{
	size_t len = 0;
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	EXPECT_OK(keyd_tickets_seal(t, now, state, sizeof(state), out, MOAT_TICKET_MAX_LEN, &len, &st));
	ATF_REQUIRE_EQ(st, MOAT_IPC_OK);
	ATF_REQUIRE_EQ(len, sizeof(state) + MOAT_TICKET_OVERHEAD);
	return len;
}

/* Open and expect the state back; returns the re-issue flag. */
static bool open_ok(struct keyd_tickets *t, uint64_t now, const uint8_t *tk, size_t len)
{
	size_t out = 0;
	bool reissue = true;
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	EXPECT_OK(keyd_tickets_open(t, now, tk, len, back, sizeof(back), &out, &reissue, &st));
	ATF_REQUIRE_EQ(st, MOAT_IPC_OK);
	ATF_REQUIRE_EQ(out, sizeof(state));
	ATF_REQUIRE(memcmp(back, state, out) == 0);
	return reissue;
}

static moat_ipc_status open_fails(struct keyd_tickets *t, uint64_t now, const uint8_t *tk, size_t len)
{
	size_t out = 0;
	bool reissue = false;
	moat_ipc_status st = MOAT_IPC_OK;
	EXPECT_ERR(keyd_tickets_open(t, now, tk, len, back, sizeof(back), &out, &reissue, &st),
		   MOAT_ERR_IPC_BAD_MESSAGE);
	return st;
}

static size_t list(struct keyd_tickets *t, uint64_t now, uint8_t *mode, struct moat_ipc_ticket_key_info *info)
{
	size_t n = 99;
	keyd_tickets_list(t, now, mode, info, &n);
	return n;
}

ATF_TC_WITHOUT_HEAD(generated_schedule);
ATF_TC_BODY(generated_schedule, tc)
{
	struct keyd_tickets t;
	struct moat_ipc_ticket_key_info info[KEYD_TICKET_MAX_KEYS];
	uint8_t mode;
	uint8_t a[MOAT_TICKET_MAX_LEN], b[MOAT_TICKET_MAX_LEN];
	setup(&t);

	ATF_REQUIRE_EQ(keyd_tickets_next_change(&t, T0), T0); /* no key yet: make one now */
	EXPECT_OK(keyd_tickets_tick(&t, T0));
	ATF_REQUIRE_EQ(list(&t, T0, &mode, info), 1);
	ATF_REQUIRE_EQ(mode, MOAT_IPC_TICKETS_GENERATING);
	ATF_REQUIRE_EQ(info[0].state, MOAT_IPC_TICKET_ENCRYPT);
	ATF_REQUIRE_EQ(info[0].origin, MOAT_IPC_TICKET_GENERATED);
	ATF_REQUIRE_EQ(info[0].intro, T0);
	ATF_REQUIRE_EQ(info[0].encrypt_until, T0 + ENC);
	ATF_REQUIRE_EQ(info[0].expires, T0 + ENC + DEC);
	ATF_REQUIRE_EQ(keyd_tickets_next_change(&t, T0), T0 + ENC / 2);

	size_t alen = seal_at(&t, T0 + 10, a);
	ATF_REQUIRE(memcmp(a, info[0].name, MOAT_TICKET_NAME_LEN) == 0);
	ATF_REQUIRE(!open_ok(&t, T0 + 20, a, alen));

	/* Half way through: a second key takes over; the first only opens, and asks for a re-issue. */
	EXPECT_OK(keyd_tickets_tick(&t, T0 + ENC / 2 - 1));
	ATF_REQUIRE_EQ(t.count, 1);
	size_t blen = seal_at(&t, T0 + ENC / 2, b);
	ATF_REQUIRE_EQ(t.count, 2);
	ATF_REQUIRE(memcmp(a, b, MOAT_TICKET_NAME_LEN) != 0);
	ATF_REQUIRE(open_ok(&t, T0 + ENC / 2, a, alen));
	ATF_REQUIRE(!open_ok(&t, T0 + ENC / 2, b, blen));
	ATF_REQUIRE_EQ(list(&t, T0 + ENC / 2, &mode, info), 2);
	ATF_REQUIRE_EQ(info[0].state, MOAT_IPC_TICKET_DECRYPT_ONLY);
	ATF_REQUIRE_EQ(info[0].seals, 1);
	ATF_REQUIRE_EQ(info[0].opens, 2);
	ATF_REQUIRE_EQ(info[1].state, MOAT_IPC_TICKET_ENCRYPT);

	/* The first key opens until its decrypt-only lifetime ends, then it is wiped. */
	uint64_t end = T0 + ENC + DEC;
	ATF_REQUIRE(open_ok(&t, end - 1, a, alen));
	ATF_REQUIRE_EQ(open_fails(&t, end, a, alen), MOAT_IPC_UNKNOWN_KEY);
	for (size_t i = 0; i < t.count; i++)
		ATF_REQUIRE(memcmp(t.keys[i].name, a, MOAT_TICKET_NAME_LEN) != 0);
	/* Keys kept being made on the way: one seals now. */
	seal_at(&t, end, b);
	keyd_tickets_free(&t);
	ATF_REQUIRE_EQ(t.count, 0);
}

ATF_TC_WITHOUT_HEAD(rotate);
ATF_TC_BODY(rotate, tc)
{
	struct keyd_tickets t;
	struct moat_ipc_ticket_key_info info[KEYD_TICKET_MAX_KEYS];
	uint8_t mode, name[MOAT_TICKET_NAME_LEN];
	uint8_t a[MOAT_TICKET_MAX_LEN], b[MOAT_TICKET_MAX_LEN];
	moat_ipc_status st;
	setup(&t);

	size_t alen = seal_at(&t, T0, a);
	EXPECT_OK(keyd_tickets_rotate(&t, T0 + 5, name, &st));
	ATF_REQUIRE_EQ(st, MOAT_IPC_OK);
	ATF_REQUIRE_EQ(list(&t, T0 + 5, &mode, info), 2);
	ATF_REQUIRE_EQ(info[0].state, MOAT_IPC_TICKET_DECRYPT_ONLY);
	ATF_REQUIRE_EQ(info[0].encrypt_until, T0 + 5);
	ATF_REQUIRE_EQ(info[0].expires, T0 + ENC + DEC); /* its tickets open as long as before */
	ATF_REQUIRE_EQ(info[1].state, MOAT_IPC_TICKET_ENCRYPT);
	ATF_REQUIRE(memcmp(info[1].name, name, sizeof(name)) == 0);
	/* A ticket of the old key resumes and is re-issued under the new one. */
	ATF_REQUIRE(open_ok(&t, T0 + 6, a, alen));
	size_t blen = seal_at(&t, T0 + 6, b);
	ATF_REQUIRE(memcmp(b, name, sizeof(name)) == 0);
	ATF_REQUIRE(!open_ok(&t, T0 + 6, b, blen));
	/* Twice in the same second: the later key wins. */
	uint8_t name2[MOAT_TICKET_NAME_LEN];
	EXPECT_OK(keyd_tickets_rotate(&t, T0 + 6, name2, &st));
	seal_at(&t, T0 + 6, b);
	ATF_REQUIRE(memcmp(b, name2, sizeof(name2)) == 0);
	keyd_tickets_free(&t);
}

static const uint8_t fleet_name[MOAT_TICKET_NAME_LEN] = { 0xf1, 0xee, 0x70, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
static const uint8_t fleet_secret[MOAT_TICKET_SECRET_LEN] = { 0x42, 0x43, 0x44 };

ATF_TC_WITHOUT_HEAD(imported_keys);
ATF_TC_BODY(imported_keys, tc)
{
	struct keyd_tickets h1, h2;
	struct moat_ipc_ticket_key_info info[KEYD_TICKET_MAX_KEYS];
	uint8_t mode, name[MOAT_TICKET_NAME_LEN];
	uint8_t a[MOAT_TICKET_MAX_LEN], b[MOAT_TICKET_MAX_LEN];
	moat_ipc_status st;
	setup(&h1);
	setup(&h2);

	size_t glen = seal_at(&h1, T0, a); /* h1's own key */
	/* The fleet key, introduced in 100 s on both hosts. */
	EXPECT_OK(keyd_tickets_add(&h1, T0 + 1, fleet_name, fleet_secret, T0 + 100, 0, 0, &st));
	ATF_REQUIRE_EQ(st, MOAT_IPC_OK);
	EXPECT_OK(keyd_tickets_add(&h2, T0 + 1, fleet_name, fleet_secret, T0 + 100, 600, 60, &st));
	ATF_REQUIRE(!keyd_tickets_generating(&h1));
	ATF_REQUIRE_EQ(list(&h1, T0 + 1, &mode, info), 2);
	ATF_REQUIRE_EQ(mode, MOAT_IPC_TICKETS_IMPORTED);
	ATF_REQUIRE_EQ(info[0].state, MOAT_IPC_TICKET_ENCRYPT); /* the generated key seals until the intro */
	ATF_REQUIRE_EQ(info[1].state, MOAT_IPC_TICKET_PENDING);
	ATF_REQUIRE_EQ(info[1].origin, MOAT_IPC_TICKET_IMPORTED);
	ATF_REQUIRE_EQ(info[1].encrypt_until, T0 + 100 + ENC); /* lifetime 0: the configured one */
	/* Rotation is the fleet's business now. */
	EXPECT_ERR(keyd_tickets_rotate(&h1, T0 + 2, name, &st), MOAT_ERR_IPC_BAD_MESSAGE);
	ATF_REQUIRE_EQ(st, MOAT_IPC_NOT_PERMITTED);
	/* h2 holds only a pending key: nothing to seal with. */
	size_t len = 0;
	EXPECT_ERR(keyd_tickets_seal(&h2, T0 + 2, state, sizeof(state), b, sizeof(b), &len, &st),
		   MOAT_ERR_IPC_BAD_MESSAGE);
	ATF_REQUIRE_EQ(st, MOAT_IPC_UNKNOWN_KEY);

	/* From the intro on both seal under the fleet key and open each other's tickets. */
	size_t alen = seal_at(&h1, T0 + 100, a);
	ATF_REQUIRE(memcmp(a, fleet_name, sizeof(fleet_name)) == 0);
	ATF_REQUIRE(!open_ok(&h2, T0 + 101, a, alen));
	size_t blen = seal_at(&h2, T0 + 101, b);
	ATF_REQUIRE(!open_ok(&h1, T0 + 102, b, blen));
	/* A pending key opens already (hosts whose clocks differ). */
	ATF_REQUIRE(open_ok(&h1, T0 + 99, b, blen)); /* pending there: opens, re-issued under the key that seals */
	/* No generated key is made while an imported key is held, however long. */
	EXPECT_OK(keyd_tickets_tick(&h1, T0 + 100 + ENC - 1));
	ATF_REQUIRE_EQ(h1.count, 2);
	/* h2's key: 600 s to seal, then 60 s to open, then gone; with it gone h2 makes its own again. */
	ATF_REQUIRE(open_ok(&h2, T0 + 100 + 600, b, blen)); /* decrypt-only: re-issue */
	ATF_REQUIRE_EQ(open_fails(&h2, T0 + 100 + 660, b, blen), MOAT_IPC_UNKNOWN_KEY);
	ATF_REQUIRE(keyd_tickets_generating(&h2));
	ATF_REQUIRE_EQ(h2.count, 1);
	ATF_REQUIRE(!h2.keys[0].imported);
	(void)glen;

	/* Refusals: a name held already, a key expired already, a full store. */
	EXPECT_ERR(keyd_tickets_add(&h1, T0 + 200, fleet_name, fleet_secret, 0, 0, 0, &st), MOAT_ERR_IPC_BAD_MESSAGE);
	ATF_REQUIRE_EQ(st, MOAT_IPC_BAD_INPUT);
	uint8_t other[MOAT_TICKET_NAME_LEN] = { 9 };
	EXPECT_ERR(keyd_tickets_add(&h1, T0 + 200, other, fleet_secret, T0 + 100, 50, 50, &st),
		   MOAT_ERR_IPC_BAD_MESSAGE);
	ATF_REQUIRE_EQ(st, MOAT_IPC_BAD_INPUT);
	while (h1.count < KEYD_TICKET_MAX_KEYS) {
		other[1]++;
		EXPECT_OK(keyd_tickets_add(&h1, T0 + 200, other, fleet_secret, 0, 0, 0, &st));
	}
	other[1]++;
	EXPECT_ERR(keyd_tickets_add(&h1, T0 + 200, other, fleet_secret, 0, 0, 0, &st), MOAT_ERR_IPC_BAD_MESSAGE);
	ATF_REQUIRE_EQ(st, MOAT_IPC_TOO_LARGE);
	keyd_tickets_free(&h1);
	keyd_tickets_free(&h2);
}

ATF_TC_WITHOUT_HEAD(remove_keys);
ATF_TC_BODY(remove_keys, tc)
{
	struct keyd_tickets t;
	uint8_t a[MOAT_TICKET_MAX_LEN];
	moat_ipc_status st;
	setup(&t);

	EXPECT_OK(keyd_tickets_add(&t, T0, fleet_name, fleet_secret, 0, 0, 0, &st));
	size_t alen = seal_at(&t, T0, a);
	ATF_REQUIRE_EQ(t.count, 1); /* imported before any was made: keyd made none */
	uint8_t other[MOAT_TICKET_NAME_LEN] = { 1 };
	EXPECT_ERR(keyd_tickets_remove(&t, T0, other, &st), MOAT_ERR_IPC_BAD_MESSAGE);
	ATF_REQUIRE_EQ(st, MOAT_IPC_UNKNOWN_KEY);
	/* The secret sits in the store's locked block and is wiped with the key. */
	const uint8_t *slot = t.keys[0].secret;
	ATF_REQUIRE(slot >= t.secrets && slot < t.secrets + KEYD_TICKET_MAX_KEYS * MOAT_TICKET_SECRET_LEN);
	ATF_REQUIRE(memcmp(slot, fleet_secret, MOAT_TICKET_SECRET_LEN) == 0);
	EXPECT_OK(keyd_tickets_remove(&t, T0 + 1, fleet_name, &st));
	ATF_REQUIRE(memcmp(slot, fleet_secret, MOAT_TICKET_SECRET_LEN) != 0);
	ATF_REQUIRE_EQ(open_fails(&t, T0 + 1, a, alen), MOAT_IPC_UNKNOWN_KEY);
	/* The last imported key gone: keyd makes its own at once. */
	ATF_REQUIRE(keyd_tickets_generating(&t));
	ATF_REQUIRE_EQ(t.count, 1);
	ATF_REQUIRE(!t.keys[0].imported);
	keyd_tickets_free(&t);
}

ATF_TC_WITHOUT_HEAD(seal_limit);
ATF_TC_BODY(seal_limit, tc)
{
	struct keyd_tickets t;
	struct moat_ipc_ticket_key_info info[KEYD_TICKET_MAX_KEYS];
	uint8_t mode, a[MOAT_TICKET_MAX_LEN];
	moat_ipc_status st;
	setup(&t);

	seal_at(&t, T0, a);
	t.keys[0].seals = MOAT_TICKET_SEAL_LIMIT - 1;
	seal_at(&t, T0 + 1, a);
	ATF_REQUIRE_EQ(t.count, 1);
	/* The limit reached: the key only opens, and keyd makes the next one. */
	seal_at(&t, T0 + 2, a);
	ATF_REQUIRE_EQ(list(&t, T0 + 2, &mode, info), 2);
	ATF_REQUIRE_EQ(info[0].state, MOAT_IPC_TICKET_DECRYPT_ONLY);
	ATF_REQUIRE_EQ(info[0].seals, MOAT_TICKET_SEAL_LIMIT);
	ATF_REQUIRE_EQ(info[1].seals, 1);
	keyd_tickets_free(&t);

	/* An imported key at the limit is not replaced: sealing stops. */
	setup(&t);
	EXPECT_OK(keyd_tickets_add(&t, T0, fleet_name, fleet_secret, 0, 0, 0, &st));
	t.keys[0].seals = MOAT_TICKET_SEAL_LIMIT;
	size_t len = 0;
	EXPECT_ERR(keyd_tickets_seal(&t, T0 + 1, state, sizeof(state), a, sizeof(a), &len, &st),
		   MOAT_ERR_IPC_BAD_MESSAGE);
	ATF_REQUIRE_EQ(st, MOAT_IPC_UNKNOWN_KEY);
	keyd_tickets_free(&t);
}

ATF_TC_WITHOUT_HEAD(bad_tickets);
ATF_TC_BODY(bad_tickets, tc)
{
	struct keyd_tickets t;
	uint8_t a[MOAT_TICKET_MAX_LEN];
	setup(&t);
	size_t alen = seal_at(&t, T0, a);
	for (size_t i = MOAT_TICKET_NAME_LEN; i < alen; i++) {
		a[i] ^= 0x80;
		ATF_REQUIRE_EQ(open_fails(&t, T0, a, alen), MOAT_IPC_BAD_TICKET);
		a[i] ^= 0x80;
	}
	a[0] ^= 1;
	ATF_REQUIRE_EQ(open_fails(&t, T0, a, alen), MOAT_IPC_UNKNOWN_KEY);
	a[0] ^= 1;
	ATF_REQUIRE_EQ(open_fails(&t, T0, a, alen - 1), MOAT_IPC_BAD_TICKET);
	ATF_REQUIRE_EQ(open_fails(&t, T0, a, MOAT_TICKET_MIN_LEN - 1), MOAT_IPC_UNKNOWN_KEY);
	ATF_REQUIRE_EQ(t.keys[0].opens, 0);
	ATF_REQUIRE(!open_ok(&t, T0, a, alen));
	keyd_tickets_free(&t);
}

ATF_TC_WITHOUT_HEAD(tickets_off);
ATF_TC_BODY(tickets_off, tc)
{
	struct keyd_tickets t;
	struct moat_ipc_ticket_key_info info[KEYD_TICKET_MAX_KEYS];
	uint8_t mode, name[MOAT_TICKET_NAME_LEN], a[MOAT_TICKET_MAX_LEN];
	size_t len = 0;
	bool reissue;
	moat_ipc_status st;
	EXPECT_OK(keyd_tickets_init(&t, false, ENC, DEC));
	EXPECT_OK(keyd_tickets_tick(&t, T0));
	ATF_REQUIRE_EQ(t.count, 0);
	ATF_REQUIRE_EQ(keyd_tickets_next_change(&t, T0), UINT64_MAX);
	EXPECT_ERR(keyd_tickets_seal(&t, T0, state, 10, a, sizeof(a), &len, &st), MOAT_ERR_IPC_BAD_MESSAGE);
	ATF_REQUIRE_EQ(st, MOAT_IPC_NOT_PERMITTED);
	EXPECT_ERR(keyd_tickets_open(&t, T0, a, 60, back, sizeof(back), &len, &reissue, &st), MOAT_ERR_IPC_BAD_MESSAGE);
	ATF_REQUIRE_EQ(st, MOAT_IPC_NOT_PERMITTED);
	EXPECT_ERR(keyd_tickets_rotate(&t, T0, name, &st), MOAT_ERR_IPC_BAD_MESSAGE);
	ATF_REQUIRE_EQ(st, MOAT_IPC_NOT_PERMITTED);
	EXPECT_ERR(keyd_tickets_add(&t, T0, fleet_name, fleet_secret, 0, 0, 0, &st), MOAT_ERR_IPC_BAD_MESSAGE);
	ATF_REQUIRE_EQ(st, MOAT_IPC_NOT_PERMITTED);
	ATF_REQUIRE_EQ(list(&t, T0, &mode, info), 0);
	ATF_REQUIRE_EQ(mode, MOAT_IPC_TICKETS_OFF);
}

#define KF_NAME "00112233445566778899aabbccddeeff"
#define KF_SECRET "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static void keyfile_error(const char *text, const char *want)
{
	struct keyd_ticket_keyfile_entry e[4];
	size_t n = 99;
	char msg[160] = "";
	EXPECT_ERR(keyd_ticket_keyfile_parse(text, strlen(text), e, 4, &n, msg, sizeof(msg)), MOAT_ERR_CONFIG);
	ATF_CHECK_MSG(strcmp(msg, want) == 0, "got \"%s\", wanted \"%s\"", msg, want);
	ATF_REQUIRE(strstr(msg, "0102030405") == NULL); /* never a secret's digits */
	ATF_REQUIRE_EQ(n, 99);
}

ATF_TC_WITHOUT_HEAD(key_file);
ATF_TC_BODY(key_file, tc)
{
	static const char text[] = "# fleet keys\n"
				   "\n"
				   "  " KF_NAME " " KF_SECRET " 1700000000\n"
				   "FFEEDDCCBBAA99887766554433221100\t" KF_SECRET " 0 2h 13h\r\n"
				   "ffeeddccbbaa99887766554433221101 " KF_SECRET " 5 90 1d";
	struct keyd_ticket_keyfile_entry e[4];
	size_t n = 0;
	char msg[160] = "";
	EXPECT_OK(keyd_ticket_keyfile_parse(text, strlen(text), e, 4, &n, msg, sizeof(msg)));
	ATF_REQUIRE_EQ(n, 3);
	ATF_REQUIRE_EQ(e[0].name[0], 0x00);
	ATF_REQUIRE_EQ(e[0].name[15], 0xff);
	ATF_REQUIRE_EQ(e[0].secret[31], 0x1f);
	ATF_REQUIRE_EQ(e[0].intro, 1700000000);
	ATF_REQUIRE_EQ(e[0].encrypt_lifetime, 0);
	ATF_REQUIRE_EQ(e[0].line, 3);
	ATF_REQUIRE_EQ(e[1].name[0], 0xff);
	ATF_REQUIRE_EQ(e[1].encrypt_lifetime, 7200);
	ATF_REQUIRE_EQ(e[1].decrypt_lifetime, 46800);
	ATF_REQUIRE_EQ(e[2].encrypt_lifetime, 90);
	ATF_REQUIRE_EQ(e[2].decrypt_lifetime, 86400);
	ATF_REQUIRE_EQ(e[2].line, 5);

	keyfile_error("# nothing\n", "line 1: no key in the file");
	keyfile_error(KF_NAME " " KF_SECRET "\n", "line 1: a key needs a name, a secret and an intro time");
	keyfile_error("0011 " KF_SECRET " 0\n", "line 1: the name must be 32 hex digits");
	keyfile_error(KF_NAME " 0102030405 0\n", "line 1: the secret must be 64 hex digits");
	keyfile_error(KF_NAME " " KF_SECRET " soon\n", "line 1: the intro time must be a Unix time in seconds (0: now)");
	keyfile_error(KF_NAME " " KF_SECRET " 0 31d\n",
		      "line 1: the encrypt lifetime must be seconds (or with s, m, h, d) up to 30 days");
	keyfile_error(KF_NAME " " KF_SECRET " 0 1h 2w\n",
		      "line 1: the decrypt lifetime must be seconds (or with s, m, h, d) up to 30 days");
	keyfile_error(KF_NAME " " KF_SECRET " 0 1 2 3\n", "line 1: more than 5 fields");
	keyfile_error(KF_NAME " " KF_SECRET " 0\n\n" KF_NAME " " KF_SECRET " 0\n", "line 3: the name of line 1 again");
	keyfile_error("ffeeddccbbaa99887766554433221100 " KF_SECRET " 0\nffeeddccbbaa99887766554433221101 " KF_SECRET
		      " 0\nffeeddccbbaa99887766554433221102 " KF_SECRET " 0\nffeeddccbbaa99887766554433221103 " KF_SECRET
		      " 0\nffeeddccbbaa99887766554433221104 " KF_SECRET " 0\n",
		      "line 5: more than 4 keys");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, key_file);
	ATF_TP_ADD_TC(tp, generated_schedule);
	ATF_TP_ADD_TC(tp, rotate);
	ATF_TP_ADD_TC(tp, imported_keys);
	ATF_TP_ADD_TC(tp, remove_keys);
	ATF_TP_ADD_TC(tp, seal_limit);
	ATF_TP_ADD_TC(tp, bad_tickets);
	ATF_TP_ADD_TC(tp, tickets_off);
	return atf_no_error();
}
