/*
 * moat-bench-kfloor: the kernel floor of the benchmark (issue 16). A TCP
 * server that does what a TLS terminator's kernel side does for one full
 * handshake and nothing else: accept, read a ClientHello's worth of bytes,
 * write one fixed flight of the size of moat's server flight, close. No TLS,
 * no backend connection, no event library: one epoll loop.
 *
 * The harness runs it pinned to the servers' CPU, drives it with the load
 * generator's raw mode (tests/bench/loadgen --mode raw: writes that many
 * filler bytes, reads until the close) and reads its CPU from /proc as for
 * the servers. The crypto floor (tests/bench/floor) counts no system call;
 * this one counts nothing but: moat's CPU per handshake minus both floors
 * is what moat's own code costs, "what is ours to cut".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/bench/bench_net.h"

#define FLIGHT_MAX 65536

struct client {
	int fd;
	size_t got;  /* bytes of the ClientHello read */
	size_t sent; /* bytes of the flight written */
};

static size_t hello_bytes = 256;
static size_t flight_bytes = 1024;
static uint8_t flight[FLIGHT_MAX];
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

/* Read the ClientHello's bytes, then write the flight, then close: as far as the socket allows now. */
static void handle(int epfd, struct client *c)
{
	uint8_t buf[4096];
	while (c->got < hello_bytes) {
		size_t want = hello_bytes - c->got < sizeof(buf) ? hello_bytes - c->got : sizeof(buf);
		ssize_t n = recv(c->fd, buf, want, 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			drop(epfd, c);
			return;
		}
		c->got += (size_t)n;
	}
	while (c->sent < flight_bytes) {
		ssize_t n = send(c->fd, flight + c->sent, flight_bytes - c->sent, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };
			if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
				drop(epfd, c);
			return;
		}
		if (n < 0) {
			drop(epfd, c);
			return;
		}
		c->sent += (size_t)n;
	}
	drop(epfd, c);
}

static size_t parse_size(const char *arg, size_t max)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || (unsigned long)v > max) {
		fprintf(stderr, "kfloor: bad size '%s' (1 to %zu)\n", arg, max);
		exit(2);
	}
	return (size_t)v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "hello-bytes", required_argument, NULL, 'h' },
		{ "flight-bytes", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen_arg = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			listen_arg = optarg;
			break;
		case 'h':
			hello_bytes = parse_size(optarg, SIZE_MAX / 2);
			break;
		case 'f':
			flight_bytes = parse_size(optarg, FLIGHT_MAX);
			break;
		default:
			listen_arg = NULL;
			optind = argc + 1;
			break;
		}
	}
	if (listen_arg == NULL || optind != argc) {
		fprintf(stderr, "usage: kfloor --listen IPV4:PORT [--hello-bytes N] [--flight-bytes N]\n"
				"(port 0: prints \"listening on PORT\")\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(flight); i++)
		flight[i] = (uint8_t)(i * 7 + 3);
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
		fprintf(stderr, "kfloor: cannot listen on %s: %s\n", listen_arg, strerror(errno));
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
				handle(epfd, c);
				continue;
			}
			for (;;) {
				int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
				if (fd < 0)
					break;
				/* As the terminators do: the flight goes out at once, not held for more. */
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
				/* The ClientHello is often there already: no wait for the next epoll round. */
				handle(epfd, c);
			}
		}
	}
	return 0;
}
