#include "common/clock.h"

#include <time.h>

static uint64_t read_clock(clockid_t id)
{
	struct timespec ts;
	/* clock_gettime cannot fail for these ids on Linux; 0 is an obviously wrong answer if it does. */
	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * MOAT_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t moat_clock_monotonic_ns(void)
{
	return read_clock(CLOCK_MONOTONIC);
}

uint64_t moat_clock_wall_ns(void)
{
	return read_clock(CLOCK_REALTIME);
}
