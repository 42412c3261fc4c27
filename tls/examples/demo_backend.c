/*
 * moat-demo-backend: the plaintext server that demo.sh and the end-to-end
 * tests put behind moat-frontd.
 *
 *   moat-demo-backend --listen HOST:PORT|unix:PATH [--mode http|echo] [-q]
 *
 * It prints "listening on PORT" once bound (port 0 lets the kernel pick, so
 * tests never race for a port; a Unix socket is made connectable by every
 * local user, as frontd may run as nobody), then forks one child per connection: each
 * child does plain blocking I/O with socket timeouts, which keeps a 10 MiB
 * transfer a simple loop and lets one stuck client cost only its own process.
 * Children ask for SIGTERM when the parent dies (PR_SET_PDEATHSIG), so
 * stopping the parent stops everything it started.
 *
 * http mode answers a tiny HTTP/1.1 subset, enough for curl and for checking
 * bytes end to end:
 *   GET /          a small HTML page ("moat demo backend: it works")
 *   GET /bytes/N   N deterministic bytes, byte i = (i*7+3) & 0xff
 *   POST /sha256   the hex SHA-256 of the request body (Content-Length bodies;
 *                  "Expect: 100-continue" is honoured, chunked bodies get 411)
 * Persistent connections are kept unless the client says "Connection: close"
 * or speaks HTTP/1.0. echo mode sends back every byte it reads and, after the
 * client's EOF, finishes writing and closes (half-close).
 *
 * Request heads are untrusted bytes like any other: they are parsed through
 * struct moat_cursor, with a fixed cap on the head and on every number.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/cursor.h"
#include "common/error.h"
#include "common/log.h"
#include "tls/crypto/hash.h"

#define HEAD_MAX 16384                 /* request line + headers */
#define BODY_MAX ((uint64_t)1 << 32)   /* POST /sha256 */
#define BYTES_MAX ((uint64_t)1 << 36)  /* GET /bytes/N */
#define IO_TIMEOUT_S 60                /* per read or write: an idle client is dropped */
#define CHUNK 65536

enum mode { MODE_HTTP, MODE_ECHO };

enum action { ACT_PAGE, ACT_BYTES, ACT_SHA256, ACT_ERROR };

struct request {
	enum action action;
	int status;         /* ACT_ERROR */
	uint64_t n;         /* ACT_BYTES: how many */
	bool keep_alive;
	bool has_length;
	bool chunked;
	bool expect_continue;
	uint64_t length;    /* Content-Length */
	char line[96];      /* "GET /bytes/10", for the log */
};

/* One client connection: its socket and the bytes read but not yet used. */
struct conn {
	int fd;
	size_t have;
	uint8_t in[HEAD_MAX];
};

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

/* ---- socket I/O -------------------------------------------------------- */

MOAT_MUST_USE static int write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (len > 0) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		ENSURE(w > 0, MOAT_ERR_IO);
		p += w;
		len -= (size_t)w;
	}
	return MOAT_SUCCESS;
}

/* Read what is available into buf; *got is 0 at EOF. A timeout is an error. */
MOAT_MUST_USE static int read_some(int fd, void *buf, size_t cap, size_t *got)
{
	ssize_t r;
	do
		r = recv(fd, buf, cap, 0);
	while (r < 0 && errno == EINTR);
	ENSURE(r >= 0, MOAT_ERR_IO);
	*got = (size_t)r;
	return MOAT_SUCCESS;
}

/* Drop the first n buffered bytes (a request head or body that has been used). */
static void conn_consume(struct conn *c, size_t n)
{
	if (n > c->have)
		n = c->have;
	memmove(c->in, c->in + n, c->have - n);
	c->have -= n;
}

/*
 * Buffer bytes until a whole request head ("\r\n\r\n") is in c->in.
 * *head_len is its length including the blank line, or 0 if the client
 * closed cleanly between requests. A head that does not fit is
 * MOAT_ERR_BUF_FULL (the caller answers 431).
 */
