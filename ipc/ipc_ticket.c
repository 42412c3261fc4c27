/*
 * The ticket-key messages (ipc.h, "Ticket keys"): SEAL and OPEN on the data
 * socket, LIST, ROTATE, ADD and REMOVE on the control socket.
 *
 * What crosses which boundary: frontd hands keyd a session state to seal and
 * a client's ticket to open, and gets back a ticket or a state; it never
 * sees a key. A ticket is client-controlled bytes, so TICKET_OPEN's decoder
 * accepts any length up to the largest ticket keyd makes and leaves the
 * judgement to keyd, whose only answers are a state, UNKNOWN_KEY or
 * BAD_TICKET (tls/crypto/ticket_aead.h says why no more detail). The one
 * message that carries a key's secret is TICKET_ADD, on the control socket
 * that only root and keyd's user reach; its decoder gives a view into the
 * packet rather than a copy, so the packet is the one copy the receiver
 * wipes. LIST names keys by their 16-byte name and never carries a secret.
 */
#include "ipc/ipc.h"

#include <string.h>

#include "ipc/ipc_internal.h"
#include "tls/crypto/ticket_aead.h"

_Static_assert(MOAT_IPC_TICKET_NAME_LEN == MOAT_TICKET_NAME_LEN, "one key name length");
_Static_assert(MOAT_IPC_TICKET_SECRET_LEN == MOAT_TICKET_SECRET_LEN, "one secret length");
_Static_assert(MOAT_IPC_TICKET_STATE_MAX == MOAT_TICKET_PLAINTEXT_MAX, "a state of any size seals");
_Static_assert(MOAT_IPC_TICKET_MAX == MOAT_TICKET_MAX_LEN, "every ticket keyd makes can be opened");

static int empty_decode(struct moat_cursor body, moat_ipc_status *st)
{
	IPC_WIRE(moat_cursor_expect_end(&body), st);
	return moat_ipc_ok(st);
}

static int empty_encode(struct moat_buf *b, uint8_t opcode, uint32_t request_id)
{
	TRY(moat_ipc_begin(b, opcode, MOAT_IPC_OK, request_id));
	return moat_ipc_end(b);
}

static int vector_encode(struct moat_buf *b, uint8_t opcode, uint32_t request_id, const uint8_t *data, size_t len,
			 size_t min, size_t max)
{
	ENSURE_REF(data);
	ENSURE(len >= min && len <= max, MOAT_ERR_INVALID_ARG);
	TRY(moat_ipc_begin(b, opcode, MOAT_IPC_OK, request_id));
	TRY(moat_buf_put_prefixed(b, 2, data, len));
	return moat_ipc_end(b);
}

static int vector_decode(struct moat_cursor body, size_t min, size_t max, struct moat_cursor *out,
			 moat_ipc_status *st)
{
	ENSURE_REF(out);
	struct moat_cursor v;
	TRY(moat_ipc_get_vector(&body, 2, min, max, &v, st));
	IPC_WIRE(moat_cursor_expect_end(&body), st);
	*out = v;
	return moat_ipc_ok(st);
}

/* ---- TICKET_SEAL ---- */

int moat_ipc_ticket_seal_encode(struct moat_buf *b, uint32_t request_id, const uint8_t *state, size_t len)
{
	return vector_encode(b, MOAT_IPC_TICKET_SEAL, request_id, state, len, 1, MOAT_IPC_TICKET_STATE_MAX);
}

int moat_ipc_ticket_seal_decode(struct moat_cursor body, struct moat_cursor *state, moat_ipc_status *st)
{
	return vector_decode(body, 1, MOAT_IPC_TICKET_STATE_MAX, state, st);
}

int moat_ipc_ticket_seal_reply_encode(struct moat_buf *b, uint32_t request_id, const uint8_t *ticket, size_t len)
{
	return vector_encode(b, MOAT_IPC_TICKET_SEAL | MOAT_IPC_REPLY, request_id, ticket, len, MOAT_TICKET_MIN_LEN,
			     MOAT_IPC_TICKET_MAX);
}

int moat_ipc_ticket_seal_reply_decode(struct moat_cursor body, struct moat_cursor *ticket, moat_ipc_status *st)
{
	return vector_decode(body, MOAT_TICKET_MIN_LEN, MOAT_IPC_TICKET_MAX, ticket, st);
}

/* ---- TICKET_OPEN ---- */

int moat_ipc_ticket_open_encode(struct moat_buf *b, uint32_t request_id, const uint8_t *ticket, size_t len)
{
	return vector_encode(b, MOAT_IPC_TICKET_OPEN, request_id, ticket, len, 1, MOAT_IPC_TICKET_MAX);
}

