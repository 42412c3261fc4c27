/*
 * The ticket-key store (see ticket_keys.h for the life of a key and who
 * makes keys). A small array, walked in full by every operation: it holds
 * at most KEYD_TICKET_MAX_KEYS keys, and a walk of 32 names costs less
 * than the AES-GCM operation that follows it. Each key carries its cipher
 * contexts, set up when it arrives (ticket_keys.h).
 */
#include "keyd/ticket_keys.h"

#include <string.h>

#include "common/log.h"
#include "common/secmem.h"
#include "keyd/names.h"
#include "tls/crypto/util.h"

/* Raise the refusal the daemon answers with: MOAT_ERR_IPC_BAD_MESSAGE and its status. */
static int refuse(moat_ipc_status *st, moat_ipc_status s)
{
	if (st != NULL)
		*st = s;
	BAIL(MOAT_ERR_IPC_BAD_MESSAGE);
}

static int done(moat_ipc_status *st)
{
	if (st != NULL)
		*st = MOAT_IPC_OK;
	return MOAT_SUCCESS;
}

static const char *hex_name(const uint8_t name[MOAT_TICKET_NAME_LEN], char out[2 * MOAT_TICKET_NAME_LEN + 1])
{
	keyd_hex(out, name, MOAT_TICKET_NAME_LEN);
	return out;
}

int keyd_tickets_init(struct keyd_tickets *t, bool enabled, uint32_t encrypt_lifetime, uint32_t decrypt_lifetime)
{
	memset(t, 0, sizeof(*t));
	t->enabled = enabled;
	t->encrypt_lifetime = encrypt_lifetime > 0 ? encrypt_lifetime : 1;
	t->decrypt_lifetime = decrypt_lifetime;
	if (!enabled)
		return MOAT_SUCCESS;
	void *mem = NULL;
	TRY(moat_secmem_alloc(KEYD_TICKET_MAX_KEYS * MOAT_TICKET_SECRET_LEN, &mem));
	t->secrets = mem;
	return MOAT_SUCCESS;
}

static void wipe_at(struct keyd_tickets *t, size_t i)
{
	size_t slot = (size_t)(t->keys[i].secret - t->secrets) / MOAT_TICKET_SECRET_LEN;
	moat_ticket_key_free(&t->keys[i].ctx);
	moat_wipe(t->keys[i].secret, MOAT_TICKET_SECRET_LEN);
	t->slot_used[slot] = false;
	memmove(&t->keys[i], &t->keys[i + 1], (t->count - i - 1) * sizeof(t->keys[0]));
	t->count--;
	memset(&t->keys[t->count], 0, sizeof(t->keys[0]));
}

void keyd_tickets_free(struct keyd_tickets *t)
{
	while (t->count > 0)
		wipe_at(t, t->count - 1);
	moat_secmem_free(t->secrets);
	t->secrets = NULL;
}

bool keyd_tickets_generating(const struct keyd_tickets *t)
{
	for (size_t i = 0; i < t->count; i++)
		if (t->keys[i].imported)
			return false;
	return t->enabled;
}

static bool may_seal(const struct keyd_ticket_key *k, uint64_t now)
{
	return k->intro <= now && now < k->encrypt_until && k->seals < MOAT_TICKET_SEAL_LIMIT;
}

/* The key SEAL uses: imported before generated, then the latest intro, then the last added. */
static struct keyd_ticket_key *current(const struct keyd_tickets *t, uint64_t now)
{
	const struct keyd_ticket_key *best = NULL;
	for (size_t i = 0; i < t->count; i++) {
		const struct keyd_ticket_key *k = &t->keys[i];
		if (!may_seal(k, now))
			continue;
		if (best == NULL || k->imported > best->imported ||
		    (k->imported == best->imported &&
		     (k->intro > best->intro || (k->intro == best->intro && k->added > best->added))))
			best = k;
	}
	return (struct keyd_ticket_key *)best;
}

uint8_t keyd_tickets_state(const struct keyd_tickets *t, const struct keyd_ticket_key *k, uint64_t now)
{
	if (k->intro > now)
		return MOAT_IPC_TICKET_PENDING;
	return k == current(t, now) ? MOAT_IPC_TICKET_ENCRYPT : MOAT_IPC_TICKET_DECRYPT_ONLY;
}

static struct keyd_ticket_key *find(struct keyd_tickets *t, const uint8_t name[MOAT_TICKET_NAME_LEN])
{
	for (size_t i = 0; i < t->count; i++)
		if (memcmp(t->keys[i].name, name, MOAT_TICKET_NAME_LEN) == 0)
			return &t->keys[i];
	return NULL;
}

