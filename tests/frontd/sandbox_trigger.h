/*
 * The test build's forbidden calls (tests/frontd/moat-frontd-test only: the
 * real moat-frontd has neither this code nor the option that runs it).
 */
#ifndef MOAT_TESTS_FRONTD_SANDBOX_TRIGGER_H
#define MOAT_TESTS_FRONTD_SANDBOX_TRIGGER_H

/*
 * Make the call named which, once the sandbox is on: the filter must kill
 * the process with SIGSYS, so this returns only to exit(3) after logging
 * what the call returned. which: open, open-write, execve, ptrace,
 * mmap-exec, mprotect-exec, socket-netlink, socket-inet, socket-inet6.
 */
void frontd_test_forbidden_syscall(const char *which) __attribute__((noreturn));

#endif
