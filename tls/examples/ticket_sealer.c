/*
 * The in-process ticket sealer of the examples and tests (ticket_sealer.h).
 */
#include "tls/examples/ticket_sealer.h"

#include <string.h>

#include "common/secmem.h"
#include "tls/crypto/util.h"

#define KEY_LEN 32
#define HEAD_LEN (EX_TICKET_NAME_LEN + MOAT_AEAD_NONCE_LEN)

int ex_ticket_sealer_init(struct ex_ticket_sealer *s)
{
	uint8_t key[KEY_LEN];
	memset(s, 0, sizeof(*s));
	int rc = moat_random_bytes(s->name, sizeof(s->name));
	if (rc == 0)
		rc = moat_random_bytes(key, sizeof(key));
	if (rc == 0)
		rc = moat_aead_init(&s->seal, MOAT_AEAD_AES_256_GCM, key, true);
	if (rc == 0)
		rc = moat_aead_init(&s->open, MOAT_AEAD_AES_256_GCM, key, false);
	moat_wipe(key, sizeof(key));
	return rc;
}

void ex_ticket_sealer_free(struct ex_ticket_sealer *s)
{
	moat_aead_free(&s->seal);
	moat_aead_free(&s->open);
}

static int seal(struct ex_ticket_sealer *s, struct moat_ticket_op *op, const uint8_t *in, uint32_t len)
{
	uint8_t out[MOAT_TICKET_MAX_LEN];
	if (s->decrypt_only)
		return moat_ticket_op_set_result(op, MOAT_TICKET_UNKNOWN_KEY);
	if (len + HEAD_LEN + MOAT_AEAD_TAG_LEN > sizeof(out))
		return -1;
	memcpy(out, s->name, EX_TICKET_NAME_LEN);
	if (moat_random_bytes(out + EX_TICKET_NAME_LEN, MOAT_AEAD_NONCE_LEN) < 0 ||
	    moat_aead_seal(&s->seal, out + EX_TICKET_NAME_LEN, s->name, EX_TICKET_NAME_LEN, in, len, out + HEAD_LEN) < 0)
		return -1;
	s->seals++;
	if (moat_ticket_op_set_output(op, out, len + HEAD_LEN + MOAT_AEAD_TAG_LEN) < 0)
		return -1;
	return moat_ticket_op_set_result(op, MOAT_TICKET_OK);
}

static int open_ticket(struct ex_ticket_sealer *s, struct moat_ticket_op *op, const uint8_t *in, uint32_t len)
{
	uint8_t out[MOAT_TICKET_MAX_LEN];
	s->opens++;
	if (len < HEAD_LEN + MOAT_AEAD_TAG_LEN + 1)
		return moat_ticket_op_set_result(op, MOAT_TICKET_BAD_TICKET);
	if (memcmp(in, s->name, EX_TICKET_NAME_LEN) != 0)
		return moat_ticket_op_set_result(op, MOAT_TICKET_UNKNOWN_KEY);
	size_t n = len - HEAD_LEN - MOAT_AEAD_TAG_LEN;
	if (moat_aead_open(&s->open, in + EX_TICKET_NAME_LEN, s->name, EX_TICKET_NAME_LEN, in + HEAD_LEN,
			   len - HEAD_LEN, out) < 0) {
		moat_error_clear();
		return moat_ticket_op_set_result(op, MOAT_TICKET_BAD_TICKET);
	}
	int rc = moat_ticket_op_set_output(op, out, (uint32_t)n);
	moat_wipe(out, sizeof(out));
	if (rc < 0)
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
	moat_wipe(in, sizeof(in));
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
