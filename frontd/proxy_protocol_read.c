/*
 * PROXY protocol headers from a trusted load balancer (the format and the
 * result: proxy_protocol.h). Untrusted bytes: even a trusted source's
 * header is parsed as if anyone had written it, through the cursor only.
 *
 * Strict where the spec is (§2.1: anything that does not match exactly
 * aborts the connection; §2.2: unknown versions, commands and families
 * are rejected), and bounded: a v1 line must end within 107 bytes, a v2
 * header within FRONTD_PP_V2_MAX. Bytes that are a valid beginning of a
 * header ask for more (the caller waits under the first-byte timeout:
 * spec §2 recommends tolerating a header split across segments); bytes
 * that cannot begin one fail at once, so a peer that is not a PROXY
 * sender is turned away at its first byte.
 *
 * What the header says is kept only when it names TCP over IPv4 or IPv6:
 * v1 UNKNOWN, v2 LOCAL, and v2 UNSPEC, UDP or UNIX families leave the
 * socket's own addresses in force, as §2.1 and §2.2 ask. TLVs are checked
 * for framing and otherwise ignored (§2.2 allows it; CRC32C is optional).
 */
#include "frontd/proxy_protocol.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "common/cursor.h"

static const char v1_prefix[6] = { 'P', 'R', 'O', 'X', 'Y', ' ' };

/* The first bytes of data match the first bytes of want (as many as both have). */
static bool prefix_matches(const uint8_t *data, size_t len, const void *want, size_t want_len)
{
	struct moat_cursor cur;
	uint8_t head[16];
	size_t n = len < want_len ? len : want_len;
	moat_cursor_init(&cur, data, len);
	if (n > sizeof(head) || moat_cursor_get_bytes(&cur, head, n) < 0)
		return false;
	return memcmp(head, want, n) == 0;
}

/* ---- v1 ---------------------------------------------------------------------------- */

/* A decimal port: 0..65535, no sign, no leading zero (spec §2.1). */
static bool parse_port(const char *s, uint16_t *out)
{
	size_t n = strlen(s);
	unsigned long v = 0;
	if (n == 0 || n > 5 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10u + (unsigned long)(s[i] - '0');
	}
	if (v > 65535u)
		return false;
	*out = (uint16_t)v;
	return true;
}

/*
 * An address in the family's canonical text. inet_pton refuses leading
 * zeros in IPv4 octets (no octal confusion, §2.1) and an IPv6 address
 * whose bits do not add up to 128.
 */
