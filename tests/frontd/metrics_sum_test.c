/*
 * frontd's metrics slots (frontd/metrics.h) without a daemon: the sum over
 * any number of slots, the fold of an exited worker's slot into the
 * retired total (counters never go down, gauges leave with the worker),
 * the histograms' buckets, and the exposition writer's escaping.
 */
#include <string.h>

#include "common/metrics_http.h"
#include "frontd/metrics.h"
#include "tls/moat.h"
#include "tests/moat_test.h"

#define SLOTS 5

static const char *render(const struct frontd_metrics_slot *sum, struct moat_buf *b)
{
	moat_buf_reset(b);
	EXPECT_OK(frontd_metrics_render(sum, b));
	EXPECT_OK(moat_buf_put_u8(b, 0));
	return (const char *)b->data;
}

ATF_TC_WITHOUT_HEAD(sum_and_retire);
ATF_TC_BODY(sum_and_retire, tc)
{
	struct frontd_metrics_shm *shm = frontd_metrics_shm_new(SLOTS);
	ATF_REQUIRE(shm != NULL);
	ATF_REQUIRE(frontd_metrics_shm_slot(shm, SLOTS) == NULL);
	struct frontd_server srv[SLOTS];
	for (size_t i = 0; i < SLOTS; i++) {
		memset(&srv[i], 0, sizeof(srv[i]));
		/* The last slot is not claimed yet: its counts are not summed (the master claims before a worker starts). */
		if (i < SLOTS - 1)
			frontd_metrics_shm_claim(shm, i);
		EXPECT_OK(frontd_metrics_attach(&srv[i], shm, i));
		ATF_REQUIRE(srv[i].metrics == frontd_metrics_shm_slot(shm, i));
		srv[i].stats->handshakes = i + 1;
		srv[i].conn_count = 10;
		frontd_metrics_gauges(&srv[i]);
		frontd_metrics_conn_gone(&srv[i], 100, 1000);
	}
	struct frontd_metrics_slot sum;
	frontd_metrics_shm_sum(shm, &sum);
	ATF_REQUIRE_EQ(sum.stats.handshakes, 1 + 2 + 3 + 4);
	frontd_metrics_shm_claim(shm, SLOTS - 1);
	frontd_metrics_shm_claim(shm, 1); /* a lower slot again: the bound stays */
	frontd_metrics_shm_sum(shm, &sum);
	ATF_REQUIRE_EQ(sum.stats.handshakes, 1 + 2 + 3 + 4 + 5);
	ATF_REQUIRE_EQ(sum.connections_open, 10 * SLOTS);
	ATF_REQUIRE_EQ(sum.bytes_in, 100 * SLOTS);

	/* Worker 2 exits: its counters stay in the sum, its connections do not; its slot starts again at 0. */
	frontd_metrics_shm_retire(shm, 2);
	frontd_metrics_shm_sum(shm, &sum);
	ATF_REQUIRE_EQ(sum.stats.handshakes, 15);
	ATF_REQUIRE_EQ(sum.connections_open, 10 * (SLOTS - 1));
	ATF_REQUIRE_EQ(sum.bytes_out, 1000 * SLOTS);
	ATF_REQUIRE_EQ(srv[2].metrics->stats.handshakes, 0);
	srv[2].stats->handshakes = 7; /* its successor */
	frontd_metrics_shm_sum(shm, &sum);
	ATF_REQUIRE_EQ(sum.stats.handshakes, 22);
	/* Every worker gone: the retired total is all there is. */
	for (size_t i = 0; i < SLOTS; i++)
		frontd_metrics_shm_retire(shm, i);
	frontd_metrics_shm_sum(shm, &sum);
	ATF_REQUIRE_EQ(sum.stats.handshakes, 22);
	ATF_REQUIRE_EQ(sum.connections_open, 0);
	for (size_t i = 0; i < SLOTS; i++)
		frontd_metrics_detach(&srv[i]);
	frontd_metrics_shm_free(shm);
}

