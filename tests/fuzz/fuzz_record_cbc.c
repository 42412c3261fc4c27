/*
 * libFuzzer target for the TLS 1.0 - 1.2 record protections' receive path
 * (tls/record_cbc.c, tls/record_aead12.c) under fixed keys.
 *
 * The first input byte picks one of six protections (CBC at 1.0, 1.1 and
 * 1.2 with each HMAC and both block sizes, AES-GCM, ChaCha20-Poly1305) and
 * one of three modes for the rest:
 *   0  a raw record (type, then fragment) opened as it is: without the keys
 *      nothing may open, so a success is a forgery and aborts;
 *   1  a decrypted CBC body (content, our correct MAC, then the input's own
 *      padding bytes and padding_length), encrypted here with the reader's
 *      key so the fuzzer reaches the padding and MAC check. The constant-time
 *      check must agree exactly with a plain reference check written here
 *      (early exits, ordinary HMAC), both called directly and through
 *      moat_record_open. For AEAD protections, a plaintext sealed here with
 *      the reader's key, which must open to itself;
 *   2  the input written by a writer and opened by the reader (round trip).
 *
 * Built with -DMOAT_FUZZ_STANDALONE it gets a main() that runs a few
 * built-in inputs, so ordinary builds compile and exercise the target.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "policy/cipher_suites.h"
#include "tls/crypto/aead.h"
#include "tls/crypto/cbc.h"
#include "tls/crypto/hmac_ct.h"
#include "tls/iana.h"
#include "tls/record.h"
#include "tls/record_cbc.h"
#include "tls/record_tls12.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	const char *suite;
	uint16_t version;
} prots[] = {
	{ "ECDHE-RSA-AES128-SHA", MOAT_TLS10 },   { "ECDHE-RSA-DES-CBC3-SHA", MOAT_TLS11 },
	{ "ECDHE-RSA-AES256-SHA384", MOAT_TLS12 }, { "DHE-RSA-AES128-SHA256", MOAT_TLS12 },
	{ "ECDHE-RSA-AES128-GCM-SHA256", MOAT_TLS12 }, { "ECDHE-RSA-CHACHA20-POLY1305", MOAT_TLS12 },
};
#define N_PROTS (sizeof(prots) / sizeof(prots[0]))

static uint8_t key_block[MOAT_TLS12_MAX_KEY_BLOCK_LEN];
static uint8_t rec[MOAT_RECORD_HEADER_LEN + MOAT_MAX_CIPHERTEXT_12 + 64];
static uint8_t body[MOAT_MAX_CIPHERTEXT_12 + 64];
static size_t opened; /* CBC records that passed the check (the standalone run wants some) */

struct keys {
	struct moat_tls12_key_layout l;
	const uint8_t *mac_key, *key, *iv; /* client_write_*: what the server reader opens */
};

static void keys_for(size_t i, struct keys *k)
{
	const struct moat_cipher_suite *s = moat_cipher_suite_find_name(prots[i].suite);
	if (s == NULL || moat_tls12_key_layout(s, prots[i].version, &k->l) != 0)
		abort();
	k->mac_key = key_block;
	k->key = key_block + 2 * k->l.mac_key_len;
	k->iv = k->key + 2 * k->l.key_len;
}

/* The server's read direction, or with write the client's write direction: both use client_write_*. */
static void reader(size_t i, struct moat_record_layer *rl, bool write)
{
	moat_record_layer_init(rl);
	rl->write_version = prots[i].version;
	if (moat_record_set_tls12_keys(rl, write, write, moat_cipher_suite_find_name(prots[i].suite),
				       prots[i].version, key_block, sizeof(key_block)) != 0)
		abort();
}

static size_t put_header(uint8_t type, uint16_t version, size_t frag_len)
{
	rec[0] = type;
	rec[1] = (uint8_t)(version >> 8);
	rec[2] = (uint8_t)version;
	rec[3] = (uint8_t)(frag_len >> 8);
	rec[4] = (uint8_t)frag_len;
	return MOAT_RECORD_HEADER_LEN + frag_len;
}

static void raw(struct moat_record_layer *rl, const uint8_t *data, size_t size, uint16_t version)
{
	if (size < 1)
		return;
	static const uint8_t types[] = { MOAT_CT_HANDSHAKE, MOAT_CT_ALERT, MOAT_CT_APPLICATION_DATA,
					 MOAT_CT_CHANGE_CIPHER_SPEC };
	size_t frag = size - 1 > MOAT_MAX_CIPHERTEXT_12 ? MOAT_MAX_CIPHERTEXT_12 : size - 1;
	memcpy(rec + MOAT_RECORD_HEADER_LEN, data + 1, frag);
	size_t total = put_header(types[data[0] % 4], version, frag);
	uint8_t type, *plain;
	size_t plain_len;
	if (moat_record_open(rl, rec, total, &type, &plain, &plain_len) == 0)
		abort(); /* opened without knowing the keys */
}

