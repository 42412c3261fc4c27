/*
 * moat-keyd: the process that holds moat's private keys.
 *
 * main() is the startup order, which is the design (DESIGN.md, "keyd and
 * the IPC"), so it reads top to bottom:
 *   1. config (and with -t: keys too, then stop);
 *   2. background (before anything secret: memory locks do not survive fork);
 *   3. no core dumps, not dumpable, memory locked; libcrypto's secure heap;
 *   4. keys, each tested (a bad one is a config error: one line, exit 1);
 *      no key file a served peer could read (unless insecure-same-user);
 *      only then the startup log; sockets; then root is dropped (config
 *      "user"; root without it only with insecure-run-as-root);
 *   5. signing threads; the event loop's descriptors;
 *   6. the seccomp allow-list, after which no file or socket can be opened;
 *   7. serve until SIGTERM or SIGINT (telling systemd READY=1, STATUS= and
 *      STOPPING=1 when it started keyd: common/sd_notify.h).
 * Each step logs what it did, so the log shows the sandbox state of a
 * running keyd.
 *
 * The test build (tests/keyd/moat-keyd-test, -DMOAT_KEYD_TESTING) has two
 * hidden options the real daemon lacks: --test-forbidden-syscall=open|socket|socket-unix|connect|
 * sendto-addr|sendmmsg-log|sendmmsg-notify|execve|mmap-exec
 * tries that call once the sandbox is on (the tests expect SIGSYS),
 * --test-no-seccomp serves without the filter (for leak checks under
 * AddressSanitizer, whose exit-time leak check the filter forbids), and
 * --test-plant-symlink=TARGET plays the attacker who swaps the data socket
 * for a symlink to TARGET right after bind (sockets.h); --test-syslog=PATH
 * logs to the datagram socket PATH instead of /dev/log.
 */
#include <config.h> /* PACKAGE_VERSION */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/sd_notify.h"
#include "common/secmem.h"
#include "keyd/keyd_config.h"
#include "keyd/crypto_secure_heap.h"
#include "keyd/daemon.h"
#include "keyd/key_exposure.h"
#include "keyd/keys.h"
#include "keyd/privdrop.h"
#include "keyd/sandbox.h"
#include "keyd/server.h"
#include "keyd/sockets.h"
#include "keyd/workers.h"
#include "tls/crypto/version.h"

#if defined(__SANITIZE_ADDRESS__)
#define KEYD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KEYD_ASAN 1
#endif
#endif

#ifdef KEYD_ASAN
/*
 * LeakSanitizer checks at exit by reading /proc and ptrace-stopping the
 * process's threads, which the seccomp filter rightly kills. Leak checks of
 * keyd run in the test build with --test-no-seccomp instead.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}
#endif

#define DEFAULT_MAX_WORKERS 8

struct options {
	const char *config;
	bool check;
	bool foreground;
	bool verbose;
	bool insecure_same_user;
	const char *forbidden_syscall; /* test build only */
	const char *plant_symlink;     /* test build only */
	const char *syslog_path;       /* test build only: instead of /dev/log */
	bool no_seccomp;               /* test build only */
};

/* Logs go to stderr (-d); else to syslog. */
static bool foreground;
/* Whether startup errors must also go to the caller's stderr (background start, stdio not yet released). */
static bool errors_to_stderr;

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	char msg[1200];
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	moat_log(MOAT_LOG_ERR, "%s", msg);
	if (errors_to_stderr)
		fprintf(stderr, "moat-keyd: %s\n", msg);
	exit(1);
}

/* A configuration error: exactly the one "file:line: message" line on stderr (and in syslog when detached). */
__attribute__((noreturn))
static void die_config(const struct moat_conf *conf)
{
	if (!foreground)
		moat_log(MOAT_LOG_ERR, "%s", moat_conf_error(conf));
	fprintf(stderr, "%s\n", moat_conf_error(conf));
	exit(1);
}

__attribute__((noreturn))
static void die_error(const char *what)
{
	die("%s: %s (%s at %s)", what, moat_strerror(moat_errno, NULL), moat_strerror_name(moat_errno),
	    moat_strerror_debug(moat_errno, NULL));
}

