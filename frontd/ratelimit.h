/*
 * Rate limits for log lines.
 *
 * Whatever happens once per connection can happen thousands of times a
 * second when someone floods the listener; a log line each time would turn
 * the flood into a disk-filling and syslog-blocking one. So every
 * per-connection line goes through one of these: at most `burst` lines per
 * `interval_ms`, and the first line after a quiet spell says how many were
 * left out. Counters (frontd_stats) keep the exact numbers.
 */
#ifndef MOAT_FRONTD_RATELIMIT_H
#define MOAT_FRONTD_RATELIMIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/log.h"

struct frontd_ratelimit {
	uint32_t interval_ms;
	uint32_t burst;
	uint64_t window_start_ms;
	uint32_t in_window;
	uint64_t suppressed; /* lines left out since the last one logged */
	bool started;
};

#define FRONTD_RATELIMIT(interval, n) { .interval_ms = (interval), .burst = (n) }

/*
 * May a line be logged now? When it may, *suppressed is how many were left
 * out before it (to be said in the line) and is reset.
 */
bool frontd_ratelimit_ok(struct frontd_ratelimit *rl, uint64_t now_ms, uint64_t *suppressed);
/* moat_log through rl, adding how many lines were left out before this one. */
void frontd_ratelimit_log(struct frontd_ratelimit *rl, uint64_t now_ms, moat_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The same with a prefix ("peer: ") before the message, formatted once, and only when it is logged. */
void frontd_ratelimit_vlog(struct frontd_ratelimit *rl, uint64_t now_ms, moat_log_level level, const char *prefix,
			   const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

#endif
