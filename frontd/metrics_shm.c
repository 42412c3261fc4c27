/*
 * The shared mapping of metrics slots (metrics.h): made by the master,
 * written by one worker per slot, folded by the master, summed by any
 * worker that answers a scrape.
 *
 * A slot is an array of uint64_t: adding two slots is adding element by
 * element, which is what both the fold and the sum do. A worker increments
 * its own counters with plain stores (it is their only writer); the other
 * processes read them with relaxed atomic loads, which on every platform
 * moat runs on are single aligned 64-bit loads: a value may be one
 * increment old, never torn.
 */
#include "frontd/metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/log.h"

_Static_assert(sizeof(struct frontd_stats) % sizeof(uint64_t) == 0, "frontd_stats holds uint64_t only");
_Static_assert(sizeof(struct keyd_client_stats) % sizeof(uint64_t) == 0, "keyd_client_stats holds uint64_t only");
_Static_assert(sizeof(struct frontd_metrics_slot) % sizeof(uint64_t) == 0, "a slot holds uint64_t only");

#define SLOT_WORDS (sizeof(struct frontd_metrics_slot) / sizeof(uint64_t))

struct frontd_metrics_shm {
	uint64_t seq; /* odd while the master folds a slot into retired */
	/*
	 * Slots below this have been given to a worker at some time. A sum
	 * reads only those: reading a page of a shared anonymous mapping makes
	 * it resident, and the master takes the lowest free slot, so this stays
	 * near twice the workers while the mapping has room for many more.
	 */
	uint64_t used;
	size_t slots;
	size_t map_size;
	struct frontd_metrics_slot retired;
	struct frontd_metrics_slot slot[];
};

struct frontd_metrics_shm *frontd_metrics_shm_new(size_t slots)
{
	size_t size = sizeof(struct frontd_metrics_shm) + slots * sizeof(struct frontd_metrics_slot);
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		moat_log(MOAT_LOG_ERR, "cannot map the metrics slots (%zu bytes): %s", size, strerror(errno));
		return NULL;
	}
	struct frontd_metrics_shm *shm = p; /* zeroed by mmap */
	shm->slots = slots;
	shm->map_size = size;
	return shm;
}

void frontd_metrics_shm_free(struct frontd_metrics_shm *shm)
{
	if (shm != NULL)
		munmap(shm, shm->map_size);
}

struct frontd_metrics_slot *frontd_metrics_shm_slot(struct frontd_metrics_shm *shm, size_t slot)
{
	return shm != NULL && slot < shm->slots ? &shm->slot[slot] : NULL;
}

static uint64_t *words(struct frontd_metrics_slot *s)
{
	return (uint64_t *)(void *)s;
}

static const uint64_t *cwords(const struct frontd_metrics_slot *s)
{
	return (const uint64_t *)(const void *)s;
}

/* dst += src, element by element, reading src as another process's memory. */
static void add_slot(struct frontd_metrics_slot *dst, const struct frontd_metrics_slot *src)
{
	uint64_t *d = words(dst);
	const uint64_t *s = cwords(src);
	for (size_t i = 0; i < SLOT_WORDS; i++)
		d[i] += __atomic_load_n(&s[i], __ATOMIC_RELAXED);
}

void frontd_metrics_shm_claim(struct frontd_metrics_shm *shm, size_t slot)
{
	if (shm == NULL || slot >= shm->slots)
		return;
	if (slot + 1 > __atomic_load_n(&shm->used, __ATOMIC_RELAXED))
		__atomic_store_n(&shm->used, (uint64_t)slot + 1, __ATOMIC_RELEASE);
}

void frontd_metrics_shm_retire(struct frontd_metrics_shm *shm, size_t slot)
{
	if (shm == NULL || slot >= shm->slots)
		return;
	struct frontd_metrics_slot *s = &shm->slot[slot];
	__atomic_store_n(&shm->seq, shm->seq + 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* The worker is gone: nobody writes s now. Its gauges end with it. */
	s->connections_open = 0;
	s->secmem_locked = 0;
	uint64_t *r = words(&shm->retired), *w = words(s);
	for (size_t i = 0; i < SLOT_WORDS; i++) {
		__atomic_store_n(&r[i], r[i] + w[i], __ATOMIC_RELAXED);
		__atomic_store_n(&w[i], 0, __ATOMIC_RELAXED);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&shm->seq, shm->seq + 1, __ATOMIC_RELEASE);
}

void frontd_metrics_shm_sum(const struct frontd_metrics_shm *shm, struct frontd_metrics_slot *out)
{
	/*
	 * A fold takes microseconds and happens once per worker exit: retrying
	 * is enough. Bounded all the same: a master killed mid-fold must not
	 * hang a worker (it is stopping then anyway, PR_SET_PDEATHSIG).
	 */
	for (unsigned tries = 0;; tries++) {
		uint64_t before = __atomic_load_n(&shm->seq, __ATOMIC_ACQUIRE);
		if ((before & 1u) != 0 && tries < 1000000u)
			continue;
		memset(out, 0, sizeof(*out));
		add_slot(out, &shm->retired);
		uint64_t used = __atomic_load_n(&shm->used, __ATOMIC_ACQUIRE);
		for (size_t i = 0; i < shm->slots && i < used; i++)
			add_slot(out, &shm->slot[i]);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(&shm->seq, __ATOMIC_ACQUIRE) == before || tries >= 1000000u)
			return;
	}
}
