/*
 * Listening sockets (see sockets.h).
 *
 * Why the private directory: bind(2) creates the socket file under the
 * path given, and setting its owner and mode afterwards by path (chmod,
 * chown) follows whatever is at that path by then. A user who may write to
 * the socket's directory could swap the fresh socket for a symlink to
 * /etc/shadow between bind and chown, and keyd, still root, would hand the
 * file to its user. So the socket is bound in a directory keyd creates
 * with mode 0700 beside the final path, where nobody else can plant
 * anything; its owner and mode are set there, relative to that directory
 * and without following links; then renameat2(RENAME_NOREPLACE) moves it to
 * the final name, which fails rather than replace anything that appeared
 * there meanwhile. Nothing is ever resolved through a link keyd did not
 * make.
 */
#include "keyd/sockets.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define BACKLOG 128
#define BIND_NAME "s"

void (*keyd_socket_bound_hook)(const char *path);

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

/* The directory part and the last name of path ("x" → "." and "x"). */
static int split_path(const char *path, char *dir, size_t dir_len, const char **base)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL) {
		ENSURE(dir_len >= 2, MOAT_ERR_INVALID_ARG);
		memcpy(dir, ".", 2);
		*base = path;
	} else {
		size_t n = slash == path ? 1 : (size_t)(slash - path);
		ENSURE(n < dir_len, MOAT_ERR_INVALID_ARG);
		memcpy(dir, path, n);
		dir[n] = '\0';
		*base = slash + 1;
	}
	ENSURE(**base != '\0' && strcmp(*base, ".") != 0 && strcmp(*base, "..") != 0, MOAT_ERR_INVALID_ARG);
	return MOAT_SUCCESS;
}

/* Connect to sun and close at once, sending nothing: 0 if something listens there, else the errno. */
static int probe(const struct sockaddr_un *sun, int type)
{
	int s = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (s < 0)
		return errno;
	int rc = connect(s, (const struct sockaddr *)sun, sizeof(*sun));
	int err = errno;
	close(s);
	return rc == 0 ? 0 : err;
}

bool keyd_socket_in_use(const char *path)
{
	struct sockaddr_un sun;
	struct stat st;
	if (make_addr(path, &sun) != MOAT_SUCCESS || lstat(path, &st) != 0 || !S_ISSOCK(st.st_mode))
		return false;
	return probe(&sun, SOCK_SEQPACKET) == 0;
}

/* Remove a stale socket at base in dirfd; fail if it is live or not a socket. Links are not followed. */
static int clear_stale(int dirfd, const char *base, const char *path, const struct sockaddr_un *sun, int type,
		       char *why, size_t why_len)
{
	struct stat st;
	if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT)
			return MOAT_SUCCESS;
		return fail(why, why_len, "cannot stat %s: %s", path, strerror(errno));
	}
	if (!S_ISSOCK(st.st_mode))
		return fail(why, why_len, "%s exists and is not a socket; not replacing it", path);
	int err = probe(sun, type);
	if (err == 0)
		return fail(why, why_len, "%s is in use by a running keyd", path);
	if (err != ECONNREFUSED)
		return fail(why, why_len, "cannot probe %s: %s", path, strerror(err));
	if (unlinkat(dirfd, base, 0) != 0)
		return fail(why, why_len, "cannot remove stale socket %s: %s", path, strerror(errno));
	return MOAT_SUCCESS;
}

/* bind s to BIND_NAME inside the directory tmpfd, by a relative address (any path length fits). */
static int bind_in(int tmpfd, int s, mode_t mode)
{
	struct sockaddr_un sun;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, BIND_NAME, sizeof(BIND_NAME));
	int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0)
		return -1;
	int rc = -1;
	if (fchdir(tmpfd) == 0) {
		mode_t old = umask((mode_t)(~mode & 0777));
		rc = bind(s, (const struct sockaddr *)&sun, sizeof(sun));
		int err = errno;
		umask(old);
		if (fchdir(cwd) != 0 && rc == 0) {
			err = errno;
			rc = -1;
		}
		errno = err;
	}
	int err = errno;
	close(cwd);
	errno = err;
	return rc;
}

struct tmpdir {
	int dirfd;          /* the socket's directory */
	int fd;             /* the private directory in it */
	char name[32];      /* its name in dirfd */
	bool bound;         /* BIND_NAME exists in it */
};

static void tmpdir_remove(struct tmpdir *t)
{
	if (t->fd >= 0) {
		if (t->bound)
			(void)unlinkat(t->fd, BIND_NAME, 0);
		close(t->fd);
	}
	if (t->name[0] != '\0')
		(void)unlinkat(t->dirfd, t->name, AT_REMOVEDIR);
}

