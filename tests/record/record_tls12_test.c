/*
 * TLS 1.0 - 1.2 record protections (tls/record_aead12.c, tls/record_cbc.c)
 * and their selection from a suite row and key block (tls/record_tls12.c).
 *
 * Records are checked against libcrypto used directly as an oracle: records
 * the oracle builds by the RFC (RFC 5246 §6.2.3, RFC 5288 §3, RFC 7905 §2,
 * RFC 2246 §6.2.3.2) must open, and records we seal must decrypt, MAC and
 * pad the way the oracle expects. Then: every suite at every version it is
 * defined for round-trips; every byte of a record tampered with gives
 * bad_record_mac; bad CBC padding gives the same; short and over-long
 * records give the RFC's alert; TLS 1.0 splits application msg 1/n-1.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/buf.h"
#include "policy/cipher_suites.h"
#include "tests/moat_test.h"
#include "tls/iana.h"
#include "tls/record.h"
#include "tls/record_tls12.h"

static uint8_t key_block[MOAT_TLS12_MAX_KEY_BLOCK_LEN];
static uint8_t msg[16384 + 1];
static uint8_t rec[16384 + 2048 + 5 + 64];

static void fill_key_block(void)
{
	for (size_t i = 0; i < sizeof(key_block); i++)
		key_block[i] = (uint8_t)(i * 7 + 1);
}

/* The RFC 5246 §6.3 layout worked out here, independently of record_tls12.c. */
struct oracle {
	const EVP_CIPHER *cipher;
	const EVP_MD *md;            /* CBC suites */
	bool aead, chacha;
	size_t mac_len, key_len, iv_len, block;
	const uint8_t *mac_key[2], *key[2], *iv[2]; /* [0] client_write, [1] server_write */
};

static void oracle_for(const struct moat_cipher_suite *s, uint16_t version, struct oracle *o)
{
	memset(o, 0, sizeof(*o));
	switch (s->cipher) {
	case MOAT_CIPHER_AES_128_GCM:
		o->cipher = EVP_aes_128_gcm(), o->aead = true, o->key_len = 16, o->iv_len = 4;
		break;
	case MOAT_CIPHER_AES_256_GCM:
		o->cipher = EVP_aes_256_gcm(), o->aead = true, o->key_len = 32, o->iv_len = 4;
		break;
	case MOAT_CIPHER_CHACHA20_POLY1305:
		o->cipher = EVP_chacha20_poly1305(), o->aead = o->chacha = true, o->key_len = 32, o->iv_len = 12;
		break;
	case MOAT_CIPHER_AES_128_CBC:
		o->cipher = EVP_aes_128_cbc(), o->key_len = 16, o->block = 16;
		break;
	case MOAT_CIPHER_AES_256_CBC:
		o->cipher = EVP_aes_256_cbc(), o->key_len = 32, o->block = 16;
		break;
	case MOAT_CIPHER_3DES_EDE_CBC:
		o->cipher = EVP_des_ede3_cbc(), o->key_len = 24, o->block = 8;
		break;
	}
	if (!o->aead) {
		o->md = s->mac == MOAT_MAC_HMAC_SHA1 ? EVP_sha1() : s->mac == MOAT_MAC_HMAC_SHA256 ? EVP_sha256() : EVP_sha384();
		o->mac_len = (size_t)EVP_MD_get_size(o->md);
		o->iv_len = version == MOAT_TLS10 ? o->block : 0;
	}
	const uint8_t *p = key_block;
	for (int i = 0; i < 2; i++, p += o->mac_len)
		o->mac_key[i] = p;
	for (int i = 0; i < 2; i++, p += o->key_len)
		o->key[i] = p;
	for (int i = 0; i < 2; i++, p += o->iv_len)
		o->iv[i] = p;
}

static void put_seq(uint8_t *p, uint64_t seq)
{
	for (int i = 7; i >= 0; i--, seq >>= 8)
		p[i] = (uint8_t)seq;
}

/* An AEAD record the way RFC 5288 / RFC 7905 build it; explicit nonce = xnonce. Returns the record length. */
static size_t oracle_aead_record(const struct oracle *o, int side, uint64_t seq, uint8_t type, const uint8_t *content,
				 size_t len, uint64_t xnonce, uint8_t *out)
{
	uint8_t nonce[12], aad[13];
	size_t x = o->chacha ? 0 : 8;
	if (o->chacha) {
		memcpy(nonce, o->iv[side], 12);
		for (int i = 0; i < 8; i++)
			nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
	} else {
		memcpy(nonce, o->iv[side], 4);
		put_seq(nonce + 4, xnonce);
		put_seq(out + 5, xnonce);
	}
	put_seq(aad, seq);
	aad[8] = type, aad[9] = 3, aad[10] = 3, aad[11] = (uint8_t)(len >> 8), aad[12] = (uint8_t)len;
	size_t frag = x + len + 16;
	out[0] = type, out[1] = 3, out[2] = 3, out[3] = (uint8_t)(frag >> 8), out[4] = (uint8_t)frag;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n;
	ATF_REQUIRE(EVP_EncryptInit_ex2(c, o->cipher, o->key[side], nonce, NULL) == 1);
	ATF_REQUIRE(EVP_EncryptUpdate(c, NULL, &n, aad, 13) == 1);
	ATF_REQUIRE(EVP_EncryptUpdate(c, out + 5 + x, &n, content, (int)len) == 1);
	ATF_REQUIRE(EVP_EncryptFinal_ex(c, out + 5 + x + len, &n) == 1);
	ATF_REQUIRE(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, out + 5 + x + len) == 1);
	EVP_CIPHER_CTX_free(c);
	return 5 + frag;
}

