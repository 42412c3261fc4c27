/*
 * The TLS 1.3 key schedule (RFC 8446 §7.1), drawn there as:
 *
 *              0
 *              |
 *              v
 *    PSK ->  HKDF-Extract = Early Secret
 *              +-----> Derive-Secret(., "ext binder" | "res binder", "")
 *              +-----> Derive-Secret(., "c e traffic", ClientHello)
 *              +-----> Derive-Secret(., "e exp master", ClientHello)
 *              v
 *        Derive-Secret(., "derived", "")
 *              |
 *              v
 *    (EC)DHE -> HKDF-Extract = Handshake Secret
 *              +-----> Derive-Secret(., "c hs traffic", ClientHello...ServerHello)
 *              +-----> Derive-Secret(., "s hs traffic", ClientHello...ServerHello)
 *              v
 *        Derive-Secret(., "derived", "")
 *              |
 *              v
 *    0 -> HKDF-Extract = Master Secret
 *              +-----> Derive-Secret(., "c ap traffic", ClientHello...server Finished)
 *              +-----> Derive-Secret(., "s ap traffic", ClientHello...server Finished)
 *              +-----> Derive-Secret(., "exp master", ClientHello...server Finished)
 *              +-----> Derive-Secret(., "res master", ClientHello...client Finished)
 *
 * Each stage computes into the struct (secure memory owned by the caller),
 * keeps its intermediate "derived" value on the stack only as long as the
 * next Extract needs it, and wipes it and the previous stage's secret before
 * returning. The transcript hashes come from the caller, which owns the
 * running transcript.
 *
 * A stage runs on one HMAC context, re-keyed from step to step (Extract with
 * the salt, then each Derive-Secret with the stage's secret), and a traffic
 * key and IV come from one context keyed with the traffic secret: setting up
 * a libcrypto HMAC context costs more than the HMAC of a label. The context
 * is freed (and wiped by libcrypto) before the stage returns.
 *
 * Without a PSK the Early Secret, the "derived" secret taken from it and the
 * hash of the empty string are the same for every connection (RFC 8448 §3
 * prints them), so they are computed once per process and hash and shared
 * read-only; they are public values, not secrets.
 */
#include <pthread.h>
#include <string.h>

#include "common/secmem.h"
#include "tls/crypto/hkdf.h"
#include "tls/crypto/util.h"
#include "tls/tls13_key_schedule.h"

/* The no-PSK constants of one hash; ok is false if computing them failed. */
struct schedule_consts {
	bool ok;
	uint8_t empty_hash[MOAT_MAX_HASH_LEN]; /* Transcript-Hash("") */
	uint8_t early[MOAT_MAX_HASH_LEN];      /* HKDF-Extract(0, 0) */
	uint8_t derived[MOAT_MAX_HASH_LEN];    /* Derive-Secret(early, "derived", "") */
};

static pthread_once_t consts_once = PTHREAD_ONCE_INIT;
static struct schedule_consts consts_sha256, consts_sha384;

static MOAT_MUST_USE int schedule_hash_len(moat_hash_alg alg, size_t *hash_len)
{
	/* The TLS 1.3 suites' hashes (RFC 8446 §B.4); the struct's arrays hold at most MOAT_MAX_HASH_LEN. */
	ENSURE(alg == MOAT_HASH_SHA256 || alg == MOAT_HASH_SHA384, MOAT_ERR_INVALID_ARG);
	*hash_len = moat_hash_len(alg);
	ENSURE(*hash_len <= MOAT_MAX_HASH_LEN, MOAT_ERR_INTERNAL);
	return MOAT_SUCCESS;
}

static MOAT_MUST_USE int check_secrets(const struct moat_secrets *s)
{
	size_t hash_len;

	ENSURE_REF(s);
	ENSURE(schedule_hash_len(s->hash, &hash_len) == MOAT_SUCCESS && s->hash_len == hash_len,
	       MOAT_ERR_INVALID_STATE);
	return MOAT_SUCCESS;
}

