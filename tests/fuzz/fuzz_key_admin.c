/*
 * libFuzzer target for what keyd parses from a KEY_ADD or KEY_REMOVE
 * (ipc/ipc_key_admin.c, keyd/keys.h keyd_key_from_der): the control-socket
 * requests that change the keys keyd serves.
 *
 * The input goes through the receiver's first step (moat_ipc_request_open)
 * when it frames; the body, or the whole input when it does not, then goes
 * to both decoders and to the reply decoder. A KEY_ADD that decodes hands
 * its key bytes to keyd_key_from_der, as key_admin.c does. Oracles besides
 * the sanitizers:
 *  - whatever a decoder accepts, its encoder re-encodes to the same bytes;
 *  - a failed decode names a status keyd can answer, never OK;
 *  - a key that loads has an id, a type, a size and at least one scheme,
 *    and its id is the SHA-256 of its SubjectPublicKeyInfo (loading the
 *    same bytes again gives the same id); one that does not load says why.
 *
 * Built with -DMOAT_FUZZ_STANDALONE it gets a main() that runs built-in
 * inputs, among them a real P-256 key made fresh with libcrypto, and checks
 * that key is accepted and its every prefix refused.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "common/error.h"
#include "ipc/ipc.h"
#include "keyd/keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out_mem[MOAT_IPC_MAX_MESSAGE];
static size_t keys_loaded;

static void require(bool cond)
{
	if (!cond)
		abort();
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

static void try_key(const struct moat_ipc_key_add *req)
{
	struct keyd_key k, again;
	char why[160] = "";
	if (keyd_key_from_der(&k, moat_cursor_data(&req->key), moat_cursor_remaining(&req->key), req->name, why,
			      sizeof(why)) != MOAT_SUCCESS) {
		require(why[0] != '\0');
		return;
	}
	require(k.scheme_count >= 1 && k.bits > 0 && k.ipc_type != 0);
	require(strcmp(k.name, req->name) == 0);
	require(keyd_key_from_der(&again, moat_cursor_data(&req->key), moat_cursor_remaining(&req->key), "again", NULL,
				  0) == MOAT_SUCCESS);
	require(memcmp(k.id, again.id, sizeof(k.id)) == 0);
	keyd_key_free(&again);
	keyd_key_free(&k);
	keys_loaded++;
}

static void decode_all(struct moat_cursor body)
{
	struct moat_buf out;
	moat_ipc_status st = MOAT_IPC_OK;

	struct moat_ipc_key_add add;
	if (moat_ipc_key_add_decode(body, &add, &st) == MOAT_SUCCESS) {
		require(st == MOAT_IPC_OK);
		moat_buf_init_fixed(&out, out_mem, sizeof(out_mem));
		same_body(moat_ipc_key_add_encode(&out, 1, &add), &out, body);
		try_key(&add);
	} else {
		refused(st);
	}

	struct moat_ipc_key_remove rm;
	st = MOAT_IPC_OK;
	if (moat_ipc_key_remove_decode(body, &rm, &st) == MOAT_SUCCESS) {
		moat_buf_init_fixed(&out, out_mem, sizeof(out_mem));
		same_body(moat_ipc_key_remove_encode(&out, 1, &rm), &out, body);
	} else {
		refused(st);
	}

	uint8_t id[MOAT_IPC_KEY_ID_LEN];
	st = MOAT_IPC_OK;
	if (moat_ipc_key_change_reply_decode(body, id, &st) == MOAT_SUCCESS) {
		moat_buf_init_fixed(&out, out_mem, sizeof(out_mem));
		same_body(moat_ipc_key_change_reply_encode(&out, MOAT_IPC_KEY_ADD, 1, id), &out, body);
	} else {
		refused(st);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_ipc_header h;
	struct moat_cursor body;
	moat_ipc_status st = MOAT_IPC_OK;
	bool answerable = false;
	if (moat_ipc_request_open(data, size, &h, &body, &st, &answerable) == MOAT_SUCCESS)
		decode_all(body);
	else
		refused(st);
	moat_cursor_init(&body, data, size);
	decode_all(body);
	moat_error_clear();
	return 0;
}

#ifdef MOAT_FUZZ_STANDALONE
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "tls/crypto/sig.h"

/* A KEY_ADD packet for a fresh P-256 key, as moat-keyctl builds it. */
static size_t real_key_add(uint8_t *pkt, size_t cap)
{
	static uint8_t der[MOAT_IPC_KEY_DER_MAX];
	struct moat_pkey pkey;
	size_t der_len = 0;
	EVP_PKEY *evp = EVP_EC_gen("P-256");
	require(evp != NULL);
	require(moat_pkey_wrap(&pkey, evp) == MOAT_SUCCESS);
	EVP_PKEY_free(evp);
	require(moat_pkey_private_der(&pkey, der, sizeof(der), &der_len) == MOAT_SUCCESS);
	moat_pkey_free(&pkey);
	struct moat_ipc_key_add req;
	memset(&req, 0, sizeof(req));
	moat_cursor_init(&req.key, der, der_len);
	strcpy(req.name, "fuzz");
	req.role = MOAT_IPC_ROLE_SERVER;
	req.options = MOAT_IPC_KEY_OPT_TLS12;
	struct moat_buf b;
	moat_buf_init_fixed(&b, pkt, cap);
	require(moat_ipc_key_add_encode(&b, 7, &req) == MOAT_SUCCESS);
	return b.len;
}

int main(void)
{
	static const uint8_t inputs[][20] = {
		{ 0x01, 0x13, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x02, 0x03, 'o', 'l', 'd' },
		{ 0x01, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07, 0x00, 0x01, 0x30, 0x01, 'k',
		  0x01, 0x00 },
		{ 0x00, 0x01, 0x30, 0x01, 'k', 0x03, 0x07 },
		{ 0x01, 0x93, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x03 },
	};
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
		for (size_t n = 0; n <= sizeof(inputs[i]); n++)
			LLVMFuzzerTestOneInput(inputs[i], n);

	static uint8_t pkt[MOAT_IPC_MAX_MESSAGE];
	size_t len = real_key_add(pkt, sizeof(pkt));
	LLVMFuzzerTestOneInput(pkt, len);
	require(keys_loaded == 1);
	/* Every prefix of the packet is refused: no key is ever loaded from part of one. */
	for (size_t n = 0; n < len; n++)
		LLVMFuzzerTestOneInput(pkt, n);
	require(keys_loaded == 1);
	return 0;
}
#endif