int moat_ipc_ticket_open_flags_encode(struct moat_buf *b, uint32_t request_id, uint8_t flags, const uint8_t *ticket,
				      size_t len)
{
	ENSURE((flags & ~MOAT_IPC_TICKET_FOR_EARLY_DATA) == 0, MOAT_ERR_INVALID_ARG);
	if (flags == 0)
		return moat_ipc_ticket_open_encode(b, request_id, ticket, len);
	ENSURE_REF(ticket);
	ENSURE(len >= 1 && len <= MOAT_IPC_TICKET_MAX, MOAT_ERR_INVALID_ARG);
	TRY(moat_ipc_begin(b, MOAT_IPC_TICKET_OPEN, MOAT_IPC_OK, request_id));
	TRY(moat_buf_put_prefixed(b, 2, ticket, len));
	TRY(moat_buf_put_u8(b, flags));
	return moat_ipc_end(b);
}

int moat_ipc_ticket_open_flags_decode(struct moat_cursor body, struct moat_cursor *ticket, uint8_t *flags,
				      moat_ipc_status *st)
{
	ENSURE_REF(ticket);
	ENSURE_REF(flags);
	struct moat_cursor v;
	uint8_t f = 0;
	TRY(moat_ipc_get_vector(&body, 2, 1, MOAT_IPC_TICKET_MAX, &v, st));
	/* Absent: a requester older than 0-RTT. Present, it is never 0 (the encoder leaves it out). */
	if (moat_cursor_remaining(&body) > 0) {
		IPC_WIRE(moat_cursor_get_u8(&body, &f), st);
		IPC_ENSURE(f != 0 && (f & ~MOAT_IPC_TICKET_FOR_EARLY_DATA) == 0, st, MOAT_IPC_MALFORMED);
	}
	IPC_WIRE(moat_cursor_expect_end(&body), st);
	*ticket = v;
	*flags = f;
	return moat_ipc_ok(st);
}

int moat_ipc_ticket_open_decode(struct moat_cursor body, struct moat_cursor *ticket, moat_ipc_status *st)
{
	uint8_t flags;
	return moat_ipc_ticket_open_flags_decode(body, ticket, &flags, st);
}

int moat_ipc_ticket_open_reply_encode(struct moat_buf *b, uint32_t request_id, uint8_t flags, const uint8_t *state,
				      size_t len)
{
	ENSURE_REF(state);
	ENSURE((flags & ~MOAT_IPC_TICKET_REPLY_FLAGS) == 0, MOAT_ERR_INVALID_ARG);
	ENSURE(len >= 1 && len <= MOAT_IPC_TICKET_STATE_MAX, MOAT_ERR_INVALID_ARG);
	TRY(moat_ipc_begin(b, MOAT_IPC_TICKET_OPEN | MOAT_IPC_REPLY, MOAT_IPC_OK, request_id));
	TRY(moat_buf_put_u8(b, flags));
	TRY(moat_buf_put_prefixed(b, 2, state, len));
	return moat_ipc_end(b);
}

int moat_ipc_ticket_open_reply_decode(struct moat_cursor body, uint8_t *flags, struct moat_cursor *state,
				      moat_ipc_status *st)
{
	ENSURE_REF(flags);
	ENSURE_REF(state);
	uint8_t f;
	IPC_WIRE(moat_cursor_get_u8(&body, &f), st);
	IPC_ENSURE((f & ~MOAT_IPC_TICKET_REPLY_FLAGS) == 0, st, MOAT_IPC_MALFORMED);
	TRY(vector_decode(body, 1, MOAT_IPC_TICKET_STATE_MAX, state, st));
	*flags = f;
	return MOAT_SUCCESS;
}

/* ---- TICKET_LIST ---- */

static bool key_info_ok(const struct moat_ipc_ticket_key_info *k)
{
	return k->state >= MOAT_IPC_TICKET_PENDING && k->state <= MOAT_IPC_TICKET_DECRYPT_ONLY &&
	       (k->origin == MOAT_IPC_TICKET_GENERATED || k->origin == MOAT_IPC_TICKET_IMPORTED) &&
	       k->intro <= k->encrypt_until && k->encrypt_until <= k->expires;
}

int moat_ipc_ticket_list_encode(struct moat_buf *b, uint32_t request_id)
{
	return empty_encode(b, MOAT_IPC_TICKET_LIST, request_id);
}

int moat_ipc_ticket_list_decode(struct moat_cursor body, moat_ipc_status *st)
{
	return empty_decode(body, st);
}

