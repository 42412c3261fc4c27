/*
 * Memory for secrets: locked in RAM (mlock), excluded from core dumps
 * (MADV_DONTDUMP) and wiped when freed.
 *
 * Small blocks come from size-class slabs carved out of locked pages so that a
 * handshake's secrets do not each cost a page and a syscall; large blocks get
 * their own mapping. If locking fails the allocation fails with MOAT_ERR_MLOCK,
 * unless the environment variable MOAT_DONT_MLOCK is set (to anything but
 * "0"), in the spirit of S2N_DONT_MLOCK: then memory is left unlocked but is
 * still kept out of core dumps and wiped.
 */
#ifndef MOAT_COMMON_SECMEM_H
#define MOAT_COMMON_SECMEM_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

/* Allocate n zeroed bytes of secure memory. */
MOAT_MUST_USE int moat_secmem_alloc(size_t n, void **out);
/* Wipe and release; NULL is ignored. */
void moat_secmem_free(void *p);
/* Grow or shrink, wiping the old block. */
MOAT_MUST_USE int moat_secmem_realloc(void **p, size_t n);
/* Usable size of a block (at least what was asked for). */
size_t moat_secmem_size(const void *p);
/* True if secrets are being locked (MOAT_DONT_MLOCK not set). */
bool moat_secmem_locking(void);

/* Wipe n bytes in a way the compiler may not optimise away. */
void moat_wipe(void *p, size_t n);

#endif