static bool parse_addr(int fam, const char *s, struct sockaddr_storage *ss, socklen_t *len, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (fam == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		if (strchr(s, ':') != NULL || inet_pton(AF_INET, s, &in->sin_addr) != 1)
			return false;
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		*len = (socklen_t)sizeof(*in);
		return true;
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (strchr(s, ':') == NULL || inet_pton(AF_INET6, s, &in6->sin6_addr) != 1)
		return false;
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	*len = (socklen_t)sizeof(*in6);
	return true;
}

/* Split line at single spaces into at most max fields; false for an empty field (two spaces in a row). */
static bool split_fields(char *line, char **fields, size_t max, size_t *count)
{
	size_t n = 0;
	char *p = line;
	for (;;) {
		char *sp = strchr(p, ' ');
		if (n == max || sp == p || *p == '\0')
			return false;
		fields[n++] = p;
		if (sp == NULL)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	*count = n;
	return true;
}

/* "TCP4 src dst sport dport" (or TCP6): the fields after "PROXY ". */
static int parse_v1_fields(char *rest, struct frontd_pp_header *hdr)
{
	char *f[5];
	size_t n;
	uint16_t sport, dport;
	/* §2.1: with UNKNOWN, whatever comes before the CRLF is to be ignored. */
	if (strncmp(rest, "UNKNOWN", 7) == 0 && (rest[7] == '\0' || rest[7] == ' ')) {
		hdr->local = true;
		return MOAT_SUCCESS;
	}
	ENSURE(split_fields(rest, f, 5, &n) && n == 5, MOAT_ERR_DECODE);
	int fam = strcmp(f[0], "TCP4") == 0 ? AF_INET : strcmp(f[0], "TCP6") == 0 ? AF_INET6 : AF_UNSPEC;
	ENSURE(fam != AF_UNSPEC, MOAT_ERR_DECODE);
	ENSURE(parse_port(f[3], &sport) && parse_port(f[4], &dport), MOAT_ERR_DECODE);
	ENSURE(parse_addr(fam, f[1], &hdr->addrs.src, &hdr->addrs.src_len, sport), MOAT_ERR_DECODE);
	ENSURE(parse_addr(fam, f[2], &hdr->addrs.dst, &hdr->addrs.dst_len, dport), MOAT_ERR_DECODE);
	hdr->local = false;
	return MOAT_SUCCESS;
}

static int parse_v1(const uint8_t *data, size_t len, struct frontd_pp_header *hdr)
{
	struct moat_cursor cur;
	char line[FRONTD_PP_V1_MAX + 1];
	size_t n = 0;
	bool crlf = false;
	moat_cursor_init(&cur, data, len);
	/* Up to the CRLF, within the first 107 bytes; a lone CR or LF is not a line end (§2.1). */
	while (n < FRONTD_PP_V1_MAX) {
		uint8_t b;
		if (moat_cursor_get_u8(&cur, &b) < 0)
			BAIL(MOAT_ERR_IO_BLOCKED);
		if (b == '\r') {
			uint8_t lf;
			if (moat_cursor_get_u8(&cur, &lf) < 0)
				BAIL(MOAT_ERR_IO_BLOCKED);
			ENSURE(lf == '\n', MOAT_ERR_DECODE);
			crlf = true;
			break;
		}
		/* US-ASCII printable text only: no NUL to cut the line short, no lone LF. */
		ENSURE(b >= 0x20 && b < 0x7f, MOAT_ERR_DECODE);
		line[n++] = (char)b;
	}
	ENSURE(crlf && n + 2 <= FRONTD_PP_V1_MAX, MOAT_ERR_DECODE);
	line[n] = '\0';
	hdr->version = FRONTD_PP_V1;
	hdr->len = n + 2;
	/* "PROXY " was matched by the caller. */
	return parse_v1_fields(line + sizeof(v1_prefix), hdr);
}

/* ---- v2 ---------------------------------------------------------------------------- */

/* TLVs: each type, 16-bit length, value, exactly filling what is left (§2.2). */
static int check_tlvs(struct moat_cursor *cur)
{
	while (moat_cursor_remaining(cur) > 0) {
		uint8_t type;
		struct moat_cursor value;
		TRY(moat_cursor_get_u8(cur, &type));
		TRY(moat_cursor_get_prefixed(cur, 2, &value));
	}
	return MOAT_SUCCESS;
}

/* TCP over IPv4 or IPv6 (§2.2): source and destination addresses, then the ports. */
static int read_tcp_addrs(struct moat_cursor *body, int fam, struct frontd_pp_header *hdr)
{
	struct frontd_pp_addrs *a = &hdr->addrs;
	uint16_t sport, dport;
	memset(a, 0, sizeof(*a));
	if (fam == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a->src, *d4 = (struct sockaddr_in *)&a->dst;
		TRY(moat_cursor_get_bytes(body, &s4->sin_addr, 4));
		TRY(moat_cursor_get_bytes(body, &d4->sin_addr, 4));
		TRY(moat_cursor_get_u16(body, &sport));
		TRY(moat_cursor_get_u16(body, &dport));
		s4->sin_family = d4->sin_family = AF_INET;
		s4->sin_port = htons(sport);
		d4->sin_port = htons(dport);
		a->src_len = a->dst_len = (socklen_t)sizeof(struct sockaddr_in);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->src, *d6 = (struct sockaddr_in6 *)&a->dst;
		TRY(moat_cursor_get_bytes(body, &s6->sin6_addr, 16));
		TRY(moat_cursor_get_bytes(body, &d6->sin6_addr, 16));
		TRY(moat_cursor_get_u16(body, &sport));
		TRY(moat_cursor_get_u16(body, &dport));
		s6->sin6_family = d6->sin6_family = AF_INET6;
		s6->sin6_port = htons(sport);
		d6->sin6_port = htons(dport);
		a->src_len = a->dst_len = (socklen_t)sizeof(struct sockaddr_in6);
	}
	hdr->local = false;
	return MOAT_SUCCESS;
}

static int parse_v2(const uint8_t *data, size_t len, struct frontd_pp_header *hdr)
{
	struct moat_cursor cur, body;
	uint8_t ver_cmd, fam;
	uint16_t body_len;
	moat_cursor_init(&cur, data, len);
	if (len < FRONTD_PP_V2_FIXED)
		BAIL(MOAT_ERR_IO_BLOCKED);
	TRY(moat_cursor_skip(&cur, sizeof(frontd_pp_v2_signature)));
	TRY(moat_cursor_get_u8(&cur, &ver_cmd));
	TRY(moat_cursor_get_u8(&cur, &fam));
	TRY(moat_cursor_get_u16(&cur, &body_len));
	/* Version 2 only; command LOCAL (0) or PROXY (1); others "must" be dropped (§2.2). */
	ENSURE((ver_cmd >> 4) == 2 && (ver_cmd & 0x0f) <= 1, MOAT_ERR_DECODE);
	/* The seven protocol bytes §2.2 lists; anything else is invalid. */
	ENSURE(fam == 0x00 || fam == 0x11 || fam == 0x12 || fam == 0x21 || fam == 0x22 || fam == 0x31 || fam == 0x32,
	       MOAT_ERR_DECODE);
	ENSURE((size_t)FRONTD_PP_V2_FIXED + body_len <= FRONTD_PP_V2_MAX, MOAT_ERR_DECODE);
	if (moat_cursor_get_sub(&cur, body_len, &body) < 0)
		BAIL(MOAT_ERR_IO_BLOCKED);
	hdr->version = FRONTD_PP_V2;
	hdr->len = (size_t)FRONTD_PP_V2_FIXED + body_len;
	hdr->local = true;
	/*
	 * LOCAL: "discard the protocol block including the family"; UNSPEC:
	 * "ignore address information", whose size is then unknown, so the
	 * TLVs cannot be found either (§2.2). Both keep the socket's addresses.
	 */
	if ((ver_cmd & 0x0f) == 0 || fam == 0x00)
		return MOAT_SUCCESS;
	if (fam == 0x11 || fam == 0x21)
		TRY(read_tcp_addrs(&body, fam == 0x11 ? AF_INET : AF_INET6, hdr));
	else
		TRY(moat_cursor_skip(&body, fam == 0x12 ? 12 : fam == 0x22 ? 36 : 216)); /* UDP, AF_UNIX: not used */
	return check_tlvs(&body);
}

int frontd_pp_parse(const uint8_t *data, size_t len, struct frontd_pp_header *hdr)
{
	ENSURE_REF(hdr);
	ENSURE(data != NULL || len == 0, MOAT_ERR_NULL_ARG);
	memset(hdr, 0, sizeof(*hdr));
	if (len == 0)
		BAIL(MOAT_ERR_IO_BLOCKED);
	if (prefix_matches(data, len, frontd_pp_v2_signature, sizeof(frontd_pp_v2_signature)))
		return parse_v2(data, len, hdr);
	if (prefix_matches(data, len, v1_prefix, sizeof(v1_prefix))) {
		if (len < sizeof(v1_prefix))
			BAIL(MOAT_ERR_IO_BLOCKED);
		return parse_v1(data, len, hdr);
	}
	BAIL(MOAT_ERR_DECODE);
}
