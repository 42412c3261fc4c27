/*
 * tls_pipe_client: a TLS client for frontd's tests (never installed) that
 * does what openssl s_client cannot: send a file, then half-close (our
 * close_notify, with the read side still open) and read everything the
 * server sends until its own close. Sending and receiving interleave in one
 * poll loop, so a large transfer through an echo backend cannot deadlock.
 * Received bytes go to stdout; the test compares them.
 *
 * usage: tls_pipe_client -c 127.0.0.1:PORT -n SERVER_NAME -a CA.pem -s FILE [-t SECONDS]
 * Exit 0 when the server closed after we sent everything, 1 on any error.
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

static int connect_to(const char *hostport)
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
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -1;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
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
	while ((ch = getopt(argc, argv, "c:n:a:s:t:")) != -1) {
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
		default:
			return 2;
		}
	}
	if (target == NULL || name == NULL || ca == NULL || file == NULL) {
		fprintf(stderr, "usage: tls_pipe_client -c HOST:PORT -n NAME -a CA -s FILE [-t SECONDS]\n");
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

	int fd = connect_to(target);
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

	bool shut = false, eof = false, want_write = false;
	uint8_t buf[16384];
	while (!eof) {
		if (time(NULL) > deadline) {
			fprintf(stderr, "tls_pipe_client: timed out (sent %zu of %zu)\n", sent, total);
			return 1;
		}
		/* Receive whatever is there. */
		for (;;) {
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
		/* Send what the socket takes, then half-close. */
		want_write = false;
		while (!shut) {
			if (sent < total) {
				ssize_t n = moat_send(conn, data + sent, (ssize_t)(total - sent), &blocked);
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
		struct pollfd p = { .fd = fd, .events = (short)(POLLIN | (want_write ? POLLOUT : 0)) };
		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
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
