/*
 * moat-bench-backend: the plaintext server behind every terminator in the
 * benchmark. It answers the demo backend's `GET /bytes/N` (byte i of the
 * body = (i*7+3) & 0xff, the same bytes as tls/examples/moat-demo-backend) and
 * nothing else a benchmark does not need.
 *
 * Why not the demo backend itself: it forks one process per connection,
 * which is the right shape for a demo and for the end-to-end tests but not
 * for 10,000 idle connections or thousands of handshakes a second, where
 * every terminator opens a backend connection per client. The forks would
 * run on the load generator's CPU and make the benchmark measure them. This
 * one is a single epoll loop: holding a connection costs a few hundred bytes
 * and a body is sent from one precomputed buffer (the pattern repeats every
 * 256 bytes because 7 is odd), so the terminator, not the backend, is what
 * the figures describe. tests/bench/run --backend demo uses the demo backend
 * instead.
 *
 * A request must arrive whole (the load generator's GET is one short line
 * and waits for its answer before the next). A request that says
 * "Connection: keep-alive" (the kept-alive small-request scenario) gets a
 * keep-alive answer and the connection then waits for the next request;
 * any other gets "Connection: close" and the connection is closed once the
 * body is out. A connection that never sends a request (handshake-only and
 * idle scenarios) is held until the peer closes it.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "tests/bench/bench_net.h"

#define PATTERN_LEN (256u * 1024u)
#define HEAD_MAX 2048

struct client {
	int fd;
	bool sending;
	bool keep;       /* keep-alive: read the next request once this answer is out */
	uint64_t todo;   /* body bytes still to send */
	uint64_t offset; /* body bytes sent */
	size_t head_len; /* response header still to send, from head[head_off] */
	size_t head_off;
	char head[160];
	size_t in_len;
	char in[HEAD_MAX];
};

static uint8_t pattern[PATTERN_LEN + 256];
static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void drop(int epfd, struct client *c)
{
	(void)epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
}

/* Parse "GET /bytes/N ..." once the head is complete. Returns 1 ready, 0 need more, -1 bad. */
static int parse_request(struct client *c)
{
	if (c->in_len < 4 || memmem(c->in, c->in_len, "\r\n\r\n", 4) == NULL)
		return c->in_len == sizeof(c->in) ? -1 : 0;
	static const char prefix[] = "GET /bytes/";
	if (c->in_len < sizeof(prefix) - 1 || memcmp(c->in, prefix, sizeof(prefix) - 1) != 0)
		return -1;
	uint64_t n = 0;
	size_t i = sizeof(prefix) - 1;
	if (i >= c->in_len || c->in[i] < '0' || c->in[i] > '9')
		return -1;
	while (i < c->in_len && c->in[i] >= '0' && c->in[i] <= '9') {
		if (n > (UINT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (uint64_t)(c->in[i] - '0');
		i++;
	}
	c->keep = memmem(c->in, c->in_len, "\r\nConnection: keep-alive\r\n", 26) != NULL;
	int len = snprintf(c->head, sizeof(c->head),
			   "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %llu\r\n"
			   "Connection: %s\r\n\r\n",
			   (unsigned long long)n, c->keep ? "keep-alive" : "close");
	if (len < 0 || (size_t)len >= sizeof(c->head))
		return -1;
	c->head_len = (size_t)len;
	c->head_off = 0;
	c->todo = n;
	c->offset = 0;
	c->sending = true;
	return 1;
}

/* Send as much as the socket takes. Returns 1 done, 0 blocked, -1 error. */
static int send_some(struct client *c)
{
	while (c->head_off < c->head_len) {
		/* MSG_MORE: header and body leave together, not as a short segment Nagle then holds. */
		ssize_t n = send(c->fd, c->head + c->head_off, c->head_len - c->head_off,
				 MSG_NOSIGNAL | (c->todo > 0 ? MSG_MORE : 0));
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		c->head_off += (size_t)n;
	}
	while (c->todo > 0) {
		size_t start = (size_t)(c->offset % 256);
		size_t chunk = c->todo < PATTERN_LEN ? (size_t)c->todo : PATTERN_LEN;
		ssize_t n = send(c->fd, pattern + start, chunk, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		c->todo -= (uint64_t)n;
		c->offset += (uint64_t)n;
	}
	return 1;
}

static void handle(int epfd, struct client *c, uint32_t events)
{
	if (!c->sending) {
		for (;;) {
			ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
				drop(epfd, c);
				return;
			}
			if (n < 0)
				break;
			c->in_len += (size_t)n;
			int r = parse_request(c);
			if (r < 0) {
				static const char bad[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
				(void)send(c->fd, bad, sizeof(bad) - 1, MSG_NOSIGNAL);
				drop(epfd, c);
				return;
			}
			if (r == 1)
				break;
		}
		if (!c->sending)
			return;
	} else if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		return;
	}
	int r = send_some(c);
	if (r == 1 && c->keep) {
		/* Answered: wait for the next request (the client sends one at a time). */
		c->sending = false;
		c->in_len = 0;
		struct epoll_event in = { .events = EPOLLIN, .data.ptr = c };
		if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &in) < 0)
			drop(epfd, c);
		return;
	}
	if (r != 0) {
		drop(epfd, c);
		return;
	}
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		drop(epfd, c);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen_arg = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt != 'l') {
			fprintf(stderr, "usage: backend --listen IPV4:PORT (port 0: prints \"listening on PORT\")\n");
			return 2;
		}
		listen_arg = optarg;
	}
	if (listen_arg == NULL || optind != argc) {
		fprintf(stderr, "usage: backend --listen IPV4:PORT (port 0: prints \"listening on PORT\")\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)((i * 7 + 3) & 0xff);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	uint16_t port = 0;
	int lfd = bench_listen_on(listen_arg, &port);
	if (lfd < 0) {
		fprintf(stderr, "backend: cannot listen on %s: %s\n", listen_arg, strerror(errno));
		return 1;
	}
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event lev = { .events = EPOLLIN, .data.ptr = NULL };
	if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev) < 0)
		return 1;
	printf("listening on %u\n", port);
	fflush(stdout);

	struct epoll_event evs[256];
	while (!stop_flag) {
		int n = epoll_wait(epfd, evs, 256, 1000);
		for (int i = 0; i < n; i++) {
			struct client *c = evs[i].data.ptr;
			if (c != NULL) {
				handle(epfd, c, evs[i].events);
				continue;
			}
			for (;;) {
				int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
				if (fd < 0)
					break;
				/* Kept-alive answers are small: each goes out at once, not after the peer's delayed ACK. */
				int one = 1;
				(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				c = calloc(1, sizeof(*c));
				struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
				if (c == NULL || epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
					free(c);
					close(fd);
					continue;
				}
				c->fd = fd;
			}
		}
	}
	return 0;
}
