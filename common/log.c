/*
 * Log sink. One line per message; stderr lines carry a UTC timestamp and the
 * level because journald and a terminal both read them.
 */
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"

static const char *log_ident = "moat";
static bool log_syslog;
static moat_log_level log_max = MOAT_LOG_INFO;
/* moat_log_open_syslog_socket: the connected datagram socket; log_fd_wanted even when it failed. */
static int log_fd = -1;
static bool log_fd_wanted;
static atomic_ulong log_dropped;
/*
 * Until the daemon serves (moat_log_serving), a full syslog socket is
 * waited for, up to SO_SNDTIMEO per message; afterwards a message it does
 * not take at once is dropped. Before serving nobody waits on us, and the
 * lines of that phase (configuration, keys, sandbox) are the ones an
 * operator most needs; while serving, a slow log reader must never stall
 * the event loop. A burst of startup lines easily outruns a busy reader:
 * the kernel queues only net.unix.max_dgram_qlen (10) datagrams.
 */
static _Atomic bool log_serving;
static int log_errors_fd = -1; /* moat_log_errors_to */
static bool log_startup_wait; /* SO_SNDTIMEO is set: a blocking send is bounded */
#define LOG_STARTUP_SEND_TIMEOUT_MS 250

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

void moat_log_errors_to(int fd)
{
	log_errors_fd = fd;
}

void moat_log_close(void)
{
	if (log_syslog)
		closelog();
	log_syslog = false;
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	log_fd_wanted = false;
}

int moat_log_open_syslog_socket(const char *path, int fd_at)
{
	struct sockaddr_un sun;
	log_fd_wanted = true;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (path == NULL || strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&sun, sizeof(sun)) != 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	/* Above stdio: a daemon later points 0-2 at /dev/null with dup2, which must not close this. */
	if (fd_at >= 0 && fd != fd_at) {
		int moved = dup3(fd, fd_at, O_CLOEXEC);
		int err = errno;
		close(fd);
		if (moved < 0) {
			errno = err;
			return -1;
		}
		fd = moved;
	} else if (fd <= 2) {
		int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		int err = errno;
		close(fd);
		if (high < 0) {
			errno = err;
			return -1;
		}
		fd = high;
	}
	/* Bounds each wait of the startup phase. If it cannot be set, no send ever waits (send_syslog):
	 * an unbounded wait is worse than a lost line. */
	struct timeval tv = { .tv_sec = 0, .tv_usec = LOG_STARTUP_SEND_TIMEOUT_MS * 1000 };
	log_startup_wait = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0;
	log_fd = fd;
	return fd;
}

void moat_log_serving(void)
{
	atomic_store(&log_serving, true);
}

int moat_log_syslog_fd(void)
{
	return log_fd;
}

unsigned long moat_log_dropped(void)
{
	return atomic_load(&log_dropped);
}

/* RFC 3164 as syslog(3) writes it: "<PRI>Mmm dd hh:mm:ss ident[pid]: message", facility daemon. */
static void send_syslog(moat_log_level level, const char *msg)
{
	char line[1200];
	char stamp[32] = "";
	time_t now = time(NULL);
	struct tm tm;
	if (localtime_r(&now, &tm) != NULL)
		strftime(stamp, sizeof(stamp), "%h %e %T", &tm);
	int n = snprintf(line, sizeof(line), "<%d>%s %s[%d]: %s", LOG_DAEMON | (int)level, stamp, log_ident,
			 (int)getpid(), msg);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	int flags = MSG_NOSIGNAL;
	if (!log_startup_wait || atomic_load(&log_serving))
		flags |= MSG_DONTWAIT;
	if (log_fd < 0 || send(log_fd, line, len, flags) != (ssize_t)len)
		atomic_fetch_add(&log_dropped, 1);
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
		if (log_errors_fd >= 0 && level <= MOAT_LOG_ERR) {
			char line[1024];
			va_list copy;
			va_copy(copy, ap);
			vsnprintf(line, sizeof(line), fmt, copy);
			va_end(copy);
			dprintf(log_errors_fd, "%s: %s\n", log_ident, line);
		}
		vsyslog((int)level, fmt, ap);
		return;
	}
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_fd_wanted) {
		send_syslog(level, msg);
		return;
	}
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
