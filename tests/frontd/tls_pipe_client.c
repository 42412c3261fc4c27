/*
 * tls_pipe_client: a TLS client for frontd's tests (never installed) that
 * does what openssl s_client cannot: send a file, then half-close (our
 * close_notify, with the read side still open) and read everything the
 * server sends until its own close. Sending and receiving interleave in one
 * poll loop, so a large transfer through an echo backend cannot deadlock.
 * Received bytes go to stdout; the test compares them.
 *
 * usage: tls_pipe_client -c 127.0.0.1:PORT -n SERVER_NAME -a CA.pem -s FILE [-t SECONDS] [-b BYTES] [-p]
 *                        [-k BYTES -w MS]
 * Exit 0 when the server closed after we sent everything, 1 on any error.
 *
 * Backpressure tests: when sending makes no progress for half a second,
 * "stalled after sending N of TOTAL bytes" goes to stderr (once). -p reads
 * nothing until then (or until everything is sent), so that what the
 * server sends back piles up; -b gives the socket buffers of BYTES each
 * way, so that the kernel absorbs little.
 *
 * -k and -w send the file in pieces of BYTES with MS milliseconds of
 * silence after each (still reading), so that frontd sees the connection
 * go idle in between.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tls/moat.h"

static int fail(const char *what)
{
	fprintf(stderr, "tls_pipe_client: %s: %s (%s)\n", what, moat_strerror(moat_errno, NULL),
		moat_strerror_name(moat_errno));
	return 1;
}

static int connect_to(const char *hostport, int bufsize)
{
	char host[64];
	const char *colon = strrchr(hostport, ':');
	if (colon == NULL || (size_t)(colon - hostport) >= sizeof(host))
		return -1;
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = '\0';
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1)) };
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		return -1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd >= 0 && bufsize > 0 &&
	    (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize)) < 0 ||
	     setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof(bufsize)) < 0))
		return -1;
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -1;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int write_all(const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *target = NULL, *name = NULL, *ca = NULL, *file = NULL;
	int timeout_s = 20, ch;
	int bufsize = 0;
	bool pause_reading = false;
	size_t piece = 0;
	uint64_t piece_wait_ms = 0;
	while ((ch = getopt(argc, argv, "c:n:a:s:t:b:pk:w:")) != -1) {
		switch (ch) {
		case 'c':
			target = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'a':
			ca = optarg;
			break;
		case 's':
			file = optarg;
			break;
		case 't':
			timeout_s = atoi(optarg);
			break;
		case 'b':
			bufsize = atoi(optarg);
			break;
		case 'p':
			pause_reading = true;
			break;
		case 'k':
			piece = (size_t)atol(optarg);
			break;
		case 'w':
			piece_wait_ms = (uint64_t)atol(optarg);
			break;
		default:
			return 2;
		}
	}
	if (target == NULL || name == NULL || ca == NULL || file == NULL) {
		fprintf(stderr, "usage: tls_pipe_client -c HOST:PORT -n NAME -a CA -s FILE [-t SECONDS] [-b BYTES] [-p]\n"
				"                       [-k BYTES -w MS]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);

	int in = open(file, O_RDONLY);
	struct stat st;
	if (in < 0 || fstat(in, &st) < 0) {
		perror(file);
		return 1;
	}
	size_t total = (size_t)st.st_size, sent = 0;
	uint8_t *data = malloc(total + 1);
	if (data == NULL || read(in, data, total) != (ssize_t)total) {
		perror(file);
		return 1;
	}
	close(in);

	int fd = connect_to(target, bufsize);
	if (fd < 0) {
		perror(target);
		return 1;
	}
	struct moat_config *config = moat_config_new();
	struct moat_connection *conn = moat_connection_new(MOAT_CLIENT);
	if (config == NULL || conn == NULL || moat_config_wipe_trust_store(config) < 0 ||
	    moat_config_set_verification_ca_location(config, ca, NULL) < 0 || moat_connection_set_config(conn, config) < 0 ||
	    moat_set_server_name(conn, name) < 0 || moat_connection_set_fd(conn, fd) < 0)
		return fail("setup");

	time_t deadline = time(NULL) + timeout_s;
	moat_blocked_status blocked;
	while (moat_negotiate(conn, &blocked) < 0) {
		if (moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED)
			return fail("handshake");
		struct pollfd p = { .fd = fd, .events = blocked == MOAT_BLOCKED_ON_WRITE ? POLLOUT : POLLIN };
		if (time(NULL) > deadline || poll(&p, 1, 1000) < 0)
			return fail("handshake timed out");
	}

	bool shut = false, eof = false, want_write = false, stalled = false, paused = pause_reading;
	uint64_t last_progress = now_ms(), resume_at = 0;
	size_t paused_at = 0;
	uint8_t buf[16384];
	while (!eof) {
		if (time(NULL) > deadline) {
			fprintf(stderr, "tls_pipe_client: timed out (sent %zu of %zu)\n", sent, total);
			return 1;
		}
		/* Receive whatever is there. */
		while (!paused) {
			ssize_t n = moat_recv(conn, buf, sizeof(buf), &blocked);
			if (n > 0) {
				if (write_all(buf, (size_t)n) < 0)
					return 1;
				continue;
			}
			if (n == 0) {
				eof = true;
				break;
			}
			if (moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED)
				return fail("receive");
			break;
		}
		if (eof)
			break;
		/* Send what the socket takes (up to the end of the piece), then half-close. */
		size_t sent_before = sent, limit = total;
		if (piece > 0) {
			if (sent > 0 && sent % piece == 0 && sent < total && paused_at != sent) {
				paused_at = sent;
				resume_at = now_ms() + piece_wait_ms;
			}
			if (now_ms() < resume_at) {
				limit = sent;
				last_progress = now_ms(); /* a pause of our own is no stall */
			} else if (total - sent > piece - sent % piece) {
				limit = sent + (piece - sent % piece);
			}
		}
		want_write = false;
		while (!shut && (sent < limit || sent == total)) {
			if (sent < total) {
				ssize_t n = moat_send(conn, data + sent, (ssize_t)(limit - sent), &blocked);
				if (n > 0) {
					sent += (size_t)n;
					if (blocked == MOAT_BLOCKED_ON_WRITE) {
						want_write = true;
						break;
					}
					continue;
				}
			} else if (moat_shutdown_send(conn, &blocked) == MOAT_SUCCESS) {
				shut = true;
				break;
			}
			if (moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED)
				return fail(sent < total ? "send" : "close_notify");
			want_write = true;
			break;
		}
		uint64_t now = now_ms();
		if (sent != sent_before)
			last_progress = now;
		if (!stalled && sent < total && now - last_progress >= 500) {
			fprintf(stderr, "tls_pipe_client: stalled after sending %zu of %zu bytes\n", sent, total);
			stalled = true;
			paused = false;
		}
		if (shut)
			paused = false;
		struct pollfd p = { .fd = fd, .events = (short)((paused ? 0 : POLLIN) | (want_write ? POLLOUT : 0)) };
		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			return 1;
	}
	if (!shut) {
		fprintf(stderr, "tls_pipe_client: the server closed before we sent everything (%zu of %zu)\n", sent,
			total);
		return 1;
	}
	if (moat_connection_free(conn) < 0 || moat_config_free(config) < 0)
		return fail("free");
	close(fd);
	free(data);
	return 0;
}
