/*
 * Reading config files and carrying out include directives.
 *
 * A file is opened once, checked with fstat on the open descriptor (so
 * what is checked is what is read), and read whole into memory before it
 * is parsed: at most MOAT_CONF_MAX_FILE_SIZE bytes, and a file that grows
 * past that while being read is refused too. O_NONBLOCK keeps a FIFO
 * planted in an include directory from hanging the daemon at start-up; the
 * regular-file check then refuses it.
 *
 * Cycles are found by device and inode of the files being read, not by
 * path, so "a.conf", "./a.conf" and a symlink to it are the same file. The
 * same file included twice side by side is not a cycle and is allowed.
 *
 * Glob matches are sorted with strcmp rather than left to glob(3), whose
 * order follows the locale: the order of included sites must not depend on
 * the environment the daemon was started in.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/conf_internal.h"

/* Where an error about a file belongs: the include line, or no location for the main file. */
#define AT_FILE(inc) ((inc) != NULL ? (inc)->file : NULL)
#define AT_LINE(inc) ((inc) != NULL ? (inc)->line : 0u)

static void close_keep_errno(int fd)
{
	int saved = errno;
	(void)close(fd);
	errno = saved;
}

/* Read all of fd into *out (malloc'd); more than the limit is an error. */
static int read_all(struct moat_conf_parse *p, const struct moat_conf_node *inc, const char *path, int fd,
		    size_t hint, char **out, size_t *out_len)
{
	char q[MOAT_CONF_QUOTE_PATH];
	size_t cap = hint + 1, len = 0;
	char *buf = malloc(cap);

	if (buf == NULL)
		CONF_FAIL_ALLOC(p->conf, AT_FILE(inc), AT_LINE(inc));
	for (;;) {
		ssize_t got;
		if (len == cap) {
			char *bigger;
			size_t new_cap = cap * 2 > MOAT_CONF_MAX_FILE_SIZE + 1 ? MOAT_CONF_MAX_FILE_SIZE + 1 : cap * 2;
			if (len > MOAT_CONF_MAX_FILE_SIZE) {
				free(buf);
				CONF_FAIL(p->conf, AT_FILE(inc), AT_LINE(inc), "%s is larger than 1 MiB",
					  QUOTE(q, path));
			}
			if ((bigger = realloc(buf, new_cap)) == NULL) {
				free(buf);
				CONF_FAIL_ALLOC(p->conf, AT_FILE(inc), AT_LINE(inc));
			}
			buf = bigger;
			cap = new_cap;
		}
		got = read(fd, buf + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int err = errno;
			free(buf);
			CONF_FAIL(p->conf, AT_FILE(inc), AT_LINE(inc), "cannot read %s: %s", QUOTE(q, path),
				  strerror(err));
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	if (len > MOAT_CONF_MAX_FILE_SIZE) {
		free(buf);
		CONF_FAIL(p->conf, AT_FILE(inc), AT_LINE(inc), "%s is larger than 1 MiB", QUOTE(q, path));
	}
	*out = buf;
	*out_len = len;
	return MOAT_SUCCESS;
}

/* Open, check and read path; the caller frees *data. */
static int load(struct moat_conf_parse *p, const struct moat_conf_node *inc, const char *path, struct stat *st,
		char **data, size_t *len)
{
	char q[MOAT_CONF_QUOTE_PATH];
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
		CONF_FAIL(p->conf, AT_FILE(inc), AT_LINE(inc), "cannot open %s: %s", QUOTE(q, path),
			  strerror(errno));
	if (fstat(fd, st) != 0) {
		int err = errno;
		close_keep_errno(fd);
		CONF_FAIL(p->conf, AT_FILE(inc), AT_LINE(inc), "cannot read %s: %s", QUOTE(q, path),
			  strerror(err));
	}
	if (!S_ISREG(st->st_mode)) {
		close_keep_errno(fd);
		CONF_FAIL(p->conf, AT_FILE(inc), AT_LINE(inc), "%s is not a regular file", QUOTE(q, path));
	}
	for (size_t i = 0; i < p->open_count; i++) {
		if (p->open_known[i] && p->open[i].dev == st->st_dev && p->open[i].ino == st->st_ino) {
			close_keep_errno(fd);
			CONF_FAIL(p->conf, AT_FILE(inc), AT_LINE(inc), "include cycle: %s is already being read",
				  QUOTE(q, path));
		}
	}
	if (st->st_size < 0 || (uint64_t)st->st_size > MOAT_CONF_MAX_FILE_SIZE) {
		close_keep_errno(fd);
		CONF_FAIL(p->conf, AT_FILE(inc), AT_LINE(inc), "%s is larger than 1 MiB", QUOTE(q, path));
	}
	rc = read_all(p, inc, path, fd, (size_t)st->st_size, data, len);
	close_keep_errno(fd);
	return rc;
}

int moat_conf_read_file_(struct moat_conf_parse *p, const struct moat_conf_node *inc, const char *path,
			 struct moat_conf_node *parent, unsigned depth)
{
	struct stat st;
	const char *file;
	char *data;
	size_t len;
	int rc;

	if (p->open_count > MOAT_CONF_MAX_INCLUDE_DEPTH)
		CONF_FAIL(p->conf, AT_FILE(inc), AT_LINE(inc), "include depth exceeds %u", MOAT_CONF_MAX_INCLUDE_DEPTH);
	TRY(load(p, inc, path, &st, &data, &len));
	if ((file = moat_conf_intern_(p->conf, path)) == NULL) {
		free(data);
		CONF_FAIL_ALLOC(p->conf, AT_FILE(inc), AT_LINE(inc));
	}
	p->open[p->open_count].dev = st.st_dev;
	p->open[p->open_count].ino = st.st_ino;
	p->open_known[p->open_count] = true;
	p->open_count++;
	rc = moat_conf_parse_text_(p, file, data, len, parent, depth);
	p->open_count--;
	free(data);
	return rc;
}

/*
 * glob(3) reports directory errors through a callback with no context
 * argument; the errno it gives is kept here for the message. A directory
 * that does not exist just matches nothing; one that cannot be read stops
 * the include, since silently skipping sites would be worse.
 */
static _Thread_local int glob_errno;

static int glob_error(const char *epath, int err)
{
	(void)epath;
	if (err == ENOENT || err == ENOTDIR)
		return 0;
	glob_errno = err;
	return 1;
}

static int by_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int moat_conf_include_(struct moat_conf_parse *p, const struct moat_conf_node *inc, struct moat_conf_node *parent,
		       unsigned depth)
{
	char path[PATH_MAX], glob_pattern[2 * PATH_MAX], q[MOAT_CONF_QUOTE_PATH];
	const char *pattern, *slash;
	size_t dir_len = 0, o = 0;
	glob_t g;
	int rc, grc;

	if (p->flags & MOAT_CONF_NO_INCLUDE)
		CONF_FAIL(p->conf, inc->file, inc->line, "include is not allowed here");
	if (inc->argc != 1)
		CONF_FAIL(p->conf, inc->file, inc->line, "include takes exactly 1 argument (a path or pattern), got %zu",
			  inc->argc);
	pattern = inc->args[0].text;
	if (pattern[0] == '\0')
		CONF_FAIL(p->conf, inc->file, inc->line, "include path is empty");
	/* The same limit as moat_conf_read_file_, but checked before a glob can expand to many files. */
	if (p->open_count > MOAT_CONF_MAX_INCLUDE_DEPTH)
		CONF_FAIL(p->conf, inc->file, inc->line, "include depth exceeds %u", MOAT_CONF_MAX_INCLUDE_DEPTH);

	/* A relative pattern is taken from the including file's directory. */
	if (pattern[0] != '/' && (slash = strrchr(inc->file, '/')) != NULL)
		dir_len = (size_t)(slash - inc->file) + 1;
	if (dir_len + strlen(pattern) >= sizeof(path))
		CONF_FAIL(p->conf, inc->file, inc->line, "include path %s is too long", QUOTE(q, pattern));
	memcpy(path, inc->file, dir_len);
	memcpy(path + dir_len, pattern, strlen(pattern) + 1);

	if (strpbrk(pattern, "*?[") == NULL)
		return moat_conf_read_file_(p, inc, path, parent, depth);

	/* The including file's directory is literal text: escape what glob would read as pattern. */
	for (size_t i = 0; i < dir_len; i++) {
		if (strchr("*?[\\", inc->file[i]) != NULL)
			glob_pattern[o++] = '\\';
		glob_pattern[o++] = inc->file[i];
	}
	memcpy(glob_pattern + o, pattern, strlen(pattern) + 1);

	memset(&g, 0, sizeof(g));
	glob_errno = 0;
	grc = glob(glob_pattern, GLOB_NOSORT, glob_error, &g);
	if (grc == GLOB_NOMATCH) {
		globfree(&g);
		return MOAT_SUCCESS;
	}
	if (grc == GLOB_NOSPACE) {
		globfree(&g);
		CONF_FAIL_ALLOC(p->conf, inc->file, inc->line);
	}
	if (grc != 0) {
		globfree(&g);
		CONF_FAIL(p->conf, inc->file, inc->line, "cannot expand %s: %s", QUOTE(q, path),
			  glob_errno != 0 ? strerror(glob_errno) : "glob failed");
	}
	qsort(g.gl_pathv, g.gl_pathc, sizeof(*g.gl_pathv), by_strcmp);
	rc = MOAT_SUCCESS;
	for (size_t i = 0; i < g.gl_pathc && rc == MOAT_SUCCESS; i++)
		rc = moat_conf_read_file_(p, inc, g.gl_pathv[i], parent, depth);
	globfree(&g);
	return rc;
}
