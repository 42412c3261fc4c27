/*
 * Helpers shared by the example programs. Kept apart from the programs so
 * each of those reads as a walk through the API: configure, connect,
 * negotiate, move data, shut down. Everything here is plain POSIX.
 */
#include "example_common.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

extern const char *ex_progname;

void ex_warn(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", ex_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int read_all_fd(int fd, uint8_t **data, size_t *len)
{
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap + 1);
	if (buf == NULL)
		return -1;
	for (;;) {
		if (n == cap) {
			uint8_t *bigger = realloc(buf, cap * 2 + 1);
			if (bigger == NULL) {
				free(buf);
				return -1;
			}
			buf = bigger;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

void ex_print_version(const char *program)
{
	printf("%s (moat) %s\nlibcrypto: %s\n", program, moat_get_version(), moat_get_libcrypto_version());
}

int ex_read_file(const char *path, uint8_t **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ex_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = read_all_fd(fd, data, len);
	if (rc < 0)
		ex_warn("%s: %s", path, strerror(errno));
	close(fd);
	return rc;
}

int ex_read_stdin(uint8_t **data, size_t *len)
{
	if (read_all_fd(STDIN_FILENO, data, len) < 0) {
		ex_warn("stdin: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Split HOST:PORT; brackets allow an IPv6 literal. host and port point into buf. */
static int split_hostport(const char *hostport, char *buf, size_t bufsz, char **host, char **port)
{
	size_t n = strlen(hostport);
	if (n == 0 || n >= bufsz) {
		ex_warn("bad address '%s'", hostport);
		return -1;
	}
	memcpy(buf, hostport, n + 1);
	char *colon = strrchr(buf, ':');
	if (colon == NULL) {
		ex_warn("address '%s' has no :PORT", hostport);
		return -1;
	}
	*colon = '\0';
	*port = colon + 1;
	*host = buf;
	if (buf[0] == '[') {
		size_t hl = strlen(buf);
		if (hl < 2 || buf[hl - 1] != ']') {
			ex_warn("bad address '%s'", hostport);
			return -1;
		}
		buf[hl - 1] = '\0';
		*host = buf + 1;
	}
	if (**port == '\0') {
		ex_warn("address '%s' has an empty port", hostport);
		return -1;
	}
	return 0;
}

int ex_set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		ex_warn("fcntl: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)(const void *)ss)->sin_port);
}

int ex_listen(const char *hostport, uint16_t *bound_port)
{
	char buf[256], *host, *port;
	if (split_hostport(hostport, buf, sizeof(buf), &host, &port) < 0)
		return -1;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *res;
	int gai = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (gai != 0) {
		ex_warn("%s: %s", hostport, gai_strerror(gai));
		return -1;
	}
	int fd = -1;
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		int one = 1;
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 16) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		ex_warn("cannot listen on %s: %s", hostport, strerror(errno));
		return -1;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 || ex_set_nonblocking(fd) < 0) {
		close(fd);
		return -1;
	}
	*bound_port = port_of(&ss);
	return fd;
}

int ex_connect(const char *hostport)
{
	char buf[256], *host, *port;
	if (split_hostport(hostport, buf, sizeof(buf), &host, &port) < 0)
		return -1;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res;
	int gai = getaddrinfo(host, port, &hints, &res);
	if (gai != 0) {
		ex_warn("%s: %s", hostport, gai_strerror(gai));
		return -1;
	}
	int fd = -1, err = 0;
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		/* A blocking connect keeps the example short; all TLS I/O afterwards is non-blocking. */
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		ex_warn("cannot connect to %s: %s", hostport, strerror(err));
		return -1;
	}
	if (ex_set_nonblocking(fd) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int ex_wait(int fd, moat_blocked_status blocked, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = 0 };
	if (blocked == MOAT_BLOCKED_ON_READ)
		p.events = POLLIN;
	else if (blocked == MOAT_BLOCKED_ON_WRITE)
		p.events = POLLOUT;
	else
		return -1;
	for (;;) {
		int n = poll(&p, 1, timeout_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ex_warn("poll: %s", strerror(errno));
			return -1;
		}
		if (n == 0) {
			ex_warn("timed out waiting to %s", blocked == MOAT_BLOCKED_ON_READ ? "read" : "write");
			return -1;
		}
		/* Errors and hang-ups are left for the library's next read or write to report. */
		return 0;
	}
}

char **ex_split_list(const char *csv, int *count)
{
	int n = 1;
	for (const char *p = csv; *p; p++)
		n += *p == ',';
	char **list = calloc((size_t)n + 1, sizeof(*list));
	if (list == NULL)
		return NULL;
	/* Empty items (",," or a trailing comma) are refused: no protocol or group has an empty name. */
	int i = 0;
	for (const char *p = csv;; i++) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == 0 || (list[i] = strndup(p, len)) == NULL) {
			ex_free_list(list);
			return NULL;
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	*count = i + 1;
	return list;
}

void ex_free_list(char **list)
{
	if (list == NULL)
		return;
	for (char **p = list; *p != NULL; p++)
		free(*p);
	free(list);
}

void ex_pattern(uint8_t *buf, size_t len, uint64_t offset)
{
	/* Not periodic at record or buffer sizes, so a dropped or repeated chunk shows. */
	for (size_t i = 0; i < len; i++) {
		uint64_t x = offset + i;
		buf[i] = (uint8_t)((x * 131u) ^ (x >> 8) ^ (x >> 16));
	}
}

const char *ex_protocol_name(int version)
{
	switch (version) {
	case MOAT_TLS10:
		return "TLSv1.0";
	case MOAT_TLS11:
		return "TLSv1.1";
	case MOAT_TLS12:
		return "TLSv1.2";
	case MOAT_TLS13:
		return "TLSv1.3";
	default:
		return "unknown";
	}
}

void ex_print_params(struct moat_connection *conn, FILE *out)
{
	const char *alpn = moat_get_application_protocol(conn);
	const char *sni = moat_get_server_name(conn);
	const uint8_t *der;
	uint32_t der_len;
	int have_peer = moat_connection_get_peer_cert_der(conn, &der, &der_len) == MOAT_SUCCESS;
	moat_error_clear();

	fprintf(out, "protocol: %s\n", ex_protocol_name(moat_connection_get_actual_protocol_version(conn)));
	fprintf(out, "cipher: %s\n", moat_connection_get_cipher(conn));
	fprintf(out, "curve: %s\n", moat_connection_get_curve(conn));
	fprintf(out, "hello_retry_request: %s\n", moat_connection_is_hello_retried(conn) ? "yes" : "no");
	fprintf(out, "sig: 0x%04x\n", moat_connection_get_server_sig_scheme(conn));
	fprintf(out, "client_sig: 0x%04x\n", moat_connection_get_client_sig_scheme(conn));
	fprintf(out, "alpn: %s\n", alpn ? alpn : "none");
	fprintf(out, "server_name: %s\n", sni && *sni ? sni : "none");
	fprintf(out, "peer_cert: %s\n", have_peer ? "yes" : "no");
	fprintf(out, "resumed: %s\n", moat_connection_is_session_resumed(conn) ? "yes" : "no");
	uint16_t psk_len = 0;
	uint8_t psk_id[256];
	if (moat_connection_get_negotiated_psk_identity_length(conn, &psk_len) < 0 || psk_len >= sizeof(psk_id) ||
	    moat_connection_get_negotiated_psk_identity(conn, psk_id, sizeof(psk_id) - 1) < 0)
		psk_len = 0;
	moat_error_clear();
	psk_id[psk_len] = '\0';
	fprintf(out, "psk_identity: %s\n", psk_len > 0 ? (const char *)psk_id : "none");
	fflush(out);
}

void ex_report_error(struct moat_connection *conn, const char *what)
{
	int err = moat_errno;
	fprintf(stderr, "%s: %s failed: %s: %s (%s)\n", ex_progname, what, moat_strerror_name(err),
		moat_strerror(err, NULL), moat_strerror_debug(err, NULL));
	if (moat_error_get_type(err) == MOAT_ERR_T_ALERT && conn != NULL) {
		int alert = moat_connection_get_alert(conn);
		if (alert >= 0)
			fprintf(stderr, "%s: alert received: %s\n", ex_progname, moat_alert_name(alert));
	} else {
		moat_alert alert = moat_error_get_alert(err);
		if (alert != MOAT_ALERT_NONE)
			fprintf(stderr, "%s: alert sent: %s\n", ex_progname, moat_alert_name((int)alert));
	}
	fflush(stderr);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ex_append_psk(struct moat_connection *conn, const char *identity, const char *hex, const char *hash)
{
	uint8_t secret[1024];
	size_t n = strlen(hex);
	if (n == 0 || n % 2 != 0 || n / 2 > sizeof(secret)) {
		ex_warn("--psk wants an even number of hex digits (at most %zu bytes)", sizeof(secret));
		return -1;
	}
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			ex_warn("--psk: '%s' is not hex", hex);
			explicit_bzero(secret, sizeof(secret));
			return -1;
		}
		secret[i] = (uint8_t)(hi << 4 | lo);
	}
	moat_psk_hmac hmac = MOAT_PSK_HMAC_SHA256;
	if (hash != NULL && strcmp(hash, "sha384") == 0) {
		hmac = MOAT_PSK_HMAC_SHA384;
	} else if (hash != NULL && strcmp(hash, "sha256") != 0) {
		ex_warn("--psk-hash: sha256 or sha384, not '%s'", hash);
		return -1;
	}
	size_t id_len = strlen(identity);
	struct moat_psk *psk = moat_external_psk_new();
	int rc = psk == NULL || id_len > 0xffff || moat_psk_set_identity(psk, (const uint8_t *)identity, (uint16_t)id_len) < 0 ||
			 moat_psk_set_secret(psk, secret, (uint16_t)(n / 2)) < 0 || moat_psk_set_hmac(psk, hmac) < 0 ||
			 moat_connection_set_psk_mode(conn, MOAT_PSK_MODE_EXTERNAL) < 0 ||
			 moat_connection_append_psk(conn, psk) < 0
		 ? -1
		 : 0;
	explicit_bzero(secret, sizeof(secret));
	if (rc < 0)
		ex_report_error(conn, "setting up --psk");
	if (moat_psk_free(&psk) < 0)
		moat_error_clear();
	return rc;
}
