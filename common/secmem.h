/*
 * Memory for secrets: locked in RAM (mlock), excluded from core dumps
 * (MADV_DONTDUMP) and wiped when freed.
 *
 * Small blocks come from size-class slabs carved out of locked pages so that a
 * handshake's secrets do not each cost a page and a syscall; large blocks get
 * their own mapping. Both are given back to the system (and so unlocked) once
 * nothing in them is in use. If locking fails the allocation fails with
 * MOAT_ERR_MLOCK, unless:
 *   - the environment variable MOAT_DONT_MLOCK is set (to anything but "0"),
 *     in the spirit of S2N_DONT_MLOCK: then memory is never locked; or
 *   - the process opted in with moat_secmem_allow_unlocked(true): then a
 *     mapping that cannot be locked (RLIMIT_MEMLOCK reached) is kept unlocked
 *     and counted (moat_secmem_get_stats).
 * Either way the memory is still kept out of core dumps and wiped.
 */
#ifndef MOAT_COMMON_SECMEM_H
#define MOAT_COMMON_SECMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/*
 * The largest block served from a slab (secmem.c): anything bigger gets a
 * mapping of its own, which costs mmap, madvise, mlock and munmap each time.
 * A structure allocated once per connection should fit under it.
 */
#define MOAT_SECMEM_SMALL_MAX (8192u - 16u)

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

/*
 * Process-wide and off by default: when on, running out of lockable memory
 * leaves new secure mappings unlocked (still MADV_DONTDUMP, still wiped)
 * instead of failing the allocation. A daemon that must keep serving turns it
 * on (moat-frontd); one whose secrets must never reach swap leaves it off
 * (moat-keyd).
 */
void moat_secmem_allow_unlocked(bool allow);

struct moat_secmem_stats {
	size_t locked_bytes;      /* mapped and locked now */
	size_t unlocked_bytes;    /* mapped now without a lock (fallback or MOAT_DONT_MLOCK) */
	size_t in_use_bytes;      /* of the mapped bytes, those in blocks handed out (headers included) */
	uint64_t lock_failures;   /* mlock refusals since start, whether or not they fell back */
	uint64_t unlocked_maps;   /* of those, mappings kept unlocked (moat_secmem_allow_unlocked) */
};
void moat_secmem_get_stats(struct moat_secmem_stats *out);

/* Wipe n bytes in a way the compiler may not optimise away. */
void moat_wipe(void *p, size_t n);

#endif