/* Append a key; the caller checked there is room. secret may be NULL: random. */
static int put_key(struct keyd_tickets *t, const uint8_t name[MOAT_TICKET_NAME_LEN], const uint8_t *secret,
		   uint64_t intro, uint32_t encrypt_lifetime, uint32_t decrypt_lifetime, bool imported,
		   struct keyd_ticket_key **out)
{
	ENSURE(t->count < KEYD_TICKET_MAX_KEYS && t->secrets != NULL, MOAT_ERR_INVALID_STATE);
	size_t slot = 0;
	while (t->slot_used[slot])
		slot++; /* count < KEYD_TICKET_MAX_KEYS: a slot is free */
	uint8_t *mem = t->secrets + slot * MOAT_TICKET_SECRET_LEN;
	struct moat_ticket_key ctx;
	int rc = MOAT_SUCCESS;
	if (secret != NULL)
		memcpy(mem, secret, MOAT_TICKET_SECRET_LEN);
	else
		rc = moat_random_bytes(mem, MOAT_TICKET_SECRET_LEN);
	if (rc == MOAT_SUCCESS)
		rc = moat_ticket_key_init(&ctx, name, mem);
	if (rc != MOAT_SUCCESS) {
		moat_wipe(mem, MOAT_TICKET_SECRET_LEN);
		return rc;
	}
	t->slot_used[slot] = true;
	struct keyd_ticket_key *k = &t->keys[t->count++];
	memset(k, 0, sizeof(*k));
	memcpy(k->name, name, MOAT_TICKET_NAME_LEN);
	k->secret = mem;
	k->ctx = ctx;
	moat_wipe(&ctx, sizeof(ctx));
	k->intro = intro;
	k->encrypt_until = intro + encrypt_lifetime;
	k->expires = k->encrypt_until + decrypt_lifetime;
	k->imported = imported;
	k->added = t->next_added++;
	*out = k;
	return MOAT_SUCCESS;
}

/*
 * A key keyd makes, sealing from now. The store full of keys keyd made (the
 * lifetimes allow more than it holds) gives up the one that expires first:
 * its tickets fall back to full handshakes a little early.
 */
static int make_key(struct keyd_tickets *t, uint64_t now, struct keyd_ticket_key **out)
{
	uint8_t name[MOAT_TICKET_NAME_LEN];
	char hex[2 * MOAT_TICKET_NAME_LEN + 1];
	do
		TRY(moat_random_bytes(name, sizeof(name)));
	while (find(t, name) != NULL);
	if (t->count == KEYD_TICKET_MAX_KEYS) {
		size_t first = 0;
		for (size_t i = 1; i < t->count; i++)
			if (t->keys[i].expires < t->keys[first].expires)
				first = i;
		ENSURE(!t->keys[first].imported, MOAT_ERR_INVALID_STATE);
		moat_log(MOAT_LOG_WARNING, "ticket key %s wiped before its time: the store holds %d keys at most",
			 hex_name(t->keys[first].name, hex), KEYD_TICKET_MAX_KEYS);
		wipe_at(t, first);
	}
	TRY(put_key(t, name, NULL, now, t->encrypt_lifetime, t->decrypt_lifetime, false, out));
	return MOAT_SUCCESS;
}

/* Wipe the expired keys and retire those at the seal limit; true if an imported key went. */
static bool expire(struct keyd_tickets *t, uint64_t now)
{
	char hex[2 * MOAT_TICKET_NAME_LEN + 1];
	bool had_imported = !keyd_tickets_generating(t);
	for (size_t i = t->count; i-- > 0;) {
		if (t->keys[i].expires > now)
			continue;
		moat_log(MOAT_LOG_INFO, "ticket key %s expired and was wiped", hex_name(t->keys[i].name, hex));
		wipe_at(t, i);
	}
	for (size_t i = 0; i < t->count; i++) {
		struct keyd_ticket_key *k = &t->keys[i];
		if (k->seals >= MOAT_TICKET_SEAL_LIMIT && k->encrypt_until > now && k->intro <= now) {
			k->encrypt_until = now;
			moat_log(MOAT_LOG_WARNING, "ticket key %s sealed %llu tickets, the most one key may: it "
						   "only opens tickets from now on", hex_name(k->name, hex),
				 (unsigned long long)k->seals);
		}
	}
	return had_imported && keyd_tickets_generating(t);
}