static void usage(FILE *to)
{
	fprintf(to, "usage: moat-keyd [-dtv] [-f file] [--insecure-same-user]\n"
		    "       moat-keyd -h | -V\n"
		    "  -f file  configuration (default " KEYD_DEFAULT_CONFIG ")\n"
		    "  -t       check the configuration and the keys, then exit\n"
		    "  -d       stay in the foreground and log to stderr\n"
		    "  -v       log more (debug)\n"
		    "  --insecure-same-user  serve although a served user can read a key file (no isolation)\n"
		    "  -h, --help     this text\n"
		    "  -V, --version  moat's and libcrypto's versions\n");
}

static void parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_FORBIDDEN = 0x100, OPT_NO_SECCOMP, OPT_INSECURE_SAME_USER, OPT_PLANT_SYMLINK, OPT_SYSLOG };
	static const struct option longopts[] = {
		{ "insecure-same-user", no_argument, NULL, OPT_INSECURE_SAME_USER },
#ifdef MOAT_KEYD_TESTING
		{ "test-forbidden-syscall", required_argument, NULL, OPT_FORBIDDEN },
		{ "test-no-seccomp", no_argument, NULL, OPT_NO_SECCOMP },
		{ "test-plant-symlink", required_argument, NULL, OPT_PLANT_SYMLINK },
		{ "test-syslog", required_argument, NULL, OPT_SYSLOG },
#endif
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof(*o));
	o->config = KEYD_DEFAULT_CONFIG;
	int c;
	while ((c = getopt_long(argc, argv, "f:tdvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o->config = optarg; break;
		case 't': o->check = true; break;
		case 'd': o->foreground = true; break;
		case 'v': o->verbose = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': moat_print_version(stdout, "moat-keyd"); exit(0);
		case OPT_FORBIDDEN: o->forbidden_syscall = optarg; break;
		case OPT_NO_SECCOMP: o->no_seccomp = true; break;
		case OPT_PLANT_SYMLINK: o->plant_symlink = optarg; break;
		case OPT_SYSLOG: o->syslog_path = optarg; break;
		case OPT_INSECURE_SAME_USER: o->insecure_same_user = true; break;
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(2);
	}
}

/*
 * A key file a served peer can read gives no isolation at all (key_exposure.h):
 * refuse, or with insecure-same-user, say so for every such file. Returns
 * false, with the refusal in msg, when keyd must not start.
 */
static bool check_exposure(const struct keyd_config *cfg, const struct keyd_keyset *keys, bool insecure, char *msg,
			   size_t msg_len)
{
	for (size_t i = 0; i < keys->count; i++) {
		const struct keyd_key *k = keys->keys[i];
		for (size_t j = 0; j < cfg->allow_count; j++) {
			const char *why = "";
			if (!keyd_key_readable_by(k, &cfg->allow[j], &why))
				continue;
			if (!insecure) {
				snprintf(msg, msg_len,
					 "key %s: its file can be read by the served %s (%s), so keyd would isolate "
					 "nothing; give frontd and the key files different users (moat-keyd(8), "
					 "SECURITY), or accept that with insecure-same-user yes or --insecure-same-user",
					 k->name, cfg->allow[j].what, why);
				return false;
			}
			moat_log(MOAT_LOG_WARNING,
				 "INSECURE: key %s can be read by the served %s (%s): no key isolation "
				 "(insecure-same-user)", k->name, cfg->allow[j].what, why);
		}
	}
	return true;
}

/* -t: everything that can be wrong with the files, without touching sockets or privileges. */
static int check_only(struct moat_conf *conf, struct keyd_config *cfg, const struct options *o)
{
	struct keyd_keyset keys;
	char msg[800];
	moat_log_open("moat-keyd", false, o->verbose ? MOAT_LOG_DEBUG : MOAT_LOG_ERR);
	if (keyd_keys_load(&keys, cfg, conf) != MOAT_SUCCESS) {
		fprintf(stderr, "%s\n", moat_conf_error(conf));
		keyd_keys_free(&keys);
		return 1;
	}
	bool ok = check_exposure(cfg, &keys, cfg->insecure_same_user || o->insecure_same_user, msg, sizeof(msg));
	/* The warning keyd logs at start-up, here too: -t is where an operator looks before starting it. */
	for (size_t i = 0; ok && i < keys.count; i++)
		if (keys.keys[i]->world_readable)
			fprintf(stderr, "moat-keyd: warning: key %s: its file is readable by every user; chmod o-r it\n",
				keys.keys[i]->name);
	keyd_keys_free(&keys);
	if (!ok) {
		fprintf(stderr, "moat-keyd: %s\n", msg);
		return 1;
	}
	printf("configuration OK\n");
	return 0;
}

struct hardening {
	enum keyd_lock_state lock;
	bool locked;
	bool heap;
	bool heap_locked;
	size_t heap_bytes;
};

/* Before any key is read. Silent: a config error found next must stay the only line printed. */
static void harden(size_t key_count, struct hardening *h)
{
	memset(h, 0, sizeof(*h));
	if (keyd_sandbox_harden(&h->lock) != MOAT_SUCCESS)
		die_error(moat_errno == MOAT_ERR_MLOCK ? "mlockall (set MOAT_DONT_MLOCK=1 to run without locked memory)"
						       : "disabling core dumps");
	h->locked = h->lock == KEYD_LOCKED;
	h->heap = keyd_secure_heap_init(key_count, &h->heap_locked, &h->heap_bytes);
}

static void log_hardening(const struct hardening *h)
{
	moat_log(MOAT_LOG_INFO, "core dumps disabled (RLIMIT_CORE 0, not dumpable)");
	if (h->lock == KEYD_LOCKED)
		moat_log(MOAT_LOG_INFO, "memory locked (mlockall current and future)");
	else if (h->lock == KEYD_NOT_LOCKED_ASAN)
		moat_log(MOAT_LOG_WARNING, "AddressSanitizer build: memory is NOT locked (the sanitizer ignores mlockall)");
	else
		moat_log(MOAT_LOG_WARNING, "MOAT_DONT_MLOCK is set: memory is NOT locked and may be swapped");
	if (h->heap)
		moat_log(MOAT_LOG_INFO, "libcrypto secure heap: %zu KiB%s", h->heap_bytes / 1024,
			 h->heap_locked ? ", locked, excluded from core dumps" : ", NOT locked");
	else
		moat_log(MOAT_LOG_WARNING, "libcrypto secure heap unavailable: keys live in ordinary memory");
}

static void load_keys(struct moat_conf *conf, const struct keyd_config *cfg, struct keyd_keyset *keys)
{
	if (keyd_keys_load(keys, cfg, conf) != MOAT_SUCCESS)
		die_config(conf);
}

static void open_sockets(const struct keyd_config *cfg, int *data_fd, int *control_fd, int *metrics_fd)
{
	char why[256];
	bool root = geteuid() == 0;
	uid_t owner = root && cfg->has_user ? cfg->user_uid : geteuid();
	gid_t owner_gid = root && cfg->has_user ? cfg->user_gid : getegid();
	gid_t group = owner_gid;
	/* Mode 0660: the allowed peers reach the file through its group. */
	(void)keyd_config_socket_group(cfg, &group);

	/*
	 * A keyd already running is looked for at its control socket first: the
	 * check (connect, close) is then a peer it serves (root, or its own
	 * user), at debug level in its log, not a stranger on the data socket
	 * that it refuses and reports as one.
	 */
	if (keyd_socket_in_use(cfg->control_path))
		die("control socket: %s is in use by a running keyd", cfg->control_path);

	if (keyd_socket_listen(cfg->socket_path, 0660, root, owner, group, data_fd, why, sizeof(why)) != MOAT_SUCCESS)
		die("data socket: %s", why);
	moat_log(MOAT_LOG_INFO, "data socket %s (mode 0660, uid %u, gid %u)", cfg->socket_path,
		 (unsigned)(root ? owner : geteuid()), (unsigned)(root ? group : getegid()));
	if (keyd_socket_listen(cfg->control_path, 0600, root, owner, owner_gid, control_fd, why, sizeof(why)) !=
	    MOAT_SUCCESS)
		die("control socket: %s", why);
	moat_log(MOAT_LOG_INFO, "control socket %s (mode 0600)", cfg->control_path);
	/* Counters only, no key and no request: keyd's own group may read them (a scraper made a member). */
	if (cfg->metrics_path != NULL) {
		if (keyd_socket_listen_stream(cfg->metrics_path, 0660, root, owner, owner_gid, metrics_fd, why, sizeof(why)) !=
		    MOAT_SUCCESS)
			die("metrics socket: %s", why);
		moat_log(MOAT_LOG_INFO, "metrics socket %s (mode 0660)", cfg->metrics_path);
	}
	for (size_t i = 0; i < cfg->allow_count; i++)
		moat_log(MOAT_LOG_INFO, "allow %s", cfg->allow[i].what);
}

/*
 * Root without "user" would serve with every capability: refused unless
 * insecure-run-as-root says the operator wants exactly that. Checked
 * before anything is read, so the refusal costs nothing.
 */
static void check_root(const struct keyd_config *cfg)
{
	if (geteuid() != 0 || cfg->has_user)
		return;
	if (!cfg->insecure_run_as_root)
		die("started as root without \"user\": keyd would serve with every root capability; name an "
		    "unprivileged user to run as (user \"moat-keyd\"), or set insecure-run-as-root yes");
}

static void warn_root(const struct keyd_config *cfg)
{
	if (geteuid() == 0 && !cfg->has_user)
		moat_log(MOAT_LOG_WARNING, "INSECURE: running as root with every capability (insecure-run-as-root): "
					   "a bug in keyd is a root compromise");
}

static void drop_root(const struct keyd_config *cfg, bool locked)
{
	if (!cfg->has_user)
		return;
	if (geteuid() != 0) {
		moat_log(MOAT_LOG_NOTICE, "not started as root: staying uid %u instead of becoming \"%s\"",
			 (unsigned)geteuid(), cfg->user_name);
		return;
	}
	if (keyd_drop_privileges(cfg->user_uid, cfg->user_gid, locked) != MOAT_SUCCESS ||
	    keyd_sandbox_not_dumpable() != MOAT_SUCCESS)
		die_error("dropping privileges");
	moat_log(MOAT_LOG_INFO, "running as user %s (uid %u, gid %u)%s", cfg->user_name, (unsigned)cfg->user_uid,
		 (unsigned)cfg->user_gid, locked ? ", keeping only CAP_IPC_LOCK (memory stays locked as it grows)" : "");
}

static size_t worker_count(const struct keyd_config *cfg)
{
	if (cfg->workers > 0)
		return cfg->workers;
	/* The CPUs keyd may run on (taskset, systemd CPUAffinity=), not every CPU online: more threads would only queue. */
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	long n = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 ? CPU_COUNT(&cpus) : sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n > DEFAULT_MAX_WORKERS ? DEFAULT_MAX_WORKERS : (size_t)n;
}

/*
 * keyd needs KEYD_MAX_PEERS descriptors for peers and a few of its own:
 * RLIMIT_NOFILE is lowered to that (never raised), and its last descriptor
 * is the one the syslog socket gets.
 */
#define KEYD_NOFILE (KEYD_MAX_PEERS + 64)
static int top_descriptor(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > KEYD_NOFILE) {
		rl.rlim_cur = KEYD_NOFILE;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			return -1;
	}
	return rl.rlim_cur >= 16 ? (int)rl.rlim_cur - 1 : -1;
}

