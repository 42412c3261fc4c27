/*
 * echo_backend: the plaintext server behind frontd in its tests (never
 * installed). A process per connection with blocking I/O keeps it obviously
 * correct: it writes an optional greeting line (so a test can tell which
 * site's backend answered), echoes every byte, and on EOF from its client
 * shuts its own side down, which is the half-close frontd must carry.
 *
 * usage: echo_backend [-g GREETING] [-u UNIXPATH] [-d MS] [-b BYTES] [-p] [-s FILE [-i MS]]
 * Listens on 127.0.0.1 on a free port and prints "listening on PORT"
 * (or on UNIXPATH, printing "listening on UNIXPATH").
 * -p: each connection starts with a PROXY header (v1 or v2): it is decoded
 * here, independently of frontd's parser, and printed as one line on
 * standard output ("proxy v1: TCP4 ..." or "proxy v2: PROXY src=... tlv=...");
 * a connection without a valid one is closed.
 * -d: after the greeting, read nothing for MS milliseconds (a backend that
 * pushes back on frontd); -b: socket buffers of BYTES each way, so that
 * the kernel absorbs little of what a test sends.
 * -s: a download: the first bytes the client sends are answered with FILE
 * instead of their echo, written 16 KiB at a time with -i MS milliseconds
 * between the pieces (a backend that keeps a response flowing, slowly);
 * then echoing goes on as usual.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Append to line what a v2 string TLV holds, printable bytes only. */
static void add_str(char *line, size_t cap, const char *name, const uint8_t *v, size_t n)
{
	size_t at = strlen(line);
	at += (size_t)snprintf(line + at, cap - at, " %s=", name);
	for (size_t i = 0; i < n && at + 2 < cap; i++)
		line[at++] = isprint(v[i]) ? (char)v[i] : '?';
	line[at] = '\0';
}

static void add_addr(char *line, size_t cap, const char *name, int fam, const uint8_t *a, const uint8_t *port)
{
	char txt[INET6_ADDRSTRLEN];
	size_t at = strlen(line);
	inet_ntop(fam, a, txt, sizeof(txt));
	snprintf(line + at, cap - at, fam == AF_INET ? " %s=%s:%u" : " %s=[%s]:%u", name, txt,
		 (unsigned)(port[0] << 8 | port[1]));
}

/* The TLVs of a v2 header (the PROXY protocol specification §2.2.1-2.2.6); false if malformed. */
static bool add_tlvs(char *line, size_t cap, const uint8_t *p, size_t n, bool ssl)
{
	while (n > 0) {
		if (n < 3 || (size_t)(p[1] << 8 | p[2]) > n - 3)
			return false;
		uint8_t type = p[0];
		size_t len = (size_t)(p[1] << 8 | p[2]);
		const uint8_t *v = p + 3;
		size_t at = strlen(line);
		if (!ssl && type == 0x01) {
			add_str(line, cap, "alpn", v, len);
		} else if (!ssl && type == 0x02) {
			add_str(line, cap, "authority", v, len);
		} else if (!ssl && type == 0x20) {
			if (len < 5)
				return false;
			snprintf(line + at, cap - at, " ssl.client=0x%02x ssl.verify=%u", v[0],
				 (unsigned)((uint32_t)v[1] << 24 | (uint32_t)v[2] << 16 | (uint32_t)v[3] << 8 | v[4]));
			if (!add_tlvs(line, cap, v + 5, len - 5, true))
				return false;
		} else if (ssl && type >= 0x21 && type <= 0x27) {
			static const char *const names[] = { "version", "cn", "cipher", "sig_alg", "key_alg", "group",
							     "sig_scheme" };
			char name[32];
			snprintf(name, sizeof(name), "ssl.%s", names[type - 0x21]);
			add_str(line, cap, name, v, len);
		} else {
			snprintf(line + at, cap - at, " tlv.0x%02x=%zu", type, len);
		}
		p += 3 + len;
		n -= 3 + len;
	}
	return true;
}

static const uint8_t v2_signature[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };

