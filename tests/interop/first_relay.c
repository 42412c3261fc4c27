/*
 * first_relay: a TCP relay for the interop tests (never installed) that
 * sends the first connection to one server and every later one to another.
 *
 * gnutls-cli sends 0-RTT data only when it resumes (-r), and it resumes at
 * the address it first connected to. Behind this relay its first connection
 * gets a ticket from a GnuTLS server and its resumption reaches our server,
 * which cannot open that ticket: the case of a fleet where only some servers
 * hold the ticket keys.
 *
 * usage: first_relay FIRST_PORT LATER_PORT
 * Listens on 127.0.0.1 on a free port and prints "listening on PORT". A
 * process per connection copies bytes both ways with blocking I/O and
 * passes on each side's end of stream as a half-close. When the server
 * first answers, it prints the content types of the TLS records the client
 * sent before that, e.g. "connection 2: 22 23" (a ClientHello and a 0-RTT
 * record), so a test can tell that early data went out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static int connect_to(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	return fd;
}

/* The client's records until the server first speaks: headers are followed through the byte stream. */
struct record_log {
	unsigned char hdr[5];
	size_t hdr_have;
	size_t body_left;
	char types[256];
	size_t types_len;
};

static void log_records(struct record_log *l, const unsigned char *p, size_t n)
{
	while (n > 0) {
		if (l->body_left > 0) {
			size_t k = n < l->body_left ? n : l->body_left;
			l->body_left -= k;
			p += k;
			n -= k;
			continue;
		}
		l->hdr[l->hdr_have++] = *p++;
		n--;
		if (l->hdr_have == 5) {
			l->body_left = (size_t)l->hdr[3] << 8 | l->hdr[4];
			l->hdr_have = 0;
			if (l->types_len + 5 < sizeof(l->types))
				l->types_len += (size_t)snprintf(l->types + l->types_len, sizeof(l->types) - l->types_len,
								 " %u", l->hdr[0]);
		}
	}
}

/* Copy what is readable on from to to; false once from has ended (to then gets our FIN). */
static int copy(int from, int to, struct record_log *l)
{
	unsigned char buf[16384];
	ssize_t n = read(from, buf, sizeof(buf));
	if (n < 0 && errno == EINTR)
		return 1;
	if (n <= 0) {
		shutdown(to, SHUT_WR);
		return 0;
	}
	if (l != NULL)
		log_records(l, buf, (size_t)n);
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return 0;
		off += w;
	}
	return 1;
}

static void relay(int client, int port, int number)
{
	struct record_log log = { .types_len = 0 };
	bool logging = true;
	int server = connect_to(port);
	if (server < 0)
		_exit(1);
	struct pollfd p[2] = { { .fd = client, .events = POLLIN }, { .fd = server, .events = POLLIN } };
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (p[0].revents != 0 && !copy(client, server, logging ? &log : NULL))
			p[0].fd = -1;
		if (p[1].revents != 0) {
			if (logging) {
				printf("connection %d:%s\n", number, log.types);
				fflush(stdout);
				logging = false;
			}
			if (!copy(server, client, NULL))
				p[1].fd = -1;
		}
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: first_relay FIRST_PORT LATER_PORT\n");
		return 2;
	}
	int ports[2] = { atoi(argv[1]), atoi(argv[2]) };
	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 16) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &len) < 0) {
		perror("first_relay");
		return 1;
	}
	printf("listening on %d\n", ntohs(a.sin_port));
	fflush(stdout);
	for (int n = 0;;) {
		int c = accept(lfd, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("accept");
			return 1;
		}
		if (fork() == 0) {
			close(lfd);
			relay(c, ports[n == 0 ? 0 : 1], n + 1);
		}
		close(c);
		n++;
	}
}
