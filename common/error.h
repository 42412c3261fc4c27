/*
 * moat's one error convention, as the library and the daemons write it.
 *
 * The codes, types, moat_errno and the functions that describe an error are
 * in common/error_public.h (what applications see through tls/moat.h). This
 * header adds what raises errors, for moat's own sources only:
 *
 * The guard macros keep failure paths to one line:
 *   TRY(f(x));                      propagate a failure unchanged
 *   ENSURE(n <= max, MOAT_ERR_X);   raise X unless the condition holds
 *   BAIL(MOAT_ERR_X);               raise X
 *   ENSURE_REF(p);                  raise NULL_ARG when p is NULL
 *   TRY_OSSL(EVP_x(...), ERR);      libcrypto's 1-is-success convention
 * Functions returning pointers use the *_PTR variants, which return NULL.
 */
#ifndef MOAT_COMMON_ERROR_H
#define MOAT_COMMON_ERROR_H

#include "common/error_public.h"

/* Raise: record code and location. Used by the macros; callable directly. */
void moat_error_raise(int error, const char *where);

#define MOAT_STR_(x) #x
#define MOAT_XSTR_(x) MOAT_STR_(x)
#define MOAT_HERE __FILE__ ":" MOAT_XSTR_(__LINE__)

#define BAIL(err) \
	do { moat_error_raise((err), MOAT_HERE); return MOAT_FAILURE; } while (0)
#define ENSURE(cond, err) \
	do { if (!(cond)) BAIL(err); } while (0)
#define ENSURE_REF(p) ENSURE((p) != NULL, MOAT_ERR_NULL_ARG)
#define TRY(x) \
	do { if ((x) < 0) return MOAT_FAILURE; } while (0)
#define TRY_OSSL(x, err) ENSURE((x) == 1, err)

#define BAIL_PTR(err) \
	do { moat_error_raise((err), MOAT_HERE); return NULL; } while (0)
#define ENSURE_PTR(cond, err) \
	do { if (!(cond)) BAIL_PTR(err); } while (0)
#define TRY_PTR(x) \
	do { if ((x) < 0) return NULL; } while (0)

#endif
