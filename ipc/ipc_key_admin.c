/*
 * KEY_ADD and KEY_REMOVE: the control-socket requests that change the keys
 * a running keyd serves (moat-keyctl key add / key remove).
 *
 * KEY_ADD carries a private key, so the codec is strict about the one
 * thing it can judge: the key is an opaque vector of 1..MOAT_IPC_KEY_DER_MAX
 * bytes that the decoder hands over as a view into the packet, never
 * copied, so the packet buffer is the only copy the receiver must wipe.
 * Whether the bytes are a key keyd serves is keyd's check (BAD_KEY). The
 * name follows the LIST_KEYS rules, the role and option bits are exactly
 * the configuration's "key" block (moat-keyd.conf(5)): an unknown bit is
 * MALFORMED, not ignored, so a later option is never silently dropped by
 * an older keyd.
 */
#include "ipc/ipc.h"

#include <string.h>

#include "ipc/ipc_internal.h"

static bool role_ok(uint8_t role)
{
	return role != 0 && (role & (uint8_t)~(MOAT_IPC_ROLE_SERVER | MOAT_IPC_ROLE_CLIENT)) == 0;
}

static bool name_arg_ok(const char *name, size_t cap)
{
	size_t n = strnlen(name, cap);
	return n >= 1 && n < cap && moat_ipc_key_name_ok(name, n);
}

/* name<1..255> into out (NUL-terminated): MALFORMED unless the LIST_KEYS name rules hold. */
static int get_name(struct moat_cursor *c, char out[MOAT_IPC_KEY_NAME_MAX + 1], moat_ipc_status *st)
{
	struct moat_cursor v;
	TRY(moat_ipc_get_vector(c, 1, 1, MOAT_IPC_KEY_NAME_MAX, &v, st));
	size_t n = moat_cursor_remaining(&v);
	IPC_WIRE(moat_cursor_get_bytes(&v, out, n), st);
	out[n] = '\0';
	IPC_ENSURE(moat_ipc_key_name_ok(out, n), st, MOAT_IPC_MALFORMED);
	return MOAT_SUCCESS;
}

int moat_ipc_key_add_encode(struct moat_buf *b, uint32_t request_id, const struct moat_ipc_key_add *req)
{
	ENSURE_REF(req);
	size_t key_len = moat_cursor_remaining(&req->key);
	ENSURE(key_len >= 1 && key_len <= MOAT_IPC_KEY_DER_MAX, MOAT_ERR_INVALID_ARG);
	ENSURE(name_arg_ok(req->name, sizeof(req->name)), MOAT_ERR_INVALID_ARG);
	ENSURE(role_ok(req->role) && (req->options & (uint8_t)~MOAT_IPC_KEY_OPT_ALL) == 0, MOAT_ERR_INVALID_ARG);
	TRY(moat_ipc_begin(b, MOAT_IPC_KEY_ADD, MOAT_IPC_OK, request_id));
	TRY(moat_buf_put_prefixed(b, 2, moat_cursor_data(&req->key), key_len));
	TRY(moat_buf_put_prefixed(b, 1, req->name, strlen(req->name)));
	TRY(moat_buf_put_u8(b, req->role));
	TRY(moat_buf_put_u8(b, req->options));
	return moat_ipc_end(b);
}

int moat_ipc_key_add_decode(struct moat_cursor body, struct moat_ipc_key_add *req, moat_ipc_status *st)
{
	ENSURE_REF(req);
	memset(req, 0, sizeof(*req));
	TRY(moat_ipc_get_vector(&body, 2, 1, MOAT_IPC_KEY_DER_MAX, &req->key, st));
	TRY(get_name(&body, req->name, st));
	IPC_WIRE(moat_cursor_get_u8(&body, &req->role), st);
	IPC_WIRE(moat_cursor_get_u8(&body, &req->options), st);
	IPC_WIRE(moat_cursor_expect_end(&body), st);
	IPC_ENSURE(role_ok(req->role), st, MOAT_IPC_MALFORMED);
	IPC_ENSURE((req->options & (uint8_t)~MOAT_IPC_KEY_OPT_ALL) == 0, st, MOAT_IPC_MALFORMED);
	return moat_ipc_ok(st);
}

int moat_ipc_key_remove_encode(struct moat_buf *b, uint32_t request_id, const struct moat_ipc_key_remove *req)
{
	ENSURE_REF(req);
	ENSURE(req->by == MOAT_IPC_KEY_BY_ID || req->by == MOAT_IPC_KEY_BY_NAME, MOAT_ERR_INVALID_ARG);
	ENSURE(req->by == MOAT_IPC_KEY_BY_ID || name_arg_ok(req->name, sizeof(req->name)), MOAT_ERR_INVALID_ARG);
	TRY(moat_ipc_begin(b, MOAT_IPC_KEY_REMOVE, MOAT_IPC_OK, request_id));
	TRY(moat_buf_put_u8(b, req->by));
	if (req->by == MOAT_IPC_KEY_BY_ID)
		TRY(moat_buf_put_bytes(b, req->key_id, MOAT_IPC_KEY_ID_LEN));
	else
		TRY(moat_buf_put_prefixed(b, 1, req->name, strlen(req->name)));
	return moat_ipc_end(b);
}

int moat_ipc_key_remove_decode(struct moat_cursor body, struct moat_ipc_key_remove *req, moat_ipc_status *st)
{
	ENSURE_REF(req);
	memset(req, 0, sizeof(*req));
	IPC_WIRE(moat_cursor_get_u8(&body, &req->by), st);
	if (req->by == MOAT_IPC_KEY_BY_ID)
		IPC_WIRE(moat_cursor_get_bytes(&body, req->key_id, MOAT_IPC_KEY_ID_LEN), st);
	else if (req->by == MOAT_IPC_KEY_BY_NAME)
		TRY(get_name(&body, req->name, st));
	else
		return moat_ipc_fail(st, MOAT_IPC_MALFORMED, MOAT_HERE);
	IPC_WIRE(moat_cursor_expect_end(&body), st);
	return moat_ipc_ok(st);
}

int moat_ipc_key_change_reply_encode(struct moat_buf *b, uint8_t request_opcode, uint32_t request_id,
				     const uint8_t key_id[MOAT_IPC_KEY_ID_LEN])
{
	ENSURE_REF(key_id);
	ENSURE(request_opcode == MOAT_IPC_KEY_ADD || request_opcode == MOAT_IPC_KEY_REMOVE, MOAT_ERR_INVALID_ARG);
	TRY(moat_ipc_begin(b, (uint8_t)(request_opcode | MOAT_IPC_REPLY), MOAT_IPC_OK, request_id));
	TRY(moat_buf_put_bytes(b, key_id, MOAT_IPC_KEY_ID_LEN));
	return moat_ipc_end(b);
}

int moat_ipc_key_change_reply_decode(struct moat_cursor body, uint8_t key_id[MOAT_IPC_KEY_ID_LEN], moat_ipc_status *st)
{
	ENSURE_REF(key_id);
	IPC_WIRE(moat_cursor_get_bytes(&body, key_id, MOAT_IPC_KEY_ID_LEN), st);
	IPC_WIRE(moat_cursor_expect_end(&body), st);
	return moat_ipc_ok(st);
}
