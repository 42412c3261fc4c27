/*
 * libFuzzer target for the ticket-key messages (ipc/ipc_ticket.c): the
 * bodies keyd parses from frontd (TICKET_SEAL, TICKET_OPEN) and from
 * moat-keyctl (TICKET_ADD, TICKET_REMOVE, the empty LIST and ROTATE), and
 * the replies frontd and keyctl parse back. Also the ticket primitive's
 * name reader, which sees the client's bytes first.
 *
 * Every decoder gets the whole input (and the body, when it frames).
 * Oracles besides the sanitizers: whatever a decoder accepts, its encoder
 * re-encodes to the same bytes; a refusal names a status keyd can answer;
 * an accepted ADD's secret is a 32-byte view into the input.
 *
 * Built with -DMOAT_FUZZ_STANDALONE it gets a main() that runs a few
 * built-in inputs and every prefix of each.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "ipc/ipc.h"
#include "tls/crypto/ticket_aead.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out_mem[MOAT_IPC_MAX_MESSAGE];
static struct moat_ipc_ticket_key_info keys[MOAT_IPC_MAX_TICKET_KEYS];

static void require(bool cond)
{
	if (!cond)
		abort();
}

static struct moat_buf *start(void)
{
	static struct moat_buf out;
	moat_buf_init_fixed(&out, out_mem, sizeof(out_mem));
	return &out;
}

static void same_body(int rc, const struct moat_buf *out, struct moat_cursor body)
{
	require(rc == MOAT_SUCCESS);
	require(out->len == MOAT_IPC_HEADER_LEN + moat_cursor_remaining(&body));
	require(memcmp(out->data + MOAT_IPC_HEADER_LEN, moat_cursor_data(&body), moat_cursor_remaining(&body)) == 0);
}

static void refused(moat_ipc_status st)
{
	require(st != MOAT_IPC_OK && st <= MOAT_IPC_STATUS_MAX);
	require(moat_errno == MOAT_ERR_IPC_BAD_MESSAGE);
}

static void all_decoders(struct moat_cursor body, uint32_t id)
{
	moat_ipc_status st = MOAT_IPC_OK;
	struct moat_cursor v;
	struct moat_buf *out;
	uint8_t name[MOAT_IPC_TICKET_NAME_LEN], flags, mode;
	size_t n;

	if (moat_ipc_ticket_seal_decode(body, &v, &st) == MOAT_SUCCESS) {
		out = start();
		same_body(moat_ipc_ticket_seal_encode(out, id, moat_cursor_data(&v), moat_cursor_remaining(&v)), out,
			  body);
	} else {
		refused(st);
	}
	if (moat_ipc_ticket_seal_reply_decode(body, &v, &st) == MOAT_SUCCESS) {
		out = start();
		same_body(moat_ipc_ticket_seal_reply_encode(out, id, moat_cursor_data(&v), moat_cursor_remaining(&v)),
			  out, body);
	}
	if (moat_ipc_ticket_open_flags_decode(body, &v, &flags, &st) == MOAT_SUCCESS) {
		out = start();
		/* The request's flags byte (0-RTT) round-trips too: written only when not 0, as it was read. */
		same_body(moat_ipc_ticket_open_flags_encode(out, id, flags, moat_cursor_data(&v), moat_cursor_remaining(&v)),
			  out, body);
		/* What keyd does next with a client's ticket: read the name it claims. */
		uint8_t claimed[MOAT_TICKET_NAME_LEN];
		if (moat_ticket_name(moat_cursor_data(&v), moat_cursor_remaining(&v), claimed) == MOAT_SUCCESS)
			require(moat_cursor_remaining(&v) >= MOAT_TICKET_MIN_LEN);
	} else {
		refused(st);
	}
	if (moat_ipc_ticket_open_reply_decode(body, &flags, &v, &st) == MOAT_SUCCESS) {
		out = start();
		same_body(moat_ipc_ticket_open_reply_encode(out, id, flags, moat_cursor_data(&v),
							    moat_cursor_remaining(&v)),
			  out, body);
	}
	if (moat_ipc_ticket_list_reply_decode(body, &mode, keys, MOAT_IPC_MAX_TICKET_KEYS, &n, &st) == MOAT_SUCCESS) {
		out = start();
		same_body(moat_ipc_ticket_list_reply_encode(out, id, mode, keys, n), out, body);
	}
	if (moat_ipc_ticket_rotate_reply_decode(body, name, &st) == MOAT_SUCCESS) {
		out = start();
		same_body(moat_ipc_ticket_rotate_reply_encode(out, id, name), out, body);
	}
	struct moat_ipc_ticket_add add;
	if (moat_ipc_ticket_add_decode(body, &add, &st) == MOAT_SUCCESS) {
		require(moat_cursor_remaining(&add.secret) == MOAT_IPC_TICKET_SECRET_LEN);
		out = start();
		same_body(moat_ipc_ticket_add_encode(out, id, add.name, moat_cursor_data(&add.secret), add.intro,
						     add.encrypt_lifetime, add.decrypt_lifetime),
			  out, body);
	} else {
		refused(st);
	}
	if (moat_ipc_ticket_remove_decode(body, name, &st) == MOAT_SUCCESS) {
		out = start();
		same_body(moat_ipc_ticket_remove_encode(out, id, name), out, body);
	} else {
		refused(st);
	}
	bool empty = moat_cursor_remaining(&body) == 0;
	require((moat_ipc_ticket_list_decode(body, &st) == MOAT_SUCCESS) == empty);
	require((moat_ipc_ticket_rotate_decode(body, &st) == MOAT_SUCCESS) == empty);
	require((moat_ipc_ticket_done_decode(body, &st) == MOAT_SUCCESS) == empty);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_ipc_header h;
	struct moat_cursor body;
	if (moat_ipc_header_decode(data, size, &h, &body) == MOAT_SUCCESS)
		all_decoders(body, h.request_id);
	moat_cursor_init(&body, data, size);
	all_decoders(body, 0);
	return 0;
}