static void make_consts_for(moat_hash_alg alg, struct schedule_consts *c)
{
	static const uint8_t zeros[MOAT_MAX_HASH_LEN];
	size_t hash_len = moat_hash_len(alg);

	c->ok = moat_hash_oneshot(alg, NULL, 0, c->empty_hash) == MOAT_SUCCESS &&
		moat_hkdf_extract(alg, NULL, 0, zeros, hash_len, c->early) == MOAT_SUCCESS &&
		moat_tls13_derive_secret(alg, c->early, "derived", c->empty_hash, c->derived) == MOAT_SUCCESS;
}

static void make_consts(void)
{
	make_consts_for(MOAT_HASH_SHA256, &consts_sha256);
	make_consts_for(MOAT_HASH_SHA384, &consts_sha384);
}

/* The constants for alg, or NULL if they are unavailable (the caller computes instead). */
static const struct schedule_consts *get_consts(moat_hash_alg alg)
{
	if (pthread_once(&consts_once, make_consts) != 0)
		return NULL;
	const struct schedule_consts *c = alg == MOAT_HASH_SHA256 ? &consts_sha256
					  : alg == MOAT_HASH_SHA384 ? &consts_sha384
								    : NULL;
	return c != NULL && c->ok ? c : NULL;
}

static MOAT_MUST_USE int empty_hash(moat_hash_alg alg, uint8_t *out)
{
	const struct schedule_consts *c = get_consts(alg);

	if (c == NULL)
		return moat_hash_oneshot(alg, NULL, 0, out);
	memcpy(out, c->empty_hash, moat_hash_len(alg));
	return MOAT_SUCCESS;
}

int moat_tls13_derive_secret(moat_hash_alg alg, const uint8_t *secret, const char *label,
			     const uint8_t *messages_hash, uint8_t *out)
{
	size_t hash_len;

	TRY(schedule_hash_len(alg, &hash_len));
	ENSURE_REF(messages_hash);
	/*
	 * Derive-Secret(Secret, Label, Messages) =
	 *     HKDF-Expand-Label(Secret, Label, Transcript-Hash(Messages), Hash.length)
	 */
	TRY(moat_hkdf_expand_label(alg, secret, hash_len, label, messages_hash, hash_len, out, hash_len));
	return MOAT_SUCCESS;
}

/* Derive-Secret(Secret, Label, Messages) on m, keyed with Secret. */
static MOAT_MUST_USE int derive_secret_ctx(struct moat_hmac_ctx *m, size_t hash_len, const char *label,
					   const uint8_t *messages_hash, uint8_t *out)
{
	TRY(moat_hkdf_expand_label_ctx(m, label, messages_hash, hash_len, out, hash_len));
	return MOAT_SUCCESS;
}

/*
 * The step between stages: Derive-Secret(secret, "derived", "") then
 * HKDF-Extract(that, ikm) into out. m is initialised here and left keyed
 * with out, ready for the stage's Derive-Secrets; the caller frees it.
 * may_be_constant says secret may be the no-PSK Early Secret, whose
 * "derived" value is precomputed.
 */
static MOAT_MUST_USE int next_stage(struct moat_hmac_ctx *m, moat_hash_alg alg, size_t hash_len,
				    const uint8_t *secret, bool may_be_constant, const uint8_t *ikm, size_t ikm_len,
				    uint8_t *out)
{
	const struct schedule_consts *c = get_consts(alg);
	uint8_t empty[MOAT_MAX_HASH_LEN];
	uint8_t derived[MOAT_MAX_HASH_LEN];

	if (c != NULL && may_be_constant && moat_ct_equal(secret, c->early, hash_len)) {
		/* HKDF-Extract(salt = derived, IKM) is HMAC(derived, IKM) (RFC 5869 §2.2): key m with it once. */
		TRY(moat_hmac_init(m, alg, c->derived, hash_len));
		TRY(moat_hmac_update(m, ikm, ikm_len));
		TRY(moat_hmac_final(m, out));
	} else {
		TRY(empty_hash(alg, empty));
		TRY(moat_hmac_init(m, alg, secret, hash_len));
		int rc = derive_secret_ctx(m, hash_len, "derived", empty, derived);
		if (rc == MOAT_SUCCESS)
			rc = moat_hkdf_extract_ctx(m, derived, hash_len, ikm, ikm_len, out);
		moat_wipe(derived, sizeof(derived));
		TRY(rc);
	}
	TRY(moat_hmac_rekey(m, out, hash_len));
	return MOAT_SUCCESS;
}

