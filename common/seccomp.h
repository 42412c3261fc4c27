/*
 * The mechanics both daemons' seccomp allow-lists share; what each allows
 * is its own (keyd/sandbox.c, frontd/sandbox.c).
 *
 * A filter built here kills the whole process (SCMP_ACT_KILL_PROCESS) on
 * any call not added, and on any call from a foreign architecture (x32, or
 * i386 on x86_64: the same numbers would mean other calls); it is
 * synchronised to every thread of the process and loaded with
 * no_new_privs set. Calls are added by name and resolved for the native
 * architecture, so a name it lacks (epoll_wait on arm64) is skipped rather
 * than breaking the build. A call added more than once (with different
 * argument conditions) is allowed if any of its rules matches.
 */
#ifndef MOAT_COMMON_SECCOMP_H
#define MOAT_COMMON_SECCOMP_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct moat_seccomp;

enum moat_seccomp_op {
	MOAT_SECCOMP_EQ,        /* argument == value */
	MOAT_SECCOMP_MASKED_EQ, /* (argument & mask) == value */
	MOAT_SECCOMP_LT,        /* argument < value, as unsigned 64-bit numbers */
};

/* One condition on a syscall argument (0-based). */
struct moat_seccomp_cond {
	unsigned arg;
	enum moat_seccomp_op op;
	uint64_t mask; /* MASKED_EQ only */
	uint64_t value;
};

MOAT_MUST_USE int moat_seccomp_new(struct moat_seccomp **out);
void moat_seccomp_free(struct moat_seccomp *f);

/* Allow each named call with any arguments. */
MOAT_MUST_USE int moat_seccomp_allow(struct moat_seccomp *f, const char *const *names, size_t n);
/* Allow one call when all n conditions hold (n <= 3). */
MOAT_MUST_USE int moat_seccomp_allow_if(struct moat_seccomp *f, const char *name, const struct moat_seccomp_cond *c,
					size_t n);
/* Make a call fail with errno err instead of killing (not counted as allowed). */
MOAT_MUST_USE int moat_seccomp_refuse(struct moat_seccomp *f, const char *name, int err);

/* Set no_new_privs and load the filter on every thread; after this, only what was added can be called. */
MOAT_MUST_USE int moat_seccomp_load(struct moat_seccomp *f);

/* How many distinct calls are allowed (resolved on this architecture). */
size_t moat_seccomp_allowed(const struct moat_seccomp *f);
/* Their names, space-separated, in the order added (for a debug log and the strace tests). */
const char *moat_seccomp_names(const struct moat_seccomp *f);

#endif