/* A fresh directory, mode 0700, beside the socket: a name nobody else can predict or write into. */
static int tmpdir_make(struct tmpdir *t)
{
	for (int attempt = 0; attempt < 16; attempt++) {
		uint8_t r[6];
		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
			return -1;
		snprintf(t->name, sizeof(t->name), ".keyd-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5]);
		if (mkdirat(t->dirfd, t->name, 0700) == 0) {
			t->fd = openat(t->dirfd, t->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (t->fd < 0) {
				int err = errno;
				(void)unlinkat(t->dirfd, t->name, AT_REMOVEDIR);
				t->name[0] = '\0';
				errno = err;
				return -1;
			}
			return 0;
		}
		if (errno != EEXIST) {
			t->name[0] = '\0';
			return -1;
		}
	}
	t->name[0] = '\0';
	errno = EEXIST;
	return -1;
}

static int listen_in(struct tmpdir *t, const char *path, const char *base, mode_t mode, bool chown_it, uid_t owner,
		     gid_t group, int s, char *why, size_t why_len)
{
	if (tmpdir_make(t) != 0)
		return fail(why, why_len, "cannot make a private directory beside %s: %s", path, strerror(errno));
	if (bind_in(t->fd, s, mode) != 0)
		return fail(why, why_len, "cannot bind %s: %s", path, strerror(errno));
	t->bound = true;
	if (keyd_socket_bound_hook != NULL)
		keyd_socket_bound_hook(path);
	/* In the private directory: BIND_NAME is the socket bind made, nothing else can be there. */
	if (fchmodat(t->fd, BIND_NAME, mode, 0) != 0 ||
	    (chown_it && fchownat(t->fd, BIND_NAME, owner, group, AT_SYMLINK_NOFOLLOW) != 0))
		return fail(why, why_len, "cannot set owner and mode of %s: %s", path, strerror(errno));
	if (listen(s, BACKLOG) != 0)
		return fail(why, why_len, "cannot listen on %s: %s", path, strerror(errno));
	if (renameat2(t->fd, BIND_NAME, t->dirfd, base, RENAME_NOREPLACE) != 0) {
		if (errno == EEXIST)
			return fail(why, why_len, "%s appeared while keyd was binding it; not replacing it", path);
		return fail(why, why_len, "cannot move the socket to %s: %s", path, strerror(errno));
	}
	t->bound = false;
	return MOAT_SUCCESS;
}

static int socket_listen(const char *path, int type, mode_t mode, bool chown_it, uid_t owner, gid_t group, int *fd,
			 char *why, size_t why_len)
{
	struct sockaddr_un sun;
	char dir[PATH_MAX];
	const char *base;
	ENSURE_REF(path);
	ENSURE_REF(fd);
	*fd = -1;
	if (make_addr(path, &sun) != MOAT_SUCCESS)
		return fail(why, why_len, "%s: path too long for a Unix socket", path);
	if (split_path(path, dir, sizeof(dir), &base) != MOAT_SUCCESS)
		return fail(why, why_len, "%s: not a path to a file", path);
	struct tmpdir t = { .dirfd = -1, .fd = -1 };
	t.dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (t.dirfd < 0)
		return fail(why, why_len, "cannot open the directory of %s: %s", path, strerror(errno));
	int rc = clear_stale(t.dirfd, base, path, &sun, type, why, why_len);
	int s = -1;
	if (rc == MOAT_SUCCESS) {
		s = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (s < 0)
			rc = fail(why, why_len, "socket: %s", strerror(errno));
	}
	if (rc == MOAT_SUCCESS)
		rc = listen_in(&t, path, base, mode, chown_it, owner, group, s, why, why_len);
	int err = moat_errno;
	tmpdir_remove(&t);
	close(t.dirfd);
	if (rc != MOAT_SUCCESS) {
		if (s >= 0)
			close(s);
		moat_error_raise(err, MOAT_HERE);
		return MOAT_FAILURE;
	}
	*fd = s;
	return MOAT_SUCCESS;
}

int keyd_socket_listen(const char *path, mode_t mode, bool chown_it, uid_t owner, gid_t group, int *fd, char *why,
		       size_t why_len)
{
	return socket_listen(path, SOCK_SEQPACKET, mode, chown_it, owner, group, fd, why, why_len);
}

int keyd_socket_listen_stream(const char *path, mode_t mode, bool chown_it, uid_t owner, gid_t group, int *fd,
			      char *why, size_t why_len)
{
	return socket_listen(path, SOCK_STREAM, mode, chown_it, owner, group, fd, why, why_len);
}
