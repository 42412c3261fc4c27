/*
 * libFuzzer target for the IPC codec (ipc/ipc.h): what keyd parses from
 * frontd and keyctl, and what they parse back.
 *
 * The input goes through the receiver's first step (moat_ipc_request_open)
 * and the plain framing; the body — or the whole input when it does not
 * frame — then goes to every body decoder, whatever the opcode, so the
 * fuzzer reaches each decoder without having to learn the header first.
 * Oracles besides the sanitizers:
 *  - whatever a decoder accepts, its encoder re-encodes to the same bytes
 *    (the codec has one encoding per value, and the encoder's argument
 *    checks agree with the decoder's);
 *  - a failed decode always names a status keyd can answer, and the
 *    refusal it answers with is itself a well-framed reply;
 *  - a SIGN request that decodes passes moat_ipc_check_sign_input again.
 *
 * Built with -DMOAT_FUZZ_STANDALONE it gets a main() that runs a few
 * built-in inputs, so it can be compiled and smoke-run without libFuzzer.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "ipc/ipc.h"
#include "tls/crypto/kex.h"
#include "tls/crypto/signed_content.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out_mem[MOAT_IPC_MAX_MESSAGE];
static struct moat_ipc_key_info keys[MOAT_IPC_MAX_KEYS];
static struct moat_ipc_stat stats[MOAT_IPC_MAX_STATS];

static void require(bool cond)
{
	if (!cond)
		abort();
}

static void start(struct moat_buf *out)
{
	moat_buf_init_fixed(out, out_mem, sizeof(out_mem));
}

/* The re-encoded message's body equals the decoded body. */
static void same_body(int rc, const struct moat_buf *out, struct moat_cursor body)
{
	require(rc == MOAT_SUCCESS);
	require(out->len == MOAT_IPC_HEADER_LEN + moat_cursor_remaining(&body));
	require(memcmp(out->data + MOAT_IPC_HEADER_LEN, moat_cursor_data(&body), moat_cursor_remaining(&body)) == 0);
}

/* After a failed decode: a status keyd may answer with, never OK. */
static void refused(moat_ipc_status st)
{
	require(st != MOAT_IPC_OK && st <= MOAT_IPC_STATUS_MAX);
	require(moat_errno == MOAT_ERR_IPC_BAD_MESSAGE);
}

