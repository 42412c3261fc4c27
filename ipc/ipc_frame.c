/*
 * Framing: the 12-byte header, the receiver's and the requester's first
 * checks, and the begin/end pair every encoder is built on.
 *
 * The header layout is the one thing no version may change (moat-ipc(7),
 * "Versioning"): version first, so a receiver can tell a version it does not
 * speak from garbage, and body_len last, so moat_ipc_begin can open it as a
 * 4-byte length prefix that moat_ipc_end back-fills. The receiver's checks
 * run in a fixed order (framing, version, status, opcode) so that the same
 * packet always gets the same answer.
 */
#include "ipc/ipc.h"

#include "ipc/ipc_internal.h"

int moat_ipc_fail(moat_ipc_status *st, moat_ipc_status s, const char *where)
{
	if (st != NULL)
		*st = s;
	moat_error_raise(MOAT_ERR_IPC_BAD_MESSAGE, where);
	return MOAT_FAILURE;
}

int moat_ipc_ok(moat_ipc_status *st)
{
	if (st != NULL)
		*st = MOAT_IPC_OK;
	return MOAT_SUCCESS;
}

int moat_ipc_get_vector(struct moat_cursor *c, unsigned width, size_t min, size_t max, struct moat_cursor *out,
			moat_ipc_status *st)
{
	struct moat_cursor v;
	IPC_WIRE(moat_cursor_get_prefixed(c, width, &v), st);
	IPC_ENSURE(moat_cursor_remaining(&v) >= min, st, MOAT_IPC_MALFORMED);
	IPC_ENSURE(moat_cursor_remaining(&v) <= max, st, MOAT_IPC_TOO_LARGE);
	*out = v;
	return MOAT_SUCCESS;
}

int moat_ipc_header_decode(const uint8_t *pkt, size_t len, struct moat_ipc_header *h, struct moat_cursor *body)
{
	ENSURE_REF(h);
	ENSURE_REF(body);
	ENSURE(pkt != NULL || len == 0, MOAT_ERR_NULL_ARG);
	struct moat_cursor c;
	struct moat_ipc_header r = { 0 };

	/* Read field by field so a short packet still yields its opcode and request id. */
	moat_cursor_init(&c, pkt, len);
	bool whole = moat_cursor_get_u8(&c, &r.version) == MOAT_SUCCESS &&
		     moat_cursor_get_u8(&c, &r.opcode) == MOAT_SUCCESS &&
		     moat_cursor_get_u16(&c, &r.status) == MOAT_SUCCESS &&
		     moat_cursor_get_u32(&c, &r.request_id) == MOAT_SUCCESS &&
		     moat_cursor_get_u32(&c, &r.body_len) == MOAT_SUCCESS;
	*h = r;
	ENSURE(whole && len <= MOAT_IPC_MAX_MESSAGE, MOAT_ERR_IPC_BAD_MESSAGE);
	ENSURE(r.body_len == moat_cursor_remaining(&c), MOAT_ERR_IPC_BAD_MESSAGE);
	*body = c;
	return MOAT_SUCCESS;
}

bool moat_ipc_opcode_is_request(uint8_t opcode)
{
	switch (opcode) {
	case MOAT_IPC_HELLO:
	case MOAT_IPC_SIGN:
	case MOAT_IPC_RSA_DECRYPT:
	case MOAT_IPC_PING:
	case MOAT_IPC_LIST_KEYS:
	case MOAT_IPC_STATS:
	case MOAT_IPC_KEY_ADD:
	case MOAT_IPC_KEY_REMOVE:
	case MOAT_IPC_TICKET_SEAL:
	case MOAT_IPC_TICKET_OPEN:
	case MOAT_IPC_TICKET_LIST:
	case MOAT_IPC_TICKET_ROTATE:
	case MOAT_IPC_TICKET_ADD:
	case MOAT_IPC_TICKET_REMOVE:
		return true;
	default:
		return false;
	}
}

bool moat_ipc_opcode_allowed(uint8_t opcode, moat_ipc_socket sock)
{
	switch (opcode) {
	case MOAT_IPC_HELLO:
	case MOAT_IPC_PING:
	/*
	 * LIST_KEYS on the data socket too: frontd learns which keys keyd
	 * holds and what each may do. Key ids, types, schemes and switches
	 * are public facts (the id is a hash of the public key), no secret.
	 */
	case MOAT_IPC_LIST_KEYS:
		return true;
	case MOAT_IPC_SIGN:
	case MOAT_IPC_RSA_DECRYPT:
	case MOAT_IPC_TICKET_SEAL:
	case MOAT_IPC_TICKET_OPEN:
		return sock == MOAT_IPC_DATA_SOCKET;
	case MOAT_IPC_STATS:
	case MOAT_IPC_KEY_ADD:
	case MOAT_IPC_KEY_REMOVE:
	case MOAT_IPC_TICKET_LIST:
	case MOAT_IPC_TICKET_ROTATE:
	case MOAT_IPC_TICKET_ADD:
	case MOAT_IPC_TICKET_REMOVE:
		return sock == MOAT_IPC_CONTROL_SOCKET;
	default:
		return false;
	}
}

