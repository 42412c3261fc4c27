/*
 * Logging for the daemons: to stderr (foreground, -d) or to syslog, with
 * levels. The library (tls/) never logs; it reports errors to its caller.
 */
#ifndef MOAT_COMMON_LOG_H
#define MOAT_COMMON_LOG_H

#include <stdbool.h>
#include <stdint.h>

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
/*
 * While logging to syslog, also write errors to fd ("ident: message"; -1:
 * stop): a daemon's startup, while whoever started it still waits on the
 * terminal whose descriptor fd is.
 */
void moat_log_errors_to(int fd);

/*
 * Syslog for a sandboxed process: connect one datagram socket to path
 * (normally "/dev/log") now, and send every later message on it with
 * send(2), never reconnecting. glibc's syslog() reopens its socket with
 * socket(2) and connect(2) whenever a send fails (the log daemon
 * restarted), which a seccomp filter that forbids creating sockets must
 * not meet. So a process that calls this may forbid socket and connect;
 * the price is that messages sent while the log daemon is away, or after
 * it came back on a new socket, are lost (counted, moat_log_dropped). Until
 * moat_log_serving is called, a message waits up to 250 ms for room on a
 * full socket; after it, a message the socket does not take at once is
 * dropped, so a slow log reader never stalls a serving daemon. Call
 * after moat_log_open(ident, false, ...). The socket gets descriptor fd_at
 * if that is >= 0, else any descriptor above stdio. Returns the socket, or
 * -1 (errno set) if path cannot be reached: messages are then dropped.
 */
int moat_log_open_syslog_socket(const char *path, int fd_at);
/* The daemon now serves: from here on a full syslog socket drops messages instead of waiting. */
void moat_log_serving(void);
/* The socket of moat_log_open_syslog_socket, -1 if none. */
int moat_log_syslog_fd(void);
/* Messages the syslog socket did not take. */
unsigned long moat_log_dropped(void);
void moat_log_set_level(moat_log_level max_level);
bool moat_log_enabled(moat_log_level level);

/* "debug", "info", "notice", "warning", "err"/"error"; returns -1 on an unknown name. */
int moat_log_level_from_name(const char *name, moat_log_level *out);

void moat_log(moat_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Log the current moat_errno with a prefix: "prefix: message (MOAT_ERR_X at file:line)". */
void moat_log_error(moat_log_level level, const char *prefix);

/* "s" unless n is 1: "1 key", "2 keys" in log lines and messages. */
static inline const char *moat_plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

#endif