int moat_tls13_init(struct moat_secrets *s, moat_hash_alg alg, const uint8_t *psk, size_t psk_len)
{
	static const uint8_t zeros[MOAT_MAX_HASH_LEN];
	size_t hash_len;

	ENSURE_REF(s);
	ENSURE(psk_len == 0 || psk != NULL, MOAT_ERR_NULL_ARG);
	TRY(schedule_hash_len(alg, &hash_len));
	moat_wipe(s, sizeof(*s));
	s->hash = alg;
	s->hash_len = hash_len;
	/* RFC 8446 §7.1: without a PSK the IKM is a string of Hash.length zero bytes; the salt is 0 as well. */
	if (psk_len == 0) {
		const struct schedule_consts *c = get_consts(alg);
		if (c != NULL) {
			memcpy(s->early, c->early, hash_len);
			return MOAT_SUCCESS;
		}
		psk = zeros;
		psk_len = hash_len;
	}
	TRY(moat_hkdf_extract(alg, NULL, 0, psk, psk_len, s->early));
	return MOAT_SUCCESS;
}

static MOAT_MUST_USE int handshake_stage(struct moat_hmac_ctx *m, struct moat_secrets *s, const uint8_t *ecdhe,
					 size_t ecdhe_len, const uint8_t *hello_hash)
{
	TRY(next_stage(m, s->hash, s->hash_len, s->early, true, ecdhe, ecdhe_len, s->handshake));
	moat_wipe(s->early, sizeof(s->early));
	TRY(derive_secret_ctx(m, s->hash_len, "c hs traffic", hello_hash, s->client_hs));
	TRY(derive_secret_ctx(m, s->hash_len, "s hs traffic", hello_hash, s->server_hs));
	return MOAT_SUCCESS;
}

int moat_tls13_derive_handshake(struct moat_secrets *s, const uint8_t *ecdhe, size_t ecdhe_len,
				const uint8_t *hello_hash)
{
	struct moat_hmac_ctx m = { 0 };

	TRY(check_secrets(s));
	ENSURE_REF(ecdhe);
	ENSURE_REF(hello_hash);
	ENSURE(ecdhe_len > 0, MOAT_ERR_INVALID_ARG);

	int rc = handshake_stage(&m, s, ecdhe, ecdhe_len, hello_hash);
	moat_hmac_free(&m);
	return rc;
}

static MOAT_MUST_USE int master_stage(struct moat_hmac_ctx *m, struct moat_secrets *s,
				      const uint8_t *server_finished_hash)
{
	static const uint8_t zeros[MOAT_MAX_HASH_LEN];

	TRY(next_stage(m, s->hash, s->hash_len, s->handshake, false, zeros, s->hash_len, s->master));
	moat_wipe(s->handshake, sizeof(s->handshake));
	moat_wipe(s->client_hs, sizeof(s->client_hs));
	moat_wipe(s->server_hs, sizeof(s->server_hs));
	TRY(derive_secret_ctx(m, s->hash_len, "c ap traffic", server_finished_hash, s->client_app));
	TRY(derive_secret_ctx(m, s->hash_len, "s ap traffic", server_finished_hash, s->server_app));
	TRY(derive_secret_ctx(m, s->hash_len, "exp master", server_finished_hash, s->exporter));
	return MOAT_SUCCESS;
}

int moat_tls13_derive_master(struct moat_secrets *s, const uint8_t *server_finished_hash)
{
	struct moat_hmac_ctx m = { 0 };

	TRY(check_secrets(s));
	ENSURE_REF(server_finished_hash);

	int rc = master_stage(&m, s, server_finished_hash);
	moat_hmac_free(&m);
	return rc;
}

