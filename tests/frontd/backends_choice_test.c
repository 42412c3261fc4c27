/*
 * frontd/backends.c on its own: which list a negotiated protocol gets,
 * where round robin and first start, which backend a retry goes to, and
 * when a failing backend is skipped and taken back (backends.h). The
 * daemon end to end is backends_test.
 */
#include <stdlib.h>
#include <string.h>

#include "frontd/backends.h"
#include "tests/moat_test.h"

/* A site with a list of n backends for each of alpn[0..k) (NULL: the default list). */
static struct frontd_site *site_with(const char *const *alpn, size_t k, size_t n)
{
	struct frontd_site *site = frontd_site_new("a.test");
	ATF_REQUIRE(site != NULL);
	site->backends = calloc(k, sizeof(*site->backends));
	ATF_REQUIRE(site->backends != NULL);
	for (size_t i = 0; i < k; i++) {
		struct frontd_backend_set *set = &site->backends[i];
		if (alpn[i] != NULL) {
			set->alpn = strdup(alpn[i]);
			ATF_REQUIRE(set->alpn != NULL);
		}
		set->v = calloc(n, sizeof(*set->v));
		ATF_REQUIRE(set->v != NULL);
		set->n = n;
		site->backend_set_count++;
	}
	return site;
}

static size_t index_of(const struct frontd_backend_set *set, const struct frontd_backend *b)
{
	ATF_REQUIRE(b != NULL);
	return (size_t)(b - set->v);
}

ATF_TC_WITHOUT_HEAD(by_alpn);
ATF_TC_BODY(by_alpn, tc)
{
	const char *const names[] = { "h2", NULL, "http/1.1" };
	struct frontd_site *site = site_with(names, 3, 1);
	ATF_REQUIRE(frontd_backends_for_alpn(site, "h2") == &site->backends[0]);
	ATF_REQUIRE(frontd_backends_for_alpn(site, "http/1.1") == &site->backends[2]);
	ATF_REQUIRE(frontd_backends_for_alpn(site, "imap") == &site->backends[1]);
	ATF_REQUIRE(frontd_backends_for_alpn(site, NULL) == &site->backends[1]);
	ATF_REQUIRE(frontd_backends_for_alpn(site, "H2") == &site->backends[1]); /* protocol ids are bytes */
	frontd_site_free(site);

	/* No default list: a protocol without its own, or none, has no backend. */
	const char *const only[] = { "h2" };
	site = site_with(only, 1, 1);
	ATF_REQUIRE(frontd_backends_for_alpn(site, "h2") == &site->backends[0]);
	ATF_REQUIRE(frontd_backends_for_alpn(site, NULL) == NULL);
	ATF_REQUIRE(frontd_backends_for_alpn(site, "imap") == NULL);
	frontd_site_free(site);
}

ATF_TC_WITHOUT_HEAD(round_robin);
ATF_TC_BODY(round_robin, tc)
{
	const char *const names[] = { NULL };
	struct frontd_site *site = site_with(names, 1, 3);
	struct frontd_backend_set *set = &site->backends[0];
	for (size_t i = 0; i < 7; i++)
		ATF_REQUIRE_EQ(index_of(set, frontd_backends_pick(site, set, 1000)), i % 3);
	/* A skipped backend is passed over; the turn still moves on by one. */
	set->v[1].down_until_ms = 5000;
	set->next = 0;
	ATF_REQUIRE_EQ(index_of(set, frontd_backends_pick(site, set, 1000)), 0);
	ATF_REQUIRE_EQ(index_of(set, frontd_backends_pick(site, set, 1000)), 2);
	ATF_REQUIRE_EQ(index_of(set, frontd_backends_pick(site, set, 1000)), 2);
	ATF_REQUIRE_EQ(index_of(set, frontd_backends_pick(site, set, 1000)), 0);
	/* Once its time is over it takes its turn again. */
	ATF_REQUIRE_EQ(index_of(set, frontd_backends_pick(site, set, 5000)), 1);
	frontd_site_free(site);
}

