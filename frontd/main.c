/*
 * moat-frontd: the internet-facing TLS terminator (moat-frontd(8)).
 *
 * A master and its workers (frontd/master.h). Startup order, and why:
 *   1. parse the configuration and load the certificates (public chains
 *      only: frontd never opens a private key), so that every mistake is
 *      reported before anything is bound, and -t can stop here;
 *   2. (master) bind the listeners, which may need root for ports below 1024;
 *   3. (master) drop privileges to the configured user (setgroups, setgid,
 *      setuid) when started as root: from here on nothing needs them;
 *   4. (master) daemonize unless -d, and fork a worker;
 *   5. (worker, serve() below) create the event base (after the fork: an
 *      epoll descriptor must not be shared), connect to keyd (in the
 *      background, with backoff: frontd starts and serves even when keyd
 *      comes up later) and start accepting;
 *   6. (worker) enter the sandbox (frontd/sandbox.h): not dumpable,
 *      no_new_privs, a seccomp allow-list; from here on no file can be
 *      opened. Then it tells the master it serves.
 * SIGHUP to the master reads the configuration again (master.c). A worker's
 * first SIGTERM or SIGINT drains (frontd/drain.h): no more accepting, open
 * connections finish or are closed with close_notify, then the loop ends;
 * a second one ends it at once. Whatever is left is then closed and
 * everything freed, so sanitizers see a clean exit.
 *
 * The test build (tests/frontd/moat-frontd-test, -DMOAT_FRONTD_TESTING) has
 * one hidden option the real daemon lacks: --test-forbidden-syscall=CALL
 * makes a forbidden call once the sandbox is on (the tests expect SIGSYS).
 */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/secmem.h"
#include "frontd/config.h"
#include "frontd/conn.h"
#include "frontd/evmem.h"
#include "frontd/keyd_client.h"
#include "frontd/keyd_keys.h"
#include "frontd/listen.h"
#include "frontd/master.h"
#include "frontd/metrics.h"
#include "frontd/ocsp.h"
#include "frontd/sandbox.h"
#include "frontd/server.h"
#include "frontd/session_ids.h"
#include "tls/crypto/version.h"
#ifdef MOAT_FRONTD_TESTING
#include "tests/frontd/sandbox_trigger.h"
#endif

#define IDENT "moat-frontd"

struct options {
	const char *config;
	bool test_only;
	const char *print_policy; /* --print-policy NAME */
	bool foreground;
	bool verbose;
	const char *forbidden_syscall; /* test build only */
};

static void usage(FILE *to)
{
	fprintf(to, "usage: " IDENT " [-dtv] [-f file]\n"
		    "       " IDENT " [-f file] --print-policy name\n"
		    "       " IDENT " -h | -V\n"
		    "  -f file  configuration (default " FRONTD_DEFAULT_CONFIG ")\n"
		    "  -t       check the configuration and exit\n"
		    "  -d       stay in the foreground and log to stderr\n"
		    "  -v       log debug messages\n"
		    "  --print-policy name  print a security policy as the configuration makes it, and exit\n"
		    "  -h, --help     this text\n"
		    "  -V, --version  moat's and libcrypto's versions\n");
}

/* -1: go on and run; else the status to exit with: 0 after --help or --version, 2 for bad usage. */
static int parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_FORBIDDEN = 0x100, OPT_PRINT_POLICY };
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "print-policy", required_argument, NULL, OPT_PRINT_POLICY },
		{ "version", no_argument, NULL, 'V' },
#ifdef MOAT_FRONTD_TESTING
		{ "test-forbidden-syscall", required_argument, NULL, OPT_FORBIDDEN },
