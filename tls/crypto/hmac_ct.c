/*
 * Constant-time record HMAC: see hmac_ct.h for why and what.
 *
 * Positions are counted over the whole inner hash input, K^ipad included:
 * block 0 is the key block (absorbed at init), the message starts at byte B
 * (B = block length) and, with the secret length len, ends at
 * end = B + 13 + len. The padded message has a 0x80 at end, zeros, and the
 * bit length in the last LF bytes (8 for SHA-1/256, 16 for SHA-384) of block
 * final = (end + LF) / B. Blocks before the first place the message can end
 * (B + 13 + min_len) go through SHA*_Update; every block from there to the
 * last possible final block is built with masks and compressed, and the
 * chaining value after block `final` is selected into the result.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <string.h>

#include <openssl/sha.h>

#include "common/secmem.h"
#include "tls/crypto/ct_mask.h"
#include "tls/crypto/hmac_ct.h"

union sha_ctx {
	SHA_CTX s1;
	SHA256_CTX s256;
	SHA512_CTX s512;
};

struct hmac_states {
	union sha_ctx inner, outer;
};

#define MAX_BLOCK 128

static size_t block_len(moat_hash_alg alg)
{
	return alg == MOAT_HASH_SHA384 ? 128 : 64;
}

static size_t length_field_len(moat_hash_alg alg)
{
	return alg == MOAT_HASH_SHA384 ? 16 : 8;
}

static void h_init(moat_hash_alg alg, union sha_ctx *c)
{
	if (alg == MOAT_HASH_SHA1)
		SHA1_Init(&c->s1);
	else if (alg == MOAT_HASH_SHA256)
		SHA256_Init(&c->s256);
	else
		SHA384_Init(&c->s512);
}

static void h_update(moat_hash_alg alg, union sha_ctx *c, const void *p, size_t n)
{
	if (alg == MOAT_HASH_SHA1)
		SHA1_Update(&c->s1, p, n);
	else if (alg == MOAT_HASH_SHA256)
		SHA256_Update(&c->s256, p, n);
	else
		SHA384_Update(&c->s512, p, n);
}

static void h_final(moat_hash_alg alg, union sha_ctx *c, uint8_t *out)
{
	if (alg == MOAT_HASH_SHA1)
		SHA1_Final(out, &c->s1);
	else if (alg == MOAT_HASH_SHA256)
		SHA256_Final(out, &c->s256);
	else
		SHA384_Final(out, &c->s512);
}

/* One compression on a full block; only the chaining value changes. */
static void h_compress(moat_hash_alg alg, union sha_ctx *c, const uint8_t *block)
{
	if (alg == MOAT_HASH_SHA1)
		SHA1_Transform(&c->s1, block);
	else if (alg == MOAT_HASH_SHA256)
		SHA256_Transform(&c->s256, block);
	else
		SHA512_Transform(&c->s512, block);
}

