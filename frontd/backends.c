/*
 * Backend choice and health (backends.h). Lists are short (the arguments
 * of one line), so every choice is a walk of the list.
 */
#include "frontd/backends.h"

#include <string.h>
#include <time.h>

uint64_t frontd_backends_clock_ms(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct frontd_backend_set *frontd_backends_for_alpn(const struct frontd_site *site, const char *alpn)
{
	struct frontd_backend_set *dflt = NULL;
	for (size_t i = 0; i < site->backend_set_count; i++) {
		struct frontd_backend_set *set = &site->backends[i];
		if (set->alpn == NULL)
			dflt = set;
		else if (alpn != NULL && strcmp(set->alpn, alpn) == 0)
			return set;
	}
	return dflt;
}

static bool skipped(const struct frontd_backend *b, uint64_t now_ms)
{
	return b->down_until_ms != 0 && now_ms < b->down_until_ms;
}

/* The first backend from index start on (wrapping) that is not skipped, else the one at start. */
static struct frontd_backend *first_usable(struct frontd_backend_set *set, size_t start, uint64_t now_ms)
{
	for (size_t k = 0; k < set->n; k++) {
		struct frontd_backend *b = &set->v[(start + k) % set->n];
		if (!skipped(b, now_ms))
			return b;
	}
	return &set->v[start % set->n];
}

struct frontd_backend *frontd_backends_pick(const struct frontd_site *site, struct frontd_backend_set *set,
					    uint64_t now_ms)
{
	if (set->n == 0)
		return NULL;
	if (site->balance == FRONTD_BALANCE_FIRST)
		return first_usable(set, 0, now_ms);
	size_t start = set->next % set->n;
	set->next = (start + 1) % set->n;
	return first_usable(set, start, now_ms);
}

struct frontd_backend *frontd_backends_next(struct frontd_backend_set *set, const struct frontd_backend *failed,
					    uint64_t now_ms)
{
	if (set->n < 2)
		return NULL;
	size_t at = (size_t)(failed - set->v);
	for (size_t k = 1; k < set->n; k++) {
		struct frontd_backend *b = &set->v[(at + k) % set->n];
		if (!skipped(b, now_ms))
			return b;
	}
	return &set->v[(at + 1) % set->n];
}

bool frontd_backend_failed(const struct frontd_site *site, struct frontd_backend *b, uint64_t now_ms)
{
	if (b->failures < UINT32_MAX)
		b->failures++;
	if (b->failures < site->backend_fail_limit)
		return false;
	/* Tried again after a skip and failed: skipped again, quietly (it was logged when it first went). */
	bool fresh = b->down_until_ms == 0;
	b->down_until_ms = now_ms + site->backend_skip_ms;
	if (b->down_until_ms == 0)
		b->down_until_ms = 1;
	return fresh;
}

bool frontd_backend_ok(struct frontd_backend *b)
{
	bool was_down = b->down_until_ms != 0;
	b->failures = 0;
	b->down_until_ms = 0;
	return was_down;
}
