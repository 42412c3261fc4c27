/*
 * The secure heap.
 *
 * Why slabs: a TLS connection holds a handful of small secrets (traffic
 * secrets, key schedule state, AEAD keys). Giving each its own locked page
 * would cost a page of locked memory and two syscalls apiece, which the
 * per-connection memory budget cannot afford. So blocks up to SLAB_MAX_CHUNK
 * bytes come from power-of-two chunks carved out of 64 KiB locked mappings;
 * only larger blocks get a mapping of their own. The largest class (8 KiB)
 * is there for the per-connection blocks between one and two pages (a
 * connection's session ticket state): as mappings of their own they cost
 * four syscalls (mmap, madvise, mlock, munmap) and two page faults on every
 * handshake that makes one.
 *
 * Why slabs are given back: locked memory is capped per process
 * (RLIMIT_MEMLOCK), so a heap that only grows lets a burst of connections
 * (a flood of idle sockets) keep the cap used up long after it is gone. Each
 * slab therefore keeps its own free list and a count of chunks in use, and a
 * slab whose last chunk is freed is unmapped, which unlocks it. One empty
 * slab per class is kept back so that a server handling one connection at a
 * time does not map, lock and unmap a slab for every handshake. Slabs are
 * aligned to their size, so a chunk finds its slab by masking its address.
 *
 * Every chunk starts with a header recording its class and usable size; a
 * freed chunk is wiped whole and its header marked free, so a double free is
 * caught (and aborts: the heap's bookkeeping could not be trusted after it;
 * a second free of the last chunk of a slab that was unmapped faults instead).
 *
 * When mlock is refused (RLIMIT_MEMLOCK reached) the allocation fails, unless
 * the process opted in to keeping such mappings unlocked (secmem.h): a slab
 * records whether it is locked so the counters stay right when it goes.
 */
#include "common/secmem.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SLAB_BYTES (64u * 1024u)
#define SLAB_HEADER_BYTES 64u                 /* struct slab, rounded to keep chunks 16-byte aligned */
#define SLAB_MIN_SHIFT 5                      /* 32-byte chunks */
#define SLAB_CLASSES 9                        /* ... up to 8192 */
#define SLAB_MAX_CHUNK (1u << (SLAB_MIN_SHIFT + SLAB_CLASSES - 1))
#define SLAB_SPARES 1u                        /* empty slabs kept per class */
#define CLASS_LARGE 0xffffu

#define MAGIC_LIVE 0x6d6f6174u /* "moat" */
#define MAGIC_FREE 0x66726565u /* "free" */
#define MAGIC_SLAB 0x736c6162u /* "slab" */

struct chunk_header {
	uint32_t magic;
	uint16_t class_index;
	uint16_t locked;      /* large blocks: the mapping is locked */
	size_t size;          /* usable bytes: chunk size minus header, or the large mapping's */
};

struct free_chunk {
	struct chunk_header header;
	struct free_chunk *next;
};

/* At the start of every slab mapping; its chunks follow. */
struct slab {
	uint32_t magic;
	uint16_t class_index;
	bool locked;
	uint32_t live;              /* chunks handed out */
	struct free_chunk *free;    /* this slab's free chunks */
	struct slab *prev, *next;   /* in its class's list of slabs with a free chunk */
};

_Static_assert(sizeof(struct chunk_header) == 16, "header keeps 16-byte alignment");
_Static_assert(MOAT_SECMEM_SMALL_MAX == SLAB_MAX_CHUNK - sizeof(struct chunk_header), "secmem.h's limit is the slabs'");
_Static_assert(sizeof(struct slab) <= SLAB_HEADER_BYTES, "slab header fits its reserved bytes");

static pthread_mutex_t heap_lock = PTHREAD_MUTEX_INITIALIZER;
/* Per class: slabs with at least one free chunk (empty ones included). */
static struct slab *partial[SLAB_CLASSES];
static unsigned empty_slabs[SLAB_CLASSES];
static bool allow_unlocked;
static struct moat_secmem_stats stats;

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

void moat_secmem_allow_unlocked(bool allow)
{
	pthread_mutex_lock(&heap_lock);
	allow_unlocked = allow;
	pthread_mutex_unlock(&heap_lock);
}

void moat_secmem_get_stats(struct moat_secmem_stats *out)
{
	pthread_mutex_lock(&heap_lock);
	*out = stats;
	pthread_mutex_unlock(&heap_lock);
}

/* Called with heap_lock held. */
static void account(size_t bytes, bool locked, bool add)
{
	size_t *counter = locked ? &stats.locked_bytes : &stats.unlocked_bytes;
	if (add)
		*counter += bytes;
	else
		*counter -= bytes;
}

/*
 * A fresh mapping of bytes (a multiple of the page size), aligned to align
 * (a power of two, at least a page), out of core dumps and locked if it can
 * be. Called with heap_lock held (for the counters and allow_unlocked).
 */
