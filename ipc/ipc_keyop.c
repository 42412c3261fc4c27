/*
 * SIGN and RSA_DECRYPT: the two private-key operations frontd asks keyd for.
 *
 * The SIGN decoder runs the full shape check (ipc_sign_input.c), so a SIGN
 * request that decodes is one keyd may sign once it has found the key and
 * checked the scheme against it; keyd has no way to skip the check. The
 * RSA_DECRYPT reply is exactly 48 bytes with no length prefix: keyd performs
 * implicit rejection and always answers a premaster, so the protocol has no
 * way to say "padding error" and leaks nothing about it. client_version is
 * not judged here either: it is not an input of keyd's answer (ipc.h).
 */
#include "ipc/ipc.h"

#include "ipc/ipc_internal.h"

int moat_ipc_sign_encode(struct moat_buf *b, uint32_t request_id, const uint8_t key_id[MOAT_IPC_KEY_ID_LEN],
			 uint16_t scheme, uint8_t kind, const uint8_t *input, size_t len)
{
	ENSURE_REF(key_id);
	ENSURE(moat_ipc_check_sign_input(kind, scheme, input, len, NULL) == MOAT_SUCCESS, MOAT_ERR_INVALID_ARG);
	TRY(moat_ipc_begin(b, MOAT_IPC_SIGN, MOAT_IPC_OK, request_id));
	TRY(moat_buf_put_bytes(b, key_id, MOAT_IPC_KEY_ID_LEN));
	TRY(moat_buf_put_u16(b, scheme));
	TRY(moat_buf_put_u8(b, kind));
	TRY(moat_buf_put_prefixed(b, 2, input, len));
	return moat_ipc_end(b);
}

int moat_ipc_sign_decode(struct moat_cursor body, struct moat_ipc_sign *req, moat_ipc_status *st)
{
	ENSURE_REF(req);
	struct moat_ipc_sign r;
	IPC_WIRE(moat_cursor_get_bytes(&body, r.key_id, MOAT_IPC_KEY_ID_LEN), st);
	IPC_WIRE(moat_cursor_get_u16(&body, &r.scheme), st);
	IPC_WIRE(moat_cursor_get_u8(&body, &r.kind), st);
	TRY(moat_ipc_get_vector(&body, 2, 1, MOAT_IPC_SIGN_INPUT_MAX, &r.input, st));
	IPC_WIRE(moat_cursor_expect_end(&body), st);
	TRY(moat_ipc_check_sign_input(r.kind, r.scheme, moat_cursor_data(&r.input), moat_cursor_remaining(&r.input),
				      st));
	*req = r;
	return moat_ipc_ok(st);
}

int moat_ipc_sign_reply_encode(struct moat_buf *b, uint32_t request_id, const uint8_t *sig, size_t len)
{
	ENSURE_REF(sig);
	ENSURE(len >= 1 && len <= MOAT_IPC_SIGNATURE_MAX, MOAT_ERR_INVALID_ARG);
	TRY(moat_ipc_begin(b, MOAT_IPC_SIGN | MOAT_IPC_REPLY, MOAT_IPC_OK, request_id));
	TRY(moat_buf_put_prefixed(b, 2, sig, len));
	return moat_ipc_end(b);
}

int moat_ipc_sign_reply_decode(struct moat_cursor body, struct moat_cursor *sig, moat_ipc_status *st)
{
	ENSURE_REF(sig);
	struct moat_cursor s;
	TRY(moat_ipc_get_vector(&body, 2, 1, MOAT_IPC_SIGNATURE_MAX, &s, st));
	IPC_WIRE(moat_cursor_expect_end(&body), st);
	*sig = s;
	return moat_ipc_ok(st);
}

int moat_ipc_rsa_decrypt_encode(struct moat_buf *b, uint32_t request_id, const uint8_t key_id[MOAT_IPC_KEY_ID_LEN],
				uint16_t client_version, const uint8_t *ciphertext, size_t len)
{
	ENSURE_REF(key_id);
	ENSURE_REF(ciphertext);
	ENSURE(len >= 1 && len <= MOAT_IPC_CIPHERTEXT_MAX, MOAT_ERR_INVALID_ARG);
	TRY(moat_ipc_begin(b, MOAT_IPC_RSA_DECRYPT, MOAT_IPC_OK, request_id));
	TRY(moat_buf_put_bytes(b, key_id, MOAT_IPC_KEY_ID_LEN));
	TRY(moat_buf_put_u16(b, client_version));
	TRY(moat_buf_put_prefixed(b, 2, ciphertext, len));
	return moat_ipc_end(b);
}

int moat_ipc_rsa_decrypt_decode(struct moat_cursor body, struct moat_ipc_rsa_decrypt *req, moat_ipc_status *st)
{
	ENSURE_REF(req);
	struct moat_ipc_rsa_decrypt r;
	IPC_WIRE(moat_cursor_get_bytes(&body, r.key_id, MOAT_IPC_KEY_ID_LEN), st);
	IPC_WIRE(moat_cursor_get_u16(&body, &r.client_version), st);
	TRY(moat_ipc_get_vector(&body, 2, 1, MOAT_IPC_CIPHERTEXT_MAX, &r.ciphertext, st));
	IPC_WIRE(moat_cursor_expect_end(&body), st);
	*req = r;
	return moat_ipc_ok(st);
}

int moat_ipc_rsa_decrypt_reply_encode(struct moat_buf *b, uint32_t request_id,
				      const uint8_t premaster[MOAT_IPC_PREMASTER_LEN])
{
	ENSURE_REF(premaster);
	TRY(moat_ipc_begin(b, MOAT_IPC_RSA_DECRYPT | MOAT_IPC_REPLY, MOAT_IPC_OK, request_id));
	TRY(moat_buf_put_bytes(b, premaster, MOAT_IPC_PREMASTER_LEN));
	return moat_ipc_end(b);
}

int moat_ipc_rsa_decrypt_reply_decode(struct moat_cursor body, struct moat_cursor *premaster, moat_ipc_status *st)
{
	ENSURE_REF(premaster);
	IPC_ENSURE(moat_cursor_remaining(&body) == MOAT_IPC_PREMASTER_LEN, st, MOAT_IPC_MALFORMED);
	*premaster = body;
	return moat_ipc_ok(st);
}