#endif
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	o->config = FRONTD_DEFAULT_CONFIG;
	while ((ch = getopt_long(argc, argv, "f:tdvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			o->config = optarg;
			break;
		case 't':
			o->test_only = true;
			break;
		case 'd':
			o->foreground = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			moat_print_version(stdout, IDENT);
			return 0;
		case OPT_FORBIDDEN:
			o->forbidden_syscall = optarg;
			break;
		case OPT_PRINT_POLICY:
			o->print_policy = optarg;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	return -1;
}

/* --print-policy: a policy block of the configuration, or a built-in policy, in the syntax of a policy block. */
static int print_policy(const struct frontd_config *cfg, const char *name)
{
	const struct moat_security_policy *p = frontd_config_find_policy(cfg, name);
	if (p == NULL) {
		fprintf(stderr, IDENT ": no security policy \"%s\" (built in or in the configuration)\n", name);
		return 1;
	}
	if (moat_policy_print(stdout, p) < 0 || fflush(stdout) != 0) {
		fprintf(stderr, IDENT ": cannot write the policy: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

/* Step 6 of the startup order. */
static int enter_sandbox(const struct frontd_server *srv, const struct options *o)
{
	size_t allowed = 0;
	if (frontd_sandbox_enter(srv->cfg, event_base_get_method(srv->base), &allowed) != MOAT_SUCCESS) {
		moat_log_error(MOAT_LOG_ERR, "cannot enter the sandbox");
		return -1;
	}
	moat_log(MOAT_LOG_INFO,
		 "sandbox on: not dumpable, no_new_privs, seccomp allow-list of %zu syscalls, anything else kills frontd",
		 allowed);
#ifdef MOAT_FRONTD_TESTING
	if (o->forbidden_syscall != NULL)
		frontd_test_forbidden_syscall(o->forbidden_syscall);
#else
	(void)o;
#endif
	return 0;
}

static void stop_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	char why[32];
	snprintf(why, sizeof(why), "signal %d", (int)sig);
	frontd_drain_or_stop(arg, why);
}

/* keyd's keys, after each HELLO: the certificates' key caps, and what keyd lacks logged once (keyd_keys.h). */
static void on_keyd_keys(void *arg, const struct moat_ipc_key_info *keys, size_t count)
{
	const struct frontd_server *srv = arg;
	size_t missing = frontd_keys_apply(&srv->cfg->sites, keys, count);
	moat_log(MOAT_LOG_INFO, "keyd holds %zu key%s; %zu certificate%s without one", count, count == 1 ? "" : "s",
		 missing, missing == 1 ? "" : "s");
}

static int serve(struct frontd_worker_ctx *w, void *arg)
{
	const struct options *o = arg;
	struct frontd_server srv_storage, *srv = &srv_storage;
	memset(srv, 0, sizeof(*srv));
	srv->cfg = w->cfg;
	srv->usr1_fd = -1;
	srv->master_pid = w->master_pid;
	srv->worker_index = w->index;
	srv->generation = w->generation;
	LIST_INIT(&srv->conns);
	frontd_limits_init(&srv->limits);
	frontd_listeners_adopt(srv, w->listen_fds);
	struct event *ev_term = NULL, *ev_int = NULL;
	int rc = 1;
	srv->base = event_base_new();
	if (srv->base == NULL) {
		moat_log(MOAT_LOG_ERR, "cannot create the event base");
		goto out;
	}
	srv->keyd = keyd_client_new(srv->base, srv->cfg->keyd_path, srv->cfg->keyd_timeout_ms);
	ev_term = evsignal_new(srv->base, SIGTERM, stop_cb, srv);
	ev_int = evsignal_new(srv->base, SIGINT, stop_cb, srv);
	if (srv->keyd == NULL || ev_term == NULL || ev_int == NULL || event_add(ev_term, NULL) < 0 ||
	    event_add(ev_int, NULL) < 0) {
		moat_log(MOAT_LOG_ERR, "cannot set up the event loop");
		goto out;
	}
	if (frontd_metrics_attach(srv, w->metrics, w->metrics_slot) < 0) {
		moat_log_error(MOAT_LOG_ERR, "cannot set up the metrics");
		goto out;
	}
	keyd_client_on_keys(srv->keyd, on_keyd_keys, srv);
	if (frontd_sites_set_callbacks(&srv->cfg->sites, frontd_client_hello_cb, srv, frontd_async_pkey_cb) < 0 ||
	    frontd_sites_set_ticket_cb(&srv->cfg->sites, frontd_ticket_crypto_cb, srv) < 0 ||
	    frontd_session_ids_start(srv) < 0 ||
	    keyd_client_start(srv->keyd) < 0 || frontd_accesslog_start(srv) < 0 || frontd_stats_start(srv) < 0 ||
	    frontd_ocsp_start(srv) < 0 || frontd_listeners_start(srv) < 0 || frontd_worker_unblock_signals(w) < 0) {
		moat_log_error(MOAT_LOG_ERR, "cannot start");
		goto out;
	}
	moat_log(MOAT_LOG_NOTICE, "started: %zu site%s, keyd %s", srv->cfg->sites.n, srv->cfg->sites.n == 1 ? "" : "s",
		 srv->cfg->keyd_path);
	/* After a first log line: syslog() reads the time zone file on its first message. */
	if (enter_sandbox(srv, o) < 0)
		goto out;
	frontd_worker_ready(w);
	if (event_base_dispatch(srv->base) < 0) {
		moat_log(MOAT_LOG_ERR, "event loop failed");
		goto out;
	}
	rc = 0;
	frontd_stats_log(srv, "exit");
out:
	frontd_stats_stop(srv);
	frontd_ocsp_stop(srv);
	frontd_listeners_close(srv);
	frontd_metrics_close_all(srv);
	frontd_conn_close_all(srv);
	frontd_drain_free(srv);
	frontd_accesslog_stop(srv);
	keyd_client_free(srv->keyd);
	srv->keyd = NULL;
	frontd_session_ids_stop(srv);
	frontd_metrics_detach(srv);
	if (ev_term != NULL)
		event_free(ev_term);
	if (ev_int != NULL)
		event_free(ev_int);
	if (srv->base != NULL)
		event_base_free(srv->base);
	srv->base = NULL;
	return rc;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	int done = parse_options(argc, argv, &o);
	if (done >= 0)
		return done;
	moat_log_open(IDENT, false, o.verbose ? MOAT_LOG_DEBUG : MOAT_LOG_INFO);

	struct moat_conf conf;
	struct frontd_config *cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL) {
		fprintf(stderr, "%s: out of memory\n", IDENT);
		return 1;
	}
	if (frontd_config_load(cfg, &conf, o.config) < 0) {
		const char *msg = moat_conf_error(&conf);
		fprintf(stderr, "%s\n", msg[0] != '\0' ? msg : moat_strerror(moat_errno, NULL));
		moat_conf_free(&conf);
		free(cfg);
		return 1;
	}
	moat_conf_free(&conf);
	if (o.test_only) {
		/* Before the master forks: ask keyd whether it holds every certificate's key (keyd_keys.h). */
		if (frontd_keys_check(cfg, stderr) > 0) {
			frontd_config_free(cfg);
			free(cfg);
			return 1;
		}
		printf("configuration OK\n");
		frontd_config_free(cfg);
		free(cfg);
		return 0;
	}
	if (o.print_policy != NULL) {
		int st = print_policy(cfg, o.print_policy);
		frontd_config_free(cfg);
		free(cfg);
		return st;
	}
	/* SIGHUP reads the same file again, after a daemon changed to /. */
	char *config_path = realpath(o.config, NULL);
	if (config_path == NULL) {
		fprintf(stderr, "%s: %s: %s\n", IDENT, o.config, strerror(errno));
		frontd_config_free(cfg);
		free(cfg);
		return 1;
	}

	/* Writes to a closed peer are errors to handle, not a reason to die (MSG_NOSIGNAL covers most). */
	signal(SIGPIPE, SIG_IGN);
	/* Out of lockable memory is no reason to stop serving (moat-frontd.conf(5): LimitMEMLOCK). */
	moat_secmem_allow_unlocked(true);
	frontd_evmem_install();
	const struct frontd_master_params params = {
		.ident = IDENT,
		.config_path = config_path,
		.foreground = o.foreground,
		.log_level = o.verbose ? MOAT_LOG_DEBUG : MOAT_LOG_INFO,
		.worker = serve,
		.arg = &o,
	};
	int status = frontd_master_run(cfg, &params);
	free(config_path);
	moat_log_close();
	return status;
}