/* How to spoil a CBC record the oracle builds. */
enum spoil { SPOIL_NONE, SPOIL_MAC, SPOIL_PAD_BYTE, SPOIL_PAD_LEN };

/*
 * A CBC record by RFC 5246 §6.2.3.2 with padding_length pad (the total
 * padding is pad + 1 bytes); iv is the explicit IV (1.1+) or the chained one
 * (1.0). Returns the record length.
 */
static size_t oracle_cbc_record(const struct oracle *o, int side, uint16_t version, uint64_t seq, uint8_t type,
				const uint8_t *content, size_t len, size_t pad, const uint8_t *iv, enum spoil spoil,
				uint8_t *out)
{
	size_t ivl = version == MOAT_TLS10 ? 0 : o->block;
	uint8_t *body = out + 5 + ivl;
	memcpy(body, content, len);
	uint8_t macin[13];
	put_seq(macin, seq);
	macin[8] = type, macin[9] = 3, macin[10] = (uint8_t)(version & 0xff);
	macin[11] = (uint8_t)(len >> 8), macin[12] = (uint8_t)len;
	static uint8_t mac_input[13 + sizeof(msg)];
	memcpy(mac_input, macin, 13);
	memcpy(mac_input + 13, content, len);
	unsigned int ml;
	ATF_REQUIRE(HMAC(o->md, o->mac_key[side], (int)o->mac_len, mac_input, 13 + len, body + len, &ml) != NULL);
	ATF_REQUIRE(ml == o->mac_len);
	memset(body + len + ml, (int)pad, pad + 1);
	size_t n = len + ml + pad + 1;
	ATF_REQUIRE_MSG(n % o->block == 0, "bad test padding %zu", pad);
	if (spoil == SPOIL_MAC)
		body[len] ^= 0x01;
	else if (spoil == SPOIL_PAD_BYTE && pad > 0)
		body[len + ml] ^= 0x01;        /* the first padding byte */
	else if (spoil == SPOIL_PAD_LEN)
		body[n - 1] = (uint8_t)(pad + (size_t)o->block); /* claims more padding than the record has of it */
	if (ivl)
		memcpy(out + 5, iv, ivl);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int w;
	ATF_REQUIRE(EVP_EncryptInit_ex2(c, o->cipher, o->key[side], iv, NULL) == 1);
	ATF_REQUIRE(EVP_CIPHER_CTX_set_padding(c, 0) == 1);
	ATF_REQUIRE(EVP_EncryptUpdate(c, body, &w, body, (int)n) == 1 && (size_t)w == n);
	EVP_CIPHER_CTX_free(c);
	size_t frag = ivl + n;
	out[0] = type, out[1] = 3, out[2] = (uint8_t)(version & 0xff), out[3] = (uint8_t)(frag >> 8),
	out[4] = (uint8_t)frag;
	return 5 + frag;
}

/* A client writer and a server reader for suite at version, keyed from key_block. */
static void pair(const struct moat_cipher_suite *s, uint16_t version, struct moat_record_layer *client,
		 struct moat_record_layer *server)
{
	moat_record_layer_init(client);
	moat_record_layer_init(server);
	client->write_version = version;
	server->write_version = version;
	EXPECT_OK(moat_record_set_tls12_keys(client, true, true, s, version, key_block, sizeof(key_block)));
	EXPECT_OK(moat_record_set_tls12_keys(client, false, true, s, version, key_block, sizeof(key_block)));
	EXPECT_OK(moat_record_set_tls12_keys(server, true, false, s, version, key_block, sizeof(key_block)));
	EXPECT_OK(moat_record_set_tls12_keys(server, false, false, s, version, key_block, sizeof(key_block)));
}

static const struct moat_cipher_suite *suite_named(const char *name)
{
	const struct moat_cipher_suite *s = moat_cipher_suite_find_name(name);
	ATF_REQUIRE_MSG(s != NULL, "no suite %s", name);
	return s;
}


static void init_data(void)
{
	fill_key_block();
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 31 + 5);
}

