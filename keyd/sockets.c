/*
 * Listening sockets (see sockets.h).
 */
#include "keyd/sockets.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define BACKLOG 128

__attribute__((format(printf, 3, 4)))
static int fail(char *why, size_t why_len, const char *fmt, ...)
{
	if (why != NULL && why_len > 0) {
		va_list ap;
		va_start(ap, fmt);
		(void)vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	BAIL(MOAT_ERR_IO);
}

static int make_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	ENSURE(strlen(path) < sizeof(sun->sun_path), MOAT_ERR_INVALID_ARG);
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return MOAT_SUCCESS;
}

/* Remove a stale socket at path; fail if it is live or not a socket. */
static int clear_stale(const char *path, const struct sockaddr_un *sun, char *why, size_t why_len)
{
	struct stat st;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return MOAT_SUCCESS;
		return fail(why, why_len, "cannot stat %s: %s", path, strerror(errno));
	}
	if (!S_ISSOCK(st.st_mode))
		return fail(why, why_len, "%s exists and is not a socket; not replacing it", path);
	int probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return fail(why, why_len, "socket: %s", strerror(errno));
	int rc = connect(probe, (const struct sockaddr *)sun, sizeof(*sun));
	int err = errno;
	close(probe);
	if (rc == 0)
		return fail(why, why_len, "%s is in use by a running keyd", path);
	if (err != ECONNREFUSED)
		return fail(why, why_len, "cannot probe %s: %s", path, strerror(err));
	if (unlink(path) != 0)
		return fail(why, why_len, "cannot remove stale socket %s: %s", path, strerror(errno));
	return MOAT_SUCCESS;
}

int keyd_socket_listen(const char *path, mode_t mode, bool chown_it, uid_t owner, gid_t group, int *fd, char *why,
		       size_t why_len)
{
	struct sockaddr_un sun;
	ENSURE_REF(path);
	ENSURE_REF(fd);
	*fd = -1;
	if (make_addr(path, &sun) != MOAT_SUCCESS)
		return fail(why, why_len, "%s: path too long for a Unix socket", path);
	TRY(clear_stale(path, &sun, why, why_len));

	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return fail(why, why_len, "socket: %s", strerror(errno));
	mode_t old = umask((mode_t)(~mode & 0777));
	int rc = bind(s, (const struct sockaddr *)&sun, sizeof(sun));
	int err = errno;
	umask(old);
	if (rc != 0) {
		close(s);
		return fail(why, why_len, "cannot bind %s: %s", path, strerror(err));
	}
	if (chmod(path, mode) != 0 || (chown_it && chown(path, owner, group) != 0)) {
		err = errno;
		close(s);
		unlink(path);
		return fail(why, why_len, "cannot set owner and mode of %s: %s", path, strerror(err));
	}
	if (listen(s, BACKLOG) != 0) {
		err = errno;
		close(s);
		unlink(path);
		return fail(why, why_len, "cannot listen on %s: %s", path, strerror(err));
	}
	*fd = s;
	return MOAT_SUCCESS;
}
