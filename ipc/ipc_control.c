/*
 * LIST_KEYS and STATS: what moat-keyctl asks on the control socket.
 *
 * Both replies are lists bounded three ways: a count limit, per-field limits
 * and the packet size. Text fields are checked as strictly as numbers —
 * a key name may hold no control character and a counter name only
 * [a-z0-9_] — because keyctl prints them to an operator's terminal, and a
 * name that decodes is always a valid NUL-terminated C string. Entries are
 * checked by the same function before encoding and after decoding.
 */
#include "ipc/ipc.h"

#include <string.h>

#include "ipc/ipc_internal.h"
#include "tls/crypto/iana.h"

/* Which signature schemes a key of each type can make (RFC 8446 §4.2.3; the TLS 1.0/1.1 ones, iana.h). */
static bool scheme_fits_key(uint8_t key_type, uint16_t scheme)
{
	switch (scheme) {
	case MOAT_SIG_RSA_PKCS1_SHA1:
	case MOAT_SIG_LEGACY_RSA_MD5_SHA1:
	case MOAT_SIG_RSA_PKCS1_SHA256:
	case MOAT_SIG_RSA_PKCS1_SHA384:
	case MOAT_SIG_RSA_PKCS1_SHA512:
	case MOAT_SIG_RSA_PSS_RSAE_SHA256:
	case MOAT_SIG_RSA_PSS_RSAE_SHA384:
	case MOAT_SIG_RSA_PSS_RSAE_SHA512:
		return key_type == MOAT_IPC_KEY_RSA;
	case MOAT_SIG_RSA_PSS_PSS_SHA256:
	case MOAT_SIG_RSA_PSS_PSS_SHA384:
	case MOAT_SIG_RSA_PSS_PSS_SHA512:
		return key_type == MOAT_IPC_KEY_RSA_PSS;
	case MOAT_SIG_ECDSA_SHA1:
	case MOAT_SIG_LEGACY_ECDSA_SHA1:
	case MOAT_SIG_ECDSA_SECP256R1_SHA256:
	case MOAT_SIG_ECDSA_SECP384R1_SHA384:
	case MOAT_SIG_ECDSA_SECP521R1_SHA512:
		/* TLS 1.2 does not tie the ECDSA hash to the curve (RFC 8422 §5.10). */
		return key_type == MOAT_IPC_KEY_EC_P256 || key_type == MOAT_IPC_KEY_EC_P384 ||
		       key_type == MOAT_IPC_KEY_EC_P521;
	default:
		return false;
	}
}

static bool bits_fit_key(uint8_t key_type, uint16_t bits)
{
	switch (key_type) {
	case MOAT_IPC_KEY_RSA:
	case MOAT_IPC_KEY_RSA_PSS:
		return bits >= MOAT_IPC_RSA_MIN_BITS && bits <= MOAT_IPC_RSA_MAX_BITS;
	case MOAT_IPC_KEY_EC_P256:
		return bits == 256;
	case MOAT_IPC_KEY_EC_P384:
		return bits == 384;
	case MOAT_IPC_KEY_EC_P521:
		return bits == 521;
	default:
		return false;
	}
}