int moat_tls13_derive_resumption(struct moat_secrets *s, const uint8_t *client_finished_hash)
{
	TRY(check_secrets(s));
	ENSURE_REF(client_finished_hash);
	TRY(moat_tls13_derive_secret(s->hash, s->master, "res master", client_finished_hash, s->resumption));
	/* The last secret taken from the Master Secret. */
	moat_wipe(s->master, sizeof(s->master));
	return MOAT_SUCCESS;
}

int moat_tls13_finished_key(moat_hash_alg alg, const uint8_t *base_key, uint8_t *out)
{
	size_t hash_len;

	TRY(schedule_hash_len(alg, &hash_len));
	TRY(moat_hkdf_expand_label(alg, base_key, hash_len, "finished", NULL, 0, out, hash_len));
	return MOAT_SUCCESS;
}

static MOAT_MUST_USE int finished_mac_ctx(struct moat_hmac_ctx *m, moat_hash_alg alg, size_t hash_len,
					  const uint8_t *base_key, const uint8_t *transcript_hash, uint8_t *out)
{
	uint8_t finished_key[MOAT_MAX_HASH_LEN];

	TRY(moat_hmac_init(m, alg, base_key, hash_len));
	int rc = moat_hkdf_expand_label_ctx(m, "finished", NULL, 0, finished_key, hash_len);
	if (rc == MOAT_SUCCESS)
		rc = moat_hmac_rekey(m, finished_key, hash_len);
	moat_wipe(finished_key, sizeof(finished_key));
	TRY(rc);
	TRY(moat_hmac_update(m, transcript_hash, hash_len));
	TRY(moat_hmac_final(m, out));
	return MOAT_SUCCESS;
}

int moat_tls13_finished_mac(moat_hash_alg alg, const uint8_t *base_key, const uint8_t *transcript_hash, uint8_t *out)
{
	struct moat_hmac_ctx m = { 0 };
	size_t hash_len;

	TRY(schedule_hash_len(alg, &hash_len));
	ENSURE_REF(base_key);
	ENSURE_REF(transcript_hash);
	ENSURE_REF(out);
	/*
	 * RFC 8446 §4.4.4: verify_data =
	 *     HMAC(finished_key, Transcript-Hash(Handshake Context, Certificate*, CertificateVerify*))
	 * with finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length).
	 */
	int rc = finished_mac_ctx(&m, alg, hash_len, base_key, transcript_hash, out);
	moat_hmac_free(&m);
	return rc;
}

static MOAT_MUST_USE int traffic_key_iv_ctx(struct moat_hmac_ctx *m, moat_hash_alg alg, size_t hash_len,
					    const uint8_t *traffic_secret, uint8_t *key, size_t key_len,
					    uint8_t iv[MOAT_AEAD_NONCE_LEN])
{
	TRY(moat_hmac_init(m, alg, traffic_secret, hash_len));
	/* RFC 8446 §7.3: [sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length); iv with "iv". */
	TRY(moat_hkdf_expand_label_ctx(m, "key", NULL, 0, key, key_len));
	TRY(moat_hkdf_expand_label_ctx(m, "iv", NULL, 0, iv, MOAT_AEAD_NONCE_LEN));
	return MOAT_SUCCESS;
}

int moat_tls13_traffic_key_iv(moat_hash_alg alg, moat_aead_alg aead, const uint8_t *traffic_secret,
			      uint8_t *key, uint8_t iv[MOAT_AEAD_NONCE_LEN])
{
	struct moat_hmac_ctx m = { 0 };
	size_t hash_len;
	size_t key_len = moat_aead_key_len(aead);

	TRY(schedule_hash_len(alg, &hash_len));
	ENSURE(key_len != 0, MOAT_ERR_INVALID_ARG);
	ENSURE_REF(traffic_secret);
	ENSURE_REF(key);
	ENSURE_REF(iv);
	int rc = traffic_key_iv_ctx(&m, alg, hash_len, traffic_secret, key, key_len, iv);
	moat_hmac_free(&m);
	if (rc != MOAT_SUCCESS)
		moat_wipe(key, key_len);
	return rc;
}