/* Open every record in buf in turn, expecting them to spell type/msg[0..len). */
static void open_all(struct moat_record_layer *r, struct moat_buf *b, uint8_t type, const uint8_t *want, size_t len,
		     size_t *records)
{
	size_t off = 0, got = 0;
	*records = 0;
	while (off < b->len) {
		size_t total;
		EXPECT_OK(moat_record_layer_total_len(r, b->data + off, &total));
		uint8_t t, *p;
		size_t pl;
		EXPECT_OK(moat_record_open(r, b->data + off, total, &t, &p, &pl));
		ATF_REQUIRE_EQ(t, type);
		ATF_REQUIRE(got + pl <= len);
		ATF_REQUIRE(pl == 0 || memcmp(p, want + got, pl) == 0);
		got += pl;
		off += total;
		(*records)++;
	}
	ATF_REQUIRE_EQ(got, len);
}

ATF_TC_WITHOUT_HEAD(every_suite_round_trips);
ATF_TC_BODY(every_suite_round_trips, tc)
{
	init_data();
	const size_t sizes[] = { 0, 1, 2, 15, 16, 17, 31, 100, 1000, 16383, 16384 };
	size_t tried = 0;
	for (size_t i = 0; i < moat_cipher_suite_count(); i++) {
		const struct moat_cipher_suite *s = moat_cipher_suite_at(i);
		for (uint16_t v = MOAT_TLS10; v <= MOAT_TLS12; v++) {
			if (!moat_cipher_suite_supports_version(s, v))
				continue;
			struct moat_record_layer c, sv;
			pair(s, v, &c, &sv);
			for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
				const uint8_t types[3] = { MOAT_CT_APPLICATION_DATA, MOAT_CT_HANDSHAKE, MOAT_CT_ALERT };
				for (size_t t = 0; t < 3; t++) {
					if (sizes[k] == 0 && types[t] != MOAT_CT_APPLICATION_DATA)
						continue;
					/* Both directions, each with its own keys. */
					for (int dir = 0; dir < 2; dir++) {
						struct moat_record_layer *w = dir ? &sv : &c, *r = dir ? &c : &sv;
						struct moat_buf b;
						moat_buf_init(&b, 1 << 20);
						EXPECT_OK(moat_record_write(w, types[t], msg, sizes[k], 0, &b));
						/*
						 * wire_len is exact, except that it does not know the type and so
						 * counts TLS 1.0's 1/n-1 split for any CBC record of 2 bytes or more.
						 */
						size_t wl = moat_record_wire_len(w, sizes[k], 0);
						bool split_counted = v == MOAT_TLS10 && s->mac != MOAT_MAC_AEAD && sizes[k] > 1;
						if (split_counted && types[t] != MOAT_CT_APPLICATION_DATA)
							ATF_REQUIRE(b.len < wl);
						else
							ATF_REQUIRE_EQ(b.len, wl);
						size_t n;
						open_all(r, &b, types[t], msg, sizes[k], &n);
						moat_buf_free(&b);
					}
				}
			}
			/* The CCS goes through the protection in 1.2 (it is sent under the old keys). */
			struct moat_buf b;
			moat_buf_init(&b, 1 << 20);
			EXPECT_OK(moat_record_write_ccs(&c, &b));
			size_t n;
			const uint8_t one = 1;
			open_all(&sv, &b, MOAT_CT_CHANGE_CIPHER_SPEC, &one, 1, &n);
			moat_buf_free(&b);
			moat_record_layer_free(&c);
			moat_record_layer_free(&sv);
			tried++;
		}
	}
	/* Every TLS 1.2 suite once, and the CBC-SHA1 ones at 1.0 and 1.1 as well. */
	size_t want = 0;
	for (size_t i = 0; i < moat_cipher_suite_count(); i++) {
		const struct moat_cipher_suite *s = moat_cipher_suite_at(i);
		want += (size_t)moat_cipher_suite_supports_version(s, MOAT_TLS10) +
			(size_t)moat_cipher_suite_supports_version(s, MOAT_TLS11) +
			(size_t)moat_cipher_suite_supports_version(s, MOAT_TLS12);
	}
	printf("%zu suite/version pairs\n", tried);
	ATF_REQUIRE_EQ(tried, want);
	ATF_REQUIRE(tried > 30);
}

