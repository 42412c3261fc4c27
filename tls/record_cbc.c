/*
 * TLS 1.0 - 1.2 CBC record protection: MAC-then-encrypt with HMAC and a
 * block cipher, RFC 5246 §6.2.3.1 - §6.2.3.2 (TLS 1.1: RFC 4346 §6.2.3.2,
 * TLS 1.0: RFC 2246 §6.2.3.2).
 *
 *   fragment = [IV] || E(content || MAC || padding || padding_length)
 *   MAC = HMAC(MAC_write_key, seq_num || type || version || length || content)
 *
 * IVs. TLS 1.1 and 1.2 send a fresh random IV before each record. TLS 1.0
 * has none on the wire: the first IV comes from the key block and each
 * record's IV is the last ciphertext block of the one before, which lets an
 * attacker who chooses plaintext predict the IV (BEAST). Against that the
 * sender splits application data 1/n-1: the first record carries one byte,
 * whose MAC (unpredictable to the attacker) randomises the chain before the
 * rest follows in a second record. A 1-byte write goes out as it is.
 *
 * Open in constant time (Lucky Thirteen, AlFardan and Paterson 2013). After
 * decryption the padding length byte is secret: a receiver whose time,
 * branches or memory accesses depend on it, or on whether the padding or
 * the MAC was wrong, is a padding oracle. So moat_record_cbc_check:
 *   - reads the padding length byte and checks it against the public record
 *     length with masks, then compares the last 256 bytes (or all, if fewer)
 *     to it, each masked by "inside the padding", so every byte is read
 *     whatever the padding says;
 *   - MACs the content with moat_hmac_ct_record, whose work depends only on
 *     the public bounds (record length minus MAC and at most 256 bytes of
 *     padding), not on the content length it is given; a bad padding yields
 *     the largest length, so the MAC is still computed and still fails;
 *   - copies the received MAC out of its secret position by scanning every
 *     position it could start at and keeping the bytes with a mask
 *     (O(256 x MAC length) byte operations, no secret index);
 *   - compares the MACs by accumulating XORs, and folds padding and MAC
 *     results into one mask.
 * Only then does open branch, once, on the result: every failure, whether
 * padding or MAC, is the same bad_record_mac (RFC 5246 §7.2.2 forbids the
 * distinguishable decryption_failed), after the same amount of work.
 * Length checks before decryption depend on the public record length only.
 *
 * State beyond struct moat_record_dir lives in one moat_secmem block per
 * direction (the HMAC states are key material): the cipher context, the
 * constant-time HMAC, the protocol version and TLS 1.0's chained IV.
 */
#include "tls/record_cbc.h"

#include <string.h>

#include "common/secmem.h"
#include "tls/crypto/ct_mask.h"
#include "tls/crypto/util.h"
#include "tls/record.h"

struct moat_record_cbc {
	struct moat_cbc cipher;
	struct moat_hmac_ct mac;
	uint16_t version;
	size_t block_len;
	size_t mac_len;
	uint8_t chain_iv[MOAT_CBC_MAX_BLOCK_LEN]; /* TLS 1.0: the next record's IV */
};

/* Largest padding: padding_length is one byte (§6.2.3.2), plus the length byte itself. */
#define MAX_PAD 256