ATF_TC_WITHOUT_HEAD(first);
ATF_TC_BODY(first, tc)
{
	const char *const names[] = { NULL };
	struct frontd_site *site = site_with(names, 1, 3);
	struct frontd_backend_set *set = &site->backends[0];
	site->balance = FRONTD_BALANCE_FIRST;
	for (int i = 0; i < 3; i++)
		ATF_REQUIRE_EQ(index_of(set, frontd_backends_pick(site, set, 1000)), 0);
	set->v[0].down_until_ms = 5000;
	ATF_REQUIRE_EQ(index_of(set, frontd_backends_pick(site, set, 1000)), 1);
	set->v[1].down_until_ms = 5000;
	ATF_REQUIRE_EQ(index_of(set, frontd_backends_pick(site, set, 1000)), 2);
	/* All skipped: tried anyway, from the first. */
	set->v[2].down_until_ms = 5000;
	ATF_REQUIRE_EQ(index_of(set, frontd_backends_pick(site, set, 1000)), 0);
	frontd_site_free(site);
}

ATF_TC_WITHOUT_HEAD(retry_next);
ATF_TC_BODY(retry_next, tc)
{
	const char *const names[] = { NULL };
	struct frontd_site *site = site_with(names, 1, 3);
	struct frontd_backend_set *set = &site->backends[0];
	ATF_REQUIRE_EQ(index_of(set, frontd_backends_next(set, &set->v[0], 1000)), 1);
	ATF_REQUIRE_EQ(index_of(set, frontd_backends_next(set, &set->v[2], 1000)), 0);
	set->v[1].down_until_ms = 5000;
	ATF_REQUIRE_EQ(index_of(set, frontd_backends_next(set, &set->v[0], 1000)), 2);
	/* Every other one skipped: the next one all the same, never the one that failed. */
	set->v[2].down_until_ms = 5000;
	ATF_REQUIRE_EQ(index_of(set, frontd_backends_next(set, &set->v[0], 1000)), 1);
	frontd_site_free(site);

	/* A list of one has nothing to retry on. */
	site = site_with(names, 1, 1);
	ATF_REQUIRE(frontd_backends_next(&site->backends[0], &site->backends[0].v[0], 1000) == NULL);
	frontd_site_free(site);
}

ATF_TC_WITHOUT_HEAD(health);
ATF_TC_BODY(health, tc)
{
	const char *const names[] = { NULL };
	struct frontd_site *site = site_with(names, 1, 1);
	struct frontd_backend *b = &site->backends[0].v[0];
	site->backend_fail_limit = 3;
	site->backend_skip_ms = 10000;
	ATF_REQUIRE(!frontd_backend_failed(site, b, 100));
	ATF_REQUIRE(!frontd_backend_failed(site, b, 200));
	ATF_REQUIRE_EQ(b->down_until_ms, 0);
	/* The third in a row: skipped for 10 s from now, said once. */
	ATF_REQUIRE(frontd_backend_failed(site, b, 300));
	ATF_REQUIRE_EQ(b->down_until_ms, 10300);
	/* Tried after the skip and failing again: skipped again at once, quietly. */
	ATF_REQUIRE(!frontd_backend_failed(site, b, 10400));
	ATF_REQUIRE_EQ(b->down_until_ms, 20400);
	/* A success clears it, and says it was back. */
	ATF_REQUIRE(frontd_backend_ok(b));
	ATF_REQUIRE_EQ(b->failures, 0);
	ATF_REQUIRE_EQ(b->down_until_ms, 0);
	ATF_REQUIRE(!frontd_backend_ok(b));
	/* Failures that are not in a row do not add up. */
	ATF_REQUIRE(!frontd_backend_failed(site, b, 30000));
	ATF_REQUIRE(!frontd_backend_failed(site, b, 30001));
	ATF_REQUIRE(!frontd_backend_ok(b));
	ATF_REQUIRE(!frontd_backend_failed(site, b, 30002));
	ATF_REQUIRE_EQ(b->down_until_ms, 0);
	frontd_site_free(site);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, by_alpn);
	ATF_TP_ADD_TC(tp, round_robin);
	ATF_TP_ADD_TC(tp, first);
	ATF_TP_ADD_TC(tp, retry_next);
	ATF_TP_ADD_TC(tp, health);
	return atf_no_error();
}
