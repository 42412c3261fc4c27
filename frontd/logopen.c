/*
 * Reopening the access log from inside the sandbox.
 *
 * logrotate moves the file away and signals frontd (SIGUSR1), which must
 * then open the same name again. The sandboxed frontd may not open files
 * (sandbox.h), and allowing open or openat for this one purpose would give
 * code running in frontd a way to append to any file its user may write:
 * seccomp sees the arguments' values, not the path a pointer points to,
 * so it cannot hold the call to one name, and a directory descriptor with
 * openat does not stop "../" or an absolute path.
 *
 * So the one name is held by someone else: a helper process forked before
 * the sandbox, which keeps nothing of frontd but one socket. For each
 * byte it reads it opens the configured path (append, create 0640) and
 * sends back a 4-byte errno and, on success, the descriptor (SCM_RIGHTS).
 * What frontd sends it chooses nothing, so a compromised frontd can make it
 * open that file again and nothing else. The helper runs as frontd's user
 * (it is forked after the privilege drop), is not dumpable, and has its
 * own seccomp allow-list: reading its socket, opening, sending, exiting.
 * It leaves when frontd closes the socket or dies (PR_SET_PDEATHSIG).
 */
#include "frontd/accesslog.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/seccomp.h"

int frontd_logopen_file(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
}

static void answer(int sock, int fd, int32_t err)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = &err, .iov_len = sizeof(err) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.space;
		msg.msg_controllen = sizeof(ctl.space);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

static int helper_sandbox(void)
{
	static const char *const calls[] = {
		"read", "open", "openat", "sendmsg", "close", "exit_group", "exit", "rt_sigreturn", "restart_syscall",
	};
	struct moat_seccomp *f = NULL;
	TRY(moat_seccomp_new(&f));
	int rc = moat_seccomp_allow(f, calls, sizeof(calls) / sizeof(calls[0]));
	if (rc == MOAT_SUCCESS)
		rc = moat_seccomp_load(f);
	moat_seccomp_free(f);
	return rc;
}

static void helper(const char *path, int sock, pid_t parent)
{
	/* frontd's handlers write to its event loop's descriptors, which are closed below. */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != parent)
		_exit(0);
	(void)prctl(PR_SET_NAME, "frontd-logopen", 0, 0, 0);
	/* Nothing of frontd's: no listener, no client, no keyd socket. stdio stays (/dev/null once daemonized). */
	struct rlimit rl;
	int top = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ? (int)rl.rlim_cur : 65536;
	for (int fd = 3; fd < top; fd++)
		if (fd != sock)
			close(fd);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || helper_sandbox() != MOAT_SUCCESS)
		_exit(1);
	for (;;) {
		char req;
		ssize_t n = read(sock, &req, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0);
		int fd = frontd_logopen_file(path);
		answer(sock, fd, fd < 0 ? errno : 0);
		if (fd >= 0)
			close(fd);
	}
}

int frontd_logopen_start(const char *path, int *sock, pid_t *pid)
{
	int sv[2];
	ENSURE(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0, MOAT_ERR_IO);
	pid_t parent = getpid();
	pid_t p = fork();
	if (p < 0) {
		close(sv[0]);
		close(sv[1]);
		BAIL(MOAT_ERR_IO);
	}
	if (p == 0) {
		close(sv[0]);
		helper(path, sv[1], parent);
		_exit(0);
	}
	close(sv[1]);
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0) {
		close(sv[0]);
		BAIL(MOAT_ERR_IO);
	}
	*sock = sv[0];
	*pid = p;
	return MOAT_SUCCESS;
}
