/*
 * The secure heap.
 *
 * Why slabs: a TLS connection holds a handful of small secrets (traffic
 * secrets, key schedule state, AEAD keys). Giving each its own locked page
 * would cost a page of locked memory and two syscalls apiece, which the
 * per-connection memory budget cannot afford. So blocks up to SLAB_MAX_CHUNK
 * bytes come from power-of-two chunks carved out of 64 KiB locked mappings and
 * are recycled through a free list; only larger blocks get a mapping of their
 * own. Slab mappings are never returned: locked memory in use once is kept for
 * the next connection rather than relocked.
 *
 * Every chunk starts with a header recording its class and requested size; a
 * freed chunk is wiped whole and its header marked free, so a double free is
 * caught (and aborts: the heap's bookkeeping could not be trusted after it).
 */
#include "common/secmem.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SLAB_BYTES (64u * 1024u)
#define SLAB_MIN_SHIFT 5                      /* 32-byte chunks */
#define SLAB_CLASSES 8                        /* ... up to 4096 */
#define SLAB_MAX_CHUNK (1u << (SLAB_MIN_SHIFT + SLAB_CLASSES - 1))
#define CLASS_LARGE 0xffffu

#define MAGIC_LIVE 0x6d6f6174u /* "moat" */
#define MAGIC_FREE 0x66726565u /* "free" */

struct chunk_header {
	uint32_t magic;
	uint16_t class_index;
	uint16_t reserved;
	size_t size;          /* usable bytes: chunk size minus header, or the large mapping's */
};

struct free_chunk {
	struct chunk_header header;
	struct free_chunk *next;
};

_Static_assert(sizeof(struct chunk_header) == 16, "header keeps 16-byte alignment");

static pthread_mutex_t heap_lock = PTHREAD_MUTEX_INITIALIZER;
static struct free_chunk *free_lists[SLAB_CLASSES];

void moat_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}

bool moat_secmem_locking(void)
{
	const char *v = getenv("MOAT_DONT_MLOCK");
	return v == NULL || v[0] == '\0' || strcmp(v, "0") == 0;
}

static int map_secure(size_t bytes, void **out)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ENSURE(p != MAP_FAILED, MOAT_ERR_ALLOC);
	if (madvise(p, bytes, MADV_DONTDUMP) != 0) {
		munmap(p, bytes);
		BAIL(MOAT_ERR_MADVISE);
	}
	/*
	 * The raw syscall, because sanitizer runtimes replace mlock() with a
	 * no-op and the sanitizer build must lock (and be tested to lock) too.
	 */
	if (moat_secmem_locking() && syscall(SYS_mlock, p, bytes) != 0) {
		munmap(p, bytes);
		BAIL(MOAT_ERR_MLOCK);
	}
	*out = p;
	return MOAT_SUCCESS;
}

static unsigned class_for(size_t n)
{
	size_t total = n + sizeof(struct chunk_header);
	unsigned c = 0;
	while (((size_t)1 << (SLAB_MIN_SHIFT + c)) < total)
		c++;
	return c;
}

/* Called with heap_lock held. */
static int refill(unsigned class_index)
{
	void *slab;
	TRY(map_secure(SLAB_BYTES, &slab));
	size_t chunk = (size_t)1 << (SLAB_MIN_SHIFT + class_index);
	for (size_t off = 0; off + chunk <= SLAB_BYTES; off += chunk) {
		struct free_chunk *f = (struct free_chunk *)((uint8_t *)slab + off);
		f->header.magic = MAGIC_FREE;
		f->header.class_index = (uint16_t)class_index;
		f->header.size = chunk - sizeof(struct chunk_header);
		f->next = free_lists[class_index];
		free_lists[class_index] = f;
	}
	return MOAT_SUCCESS;
}

static size_t page_round(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	return (n + page - 1) / page * page;
}

int moat_secmem_alloc(size_t n, void **out)
{
	ENSURE_REF(out);
	ENSURE(n > 0 && n <= SIZE_MAX / 2, MOAT_ERR_INVALID_ARG);
	struct chunk_header *h;
	if (n + sizeof(*h) > SLAB_MAX_CHUNK) {
		size_t bytes = page_round(n + sizeof(*h));
		void *p;
		TRY(map_secure(bytes, &p));
		h = p;
		h->class_index = CLASS_LARGE;
		h->size = bytes - sizeof(*h);
	} else {
		unsigned c = class_for(n);
		pthread_mutex_lock(&heap_lock);
		if (free_lists[c] == NULL && refill(c) < 0) {
			pthread_mutex_unlock(&heap_lock);
			return MOAT_FAILURE;
		}
		struct free_chunk *f = free_lists[c];
		free_lists[c] = f->next;
		pthread_mutex_unlock(&heap_lock);
		h = &f->header;
		/* The link pointer shares the payload: clear it so callers get zeros. */
		f->next = NULL;
	}
	h->magic = MAGIC_LIVE;
	*out = h + 1;
	return MOAT_SUCCESS;
}

static struct chunk_header *header_of(const void *p)
{
	struct chunk_header *h = (struct chunk_header *)p - 1;
	if (h->magic != MAGIC_LIVE) {
		fprintf(stderr, "moat: secure heap corrupted or double free at %p\n", p);
		abort();
	}
	return h;
}

size_t moat_secmem_size(const void *p)
{
	return p ? header_of(p)->size : 0;
}

void moat_secmem_free(void *p)
{
	if (p == NULL)
		return;
	struct chunk_header *h = header_of(p);
	moat_wipe(p, h->size);
	if (h->class_index == CLASS_LARGE) {
		size_t bytes = h->size + sizeof(*h);
		moat_wipe(h, sizeof(*h));
		munmap(h, bytes);
		return;
	}
	struct free_chunk *f = (struct free_chunk *)h;
	h->magic = MAGIC_FREE;
	pthread_mutex_lock(&heap_lock);
	f->next = free_lists[h->class_index];
	free_lists[h->class_index] = f;
	pthread_mutex_unlock(&heap_lock);
}

int moat_secmem_realloc(void **p, size_t n)
{
	ENSURE_REF(p);
	if (*p != NULL && moat_secmem_size(*p) >= n)
		return MOAT_SUCCESS;
	void *fresh;
	TRY(moat_secmem_alloc(n, &fresh));
	if (*p != NULL) {
		memcpy(fresh, *p, moat_secmem_size(*p));
		moat_secmem_free(*p);
	}
	*p = fresh;
	return MOAT_SUCCESS;
}
