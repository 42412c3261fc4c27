/*
 * Ticket sealing (see ticket_aead.h for the format and the choices behind
 * it). The ticket is parsed with the cursor like any other untrusted bytes;
 * the AEAD is the record layer's wrapper, set up for one operation or, in a
 * struct moat_ticket_key, once per key and direction.
 */
#include "tls/crypto/ticket_aead.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/cursor.h"
#include "common/secmem.h"
#include "tls/crypto/aead.h"
#include "tls/crypto/util.h"

_Static_assert(MOAT_TICKET_NONCE_LEN == MOAT_AEAD_NONCE_LEN, "GCM's 96-bit nonce");
_Static_assert(MOAT_TICKET_TAG_LEN == MOAT_AEAD_TAG_LEN, "GCM's full tag");

int moat_ticket_name(const uint8_t *ticket, size_t len, uint8_t name[MOAT_TICKET_NAME_LEN])
{
	ENSURE_REF(name);
	ENSURE(ticket != NULL || len == 0, MOAT_ERR_NULL_ARG);
	ENSURE(len >= MOAT_TICKET_MIN_LEN && len <= MOAT_TICKET_MAX_LEN, MOAT_ERR_BAD_RECORD_MAC);
	struct moat_cursor c;
	moat_cursor_init(&c, ticket, len);
	ENSURE(moat_cursor_get_bytes(&c, name, MOAT_TICKET_NAME_LEN) == MOAT_SUCCESS, MOAT_ERR_BAD_RECORD_MAC);
	return MOAT_SUCCESS;
}

/* Bumped in every child of a fork: a prepared key's batch of nonces drawn before it is not used after. */
static atomic_uint fork_generation;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void forked_child(void)
{
	atomic_fetch_add(&fork_generation, 1u);
}

static void register_atfork(void)
{
	if (pthread_atfork(NULL, NULL, forked_child) != 0)
		abort(); /* only ENOMEM; a key that could reuse nonces after a fork must not be made */
}

/* A fresh nonce from k's batch, drawing a new batch when it is used up or was drawn before a fork. */
static int next_nonce(struct moat_ticket_key *k, uint8_t nonce[MOAT_TICKET_NONCE_LEN])
{
	unsigned gen = atomic_load(&fork_generation);
	if (k->fork_generation != gen || k->nonces_left == 0) {
		k->nonces_left = 0;
		TRY(moat_random_bytes(k->nonces, sizeof(k->nonces)));
		k->nonces_left = MOAT_TICKET_NONCE_BATCH;
		k->fork_generation = gen;
	}
	k->nonces_left--;
	uint8_t *p = k->nonces + (size_t)k->nonces_left * MOAT_TICKET_NONCE_LEN;
	memcpy(nonce, p, MOAT_TICKET_NONCE_LEN);
	moat_wipe(p, MOAT_TICKET_NONCE_LEN);
	return MOAT_SUCCESS;
}

/* Seal under a context set up for sealing with the key named name; nonces from k's batch, else drawn now. */
static int seal_with(struct moat_aead *a, struct moat_ticket_key *k, const uint8_t name[MOAT_TICKET_NAME_LEN],
		     const uint8_t *pt, size_t pt_len, uint8_t *out, size_t cap, size_t *out_len)
{
	ENSURE_REF(pt);
	ENSURE_REF(out);
	ENSURE_REF(out_len);
	ENSURE(pt_len >= 1 && pt_len <= MOAT_TICKET_PLAINTEXT_MAX, MOAT_ERR_INVALID_ARG);
	ENSURE(cap >= pt_len + MOAT_TICKET_OVERHEAD, MOAT_ERR_BUF_FULL);
	uint8_t *nonce = out + MOAT_TICKET_NAME_LEN;
	memcpy(out, name, MOAT_TICKET_NAME_LEN);
	if (k != NULL)
		TRY(next_nonce(k, nonce));
	else
		TRY(moat_random_bytes(nonce, MOAT_TICKET_NONCE_LEN));
	TRY(moat_aead_seal(a, nonce, name, MOAT_TICKET_NAME_LEN, pt, pt_len,
			   out + MOAT_TICKET_NAME_LEN + MOAT_TICKET_NONCE_LEN));
	*out_len = pt_len + MOAT_TICKET_OVERHEAD;
	return MOAT_SUCCESS;
}