/* Records libcrypto builds by the RFCs open, and ours decrypt to what the RFCs say. */
ATF_TC_WITHOUT_HEAD(known_answer_aead);
ATF_TC_BODY(known_answer_aead, tc)
{
	init_data();
	const char *names[] = { "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
				"ECDHE-RSA-CHACHA20-POLY1305" };
	for (size_t i = 0; i < 3; i++) {
		const struct moat_cipher_suite *s = suite_named(names[i]);
		struct oracle o;
		oracle_for(s, MOAT_TLS12, &o);
		struct moat_record_layer c, sv;
		pair(s, MOAT_TLS12, &c, &sv);
		for (uint64_t seq = 0; seq < 3; seq++) {
			/* Ours: exactly the oracle's bytes, with seq as the explicit nonce. */
			struct moat_buf b;
			moat_buf_init(&b, 1 << 20);
			EXPECT_OK(moat_record_write(&c, MOAT_CT_APPLICATION_DATA, msg, 77, 0, &b));
			size_t n = oracle_aead_record(&o, 0, seq, MOAT_CT_APPLICATION_DATA, msg, 77, seq, rec);
			ATF_REQUIRE_EQ(b.len, n);
			ATF_REQUIRE(memcmp(b.data, rec, n) == 0);
			moat_buf_free(&b);
			/* Theirs, with an explicit nonce that is not the sequence number: we take what is sent. */
			n = oracle_aead_record(&o, 0, seq, MOAT_CT_HANDSHAKE, msg, 300, 0x1122334455667788ull + seq, rec);
			uint8_t t, *p;
			size_t pl;
			EXPECT_OK(moat_record_open(&sv, rec, n, &t, &p, &pl));
			ATF_REQUIRE(t == MOAT_CT_HANDSHAKE && pl == 300 && memcmp(p, msg, 300) == 0);
		}
		moat_record_layer_free(&c);
		moat_record_layer_free(&sv);
	}
}

static void decrypt_cbc(const struct oracle *o, int side, const uint8_t *iv, uint8_t *p, size_t n)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int w;
	ATF_REQUIRE(EVP_DecryptInit_ex2(c, o->cipher, o->key[side], iv, NULL) == 1);
	ATF_REQUIRE(EVP_CIPHER_CTX_set_padding(c, 0) == 1);
	ATF_REQUIRE(EVP_DecryptUpdate(c, p, &w, p, (int)n) == 1 && (size_t)w == n);
	EVP_CIPHER_CTX_free(c);
}

ATF_TC_WITHOUT_HEAD(known_answer_cbc);
ATF_TC_BODY(known_answer_cbc, tc)
{
	init_data();
	const char *names[] = { "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384", "DHE-RSA-AES256-SHA256",
				"ECDHE-RSA-DES-CBC3-SHA" };
	for (size_t i = 0; i < 4; i++) {
		const struct moat_cipher_suite *s = suite_named(names[i]);
		for (uint16_t v = MOAT_TLS10; v <= MOAT_TLS12; v++) {
			if (!moat_cipher_suite_supports_version(s, v))
				continue;
			struct oracle o;
			oracle_for(s, v, &o);
			struct moat_record_layer c, sv;
			pair(s, v, &c, &sv);
			uint8_t chain_w[16], chain_r[16];
			if (v == MOAT_TLS10) {
				memcpy(chain_w, o.iv[0], o.block);
				memcpy(chain_r, o.iv[0], o.block);
			}
			uint64_t wseq = 0;
			for (size_t len = 0; len < 70; len += 23) {
				/* Ours: decrypt with the oracle, check content, MAC and the padding's form. */
				struct moat_buf b;
				moat_buf_init(&b, 1 << 20);
				EXPECT_OK(moat_record_write(&c, MOAT_CT_HANDSHAKE, msg, len ? len : 1, 0, &b));
				size_t clen = len ? len : 1;
				size_t ivl = v == MOAT_TLS10 ? 0 : o.block;
				size_t n = b.len - 5 - ivl;
				ATF_REQUIRE(n % o.block == 0);
				uint8_t *body = b.data + 5 + ivl;
				uint8_t next[16];
				memcpy(next, body + n - o.block, o.block);
				decrypt_cbc(&o, 0, v == MOAT_TLS10 ? chain_w : b.data + 5, body, n);
				if (v == MOAT_TLS10)
					memcpy(chain_w, next, o.block);
				ATF_REQUIRE(memcmp(body, msg, clen) == 0);
				uint8_t pad = body[n - 1];
				ATF_REQUIRE_EQ(clen + o.mac_len + pad + 1, n);
				ATF_REQUIRE(pad < o.block); /* minimal padding */
				for (size_t k = 0; k <= pad; k++)
					ATF_REQUIRE_EQ(body[n - 1 - k], pad);
				uint8_t check[600];
				size_t cn = oracle_cbc_record(&o, 0, v, wseq++, MOAT_CT_HANDSHAKE, msg, clen, pad,
							      v == MOAT_TLS10 ? o.iv[0] : b.data + 5, SPOIL_NONE, check);
				(void)cn;
				decrypt_cbc(&o, 0, v == MOAT_TLS10 ? o.iv[0] : b.data + 5, check + 5 + ivl, n);
				ATF_REQUIRE_MSG(memcmp(body + clen, check + 5 + ivl + clen, o.mac_len) == 0, "MAC differs");
				moat_buf_free(&b);
			}
			/* Theirs, with every padding length up to the largest: each opens to the content. */
			for (uint64_t seq = 0; seq < 40; seq++) {
				size_t len = 37 + seq;
				size_t base = (len + o.mac_len + 1) % o.block;
				size_t pad = (o.block - base) % o.block + o.block * (seq % 3 == 2 ? (255 / o.block) : seq % 3);
				if (pad > 255)
					pad -= o.block;
				uint8_t iv[16];
				memset(iv, (int)(0x40 + seq), sizeof(iv));
				size_t n = oracle_cbc_record(&o, 0, v, seq, MOAT_CT_APPLICATION_DATA, msg, len, pad,
							     v == MOAT_TLS10 ? chain_r : iv, SPOIL_NONE, rec);
				if (v == MOAT_TLS10)
					memcpy(chain_r, rec + n - o.block, o.block);
				uint8_t t, *p;
				size_t pl;
				EXPECT_OK(moat_record_open(&sv, rec, n, &t, &p, &pl));
				ATF_REQUIRE(t == MOAT_CT_APPLICATION_DATA && pl == len && memcmp(p, msg, len) == 0);
			}
			moat_record_layer_free(&c);
			moat_record_layer_free(&sv);
		}
	}
}