#ifdef MOAT_KEYD_TESTING
static const char *plant_target;
/* systemd's notify socket, for --test-forbidden-syscall=sendmmsg-notify. */
static int test_notify_fd = -1;

/* The socket test's attacker: the path now names a symlink to the target (once, for the data socket). */
static void plant_symlink(const char *path)
{
	if (plant_target == NULL)
		return;
	(void)unlink(path);
	if (symlink(plant_target, path) != 0)
		die("test build: cannot plant a symlink at %s: %s", path, strerror(errno));
	moat_log(MOAT_LOG_NOTICE, "test build: planted %s -> %s", path, plant_target);
	plant_target = NULL;
}

/* A datagram aimed at another socket (/dev/log) through one of keyd's own datagram sockets, fd. */
static void try_sendmmsg_elsewhere(int fd, const char *which)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	struct iovec iov = { .iov_base = (void *)(uintptr_t)"x", .iov_len = 1 };
	struct mmsghdr m;
	memset(&m, 0, sizeof(m));
	m.msg_hdr.msg_name = &sun;
	m.msg_hdr.msg_namelen = sizeof(sun);
	m.msg_hdr.msg_iov = &iov;
	m.msg_hdr.msg_iovlen = 1;
	int n = sendmmsg(fd, &m, 1, 0);
	moat_log(MOAT_LOG_ERR, "test build: %s returned %d", which, n);
}

