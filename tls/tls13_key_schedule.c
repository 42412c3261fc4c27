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
 */
#include <string.h>

#include "common/secmem.h"
#include "tls/crypto_hkdf.h"
#include "tls/tls13_key_schedule.h"

static MOAT_MUST_USE int schedule_hash_len(moat_hash_alg alg, size_t *hash_len)
{
	/* The TLS 1.3 suites' hashes (RFC 8446 §B.4); the struct's arrays hold at most MOAT_MAX_HASH_LEN. */
	ENSURE(alg == MOAT_HASH_SHA256 || alg == MOAT_HASH_SHA384, MOAT_ERR_INVALID_ARG);
	*hash_len = moat_hash_len(alg);
	ENSURE(*hash_len <= MOAT_MAX_HASH_LEN, MOAT_ERR_INTERNAL);
	return MOAT_SUCCESS;
}

static MOAT_MUST_USE int check_secrets(const struct moat_tls13_secrets *s)
{
	size_t hash_len;

	ENSURE_REF(s);
	ENSURE(schedule_hash_len(s->hash, &hash_len) == MOAT_SUCCESS && s->hash_len == hash_len,
	       MOAT_ERR_INVALID_STATE);
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

/* Derive-Secret(secret, "derived", "") then HKDF-Extract(that, ikm): the step between stages. */
static MOAT_MUST_USE int next_stage(moat_hash_alg alg, size_t hash_len, const uint8_t *secret,
				    const uint8_t *ikm, size_t ikm_len, uint8_t *out)
{
	uint8_t empty_hash[MOAT_MAX_HASH_LEN];
	uint8_t derived[MOAT_MAX_HASH_LEN];

	TRY(moat_hash_oneshot(alg, NULL, 0, empty_hash));
	int rc = moat_tls13_derive_secret(alg, secret, "derived", empty_hash, derived);
	if (rc == MOAT_SUCCESS)
		rc = moat_hkdf_extract(alg, derived, hash_len, ikm, ikm_len, out);
	moat_wipe(derived, sizeof(derived));
	return rc;
}

int moat_tls13_init(struct moat_tls13_secrets *s, moat_hash_alg alg, const uint8_t *psk, size_t psk_len)
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
		psk = zeros;
		psk_len = hash_len;
	}
	TRY(moat_hkdf_extract(alg, NULL, 0, psk, psk_len, s->early));
	return MOAT_SUCCESS;
}

int moat_tls13_derive_handshake(struct moat_tls13_secrets *s, const uint8_t *ecdhe, size_t ecdhe_len,
				const uint8_t *hello_hash)
{
	TRY(check_secrets(s));
	ENSURE_REF(ecdhe);
	ENSURE_REF(hello_hash);
	ENSURE(ecdhe_len > 0, MOAT_ERR_INVALID_ARG);

	TRY(next_stage(s->hash, s->hash_len, s->early, ecdhe, ecdhe_len, s->handshake));
	moat_wipe(s->early, sizeof(s->early));
	TRY(moat_tls13_derive_secret(s->hash, s->handshake, "c hs traffic", hello_hash, s->client_hs));
	TRY(moat_tls13_derive_secret(s->hash, s->handshake, "s hs traffic", hello_hash, s->server_hs));
	return MOAT_SUCCESS;
}

int moat_tls13_derive_master(struct moat_tls13_secrets *s, const uint8_t *server_finished_hash)
{
	static const uint8_t zeros[MOAT_MAX_HASH_LEN];

	TRY(check_secrets(s));
	ENSURE_REF(server_finished_hash);

	TRY(next_stage(s->hash, s->hash_len, s->handshake, zeros, s->hash_len, s->master));
	moat_wipe(s->handshake, sizeof(s->handshake));
	moat_wipe(s->client_hs, sizeof(s->client_hs));
	moat_wipe(s->server_hs, sizeof(s->server_hs));
	TRY(moat_tls13_derive_secret(s->hash, s->master, "c ap traffic", server_finished_hash, s->client_app));
	TRY(moat_tls13_derive_secret(s->hash, s->master, "s ap traffic", server_finished_hash, s->server_app));
	TRY(moat_tls13_derive_secret(s->hash, s->master, "exp master", server_finished_hash, s->exporter));
	return MOAT_SUCCESS;
}