/* Flip each byte but the length field of a sealed record: bad_record_mac every time, and nothing advances. */
static void tamper_all(const struct moat_cipher_suite *s, uint16_t v)
{
	struct moat_record_layer c, sv;
	pair(s, v, &c, &sv);
	struct moat_buf b;
	moat_buf_init(&b, 1 << 20);
	EXPECT_OK(moat_record_write(&c, MOAT_CT_HANDSHAKE, msg, 40, 0, &b));
	uint8_t copy[256];
	ATF_REQUIRE(b.len <= sizeof(copy));
	for (size_t i = 0; i < b.len; i++) {
		if (i == 3 || i == 4)
			continue;
		for (uint8_t bit = 1; bit != 0; bit = (uint8_t)(bit << 1)) {
			memcpy(copy, b.data, b.len);
			copy[i] ^= bit;
			/* A type byte flipped to an unknown type is refused before the protection runs. */
			if (i == 0 && copy[0] != MOAT_CT_ALERT && copy[0] != MOAT_CT_APPLICATION_DATA &&
			    copy[0] != MOAT_CT_CHANGE_CIPHER_SPEC)
				continue;
			uint8_t t, *p;
			size_t pl;
			EXPECT_ERR(moat_record_open(&sv, copy, b.len, &t, &p, &pl), MOAT_ERR_BAD_RECORD_MAC);
		}
	}
	/* The untouched record still opens: no failure moved the sequence number or the IV chain. */
	uint8_t t, *p;
	size_t pl;
	EXPECT_OK(moat_record_open(&sv, b.data, b.len, &t, &p, &pl));
	ATF_REQUIRE(pl == 40 && memcmp(p, msg, 40) == 0);
	/* And a replay of it does not: the sequence number is authenticated. */
	moat_buf_reset(&b);
	EXPECT_OK(moat_record_write(&c, MOAT_CT_HANDSHAKE, msg, 40, 0, &b));
	memcpy(copy, b.data, b.len);
	EXPECT_OK(moat_record_open(&sv, b.data, b.len, &t, &p, &pl));
	EXPECT_ERR(moat_record_open(&sv, copy, b.len, &t, &p, &pl), MOAT_ERR_BAD_RECORD_MAC);
	moat_buf_free(&b);
	moat_record_layer_free(&c);
	moat_record_layer_free(&sv);
}

ATF_TC_WITHOUT_HEAD(tamper_every_byte);
ATF_TC_BODY(tamper_every_byte, tc)
{
	init_data();
	const char *names[] = { "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
				"ECDHE-RSA-CHACHA20-POLY1305", "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384",
				"ECDHE-RSA-DES-CBC3-SHA", "DHE-RSA-AES128-SHA256" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct moat_cipher_suite *s = suite_named(names[i]);
		for (uint16_t v = MOAT_TLS10; v <= MOAT_TLS12; v++)
			if (moat_cipher_suite_supports_version(s, v))
				tamper_all(s, v);
	}
}