#ifdef MOAT_FUZZ_STANDALONE
int main(void)
{
	static uint8_t in[MOAT_IPC_HEADER_LEN + 80];
	struct moat_buf b;
	static const uint8_t name[MOAT_IPC_TICKET_NAME_LEN] = { 7 };
	static const uint8_t secret[MOAT_IPC_TICKET_SECRET_LEN] = { 9 };
	static const uint8_t bytes[60] = { 1, 2, 3 };
	moat_buf_init_fixed(&b, in, sizeof(in));
	require(moat_ipc_ticket_add_encode(&b, 1, name, secret, 1700000000, 7200, 46800) == MOAT_SUCCESS);
	for (size_t n = 0; n <= b.len; n++)
		LLVMFuzzerTestOneInput(in, n);
	moat_buf_init_fixed(&b, in, sizeof(in));
	require(moat_ipc_ticket_open_encode(&b, 2, bytes, sizeof(bytes)) == MOAT_SUCCESS);
	for (size_t n = 0; n <= b.len; n++)
		LLVMFuzzerTestOneInput(in, n);
	/* ... and with the 0-RTT flag, which changes the decoder's path. */
	moat_buf_init_fixed(&b, in, sizeof(in));
	require(moat_ipc_ticket_open_flags_encode(&b, 2, MOAT_IPC_TICKET_FOR_EARLY_DATA, bytes, sizeof(bytes)) ==
		MOAT_SUCCESS);
	for (size_t n = 0; n <= b.len; n++)
		LLVMFuzzerTestOneInput(in, n);
	moat_buf_init_fixed(&b, in, sizeof(in));
	require(moat_ipc_ticket_open_reply_encode(&b, 2, MOAT_IPC_TICKET_REISSUE, bytes, 20) == MOAT_SUCCESS);
	for (size_t n = 0; n <= b.len; n++)
		LLVMFuzzerTestOneInput(in, n);
	return 0;
}
#endif