static bool implicit_iv(const struct moat_record_cbc *c)
{
	return c->version == MOAT_TLS10;
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (size_t i = 8; i > 0; i--) {
		p[i - 1] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

static int cbc_init(struct moat_record_dir *d, const struct moat_record_keys *keys, bool write)
{
	size_t bl = moat_cbc_block_len(keys->cbc);
	size_t ml = moat_hash_len(keys->mac_hash);
	ENSURE(bl != 0 && keys->aead == MOAT_AEAD_NONE, MOAT_ERR_INVALID_ARG);
	ENSURE(keys->mac_hash == MOAT_HASH_SHA1 || keys->mac_hash == MOAT_HASH_SHA256 ||
		       keys->mac_hash == MOAT_HASH_SHA384,
	       MOAT_ERR_INVALID_ARG);
	ENSURE(keys->version >= MOAT_TLS10 && keys->version <= MOAT_TLS12, MOAT_ERR_INVALID_ARG);
	ENSURE(keys->key != NULL && keys->key_len == moat_cbc_key_len(keys->cbc), MOAT_ERR_INVALID_ARG);
	/* RFC 5246 §6.2.3.1: the MAC key is as long as the MAC. */
	ENSURE(keys->mac_key != NULL && keys->mac_key_len == ml, MOAT_ERR_INVALID_ARG);
	bool chained = keys->version == MOAT_TLS10;
	ENSURE(chained ? keys->iv != NULL && keys->iv_len == bl : keys->iv_len == 0, MOAT_ERR_INVALID_ARG);

	void *mem;
	TRY(moat_secmem_alloc(sizeof(struct moat_record_cbc), &mem));
	struct moat_record_cbc *c = mem;
	if (moat_cbc_init(&c->cipher, keys->cbc, keys->key, write) != MOAT_SUCCESS) {
		moat_secmem_free(c);
		return MOAT_FAILURE;
	}
	if (moat_hmac_ct_init(&c->mac, keys->mac_hash, keys->mac_key, keys->mac_key_len) != MOAT_SUCCESS) {
		moat_cbc_free(&c->cipher);
		moat_secmem_free(c);
		return MOAT_FAILURE;
	}
	c->version = keys->version;
	c->block_len = bl;
	c->mac_len = ml;
	if (chained)
		memcpy(c->chain_iv, keys->iv, bl);
	d->cbc = c;
	d->prot = &moat_record_cbc;
	return MOAT_SUCCESS;
}

static void cbc_clear(struct moat_record_dir *d)
{
	struct moat_record_cbc *c = d->cbc;
	if (c == NULL)
		return;
	moat_cbc_free(&c->cipher);
	moat_hmac_ct_free(&c->mac);
	moat_secmem_free(c);
	d->cbc = NULL;
}

/* Bytes after the header of one record of len content bytes: [IV], content, MAC, padding to the block. */
static size_t frag_len_for(const struct moat_record_cbc *c, size_t len)
{
	size_t body = len + c->mac_len + 1;
	size_t padded = (body + c->block_len - 1) / c->block_len * c->block_len;
	return (implicit_iv(c) ? 0 : c->block_len) + padded;
}

static bool split_1n1(const struct moat_record_cbc *c, uint8_t type, size_t len)
{
	return implicit_iv(c) && type == MOAT_CT_APPLICATION_DATA && len > 1;
}

static size_t cbc_wire_len(const struct moat_record_dir *d, size_t len, size_t padding)
{
	(void)padding;
	const struct moat_record_cbc *c = d->cbc;
	/* wire_len does not know the type; a TLS 1.0 writer of application data may add a split record. */
	if (implicit_iv(c) && len > 1)
		return 2 * MOAT_RECORD_HEADER_LEN + frag_len_for(c, 1) + frag_len_for(c, len - 1);
	return MOAT_RECORD_HEADER_LEN + frag_len_for(c, len);
}

/* One record; on failure the caller restores out, seq and the IV chain. */
static int seal_one(struct moat_record_dir *d, uint8_t type, uint16_t version, const uint8_t *data, size_t len,
		    struct moat_buf *out)
{
	struct moat_record_cbc *c = d->cbc;
	ENSURE(d->seq != UINT64_MAX, MOAT_ERR_INVALID_STATE);
	size_t bl = c->block_len;
	size_t frag_len = frag_len_for(c, len);
	uint8_t *p;
	TRY(moat_buf_reserve(out, MOAT_RECORD_HEADER_LEN + frag_len, &p));
	moat_record_put_header(p, type, version, frag_len);

	uint8_t *iv = p + MOAT_RECORD_HEADER_LEN;
	uint8_t *body = implicit_iv(c) ? iv : iv + bl;
	size_t body_len = frag_len - (size_t)(body - iv);
	if (implicit_iv(c))
		iv = c->chain_iv;
	else
		TRY(moat_random_bytes(iv, bl)); /* RFC 4346 §6.2.3.2: an unpredictable IV per record */
	if (len > 0)
		memcpy(body, data, len);

	/* §6.2.3.1: MAC over seq_num, type, version, length, content; the length is public here. */
	uint8_t prefix[MOAT_HMAC_CT_PREFIX_LEN];
	put_u64(prefix, d->seq);
	prefix[8] = type;
	prefix[9] = p[1];
	prefix[10] = p[2];
	prefix[11] = (uint8_t)(len >> 8);
	prefix[12] = (uint8_t)(len & 0xff);
	TRY(moat_hmac_ct_record(&c->mac, prefix, body, len, len, len, body + len));
	/* §6.2.3.2: padding_length + 1 bytes, each holding padding_length. */
	size_t pad = body_len - len - c->mac_len;
	memset(body + len + c->mac_len, (int)(pad - 1), pad);
	TRY(moat_cbc_crypt(&c->cipher, iv, body, body_len, body));
	if (implicit_iv(c))
		memcpy(c->chain_iv, body + body_len - bl, bl);
	d->seq++;
	return MOAT_SUCCESS;
}

static int cbc_seal(struct moat_record_dir *d, uint8_t type, uint16_t version, const uint8_t *data, size_t len,
		    size_t padding, struct moat_buf *out)
{
	ENSURE(padding == 0, MOAT_ERR_INVALID_ARG);
	struct moat_record_cbc *c = d->cbc;
	size_t start = out->len;
	uint64_t seq = d->seq;
	uint8_t chain[MOAT_CBC_MAX_BLOCK_LEN];
	memcpy(chain, c->chain_iv, sizeof(chain));

	int rc;
	if (split_1n1(c, type, len)) {
		rc = seal_one(d, type, version, data, 1, out);
		if (rc == MOAT_SUCCESS)
			rc = seal_one(d, type, version, data + 1, len - 1, out);
	} else {
		rc = seal_one(d, type, version, data, len, out);
	}
	if (rc != MOAT_SUCCESS) {
		/* Leave no plaintext and no half-written record behind, and keep the state as it was. */
		if (out->len > start)
			moat_wipe(out->data + start, out->len - start);
		d->seq = seq;
		memcpy(c->chain_iv, chain, sizeof(chain));
		if (moat_buf_truncate(out, start) != MOAT_SUCCESS)
			BAIL(MOAT_ERR_INTERNAL);
	}
	return rc;
}

size_t moat_record_cbc_check(const struct moat_hmac_ct *mac, size_t mac_len, const uint8_t prefix[11],
			     const uint8_t *p, size_t n, size_t *content_len)
{
	/* Public bounds: n > mac_len holds (the caller checked the record length). */
	size_t max_content = n - mac_len - 1;
	size_t scan = n < MAX_PAD ? n : MAX_PAD;
	size_t min_content = max_content > MAX_PAD - 1 ? max_content - (MAX_PAD - 1) : 0;

	size_t pad = p[n - 1];
	/* padding_length + 1 bytes of padding must fit after the MAC. */
	size_t good = moat_ct_le(pad + 1 + mac_len, n);
	/* Every byte of the padding equals padding_length; all `scan` tail bytes are read. */
	for (size_t i = 0; i < scan; i++) {
		size_t b = p[moat_ct_barrier(n - 1 - i)];
		size_t in_pad = moat_ct_le(i, pad);
		good &= ~(in_pad & ~moat_ct_eq(b, pad));
	}
	/* A bad padding is MACed as if it had none: the MAC then fails, after the same work. */
	size_t len = moat_ct_select(good, n - mac_len - 1 - pad, max_content);

	uint8_t pre[MOAT_HMAC_CT_PREFIX_LEN];
	memcpy(pre, prefix, 11);
	pre[11] = (uint8_t)(len >> 8);
	pre[12] = (uint8_t)(len & 0xff);
	uint8_t want[MOAT_HASH_MAX_DIGEST_LEN];
	if (moat_hmac_ct_record(mac, pre, p, len, min_content, max_content, want) != MOAT_SUCCESS) {
		/* Only on misuse (bad bounds or state), which does not depend on p. */
		good = 0;
		memset(want, 0, sizeof(want));
	}

	/* The received MAC starts at len: gather it from every position it could start at. */
	uint8_t got[MOAT_HASH_MAX_DIGEST_LEN];
	memset(got, 0, sizeof(got));
	for (size_t start = min_content; start <= max_content; start++) {
		uint8_t here = (uint8_t)moat_ct_eq(start, len);
		for (size_t j = 0; j < mac_len; j++)
			got[j] |= (uint8_t)(p[moat_ct_barrier(start + j)] & here);
	}
	uint8_t diff = 0;
	for (size_t j = 0; j < mac_len; j++)
		diff |= (uint8_t)(got[j] ^ want[j]);
	good &= moat_ct_is_zero(diff);
	moat_wipe(want, sizeof(want));
	moat_wipe(got, sizeof(got));
	*content_len = len & good;
	return good;
}

static int cbc_open(struct moat_record_dir *d, uint8_t *rec, size_t frag_len, size_t max_plaintext,
		    uint8_t *content_type, uint8_t **plain, size_t *plain_len)
{
	struct moat_record_cbc *c = d->cbc;
	ENSURE(d->seq != UINT64_MAX, MOAT_ERR_INVALID_STATE);
	size_t bl = c->block_len;
	size_t iv_len = implicit_iv(c) ? 0 : bl;
	/*
	 * Public checks, before decryption: the fragment holds the IV and whole
	 * blocks with room for the MAC and the padding length byte, else it
	 * cannot be a valid record (RFC 5246 §7.2.2: bad_record_mac, also "if a
	 * TLSCiphertext decrypted in an invalid way"); and it is not so long
	 * that even the most padding leaves too much content (§6.2.1).
	 */
	ENSURE(frag_len >= iv_len && (frag_len - iv_len) % bl == 0 && frag_len - iv_len >= c->mac_len + 1,
	       MOAT_ERR_BAD_RECORD_MAC);
	size_t n = frag_len - iv_len;
	ENSURE(n - c->mac_len - 1 <= max_plaintext + (MAX_PAD - 1), MOAT_ERR_RECORD_OVERFLOW);

	uint8_t *frag = rec + MOAT_RECORD_HEADER_LEN;
	uint8_t *body = frag + iv_len;
	uint8_t next_chain[MOAT_CBC_MAX_BLOCK_LEN];
	memcpy(next_chain, body + n - bl, bl);
	TRY(moat_cbc_crypt(&c->cipher, implicit_iv(c) ? c->chain_iv : frag, body, n, body));

	uint8_t prefix[11];
	put_u64(prefix, d->seq);
	prefix[8] = rec[0];
	prefix[9] = rec[1];
	prefix[10] = rec[2];
	size_t len;
	size_t good = moat_record_cbc_check(&c->mac, c->mac_len, prefix, body, n, &len);
	/* The one branch on the result: from here the record is authentic or the connection ends. */
	if (good == 0) {
		moat_wipe(body, n);
		BAIL(MOAT_ERR_BAD_RECORD_MAC);
	}
	uint8_t type = rec[0];
	/* §6.2.1: the authenticated content is bounded by the limit, and only application data may be empty. */
	ENSURE(len <= max_plaintext, MOAT_ERR_RECORD_OVERFLOW);
	ENSURE(len > 0 || type == MOAT_CT_APPLICATION_DATA, MOAT_ERR_UNEXPECTED_MESSAGE);
	if (implicit_iv(c))
		memcpy(c->chain_iv, next_chain, bl);
	d->seq++;
	*content_type = type;
	*plain = body;
	*plain_len = len;
	return MOAT_SUCCESS;
}

const struct moat_record_protection moat_record_cbc = {
	.name = "tls12-cbc-hmac",
	.inner_type = false,
	.init = cbc_init,
	.clear = cbc_clear,
	.wire_len = cbc_wire_len,
	.seal = cbc_seal,
	.open = cbc_open,
};
