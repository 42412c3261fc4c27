/*
 * metrics_http.h: the scraper's request in, the exposition format out.
 *
 * The request is parsed only as far as the endpoint needs (RFC 9112 §3:
 * request-line = method SP request-target SP HTTP-version CRLF, then
 * header fields up to an empty line). Header fields are checked for shape
 * (a non-empty name before a colon, no control bytes) and otherwise
 * ignored: there is nothing in them the endpoint acts on, and no body is
 * read. A bare LF is taken as a line end, as RFC 9112 §2.2 allows a
 * recipient to.
 */
#include "common/metrics_http.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/cursor.h"

#define MAX_METHOD 16u
#define MAX_TARGET 1024u

/* One line without its end (CRLF or LF) into *line; fails (INCOMPLETE) when no line end is left. */
static int next_line(struct moat_cursor *c, struct moat_cursor *line)
{
	const uint8_t *start = moat_cursor_data(c);
	struct moat_cursor scan = *c;
	size_t n = 0;
	uint8_t ch;
	while (moat_cursor_get_u8(&scan, &ch) == MOAT_SUCCESS) {
		if (ch == '\n') {
			size_t len = n;
			if (len > 0) {
				struct moat_cursor last;
				moat_cursor_init(&last, start, len);
				TRY(moat_cursor_skip(&last, len - 1));
				uint8_t prev;
				TRY(moat_cursor_get_u8(&last, &prev));
				if (prev == '\r')
					len--;
			}
			TRY(moat_cursor_get_sub(c, len, line));
			TRY(moat_cursor_skip(c, n + 1 - len));
			return MOAT_SUCCESS;
		}
		n++;
	}
	moat_error_clear();
	return MOAT_FAILURE;
}

/* The bytes up to the next space (or the end) as a sub-cursor; the space is consumed. */
static void next_word(struct moat_cursor *line, struct moat_cursor *word)
{
	struct moat_cursor scan = *line;
	size_t n = 0;
	uint8_t ch;
	while (moat_cursor_peek_u8(&scan, &ch) == MOAT_SUCCESS && ch != ' ') {
		if (moat_cursor_skip(&scan, 1) < 0)
			break;
		n++;
	}
	moat_error_clear();
	if (moat_cursor_get_sub(line, n, word) < 0)
		moat_cursor_init(word, NULL, 0);
	uint8_t sp;
	if (moat_cursor_peek_u8(line, &sp) == MOAT_SUCCESS && sp == ' ' && moat_cursor_skip(line, 1) < 0)
		moat_cursor_init(line, NULL, 0);
	moat_error_clear();
}

static bool word_is(const struct moat_cursor *w, const char *s)
{
	size_t n = strlen(s);
	return moat_cursor_remaining(w) == n && (n == 0 || memcmp(moat_cursor_data(w), s, n) == 0);
}