static int map_secure(size_t bytes, size_t align, void **out, bool *locked)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t span = align > page ? bytes + align : bytes;
	uint8_t *raw = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ENSURE(raw != MAP_FAILED, MOAT_ERR_ALLOC);
	uint8_t *p = raw;
	if (span != bytes) {
		/* Trim the mapping to an aligned run of bytes. */
		uintptr_t a = ((uintptr_t)raw + align - 1) & ~((uintptr_t)align - 1);
		p = (uint8_t *)a;
		size_t head = (size_t)(p - raw), tail = span - head - bytes;
		if (head > 0)
			munmap(raw, head);
		if (tail > 0)
			munmap(p + bytes, tail);
	}
	if (madvise(p, bytes, MADV_DONTDUMP) != 0) {
		munmap(p, bytes);
		BAIL(MOAT_ERR_MADVISE);
	}
	*locked = false;
	/*
	 * The raw syscall, because sanitizer runtimes replace mlock() with a
	 * no-op and the sanitizer build must lock (and be tested to lock) too.
	 */
	if (moat_secmem_locking()) {
		if (syscall(SYS_mlock, p, bytes) == 0) {
			*locked = true;
		} else {
			int e = errno;
			stats.lock_failures++;
			if (!allow_unlocked || (e != ENOMEM && e != EPERM && e != EAGAIN)) {
				munmap(p, bytes);
				BAIL(MOAT_ERR_MLOCK);
			}
			stats.unlocked_maps++;
		}
	}
	account(bytes, *locked, true);
	*out = p;
	return MOAT_SUCCESS;
}

static void unmap_secure(void *p, size_t bytes, bool locked)
{
	account(bytes, locked, false);
	munmap(p, bytes);
}

static unsigned class_for(size_t n)
{
	size_t total = n + sizeof(struct chunk_header);
	unsigned c = 0;
	while (((size_t)1 << (SLAB_MIN_SHIFT + c)) < total)
		c++;
	return c;
}

static void partial_insert(struct slab *s)
{
	s->prev = NULL;
	s->next = partial[s->class_index];
	if (s->next != NULL)
		s->next->prev = s;
	partial[s->class_index] = s;
}

static void partial_remove(struct slab *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		partial[s->class_index] = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
}

/* A new slab of class_index, in the partial list. Called with heap_lock held. */
static int slab_new(unsigned class_index)
{
	void *mem;
	bool locked;
	TRY(map_secure(SLAB_BYTES, SLAB_BYTES, &mem, &locked));
	struct slab *s = mem;
	s->magic = MAGIC_SLAB;
	s->class_index = (uint16_t)class_index;
	s->locked = locked;
	size_t chunk = (size_t)1 << (SLAB_MIN_SHIFT + class_index);
	/* Chunks are handed out from the front: push them back to front. */
	size_t count = (SLAB_BYTES - SLAB_HEADER_BYTES) / chunk;
	for (size_t i = count; i-- > 0;) {
		struct free_chunk *f = (struct free_chunk *)((uint8_t *)mem + SLAB_HEADER_BYTES + i * chunk);
		f->header.magic = MAGIC_FREE;
		f->header.class_index = (uint16_t)class_index;
		f->header.size = chunk - sizeof(struct chunk_header);
		f->next = s->free;
		s->free = f;
	}
	partial_insert(s);
	empty_slabs[class_index]++;
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
		bool locked;
		pthread_mutex_lock(&heap_lock);
		int rc = map_secure(bytes, 0, &p, &locked);
		pthread_mutex_unlock(&heap_lock);
		if (rc < 0)
			return MOAT_FAILURE;
		h = p;
		h->class_index = CLASS_LARGE;
		h->locked = locked;
		h->size = bytes - sizeof(*h);
		pthread_mutex_lock(&heap_lock);
		stats.in_use_bytes += bytes;
		pthread_mutex_unlock(&heap_lock);
	} else {
		unsigned c = class_for(n);
		pthread_mutex_lock(&heap_lock);
		if (partial[c] == NULL && slab_new(c) < 0) {
			pthread_mutex_unlock(&heap_lock);
			return MOAT_FAILURE;
		}
		struct slab *s = partial[c];
		struct free_chunk *f = s->free;
		s->free = f->next;
		if (s->live++ == 0)
			empty_slabs[c]--;
		if (s->free == NULL)
			partial_remove(s);
		stats.in_use_bytes += (size_t)1 << (SLAB_MIN_SHIFT + c);
		pthread_mutex_unlock(&heap_lock);
		h = &f->header;
		/* The link pointer shares the payload: clear it so callers get zeros. */
		f->next = NULL;
	}
	h->magic = MAGIC_LIVE;
	*out = h + 1;
	return MOAT_SUCCESS;
}

static _Noreturn void corrupted(const void *p)
{
	fprintf(stderr, "moat: secure heap corrupted or double free at %p\n", p);
	abort();
}

static struct chunk_header *header_of(const void *p)
{
	struct chunk_header *h = (struct chunk_header *)p - 1;
	if (h->magic != MAGIC_LIVE)
		corrupted(p);
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
		bool locked = h->locked != 0;
		moat_wipe(h, sizeof(*h));
		pthread_mutex_lock(&heap_lock);
		stats.in_use_bytes -= bytes;
		unmap_secure(h, bytes, locked);
		pthread_mutex_unlock(&heap_lock);
		return;
	}
	struct slab *s = (struct slab *)((uintptr_t)h & ~((uintptr_t)SLAB_BYTES - 1));
	if (s->magic != MAGIC_SLAB || s->class_index != h->class_index || s->live == 0)
		corrupted(p);
	struct free_chunk *f = (struct free_chunk *)h;
	h->magic = MAGIC_FREE;
	unsigned c = s->class_index;
	pthread_mutex_lock(&heap_lock);
	stats.in_use_bytes -= (size_t)1 << (SLAB_MIN_SHIFT + c);
	if (s->free == NULL)
		partial_insert(s);
	f->next = s->free;
	s->free = f;
	if (--s->live == 0) {
		if (empty_slabs[c] >= SLAB_SPARES) {
			partial_remove(s);
			bool locked = s->locked;
			/* The chunks are wiped already; the header holds no secret. */
			unmap_secure(s, SLAB_BYTES, locked);
		} else {
			empty_slabs[c]++;
		}
	}
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
