/*
 * Ticket-key file parser (see ticket_keyfile.h). The text is the
 * operator's, read by moat-keyctl as root, but it is still parsed with
 * every length checked: a stray line must give a clear error with its line
 * number, and no error message ever repeats a field, since a field may be
 * a secret.
 */
#include "keyd/ticket_keyfile.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/secmem.h"

__attribute__((format(printf, 4, 5)))
static int bad(char *msg, size_t msg_len, unsigned line, const char *fmt, ...)
{
	if (msg != NULL && msg_len > 0) {
		int n = snprintf(msg, msg_len, "line %u: ", line);
		if (n >= 0 && (size_t)n < msg_len) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(msg + n, msg_len - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	BAIL(MOAT_ERR_CONFIG);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly 2 * n hex digits into out. */
static bool parse_hex(const char *s, size_t len, uint8_t *out, size_t n)
{
	if (len != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static bool parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (len == 0 || len > 20)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Seconds with an optional s, m, h or d suffix, at most MOAT_IPC_TICKET_LIFETIME_MAX. */
static bool parse_lifetime(const char *s, size_t len, uint32_t *out)
{
	uint64_t unit = 1, v;
	if (len > 1) {
		switch (s[len - 1]) {
		case 's': unit = 1; len--; break;
		case 'm': unit = 60; len--; break;
		case 'h': unit = 3600; len--; break;
		case 'd': unit = 86400; len--; break;
		default: break;
		}
	}
	if (!parse_uint(s, len, MOAT_IPC_TICKET_LIFETIME_MAX, &v) || v * unit > MOAT_IPC_TICKET_LIFETIME_MAX)
		return false;
	*out = (uint32_t)(v * unit);
	return true;
}

#define MAX_FIELDS 5

int keyd_ticket_keyfile_parse(const char *text, size_t len, struct keyd_ticket_keyfile_entry *out, size_t cap,
			      size_t *count, char *msg, size_t msg_len)
{
	ENSURE(text != NULL || len == 0, MOAT_ERR_NULL_ARG);
	ENSURE_REF(count);
	ENSURE(cap == 0 || out != NULL, MOAT_ERR_NULL_ARG);
	size_t n = 0, pos = 0;
	unsigned line = 0;
	if (len > KEYD_TICKET_KEYFILE_MAX)
		return bad(msg, msg_len, 0, "the file is longer than %d bytes", KEYD_TICKET_KEYFILE_MAX);
	while (pos < len) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		line++;
		const char *field[MAX_FIELDS];
		size_t flen[MAX_FIELDS], nf = 0, i = pos;
		bool comment = false;
		while (i < end) {
			while (i < end && is_space(text[i]))
				i++;
			if (i == end)
				break;
			if (nf == 0 && text[i] == '#') {
				comment = true;
				break;
			}
			size_t start = i;
			while (i < end && !is_space(text[i]))
				i++;
			if (nf == MAX_FIELDS)
				return bad(msg, msg_len, line, "more than %d fields", MAX_FIELDS);
			field[nf] = text + start;
			flen[nf++] = i - start;
		}
		pos = end + 1;
		if (comment || nf == 0)
			continue;
		if (nf < 3)
			return bad(msg, msg_len, line, "a key needs a name, a secret and an intro time");
		if (n == cap || n == MOAT_IPC_MAX_TICKET_KEYS)
			return bad(msg, msg_len, line, "more than %zu keys", cap < MOAT_IPC_MAX_TICKET_KEYS
									     ? cap : (size_t)MOAT_IPC_MAX_TICKET_KEYS);
		struct keyd_ticket_keyfile_entry *e = &out[n];
		memset(e, 0, sizeof(*e));
		e->line = line;
		if (!parse_hex(field[0], flen[0], e->name, sizeof(e->name)))
			return bad(msg, msg_len, line, "the name must be %zu hex digits", 2 * sizeof(e->name));
		for (size_t k = 0; k < n; k++)
			if (memcmp(out[k].name, e->name, sizeof(e->name)) == 0)
				return bad(msg, msg_len, line, "the name of line %u again", out[k].line);
		if (!parse_hex(field[1], flen[1], e->secret, sizeof(e->secret))) {
			moat_wipe(e->secret, sizeof(e->secret));
			return bad(msg, msg_len, line, "the secret must be %zu hex digits", 2 * sizeof(e->secret));
		}
		if (!parse_uint(field[2], flen[2], UINT64_MAX, &e->intro))
			return bad(msg, msg_len, line, "the intro time must be a Unix time in seconds (0: now)");
		if (nf > 3 && !parse_lifetime(field[3], flen[3], &e->encrypt_lifetime))
			return bad(msg, msg_len, line, "the encrypt lifetime must be seconds (or with s, m, h, d) "
						       "up to 30 days");
		if (nf > 4 && !parse_lifetime(field[4], flen[4], &e->decrypt_lifetime))
			return bad(msg, msg_len, line, "the decrypt lifetime must be seconds (or with s, m, h, d) "
						       "up to 30 days");
		n++;
	}
	if (n == 0)
		return bad(msg, msg_len, line, "no key in the file");
	*count = n;
	return MOAT_SUCCESS;
}