/* dst's chaining value = mask ? src's : dst's, word by word. */
static void h_select(moat_hash_alg alg, size_t mask, union sha_ctx *dst, const union sha_ctx *src)
{
	if (alg == MOAT_HASH_SHA1) {
		uint32_t m = (uint32_t)mask;
		dst->s1.h0 = (src->s1.h0 & m) | (dst->s1.h0 & ~m);
		dst->s1.h1 = (src->s1.h1 & m) | (dst->s1.h1 & ~m);
		dst->s1.h2 = (src->s1.h2 & m) | (dst->s1.h2 & ~m);
		dst->s1.h3 = (src->s1.h3 & m) | (dst->s1.h3 & ~m);
		dst->s1.h4 = (src->s1.h4 & m) | (dst->s1.h4 & ~m);
	} else if (alg == MOAT_HASH_SHA256) {
		uint32_t m = (uint32_t)mask;
		for (size_t i = 0; i < 8; i++)
			dst->s256.h[i] = (src->s256.h[i] & m) | (dst->s256.h[i] & ~m);
	} else {
		uint64_t m = (uint64_t)mask;
		for (size_t i = 0; i < 8; i++)
			dst->s512.h[i] = (src->s512.h[i] & m) | (dst->s512.h[i] & ~m);
	}
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The digest is the chaining value, big-endian, truncated (SHA-384: six words). */
static void h_digest(moat_hash_alg alg, const union sha_ctx *c, uint8_t *out)
{
	if (alg == MOAT_HASH_SHA1) {
		put_be32(out, c->s1.h0);
		put_be32(out + 4, c->s1.h1);
		put_be32(out + 8, c->s1.h2);
		put_be32(out + 12, c->s1.h3);
		put_be32(out + 16, c->s1.h4);
	} else if (alg == MOAT_HASH_SHA256) {
		for (size_t i = 0; i < 8; i++)
			put_be32(out + 4 * i, c->s256.h[i]);
	} else {
		for (size_t i = 0; i < 6; i++) {
			put_be32(out + 8 * i, (uint32_t)(c->s512.h[i] >> 32));
			put_be32(out + 8 * i + 4, (uint32_t)c->s512.h[i]);
		}
	}
}

int moat_hmac_ct_init(struct moat_hmac_ct *m, moat_hash_alg alg, const uint8_t *key, size_t key_len)
{
	ENSURE_REF(m);
	m->state = NULL;
	m->alg = MOAT_HASH_NONE;
	ENSURE(alg == MOAT_HASH_SHA1 || alg == MOAT_HASH_SHA256 || alg == MOAT_HASH_SHA384, MOAT_ERR_INVALID_ARG);
	ENSURE(key != NULL || key_len == 0, MOAT_ERR_NULL_ARG);
	size_t b = block_len(alg);
	/* TLS MAC keys are the hash length; a longer-than-block key would need hashing first (RFC 2104 §2). */
	ENSURE(key_len <= b, MOAT_ERR_INVALID_ARG);

	void *mem;
	TRY(moat_secmem_alloc(sizeof(struct hmac_states), &mem));
	struct hmac_states *st = mem;
	uint8_t pad[MAX_BLOCK];
	for (size_t i = 0; i < b; i++)
		pad[i] = (uint8_t)((i < key_len ? key[i] : 0) ^ 0x36);
	h_init(alg, &st->inner);
	h_update(alg, &st->inner, pad, b);
	for (size_t i = 0; i < b; i++)
		pad[i] = (uint8_t)((i < key_len ? key[i] : 0) ^ 0x5c);
	h_init(alg, &st->outer);
	h_update(alg, &st->outer, pad, b);
	moat_wipe(pad, sizeof(pad));
	m->state = st;
	m->alg = alg;
	return MOAT_SUCCESS;
}

int moat_hmac_ct_record(const struct moat_hmac_ct *m, const uint8_t prefix[MOAT_HMAC_CT_PREFIX_LEN],
			const uint8_t *data, size_t len, size_t min_len, size_t max_len, uint8_t *out)
{
	ENSURE_REF(m);
	ENSURE_REF(prefix);
	ENSURE_REF(out);
	ENSURE(data != NULL || max_len == 0, MOAT_ERR_NULL_ARG);
	ENSURE(m->state != NULL, MOAT_ERR_INVALID_STATE);
	ENSURE(min_len <= max_len && max_len <= ((size_t)1 << 24), MOAT_ERR_INVALID_ARG);
	const struct hmac_states *st = m->state;
	moat_hash_alg alg = m->alg;
	const size_t b = block_len(alg), lf = length_field_len(alg), pre = MOAT_HMAC_CT_PREFIX_LEN;

	union sha_ctx c = st->inner, result = st->inner;
	/* Whole blocks every length fills: the prefix and as much data as keeps the hash at a block boundary. */
	size_t direct = ((pre + min_len) / b) * b;
	size_t direct_data = 0;
	if (direct >= pre) {
		h_update(alg, &c, prefix, pre);
		direct_data = direct - pre;
		if (direct_data > 0)
			h_update(alg, &c, data, direct_data);
	} else {
		direct = 0;
	}

	const size_t end = b + pre + len;                 /* secret */
	const size_t final_block = (end + lf) / b;        /* secret; b is a power of two */
	const size_t first = (b + direct) / b;            /* public: first masked block */
	const size_t last = (b + pre + max_len + lf) / b; /* public: the final block for len == max_len */
	uint8_t bitlen[16] = { 0 };
	uint64_t bits = (uint64_t)end * 8;                /* secret, written without branches */
	for (size_t i = 0; i < 8; i++)
		bitlen[15 - i] = (uint8_t)(bits >> (8 * i));

	uint8_t block[MAX_BLOCK];
	for (size_t k = first; k <= last; k++) {
		size_t is_final = moat_ct_eq(k, final_block);
		for (size_t j = 0; j < b; j++) {
			size_t q = k * b + j;     /* public position */
			size_t mpos = q - b;      /* in prefix || data */
			uint8_t v = 0;
			if (mpos < pre)
				v = prefix[mpos];
			else if (mpos - pre < max_len)
				v = data[mpos - pre];
			size_t in_msg = moat_ct_lt(q, end);
			size_t at_end = moat_ct_eq(q, end);
			uint8_t byte = (uint8_t)((v & in_msg) | (0x80 & at_end));
			if (j >= b - lf)
				byte = (uint8_t)(byte | (bitlen[16 - lf + (j - (b - lf))] & is_final));
			block[j] = byte;
		}
		h_compress(alg, &c, block);
		h_select(alg, is_final, &result, &c);
	}
	moat_wipe(block, sizeof(block));

	uint8_t inner[MOAT_HASH_MAX_DIGEST_LEN];
	size_t dlen = moat_hash_len(alg);
	h_digest(alg, &result, inner);
	union sha_ctx o = st->outer;
	h_update(alg, &o, inner, dlen);
	h_final(alg, &o, out);
	moat_wipe(inner, sizeof(inner));
	moat_wipe(&c, sizeof(c));
	moat_wipe(&result, sizeof(result));
	moat_wipe(&o, sizeof(o));
	return MOAT_SUCCESS;
}

void moat_hmac_ct_free(struct moat_hmac_ct *m)
{
	if (m == NULL)
		return;
	moat_secmem_free(m->state);
	m->state = NULL;
	m->alg = MOAT_HASH_NONE;
}
