/*
 * The listening socket the bench's plain TCP programs share (backend,
 * kfloor, uring_relay): each is one file of its own built without moat's
 * libraries, so this is a header of static functions rather than a library.
 */
#ifndef MOAT_TESTS_BENCH_NET_H
#define MOAT_TESTS_BENCH_NET_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* "127.0.0.1:8080" into sin; 0, or -1 if it is no IPv4 address and port. */
static inline int bench_parse_addr(const char *hostport, struct sockaddr_in *sin)
{
	char host[64];
	const char *colon = strrchr(hostport, ':');
	if (colon == NULL || (size_t)(colon - hostport) >= sizeof(host))
		return -1;
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = '\0';
	char *end;
	long p = strtol(colon + 1, &end, 10);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (*end != '\0' || inet_pton(AF_INET, host, &sin->sin_addr) != 1 || p < 0 || p > 65535)
		return -1;
	sin->sin_port = htons((uint16_t)p);
	return 0;
}

/* A non-blocking listening socket on addr (port 0: any); its port in *port. The fd, or -1. */
static inline int bench_listen(const struct sockaddr_in *addr, uint16_t *port)
{
	struct sockaddr_in sin = *addr;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	socklen_t len = sizeof(sin);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 4096) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

/* bench_listen on "host:port". */
static inline int bench_listen_on(const char *hostport, uint16_t *port)
{
	struct sockaddr_in sin;
	if (bench_parse_addr(hostport, &sin) < 0)
		return -1;
	return bench_listen(&sin, port);
}

#endif
