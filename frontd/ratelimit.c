/* Log rate limits (ratelimit.h): a fixed window with a count of what was left out. */
#include "frontd/ratelimit.h"

#include <stdio.h>

bool frontd_ratelimit_ok(struct frontd_ratelimit *rl, uint64_t now_ms, uint64_t *suppressed)
{
	if (!rl->started || now_ms - rl->window_start_ms >= rl->interval_ms) {
		rl->started = true;
		rl->window_start_ms = now_ms;
		rl->in_window = 0;
	}
	if (rl->in_window >= rl->burst) {
		rl->suppressed++;
		return false;
	}
	rl->in_window++;
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}

void frontd_ratelimit_vlog(struct frontd_ratelimit *rl, uint64_t now_ms, moat_log_level level, const char *prefix,
			   const char *fmt, va_list ap)
{
	uint64_t suppressed;
	/* A level nobody sees is not logged, so it uses up nothing. */
	if (!moat_log_enabled(level) || !frontd_ratelimit_ok(rl, now_ms, &suppressed))
		return;
	char line[512];
	int n = snprintf(line, sizeof(line), "%s", prefix);
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof(line))
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (suppressed > 0)
		moat_log(level, "%s (%llu similar lines left out before this one)", line, (unsigned long long)suppressed);
	else
		moat_log(level, "%s", line);
}

void frontd_ratelimit_log(struct frontd_ratelimit *rl, uint64_t now_ms, moat_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	frontd_ratelimit_vlog(rl, now_ms, level, "", fmt, ap);
	va_end(ap);
}