int moat_tls13_next_traffic_secret(moat_hash_alg alg, uint8_t *secret)
{
	uint8_t next[MOAT_MAX_HASH_LEN];
	size_t hash_len;

	TRY(schedule_hash_len(alg, &hash_len));
	ENSURE_REF(secret);
	/*
	 * RFC 8446 §7.2: application_traffic_secret_N+1 =
	 *     HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length)
	 */
	int rc = moat_hkdf_expand_label(alg, secret, hash_len, "traffic upd", NULL, 0, next, hash_len);
	if (rc == MOAT_SUCCESS)
		memcpy(secret, next, hash_len);
	moat_wipe(next, sizeof(next));
	return rc;
}

int moat_tls13_export_from(moat_hash_alg alg, const uint8_t *exporter_secret, const char *label,
			   const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len)
{
	uint8_t empty[MOAT_MAX_HASH_LEN];
	uint8_t context_hash[MOAT_MAX_HASH_LEN];
	uint8_t secret[MOAT_MAX_HASH_LEN];
	size_t hash_len;

	TRY(schedule_hash_len(alg, &hash_len));
	ENSURE_REF(label);
	ENSURE(context_len == 0 || context != NULL, MOAT_ERR_NULL_ARG);
	/*
	 * RFC 8446 §7.5:
	 *   TLS-Exporter(label, context_value, key_length) =
	 *       HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter", Hash(context_value), key_length)
	 * A missing context and an empty one are the same here ("zero length").
	 */
	TRY(empty_hash(alg, empty));
	TRY(moat_hash_oneshot(alg, context, context_len, context_hash));
	int rc = moat_tls13_derive_secret(alg, exporter_secret, label, empty, secret);
	if (rc == MOAT_SUCCESS)
		rc = moat_hkdf_expand_label(alg, secret, hash_len, "exporter", context_hash, hash_len, out, out_len);
	moat_wipe(secret, sizeof(secret));
	return rc;
}

int moat_tls13_export(const struct moat_secrets *s, const char *label, const uint8_t *context,
		      size_t context_len, uint8_t *out, size_t out_len)
{
	TRY(check_secrets(s));
	TRY(moat_tls13_export_from(s->hash, s->exporter, label, context, context_len, out, out_len));
	return MOAT_SUCCESS;
}

int moat_tls13_binder_key(const struct moat_secrets *s, bool external_psk, uint8_t *out)
{
	uint8_t empty[MOAT_MAX_HASH_LEN];

	TRY(check_secrets(s));
	TRY(empty_hash(s->hash, empty));
	TRY(moat_tls13_derive_secret(s->hash, s->early, external_psk ? "ext binder" : "res binder", empty, out));
	return MOAT_SUCCESS;
}

int moat_tls13_derive_early(const struct moat_secrets *s, const uint8_t *client_hello_hash,
			    uint8_t *client_early_traffic, uint8_t *early_exporter)
{
	TRY(check_secrets(s));
	ENSURE_REF(client_hello_hash);
	if (client_early_traffic != NULL)
		TRY(moat_tls13_derive_secret(s->hash, s->early, "c e traffic", client_hello_hash,
					     client_early_traffic));
	if (early_exporter != NULL)
		TRY(moat_tls13_derive_secret(s->hash, s->early, "e exp master", client_hello_hash, early_exporter));
	return MOAT_SUCCESS;
}

int moat_tls13_resumption_psk(moat_hash_alg alg, const uint8_t *resumption_secret, const uint8_t *ticket_nonce,
			      size_t nonce_len, uint8_t *psk)
{
	size_t hash_len;

	TRY(schedule_hash_len(alg, &hash_len));
	ENSURE(nonce_len == 0 || ticket_nonce != NULL, MOAT_ERR_NULL_ARG);
	TRY(moat_hkdf_expand_label(alg, resumption_secret, hash_len, "resumption", ticket_nonce, nonce_len, psk,
				   hash_len));
	return MOAT_SUCCESS;
}