int keyd_tickets_tick(struct keyd_tickets *t, uint64_t now)
{
	char hex[2 * MOAT_TICKET_NAME_LEN + 1];
	if (!t->enabled)
		return MOAT_SUCCESS;
	if (expire(t, now))
		moat_log(MOAT_LOG_WARNING, "no imported ticket key left: keyd makes its own again");
	if (!keyd_tickets_generating(t))
		return MOAT_SUCCESS;
	const struct keyd_ticket_key *cur = current(t, now);
	/* Half of the encrypt-decrypt lifetime used: the next key takes over (the s2n guide's advice). */
	if (cur != NULL && 2 * (now - cur->intro) < cur->encrypt_until - cur->intro)
		return MOAT_SUCCESS;
	struct keyd_ticket_key *k = NULL;
	TRY(make_key(t, now, &k));
	moat_log(MOAT_LOG_INFO, "ticket key %s made by keyd: seals until %llu, opens until %llu",
		 hex_name(k->name, hex), (unsigned long long)k->encrypt_until, (unsigned long long)k->expires);
	return MOAT_SUCCESS;
}

uint64_t keyd_tickets_next_change(const struct keyd_tickets *t, uint64_t now)
{
	if (!t->enabled)
		return UINT64_MAX;
	uint64_t next = UINT64_MAX;
	bool generating = keyd_tickets_generating(t);
	for (size_t i = 0; i < t->count; i++) {
		const struct keyd_ticket_key *k = &t->keys[i];
		if (k->expires < next)
			next = k->expires;
		if (generating && k->encrypt_until > now && k->encrypt_until < next)
			next = k->encrypt_until;
	}
	const struct keyd_ticket_key *cur = current(t, now);
	if (generating) {
		if (cur == NULL)
			return now;
		uint64_t half = cur->intro + (cur->encrypt_until - cur->intro + 1) / 2;
		if (half < next)
			next = half;
	}
	return next > now ? next : now;
}

int keyd_tickets_seal(struct keyd_tickets *t, uint64_t now, const uint8_t *state, size_t len, uint8_t *out,
		      size_t cap, size_t *out_len, moat_ipc_status *st)
{
	if (!t->enabled)
		return refuse(st, MOAT_IPC_NOT_PERMITTED);
	if (keyd_tickets_tick(t, now) != MOAT_SUCCESS)
		return refuse(st, MOAT_IPC_INTERNAL);
	struct keyd_ticket_key *k = current(t, now);
	if (k == NULL)
		return refuse(st, MOAT_IPC_UNKNOWN_KEY);
	if (moat_ticket_key_seal(&k->ctx, state, len, out, cap, out_len) != MOAT_SUCCESS)
		return refuse(st, MOAT_IPC_INTERNAL);
	k->seals++;
	return done(st);
}

int keyd_tickets_open(struct keyd_tickets *t, uint64_t now, const uint8_t *ticket, size_t len, uint8_t *out,
		      size_t cap, size_t *out_len, bool *reissue, moat_ipc_status *st)
{
	ENSURE_REF(reissue);
	if (!t->enabled)
		return refuse(st, MOAT_IPC_NOT_PERMITTED);
	if (keyd_tickets_tick(t, now) != MOAT_SUCCESS)
		return refuse(st, MOAT_IPC_INTERNAL);
	uint8_t name[MOAT_TICKET_NAME_LEN];
	if (moat_ticket_name(ticket, len, name) != MOAT_SUCCESS)
		return refuse(st, MOAT_IPC_UNKNOWN_KEY); /* too short or too long to be one of ours */
	struct keyd_ticket_key *k = find(t, name);
	if (k == NULL)
		return refuse(st, MOAT_IPC_UNKNOWN_KEY);
	if (moat_ticket_key_open(&k->ctx, ticket, len, out, cap, out_len) != MOAT_SUCCESS)
		return refuse(st, moat_errno == MOAT_ERR_BAD_RECORD_MAC ? MOAT_IPC_BAD_TICKET : MOAT_IPC_INTERNAL);
	k->opens++;
	*reissue = k != current(t, now);
	return done(st);
}

bool keyd_tickets_key_times(const struct keyd_tickets *t, const uint8_t *ticket, size_t len, uint64_t *intro,
			    uint64_t *expires)
{
	uint8_t name[MOAT_TICKET_NAME_LEN];
	if (moat_ticket_name(ticket, len, name) != MOAT_SUCCESS) {
		moat_error_clear();
		return false;
	}
	for (size_t i = 0; i < t->count; i++) {
		if (memcmp(t->keys[i].name, name, sizeof(name)) == 0) {
			*intro = t->keys[i].intro;
			*expires = t->keys[i].expires;
			return true;
		}
	}
	return false;
}

