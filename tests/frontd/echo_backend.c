/*
 * echo_backend: the plaintext server behind frontd in its tests (never
 * installed). A process per connection with blocking I/O keeps it obviously
 * correct: it writes an optional greeting line (so a test can tell which
 * site's backend answered), echoes every byte, and on EOF from its client
 * shuts its own side down, which is the half-close frontd must carry.
 *
 * usage: echo_backend [-g GREETING] [-u UNIXPATH] [-d MS] [-b BYTES]
 * Listens on 127.0.0.1 on a free port and prints "listening on PORT"
 * (or on UNIXPATH, printing "listening on UNIXPATH").
 * -d: after the greeting, read nothing for MS milliseconds (a backend that
 * pushes back on frontd); -b: socket buffers of BYTES each way, so that
 * the kernel absorbs little of what a test sends.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
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

static void serve(int fd, const char *greeting, long delay_ms)
{
	char buf[16384];
	if (greeting != NULL && (write_all(fd, greeting, strlen(greeting)) < 0 || write_all(fd, "\n", 1) < 0))
		_exit(1);
	if (delay_ms > 0) {
		struct timespec ts = { .tv_sec = delay_ms / 1000, .tv_nsec = (delay_ms % 1000) * 1000000 };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (write_all(fd, buf, (size_t)n) < 0)
			_exit(1);
	}
	shutdown(fd, SHUT_WR);
	close(fd);
	_exit(0);
}

int main(int argc, char **argv)
{
	const char *greeting = NULL, *unix_path = NULL;
	long delay_ms = 0;
	int bufsize = 0, ch;
	while ((ch = getopt(argc, argv, "g:u:d:b:")) != -1) {
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
		default:
			fprintf(stderr, "usage: echo_backend [-g GREETING] [-u UNIXPATH] [-d MS] [-b BYTES]\n");
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
			serve(fd, greeting, delay_ms);
		}
		close(fd);
	}
}