/* Bad padding bytes, a padding length past the record, a wrong MAC: all the same bad_record_mac. */
ATF_TC_WITHOUT_HEAD(cbc_padding_and_mac_failures_look_alike);
ATF_TC_BODY(cbc_padding_and_mac_failures_look_alike, tc)
{
	init_data();
	const char *names[] = { "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384", "ECDHE-RSA-DES-CBC3-SHA" };
	for (size_t i = 0; i < 3; i++) {
		const struct moat_cipher_suite *s = suite_named(names[i]);
		for (uint16_t v = MOAT_TLS10; v <= MOAT_TLS12; v++) {
			if (!moat_cipher_suite_supports_version(s, v))
				continue;
			struct oracle o;
			oracle_for(s, v, &o);
			const enum spoil spoils[] = { SPOIL_MAC, SPOIL_PAD_BYTE, SPOIL_PAD_LEN };
			for (size_t k = 0; k < 3; k++) {
				for (size_t extra = 0; extra < 3; extra++) {
					struct moat_record_layer c, sv;
					pair(s, v, &c, &sv);
					size_t len = 50;
					size_t pad = (o.block - (len + o.mac_len + 1) % o.block) % o.block + extra * o.block;
					if (spoils[k] == SPOIL_PAD_BYTE && pad == 0)
						pad += o.block;
					uint8_t iv[16];
					memset(iv, 0x3c, sizeof(iv));
					size_t n = oracle_cbc_record(&o, 0, v, 0, MOAT_CT_APPLICATION_DATA, msg, len, pad,
								     v == MOAT_TLS10 ? o.iv[0] : iv, spoils[k], rec);
					uint8_t t, *p;
					size_t pl;
					EXPECT_ERR(moat_record_open(&sv, rec, n, &t, &p, &pl), MOAT_ERR_BAD_RECORD_MAC);
					moat_record_layer_free(&c);
					moat_record_layer_free(&sv);
				}
			}
			/* Padding that eats into the MAC: padding_length as large as the whole record. */
			struct moat_record_layer c, sv;
			pair(s, v, &c, &sv);
			uint8_t iv[16];
			memset(iv, 0x3c, sizeof(iv));
			size_t len = 0;
			size_t pad = (o.block - (len + o.mac_len + 1) % o.block) % o.block;
			size_t n = oracle_cbc_record(&o, 0, v, 0, MOAT_CT_APPLICATION_DATA, msg, len, pad,
						     v == MOAT_TLS10 ? o.iv[0] : iv, SPOIL_NONE, rec);
			/* Re-encrypt with the last byte set to 255 by decrypting, editing, encrypting again. */
			size_t ivl = v == MOAT_TLS10 ? 0 : o.block;
			const uint8_t *civ = v == MOAT_TLS10 ? o.iv[0] : iv;
			decrypt_cbc(&o, 0, civ, rec + 5 + ivl, n - 5 - ivl);
			rec[n - 1] = 255;
			EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new();
			int w;
			ATF_REQUIRE(EVP_EncryptInit_ex2(e, o.cipher, o.key[0], civ, NULL) == 1);
			ATF_REQUIRE(EVP_CIPHER_CTX_set_padding(e, 0) == 1);
			ATF_REQUIRE(EVP_EncryptUpdate(e, rec + 5 + ivl, &w, rec + 5 + ivl, (int)(n - 5 - ivl)) == 1);
			EVP_CIPHER_CTX_free(e);
			uint8_t t, *p;
			size_t pl;
			EXPECT_ERR(moat_record_open(&sv, rec, n, &t, &p, &pl), MOAT_ERR_BAD_RECORD_MAC);
			moat_record_layer_free(&c);
			moat_record_layer_free(&sv);
		}
	}
}

/* Fragments too short to hold an IV, a MAC and the padding byte, or not whole blocks: bad_record_mac. */
ATF_TC_WITHOUT_HEAD(short_records);
ATF_TC_BODY(short_records, tc)
{
	init_data();
	const char *names[] = { "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305", "ECDHE-RSA-AES128-SHA",
				"ECDHE-RSA-AES256-SHA384", "ECDHE-RSA-DES-CBC3-SHA" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct moat_cipher_suite *s = suite_named(names[i]);
		for (uint16_t v = MOAT_TLS10; v <= MOAT_TLS12; v++) {
			if (!moat_cipher_suite_supports_version(s, v))
				continue;
			struct moat_record_layer c, sv;
			pair(s, v, &c, &sv);
			struct moat_buf b;
			moat_buf_init(&b, 1 << 20);
			EXPECT_OK(moat_record_write(&c, MOAT_CT_APPLICATION_DATA, msg, 0, 0, &b));
			size_t shortest = b.len - 5; /* the smallest valid fragment */
			for (size_t fl = 0; fl < shortest; fl++) {
				memcpy(rec, b.data, 5 + fl);
				rec[3] = (uint8_t)(fl >> 8), rec[4] = (uint8_t)fl;
				uint8_t t, *p;
				size_t pl;
				EXPECT_ERR(moat_record_open(&sv, rec, 5 + fl, &t, &p, &pl), MOAT_ERR_BAD_RECORD_MAC);
			}
			/* Not a whole number of blocks, one byte over the smallest. */
			if (s->mac != MOAT_MAC_AEAD) {
				memcpy(rec, b.data, b.len);
				rec[b.len] = 0;
				rec[3] = (uint8_t)((shortest + 1) >> 8), rec[4] = (uint8_t)(shortest + 1);
				uint8_t t, *p;
				size_t pl;
				EXPECT_ERR(moat_record_open(&sv, rec, b.len + 1, &t, &p, &pl), MOAT_ERR_BAD_RECORD_MAC);
			}
			moat_buf_free(&b);
			moat_record_layer_free(&c);
			moat_record_layer_free(&sv);
		}
	}
}

