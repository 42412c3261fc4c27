/*
 * Background start with a readiness pipe (see daemon.h).
 */
#include "keyd/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void parent_wait(int rfd, pid_t child)
{
	char c;
	ssize_t n;
	while ((n = read(rfd, &c, 1)) < 0 && errno == EINTR)
		;
	if (n == 1)
		_exit(0);
	/* The child closed the pipe without saying it serves: it failed (its error is on stderr and in the log). */
	int status = 0;
	(void)waitpid(child, &status, WNOHANG);
	_exit(1);
}

int keyd_daemon_detach(struct keyd_daemon *d)
{
	int p[2];
	ENSURE_REF(d);
	d->devnull_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ENSURE(d->devnull_fd >= 0, MOAT_ERR_IO);
	ENSURE(pipe2(p, O_CLOEXEC) == 0, MOAT_ERR_IO);
	fflush(NULL);
	pid_t pid = fork();
	ENSURE(pid >= 0, MOAT_ERR_IO);
	if (pid > 0) {
		close(p[1]);
		parent_wait(p[0], pid);
	}
	close(p[0]);
	d->ready_fd = p[1];
	ENSURE(setsid() >= 0, MOAT_ERR_IO);
	return MOAT_SUCCESS;
}

int keyd_daemon_release_stdio(struct keyd_daemon *d)
{
	ENSURE_REF(d);
	ENSURE(chdir("/") == 0, MOAT_ERR_IO);
	for (int fd = 0; fd <= 2; fd++)
		ENSURE(dup2(d->devnull_fd, fd) == fd, MOAT_ERR_IO);
	close(d->devnull_fd);
	d->devnull_fd = -1;
	return MOAT_SUCCESS;
}

void keyd_daemon_ready(struct keyd_daemon *d)
{
	char ok = 1;
	ssize_t n = write(d->ready_fd, &ok, 1);
	(void)n; /* the parent may be gone; nothing to tell it then */
	close(d->ready_fd);
	d->ready_fd = -1;
}
