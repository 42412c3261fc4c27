/*
 * Time. Timeouts and deadlines use the monotonic clock (never jumps);
 * certificate validity and ticket lifetimes use wall-clock time.
 */
#ifndef MOAT_COMMON_CLOCK_H
#define MOAT_COMMON_CLOCK_H

#include <stdint.h>

#define MOAT_NS_PER_MS UINT64_C(1000000)
#define MOAT_NS_PER_SEC UINT64_C(1000000000)

/* Nanoseconds since an arbitrary fixed point; only differences mean anything. */
uint64_t moat_clock_monotonic_ns(void);
/* Nanoseconds since the Unix epoch. */
uint64_t moat_clock_wall_ns(void);

/* A clock the TLS library can be given instead of the system's (tests, s2n's set_*_clock). */
typedef int (*moat_clock_fn)(void *ctx, uint64_t *nanoseconds);

#endif