MOAT_MUST_USE static int read_head(struct conn *c, size_t *head_len)
{
	for (;;) {
		const uint8_t *end = memmem(c->in, c->have, "\r\n\r\n", 4);
		if (end != NULL) {
			*head_len = (size_t)(end - c->in) + 4;
			return MOAT_SUCCESS;
		}
		ENSURE(c->have < sizeof(c->in), MOAT_ERR_BUF_FULL);
		size_t got;
		TRY(read_some(c->fd, c->in + c->have, sizeof(c->in) - c->have, &got));
		if (got == 0) {
			/* EOF in the middle of a head is a truncated request. */
			ENSURE(c->have == 0, MOAT_ERR_DECODE);
			*head_len = 0;
			return MOAT_SUCCESS;
		}
		c->have += got;
	}
}

/* ---- parsing the request head ---------------------------------------- */

/* Split off the next line (without its CRLF). */
MOAT_MUST_USE static int get_line(struct moat_cursor *c, struct moat_cursor *line)
{
	const uint8_t *start = moat_cursor_data(c);
	const uint8_t *eol = memmem(start, moat_cursor_remaining(c), "\r\n", 2);
	ENSURE(eol != NULL, MOAT_ERR_DECODE);
	TRY(moat_cursor_get_sub(c, (size_t)(eol - start), line));
	return moat_cursor_skip(c, 2);
}

/* Split off everything up to the next sep (consumed, not included). */
MOAT_MUST_USE static int get_until(struct moat_cursor *c, uint8_t sep, struct moat_cursor *tok)
{
	const uint8_t *start = moat_cursor_data(c);
	const uint8_t *at = memchr(start, sep, moat_cursor_remaining(c));
	ENSURE(at != NULL, MOAT_ERR_DECODE);
	TRY(moat_cursor_get_sub(c, (size_t)(at - start), tok));
	return moat_cursor_skip(c, 1);
}

static void skip_ows(struct moat_cursor *c)
{
	uint8_t b;
	while (moat_cursor_peek_u8(c, &b) == MOAT_SUCCESS && (b == ' ' || b == '\t'))
		if (moat_cursor_skip(c, 1) < 0)
			return;
}

static bool is_token(const struct moat_cursor *c, const char *s)
{
	size_t n = strlen(s);
	return moat_cursor_remaining(c) == n && memcmp(moat_cursor_data(c), s, n) == 0;
}

static bool is_token_nocase(const struct moat_cursor *c, const char *s)
{
	size_t n = strlen(s);
	return moat_cursor_remaining(c) == n && strncasecmp((const char *)moat_cursor_data(c), s, n) == 0;
}

/* A decimal number no greater than max, then only optional whitespace. */
MOAT_MUST_USE static int get_decimal(struct moat_cursor *c, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t digits = 0;
	uint8_t b;
	while (moat_cursor_peek_u8(c, &b) == MOAT_SUCCESS && b >= '0' && b <= '9') {
		ENSURE(v <= (max - (uint64_t)(b - '0')) / 10, MOAT_ERR_INVALID_ARG);
		v = v * 10 + (uint64_t)(b - '0');
		TRY(moat_cursor_skip(c, 1));
		digits++;
	}
	ENSURE(digits > 0, MOAT_ERR_DECODE);
	skip_ows(c);
	TRY(moat_cursor_expect_end(c));
	*out = v;
	return MOAT_SUCCESS;
}

/* The value of a header line, trimmed of trailing whitespace (RFC 9110 §5.5). */
static void trim_value(struct moat_cursor *value)
{
	skip_ows(value);
	size_t n = moat_cursor_remaining(value);
	const uint8_t *p = moat_cursor_data(value);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	moat_cursor_init(value, p, n);
}

