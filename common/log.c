/*
 * Log sink. One line per message; stderr lines carry a UTC timestamp and the
 * level because journald and a terminal both read them.
 */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "common/error.h"

static const char *log_ident = "moat";
static bool log_syslog;
static moat_log_level log_max = MOAT_LOG_INFO;

static const char *const level_names[] = {
	[MOAT_LOG_ERR] = "err",
	[MOAT_LOG_WARNING] = "warning",
	[MOAT_LOG_NOTICE] = "notice",
	[MOAT_LOG_INFO] = "info",
	[MOAT_LOG_DEBUG] = "debug",
};

void moat_log_open(const char *ident, bool to_syslog, moat_log_level max_level)
{
	log_ident = ident ? ident : "moat";
	log_syslog = to_syslog;
	log_max = max_level;
	if (to_syslog)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void moat_log_close(void)
{
	if (log_syslog)
		closelog();
	log_syslog = false;
}

void moat_log_set_level(moat_log_level max_level)
{
	log_max = max_level;
}

bool moat_log_enabled(moat_log_level level)
{
	return level <= log_max;
}

int moat_log_level_from_name(const char *name, moat_log_level *out)
{
	if (name == NULL)
		return -1;
	if (strcmp(name, "error") == 0) {
		*out = MOAT_LOG_ERR;
		return 0;
	}
	for (int l = MOAT_LOG_ERR; l <= MOAT_LOG_DEBUG; l++) {
		if (strcmp(name, level_names[l]) == 0) {
			*out = (moat_log_level)l;
			return 0;
		}
	}
	return -1;
}

__attribute__((format(printf, 2, 0)))
static void vlog(moat_log_level level, const char *fmt, va_list ap)
{
	if (!moat_log_enabled(level))
		return;
	if (log_syslog) {
		vsyslog((int)level, fmt, ap);
		return;
	}
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	struct timespec ts;
	struct tm tm;
	char stamp[32] = "";
	if (clock_gettime(CLOCK_REALTIME, &ts) == 0 && gmtime_r(&ts.tv_sec, &tm) != NULL)
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* One fprintf per line so concurrent threads do not interleave within a line. */
	fprintf(stderr, "%s %s[%s]: %s\n", stamp, log_ident, level_names[level], msg);
}

void moat_log(moat_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

void moat_log_error(moat_log_level level, const char *prefix)
{
	moat_log(level, "%s: %s (%s at %s)", prefix, moat_strerror(moat_errno, "EN"),
		 moat_strerror_name(moat_errno), moat_strerror_debug(moat_errno, "EN"));
}