/* tchar (RFC 9110 §5.6.2): the bytes a method or a field name is made of. */
static bool is_tchar(uint8_t ch)
{
	if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
		return true;
	return ch != 0 && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

static bool all_tchar(struct moat_cursor w)
{
	uint8_t ch;
	if (moat_cursor_remaining(&w) == 0)
		return false;
	while (moat_cursor_get_u8(&w, &ch) == MOAT_SUCCESS)
		if (!is_tchar(ch))
			return false;
	return true;
}

/* A header field line: name ":" value, no control bytes but HTAB in the value. */
static bool header_ok(struct moat_cursor line)
{
	size_t name_len = 0;
	uint8_t ch;
	while (moat_cursor_get_u8(&line, &ch) == MOAT_SUCCESS && ch != ':') {
		if (!is_tchar(ch))
			return false;
		name_len++;
	}
	if (ch != ':' || name_len == 0)
		return false;
	while (moat_cursor_get_u8(&line, &ch) == MOAT_SUCCESS)
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return false;
	return true;
}

/* The path of an origin-form target: up to '?' (the query is ignored). */
static bool target_is_metrics(struct moat_cursor target)
{
	size_t n = 0;
	struct moat_cursor scan = target;
	uint8_t ch;
	while (moat_cursor_get_u8(&scan, &ch) == MOAT_SUCCESS && ch != '?')
		n++;
	struct moat_cursor path;
	if (moat_cursor_get_sub(&target, n, &path) < 0)
		return false;
	return word_is(&path, "/metrics");
}

static bool target_ok(struct moat_cursor target)
{
	uint8_t ch;
	if (moat_cursor_remaining(&target) == 0 || moat_cursor_remaining(&target) > MAX_TARGET)
		return false;
	if (moat_cursor_peek_u8(&target, &ch) < 0 || (ch != '/' && !word_is(&target, "*")))
		return false;
	while (moat_cursor_get_u8(&target, &ch) == MOAT_SUCCESS)
		if (ch <= 0x20 || ch >= 0x7f)
			return false;
	return true;
}

enum moat_http_request moat_http_parse_request(const uint8_t *data, size_t len)
{
	struct moat_cursor c, line, method, target, version;
	if (len > MOAT_HTTP_MAX_REQUEST)
		return MOAT_HTTP_BAD;
	moat_cursor_init(&c, data, len);
	if (next_line(&c, &line) < 0)
		return MOAT_HTTP_INCOMPLETE;
	next_word(&line, &method);
	next_word(&line, &target);
	next_word(&line, &version);
	if (moat_cursor_remaining(&line) != 0 || moat_cursor_remaining(&method) > MAX_METHOD || !all_tchar(method) ||
	    !target_ok(target) || !(word_is(&version, "HTTP/1.0") || word_is(&version, "HTTP/1.1")))
		return MOAT_HTTP_BAD;
	for (;;) {
		struct moat_cursor field;
		if (next_line(&c, &field) < 0)
			return MOAT_HTTP_INCOMPLETE;
		if (moat_cursor_remaining(&field) == 0)
			break;
		if (!header_ok(field))
			return MOAT_HTTP_BAD;
	}
	/* No body is read: bytes after the empty line (a pipelined request) are ignored with the connection. */
	bool get = word_is(&method, "GET"), head = word_is(&method, "HEAD");
	if (!get && !head)
		return MOAT_HTTP_BAD_METHOD;
	if (!target_is_metrics(target))
		return MOAT_HTTP_NOT_FOUND;
	return get ? MOAT_HTTP_GET_METRICS : MOAT_HTTP_HEAD_METRICS;
}

static int put_str(struct moat_buf *b, const char *s)
{
	return moat_buf_put_bytes(b, s, strlen(s));
}

static const char *reason(unsigned status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	default: return "Internal Server Error";
	}
}

int moat_http_response(struct moat_buf *out, unsigned status, const uint8_t *body, size_t body_len, int head_only)
{
	char head[256];
	int n = snprintf(head, sizeof(head), "HTTP/1.1 %u %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
			 "Connection: close\r\n\r\n",
			 status, reason(status), status == 200 ? MOAT_METRICS_CONTENT_TYPE : "text/plain; charset=utf-8",
			 body_len, status == 405 ? "Allow: GET, HEAD\r\n" : "");
	ENSURE(n > 0 && (size_t)n < sizeof(head), MOAT_ERR_INTERNAL);
	TRY(moat_buf_put_bytes(out, head, (size_t)n));
	if (!head_only && body_len > 0)
		TRY(moat_buf_put_bytes(out, body, body_len));
	return MOAT_SUCCESS;
}

int moat_http_error_response(struct moat_buf *out, enum moat_http_request req)
{
	unsigned status = req == MOAT_HTTP_NOT_FOUND ? 404 : req == MOAT_HTTP_BAD_METHOD ? 405 : 400;
	char body[64];
	int n = snprintf(body, sizeof(body), "%u %s\n", status, reason(status));
	ENSURE(n > 0 && (size_t)n < sizeof(body), MOAT_ERR_INTERNAL);
	return moat_http_response(out, status, (const uint8_t *)body, (size_t)n, 0);
}

/* Text with backslash and newline escaped, and double quote too in a label value. */
static int put_escaped(struct moat_buf *b, const char *s, bool quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			TRY(put_str(b, "\\\\"));
		else if (*s == '\n')
			TRY(put_str(b, "\\n"));
		else if (quote && *s == '"')
			TRY(put_str(b, "\\\""));
		else
			TRY(moat_buf_put_u8(b, (uint8_t)*s));
	}
	return MOAT_SUCCESS;
}