MOAT_MUST_USE static int parse_header(struct moat_cursor *line, struct request *req)
{
	struct moat_cursor name;
	TRY(get_until(line, ':', &name));
	trim_value(line);
	if (is_token_nocase(&name, "content-length")) {
		/* Two lengths are how requests get smuggled: refuse rather than pick one. */
		ENSURE(!req->has_length, MOAT_ERR_DECODE);
		TRY(get_decimal(line, UINT64_MAX, &req->length));
		req->has_length = true;
	} else if (is_token_nocase(&name, "transfer-encoding")) {
		req->chunked = true;
	} else if (is_token_nocase(&name, "connection")) {
		if (is_token_nocase(line, "close"))
			req->keep_alive = false;
		else if (is_token_nocase(line, "keep-alive"))
			req->keep_alive = true;
	} else if (is_token_nocase(&name, "expect")) {
		req->expect_continue = is_token_nocase(line, "100-continue");
	}
	return MOAT_SUCCESS;
}

/* What to do for METHOD TARGET. */
static void route(const struct moat_cursor *method, const struct moat_cursor *target, struct request *req)
{
	struct moat_cursor t = *target;
	if (is_token(&t, "/")) {
		req->action = is_token(method, "GET") ? ACT_PAGE : ACT_ERROR;
		req->status = 405;
		return;
	}
	if (is_token(&t, "/sha256")) {
		req->action = is_token(method, "POST") ? ACT_SHA256 : ACT_ERROR;
		req->status = 405;
		return;
	}
	req->action = ACT_ERROR;
	req->status = 404;
	struct moat_cursor prefix;
	if (moat_cursor_get_sub(&t, 7, &prefix) == MOAT_SUCCESS && is_token(&prefix, "/bytes/")) {
		if (!is_token(method, "GET")) {
			req->status = 405;
		} else if (get_decimal(&t, BYTES_MAX, &req->n) == MOAT_SUCCESS) {
			req->action = ACT_BYTES;
		} else {
			req->status = moat_errno == MOAT_ERR_INVALID_ARG ? 413 : 404;
		}
	}
}

/* The request line for the log: at most out_size - 1 bytes, anything unprintable as '?'. */
static void log_copy(char *out, size_t out_size, const struct moat_cursor *c)
{
	size_t n = moat_cursor_remaining(c) < out_size - 1 ? moat_cursor_remaining(c) : out_size - 1;
	const uint8_t *p = moat_cursor_data(c);
	for (size_t i = 0; i < n; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	out[n] = '\0';
}

/*
 * Parse a request head (head_len bytes, ending in the blank line). A
 * malformed head fails; the caller answers 400 and closes.
 */
MOAT_MUST_USE static int parse_request(const uint8_t *head, size_t head_len, struct request *req)
{
	struct moat_cursor c, line, method, target, version;
	moat_cursor_init(&c, head, head_len);
	memset(req, 0, sizeof(*req));
	TRY(get_line(&c, &line));
	log_copy(req->line, sizeof(req->line), &line);
	TRY(get_until(&line, ' ', &method));
	TRY(get_until(&line, ' ', &target));
	version = line;
	ENSURE(moat_cursor_remaining(&method) > 0 && moat_cursor_remaining(&target) > 0, MOAT_ERR_DECODE);
	if (is_token(&version, "HTTP/1.1"))
		req->keep_alive = true;
	else
		ENSURE(is_token(&version, "HTTP/1.0"), MOAT_ERR_DECODE);
	for (;;) {
		TRY(get_line(&c, &line));
		if (moat_cursor_remaining(&line) == 0)
			break;
		TRY(parse_header(&line, req));
	}
	TRY(moat_cursor_expect_end(&c));
	route(&method, &target, req);
	return MOAT_SUCCESS;
}

/* ---- answering ---------------------------------------------------------- */

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 431: return "Request Header Fields Too Large";
	default: return "Error";
	}
}

MOAT_MUST_USE static int send_head(int fd, int status, const char *type, uint64_t length, bool keep_alive)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\nServer: moat-demo-backend\r\nContent-Type: %s\r\n"
			 "Content-Length: %" PRIu64 "\r\nConnection: %s\r\n\r\n",
			 status, reason(status), type, length, keep_alive ? "keep-alive" : "close");
	ENSURE(n > 0 && (size_t)n < sizeof(head), MOAT_ERR_INTERNAL);
	return write_all(fd, head, (size_t)n);
}