ATF_TC_WITHOUT_HEAD(histograms_and_suites);
ATF_TC_BODY(histograms_and_suites, tc)
{
	struct frontd_server srv;
	memset(&srv, 0, sizeof(srv));
	EXPECT_OK(frontd_metrics_attach(&srv, NULL, 0)); /* no mapping: a slot of its own */
	ATF_REQUIRE(srv.metrics_own != NULL);
	srv.stats->handshakes = 3;
	frontd_metrics_handshake_done(&srv, MOAT_TLS13, "TLS_AES_128_GCM_SHA256", 400);     /* 0.4 ms */
	frontd_metrics_handshake_done(&srv, MOAT_TLS13, "TLS_AES_128_GCM_SHA256", 20000);   /* 20 ms */
	frontd_metrics_handshake_done(&srv, MOAT_TLS12, "ECDHE-ECDSA-AES128-GCM-SHA256", 9000000); /* 9 s: +Inf */
	frontd_metrics_handshake_done(&srv, MOAT_TLS12, "NO-SUCH-SUITE", -1); /* neither counted nor observed */
	struct moat_buf b;
	moat_buf_init(&b, 1u << 20);
	const char *text = render(srv.metrics, &b);
	ATF_REQUIRE(strstr(text, "# TYPE moat_frontd_handshakes_total counter\nmoat_frontd_handshakes_total 3\n") != NULL);
	ATF_REQUIRE(strstr(text, "moat_frontd_handshakes_by_suite_total{version=\"TLSv1.3\",suite=\"TLS_AES_128_GCM_SHA256\"} 2\n") != NULL);
	ATF_REQUIRE(strstr(text, "moat_frontd_handshakes_by_suite_total{version=\"TLSv1.2\",suite=\"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\"} 1\n") != NULL);
	ATF_REQUIRE(strstr(text, "moat_frontd_handshake_duration_seconds_bucket{le=\"0.0005\"} 1\n") != NULL);
	ATF_REQUIRE(strstr(text, "moat_frontd_handshake_duration_seconds_bucket{le=\"0.01\"} 1\n") != NULL);
	ATF_REQUIRE(strstr(text, "moat_frontd_handshake_duration_seconds_bucket{le=\"0.025\"} 2\n") != NULL);
	ATF_REQUIRE(strstr(text, "moat_frontd_handshake_duration_seconds_bucket{le=\"2.5\"} 2\n") != NULL);
	ATF_REQUIRE(strstr(text, "moat_frontd_handshake_duration_seconds_bucket{le=\"+Inf\"} 3\n") != NULL);
	ATF_REQUIRE(strstr(text, "moat_frontd_handshake_duration_seconds_sum 9.0204\n") != NULL);
	ATF_REQUIRE(strstr(text, "moat_frontd_handshake_duration_seconds_count 3\n") != NULL);
	moat_buf_free(&b);
	frontd_metrics_detach(&srv);
	ATF_REQUIRE(srv.metrics == NULL && srv.metrics_own == NULL);
}

ATF_TC_WITHOUT_HEAD(escaping);
ATF_TC_BODY(escaping, tc)
{
	struct moat_buf b;
	moat_buf_init(&b, 4096);
	const char *labels[] = { "key", "a\"b\\c\nd" };
	EXPECT_OK(moat_prom_family(&b, "x_total", "counter", "help with \\ and\nnewline"));
	EXPECT_OK(moat_prom_sample(&b, "x_total", labels, 1, 42));
	EXPECT_OK(moat_buf_put_u8(&b, 0));
	ATF_REQUIRE_STREQ((const char *)b.data, "# HELP x_total help with \\\\ and\\nnewline\n"
						"# TYPE x_total counter\n"
						"x_total{key=\"a\\\"b\\\\c\\nd\"} 42\n");
	moat_buf_free(&b);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, sum_and_retire);
	ATF_TP_ADD_TC(tp, histograms_and_suites);
	ATF_TP_ADD_TC(tp, escaping);
	return atf_no_error();
}
