/*
 * Helpers shared by the ipc/ codec files (not installed, not for callers).
 *
 * A decoder failure always raises MOAT_ERR_IPC_BAD_MESSAGE and names the
 * status keyd should answer; these macros keep that to one line per check,
 * the way TRY / ENSURE do for ordinary errors. The cursor's own error
 * (MOAT_ERR_DECODE, TRAILING_DATA) is replaced, because to keyd and frontd
 * every wire failure is the same error with a different status.
 */
#ifndef MOAT_IPC_IPC_INTERNAL_H
#define MOAT_IPC_IPC_INTERNAL_H

#include "ipc/ipc.h"

/* Raise MOAT_ERR_IPC_BAD_MESSAGE at where, store s in *st (if st), return MOAT_FAILURE. */
int moat_ipc_fail(moat_ipc_status *st, moat_ipc_status s, const char *where);
/* Set *st to OK (if st) and return MOAT_SUCCESS. */
int moat_ipc_ok(moat_ipc_status *st);

/*
 * Read a vector with a width-byte length prefix: a prefix that runs past the
 * end or a length below min is MALFORMED, a length above max TOO_LARGE.
 */
MOAT_MUST_USE int moat_ipc_get_vector(struct moat_cursor *c, unsigned width, size_t min, size_t max,
				      struct moat_cursor *out, moat_ipc_status *st);

/*
 * A key name as LIST_KEYS, KEY_ADD and KEY_REMOVE carry it: len bytes, at
 * most MOAT_IPC_KEY_NAME_MAX, no NUL and no control character (keyctl
 * prints names to a terminal and keyd writes them to its log).
 */
bool moat_ipc_key_name_ok(const char *name, size_t len);

/* Raise with status s unless cond holds. */
#define IPC_ENSURE(cond, st, s) \
	do { if (!(cond)) return moat_ipc_fail((st), (s), MOAT_HERE); } while (0)
/* A cursor read that must succeed, else MALFORMED. */
#define IPC_WIRE(x, st) IPC_ENSURE((x) == MOAT_SUCCESS, (st), MOAT_IPC_MALFORMED)

#endif
