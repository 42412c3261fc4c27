/*
 * pp_relay: a stand-in for the load balancer in front of frontd in its
 * tests (never installed). It connects to 127.0.0.1:PORT, sends the bytes
 * of FILE first (a PROXY header, valid or not), then:
 *   - with -l, relays: it listens on 127.0.0.1 on a free port, prints
 *     "listening on PORT", and for each client (a process each, blocking
 *     I/O) sends FILE then copies bytes both ways, carrying each half-close;
 *   - without -l, it is the client: it sends FILE once, then reads until
 *     frontd closes (printing "closed after N bytes") or 5 s pass
 *     ("still open after N bytes", exit 1).
 * -s ADDR binds the outgoing connection to that local address first
 * (127.0.0.2: a source outside a listener's trusted list); -p N sends the
 * first N bytes of FILE, pauses 300 ms, then sends the rest (a header
 * split across TCP segments).
 *
 * usage: pp_relay [-l] [-s ADDR] [-p N] -c PORT -h FILE
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *source;
static int target_port;
static char header[70000];
static size_t header_len;
static size_t split_at; /* -p: 0 for no pause */

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int connect_target(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)target_port) };
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (source != NULL) {
		struct sockaddr_in src = { .sin_family = AF_INET };
		if (inet_pton(AF_INET, source, &src.sin_addr) != 1 || bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0) {
			close(fd);
			return -1;
		}
	}
	size_t first = split_at > 0 && split_at < header_len ? split_at : header_len;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || write_all(fd, header, first) < 0) {
		close(fd);
		return -1;
	}
	if (first < header_len) {
		struct timespec ts = { .tv_sec = 0, .tv_nsec = 300 * 1000000L };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		if (write_all(fd, header + first, header_len - first) < 0) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Copy both ways until both sides have finished. */
static void relay(int a, int b)
{
	bool a_open = true, b_open = true;
	char buf[16384];
	while (a_open || b_open) {
		struct pollfd p[2] = { { .fd = a_open ? a : -1, .events = POLLIN }, { .fd = b_open ? b : -1, .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		for (int i = 0; i < 2; i++) {
			if (p[i].revents == 0)
				continue;
			int from = i == 0 ? a : b, to = i == 0 ? b : a;
			ssize_t n = read(from, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				shutdown(to, SHUT_WR);
				if (i == 0)
					a_open = false;
				else
					b_open = false;
				if (n < 0)
					return;
				continue;
			}
			if (write_all(to, buf, (size_t)n) < 0)
				return;
		}
	}
}

static int one_shot(void)
{
	int fd = connect_target();
	if (fd < 0) {
		printf("connect failed: %s\n", strerror(errno));
		return 1;
	}
	size_t total = 0;
	char buf[4096];
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, 5000);
		if (r == 0) {
			printf("still open after %zu bytes\n", total);
			return 1;
		}
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += (size_t)n;
	}
	printf("closed after %zu bytes\n", total);
	return 0;
}

int main(int argc, char **argv)
{
	const char *file = NULL;
	bool listening = false;
	int ch;
	while ((ch = getopt(argc, argv, "lc:h:s:p:")) != -1) {
		switch (ch) {
		case 'l':
			listening = true;
			break;
		case 'c':
			target_port = atoi(optarg);
			break;
		case 'h':
			file = optarg;
			break;
		case 's':
			source = optarg;
			break;
		case 'p':
			split_at = (size_t)atol(optarg);
			break;
		default:
			fprintf(stderr, "usage: pp_relay [-l] [-s ADDR] [-p N] -c PORT -h FILE\n");
			return 2;
		}
	}
	int hfd = file != NULL ? open(file, O_RDONLY) : -1;
	ssize_t n = hfd >= 0 ? read(hfd, header, sizeof(header)) : -1;
	if (n < 0 || target_port <= 0) {
		fprintf(stderr, "pp_relay: need -c PORT and a readable -h FILE\n");
		return 2;
	}
	header_len = (size_t)n;
	close(hfd);
	signal(SIGPIPE, SIG_IGN);
	if (!listening)
		return one_shot();

	signal(SIGCHLD, SIG_IGN);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(sin);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(lfd, 64) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) < 0) {
		perror("pp_relay");
		return 1;
	}
	printf("listening on %u\n", ntohs(sin.sin_port));
	fflush(stdout);
	for (;;) {
		int cfd = accept(lfd, NULL, NULL);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return 1;
		}
		if (fork() == 0) {
			close(lfd);
			int tfd = connect_target();
			if (tfd >= 0)
				relay(cfd, tfd);
			_exit(0);
		}
		close(cfd);
	}
}
