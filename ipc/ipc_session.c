/*
 * HELLO and PING: the messages that belong to the connection rather than to
 * a key, valid on both sockets.
 *
 * HELLO negotiates a version from a range (moat-ipc(7), "Versioning"): its
 * body, like the header, keeps this layout in every version, so two peers of
 * different versions can always agree or refuse cleanly. The reply's limits
 * tell the requester how far it may pipeline (max_inflight) and how large a
 * packet keyd takes; a reply announcing less than the largest request of the
 * version is refused, since the requester could not use it.
 */
#include "ipc/ipc.h"

#include "ipc/ipc_internal.h"

static bool hello_range_ok(const struct moat_ipc_hello *h)
{
	return h->min_version >= 1 && h->min_version <= h->max_version;
}

static bool hello_reply_ok(const struct moat_ipc_hello_reply *r)
{
	return r->version >= 1 && r->max_inflight >= 1 && r->max_message >= MOAT_IPC_MIN_MAX_MESSAGE &&
	       r->max_message <= MOAT_IPC_MAX_MESSAGE;
}

int moat_ipc_hello_encode(struct moat_buf *b, uint32_t request_id, const struct moat_ipc_hello *hello)
{
	ENSURE_REF(hello);
	ENSURE(hello_range_ok(hello), MOAT_ERR_INVALID_ARG);
	TRY(moat_ipc_begin(b, MOAT_IPC_HELLO, MOAT_IPC_OK, request_id));
	TRY(moat_buf_put_u8(b, hello->min_version));
	TRY(moat_buf_put_u8(b, hello->max_version));
	TRY(moat_buf_put_u16(b, 0)); /* reserved */
	return moat_ipc_end(b);
}

int moat_ipc_hello_decode(struct moat_cursor body, struct moat_ipc_hello *hello, moat_ipc_status *st)
{
	ENSURE_REF(hello);
	struct moat_ipc_hello r;
	uint16_t reserved;
	IPC_WIRE(moat_cursor_get_u8(&body, &r.min_version), st);
	IPC_WIRE(moat_cursor_get_u8(&body, &r.max_version), st);
	IPC_WIRE(moat_cursor_get_u16(&body, &reserved), st);
	IPC_WIRE(moat_cursor_expect_end(&body), st);
	IPC_ENSURE(reserved == 0, st, MOAT_IPC_MALFORMED);
	IPC_ENSURE(hello_range_ok(&r), st, MOAT_IPC_MALFORMED);
	*hello = r;
	return moat_ipc_ok(st);
}

int moat_ipc_hello_choose(const struct moat_ipc_hello *hello, uint8_t *version, moat_ipc_status *st)
{
	ENSURE_REF(hello);
	ENSURE_REF(version);
	/* The highest version both speak; this codec speaks exactly one. */
	IPC_ENSURE(hello->min_version <= MOAT_IPC_VERSION && MOAT_IPC_VERSION <= hello->max_version, st,
		   MOAT_IPC_BAD_VERSION);
	*version = MOAT_IPC_VERSION;
	return moat_ipc_ok(st);
}

int moat_ipc_hello_reply_encode(struct moat_buf *b, uint32_t request_id, const struct moat_ipc_hello_reply *reply)
{
	ENSURE_REF(reply);
	ENSURE(hello_reply_ok(reply), MOAT_ERR_INVALID_ARG);
	TRY(moat_ipc_begin(b, MOAT_IPC_HELLO | MOAT_IPC_REPLY, MOAT_IPC_OK, request_id));
	TRY(moat_buf_put_u8(b, reply->version));
	TRY(moat_buf_put_u16(b, reply->max_inflight));
	TRY(moat_buf_put_u16(b, reply->max_message));
	return moat_ipc_end(b);
}

int moat_ipc_hello_reply_decode(struct moat_cursor body, struct moat_ipc_hello_reply *reply, moat_ipc_status *st)
{
	ENSURE_REF(reply);
	struct moat_ipc_hello_reply r;
	IPC_WIRE(moat_cursor_get_u8(&body, &r.version), st);
	IPC_WIRE(moat_cursor_get_u16(&body, &r.max_inflight), st);
	IPC_WIRE(moat_cursor_get_u16(&body, &r.max_message), st);
	IPC_WIRE(moat_cursor_expect_end(&body), st);
	IPC_ENSURE(hello_reply_ok(&r), st, MOAT_IPC_MALFORMED);
	*reply = r;
	return moat_ipc_ok(st);
}

static int ping_body_encode(struct moat_buf *b, uint8_t opcode, uint32_t request_id, const uint8_t *payload,
			    size_t len)
{
	ENSURE(len <= MOAT_IPC_PING_MAX, MOAT_ERR_INVALID_ARG);
	ENSURE(len == 0 || payload != NULL, MOAT_ERR_NULL_ARG);
	TRY(moat_ipc_begin(b, opcode, MOAT_IPC_OK, request_id));
	TRY(moat_buf_put_prefixed(b, 2, payload, len));
	return moat_ipc_end(b);
}

static int ping_body_decode(struct moat_cursor body, struct moat_cursor *payload, moat_ipc_status *st)
{
	ENSURE_REF(payload);
	struct moat_cursor p;
	TRY(moat_ipc_get_vector(&body, 2, 0, MOAT_IPC_PING_MAX, &p, st));
	IPC_WIRE(moat_cursor_expect_end(&body), st);
	*payload = p;
	return moat_ipc_ok(st);
}

int moat_ipc_ping_encode(struct moat_buf *b, uint32_t request_id, const uint8_t *payload, size_t len)
{
	return ping_body_encode(b, MOAT_IPC_PING, request_id, payload, len);
}

int moat_ipc_ping_decode(struct moat_cursor body, struct moat_cursor *payload, moat_ipc_status *st)
{
	return ping_body_decode(body, payload, st);
}

int moat_ipc_ping_reply_encode(struct moat_buf *b, uint32_t request_id, const uint8_t *payload, size_t len)
{
	return ping_body_encode(b, MOAT_IPC_PING | MOAT_IPC_REPLY, request_id, payload, len);
}

int moat_ipc_ping_reply_decode(struct moat_cursor body, struct moat_cursor *payload, moat_ipc_status *st)
{
	return ping_body_decode(body, payload, st);
}
