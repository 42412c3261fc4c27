/*
 * The in-process ticket sealer of the examples and tests (ticket_sealer.h),
 * on libcrypto's EVP AES-256-GCM: an application's own code, so it uses
 * libcrypto directly rather than the library's internal wrappers.
 */
#include "ticket_sealer.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define NONCE_LEN 12
#define TAG_LEN 16
#define HEAD_LEN (EX_TICKET_NAME_LEN + NONCE_LEN)

int ex_ticket_sealer_init(struct ex_ticket_sealer *s)
{
	memset(s, 0, sizeof(*s));
	return RAND_bytes(s->name, sizeof(s->name)) == 1 && RAND_bytes(s->key, sizeof(s->key)) == 1 ? 0 : -1;
}

void ex_ticket_sealer_free(struct ex_ticket_sealer *s)
{
	OPENSSL_cleanse(s->key, sizeof(s->key));
}

/* AES-256-GCM over in (len bytes) with the name as AAD; encrypting writes the tag after out, decrypting checks it. */
static int gcm(const struct ex_ticket_sealer *s, int enc, const uint8_t *nonce, const uint8_t *in, int len,
	       uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, fin = 0;
	int ok = ctx != NULL && EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, s->key, nonce, enc) == 1 &&
		 EVP_CipherUpdate(ctx, NULL, &n, s->name, EX_TICKET_NAME_LEN) == 1 &&
		 EVP_CipherUpdate(ctx, out, &n, in, len) == 1 &&
		 (enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1) &&
		 EVP_CipherFinal_ex(ctx, out + n, &fin) == 1 &&
		 (!enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1);
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

static int seal(struct ex_ticket_sealer *s, struct moat_ticket_op *op, const uint8_t *in, uint32_t len)
{
	uint8_t out[MOAT_TICKET_MAX_LEN];
	if (s->decrypt_only)
		return moat_ticket_op_set_result(op, MOAT_TICKET_UNKNOWN_KEY);
	if (len + HEAD_LEN + TAG_LEN > sizeof(out))
		return -1;
	memcpy(out, s->name, EX_TICKET_NAME_LEN);
	if (RAND_bytes(out + EX_TICKET_NAME_LEN, NONCE_LEN) != 1 ||
	    gcm(s, 1, out + EX_TICKET_NAME_LEN, in, (int)len, out + HEAD_LEN, out + HEAD_LEN + len) < 0)
		return -1;
	s->seals++;
	if (moat_ticket_op_set_output(op, out, len + HEAD_LEN + TAG_LEN) < 0)
		return -1;
	return moat_ticket_op_set_result(op, MOAT_TICKET_OK);
}

/* First use of this ticket (its nonce) for early data: say so, and remember it. */
static int early_data_answer(struct ex_ticket_sealer *s, struct moat_ticket_op *op, const uint8_t *nonce)
{
	uint8_t asked;
	if (moat_ticket_op_get_for_early_data(op, &asked) < 0)
		return -1;
	if (!asked)
		return 0;
	for (unsigned i = 0; i < s->early_used_count; i++) {
		if (memcmp(s->early_used[i], nonce, EX_TICKET_NONCE_LEN) == 0) {
			s->early_refused++;
			return 0;
		}
	}
	if (s->early_used_count == EX_TICKET_EARLY_MAX) {
		s->early_refused++;
		return 0;
	}
	memcpy(s->early_used[s->early_used_count++], nonce, EX_TICKET_NONCE_LEN);
	s->early_ok++;
	return moat_ticket_op_set_early_data_ok(op, 1);
}

static int open_ticket(struct ex_ticket_sealer *s, struct moat_ticket_op *op, const uint8_t *in, uint32_t len)
{
	uint8_t out[MOAT_TICKET_MAX_LEN];
	uint8_t tag[TAG_LEN];
	s->opens++;
	if (len < HEAD_LEN + TAG_LEN + 1)
		return moat_ticket_op_set_result(op, MOAT_TICKET_BAD_TICKET);
	if (memcmp(in, s->name, EX_TICKET_NAME_LEN) != 0)
		return moat_ticket_op_set_result(op, MOAT_TICKET_UNKNOWN_KEY);
	uint32_t n = len - HEAD_LEN - TAG_LEN;
	memcpy(tag, in + HEAD_LEN + n, TAG_LEN);
	if (gcm(s, 0, in + EX_TICKET_NAME_LEN, in + HEAD_LEN, (int)n, out, tag) < 0) {
		OPENSSL_cleanse(out, sizeof(out));
		return moat_ticket_op_set_result(op, MOAT_TICKET_BAD_TICKET);
	}
	int rc = moat_ticket_op_set_output(op, out, n);
	OPENSSL_cleanse(out, sizeof(out));
	if (rc < 0 || early_data_answer(s, op, in + EX_TICKET_NAME_LEN) < 0)
		return -1;
	return moat_ticket_op_set_result(op, s->decrypt_only ? MOAT_TICKET_OK_REISSUE : MOAT_TICKET_OK);
}

int ex_ticket_sealer_answer(struct ex_ticket_sealer *s, struct moat_ticket_op *op)
{
	moat_ticket_op_type type;
	uint32_t len;
	uint8_t in[MOAT_TICKET_MAX_LEN];
	if (moat_ticket_op_get_type(op, &type) < 0 || moat_ticket_op_get_input_size(op, &len) < 0 || len > sizeof(in) ||
	    moat_ticket_op_get_input(op, in, sizeof(in)) < 0)
		return -1;
	int rc = type == MOAT_TICKET_SEAL ? seal(s, op, in, len) : open_ticket(s, op, in, len);
	OPENSSL_cleanse(in, sizeof(in));
	return rc;
}

int ex_ticket_crypto_cb(struct moat_connection *conn, void *ctx, struct moat_ticket_op *op)
{
	int rc = ex_ticket_sealer_answer(ctx, op);
	if (rc == 0)
		rc = moat_ticket_op_apply(op, conn);
	if (moat_ticket_op_free(op) < 0)
		rc = -1;
	return rc;
}