int moat_prom_family(struct moat_buf *b, const char *name, const char *type, const char *help)
{
	TRY(put_str(b, "# HELP "));
	TRY(put_str(b, name));
	TRY(put_str(b, " "));
	TRY(put_escaped(b, help, false));
	TRY(put_str(b, "\n# TYPE "));
	TRY(put_str(b, name));
	TRY(put_str(b, " "));
	TRY(put_str(b, type));
	return put_str(b, "\n");
}

static int put_name_labels(struct moat_buf *b, const char *name, const char *suffix, const char *const *labels,
			   size_t n_labels, const char *le)
{
	TRY(put_str(b, name));
	TRY(put_str(b, suffix));
	if (n_labels == 0 && le == NULL)
		return put_str(b, " ");
	TRY(put_str(b, "{"));
	for (size_t i = 0; i < n_labels; i++) {
		if (i > 0)
			TRY(put_str(b, ","));
		TRY(put_str(b, labels[2 * i]));
		TRY(put_str(b, "=\""));
		TRY(put_escaped(b, labels[2 * i + 1], true));
		TRY(put_str(b, "\""));
	}
	if (le != NULL) {
		if (n_labels > 0)
			TRY(put_str(b, ","));
		TRY(put_str(b, "le=\""));
		TRY(put_str(b, le));
		TRY(put_str(b, "\""));
	}
	return put_str(b, "} ");
}

static int put_u64_line(struct moat_buf *b, uint64_t v)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "%" PRIu64 "\n", v);
	ENSURE(n > 0 && (size_t)n < sizeof(num), MOAT_ERR_INTERNAL);
	return moat_buf_put_bytes(b, num, (size_t)n);
}

static int put_f_line(struct moat_buf *b, double v)
{
	char num[48];
	int n = snprintf(num, sizeof(num), "%.9g\n", v);
	ENSURE(n > 0 && (size_t)n < sizeof(num), MOAT_ERR_INTERNAL);
	return moat_buf_put_bytes(b, num, (size_t)n);
}

int moat_prom_sample(struct moat_buf *b, const char *name, const char *const *labels, size_t n_labels, uint64_t value)
{
	TRY(put_name_labels(b, name, "", labels, n_labels, NULL));
	return put_u64_line(b, value);
}

int moat_prom_sample_f(struct moat_buf *b, const char *name, const char *const *labels, size_t n_labels, double value)
{
	TRY(put_name_labels(b, name, "", labels, n_labels, NULL));
	return put_f_line(b, value);
}

int moat_prom_histogram(struct moat_buf *b, const char *name, const char *const *labels, size_t n_labels,
			const double *bounds, size_t n_bounds, const uint64_t *bucket, double sum)
{
	uint64_t cumulative = 0;
	char le[32];
	for (size_t i = 0; i <= n_bounds; i++) {
		cumulative += bucket[i];
		if (i < n_bounds)
			snprintf(le, sizeof(le), "%g", bounds[i]);
		else
			snprintf(le, sizeof(le), "+Inf");
		TRY(put_name_labels(b, name, "_bucket", labels, n_labels, le));
		TRY(put_u64_line(b, cumulative));
	}
	TRY(put_name_labels(b, name, "_sum", labels, n_labels, NULL));
	TRY(put_f_line(b, sum));
	TRY(put_name_labels(b, name, "_count", labels, n_labels, NULL));
	return put_u64_line(b, cumulative);
}

int moat_prom_counter(struct moat_buf *b, const char *name, const char *help, uint64_t value)
{
	TRY(moat_prom_family(b, name, "counter", help));
	return moat_prom_sample(b, name, NULL, 0, value);
}

int moat_prom_gauge(struct moat_buf *b, const char *name, const char *help, uint64_t value)
{
	TRY(moat_prom_family(b, name, "gauge", help));
	return moat_prom_sample(b, name, NULL, 0, value);
}

bool moat_http_send_pending(int fd, const struct moat_buf *out, size_t *sent)
{
	while (*sent < out->len) {
		ssize_t n = send(fd, out->data + *sent, out->len - *sent, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		if (n <= 0)
			return true;
		*sent += (size_t)n;
	}
	return true;
}
