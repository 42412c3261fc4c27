/*
 * libevent's smallest allocations, kept out of the heap the connections use.
 *
 * Why: libevent keeps a small record for every descriptor number it has
 * seen (its fd map) for as long as the event base lives. During a flood
 * those records are allocated between the flood's connection objects, and
 * when the flood is gone each one pins the heap page it sits on: a few MiB
 * of RSS that no malloc_trim gives back. Taking allocations of up to
 * POOL_MAX bytes from a pool of their own keeps them packed together (a
 * few hundred KiB for thousands of descriptors) and lets the heap be given
 * back whole. Everything larger goes to malloc as before.
 *
 * Every block, pooled or not, carries a header saying which it is, so free
 * and realloc need no lookup. The pool only grows, by 64 KiB at a time, up
 * to what libevent held at once; freed blocks are reused.
 */
#include <config.h>

#include "frontd/evmem.h"

#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#ifdef MOAT_SANITIZERS
#include <sanitizer/lsan_interface.h>
#endif

#define POOL_SLAB (64u * 1024u)
#define POOL_BLOCK 64u /* header included */
#define POOL_MAX (POOL_BLOCK - sizeof(struct evmem_header))
#define FROM_POOL 0x706f6f6cu   /* "pool" */
#define FROM_MALLOC 0x6d616c6cu /* "mall" */

struct evmem_header {
	uint32_t from;
	uint32_t reserved;
	size_t size; /* asked for */
};

_Static_assert(sizeof(struct evmem_header) == 16, "blocks stay 16-byte aligned");

struct free_block {
	struct free_block *next;
};

/* One event base per process, one thread: no lock. */
static struct free_block *pool_free;

static void *pool_take(void)
{
	if (pool_free == NULL) {
		uint8_t *slab = mmap(NULL, POOL_SLAB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (slab == MAP_FAILED)
			return NULL;
#ifdef MOAT_SANITIZERS
		/* LeakSanitizer does not scan mmap'd memory: blocks the pool's records point to would look leaked. */
		__lsan_register_root_region(slab, POOL_SLAB);
#endif
		for (size_t off = POOL_SLAB; off >= POOL_BLOCK; off -= POOL_BLOCK) {
			struct free_block *b = (struct free_block *)(slab + off - POOL_BLOCK);
			b->next = pool_free;
			pool_free = b;
		}
	}
	struct free_block *b = pool_free;
	pool_free = b->next;
	return b;
}

static void *evmem_malloc(size_t n)
{
	struct evmem_header *h;
	if (n <= POOL_MAX) {
		h = pool_take();
		if (h == NULL)
			return NULL;
		h->from = FROM_POOL;
	} else {
		if (n > SIZE_MAX - sizeof(*h) || (h = malloc(sizeof(*h) + n)) == NULL)
			return NULL;
		h->from = FROM_MALLOC;
	}
	h->size = n;
	return h + 1;
}

static void evmem_free(void *p)
{
	if (p == NULL)
		return;
	struct evmem_header *h = (struct evmem_header *)p - 1;
	if (h->from == FROM_POOL) {
		struct free_block *b = (struct free_block *)h;
		b->next = pool_free;
		pool_free = b;
	} else if (h->from == FROM_MALLOC) {
		free(h);
	} else {
		abort();
	}
}

static void *evmem_realloc(void *p, size_t n)
{
	if (p == NULL)
		return evmem_malloc(n);
	struct evmem_header *h = (struct evmem_header *)p - 1;
	if (h->from == FROM_POOL && n <= POOL_MAX) {
		h->size = n;
		return p;
	}
	if (h->from == FROM_MALLOC && n > POOL_MAX) {
		if (n > SIZE_MAX - sizeof(*h) || (h = realloc(h, sizeof(*h) + n)) == NULL)
			return NULL;
		h->size = n;
		return h + 1;
	}
	void *q = evmem_malloc(n);
	if (q == NULL)
		return NULL;
	memcpy(q, p, h->size < n ? h->size : n);
	evmem_free(p);
	return q;
}

void frontd_evmem_install(void)
{
	event_set_mem_functions(evmem_malloc, evmem_realloc, evmem_free);
}