MOAT_MUST_USE static int send_text(int fd, int status, const char *text, bool keep_alive)
{
	size_t len = strlen(text);
	TRY(send_head(fd, status, status == 200 ? "text/html; charset=utf-8" : "text/plain; charset=utf-8", len,
		      keep_alive));
	return write_all(fd, text, len);
}

static const char page[] =
	"<!DOCTYPE html>\n"
	"<html><head><title>moat demo</title></head>\n"
	"<body><h1>moat demo backend: it works</h1>\n"
	"<p>This page came over TLS terminated by moat-frontd; the private key never left moat-keyd.</p>\n"
	"</body></html>\n";

MOAT_MUST_USE static int send_bytes(int fd, uint64_t n, bool keep_alive)
{
	TRY(send_head(fd, 200, "application/octet-stream", n, keep_alive));
	/* Byte i is (i*7+3) & 0xff, periodic in 256: one block, written from the right phase. */
	static uint8_t block[CHUNK + 256];
	for (size_t i = 0; i < sizeof(block); i++)
		block[i] = (uint8_t)((i * 7 + 3) & 0xff);
	uint64_t sent = 0;
	while (sent < n) {
		size_t len = n - sent < CHUNK ? (size_t)(n - sent) : CHUNK;
		TRY(write_all(fd, block + (sent & 0xff), len));
		sent += len;
	}
	return MOAT_SUCCESS;
}

/* Hash the body (the buffered part first, then the socket) and answer its hex digest. */
MOAT_MUST_USE static int answer_sha256(struct conn *c, uint64_t length, bool keep_alive)
{
	struct moat_hash h = { 0 };
	uint8_t digest[MOAT_HASH_MAX_DIGEST_LEN];
	static uint8_t chunk[CHUNK];
	uint64_t left = length;
	int rc = MOAT_FAILURE;

	if (moat_hash_init(&h, MOAT_HASH_SHA256) < 0)
		goto out;
	size_t buffered = c->have < left ? c->have : (size_t)left;
	if (moat_hash_update(&h, c->in, buffered) < 0)
		goto out;
	conn_consume(c, buffered);
	left -= buffered;
	while (left > 0) {
		size_t got;
		if (read_some(c->fd, chunk, left < sizeof(chunk) ? (size_t)left : sizeof(chunk), &got) < 0)
			goto out;
		if (got == 0) {
			moat_error_raise(MOAT_ERR_DECODE, MOAT_HERE); /* body shorter than its Content-Length */
			goto out;
		}
		if (moat_hash_update(&h, chunk, got) < 0)
			goto out;
		left -= got;
	}
	if (moat_hash_current(&h, digest) < 0)
		goto out;
	char hex[2 * 32 + 2];
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	hex[64] = '\n';
	hex[65] = '\0';
	if (send_head(c->fd, 200, "text/plain; charset=utf-8", 65, keep_alive) < 0)
		goto out;
	rc = write_all(c->fd, hex, 65);
out:
	moat_hash_free(&h);
	return rc;
}