int moat_tls13_derive_resumption(struct moat_tls13_secrets *s, const uint8_t *client_finished_hash)
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

int moat_tls13_finished_mac(moat_hash_alg alg, const uint8_t *base_key, const uint8_t *transcript_hash, uint8_t *out)
{
	uint8_t finished_key[MOAT_MAX_HASH_LEN];
	size_t hash_len;

	TRY(schedule_hash_len(alg, &hash_len));
	ENSURE_REF(transcript_hash);
	ENSURE_REF(out);
	/*
	 * RFC 8446 §4.4.4: verify_data =
	 *     HMAC(finished_key, Transcript-Hash(Handshake Context, Certificate*, CertificateVerify*))
	 */
	int rc = moat_tls13_finished_key(alg, base_key, finished_key);
	if (rc == MOAT_SUCCESS)
		rc = moat_hmac(alg, finished_key, hash_len, transcript_hash, hash_len, out);
	moat_wipe(finished_key, sizeof(finished_key));
	return rc;
}

int moat_tls13_traffic_key_iv(moat_hash_alg alg, moat_aead_alg aead, const uint8_t *traffic_secret,
			      uint8_t *key, uint8_t iv[MOAT_AEAD_NONCE_LEN])
{
	size_t hash_len;
	size_t key_len = moat_aead_key_len(aead);

	TRY(schedule_hash_len(alg, &hash_len));
	ENSURE(key_len != 0, MOAT_ERR_INVALID_ARG);
	/* RFC 8446 §7.3: [sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length); iv with "iv". */
	TRY(moat_hkdf_expand_label(alg, traffic_secret, hash_len, "key", NULL, 0, key, key_len));
	if (moat_hkdf_expand_label(alg, traffic_secret, hash_len, "iv", NULL, 0, iv, MOAT_AEAD_NONCE_LEN) !=
	    MOAT_SUCCESS) {
		moat_wipe(key, key_len);
		return MOAT_FAILURE;
	}
	return MOAT_SUCCESS;
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
	uint8_t empty_hash[MOAT_MAX_HASH_LEN];
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
	TRY(moat_hash_oneshot(alg, NULL, 0, empty_hash));
	TRY(moat_hash_oneshot(alg, context, context_len, context_hash));
	int rc = moat_tls13_derive_secret(alg, exporter_secret, label, empty_hash, secret);
	if (rc == MOAT_SUCCESS)
		rc = moat_hkdf_expand_label(alg, secret, hash_len, "exporter", context_hash, hash_len, out, out_len);
	moat_wipe(secret, sizeof(secret));
	return rc;
}

int moat_tls13_export(const struct moat_tls13_secrets *s, const char *label, const uint8_t *context,
		      size_t context_len, uint8_t *out, size_t out_len)
{
	TRY(check_secrets(s));
	TRY(moat_tls13_export_from(s->hash, s->exporter, label, context, context_len, out, out_len));
	return MOAT_SUCCESS;
}

int moat_tls13_binder_key(const struct moat_tls13_secrets *s, bool external_psk, uint8_t *out)
{
	uint8_t empty_hash[MOAT_MAX_HASH_LEN];

	TRY(check_secrets(s));
	TRY(moat_hash_oneshot(s->hash, NULL, 0, empty_hash));
	TRY(moat_tls13_derive_secret(s->hash, s->early, external_psk ? "ext binder" : "res binder", empty_hash, out));
	return MOAT_SUCCESS;
}

int moat_tls13_derive_early(const struct moat_tls13_secrets *s, const uint8_t *client_hello_hash,
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