/* Read and print the PROXY header the connection starts with; false: there was none. */
static bool proxy_header(int fd)
{
	uint8_t h[16 + 65535];
	char line[4096];
	if (read_all(fd, h, 1) < 0)
		return false;
	if (h[0] == 'P') {
		/* v1: a byte at a time up to the CRLF, so that nothing after it is taken. */
		size_t n = 1;
		while (n < 107 && read_all(fd, h + n, 1) == 0) {
			n++;
			if (n >= 2 && h[n - 2] == '\r' && h[n - 1] == '\n')
				break;
		}
		if (n < 8 || h[n - 2] != '\r' || h[n - 1] != '\n' || memcmp(h, "PROXY ", 6) != 0)
			return false;
		snprintf(line, sizeof(line), "proxy v1: %.*s\n", (int)(n - 8), (const char *)h + 6);
	} else {
		if (read_all(fd, h + 1, 15) < 0 || memcmp(h, v2_signature, 12) != 0 || (h[12] >> 4) != 2)
			return false;
		size_t len = (size_t)(h[14] << 8 | h[15]);
		if (read_all(fd, h + 16, len) < 0)
			return false;
		snprintf(line, sizeof(line), "proxy v2: %s fam=0x%02x", (h[12] & 0x0f) == 1 ? "PROXY" : "LOCAL", h[13]);
		size_t skip = 0;
		if (h[13] == 0x11 && len >= 12) {
			add_addr(line, sizeof(line), "src", AF_INET, h + 16, h + 24);
			add_addr(line, sizeof(line), "dst", AF_INET, h + 20, h + 26);
			skip = 12;
		} else if (h[13] == 0x21 && len >= 36) {
			add_addr(line, sizeof(line), "src", AF_INET6, h + 16, h + 48);
			add_addr(line, sizeof(line), "dst", AF_INET6, h + 32, h + 50);
			skip = 36;
		} else if (h[13] != 0x00) {
			return false;
		}
		if (!add_tlvs(line, sizeof(line) - 1, h + 16 + skip, len - skip, false))
			return false;
		strcat(line, "\n");
	}
	return write_all(1, line, strlen(line)) == 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* -s: FILE in pieces, interval_ms apart. */
static void download(int fd, const char *file, long interval_ms)
{
	FILE *f = fopen(file, "rb");
	char piece[16384];
	size_t n;
	if (f == NULL)
		_exit(1);
	while ((n = fread(piece, 1, sizeof(piece), f)) > 0) {
		if (write_all(fd, piece, n) < 0)
			_exit(1);
		if (interval_ms > 0)
			sleep_ms(interval_ms);
	}
	fclose(f);
}

static void serve(int fd, const char *greeting, long delay_ms, bool pp, const char *file, long interval_ms)
{
	char buf[16384];
	if (pp && !proxy_header(fd)) {
		write_all(1, "proxy: no valid header\n", 23);
		_exit(1);
	}
	if (greeting != NULL && (write_all(fd, greeting, strlen(greeting)) < 0 || write_all(fd, "\n", 1) < 0))
		_exit(1);
	if (delay_ms > 0)
		sleep_ms(delay_ms);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (file != NULL) {
			download(fd, file, interval_ms);
			file = NULL;
			continue;
		}
		if (write_all(fd, buf, (size_t)n) < 0)
			_exit(1);
	}
	shutdown(fd, SHUT_WR);
	close(fd);
	_exit(0);
}

int main(int argc, char **argv)
{
	const char *greeting = NULL, *unix_path = NULL, *file = NULL;
	long delay_ms = 0, interval_ms = 0;
	int bufsize = 0, ch;
	bool pp = false;
	while ((ch = getopt(argc, argv, "g:u:d:b:ps:i:")) != -1) {
		switch (ch) {
		case 'g':
			greeting = optarg;
			break;
		case 'u':
			unix_path = optarg;
			break;
		case 'd':
			delay_ms = atol(optarg);
			break;
		case 'b':
			bufsize = atoi(optarg);
			break;
		case 'p':
			pp = true;
			break;
		case 's':
			file = optarg;
			break;
		case 'i':
			interval_ms = atol(optarg);
			break;
		default:
			fprintf(stderr, "usage: echo_backend [-g GREETING] [-u UNIXPATH] [-d MS] [-b BYTES] [-p] [-s FILE [-i MS]]\n");
			return 2;
		}
	}
	signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
	signal(SIGPIPE, SIG_IGN);
	int lfd;
	if (unix_path != NULL) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		if (strlen(unix_path) >= sizeof(sun.sun_path))
			return 2;
		memcpy(sun.sun_path, unix_path, strlen(unix_path) + 1);
		unlink(unix_path);
		lfd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(lfd, 64) < 0) {
			perror("echo_backend");
			return 1;
		}
		printf("listening on %s\n", unix_path);
	} else {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t len = sizeof(sin);
		lfd = socket(AF_INET, SOCK_STREAM, 0);
		/* Set before listen: accepted sockets inherit them, and the window scale is chosen at SYN time. */
		if (lfd >= 0 && bufsize > 0 &&
		    (setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize)) < 0 ||
		     setsockopt(lfd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof(bufsize)) < 0)) {
			perror("echo_backend: socket buffers");
			return 1;
		}
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(lfd, 64) < 0 ||
		    getsockname(lfd, (struct sockaddr *)&sin, &len) < 0) {
			perror("echo_backend");
			return 1;
		}
		printf("listening on %u\n", ntohs(sin.sin_port));
	}
	fflush(stdout);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("echo_backend: accept");
			return 1;
		}
		pid_t pid = fork();
		if (pid == 0) {
			close(lfd);
			serve(fd, greeting, delay_ms, pp, file, interval_ms);
		}
		close(fd);
	}
}