int moat_ipc_ticket_list_reply_encode(struct moat_buf *b, uint32_t request_id, uint8_t mode,
				      const struct moat_ipc_ticket_key_info *keys, size_t count)
{
	ENSURE(mode <= MOAT_IPC_TICKETS_IMPORTED, MOAT_ERR_INVALID_ARG);
	ENSURE(count <= MOAT_IPC_MAX_TICKET_KEYS, MOAT_ERR_INVALID_ARG);
	ENSURE(count == 0 || keys != NULL, MOAT_ERR_NULL_ARG);
	for (size_t i = 0; i < count; i++)
		ENSURE(key_info_ok(&keys[i]), MOAT_ERR_INVALID_ARG);
	TRY(moat_ipc_begin(b, MOAT_IPC_TICKET_LIST | MOAT_IPC_REPLY, MOAT_IPC_OK, request_id));
	TRY(moat_buf_put_u8(b, mode));
	TRY(moat_buf_put_u16(b, (uint16_t)count));
	for (size_t i = 0; i < count; i++) {
		const struct moat_ipc_ticket_key_info *k = &keys[i];
		TRY(moat_buf_put_bytes(b, k->name, sizeof(k->name)));
		TRY(moat_buf_put_u8(b, k->state));
		TRY(moat_buf_put_u8(b, k->origin));
		TRY(moat_buf_put_u64(b, k->intro));
		TRY(moat_buf_put_u64(b, k->encrypt_until));
		TRY(moat_buf_put_u64(b, k->expires));
		TRY(moat_buf_put_u64(b, k->seals));
		TRY(moat_buf_put_u64(b, k->opens));
	}
	return moat_ipc_end(b);
}

int moat_ipc_ticket_list_reply_decode(struct moat_cursor body, uint8_t *mode, struct moat_ipc_ticket_key_info *keys,
				      size_t cap, size_t *count, moat_ipc_status *st)
{
	ENSURE_REF(mode);
	ENSURE_REF(count);
	ENSURE(cap == 0 || keys != NULL, MOAT_ERR_NULL_ARG);
	uint8_t m;
	uint16_t n;
	IPC_WIRE(moat_cursor_get_u8(&body, &m), st);
	IPC_ENSURE(m <= MOAT_IPC_TICKETS_IMPORTED, st, MOAT_IPC_MALFORMED);
	IPC_WIRE(moat_cursor_get_u16(&body, &n), st);
	IPC_ENSURE(n <= MOAT_IPC_MAX_TICKET_KEYS && n <= cap, st, MOAT_IPC_TOO_LARGE);
	for (size_t i = 0; i < n; i++) {
		struct moat_ipc_ticket_key_info *k = &keys[i];
		memset(k, 0, sizeof(*k));
		IPC_WIRE(moat_cursor_get_bytes(&body, k->name, sizeof(k->name)), st);
		IPC_WIRE(moat_cursor_get_u8(&body, &k->state), st);
		IPC_WIRE(moat_cursor_get_u8(&body, &k->origin), st);
		IPC_WIRE(moat_cursor_get_u64(&body, &k->intro), st);
		IPC_WIRE(moat_cursor_get_u64(&body, &k->encrypt_until), st);
		IPC_WIRE(moat_cursor_get_u64(&body, &k->expires), st);
		IPC_WIRE(moat_cursor_get_u64(&body, &k->seals), st);
		IPC_WIRE(moat_cursor_get_u64(&body, &k->opens), st);
		IPC_ENSURE(key_info_ok(k), st, MOAT_IPC_MALFORMED);
	}
	IPC_WIRE(moat_cursor_expect_end(&body), st);
	*mode = m;
	*count = n;
	return moat_ipc_ok(st);
}

/* ---- TICKET_ROTATE ---- */

int moat_ipc_ticket_rotate_encode(struct moat_buf *b, uint32_t request_id)
{
	return empty_encode(b, MOAT_IPC_TICKET_ROTATE, request_id);
}

int moat_ipc_ticket_rotate_decode(struct moat_cursor body, moat_ipc_status *st)
{
	return empty_decode(body, st);
}

int moat_ipc_ticket_rotate_reply_encode(struct moat_buf *b, uint32_t request_id,
					const uint8_t name[MOAT_IPC_TICKET_NAME_LEN])
{
	ENSURE_REF(name);
	TRY(moat_ipc_begin(b, MOAT_IPC_TICKET_ROTATE | MOAT_IPC_REPLY, MOAT_IPC_OK, request_id));
	TRY(moat_buf_put_bytes(b, name, MOAT_IPC_TICKET_NAME_LEN));
	return moat_ipc_end(b);
}