static void all_decoders(struct moat_cursor body, uint32_t id)
{
	struct moat_buf out;
	moat_ipc_status st = MOAT_IPC_OK;
	size_t n;
	bool fits = moat_cursor_remaining(&body) <= MOAT_IPC_MAX_BODY;

	struct moat_ipc_hello hello;
	if (moat_ipc_hello_decode(body, &hello, &st) == MOAT_SUCCESS) {
		uint8_t version;
		start(&out);
		same_body(moat_ipc_hello_encode(&out, id, &hello), &out, body);
		if (moat_ipc_hello_choose(&hello, &version, &st) == MOAT_SUCCESS)
			require(version == MOAT_IPC_VERSION);
		else
			require(st == MOAT_IPC_BAD_VERSION);
	} else {
		refused(st);
	}

	struct moat_ipc_hello_reply hr;
	if (moat_ipc_hello_reply_decode(body, &hr, &st) == MOAT_SUCCESS) {
		start(&out);
		same_body(moat_ipc_hello_reply_encode(&out, id, &hr), &out, body);
	}

	struct moat_ipc_sign sign;
	if (moat_ipc_sign_decode(body, &sign, &st) == MOAT_SUCCESS) {
		require(moat_ipc_check_sign_input(sign.kind, sign.scheme, moat_cursor_data(&sign.input),
						  moat_cursor_remaining(&sign.input), NULL) == MOAT_SUCCESS);
		start(&out);
		same_body(moat_ipc_sign_encode(&out, id, sign.key_id, sign.scheme, sign.kind,
					       moat_cursor_data(&sign.input), moat_cursor_remaining(&sign.input)),
			  &out, body);
	} else {
		refused(st);
	}

	struct moat_cursor v;
	if (moat_ipc_sign_reply_decode(body, &v, &st) == MOAT_SUCCESS) {
		start(&out);
		same_body(moat_ipc_sign_reply_encode(&out, id, moat_cursor_data(&v), moat_cursor_remaining(&v)), &out,
			  body);
	}

	struct moat_ipc_rsa_decrypt rsa;
	if (moat_ipc_rsa_decrypt_decode(body, &rsa, &st) == MOAT_SUCCESS) {
		start(&out);
		same_body(moat_ipc_rsa_decrypt_encode(&out, id, rsa.key_id, rsa.client_version,
						      moat_cursor_data(&rsa.ciphertext),
						      moat_cursor_remaining(&rsa.ciphertext)),
			  &out, body);
	} else {
		refused(st);
	}

	if (moat_ipc_rsa_decrypt_reply_decode(body, &v, &st) == MOAT_SUCCESS) {
		require(moat_cursor_remaining(&v) == MOAT_IPC_PREMASTER_LEN);
		start(&out);
		same_body(moat_ipc_rsa_decrypt_reply_encode(&out, id, moat_cursor_data(&v)), &out, body);
	}

	if (moat_ipc_ping_decode(body, &v, &st) == MOAT_SUCCESS) {
		start(&out);
		same_body(moat_ipc_ping_encode(&out, id, moat_cursor_data(&v), moat_cursor_remaining(&v)), &out, body);
		start(&out);
		same_body(moat_ipc_ping_reply_encode(&out, id, moat_cursor_data(&v), moat_cursor_remaining(&v)), &out,
			  body);
	} else {
		refused(st);
	}
	require((moat_ipc_ping_reply_decode(body, &v, &st) == MOAT_SUCCESS) ==
		(moat_ipc_ping_decode(body, &v, &st) == MOAT_SUCCESS));

	if (moat_ipc_list_keys_decode(body, &st) == MOAT_SUCCESS || moat_ipc_stats_decode(body, &st) == MOAT_SUCCESS)
		require(moat_cursor_remaining(&body) == 0);
	else
		refused(st);

	if (moat_ipc_list_keys_reply_decode(body, keys, MOAT_IPC_MAX_KEYS, &n, &st) == MOAT_SUCCESS) {
		for (size_t i = 0; i < n; i++)
			require(strlen(keys[i].name) <= MOAT_IPC_KEY_NAME_MAX);
		start(&out);
		int rc = moat_ipc_list_keys_reply_encode(&out, id, keys, n);
		if (fits)
			same_body(rc, &out, body);
		else
			require(rc == MOAT_FAILURE && moat_errno == MOAT_ERR_BUF_FULL);
	}

	if (moat_ipc_stats_reply_decode(body, stats, MOAT_IPC_MAX_STATS, &n, &st) == MOAT_SUCCESS) {
		start(&out);
		int rc = moat_ipc_stats_reply_encode(&out, id, stats, n);
		if (fits)
			same_body(rc, &out, body);
		else
			require(rc == MOAT_FAILURE && moat_errno == MOAT_ERR_BUF_FULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_ipc_header h;
	struct moat_cursor body;
	moat_ipc_status st = MOAT_IPC_OK;
	bool answerable;
	struct moat_buf out;

	if (moat_ipc_request_open(data, size, &h, &body, &st, &answerable) != MOAT_SUCCESS) {
		require(st == MOAT_IPC_MALFORMED || st == MOAT_IPC_BAD_VERSION || st == MOAT_IPC_BAD_OPCODE);
		require(answerable == (size >= MOAT_IPC_ANSWERABLE_LEN));
		if (answerable) {
			struct moat_ipc_header rh;
			struct moat_cursor rbody;
			start(&out);
			require(moat_ipc_encode_status(&out, h.opcode, h.request_id, st) == MOAT_SUCCESS);
			require(moat_ipc_header_decode(out.data, out.len, &rh, &rbody) == MOAT_SUCCESS);
			require(rh.version == MOAT_IPC_VERSION && rh.request_id == h.request_id && rh.status == (uint16_t)st);
			require(moat_ipc_reply_check(&rh, &rbody, h.opcode) == MOAT_SUCCESS);
		}
	} else {
		require(moat_ipc_opcode_is_request(h.opcode));
	}

	if (moat_ipc_header_decode(data, size, &h, &body) == MOAT_SUCCESS) {
		/* Requester side: a reply to whatever the opcode names. */
		if (moat_ipc_reply_check(&h, &body, h.opcode & (uint8_t)~MOAT_IPC_REPLY) == MOAT_SUCCESS)
			require(h.status == MOAT_IPC_OK || moat_cursor_remaining(&body) == 0);
		all_decoders(body, h.request_id);
	} else {
		moat_cursor_init(&body, data, size);
		all_decoders(body, 0);
	}

	/* The sign-input rules on raw bytes: kind and scheme from the first three. */
	if (size >= 3) {
		uint16_t scheme = (uint16_t)(data[1] << 8 | data[2]);
		if (moat_ipc_check_sign_input(data[0], scheme, data + 3, size - 3, &st) == MOAT_SUCCESS) {
			/*
			 * The longest valid input of each kind: a TLS 1.3 content with a
			 * SHA-384 hash; randoms, curve_type, group, length and a P-521
			 * point; randoms and ffdhe3072 params; a SHA-512 digest.
			 */
			static const size_t longest[] = { 0, 64 + 33 + 1 + 48, 64 + 1 + 2 + 1 + 133,
							  64 + 2 + 384 + 2 + 1 + 2 + 384, 64 };
			require(moat_ipc_scheme_allowed(data[0], scheme) && data[0] >= 1 && data[0] <= 4 &&
				size - 3 <= longest[data[0]]);
		} else {
			require(st == MOAT_IPC_BAD_INPUT || st == MOAT_IPC_BAD_SCHEME);
		}
	}
	return 0;
}

#ifdef MOAT_FUZZ_STANDALONE
int main(void)
{
	static const uint8_t inputs[][24] = {
		{ 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x04, 0x01, 0x02, 0x00, 0x00 },
		{ 0x01, 0x04, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x05, 0x00, 0x03, 'a', 'b', 'c' },
		{ 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00 },
		{ 0x01, 0x91, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x01, 0x01, 'x',
		  0, 0, 0, 0, 0, 0, 0, 9 },
		{ 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00 },
		{ 0x01, 0x04, 0x03 },
	};
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
		for (size_t n = 0; n <= sizeof(inputs[i]); n++)
			LLVMFuzzerTestOneInput(inputs[i], n);

	/* Sign inputs of kinds 3 (ffdhe2048 ServerDHParams) and 4 (a SHA-256 digest), valid, then every prefix. */
	static uint8_t dh[3 + MOAT_SKE_DH_CONTENT_MAX];
	uint8_t cr[MOAT_RANDOM_LEN] = { 1 }, sr[MOAT_RANDOM_LEN] = { 2 }, ys[MOAT_KEX_MAX_SHARE_LEN];
	struct moat_kex k;
	size_t ys_len = 0;
	struct moat_buf b;
	dh[0] = MOAT_IPC_SIGN_TLS12_SKE_DHE;
	dh[1] = 0x04;
	dh[2] = 0x01;
	moat_buf_init_fixed(&b, dh + 3, sizeof(dh) - 3);
	require(moat_kex_generate(&k, MOAT_GROUP_FFDHE2048, ys, &ys_len) == MOAT_SUCCESS);
	moat_kex_free(&k);
	require(moat_ske_dh_content_build(cr, sr, MOAT_GROUP_FFDHE2048, ys, ys_len, &b) == MOAT_SUCCESS);
	require(moat_ipc_check_sign_input(dh[0], 0x0401, dh + 3, b.len, NULL) == MOAT_SUCCESS);
	for (size_t n = 0; n <= 3 + b.len; n++)
		LLVMFuzzerTestOneInput(dh, n);
	uint8_t cv[3 + 32] = { MOAT_IPC_SIGN_TLS12_CLIENT_CV, 0x04, 0x01 };
	require(moat_ipc_check_sign_input(cv[0], 0x0401, cv + 3, 32, NULL) == MOAT_SUCCESS);
	for (size_t n = 0; n <= sizeof(cv); n++)
		LLVMFuzzerTestOneInput(cv, n);
	return 0;
}
#endif