/* The sandbox test: this must not return, the filter kills the process with SIGSYS. */
static void try_forbidden_syscall(const char *which)
{
	moat_log(MOAT_LOG_NOTICE, "test build: trying forbidden syscall %s", which);
	if (strcmp(which, "open") == 0) {
		int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
		moat_log(MOAT_LOG_ERR, "test build: open returned %d (%s)", fd, fd < 0 ? strerror(errno) : "opened");
	} else if (strcmp(which, "socket") == 0) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		moat_log(MOAT_LOG_ERR, "test build: socket returned %d", fd);
	} else if (strcmp(which, "socket-unix") == 0) {
		/* What glibc's syslog() would do to reconnect: never allowed now, even when logging to syslog. */
		int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		moat_log(MOAT_LOG_ERR, "test build: socket-unix returned %d", fd);
	} else if (strcmp(which, "connect") == 0) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
		int rc = connect(moat_log_syslog_fd(), (const struct sockaddr *)&sun, sizeof(sun));
		moat_log(MOAT_LOG_ERR, "test build: connect returned %d", rc);
	} else if (strcmp(which, "sendto-addr") == 0) {
		/* A datagram aimed at another socket through the log socket. */
		struct sockaddr_un sun = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
		ssize_t n = sendto(moat_log_syslog_fd(), "x", 1, 0, (const struct sockaddr *)&sun, sizeof(sun));
		moat_log(MOAT_LOG_ERR, "test build: sendto-addr returned %zd", n);
	} else if (strcmp(which, "sendmmsg-log") == 0) {
		try_sendmmsg_elsewhere(moat_log_syslog_fd(), which);
	} else if (strcmp(which, "sendmmsg-notify") == 0) {
		try_sendmmsg_elsewhere(test_notify_fd, which);
	} else if (strcmp(which, "mmap-exec") == 0) {
		/* Allowed as a syscall, but never with PROT_EXEC: the argument condition must kill too. */
		void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		moat_log(MOAT_LOG_ERR, "test build: mmap-exec returned %p", p);
	} else if (strcmp(which, "execve") == 0) {
		char *const args[] = { (char *)"true", NULL };
		execve("/bin/true", args, NULL);
		moat_log(MOAT_LOG_ERR, "test build: execve failed: %s", strerror(errno));
	} else {
		die("test build: unknown forbidden syscall \"%s\"", which);
	}
	exit(3);
}
#endif

