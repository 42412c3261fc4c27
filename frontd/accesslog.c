/*
 * Access log lines (accesslog.h) and where they go.
 *
 * A line is built in a fixed buffer (common/buf.h) sized for the worst
 * case, so building one never allocates and never fails short of a bug;
 * should it not fit anyway, what fit is written.
 *
 * Writing must not hold up the event loop: a file is written with one
 * write(2) per line, appended (O_APPEND: whole lines even with other
 * writers), and a failed or short write is counted, never retried; syslog
 * goes through frontd's own log (common/log.h).
 */
#include "frontd/accesslog.h"

#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "frontd/server.h"

/* ---- formatting ------------------------------------------------------------------ */

/*
 * Sized for the worst case, so this is only a safeguard: what does not fit
 * is cut, and the buffer is then closed to later (shorter) pieces, so that
 * a cut line is always the start of the whole one.
 */
static void put(struct moat_buf *b, const void *s, size_t n)
{
	size_t room = b->max - b->len;
	if (moat_buf_put_bytes(b, s, n < room ? n : room) < 0)
		moat_error_clear();
	if (n > room)
		b->max = b->len;
}

static void put_str(struct moat_buf *b, const char *s)
{
	put(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static void put_fmt(struct moat_buf *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/*
 * A quoted string: printable ASCII as is, the quote and backslash escaped
 * with a backslash, anything else as \xHH (plain) or \u00HH (JSON, which
 * reads each byte as the code point of the same value: always valid JSON,
 * and the bytes come back exactly).
 */
static void put_quoted(struct moat_buf *b, const uint8_t *s, size_t n, bool json)
{
	static const char hex[] = "0123456789abcdef";
	put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = s[i];
		if (ch == '"' || ch == '\\') {
			char esc[2] = { '\\', (char)ch };
			put(b, esc, 2);
		} else if (ch >= 0x20 && ch < 0x7f) {
			put(b, &ch, 1);
		} else if (json) {
			char esc[6] = { '\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15] };
			put(b, esc, 6);
		} else {
			char esc[4] = { '\\', 'x', hex[ch >> 4], hex[ch & 15] };
			put(b, esc, 4);
		}
	}
	put(b, "\"", 1);
}

/* One field: its JSON key, or (plain) the space before it. */
static void field(struct moat_buf *b, bool json, const char *key)
{
	if (!json) {
		if (b->len > 0)
			put(b, " ", 1);
		return;
	}
	put_str(b, b->len > 1 ? ",\"" : "\"");
	put_str(b, key);
	put(b, "\":", 2);
}

/* A string field: plain writes it bare (our own words, no spaces) and "-" when absent. */
static void field_word(struct moat_buf *b, bool json, const char *key, const char *v)
{
	field(b, json, key);
	if (v == NULL)
		put_str(b, json ? "null" : "-");
	else if (json)
		put_quoted(b, (const uint8_t *)v, strlen(v), true);
	else
		put_str(b, v);
}

/* A string field that may hold anything (client bytes, a subject, our phrases with spaces): always quoted. */
static void field_bytes(struct moat_buf *b, bool json, const char *key, const uint8_t *v, size_t n)
{
	field(b, json, key);
	if (v == NULL)
		put_str(b, json ? "null" : "-");
	else
		put_quoted(b, v, n, json);
}

static void field_ms_us(struct moat_buf *b, bool json, const char *key, int64_t us)
{
	field(b, json, key);
	if (us < 0)
		put_str(b, json ? "null" : "-");
	else
		put_fmt(b, "%" PRId64 ".%03" PRId64, us / 1000, us % 1000);
}

static void field_u64(struct moat_buf *b, bool json, const char *key, uint64_t v)
{
	field(b, json, key);
	put_fmt(b, "%" PRIu64, v);
}

size_t frontd_accesslog_format(enum frontd_accesslog_format format, const struct frontd_accesslog_entry *e,
			       char *out, size_t out_size)
{
	if (out_size == 0)
		return 0;
	bool json = format == FRONTD_ACCESSLOG_JSON;
	struct moat_buf b;
	moat_buf_init_fixed(&b, out, out_size - 1);

	char stamp[32] = "-";
	time_t secs = (time_t)(e->time_ms / 1000u);
	struct tm tm;
	if (gmtime_r(&secs, &tm) != NULL) {
		size_t n = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(stamp + n, sizeof(stamp) - n, ".%03uZ", (unsigned)(e->time_ms % 1000u));
	}
	if (json)
		put(&b, "{", 1);
	field_word(&b, json, "time", stamp);
	field_word(&b, json, "client", e->client);
	field_word(&b, json, "listener", e->listener);
	field_bytes(&b, json, "sni", e->sni, e->sni_len);
	field_word(&b, json, "site", e->site);
	field_word(&b, json, "version", e->version);
	field_word(&b, json, "suite", e->suite);
	field_word(&b, json, "group", e->group);
	field_bytes(&b, json, "alpn", e->alpn, e->alpn_len);
	field(&b, json, "resumed");
	put_str(&b, e->resumed ? "true" : "false");
	field_word(&b, json, "early_data", e->early_data);
	field_bytes(&b, json, "client_cert", (const uint8_t *)e->client_cert,
		    e->client_cert != NULL ? strlen(e->client_cert) : 0);
	field_ms_us(&b, json, "handshake_ms", e->handshake_us);
	field_ms_us(&b, json, "keyd_ms", (int64_t)e->keyd_us);
	field_u64(&b, json, "bytes_in", e->bytes_in);
	field_u64(&b, json, "bytes_out", e->bytes_out);
	field_u64(&b, json, "duration_ms", e->duration_ms);
	char end[96];
	snprintf(end, sizeof(end), "%s%s%s", e->end != NULL ? e->end : "closed", e->end_detail != NULL ? " " : "",
		 e->end_detail != NULL ? e->end_detail : "");
	field_bytes(&b, json, "end", (const uint8_t *)end, strlen(end));
	if (json)
		put(&b, "}", 1);
	out[b.len] = '\0';
	return b.len;
}

/* ---- destinations ---------------------------------------------------------------- */

void frontd_accesslog_write(struct frontd_server *srv, const struct frontd_accesslog_entry *e)
{
	struct frontd_accesslog *al = &srv->alog;
	if (al->dest == FRONTD_ACCESSLOG_OFF)
		return;
	char line[FRONTD_ACCESSLOG_LINE_MAX + 1];
	size_t n = frontd_accesslog_format(al->format, e, line, sizeof(line) - 1);
	if (al->dest == FRONTD_ACCESSLOG_SYSLOG) {
		moat_log(MOAT_LOG_INFO, "%s", line);
		return;
	}
	line[n++] = '\n';
	ssize_t w;
	do
		w = al->fd >= 0 ? write(al->fd, line, n) : -1;
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)n)
		al->write_failures++;
}

/* The helper's answer: a 4-byte errno (0: success) and, on success, the new descriptor. */
static void opener_cb(evutil_socket_t sock, short what, void *arg)
{
	(void)what;
	struct frontd_accesslog *al = arg;
	int32_t err = 0;
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = &err, .iov_len = sizeof(err) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space,
			      .msg_controllen = sizeof(ctl.space) };
	ssize_t n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	int fd = -1;
	struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (cm != NULL && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
	    cm->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	if (n <= 0) {
		moat_log(MOAT_LOG_ERR, "access log: the reopening helper went away; the log cannot be reopened");
		event_del(al->ev_opener);
		close(al->opener);
		al->opener = -1;
		return;
	}
	if (fd < 0 || n != (ssize_t)sizeof(err) || err != 0) {
		if (fd >= 0)
			close(fd);
		moat_log(MOAT_LOG_ERR, "access log: cannot reopen: %s (still writing to the old file)",
			 strerror(n == (ssize_t)sizeof(err) && err != 0 ? err : EPROTO));
		return;
	}
	if (al->fd >= 0)
		close(al->fd);
	al->fd = fd;
	moat_log(MOAT_LOG_INFO, "access log reopened");
}

void frontd_accesslog_reopen(struct frontd_server *srv)
{
	struct frontd_accesslog *al = &srv->alog;
	if (al->dest != FRONTD_ACCESSLOG_FILE)
		return;
	if (al->opener < 0 || send(al->opener, "r", 1, MSG_DONTWAIT | MSG_NOSIGNAL) != 1)
		moat_log(MOAT_LOG_ERR, "access log: cannot ask for a reopen: %s",
			 al->opener < 0 ? "the helper is gone" : strerror(errno));
}

int frontd_accesslog_start(struct frontd_server *srv)
{
	struct frontd_accesslog *al = &srv->alog;
	const struct frontd_config *cfg = srv->cfg;
	al->fd = al->opener = -1;
	al->dest = cfg->access_log;
	al->format = cfg->access_log_format;
	if (al->dest != FRONTD_ACCESSLOG_FILE)
		return MOAT_SUCCESS;
	al->fd = frontd_logopen_file(cfg->access_log_path);
	if (al->fd < 0) {
		moat_log(MOAT_LOG_ERR, "cannot open access log \"%s\": %s", cfg->access_log_path, strerror(errno));
		BAIL(MOAT_ERR_IO);
	}
	TRY(frontd_logopen_start(cfg->access_log_path, &al->opener, &al->opener_pid));
	al->ev_opener = event_new(srv->base, al->opener, EV_READ | EV_PERSIST, opener_cb, al);
	ENSURE(al->ev_opener != NULL, MOAT_ERR_ALLOC);
	ENSURE(event_add(al->ev_opener, NULL) == 0, MOAT_ERR_INTERNAL);
	return MOAT_SUCCESS;
}

void frontd_accesslog_stop(struct frontd_server *srv)
{
	struct frontd_accesslog *al = &srv->alog;
	if (al->dest != FRONTD_ACCESSLOG_FILE)
		return;
	if (al->ev_opener != NULL) {
		event_free(al->ev_opener);
		al->ev_opener = NULL;
	}
	/* The helper leaves when its socket closes (and with us: PR_SET_PDEATHSIG). */
	if (al->opener >= 0) {
		close(al->opener);
		al->opener = -1;
	}
	if (al->fd >= 0) {
		close(al->fd);
		al->fd = -1;
	}
}