int moat_ipc_ticket_rotate_reply_decode(struct moat_cursor body, uint8_t name[MOAT_IPC_TICKET_NAME_LEN],
					moat_ipc_status *st)
{
	ENSURE_REF(name);
	uint8_t n[MOAT_IPC_TICKET_NAME_LEN];
	IPC_WIRE(moat_cursor_get_bytes(&body, n, sizeof(n)), st);
	IPC_WIRE(moat_cursor_expect_end(&body), st);
	memcpy(name, n, sizeof(n));
	return moat_ipc_ok(st);
}

/* ---- TICKET_ADD ---- */

int moat_ipc_ticket_add_encode(struct moat_buf *b, uint32_t request_id, const uint8_t name[MOAT_IPC_TICKET_NAME_LEN],
			       const uint8_t secret[MOAT_IPC_TICKET_SECRET_LEN], uint64_t intro,
			       uint32_t encrypt_lifetime, uint32_t decrypt_lifetime)
{
	ENSURE_REF(name);
	ENSURE_REF(secret);
	ENSURE(encrypt_lifetime <= MOAT_IPC_TICKET_LIFETIME_MAX && decrypt_lifetime <= MOAT_IPC_TICKET_LIFETIME_MAX,
	       MOAT_ERR_INVALID_ARG);
	TRY(moat_ipc_begin(b, MOAT_IPC_TICKET_ADD, MOAT_IPC_OK, request_id));
	TRY(moat_buf_put_bytes(b, name, MOAT_IPC_TICKET_NAME_LEN));
	TRY(moat_buf_put_bytes(b, secret, MOAT_IPC_TICKET_SECRET_LEN));
	TRY(moat_buf_put_u64(b, intro));
	TRY(moat_buf_put_u32(b, encrypt_lifetime));
	TRY(moat_buf_put_u32(b, decrypt_lifetime));
	return moat_ipc_end(b);
}

int moat_ipc_ticket_add_decode(struct moat_cursor body, struct moat_ipc_ticket_add *req, moat_ipc_status *st)
{
	ENSURE_REF(req);
	struct moat_ipc_ticket_add r;
	IPC_WIRE(moat_cursor_get_bytes(&body, r.name, sizeof(r.name)), st);
	IPC_WIRE(moat_cursor_get_sub(&body, MOAT_IPC_TICKET_SECRET_LEN, &r.secret), st);
	IPC_WIRE(moat_cursor_get_u64(&body, &r.intro), st);
	IPC_WIRE(moat_cursor_get_u32(&body, &r.encrypt_lifetime), st);
	IPC_WIRE(moat_cursor_get_u32(&body, &r.decrypt_lifetime), st);
	IPC_WIRE(moat_cursor_expect_end(&body), st);
	IPC_ENSURE(r.encrypt_lifetime <= MOAT_IPC_TICKET_LIFETIME_MAX, st, MOAT_IPC_TOO_LARGE);
	IPC_ENSURE(r.decrypt_lifetime <= MOAT_IPC_TICKET_LIFETIME_MAX, st, MOAT_IPC_TOO_LARGE);
	*req = r;
	return moat_ipc_ok(st);
}

/* ---- TICKET_REMOVE ---- */

int moat_ipc_ticket_remove_encode(struct moat_buf *b, uint32_t request_id, const uint8_t name[MOAT_IPC_TICKET_NAME_LEN])
{
	ENSURE_REF(name);
	TRY(moat_ipc_begin(b, MOAT_IPC_TICKET_REMOVE, MOAT_IPC_OK, request_id));
	TRY(moat_buf_put_bytes(b, name, MOAT_IPC_TICKET_NAME_LEN));
	return moat_ipc_end(b);
}

int moat_ipc_ticket_remove_decode(struct moat_cursor body, uint8_t name[MOAT_IPC_TICKET_NAME_LEN],
				  moat_ipc_status *st)
{
	return moat_ipc_ticket_rotate_reply_decode(body, name, st);
}

/* ---- the empty replies ---- */

int moat_ipc_ticket_done_encode(struct moat_buf *b, uint8_t request_opcode, uint32_t request_id)
{
	ENSURE(request_opcode == MOAT_IPC_TICKET_ADD || request_opcode == MOAT_IPC_TICKET_REMOVE, MOAT_ERR_INVALID_ARG);
	return empty_encode(b, (uint8_t)(request_opcode | MOAT_IPC_REPLY), request_id);
}

int moat_ipc_ticket_done_decode(struct moat_cursor body, moat_ipc_status *st)
{
	return empty_decode(body, st);
}
