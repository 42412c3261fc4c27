/*
 * moat-frontd's process model (moat-frontd(8), PROCESSES): a master and its
 * workers, as in the web servers operators know.
 *
 * A sandboxed process cannot open a file, so it cannot read its
 * configuration again; the master can. The master parses the configuration
 * and loads the certificates (public chains: no private key, ever), binds
 * the listening sockets, drops privileges and forks the workers. It never
 * reads a byte from the network and never runs TLS: it waits for signals
 * and for its children. Each worker is what serves: the event loop, the
 * keyd connection, the access log and the sandbox, on the configuration
 * and the listening sockets it inherited.
 *
 * A configuration is a *generation*. On SIGHUP the master parses the file
 * again into a new generation (a mistake is logged with its file:line and
 * the running one stays), keeps the sockets of addresses that did not
 * change (so a port is never closed and reopened), binds the new ones,
 * forks the new generation's workers and, once they serve, tells the old
 * ones to stop accepting and finish what they have (their first SIGTERM).
 * A generation has "workers" processes, each with an index 0..N-1 that
 * outlives its pid: a worker that dies is restarted alone, in its index of
 * its generation, with a pause that grows when that index keeps dying; the
 * others and their connections are not touched. The first generation
 * serves (READY for systemd, the daemon's parent exits 0) once all its
 * workers do.
 */
#ifndef MOAT_FRONTD_MASTER_H
#define MOAT_FRONTD_MASTER_H

#include <signal.h>
#include <stdbool.h>

#include "common/log.h"
#include "frontd/config.h"

struct frontd_metrics_shm;

/* What a worker gets from the master (the fork's copy of it). */
struct frontd_worker_ctx {
	struct frontd_config *cfg; /* its generation's */
	const int *listen_fds;     /* bound and listening, parallel to cfg->listen */
	unsigned generation;
	unsigned index;            /* 0..workers-1: this worker's slot in its generation */
	unsigned workers;          /* the generation's count */
	pid_t master_pid;          /* the only sender of signals a worker acts on but SIGTERM/SIGINT (stats.c) */
	bool foreground;           /* -d: the log is stderr */
	int ready_fd;              /* to the master, until frontd_worker_ready */
	int errors_fd;             /* the starting daemon's terminal (errors only), -1 if none */
	sigset_t signals;          /* the mask to serve with */
	struct frontd_metrics_shm *metrics; /* every worker's metrics slots (metrics.h), NULL if none */
	size_t metrics_slot;       /* this worker's */
};

/* The worker's body: serve, and return the exit status once stopped. */
typedef int frontd_worker_fn(struct frontd_worker_ctx *w, void *arg);

struct frontd_master_params {
	const char *ident;       /* the log's */
	const char *config_path; /* absolute: read again on SIGHUP, after the daemon went to / */
	bool foreground;
	moat_log_level log_level;
	frontd_worker_fn *worker;
	void *arg;
};

/*
 * Run the master with the first generation's configuration (cfg, from
 * frontd_config_load; taken over and freed here). Returns the exit status,
 * in the master and in every worker, whose main then returns it.
 */
int frontd_master_run(struct frontd_config *cfg, const struct frontd_master_params *p);

/*
 * In the worker. Its signals stay blocked (as in the master) until its own
 * handlers are set: then this puts back the mask to serve with. Before the
 * sandbox, which does not allow sigprocmask.
 */
MOAT_MUST_USE int frontd_worker_unblock_signals(const struct frontd_worker_ctx *w);
/*
 * Serving: the sandbox is on and the listeners accept. Tells the master
 * (which then retires the previous generation, or lets the daemon's
 * starting parent exit 0) and lets go of the terminal.
 */
void frontd_worker_ready(struct frontd_worker_ctx *w);

#endif