bool moat_ipc_key_name_ok(const char *name, size_t len)
{
	if (len > MOAT_IPC_KEY_NAME_MAX || strnlen(name, len) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((uint8_t)name[i] < 0x20 || (uint8_t)name[i] == 0x7f)
			return false;
	return true;
}

static bool key_info_ok(const struct moat_ipc_key_info *k)
{
	if (!bits_fit_key(k->key_type, k->bits))
		return false;
	if ((k->flags & ~MOAT_IPC_KEY_FLAGS_ALL) != 0)
		return false;
	/* Only an rsaEncryption key decrypts (RFC 4055 §1.2): the flag on another would be a lie. */
	if ((k->flags & MOAT_IPC_KEY_FLAG_RSA_KX) != 0 && k->key_type != MOAT_IPC_KEY_RSA)
		return false;
	if (k->scheme_count < 1 || k->scheme_count > MOAT_IPC_MAX_KEY_SCHEMES)
		return false;
	for (size_t i = 0; i < k->scheme_count; i++)
		if (!scheme_fits_key(k->key_type, k->schemes[i]))
			return false;
	return moat_ipc_key_name_ok(k->name, strnlen(k->name, sizeof(k->name)));
}

static bool stat_name_char_ok(uint8_t ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
}

static bool stat_ok(const struct moat_ipc_stat *s)
{
	size_t n = strnlen(s->name, sizeof(s->name));
	if (n < 1 || n > MOAT_IPC_STAT_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!stat_name_char_ok((uint8_t)s->name[i]))
			return false;
	return true;
}

static int empty_body_decode(struct moat_cursor body, moat_ipc_status *st)
{
	IPC_WIRE(moat_cursor_expect_end(&body), st);
	return moat_ipc_ok(st);
}

static int empty_request_encode(struct moat_buf *b, uint8_t opcode, uint32_t request_id)
{
	TRY(moat_ipc_begin(b, opcode, MOAT_IPC_OK, request_id));
	return moat_ipc_end(b);
}

/* ---- LIST_KEYS ---- */

int moat_ipc_list_keys_encode(struct moat_buf *b, uint32_t request_id)
{
	return empty_request_encode(b, MOAT_IPC_LIST_KEYS, request_id);
}

int moat_ipc_list_keys_decode(struct moat_cursor body, moat_ipc_status *st)
{
	return empty_body_decode(body, st);
}

int moat_ipc_list_keys_reply_encode(struct moat_buf *b, uint32_t request_id, const struct moat_ipc_key_info *keys,
				    size_t count)
{
	ENSURE(count <= MOAT_IPC_MAX_KEYS, MOAT_ERR_INVALID_ARG);
	ENSURE(count == 0 || keys != NULL, MOAT_ERR_NULL_ARG);
	for (size_t i = 0; i < count; i++)
		ENSURE(key_info_ok(&keys[i]), MOAT_ERR_INVALID_ARG);
	TRY(moat_ipc_begin(b, MOAT_IPC_LIST_KEYS | MOAT_IPC_REPLY, MOAT_IPC_OK, request_id));
	TRY(moat_buf_put_u16(b, (uint16_t)count));
	for (size_t i = 0; i < count; i++) {
		const struct moat_ipc_key_info *k = &keys[i];
		TRY(moat_buf_put_bytes(b, k->key_id, MOAT_IPC_KEY_ID_LEN));
		TRY(moat_buf_put_u8(b, k->key_type));
		TRY(moat_buf_put_u16(b, k->bits));
		TRY(moat_buf_put_u8(b, k->flags));
		TRY(moat_buf_open_prefixed(b, 2));
		for (size_t j = 0; j < k->scheme_count; j++)
			TRY(moat_buf_put_u16(b, k->schemes[j]));
		TRY(moat_buf_close_prefixed(b));
		TRY(moat_buf_put_prefixed(b, 1, k->name, strnlen(k->name, sizeof(k->name))));
	}
	return moat_ipc_end(b);
}

static int key_info_decode(struct moat_cursor *c, struct moat_ipc_key_info *k, moat_ipc_status *st)
{
	struct moat_cursor schemes, name;
	memset(k, 0, sizeof(*k));
	IPC_WIRE(moat_cursor_get_bytes(c, k->key_id, MOAT_IPC_KEY_ID_LEN), st);
	IPC_WIRE(moat_cursor_get_u8(c, &k->key_type), st);
	IPC_WIRE(moat_cursor_get_u16(c, &k->bits), st);
	IPC_WIRE(moat_cursor_get_u8(c, &k->flags), st);
	TRY(moat_ipc_get_vector(c, 2, 2, 2 * MOAT_IPC_MAX_KEY_SCHEMES, &schemes, st));
	IPC_ENSURE(moat_cursor_remaining(&schemes) % 2 == 0, st, MOAT_IPC_MALFORMED);
	while (moat_cursor_remaining(&schemes) > 0) {
		/* get_vector capped the list at 2 * MOAT_IPC_MAX_KEY_SCHEMES bytes: this never fires. */
		IPC_ENSURE(k->scheme_count < MOAT_IPC_MAX_KEY_SCHEMES, st, MOAT_IPC_TOO_LARGE);
		IPC_WIRE(moat_cursor_get_u16(&schemes, &k->schemes[k->scheme_count]), st);
		k->scheme_count++;
	}
	TRY(moat_ipc_get_vector(c, 1, 0, MOAT_IPC_KEY_NAME_MAX, &name, st));
	size_t name_len = moat_cursor_remaining(&name);
	IPC_WIRE(moat_cursor_get_bytes(&name, k->name, name_len), st);
	/* An embedded NUL would make the C string differ from the wire field. */
	IPC_ENSURE(strnlen(k->name, sizeof(k->name)) == name_len, st, MOAT_IPC_MALFORMED);
	IPC_ENSURE(key_info_ok(k), st, MOAT_IPC_MALFORMED);
	return MOAT_SUCCESS;
}

int moat_ipc_list_keys_reply_decode(struct moat_cursor body, struct moat_ipc_key_info *keys, size_t cap,
				    size_t *count, moat_ipc_status *st)
{
	ENSURE_REF(count);
	ENSURE(cap == 0 || keys != NULL, MOAT_ERR_NULL_ARG);
	uint16_t n;
	IPC_WIRE(moat_cursor_get_u16(&body, &n), st);
	IPC_ENSURE(n <= MOAT_IPC_MAX_KEYS && n <= cap, st, MOAT_IPC_TOO_LARGE);
	for (size_t i = 0; i < n; i++)
		TRY(key_info_decode(&body, &keys[i], st));
	IPC_WIRE(moat_cursor_expect_end(&body), st);
	*count = n;
	return moat_ipc_ok(st);
}

/* ---- STATS ---- */

int moat_ipc_stats_encode(struct moat_buf *b, uint32_t request_id)
{
	return empty_request_encode(b, MOAT_IPC_STATS, request_id);
}

int moat_ipc_stats_decode(struct moat_cursor body, moat_ipc_status *st)
{
	return empty_body_decode(body, st);
}

int moat_ipc_stats_reply_encode(struct moat_buf *b, uint32_t request_id, const struct moat_ipc_stat *stats,
				size_t count)
{
	ENSURE(count <= MOAT_IPC_MAX_STATS, MOAT_ERR_INVALID_ARG);
	ENSURE(count == 0 || stats != NULL, MOAT_ERR_NULL_ARG);
	for (size_t i = 0; i < count; i++)
		ENSURE(stat_ok(&stats[i]), MOAT_ERR_INVALID_ARG);
	TRY(moat_ipc_begin(b, MOAT_IPC_STATS | MOAT_IPC_REPLY, MOAT_IPC_OK, request_id));
	TRY(moat_buf_put_u16(b, (uint16_t)count));
	for (size_t i = 0; i < count; i++) {
		TRY(moat_buf_put_prefixed(b, 1, stats[i].name, strnlen(stats[i].name, sizeof(stats[i].name))));
		TRY(moat_buf_put_u64(b, stats[i].value));
	}
	return moat_ipc_end(b);
}

static int stat_decode(struct moat_cursor *c, struct moat_ipc_stat *s, moat_ipc_status *st)
{
	struct moat_cursor name;
	memset(s, 0, sizeof(*s));
	TRY(moat_ipc_get_vector(c, 1, 1, MOAT_IPC_STAT_NAME_MAX, &name, st));
	size_t name_len = moat_cursor_remaining(&name);
	IPC_WIRE(moat_cursor_get_bytes(&name, s->name, name_len), st);
	IPC_WIRE(moat_cursor_get_u64(c, &s->value), st);
	IPC_ENSURE(strnlen(s->name, sizeof(s->name)) == name_len, st, MOAT_IPC_MALFORMED);
	IPC_ENSURE(stat_ok(s), st, MOAT_IPC_MALFORMED);
	return MOAT_SUCCESS;
}

int moat_ipc_stats_reply_decode(struct moat_cursor body, struct moat_ipc_stat *stats, size_t cap, size_t *count,
				moat_ipc_status *st)
{
	ENSURE_REF(count);
	ENSURE(cap == 0 || stats != NULL, MOAT_ERR_NULL_ARG);
	uint16_t n;
	IPC_WIRE(moat_cursor_get_u16(&body, &n), st);
	IPC_ENSURE(n <= MOAT_IPC_MAX_STATS && n <= cap, st, MOAT_IPC_TOO_LARGE);
	for (size_t i = 0; i < n; i++)
		TRY(stat_decode(&body, &stats[i], st));
	IPC_WIRE(moat_cursor_expect_end(&body), st);
	*count = n;
	return moat_ipc_ok(st);
}
