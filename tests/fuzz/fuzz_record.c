/*
 * libFuzzer target for the record layer's receive path.
 *
 * The first input byte picks what the rest is:
 *   even: a byte stream cut into records by moat_record_total_len, each
 *         opened by an unprotected and by a protected record layer (the
 *         protected one rarely gets past the tag, but its header, length
 *         and CCS paths are all reachable);
 *   odd:  a TLSInnerPlaintext that this target seals with the reader's key,
 *         so the fuzzer reaches what comes after authentication: the padding
 *         scan, the inner type and the size limits. Whatever opens must give
 *         back a prefix of the input ending just before its type byte.
 * Then moat_record_write → moat_record_open must round-trip the input.
 *
 * Built with -DMOAT_FUZZ_STANDALONE it gets a main() that runs a few built-in
 * inputs, so ordinary builds compile and exercise the target without a
 * corpus or libFuzzer.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/secmem.h"
#include "tls/iana.h"
#include "tls/record.h"
#include "tls/tls13_key_schedule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t secret[32] = { 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
				    0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
				    0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42 };

static struct moat_record_layer plain_rl, prot_rl, writer_rl;
static struct moat_aead raw_sealer;
static uint8_t raw_iv[MOAT_AEAD_NONCE_LEN];
static uint8_t rec[MOAT_RECORD_MAX_WIRE_LEN];

static void setup(void)
{
	static bool done;
	uint8_t key[MOAT_AEAD_MAX_KEY_LEN];
	if (done)
		return;
	moat_record_layer_init(&plain_rl);
	moat_record_layer_init(&prot_rl);
	moat_record_layer_init(&writer_rl);
	if (moat_record_set_traffic_secret(&prot_rl, false, MOAT_HASH_SHA256, MOAT_AEAD_AES_128_GCM, secret) != 0 ||
	    moat_record_set_traffic_secret(&writer_rl, true, MOAT_HASH_SHA256, MOAT_AEAD_AES_128_GCM, secret) != 0 ||
	    moat_tls13_traffic_key_iv(MOAT_HASH_SHA256, MOAT_AEAD_AES_128_GCM, secret, key, raw_iv) != 0 ||
	    moat_aead_init(&raw_sealer, MOAT_AEAD_AES_128_GCM, key, true) != 0)
		abort();
	moat_wipe(key, sizeof(key));
	done = true;
}

static void open_both(const uint8_t *r, size_t len)
{
	uint8_t type, *plain;
	size_t plain_len;
	memcpy(rec, r, len);
	if (moat_record_open(&plain_rl, rec, len, &type, &plain, &plain_len) == 0 &&
	    (plain_len > MOAT_MAX_PLAINTEXT || type != r[0]))
		abort();
	memcpy(rec, r, len);
	prot_rl.read.seq = 0;
	if (moat_record_open(&prot_rl, rec, len, &type, &plain, &plain_len) == 0 &&
	    type != MOAT_CT_CHANGE_CIPHER_SPEC)
		abort(); /* forged a tag, or a plaintext record got through */
}

static void stream(const uint8_t *data, size_t size)
{
	while (size >= MOAT_RECORD_HEADER_LEN) {
		size_t total;
		if (moat_record_total_len(data, &total) != 0 || total > size)
			return;
		open_both(data, total);
		data += total;
		size -= total;
	}
}

static void sealed_inner(const uint8_t *data, size_t size)
{
	uint8_t type, *plain;
	size_t plain_len;
	if (size > MOAT_MAX_CIPHERTEXT_13 - MOAT_AEAD_TAG_LEN)
		size = MOAT_MAX_CIPHERTEXT_13 - MOAT_AEAD_TAG_LEN;
	size_t ct_len = size + MOAT_AEAD_TAG_LEN;
	rec[0] = MOAT_CT_APPLICATION_DATA;
	rec[1] = 0x03;
	rec[2] = 0x03;
	rec[3] = (uint8_t)(ct_len >> 8);
	rec[4] = (uint8_t)ct_len;
	if (size > 0)
		memcpy(rec + MOAT_RECORD_HEADER_LEN, data, size);
	/* seq 0: the nonce is the IV itself. */
	if (moat_aead_seal(&raw_sealer, raw_iv, rec, MOAT_RECORD_HEADER_LEN, rec + MOAT_RECORD_HEADER_LEN, size,
			   rec + MOAT_RECORD_HEADER_LEN) != 0)
		abort();
	prot_rl.read.seq = 0;
	if (moat_record_open(&prot_rl, rec, MOAT_RECORD_HEADER_LEN + ct_len, &type, &plain, &plain_len) != 0)
		return;
	/* The content is a prefix of the input, followed by the type byte and only zeros. */
	if (plain_len >= size || data[plain_len] != type || (plain_len > 0 && memcmp(plain, data, plain_len) != 0))
		abort();
	for (size_t i = plain_len + 1; i < size; i++)
		if (data[i] != 0)
			abort();
}

static void round_trip(const uint8_t *data, size_t size, uint8_t sel)
{
	static const uint8_t types[] = { MOAT_CT_HANDSHAKE, MOAT_CT_ALERT, MOAT_CT_APPLICATION_DATA };
	uint8_t type = types[sel % 3], got_type, *plain;
	size_t padding = sel / 3, plain_len;
	struct moat_buf out;
	moat_buf_init_fixed(&out, rec, sizeof(rec));
	writer_rl.write.seq = 0;
	if (moat_record_write(&writer_rl, type, data, size, padding, &out) != 0)
		return; /* empty handshake/alert, or too long */
	prot_rl.read.seq = 0;
	if (moat_record_open(&prot_rl, out.data, out.len, &got_type, &plain, &plain_len) != 0 || got_type != type ||
	    plain_len != size || (size > 0 && memcmp(plain, data, size) != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	if (size == 0)
		return 0;
	uint8_t sel = data[0];
	data++;
	size--;
	if (sel & 1)
		sealed_inner(data, size);
	else
		stream(data, size);
	round_trip(data, size, (uint8_t)(sel >> 1));
	return 0;
}

#ifdef MOAT_FUZZ_STANDALONE
int main(void)
{
	static const uint8_t inputs[][16] = {
		{ 0x00, 0x16, 0x03, 0x01, 0x00, 0x02, 0x01, 0x00 },
		{ 0x00, 0x14, 0x03, 0x03, 0x00, 0x01, 0x01, 0x17, 0x03, 0x03, 0x00, 0x01, 0x00 },
		{ 0x00, 0x17, 0x03, 0x03, 0x41, 0x01 },
		{ 0x01, 'h', 'i', 0x17, 0x00, 0x00 },
		{ 0x01, 0x00, 0x00, 0x00 },
		{ 0x03, 0x16 },
		{ 0x05 },
	};
	static uint8_t big[MOAT_RECORD_MAX_WIRE_LEN + 1];
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
		LLVMFuzzerTestOneInput(inputs[i], sizeof(inputs[i]));
	memset(big, 0x16, sizeof(big));
	big[0] = 0x01;
	LLVMFuzzerTestOneInput(big, sizeof(big));
	big[0] = 0x00;
	LLVMFuzzerTestOneInput(big, sizeof(big));
	moat_record_layer_free(&plain_rl);
	moat_record_layer_free(&prot_rl);
	moat_record_layer_free(&writer_rl);
	moat_aead_free(&raw_sealer);
	return 0;
}
#endif
