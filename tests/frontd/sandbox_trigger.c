/*
 * Forbidden calls for the sandbox tests (see sandbox_trigger.h). Each is
 * made the way an attacker's code would make it, through the C library, and
 * each "returned" line is what the tests look for to tell a call the filter
 * let through from one it killed.
 */
#include "tests/frontd/sandbox_trigger.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"

static void socket_of(int family)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	moat_log(MOAT_LOG_ERR, "test build: socket returned %d (%s)", fd, fd < 0 ? strerror(errno) : "made");
}

void frontd_test_forbidden_syscall(const char *which)
{
	moat_log(MOAT_LOG_NOTICE, "test build: trying forbidden syscall %s", which);
	if (strcmp(which, "open") == 0) {
		int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
		moat_log(MOAT_LOG_ERR, "test build: open returned %d (%s)", fd, fd < 0 ? strerror(errno) : "opened");
	} else if (strcmp(which, "open-write") == 0) {
		int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		moat_log(MOAT_LOG_ERR, "test build: open-write returned %d (%s)", fd, fd < 0 ? strerror(errno) : "opened");
	} else if (strcmp(which, "execve") == 0) {
		char *const args[] = { (char *)"true", NULL };
		execve("/bin/true", args, NULL);
		moat_log(MOAT_LOG_ERR, "test build: execve returned: %s", strerror(errno));
	} else if (strcmp(which, "ptrace") == 0) {
		long r = ptrace(PTRACE_ATTACH, getppid(), NULL, NULL);
		moat_log(MOAT_LOG_ERR, "test build: ptrace returned %ld (%s)", r, r < 0 ? strerror(errno) : "attached");
	} else if (strcmp(which, "mmap-exec") == 0) {
		/* mmap is allowed, but never with PROT_EXEC: the argument condition must kill too. */
		void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		moat_log(MOAT_LOG_ERR, "test build: mmap-exec returned %p", p);
	} else if (strcmp(which, "mprotect-exec") == 0) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		int r = p == MAP_FAILED ? -1 : mprotect(p, 4096, PROT_READ | PROT_EXEC);
		moat_log(MOAT_LOG_ERR, "test build: mprotect-exec returned %d", r);
	} else if (strcmp(which, "socket-netlink") == 0) {
		socket_of(AF_NETLINK);
	} else if (strcmp(which, "socket-inet") == 0) {
		socket_of(AF_INET);
	} else if (strcmp(which, "socket-inet6") == 0) {
		socket_of(AF_INET6);
	} else {
		moat_log(MOAT_LOG_ERR, "test build: unknown forbidden syscall \"%s\"", which);
	}
	exit(3);
}
