/*
 * ML-KEM-768 hybrids for TLS 1.3 (draft-ietf-tls-ecdhe-mlkem): a KEM and an
 * ECDH exchange run side by side, their outputs concatenated, so the
 * handshake secret stays safe while either one holds.
 *
 * §3 fixes the layout of each share and of the shared secret, and the two
 * groups differ in their order:
 *   X25519MLKEM768     client: ek || X25519 share   (1184 + 32 = 1216)
 *                      server: ct || X25519 share   (1088 + 32 = 1120)
 *                      secret: ML-KEM ss || X25519 ss (32 + 32)
 *   SecP256r1MLKEM768  client: P-256 point || ek     (65 + 1184 = 1249)
 *                      server: P-256 point || ct     (65 + 1088 = 1153)
 *                      secret: ECDH ss || ML-KEM ss  (32 + 32)
 * The order is the draft's, not a choice of ours: a mismatch with a peer
 * fails only at Finished, so the unit test pins both layouts.
 *
 * Validation, §4: the server runs the FIPS 203 §7.2 encapsulation key check
 * (length and modulus check, in moat_mlkem768_encaps) and the client the
 * §7.3 ciphertext length check; the classical halves are checked as RFC
 * 8446 §4.2.8.2 asks (a P-256 point on the curve, a non-zero X25519
 * output) by kex.c. Every failure is illegal_parameter. The share lengths
 * are checked whole first, so the split below reads fixed lengths only.
 *
 * The decapsulation key is the one long-lived secret here: it lives in the
 * secure heap (moat_kex.kem_dk) until moat_kex_free wipes it.
 */
#include <string.h>

#include "common/cursor.h"
#include "common/secmem.h"
#include "tls/crypto/kex_hybrid.h"
#include "tls/crypto/mlkem.h"

struct hybrid {
	uint16_t group;
	uint16_t classical;
	bool kem_first; /* ML-KEM's part first in both shares and in the secret */
};

static const struct hybrid hybrids[] = {
	{ MOAT_GROUP_X25519MLKEM768, MOAT_GROUP_X25519, true },
	{ MOAT_GROUP_SECP256R1MLKEM768, MOAT_GROUP_SECP256R1, false },
};

#define HYBRID_SECRET_LEN (2 * MOAT_MLKEM_SS_LEN)

static const struct hybrid *find_hybrid(uint16_t group)
{
	for (size_t i = 0; i < sizeof(hybrids) / sizeof(hybrids[0]); i++)
		if (hybrids[i].group == group)
			return &hybrids[i];
	return NULL;
}

/* The two parts of a share of total bytes: the KEM's kem_len and the classical rest, in h's order. */
static int split(const struct hybrid *h, const uint8_t *share, size_t len, size_t kem_len, const uint8_t **kem,
		 const uint8_t **classical)
{
	size_t classical_len = moat_kex_share_len(h->classical);
	struct moat_cursor c;
	ENSURE(len == kem_len + classical_len, MOAT_ERR_ILLEGAL_PARAMETER);
	moat_cursor_init(&c, share, len);
	if (h->kem_first) {
		TRY(moat_cursor_get_ref(&c, kem_len, kem));
		return moat_cursor_get_ref(&c, classical_len, classical);
	}
	TRY(moat_cursor_get_ref(&c, classical_len, classical));
	return moat_cursor_get_ref(&c, kem_len, kem);
}

/* Where each part goes in a share of ours (the KEM's part kem_len bytes) and in the 64-byte secret. */
static uint8_t *kem_part(const struct hybrid *h, uint8_t *out)
{
	return h->kem_first ? out : out + moat_kex_share_len(h->classical);
}

static uint8_t *classical_part(const struct hybrid *h, uint8_t *out, size_t kem_len)
{
	return h->kem_first ? out + kem_len : out;
}

static uint8_t *kem_secret(const struct hybrid *h, uint8_t *secret)
{
	return h->kem_first ? secret : secret + moat_kex_secret_len(h->classical);
}

static uint8_t *classical_secret(const struct hybrid *h, uint8_t *secret)
{
	return h->kem_first ? secret + MOAT_MLKEM_SS_LEN : secret;
}