/* Content over 2^14 (or the negotiated limit) and fragments over 2^14 + 2048: record_overflow. */
ATF_TC_WITHOUT_HEAD(over_length_records);
ATF_TC_BODY(over_length_records, tc)
{
	init_data();
	/* AEAD: 2^14 + 1 bytes of content, properly sealed by the oracle. */
	const struct moat_cipher_suite *gcm = suite_named("ECDHE-RSA-AES128-GCM-SHA256");
	struct oracle o;
	oracle_for(gcm, MOAT_TLS12, &o);
	struct moat_record_layer c, sv;
	pair(gcm, MOAT_TLS12, &c, &sv);
	size_t n = oracle_aead_record(&o, 0, 0, MOAT_CT_APPLICATION_DATA, msg, 16385, 0, rec);
	uint8_t t, *p;
	size_t pl;
	EXPECT_ERR(moat_record_open(&sv, rec, n, &t, &p, &pl), MOAT_ERR_RECORD_OVERFLOW);
	/* Exactly 2^14 opens. */
	n = oracle_aead_record(&o, 0, 0, MOAT_CT_APPLICATION_DATA, msg, 16384, 0, rec);
	EXPECT_OK(moat_record_open(&sv, rec, n, &t, &p, &pl));
	/* A lowered limit (max_fragment_length / record_size_limit) applies too. */
	sv.max_plaintext_in = 1000;
	n = oracle_aead_record(&o, 0, 1, MOAT_CT_APPLICATION_DATA, msg, 1001, 0, rec);
	EXPECT_ERR(moat_record_open(&sv, rec, n, &t, &p, &pl), MOAT_ERR_RECORD_OVERFLOW);
	/* TLSCiphertext over 2^14 + 2048: refused from the header. */
	memset(rec, 0, 5);
	rec[0] = MOAT_CT_APPLICATION_DATA, rec[1] = 3, rec[2] = 3;
	rec[3] = (uint8_t)((16384 + 2049) >> 8), rec[4] = (uint8_t)(16384 + 2049);
	size_t total;
	EXPECT_ERR(moat_record_layer_total_len(&sv, rec, &total), MOAT_ERR_RECORD_OVERFLOW);
	EXPECT_ERR(moat_record_open(&sv, rec, 5 + 16384 + 2049, &t, &p, &pl), MOAT_ERR_RECORD_OVERFLOW);
	moat_record_layer_free(&c);
	moat_record_layer_free(&sv);

	/* CBC: 2^14 + 1 bytes of authentic content; and a fragment too long even for 255 bytes of padding. */
	const struct moat_cipher_suite *cbc = suite_named("ECDHE-RSA-AES256-SHA384");
	oracle_for(cbc, MOAT_TLS12, &o);
	pair(cbc, MOAT_TLS12, &c, &sv);
	uint8_t iv[16] = { 0 };
	size_t pad = (16 - (16385 + 48 + 1) % 16) % 16;
	n = oracle_cbc_record(&o, 0, MOAT_TLS12, 0, MOAT_CT_APPLICATION_DATA, msg, 16385, pad, iv, SPOIL_NONE, rec);
	EXPECT_ERR(moat_record_open(&sv, rec, n, &t, &p, &pl), MOAT_ERR_RECORD_OVERFLOW);
	size_t frag = 16 + 16384 + 48 + 256 + 16; /* IV + content limit + MAC + most padding + one block */
	rec[0] = MOAT_CT_APPLICATION_DATA, rec[1] = 3, rec[2] = 3, rec[3] = (uint8_t)(frag >> 8), rec[4] = (uint8_t)frag;
	EXPECT_ERR(moat_record_open(&sv, rec, 5 + frag, &t, &p, &pl), MOAT_ERR_RECORD_OVERFLOW);
	moat_record_layer_free(&c);
	moat_record_layer_free(&sv);
}

