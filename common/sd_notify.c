/*
 * The notify protocol (see sd_notify.h): one connected datagram socket,
 * one datagram per message. systemd learns the sender's pid from the
 * credentials the kernel attaches (its socket has SO_PASSCRED), so nothing
 * but the text is sent.
 */
#include "common/sd_notify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define NOTIFY_MAX 1024

static int notify_addr(const char *name, struct sockaddr_un *sun, socklen_t *len)
{
	size_t n = strlen(name);
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	/* A path, or '@' for the abstract namespace, whose name starts with a NUL and is not NUL-terminated. */
	ENSURE(name[0] == '/' || name[0] == '@', MOAT_ERR_INVALID_ARG);
	ENSURE(n >= 2 && n < sizeof(sun->sun_path), MOAT_ERR_INVALID_ARG);
	memcpy(sun->sun_path, name, n);
	if (name[0] == '@')
		sun->sun_path[0] = '\0';
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (name[0] == '/' ? 1 : 0));
	return MOAT_SUCCESS;
}

int moat_sd_notify_open(int fd_at, int *fd)
{
	ENSURE_REF(fd);
	*fd = -1;
	const char *name = getenv("NOTIFY_SOCKET");
	if (name == NULL || name[0] == '\0')
		return MOAT_SUCCESS;
	struct sockaddr_un sun;
	socklen_t len = 0;
	TRY(notify_addr(name, &sun, &len));
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ENSURE(s >= 0, MOAT_ERR_IO);
	if (connect(s, (const struct sockaddr *)&sun, len) != 0) {
		int err = errno;
		close(s);
		errno = err;
		BAIL(MOAT_ERR_IO);
	}
	if (fd_at >= 0 && s != fd_at) {
		int moved = dup3(s, fd_at, O_CLOEXEC);
		int err = errno;
		close(s);
		errno = err;
		ENSURE(moved == fd_at, MOAT_ERR_IO);
		s = moved;
	}
	(void)unsetenv("NOTIFY_SOCKET");
	*fd = s;
	return MOAT_SUCCESS;
}

int moat_sd_notify(int fd, const char *state)
{
	ENSURE_REF(state);
	if (fd < 0)
		return MOAT_SUCCESS;
	size_t n = strlen(state);
	ssize_t sent;
	/* A datagram goes whole or not at all; MSG_DONTWAIT: a stalled manager must not stall the daemon. */
	while ((sent = send(fd, state, n, MSG_NOSIGNAL | MSG_DONTWAIT)) < 0 && errno == EINTR)
		;
	ENSURE(sent == (ssize_t)n, MOAT_ERR_IO);
	return MOAT_SUCCESS;
}

int moat_sd_notifyf(int fd, const char *fmt, ...)
{
	char msg[NOTIFY_MAX];
	if (fd < 0)
		return MOAT_SUCCESS;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ENSURE(n >= 0 && (size_t)n < sizeof(msg), MOAT_ERR_INVALID_ARG);
	return moat_sd_notify(fd, msg);
}