int moat_ipc_request_open(const uint8_t *pkt, size_t len, struct moat_ipc_header *h, struct moat_cursor *body,
			  moat_ipc_status *st, bool *answerable)
{
	ENSURE_REF(answerable);
	*answerable = len >= MOAT_IPC_ANSWERABLE_LEN;
	if (moat_ipc_header_decode(pkt, len, h, body) != MOAT_SUCCESS) {
		if (moat_errno != MOAT_ERR_IPC_BAD_MESSAGE) {
			*answerable = false;
			return MOAT_FAILURE; /* a usage error, not the peer's */
		}
		return moat_ipc_fail(st, MOAT_IPC_MALFORMED, MOAT_HERE);
	}
	/* Version before anything else: a later version may give other fields other meanings. */
	IPC_ENSURE(h->version == MOAT_IPC_VERSION, st, MOAT_IPC_BAD_VERSION);
	IPC_ENSURE(h->status == MOAT_IPC_OK, st, MOAT_IPC_MALFORMED);
	IPC_ENSURE(moat_ipc_opcode_is_request(h->opcode), st, MOAT_IPC_BAD_OPCODE);
	return moat_ipc_ok(st);
}

int moat_ipc_reply_check(const struct moat_ipc_header *h, const struct moat_cursor *body, uint8_t request_opcode)
{
	ENSURE_REF(h);
	ENSURE_REF(body);
	ENSURE(h->version == MOAT_IPC_VERSION, MOAT_ERR_IPC_BAD_MESSAGE);
	ENSURE(h->opcode == (request_opcode | MOAT_IPC_REPLY), MOAT_ERR_IPC_BAD_MESSAGE);
	ENSURE(h->status <= MOAT_IPC_STATUS_MAX, MOAT_ERR_IPC_BAD_MESSAGE);
	ENSURE(h->status == MOAT_IPC_OK || moat_cursor_remaining(body) == 0, MOAT_ERR_IPC_BAD_MESSAGE);
	return MOAT_SUCCESS;
}

int moat_ipc_begin(struct moat_buf *b, uint8_t opcode, uint16_t status, uint32_t request_id)
{
	ENSURE_REF(b);
	ENSURE(b->len == 0 && b->depth == 0, MOAT_ERR_INVALID_STATE);
	ENSURE(status <= MOAT_IPC_STATUS_MAX, MOAT_ERR_INVALID_ARG);
	ENSURE((opcode & MOAT_IPC_REPLY) != 0 || status == MOAT_IPC_OK, MOAT_ERR_INVALID_ARG);
	TRY(moat_buf_put_u8(b, MOAT_IPC_VERSION));
	TRY(moat_buf_put_u8(b, opcode));
	TRY(moat_buf_put_u16(b, status));
	TRY(moat_buf_put_u32(b, request_id));
	return moat_buf_open_prefixed(b, 4);
}

int moat_ipc_end(struct moat_buf *b)
{
	ENSURE_REF(b);
	ENSURE(b->depth == 1 && b->len >= MOAT_IPC_HEADER_LEN, MOAT_ERR_PREFIX_NESTING);
	ENSURE(b->len <= MOAT_IPC_MAX_MESSAGE, MOAT_ERR_BUF_FULL);
	/* Status is bytes 2..3 of what moat_ipc_begin wrote: a non-OK reply carries no body. */
	bool ok = b->data[2] == 0 && b->data[3] == 0;
	ENSURE(ok || b->len == MOAT_IPC_HEADER_LEN, MOAT_ERR_INVALID_ARG);
	return moat_buf_close_prefixed(b);
}

int moat_ipc_set_request_id(uint8_t *pkt, size_t len, uint32_t request_id)
{
	ENSURE_REF(pkt);
	ENSURE(len >= MOAT_IPC_HEADER_LEN && len <= MOAT_IPC_MAX_MESSAGE, MOAT_ERR_INVALID_ARG);
	/* The id is bytes 4..7 of what moat_ipc_begin writes, after version, opcode and status. */
	struct moat_buf b;
	moat_buf_init_fixed(&b, pkt + 4, 4);
	return moat_buf_put_u32(&b, request_id);
}

int moat_ipc_encode_status(struct moat_buf *b, uint8_t request_opcode, uint32_t request_id, moat_ipc_status st)
{
	ENSURE(st != MOAT_IPC_OK, MOAT_ERR_INVALID_ARG);
	TRY(moat_ipc_begin(b, (uint8_t)(request_opcode | MOAT_IPC_REPLY), (uint16_t)st, request_id));
	return moat_ipc_end(b);
}