/* TLS 1.0 application msg goes out as a 1-byte record and the rest (BEAST); 1.1+ and other types do not split. */
ATF_TC_WITHOUT_HEAD(tls10_splits_application_data);
ATF_TC_BODY(tls10_splits_application_data, tc)
{
	init_data();
	const struct moat_cipher_suite *s = suite_named("ECDHE-RSA-AES128-SHA");
	struct {
		uint16_t v;
		uint8_t type;
		size_t len, records, first;
	} cases[] = {
		{ MOAT_TLS10, MOAT_CT_APPLICATION_DATA, 100, 2, 1 },
		{ MOAT_TLS10, MOAT_CT_APPLICATION_DATA, 2, 2, 1 },
		{ MOAT_TLS10, MOAT_CT_APPLICATION_DATA, 1, 1, 1 },
		{ MOAT_TLS10, MOAT_CT_APPLICATION_DATA, 16384, 2, 1 },
		{ MOAT_TLS10, MOAT_CT_HANDSHAKE, 100, 1, 100 },
		{ MOAT_TLS11, MOAT_CT_APPLICATION_DATA, 100, 1, 100 },
		{ MOAT_TLS12, MOAT_CT_APPLICATION_DATA, 100, 1, 100 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct moat_record_layer c, sv;
		pair(s, cases[i].v, &c, &sv);
		struct moat_buf b;
		moat_buf_init(&b, 1 << 20);
		EXPECT_OK(moat_record_write(&c, cases[i].type, msg, cases[i].len, 0, &b));
		/* On the wire: the first record's fragment is exactly one byte + MAC + padding. */
		size_t first_frag = ((size_t)b.data[3] << 8) | b.data[4];
		size_t want_frag = (cases[i].first + 20 + 1 + 15) / 16 * 16 + (cases[i].v == MOAT_TLS10 ? 0 : 16);
		ATF_REQUIRE_EQ(first_frag, want_frag);
		size_t records;
		open_all(&sv, &b, cases[i].type, msg, cases[i].len, &records);
		ATF_REQUIRE_EQ(records, cases[i].records);
		moat_buf_free(&b);
		moat_record_layer_free(&c);
		moat_record_layer_free(&sv);
	}
}

/* The key block layout per suite and version, and what is refused. */
ATF_TC_WITHOUT_HEAD(key_layouts);
ATF_TC_BODY(key_layouts, tc)
{
	struct moat_tls12_key_layout l;
	struct {
		const char *name;
		uint16_t v;
		size_t block_len;
		const struct moat_record_protection *prot;
	} cases[] = {
		{ "ECDHE-RSA-AES128-GCM-SHA256", MOAT_TLS12, 2 * (16 + 4), &moat_record_aead12_explicit },
		{ "ECDHE-RSA-AES256-GCM-SHA384", MOAT_TLS12, 2 * (32 + 4), &moat_record_aead12_explicit },
		{ "ECDHE-RSA-CHACHA20-POLY1305", MOAT_TLS12, 2 * (32 + 12), &moat_record_aead12_implicit },
		{ "ECDHE-RSA-AES128-SHA", MOAT_TLS10, 2 * (20 + 16 + 16), &moat_record_cbc },
		{ "ECDHE-RSA-AES128-SHA", MOAT_TLS11, 2 * (20 + 16), &moat_record_cbc },
		{ "ECDHE-RSA-AES256-SHA384", MOAT_TLS12, 2 * (48 + 32), &moat_record_cbc },
		{ "ECDHE-RSA-DES-CBC3-SHA", MOAT_TLS10, 2 * (20 + 24 + 8), &moat_record_cbc },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EXPECT_OK(moat_tls12_key_layout(suite_named(cases[i].name), cases[i].v, &l));
		ATF_REQUIRE_EQ(moat_tls12_key_block_len(&l), cases[i].block_len);
		ATF_REQUIRE(l.prot == cases[i].prot);
	}
	for (size_t i = 0; i < moat_cipher_suite_count(); i++) {
		const struct moat_cipher_suite *s = moat_cipher_suite_at(i);
		for (uint16_t v = MOAT_TLS10; v <= MOAT_TLS13; v++) {
			if (v <= MOAT_TLS12 && moat_cipher_suite_supports_version(s, v)) {
				EXPECT_OK(moat_tls12_key_layout(s, v, &l));
				ATF_REQUIRE(moat_tls12_key_block_len(&l) <= MOAT_TLS12_MAX_KEY_BLOCK_LEN);
			} else {
				EXPECT_ERR(moat_tls12_key_layout(s, v, &l), MOAT_ERR_INVALID_ARG);
			}
		}
	}
	struct moat_record_layer rl;
	moat_record_layer_init(&rl);
	fill_key_block();
	EXPECT_ERR(moat_record_set_tls12_keys(&rl, true, true, suite_named("ECDHE-RSA-AES256-SHA384"), MOAT_TLS12,
					      key_block, 159),
		   MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE(!moat_record_is_protected(&rl, true));
	/* CBC and 1.2 AEADs take no TLS 1.3-style padding. */
	EXPECT_OK(moat_record_set_tls12_keys(&rl, true, true, suite_named("ECDHE-RSA-AES256-SHA384"), MOAT_TLS12,
					     key_block, sizeof(key_block)));
	struct moat_buf b;
	moat_buf_init(&b, 1 << 20);
	EXPECT_ERR(moat_record_write(&rl, MOAT_CT_APPLICATION_DATA, key_block, 10, 5, &b), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE_EQ(b.len, 0);
	moat_buf_free(&b);
	moat_record_layer_free(&rl);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, every_suite_round_trips);
	ATF_TP_ADD_TC(tp, known_answer_aead);
	ATF_TP_ADD_TC(tp, known_answer_cbc);
	ATF_TP_ADD_TC(tp, tamper_every_byte);
	ATF_TP_ADD_TC(tp, cbc_padding_and_mac_failures_look_alike);
	ATF_TP_ADD_TC(tp, short_records);
	ATF_TP_ADD_TC(tp, over_length_records);
	ATF_TP_ADD_TC(tp, tls10_splits_application_data);
	ATF_TP_ADD_TC(tp, key_layouts);
	return atf_no_error();
}