int keyd_tickets_rotate(struct keyd_tickets *t, uint64_t now, uint8_t name[MOAT_TICKET_NAME_LEN],
			moat_ipc_status *st)
{
	ENSURE_REF(name);
	if (!t->enabled)
		return refuse(st, MOAT_IPC_NOT_PERMITTED);
	(void)expire(t, now);
	if (!keyd_tickets_generating(t))
		return refuse(st, MOAT_IPC_NOT_PERMITTED);
	/* Make the key first: on failure nothing has changed. */
	struct keyd_ticket_key *k = NULL;
	if (make_key(t, now, &k) != MOAT_SUCCESS)
		return refuse(st, MOAT_IPC_INTERNAL);
	for (size_t i = 0; i < t->count; i++)
		if (&t->keys[i] != k && may_seal(&t->keys[i], now))
			t->keys[i].encrypt_until = now;
	memcpy(name, k->name, MOAT_TICKET_NAME_LEN);
	return done(st);
}

int keyd_tickets_add(struct keyd_tickets *t, uint64_t now, const uint8_t name[MOAT_TICKET_NAME_LEN],
		     const uint8_t secret[MOAT_TICKET_SECRET_LEN], uint64_t intro, uint32_t encrypt_lifetime,
		     uint32_t decrypt_lifetime, moat_ipc_status *st)
{
	ENSURE_REF(name);
	ENSURE_REF(secret);
	if (!t->enabled)
		return refuse(st, MOAT_IPC_NOT_PERMITTED);
	/* Room for the key, but no key made for the moment before it arrives. */
	(void)expire(t, now);
	if (intro == 0)
		intro = now;
	if (encrypt_lifetime == 0)
		encrypt_lifetime = t->encrypt_lifetime;
	if (decrypt_lifetime == 0)
		decrypt_lifetime = t->decrypt_lifetime;
	/* Far-future intro times would overflow the sums below; no fleet plans a key 100 years ahead. */
	if (intro > now + 100ull * 365 * 24 * 3600 || find(t, name) != NULL ||
	    intro + encrypt_lifetime + decrypt_lifetime <= now)
		return refuse(st, MOAT_IPC_BAD_INPUT);
	if (t->count == KEYD_TICKET_MAX_KEYS)
		return refuse(st, MOAT_IPC_TOO_LARGE);
	struct keyd_ticket_key *k = NULL;
	if (put_key(t, name, secret, intro, encrypt_lifetime, decrypt_lifetime, true, &k) != MOAT_SUCCESS)
		return refuse(st, MOAT_IPC_INTERNAL);
	return done(st);
}

int keyd_tickets_remove(struct keyd_tickets *t, uint64_t now, const uint8_t name[MOAT_TICKET_NAME_LEN],
			moat_ipc_status *st)
{
	ENSURE_REF(name);
	if (!t->enabled)
		return refuse(st, MOAT_IPC_NOT_PERMITTED);
	struct keyd_ticket_key *k = find(t, name);
	if (k == NULL)
		return refuse(st, MOAT_IPC_UNKNOWN_KEY);
	wipe_at(t, (size_t)(k - t->keys));
	/* With the last imported key gone keyd makes its own at once; a failure is retried by the timer. */
	if (keyd_tickets_tick(t, now) != MOAT_SUCCESS)
		moat_log(MOAT_LOG_WARNING, "no ticket key could be made: %s", moat_strerror(moat_errno, NULL));
	return done(st);
}

void keyd_tickets_list(const struct keyd_tickets *t, uint64_t now, uint8_t *mode,
		       struct moat_ipc_ticket_key_info info[KEYD_TICKET_MAX_KEYS], size_t *count)
{
	*mode = !t->enabled ? MOAT_IPC_TICKETS_OFF
		: keyd_tickets_generating(t) ? MOAT_IPC_TICKETS_GENERATING : MOAT_IPC_TICKETS_IMPORTED;
	for (size_t i = 0; i < t->count; i++) {
		const struct keyd_ticket_key *k = &t->keys[i];
		struct moat_ipc_ticket_key_info *o = &info[i];
		memset(o, 0, sizeof(*o));
		memcpy(o->name, k->name, sizeof(o->name));
		o->state = keyd_tickets_state(t, k, now);
		o->origin = k->imported ? MOAT_IPC_TICKET_IMPORTED : MOAT_IPC_TICKET_GENERATED;
		o->intro = k->intro;
		o->encrypt_until = k->encrypt_until;
		o->expires = k->expires;
		o->seals = k->seals;
		o->opens = k->opens;
	}
	*count = t->count;
}