/* Open under a context set up for opening with the key named name. */
static int open_with(struct moat_aead *a, const uint8_t name[MOAT_TICKET_NAME_LEN], const uint8_t *ticket, size_t len,
		     uint8_t *out, size_t cap, size_t *out_len)
{
	ENSURE_REF(out);
	ENSURE_REF(out_len);
	uint8_t claimed[MOAT_TICKET_NAME_LEN], nonce[MOAT_TICKET_NONCE_LEN];
	struct moat_cursor c, sealed;
	TRY(moat_ticket_name(ticket, len, claimed));
	/* The caller looked the key up by this name: a different one is a caller's mistake, not the peer's. */
	ENSURE(memcmp(claimed, name, MOAT_TICKET_NAME_LEN) == 0, MOAT_ERR_INVALID_ARG);
	moat_cursor_init(&c, ticket, len);
	ENSURE(moat_cursor_skip(&c, MOAT_TICKET_NAME_LEN) == MOAT_SUCCESS &&
		       moat_cursor_get_bytes(&c, nonce, sizeof(nonce)) == MOAT_SUCCESS &&
		       moat_cursor_get_sub(&c, moat_cursor_remaining(&c), &sealed) == MOAT_SUCCESS,
	       MOAT_ERR_BAD_RECORD_MAC);
	size_t pt_len = moat_cursor_remaining(&sealed) - MOAT_TICKET_TAG_LEN; /* moat_ticket_name checked the length */
	ENSURE(cap >= pt_len, MOAT_ERR_BUF_FULL);
	if (moat_aead_open(a, nonce, name, MOAT_TICKET_NAME_LEN, moat_cursor_data(&sealed), moat_cursor_remaining(&sealed),
			   out) != MOAT_SUCCESS) {
		moat_wipe(out, pt_len);
		BAIL(MOAT_ERR_BAD_RECORD_MAC);
	}
	*out_len = pt_len;
	return MOAT_SUCCESS;
}

int moat_ticket_seal(const uint8_t name[MOAT_TICKET_NAME_LEN], const uint8_t secret[MOAT_TICKET_SECRET_LEN],
		     const uint8_t *pt, size_t pt_len, uint8_t *out, size_t cap, size_t *out_len)
{
	ENSURE_REF(name);
	ENSURE_REF(secret);
	struct moat_aead a = { 0 };
	TRY(moat_aead_init(&a, MOAT_AEAD_AES_256_GCM, secret, true));
	int rc = seal_with(&a, NULL, name, pt, pt_len, out, cap, out_len);
	moat_aead_free(&a);
	return rc;
}

int moat_ticket_open(const uint8_t name[MOAT_TICKET_NAME_LEN], const uint8_t secret[MOAT_TICKET_SECRET_LEN],
		     const uint8_t *ticket, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	ENSURE_REF(name);
	ENSURE_REF(secret);
	struct moat_aead a = { 0 };
	TRY(moat_aead_init(&a, MOAT_AEAD_AES_256_GCM, secret, false));
	int rc = open_with(&a, name, ticket, len, out, cap, out_len);
	moat_aead_free(&a);
	return rc;
}

int moat_ticket_key_init(struct moat_ticket_key *k, const uint8_t name[MOAT_TICKET_NAME_LEN],
			 const uint8_t secret[MOAT_TICKET_SECRET_LEN])
{
	ENSURE_REF(k);
	memset(k, 0, sizeof(*k));
	ENSURE_REF(name);
	ENSURE_REF(secret);
	ENSURE(pthread_once(&atfork_once, register_atfork) == 0, MOAT_ERR_INTERNAL);
	memcpy(k->name, name, MOAT_TICKET_NAME_LEN);
	TRY(moat_aead_init(&k->seal, MOAT_AEAD_AES_256_GCM, secret, true));
	if (moat_aead_init(&k->open, MOAT_AEAD_AES_256_GCM, secret, false) != MOAT_SUCCESS) {
		moat_aead_free(&k->seal);
		return MOAT_FAILURE;
	}
	return MOAT_SUCCESS;
}

void moat_ticket_key_free(struct moat_ticket_key *k)
{
	if (k == NULL)
		return;
	moat_aead_free(&k->seal);
	moat_aead_free(&k->open);
	moat_wipe(k, sizeof(*k));
}

int moat_ticket_key_seal(struct moat_ticket_key *k, const uint8_t *pt, size_t pt_len, uint8_t *out, size_t cap,
			 size_t *out_len)
{
	ENSURE_REF(k);
	return seal_with(&k->seal, k, k->name, pt, pt_len, out, cap, out_len);
}

int moat_ticket_key_open(struct moat_ticket_key *k, const uint8_t *ticket, size_t len, uint8_t *out, size_t cap,
			 size_t *out_len)
{
	ENSURE_REF(k);
	return open_with(&k->open, k->name, ticket, len, out, cap, out_len);
}