/* The reference: RFC 5246 §6.2.3.2 read the obvious way. */
static bool reference_check(moat_hash_alg alg, const uint8_t *mac_key, const uint8_t prefix[11], const uint8_t *p,
			    size_t n, size_t *len)
{
	size_t ml = moat_hash_len(alg);
	size_t pad = p[n - 1];
	if (pad + 1 + ml > n)
		return false;
	for (size_t i = 0; i <= pad; i++)
		if (p[n - 1 - i] != pad)
			return false;
	*len = n - ml - 1 - pad;
	static uint8_t in[13 + sizeof(body)];
	memcpy(in, prefix, 11);
	in[11] = (uint8_t)(*len >> 8);
	in[12] = (uint8_t)*len;
	memcpy(in + 13, p, *len);
	uint8_t mac[MOAT_HASH_MAX_DIGEST_LEN];
	if (moat_hmac(alg, mac_key, ml, in, 13 + *len, mac) != 0)
		abort();
	return memcmp(mac, p + *len, ml) == 0;
}

/* data: [padding_length] [padding fill] [extra blocks] content... */
static void cbc_body(size_t i, struct moat_record_layer *rl, const uint8_t *data, size_t size)
{
	const struct keys *k;
	struct keys kk;
	keys_for(i, &kk);
	k = &kk;
	if (size < 3)
		return;
	uint8_t extra = data[2];
	size_t bl = moat_cbc_block_len(k->l.cbc), ml = k->l.mac_key_len;
	size_t content = size - 3 > 16384 ? 16384 : size - 3;
	/* content || MAC || fill bytes || pad_byte, whole blocks: the fill count makes it align. */
	size_t fill_len = (bl - (content + ml + 1) % bl) % bl + bl * (extra % 17);
	/* Zeros in the first two bytes give well-formed padding; anything else spoils it somehow. */
	uint8_t pad_byte = (uint8_t)(data[0] ^ fill_len), fill = (uint8_t)(data[1] ^ fill_len);
	data += 3;
	size_t n = content + ml + fill_len + 1;
	uint8_t prefix[11] = { 0, 0, 0, 0, 0, 0, 0, 0, MOAT_CT_APPLICATION_DATA, 3, (uint8_t)prots[i].version };
	memcpy(body, data, content);
	uint8_t in[13];
	memcpy(in, prefix, 11);
	in[11] = (uint8_t)(content >> 8);
	in[12] = (uint8_t)content;
	static uint8_t macin[13 + sizeof(body)];
	memcpy(macin, in, 13);
	memcpy(macin + 13, body, content);
	if (moat_hmac(k->l.mac_hash, k->mac_key, ml, macin, 13 + content, body + content) != 0)
		abort();
	memset(body + content + ml, fill, fill_len);
	body[n - 1] = pad_byte;

	/* The check itself, against the reference. */
	size_t ref_len = 0, got_len = 0;
	bool ref = reference_check(k->l.mac_hash, k->mac_key, prefix, body, n, &ref_len);
	struct moat_hmac_ct m;
	if (moat_hmac_ct_init(&m, k->l.mac_hash, k->mac_key, ml) != 0)
		abort();
	size_t good = moat_record_cbc_check(&m, ml, prefix, body, n, &got_len);
	moat_hmac_ct_free(&m);
	if ((good != 0) != ref || (ref && got_len != ref_len) || (good != 0 && good != ~(size_t)0))
		abort();

	/* And through the record layer: encrypt as the writer would, open. */
	size_t iv_len = prots[i].version == MOAT_TLS10 ? 0 : bl;
	uint8_t iv[MOAT_CBC_MAX_BLOCK_LEN];
	memset(iv, 0x5a, sizeof(iv));
	struct moat_cbc c;
	if (moat_cbc_init(&c, k->l.cbc, k->key, true) != 0)
		abort();
	memcpy(rec + MOAT_RECORD_HEADER_LEN, iv, iv_len);
	if (moat_cbc_crypt(&c, iv_len ? iv : k->iv, body, n, rec + MOAT_RECORD_HEADER_LEN + iv_len) != 0)
		abort();
	moat_cbc_free(&c);
	size_t total = put_header(MOAT_CT_APPLICATION_DATA, prots[i].version, iv_len + n);
	uint8_t type, *plain;
	size_t plain_len;
	int rc = moat_record_open(rl, rec, total, &type, &plain, &plain_len);
	/* Content over 2^14 cannot happen here (content <= 16384), so success is exactly the reference's. */
	if ((rc == 0) != ref || (rc == 0 && (plain_len != ref_len || memcmp(plain, body, plain_len) != 0)))
		abort();
	opened += rc == 0;
	if (rc != 0 && moat_errno != MOAT_ERR_BAD_RECORD_MAC && moat_errno != MOAT_ERR_RECORD_OVERFLOW)
		abort();
}