/* Serve requests on one connection until the client or the protocol ends it. */
static void serve_http(struct conn *c)
{
	for (;;) {
		size_t head_len = 0;
		struct request req;
		if (read_head(c, &head_len) < 0) {
			/* Best effort: the connection closes whether or not the answer gets out. */
			if (moat_errno == MOAT_ERR_BUF_FULL && send_text(c->fd, 431, "request head too large\n", false) < 0)
				moat_log(MOAT_LOG_DEBUG, "could not answer 431");
			return;
		}
		if (head_len == 0)
			return;
		if (parse_request(c->in, head_len, &req) < 0) {
			moat_log(MOAT_LOG_INFO, "bad request: %s", moat_strerror(moat_errno, "EN"));
			if (send_text(c->fd, 400, "bad request\n", false) < 0)
				moat_log(MOAT_LOG_DEBUG, "could not answer 400");
			return;
		}
		conn_consume(c, head_len);
		/* A body we will not read would be taken for the next request: close after answering. */
		if ((req.has_length && req.length > 0 && req.action != ACT_SHA256) || req.chunked)
			req.keep_alive = false;
		if (req.action == ACT_SHA256) {
			if (req.chunked) {
				req.action = ACT_ERROR;
				req.status = 411;
			} else if (req.length > BODY_MAX) {
				req.action = ACT_ERROR;
				req.status = 413;
				req.keep_alive = false;
			}
		}

		int rc;
		switch (req.action) {
		case ACT_PAGE:
			rc = send_text(c->fd, 200, page, req.keep_alive);
			break;
		case ACT_BYTES:
			rc = send_bytes(c->fd, req.n, req.keep_alive);
			break;
		case ACT_SHA256:
			/* RFC 9110 §10.1.1: a client that asked waits for this before sending the body. */
			rc = req.expect_continue ? write_all(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25) : MOAT_SUCCESS;
			if (rc == MOAT_SUCCESS)
				rc = answer_sha256(c, req.length, req.keep_alive);
			break;
		default: {
			char text[64];
			snprintf(text, sizeof(text), "%d %s\n", req.status, reason(req.status));
			rc = send_text(c->fd, req.status, text, req.keep_alive);
			break;
		}
		}
		moat_log(MOAT_LOG_INFO, "%s -> %d%s", req.line, req.action == ACT_ERROR ? req.status : 200,
			 rc == MOAT_SUCCESS ? "" : " (connection failed)");
		if (rc < 0 || !req.keep_alive)
			return;
	}
}

/* Echo until EOF, then finish writing and send our own FIN. */
static void serve_echo(struct conn *c)
{
	static uint8_t chunk[CHUNK];
	uint64_t total = 0;
	for (;;) {
		size_t got;
		if (read_some(c->fd, chunk, sizeof(chunk), &got) < 0)
			break;
		if (got == 0) {
			(void)shutdown(c->fd, SHUT_WR);
			break;
		}
		if (write_all(c->fd, chunk, got) < 0)
			break;
		total += got;
	}
	moat_log(MOAT_LOG_INFO, "echo: %" PRIu64 " bytes", total);
}

/* ---- processes ---------------------------------------------------------- */

/*
 * Closing with unread bytes in the socket makes the kernel send a reset,
 * which can destroy the answer we just wrote before the client reads it
 * (RFC 9112 §9.6). So: send our FIN, then drain what the client still
 * sends for a short while, and only then close.
 */
static void lingering_close(int fd)
{
	static uint8_t sink[CHUNK];
	struct timeval tv = { .tv_sec = 2 };
	(void)shutdown(fd, SHUT_WR);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (size_t drained = 0; drained < 64 * sizeof(sink);) {
		size_t got;
		if (read_some(fd, sink, sizeof(sink), &got) < 0 || got == 0)
			break;
		drained += got;
	}
	close(fd);
}