static int generate_with(struct moat_kex *k, const struct hybrid *h, uint8_t *share_out, size_t *share_len)
{
	struct moat_kex classical = { 0 };
	size_t n = 0;
	TRY(moat_secmem_alloc(MOAT_MLKEM768_DK_LEN, (void **)&k->kem_dk));
	TRY(moat_mlkem768_keygen(kem_part(h, share_out), k->kem_dk));
	TRY(moat_kex_generate(&classical, h->classical, classical_part(h, share_out, MOAT_MLKEM768_EK_LEN), &n));
	k->pkey = classical.pkey;
	*share_len = MOAT_MLKEM768_EK_LEN + n;
	return MOAT_SUCCESS;
}

int moat_kex_hybrid_generate(struct moat_kex *k, uint16_t group, uint8_t *share_out, size_t *share_len)
{
	const struct hybrid *h = find_hybrid(group);
	ENSURE(h != NULL, MOAT_ERR_NOT_SUPPORTED);
	memset(k, 0, sizeof(*k));
	k->group = group;
	int rc = generate_with(k, h, share_out, share_len);
	if (rc != MOAT_SUCCESS)
		moat_kex_free(k);
	return rc;
}

static int derive_with(const struct moat_kex *k, const struct hybrid *h, const uint8_t *peer, size_t peer_len,
		       uint8_t *secret_out)
{
	const uint8_t *ct, *theirs;
	size_t n = 0;
	/* §4: a server share of any other length, whatever its ciphertext's, is illegal_parameter. */
	TRY(split(h, peer, peer_len, MOAT_MLKEM768_CT_LEN, &ct, &theirs));
	struct moat_kex classical = { k->pkey, h->classical, NULL };
	TRY(moat_kex_derive(&classical, theirs, moat_kex_share_len(h->classical), classical_secret(h, secret_out), &n));
	ENSURE(n == MOAT_MLKEM_SS_LEN, MOAT_ERR_CRYPTO);
	return moat_mlkem768_decaps(kem_secret(h, secret_out), ct, MOAT_MLKEM768_CT_LEN, k->kem_dk);
}

int moat_kex_hybrid_derive(const struct moat_kex *k, const uint8_t *peer, size_t peer_len, uint8_t *secret_out,
			   size_t *secret_len)
{
	const struct hybrid *h = find_hybrid(k->group);
	ENSURE(h != NULL, MOAT_ERR_INVALID_STATE);
	ENSURE(k->kem_dk != NULL, MOAT_ERR_INVALID_STATE);
	int rc = derive_with(k, h, peer, peer_len, secret_out);
	if (rc != MOAT_SUCCESS) {
		moat_wipe(secret_out, HYBRID_SECRET_LEN);
		return rc;
	}
	*secret_len = HYBRID_SECRET_LEN;
	return MOAT_SUCCESS;
}

static int respond_with(const struct hybrid *h, const uint8_t *peer, size_t peer_len, uint8_t *share_out,
			size_t *share_len, uint8_t *secret_out)
{
	const uint8_t *ek, *theirs;
	size_t n = 0, m = 0;
	TRY(split(h, peer, peer_len, MOAT_MLKEM768_EK_LEN, &ek, &theirs));
	/* The classical half as for its own group: a fresh share of ours, the peer's checked. */
	TRY(moat_kex_respond(h->classical, theirs, moat_kex_share_len(h->classical),
			     classical_part(h, share_out, MOAT_MLKEM768_CT_LEN), &n, classical_secret(h, secret_out), &m));
	ENSURE(m == MOAT_MLKEM_SS_LEN, MOAT_ERR_CRYPTO);
	/* FIPS 203 §7.2: the length and modulus check on ek come first, inside encaps. */
	TRY(moat_mlkem768_encaps(kem_part(h, share_out), kem_secret(h, secret_out), ek,
				 MOAT_MLKEM768_EK_LEN));
	*share_len = MOAT_MLKEM768_CT_LEN + n;
	return MOAT_SUCCESS;
}

int moat_kex_hybrid_respond(uint16_t group, const uint8_t *peer, size_t peer_len, uint8_t *share_out,
			    size_t *share_len, uint8_t *secret_out, size_t *secret_len)
{
	const struct hybrid *h = find_hybrid(group);
	ENSURE(h != NULL, MOAT_ERR_NOT_SUPPORTED);
	int rc = respond_with(h, peer, peer_len, share_out, share_len, secret_out);
	if (rc != MOAT_SUCCESS) {
		moat_wipe(secret_out, HYBRID_SECRET_LEN);
		return rc;
	}
	*secret_len = HYBRID_SECRET_LEN;
	return MOAT_SUCCESS;
}