static void aead_sealed(size_t i, struct moat_record_layer *rl, const uint8_t *data, size_t size)
{
	struct keys k;
	keys_for(i, &k);
	size_t len = size > 16384 ? 16384 : size;
	bool explicit_nonce = k.l.prot == &moat_record_aead12_explicit;
	size_t x = explicit_nonce ? 8 : 0;
	uint8_t nonce[MOAT_AEAD_NONCE_LEN], aad[13] = { 0, 0, 0, 0, 0, 0, 0, 0, MOAT_CT_APPLICATION_DATA, 3, 3,
							(uint8_t)(len >> 8), (uint8_t)len };
	memcpy(nonce, k.iv, k.l.iv_len);
	if (explicit_nonce) {
		memset(nonce + 4, 0xe7, 8);
		memset(rec + MOAT_RECORD_HEADER_LEN, 0xe7, 8);
	}
	struct moat_aead a;
	if (moat_aead_init(&a, k.l.aead, k.key, true) != 0 ||
	    moat_aead_seal(&a, nonce, aad, sizeof(aad), data, len, rec + MOAT_RECORD_HEADER_LEN + x) != 0)
		abort();
	moat_aead_free(&a);
	size_t total = put_header(MOAT_CT_APPLICATION_DATA, MOAT_TLS12, x + len + MOAT_AEAD_TAG_LEN);
	uint8_t type, *plain;
	size_t plain_len;
	if (moat_record_open(rl, rec, total, &type, &plain, &plain_len) != 0 || plain_len != len ||
	    (len > 0 && memcmp(plain, data, len) != 0))
		abort();
}

static void round_trip(size_t i, struct moat_record_layer *rl, const uint8_t *data, size_t size)
{
	static const uint8_t types[] = { MOAT_CT_HANDSHAKE, MOAT_CT_ALERT, MOAT_CT_APPLICATION_DATA };
	if (size < 1)
		return;
	uint8_t type = types[data[0] % 3];
	data++;
	size--;
	struct moat_record_layer w;
	reader(i, &w, true);
	struct moat_buf out;
	moat_buf_init_fixed(&out, rec, sizeof(rec));
	if (moat_record_write(&w, type, data, size, 0, &out) == 0) {
		size_t off = 0, got = 0;
		while (off < out.len) {
			size_t total;
			uint8_t t, *plain;
			size_t pl;
			if (moat_record_layer_total_len(rl, out.data + off, &total) != 0 ||
			    moat_record_open(rl, out.data + off, total, &t, &plain, &pl) != 0 || t != type ||
			    got + pl > size || (pl > 0 && memcmp(plain, data + got, pl) != 0))
				abort();
			got += pl;
			off += total;
		}
		if (got != size)
			abort();
	}
	moat_record_layer_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (key_block[0] == 0)
		for (size_t j = 0; j < sizeof(key_block); j++)
			key_block[j] = (uint8_t)(j * 29 + 3);
	if (size == 0)
		return 0;
	size_t i = data[0] % N_PROTS, mode = (size_t)(data[0] / N_PROTS) % 3;
	data++;
	size--;
	struct moat_record_layer rl;
	reader(i, &rl, false);
	struct keys k;
	keys_for(i, &k);
	if (mode == 0)
		raw(&rl, data, size, prots[i].version);
	else if (mode == 1 && k.l.prot == &moat_record_cbc)
		cbc_body(i, &rl, data, size);
	else if (mode == 1)
		aead_sealed(i, &rl, data, size);
	else
		round_trip(i, &rl, data, size);
	moat_record_layer_free(&rl);
	return 0;
}

#ifdef MOAT_FUZZ_STANDALONE
int main(void)
{
	static uint8_t in[600];
	for (size_t sel = 0; sel < 3 * N_PROTS; sel++) {
		for (size_t len = 1; len < sizeof(in); len += 97) {
			in[0] = (uint8_t)sel;
			for (size_t j = 1; j < len; j++)
				in[j] = (uint8_t)(j * sel + 1);
			LLVMFuzzerTestOneInput(in, len);
			/* Mode 1 with well-formed padding: the CBC record must open. */
			in[1] = 0, in[2] = 0;
			LLVMFuzzerTestOneInput(in, len);
		}
	}
	/* 4 CBC protections x 6 lengths long enough for mode 1, with valid padding. */
	return opened == 4 * 6 ? 0 : 1;
}
#endif
