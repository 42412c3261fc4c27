/*
 * Logging levels and format on stderr; clocks move the right way.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "tests/moat_test.h"

/* Run fn with stderr captured into buf. */
static void capture_stderr(void (*fn)(void), char *buf, size_t len)
{
	FILE *tmp = tmpfile();
	ATF_REQUIRE(tmp != NULL);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	ATF_REQUIRE(saved >= 0);
	ATF_REQUIRE(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	fn();
	fflush(stderr);
	ATF_REQUIRE(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	rewind(tmp);
	size_t n = fread(buf, 1, len - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
}

static void log_some(void)
{
	moat_log_open("moat-test", false, MOAT_LOG_NOTICE);
	moat_log(MOAT_LOG_ERR, "first %d", 1);
	moat_log(MOAT_LOG_INFO, "hidden");
	moat_log(MOAT_LOG_NOTICE, "second");
	moat_log_set_level(MOAT_LOG_DEBUG);
	moat_log(MOAT_LOG_DEBUG, "third");
	moat_error_raise(MOAT_ERR_DECODE, "here.c:7");
	moat_log_error(MOAT_LOG_WARNING, "parsing");
	moat_log_close();
}

ATF_TC_WITHOUT_HEAD(stderr_levels_and_format);
ATF_TC_BODY(stderr_levels_and_format, tc)
{
	char out[4096];
	capture_stderr(log_some, out, sizeof(out));
	ATF_REQUIRE_MSG(strstr(out, "moat-test[err]: first 1\n") != NULL, "%s", out);
	ATF_REQUIRE(strstr(out, "hidden") == NULL);
	ATF_REQUIRE(strstr(out, "moat-test[notice]: second\n") != NULL);
	ATF_REQUIRE(strstr(out, "moat-test[debug]: third\n") != NULL);
	ATF_REQUIRE_MSG(strstr(out, "parsing: message is malformed or truncated (MOAT_ERR_DECODE at here.c:7)") != NULL,
			"%s", out);
	/* Lines start with an ISO 8601 UTC timestamp. */
	ATF_REQUIRE(out[4] == '-' && out[10] == 'T' && out[19] == 'Z');
}

ATF_TC_WITHOUT_HEAD(level_names);
ATF_TC_BODY(level_names, tc)
{
	moat_log_level l;
	ATF_REQUIRE_EQ(moat_log_level_from_name("debug", &l), 0);
	ATF_REQUIRE_EQ(l, MOAT_LOG_DEBUG);
	ATF_REQUIRE_EQ(moat_log_level_from_name("error", &l), 0);
	ATF_REQUIRE_EQ(l, MOAT_LOG_ERR);
	ATF_REQUIRE_EQ(moat_log_level_from_name("warning", &l), 0);
	ATF_REQUIRE_EQ(l, MOAT_LOG_WARNING);
	ATF_REQUIRE_EQ(moat_log_level_from_name("loud", &l), -1);
	ATF_REQUIRE_EQ(moat_log_level_from_name(NULL, &l), -1);
	moat_log_set_level(MOAT_LOG_WARNING);
	ATF_REQUIRE(moat_log_enabled(MOAT_LOG_ERR));
	ATF_REQUIRE(!moat_log_enabled(MOAT_LOG_INFO));
}

ATF_TC_WITHOUT_HEAD(clocks);
ATF_TC_BODY(clocks, tc)
{
	uint64_t a = moat_clock_monotonic_ns();
	struct timespec pause = { 0, 2 * 1000 * 1000 };
	nanosleep(&pause, NULL);
	uint64_t b = moat_clock_monotonic_ns();
	ATF_REQUIRE(b > a);
	ATF_REQUIRE(b - a >= 2 * MOAT_NS_PER_MS);
	uint64_t wall = moat_clock_wall_ns() / MOAT_NS_PER_SEC;
	uint64_t now = (uint64_t)time(NULL);
	ATF_REQUIRE(wall + 1 >= now && wall <= now + 1);
}

/* A syslog reader that starts late, then reads until told to stop. */
struct late_reader {
	int fd;
	unsigned delay_ms;
	int lines;
	_Atomic bool stop;
};

static void *late_reader_run(void *arg)
{
	struct late_reader *r = arg;
	struct timespec pause = { 0, (long)r->delay_ms * 1000 * 1000 };
	nanosleep(&pause, NULL);
	char buf[2048];
	while (!atomic_load(&r->stop)) {
		if (recv(r->fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			r->lines++;
		else
			nanosleep(&(struct timespec){ 0, 1000 * 1000 }, NULL);
	}
	while (recv(r->fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		r->lines++;
	return NULL;
}

static int bind_sink(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	unlink(path);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ATF_REQUIRE(fd >= 0);
	ATF_REQUIRE(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	return fd;
}

/*
 * Startup lines outnumber the kernel's datagram queue (net.unix.max_dgram_qlen,
 * 10 by default) and the reader is late: before moat_log_serving every line
 * waits for room and arrives; after it, lines the full socket does not take
 * are dropped at once, and logging never waits.
 */
ATF_TC_WITHOUT_HEAD(syslog_startup_waits_serving_drops);
ATF_TC_BODY(syslog_startup_waits_serving_drops, tc)
{
	int sink = bind_sink("log.sock");
	moat_log_open("moat-test", false, MOAT_LOG_INFO);
	ATF_REQUIRE(moat_log_open_syslog_socket("log.sock", -1) >= 0);

	struct late_reader r = { .fd = sink, .delay_ms = 50 };
	pthread_t t;
	ATF_REQUIRE(pthread_create(&t, NULL, late_reader_run, &r) == 0);
	for (int i = 0; i < 40; i++)
		moat_log(MOAT_LOG_INFO, "startup line %d", i);
	atomic_store(&r.stop, true);
	ATF_REQUIRE(pthread_join(t, NULL) == 0);
	ATF_CHECK_EQ_MSG(r.lines, 40, "%d of 40 startup lines arrived", r.lines);
	ATF_CHECK_EQ(moat_log_dropped(), 0);

	/* Serving, nobody reading: the queue fills and the rest are dropped without waiting. */
	moat_log_serving();
	uint64_t start = moat_clock_monotonic_ns();
	for (int i = 0; i < 40; i++)
		moat_log(MOAT_LOG_INFO, "serving line %d", i);
	uint64_t took = moat_clock_monotonic_ns() - start;
	ATF_CHECK(moat_log_dropped() >= 20);
	/* Not a timing test: 40 waits of 250 ms would be 10 s; anything near that means it waited. */
	ATF_CHECK_MSG(took < 5 * MOAT_NS_PER_SEC, "serving-phase logging took %llu ms",
		      (unsigned long long)(took / MOAT_NS_PER_MS));
	moat_log_close();
	close(sink);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, stderr_levels_and_format);
	ATF_TP_ADD_TC(tp, level_names);
	ATF_TP_ADD_TC(tp, clocks);
	ATF_TP_ADD_TC(tp, syslog_startup_waits_serving_drops);
	return atf_no_error();
}
