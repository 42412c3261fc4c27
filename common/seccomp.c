/*
 * A seccomp filter built by name (see seccomp.h). The names of the allowed
 * calls are kept as they are added, so the list a daemon logs is the list
 * it loaded, not a second copy that could drift from it.
 */
#include "common/seccomp.h"

#include <seccomp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#define NAMES_MAX 2048

struct moat_seccomp {
	scmp_filter_ctx ctx;
	size_t allowed;
	size_t names_len;
	char names[NAMES_MAX];
};

int moat_seccomp_new(struct moat_seccomp **out)
{
	ENSURE_REF(out);
	struct moat_seccomp *f = calloc(1, sizeof(*f));
	ENSURE(f != NULL, MOAT_ERR_ALLOC);
	f->ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (f->ctx == NULL) {
		free(f);
		BAIL(MOAT_ERR_ALLOC);
	}
	*out = f;
	if (seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_TSYNC, 1) != 0 ||
	    seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_NNP, 1) != 0 ||
	    seccomp_attr_set(f->ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) != 0) {
		moat_seccomp_free(f);
		*out = NULL;
		BAIL(MOAT_ERR_INTERNAL);
	}
	return MOAT_SUCCESS;
}

void moat_seccomp_free(struct moat_seccomp *f)
{
	if (f == NULL)
		return;
	seccomp_release(f->ctx);
	free(f);
}

static bool listed(const struct moat_seccomp *f, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = f->names; (p = strstr(p, name)) != NULL; p += n) {
		if ((p == f->names || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	}
	return false;
}

static int note_allowed(struct moat_seccomp *f, const char *name)
{
	if (listed(f, name))
		return MOAT_SUCCESS;
	size_t n = strlen(name);
	/* The table is the program's own: running out of room is a bug to see, not a list to cut short. */
	ENSURE(f->names_len + 1 + n < sizeof(f->names), MOAT_ERR_INTERNAL);
	if (f->names_len > 0)
		f->names[f->names_len++] = ' ';
	memcpy(f->names + f->names_len, name, n + 1);
	f->names_len += n;
	f->allowed++;
	return MOAT_SUCCESS;
}

static int add(struct moat_seccomp *f, uint32_t action, const char *name, const struct scmp_arg_cmp *args, size_t n)
{
	ENSURE_REF(f);
	ENSURE_REF(name);
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return MOAT_SUCCESS; /* not a syscall on this architecture */
	ENSURE(seccomp_rule_add_array(f->ctx, action, nr, (unsigned)n, args) == 0, MOAT_ERR_INTERNAL);
	if (action == SCMP_ACT_ALLOW)
		TRY(note_allowed(f, name));
	return MOAT_SUCCESS;
}

int moat_seccomp_allow(struct moat_seccomp *f, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		TRY(add(f, SCMP_ACT_ALLOW, names[i], NULL, 0));
	return MOAT_SUCCESS;
}

int moat_seccomp_allow_if(struct moat_seccomp *f, const char *name, const struct moat_seccomp_cond *c, size_t n)
{
	ENSURE(n > 0 && n <= 3, MOAT_ERR_INVALID_ARG);
	ENSURE_REF(c);
	struct scmp_arg_cmp args[3];
	memset(args, 0, sizeof(args));
	for (size_t i = 0; i < n; i++) {
		args[i].arg = c[i].arg;
		/* libseccomp: EQ and LT compare with datum_a; MASKED_EQ masks with datum_a and compares with datum_b. */
		if (c[i].op == MOAT_SECCOMP_EQ || c[i].op == MOAT_SECCOMP_LT) {
			args[i].op = c[i].op == MOAT_SECCOMP_EQ ? SCMP_CMP_EQ : SCMP_CMP_LT;
			args[i].datum_a = c[i].value;
		} else {
			args[i].op = SCMP_CMP_MASKED_EQ;
			args[i].datum_a = c[i].mask;
			args[i].datum_b = c[i].value;
		}
	}
	return add(f, SCMP_ACT_ALLOW, name, args, n);
}

int moat_seccomp_refuse(struct moat_seccomp *f, const char *name, int err)
{
	ENSURE(err > 0, MOAT_ERR_INVALID_ARG);
	return add(f, SCMP_ACT_ERRNO((uint32_t)err), name, NULL, 0);
}

int moat_seccomp_load(struct moat_seccomp *f)
{
	ENSURE_REF(f);
	ENSURE(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, MOAT_ERR_INTERNAL);
	ENSURE(seccomp_load(f->ctx) == 0, MOAT_ERR_INTERNAL);
	return MOAT_SUCCESS;
}

size_t moat_seccomp_allowed(const struct moat_seccomp *f)
{
	return f->allowed;
}

const char *moat_seccomp_names(const struct moat_seccomp *f)
{
	return f->names;
}