static void child_main(int fd, enum mode mode, pid_t parent)
{
	/* Die with the parent, so stopping the backend stops its connections too. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(1);
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

	static struct conn c;
	c.fd = fd;
	c.have = 0;
	if (mode == MODE_HTTP)
		serve_http(&c);
	else
		serve_echo(&c);
	lingering_close(fd);
	_exit(0);
}

/*
 * unix:PATH: a stream socket any local user may connect to (frontd may run
 * as nobody); a stale socket file is replaced. Prints "listening on unix:PATH".
 */
static int listen_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "moat-demo-backend: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || chmod(path, 0666) < 0 || listen(fd, 128) < 0) {
		fprintf(stderr, "moat-demo-backend: unix:%s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	printf("listening on unix:%s\n", path);
	fflush(stdout);
	return fd;
}

/* HOST:PORT or [V6]:PORT, bound and listening; prints "listening on PORT". */
static int listen_on(const char *hostport)
{
	if (strncmp(hostport, "unix:", 5) == 0)
		return listen_unix(hostport + 5);

	char host[256];
	const char *colon = strrchr(hostport, ':');
	if (colon == NULL || (size_t)(colon - hostport) >= sizeof(host) || colon[1] == '\0') {
		fprintf(stderr, "moat-demo-backend: --listen wants HOST:PORT, got \"%s\"\n", hostport);
		return -1;
	}
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = '\0';
	char *h = host;
	size_t hl = strlen(h);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h[hl - 1] = '\0';
		h++;
	}

	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *res = NULL;
	int err = getaddrinfo(h, colon + 1, &hints, &res);
	if (err != 0) {
		fprintf(stderr, "moat-demo-backend: %s: %s\n", hostport, gai_strerror(err));
		return -1;
	}
	int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 128) < 0) {
		fprintf(stderr, "moat-demo-backend: %s: %s\n", hostport, strerror(errno));
		freeaddrinfo(res);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	freeaddrinfo(res);

	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		fprintf(stderr, "moat-demo-backend: getsockname: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	char port[16];
	if (getnameinfo((struct sockaddr *)&ss, sl, NULL, 0, port, sizeof(port), NI_NUMERICSERV) != 0) {
		close(fd);
		return -1;
	}
	printf("listening on %s\n", port);
	fflush(stdout);
	return fd;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: moat-demo-backend --listen HOST:PORT|unix:PATH [--mode http|echo] [-q]\n"
		     "  http: GET / (a page), GET /bytes/N (N bytes, byte i = (i*7+3)&0xff),\n"
		     "        POST /sha256 (hex SHA-256 of the body)\n"
		     "  echo: every byte back; closes after the client's EOF\n"
		     "  -q: no per-request log lines\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "mode", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen_arg = NULL;
	enum mode mode = MODE_HTTP;
	moat_log_level level = MOAT_LOG_INFO;
	int ch;
	while ((ch = getopt_long(argc, argv, "l:m:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			listen_arg = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "http") == 0) {
				mode = MODE_HTTP;
			} else if (strcmp(optarg, "echo") == 0) {
				mode = MODE_ECHO;
			} else {
				fprintf(stderr, "moat-demo-backend: unknown mode \"%s\" (http or echo)\n", optarg);
				return 2;
			}
			break;
		case 'q':
			level = MOAT_LOG_NOTICE;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (listen_arg == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	moat_log_open("moat-demo-backend", false, level);

	/*
	 * The stop signals stay blocked except inside ppoll, so one that arrives
	 * between the check and the wait is not lost. Exited children are reaped
	 * by the kernel (SIGCHLD ignored); a dead client is a write error, not a
	 * SIGPIPE.
	 */
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigset_t stops, waitmask;
	sigemptyset(&stops);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGINT);
	sigprocmask(SIG_BLOCK, &stops, &waitmask);

	if (moat_hash_preload() < 0) {
		fprintf(stderr, "moat-demo-backend: SHA-256 unavailable\n");
		return 1;
	}
	int lfd = listen_on(listen_arg);
	if (lfd < 0)
		return 1;
	moat_log(MOAT_LOG_INFO, "%s mode on %s", mode == MODE_HTTP ? "http" : "echo", listen_arg);

	pid_t self = getpid();
	while (!stop_signal) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		int n = ppoll(&pfd, 1, NULL, &waitmask);
		if (n < 0 && errno != EINTR) {
			moat_log(MOAT_LOG_ERR, "poll: %s", strerror(errno));
			return 1;
		}
		if (n <= 0)
			continue;
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue; /* EAGAIN after a client gave up, EMFILE: try again on the next wakeup */
		pid_t pid = fork();
		if (pid == 0) {
			close(lfd);
			struct sigaction dfl = { .sa_handler = SIG_DFL };
			sigemptyset(&dfl.sa_mask);
			sigaction(SIGTERM, &dfl, NULL);
			sigaction(SIGINT, &dfl, NULL);
			sigprocmask(SIG_SETMASK, &waitmask, NULL);
			child_main(fd, mode, self);
		}
		if (pid < 0)
			moat_log(MOAT_LOG_WARNING, "fork: %s", strerror(errno));
		close(fd);
	}
	moat_log(MOAT_LOG_INFO, "stopping on signal %d", (int)stop_signal);
	close(lfd);
	if (strncmp(listen_arg, "unix:", 5) == 0)
		(void)unlink(listen_arg + 5);
	return 0;
}
