/*
 * Logging for the daemons: to stderr (foreground, -d) or to syslog, with
 * levels. The library (tls/) never logs; it reports errors to its caller.
 */
#ifndef MOAT_COMMON_LOG_H
#define MOAT_COMMON_LOG_H

#include <stdbool.h>

typedef enum {
	MOAT_LOG_ERR = 3,     /* same values as syslog priorities */
	MOAT_LOG_WARNING = 4,
	MOAT_LOG_NOTICE = 5,
	MOAT_LOG_INFO = 6,
	MOAT_LOG_DEBUG = 7,
} moat_log_level;

/* ident names the program ("moat-keyd"); messages above max_level are dropped. */
void moat_log_open(const char *ident, bool to_syslog, moat_log_level max_level);
void moat_log_close(void);
void moat_log_set_level(moat_log_level max_level);
bool moat_log_enabled(moat_log_level level);

/* "debug", "info", "notice", "warning", "err"/"error"; returns -1 on an unknown name. */
int moat_log_level_from_name(const char *name, moat_log_level *out);

void moat_log(moat_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Log the current moat_errno with a prefix: "prefix: message (MOAT_ERR_X at file:line)". */
void moat_log_error(moat_log_level level, const char *prefix);

#endif