static void sandbox(const struct options *o, int own_fd)
{
	if (moat_log_enabled(MOAT_LOG_DEBUG)) {
		char names[1024];
		keyd_sandbox_describe(names, sizeof(names));
		moat_log(MOAT_LOG_DEBUG, "seccomp allow-list: %s", names);
	}
	if (o->no_seccomp) {
		moat_log(MOAT_LOG_WARNING, "test build: seccomp filter NOT installed (--test-no-seccomp)");
		return;
	}
	size_t rules = 0;
	if (keyd_sandbox_seccomp(own_fd, &rules) != MOAT_SUCCESS)
		die_error("installing the seccomp filter");
	moat_log(MOAT_LOG_INFO, "sandbox on: no_new_privs, seccomp allow-list of %zu syscalls, anything else kills keyd",
		 rules);
#ifdef MOAT_KEYD_TESTING
	if (o->forbidden_syscall != NULL)
		try_forbidden_syscall(o->forbidden_syscall);
#endif
}

int main(int argc, char **argv)
{
	struct options o;
	struct moat_conf conf;
	struct keyd_config cfg;
	struct keyd_keyset keys;
	struct keyd_stats stats;
	struct keyd_daemon daemon = { -1, -1 };
	int data_fd = -1, control_fd = -1, metrics_fd = -1;

	parse_options(argc, argv, &o);
	if (keyd_config_read(&conf, o.config, &cfg) != MOAT_SUCCESS) {
		fprintf(stderr, "%s\n", moat_conf_error(&conf));
		return 1;
	}
	if (o.check) {
		int rc = check_only(&conf, &cfg, &o);
		keyd_config_free(&cfg);
		moat_conf_free(&conf);
		return rc;
	}

	foreground = o.foreground;
	moat_log_open("moat-keyd", false, o.verbose ? MOAT_LOG_DEBUG : MOAT_LOG_INFO);
	/*
	 * keyd's own datagram sockets (syslog's, systemd's notify socket) are
	 * connected now and never reopened: the sandbox forbids socket and
	 * connect. They sit on the highest descriptors, so the filter can tell
	 * them from every peer's (sandbox.c); own_fd is the lowest of them.
	 */
	int own_fd = -1, notify_fd = -1;
	const char *notify = getenv("NOTIFY_SOCKET");
	if (!foreground || (notify != NULL && notify[0] != '\0')) {
		int top = top_descriptor();
		if (top < 0) {
			fprintf(stderr, "moat-keyd: cannot set RLIMIT_NOFILE: %s\n", strerror(errno));
			return 1;
		}
		if (!foreground) {
			const char *log_path = o.syslog_path != NULL ? o.syslog_path : _PATH_LOG;
			own_fd = moat_log_open_syslog_socket(log_path, top);
			if (own_fd < 0)
				fprintf(stderr, "moat-keyd: cannot reach the log daemon at %s: %s; logging nothing\n",
					log_path, strerror(errno));
		}
		if (moat_sd_notify_open(own_fd >= 0 ? own_fd - 1 : top, &notify_fd) != MOAT_SUCCESS) {
			fprintf(stderr, "moat-keyd: cannot reach systemd's notify socket %s: %s\n", notify, strerror(errno));
			return 1;
		}
		if (notify_fd >= 0)
			own_fd = notify_fd;
	}
#ifdef MOAT_KEYD_TESTING
	test_notify_fd = notify_fd;
#endif
	errors_to_stderr = !foreground;
	check_root(&cfg);
	errors_to_stderr = false;
	if (!foreground) {
		if (keyd_daemon_detach(&daemon) != MOAT_SUCCESS) {
			fprintf(stderr, "moat-keyd: cannot go to the background: %s\n", strerror(errno));
			return 1;
		}
		errors_to_stderr = true;
	}

	struct hardening hardening;
#ifdef MOAT_KEYD_TESTING
	if (o.plant_symlink != NULL) {
		plant_target = o.plant_symlink;
		keyd_socket_bound_hook = plant_symlink;
	}
#endif
	/* Room in the secure heap for as many keys again, added at run time (a rollover of each). */
	harden(2 * cfg.key_count, &hardening);
	load_keys(&conf, &cfg, &keys);
	moat_conf_free(&conf);
	moat_log(MOAT_LOG_INFO, "moat-keyd %s starting (config %s)", PACKAGE_VERSION, o.config);
	log_hardening(&hardening);
	for (size_t i = 0; i < keys.count; i++)
		keyd_key_log(keys.keys[i]);
	{
		char msg[800];
		if (!check_exposure(&cfg, &keys, cfg.insecure_same_user || o.insecure_same_user, msg, sizeof(msg)))
			die("%s", msg);
	}
	warn_root(&cfg);
	open_sockets(&cfg, &data_fd, &control_fd, &metrics_fd);
	drop_root(&cfg, hardening.locked);

	memset(&stats, 0, sizeof(stats));
	stats.started_ns = moat_clock_monotonic_ns();
	stats.keys = keys.count;
	struct keyd_workers *workers = NULL;
	size_t nworkers = worker_count(&cfg);
	if (keyd_server_block_signals() != MOAT_SUCCESS || keyd_workers_start(&workers, nworkers) != MOAT_SUCCESS)
		die_error("starting the signing threads");
	stats.workers = nworkers;
	moat_log(MOAT_LOG_INFO, "%zu signing thread%s, at most %u request%s in flight per peer", nworkers,
		 nworkers == 1 ? "" : "s", cfg.max_inflight, cfg.max_inflight == 1 ? "" : "s");

	struct keyd_server *server = NULL;
	const struct keyd_server_params params = {
		.cfg = &cfg, .keys = &keys, .stats = &stats,
		.data_fd = data_fd, .control_fd = control_fd, .metrics_fd = metrics_fd, .workers = workers,
		.notify_fd = notify_fd,
	};
	if (keyd_server_new(&server, &params) != MOAT_SUCCESS)
		die_error("setting up the event loop");

	if (!o.foreground) {
		if (keyd_daemon_release_stdio(&daemon) != MOAT_SUCCESS)
			die_error("detaching from the terminal");
		errors_to_stderr = false;
	}
	sandbox(&o, own_fd);
	if (!o.foreground)
		keyd_daemon_ready(&daemon);
	moat_log(MOAT_LOG_NOTICE, "serving %zu key%s on %s", keys.count, keys.count == 1 ? "" : "s", cfg.socket_path);
	moat_log_serving();

	int rc = keyd_server_run(server);
	if (rc != MOAT_SUCCESS)
		moat_log_error(MOAT_LOG_ERR, "event loop");
	keyd_server_free(server);
	keyd_keys_free(&keys);
	keyd_config_free(&cfg);
	if (notify_fd >= 0)
		close(notify_fd);
	moat_log(MOAT_LOG_INFO, "stopped");
	moat_log_close();
	return rc == MOAT_SUCCESS ? 0 : 1;
}
