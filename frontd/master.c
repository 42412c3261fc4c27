/*
 * The master process (master.h): generations, workers, signals.
 *
 * The loop waits with poll(2) on a signalfd (HUP, USR1, TERM, INT, CHLD are
 * blocked and read from it, so nothing runs in a signal handler) and on
 * each starting worker's ready pipe, with a timeout when a restart is due.
 * No libevent here: the workers create their event bases after the fork.
 *
 * Workers: a generation runs "workers" processes (moat-frontd.conf(5)),
 * each known by its index 0..N-1 as well as its pid. A worker that dies is
 * restarted alone, in its slot, with a back-off of its own; the others keep
 * serving, and with them their connections.
 *
 * Sockets: one listening socket per address, shared by every worker of the
 * generation, each accepting on it from its own event loop. Not
 * SO_REUSEPORT (a socket per worker, the kernel spreading connections by a
 * hash of the addresses): the hash ignores how busy a worker is, and the
 * connections queued on a dead worker's socket wait for its restart (or
 * are reset with the socket), whereas on a shared socket the other workers
 * take them at once, and a reload hands the one socket over as it is. A
 * quick loop on this 2-CPU machine (2 accepting processes, 2000
 * connections, one process busy 2 ms per connection): shared socket
 * 1972/28 (the idle process took what the busy one could not), the same
 * with EPOLLEXCLUSIVE 1973/27, SO_REUSEPORT 1/2 each whatever the load;
 * without load all three split 50/50 within 5%. A shared socket wakes
 * every idle worker for a connection (here 3% of the wake-ups found
 * nothing to accept). EPOLLEXCLUSIVE would avoid that but libevent has no
 * flag for it, and an inner epoll set watched by libevent does not help:
 * a wake-up through a nested epoll set is not counted as exclusive.
 *
 * The master holds one descriptor per listening address of the
 * current generation (and of the one starting, during a reload). A new
 * generation takes the descriptor of every address the current one has,
 * found by address, so the socket, its port and its queue of connections
 * not yet accepted live on; old and new workers accept on it until the
 * old ones stop. Addresses that are gone are closed by the master once the
 * new generation serves; the old workers close their copies when they stop
 * accepting.
 *
 * A worker inherits the master's memory and descriptors. Right after the
 * fork it closes every descriptor but its generation's sockets, its ready
 * pipe and stdio (no other generation's socket, no other worker's pipe),
 * frees the other generation's configuration, and dies with the master
 * (PR_SET_PDEATHSIG: SIGTERM, the graceful stop).
 */
#include <config.h>

#include "common/log.h"
#include "frontd/master.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "frontd/listen.h"
#include "frontd/metrics.h"
#include "frontd/notify.h"

/* Workers tracked at once: the generation that serves, one starting, and older ones still draining. */
#define MAX_WORKERS (4u * FRONTD_MAX_WORKERS)
/* Crash loop back-off: the first restart at once, then 100 ms doubling up to 5 s; forgiven after 10 s of serving. */
#define RESTART_FIRST_PAUSE_MS 100u
#define RESTART_MAX_PAUSE_MS 5000u
#define RESTART_FORGIVE_MS 10000u

struct generation {
	unsigned number;
	struct frontd_config *cfg;
	int fds[FRONTD_MAX_LISTEN]; /* parallel to cfg->listen */
	unsigned workers;           /* processes, indexes 0..workers-1 */
	/* Per worker index: crashes in a row (the back-off), and when a restart is due (0: none). */
	unsigned crashes[FRONTD_MAX_WORKERS];
	uint64_t restart_at_ms[FRONTD_MAX_WORKERS];
};

enum worker_state { WORKER_FREE, WORKER_STARTING, WORKER_SERVING, WORKER_STOPPING };

struct worker {
	enum worker_state state;
	pid_t pid;
	unsigned generation;
	unsigned index; /* 0..workers-1 in its generation */
	int ready_fd; /* read end while starting */
	uint64_t started_ms;
	unsigned stops_sent; /* SIGTERMs: the first drains, the second stops at once */
};

struct master {
	const struct frontd_master_params *p;
	struct generation gens[2];
	struct generation *cur;     /* serving (NULL until the first serves) */
	struct generation *pending; /* starting */
	unsigned last_generation;
	struct worker workers[MAX_WORKERS];
	/* The CPUs the master may run on, in order: worker i is pinned to cpus[i % cpu_count] (worker-cpu-affinity). */
	int cpus[CPU_SETSIZE];
	unsigned cpu_count;
	int sigfd;
	sigset_t serve_mask;  /* what the workers serve with */
	int daemon_fd;        /* to the daemon's waiting parent until serving, else -1 */
	int errors_fd;        /* the caller's stderr, while it waits */
	unsigned stopping;    /* SIGTERM/SIGINT received: 1, 2 */
	int notify_fd;        /* systemd's notify socket, -1 if none (notify.h) */
	int passed[FRONTD_MAX_LISTEN]; /* sockets systemd passed, per listen line of the first generation, or -1 */
	bool reload_wanted;   /* SIGHUP while a generation was starting */
	struct frontd_metrics_shm *metrics; /* slot i: workers[i]'s (metrics.h) */
	int status;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* "status 3", "signal 11, Segmentation fault" */
static void describe_exit(int status, char *out, size_t out_size)
{
	if (WIFEXITED(status))
		snprintf(out, out_size, "status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, out_size, "signal %d, %s", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(out, out_size, "wait status %#x", (unsigned)status);
}

/* ---- events: one function each, where service managers hook in ------------------ */

static void notify(struct master *m, enum frontd_notify_state state)
{
	struct frontd_notify_status st = { 0 };
	if (m->cur != NULL) {
		st.generation = m->cur->number;
		st.sites = m->cur->cfg->sites.n;
		st.listeners = m->cur->cfg->listen_count;
		st.workers = m->cur->workers;
	}
	frontd_notify(m->notify_fd, state, &st);
}

/* The first generation serves: the daemon's parent may exit 0, and the terminal is let go. */
static void on_serving(struct master *m)
{
	moat_log(MOAT_LOG_NOTICE, "serving: generation %u (%zu site%s, %u worker%s)", m->cur->number,
		 m->cur->cfg->sites.n, moat_plural(m->cur->cfg->sites.n), m->cur->workers, moat_plural(m->cur->workers));
	notify(m, FRONTD_NOTIFY_READY);
	if (m->daemon_fd >= 0) {
		ssize_t n = write(m->daemon_fd, "r", 1);
		(void)n; /* the parent may be gone: nobody to tell then */
		close(m->daemon_fd);
		m->daemon_fd = -1;
	}
	if (m->errors_fd >= 0) {
		moat_log_errors_to(-1);
		close(m->errors_fd);
		m->errors_fd = -1;
	}
}

static void on_reloading(struct master *m)
{
	moat_log(MOAT_LOG_NOTICE, "reload: reading %s", m->p->config_path);
	notify(m, FRONTD_NOTIFY_RELOADING);
}

static void on_reloaded(struct master *m)
{
	moat_log(MOAT_LOG_NOTICE, "reload: generation %u serving (%zu site%s, %u worker%s)", m->cur->number,
		 m->cur->cfg->sites.n, moat_plural(m->cur->cfg->sites.n), m->cur->workers, moat_plural(m->cur->workers));
	notify(m, FRONTD_NOTIFY_READY);
}

static void on_reload_failed(struct master *m, const char *why)
{
	moat_log(MOAT_LOG_ERR, "reload refused: %s", why);
	if (m->cur != NULL)
		moat_log(MOAT_LOG_NOTICE, "generation %u keeps serving", m->cur->number);
	/* systemd leaves the reloading state on READY=1, whatever became of the reload. */
	notify(m, FRONTD_NOTIFY_READY);
}

static void on_stopping(struct master *m, int sig)
{
	moat_log(MOAT_LOG_NOTICE, "signal %d: exiting", sig);
	notify(m, FRONTD_NOTIFY_STOPPING);
}

/* ---- generations -------------------------------------------------------------------- */

static bool same_address(const struct frontd_listen *a, const struct frontd_listen *b)
{
	if (a->addr.ss_family != b->addr.ss_family)
		return false;
	switch (a->addr.ss_family) {
	case AF_INET: {
		const struct sockaddr_in *x = (const struct sockaddr_in *)&a->addr;
		const struct sockaddr_in *y = (const struct sockaddr_in *)&b->addr;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)&a->addr;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)&b->addr;
		return x->sin6_port == y->sin6_port && x->sin6_scope_id == y->sin6_scope_id &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	default:
		return a->addr_len == b->addr_len && memcmp(&a->addr, &b->addr, a->addr_len) == 0;
	}
}

static bool gen_has_fd(const struct generation *g, int fd)
{
	if (g == NULL || g->cfg == NULL)
		return false;
	for (size_t i = 0; i < g->cfg->listen_count; i++)
		if (g->fds[i] == fd)
			return true;
	return false;
}

/* Free g; close its sockets except those other (the generation that goes on) shares. */
static void gen_release(struct generation *g, const struct generation *other)
{
	if (g->cfg != NULL) {
		for (size_t i = 0; i < g->cfg->listen_count; i++)
			if (g->fds[i] >= 0 && !gen_has_fd(other, g->fds[i])) {
				moat_log(MOAT_LOG_INFO, "no longer listening on %s", g->cfg->listen[i].desc);
				close(g->fds[i]);
			}
		frontd_config_free(g->cfg);
		free(g->cfg);
	}
	memset(g, 0, sizeof(*g));
}

/* A new generation on cfg (taken over): sockets from cur where the address is the same, else bound now. */
static struct generation *gen_new(struct master *m, struct frontd_config *cfg, char *err, size_t err_size)
{
	struct generation *g = m->cur == &m->gens[0] || m->pending == &m->gens[0] ? &m->gens[1] : &m->gens[0];
	memset(g, 0, sizeof(*g));
	g->cfg = cfg;
	g->number = m->last_generation + 1; /* taken once it is made: a refused reload takes no number */
	g->workers = frontd_config_workers(cfg);
	for (size_t i = 0; i < FRONTD_MAX_LISTEN; i++)
		g->fds[i] = -1;
	for (size_t i = 0; i < cfg->listen_count; i++) {
		if (m->cur != NULL)
			for (size_t j = 0; j < m->cur->cfg->listen_count && g->fds[i] < 0; j++)
				if (same_address(&cfg->listen[i], &m->cur->cfg->listen[j]))
					g->fds[i] = m->cur->fds[j];
		if (m->cur == NULL && m->passed[i] >= 0) {
			/* The first generation takes what systemd passed; it is its own from then on. */
			g->fds[i] = m->passed[i];
			m->passed[i] = -1;
		}
		if (g->fds[i] >= 0)
			continue;
		g->fds[i] = frontd_listen_bind(&cfg->listen[i]);
		if (g->fds[i] < 0) {
			snprintf(err, err_size, "cannot listen on %s: %s", cfg->listen[i].desc, strerror(errno));
			gen_release(g, m->cur);
			return NULL;
		}
		if (m->cur != NULL)
			moat_log(MOAT_LOG_INFO, "new listener %s", cfg->listen[i].desc);
	}
	m->last_generation = g->number;
	return g;
}

static struct generation *gen_by_number(struct master *m, unsigned number)
{
	if (m->cur != NULL && m->cur->number == number)
		return m->cur;
	if (m->pending != NULL && m->pending->number == number)
		return m->pending;
	return NULL;
}

/* ---- workers ------------------------------------------------------------------------ */

static size_t workers_alive(const struct master *m)
{
	size_t n = 0;
	for (size_t i = 0; i < MAX_WORKERS; i++)
		n += m->workers[i].state != WORKER_FREE;
	return n;
}

static void worker_stop(struct worker *w)
{
	if (w->ready_fd >= 0) {
		close(w->ready_fd);
		w->ready_fd = -1;
	}
	w->state = WORKER_STOPPING;
	w->stops_sent++;
	kill(w->pid, SIGTERM);
}

/* Everything of the master's that a worker must not keep. */
static void child_close_descriptors(const struct generation *g, int ready_fd, int errors_fd)
{
	struct rlimit rl;
	int top = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ? (int)rl.rlim_cur : 65536;
	for (int fd = 3; fd < top; fd++)
		if (fd != ready_fd && fd != errors_fd && !gen_has_fd(g, fd))
			close(fd);
}

/* worker-cpu-affinity: worker i on the i-th CPU the master may use (wrapping round when there are more workers). */
static void pin_worker(const struct master *m, unsigned index)
{
	if (m->cpu_count == 0)
		return;
	int cpu = m->cpus[index % m->cpu_count];
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET((size_t)cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		moat_log(MOAT_LOG_WARNING, "worker %u: cannot pin to CPU %d: %s", index, cpu, strerror(errno));
	else
		moat_log(MOAT_LOG_INFO, "worker %u: pinned to CPU %d", index, cpu);
}

static void worker_child(struct master *m, struct generation *g, unsigned index, int ready_fd, pid_t master_pid,
			 size_t slot)
{
	const struct frontd_master_params *p = m->p;
	/* glibc's syslog socket is among the descriptors closed below: closed through its owner, opened again. */
	moat_log_close();
	child_close_descriptors(g, ready_fd, m->errors_fd);
	m->notify_fd = -1; /* closed above: systemd hears the master only (NotifyAccess=main) */
	moat_log_open(p->ident, !p->foreground, p->log_level);
	if (m->errors_fd >= 0)
		moat_log_errors_to(m->errors_fd);
	/* The master's death is a graceful stop; a Ctrl-C on the terminal is the master's to forward. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) != 0 || getppid() != master_pid)
		_exit(1);
	(void)setpgid(0, 0);
	signal(SIGHUP, SIG_IGN); /* the master's signal: one sent to the whole group must not end a worker */
	if (g->cfg->worker_cpu_affinity)
		pin_worker(m, index);
	/* The daemon's limits, shared out: each worker enforces its part (moat-frontd.conf(5), WORKERS). */
	frontd_config_share_limits(g->cfg, g->workers);
	struct generation *other = g == &m->gens[0] ? &m->gens[1] : &m->gens[0];
	if (other->cfg != NULL) {
		frontd_config_free(other->cfg);
		free(other->cfg);
		other->cfg = NULL;
	}
	struct frontd_worker_ctx ctx = {
		.cfg = g->cfg,
		.listen_fds = g->fds,
		.generation = g->number,
		.index = index,
		.workers = g->workers,
		.master_pid = master_pid,
		.foreground = p->foreground,
		.ready_fd = ready_fd,
		.errors_fd = m->errors_fd,
		.signals = m->serve_mask,
		.metrics = m->metrics,
		.metrics_slot = slot,
	};
	int rc = p->worker(&ctx, p->arg);
	frontd_config_free(g->cfg);
	free(g->cfg);
	moat_log_close();
	exit(rc);
}

static int worker_spawn(struct master *m, struct generation *g, unsigned index)
{
	struct worker *w = NULL;
	for (size_t i = 0; i < MAX_WORKERS && w == NULL; i++)
		if (m->workers[i].state == WORKER_FREE)
			w = &m->workers[i];
	if (w == NULL) {
		moat_log(MOAT_LOG_ERR, "cannot start worker %u: %u are still stopping", index, MAX_WORKERS);
		return -1;
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		moat_log(MOAT_LOG_ERR, "cannot start a worker: pipe: %s", strerror(errno));
		return -1;
	}
	frontd_metrics_shm_claim(m->metrics, (size_t)(w - m->workers));
	pid_t master_pid = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		moat_log(MOAT_LOG_ERR, "cannot start a worker: fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		worker_child(m, g, index, p[1], master_pid, (size_t)(w - m->workers));
	}
	close(p[1]);
	*w = (struct worker){ .state = WORKER_STARTING, .pid = pid, .generation = g->number, .index = index,
			      .ready_fd = p[0], .started_ms = now_ms() };
	moat_log(MOAT_LOG_INFO, "worker %ld starting, generation %u (worker %u of %u)", (long)pid, g->number, index,
		 g->workers);
	return 0;
}

static int gen_spawn_all(struct master *m, struct generation *g)
{
	for (unsigned i = 0; i < g->workers; i++)
		if (worker_spawn(m, g, i) < 0)
			return -1;
	return 0;
}

/* Stop every worker of generation number (all generations but the current one: 0). */
static void stop_generation(struct master *m, unsigned number)
{
	for (size_t i = 0; i < MAX_WORKERS; i++) {
		struct worker *w = &m->workers[i];
		if (w->state == WORKER_FREE || w->stops_sent > 0)
			continue;
		if (number != 0 ? w->generation == number : m->cur == NULL || w->generation != m->cur->number)
			worker_stop(w);
	}
}

static bool gen_all_serving(const struct master *m, const struct generation *g)
{
	size_t serving = 0;
	for (size_t i = 0; i < MAX_WORKERS; i++)
		if (m->workers[i].generation == g->number && m->workers[i].state == WORKER_SERVING)
			serving++;
	return serving >= g->workers;
}

/* ---- reload ------------------------------------------------------------------------- */

static void reload(struct master *m)
{
	if (m->pending != NULL) {
		/* One generation starts at a time; the file is read again once it serves. */
		m->reload_wanted = true;
		moat_log(MOAT_LOG_NOTICE, "reload: generation %u is still starting; reading the file again once it serves",
			 m->pending->number);
		return;
	}
	m->reload_wanted = false;
	on_reloading(m);
	struct moat_conf conf;
	struct frontd_config *cfg = calloc(1, sizeof(*cfg));
	char err[512];
	if (cfg == NULL) {
		on_reload_failed(m, "out of memory");
		return;
	}
	if (frontd_config_load(cfg, &conf, m->p->config_path) < 0) {
		const char *msg = moat_conf_error(&conf);
		snprintf(err, sizeof(err), "%s", msg[0] != '\0' ? msg : moat_strerror(moat_errno, NULL));
		moat_error_clear();
		moat_conf_free(&conf);
		free(cfg);
		on_reload_failed(m, err);
		return;
	}
	moat_conf_free(&conf);
	if (cfg->user != NULL && getuid() != cfg->uid && geteuid() != 0)
		moat_log(MOAT_LOG_WARNING, "reload: \"user %s\" takes effect at the next start only", cfg->user);
	struct generation *g = gen_new(m, cfg, err, sizeof(err));
	if (g == NULL) {
		on_reload_failed(m, err);
		return;
	}
	m->pending = g;
	if (gen_spawn_all(m, g) < 0) {
		stop_generation(m, g->number);
		gen_release(g, m->cur);
		m->pending = NULL;
		on_reload_failed(m, "cannot start the new generation's workers");
	}
}

/* A starting generation failed (a worker died before serving): the current one goes on. */
static void abandon_pending(struct master *m, const char *why)
{
	struct generation *g = m->pending;
	stop_generation(m, g->number);
	m->pending = NULL;
	gen_release(g, m->cur);
	on_reload_failed(m, why);
}

/* Every worker of the pending generation serves: it becomes the current one, the old one stops. */
static void promote_pending(struct master *m)
{
	struct generation *old = m->cur;
	m->cur = m->pending;
	m->pending = NULL;
	if (old == NULL) {
		on_serving(m);
	} else {
		stop_generation(m, 0);
		gen_release(old, m->cur);
		on_reloaded(m);
	}
	if (m->reload_wanted)
		reload(m);
}

/* ---- events ------------------------------------------------------------------------- */

static void worker_ready(struct master *m, struct worker *w)
{
	char buf[16];
	ssize_t n;
	while ((n = read(w->ready_fd, buf, sizeof(buf))) < 0 && errno == EINTR)
		;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	close(w->ready_fd);
	w->ready_fd = -1;
	if (n <= 0)
		return; /* closed without a word: it is dying, and SIGCHLD says how */
	w->state = WORKER_SERVING;
	const struct generation *g = gen_by_number(m, w->generation);
	moat_log(MOAT_LOG_NOTICE, "worker %ld serving generation %u (worker %u of %u)", (long)w->pid, w->generation,
		 w->index, g != NULL ? g->workers : 0);
	if (m->pending != NULL && w->generation == m->pending->number && gen_all_serving(m, m->pending))
		promote_pending(m);
}

/* The worker in w's slot starts again, after a pause that grows while that slot keeps crashing. */
static void schedule_restart(struct generation *g, const struct worker *w, const char *how)
{
	unsigned *crashes = &g->crashes[w->index];
	if (now_ms() - w->started_ms >= RESTART_FORGIVE_MS)
		*crashes = 0;
	uint64_t pause = 0;
	if (*crashes > 0) {
		pause = RESTART_FIRST_PAUSE_MS;
		for (unsigned i = 1; i < *crashes && pause < RESTART_MAX_PAUSE_MS; i++)
			pause *= 2;
		if (pause > RESTART_MAX_PAUSE_MS)
			pause = RESTART_MAX_PAUSE_MS;
	}
	(*crashes)++;
	uint64_t at = now_ms() + pause;
	g->restart_at_ms[w->index] = at > 0 ? at : 1; /* 0 stands for none due */
	moat_log(MOAT_LOG_ERR, "worker %ld exited (%s); restarting in %llu ms (worker %u of %u, generation %u)",
		 (long)w->pid, how, (unsigned long long)pause, w->index, g->workers, g->number);
}

static void worker_exited(struct master *m, struct worker *w, int status)
{
	char how[96];
	describe_exit(status, how, sizeof(how));
	bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	enum worker_state was = w->state;
	struct worker gone = *w;
	/* Its counters go on in the retired total; the slot is clean for the next worker in this entry. */
	frontd_metrics_shm_retire(m->metrics, (size_t)(w - m->workers));
	if (w->ready_fd >= 0)
		close(w->ready_fd);
	memset(w, 0, sizeof(*w));
	w->ready_fd = -1;
	struct generation *g = gen_by_number(m, gone.generation);

	if (was == WORKER_STOPPING || m->stopping > 0) {
		if (!clean)
			m->status = 1;
		moat_log(clean ? MOAT_LOG_INFO : MOAT_LOG_WARNING, "worker %ld of generation %u exited (%s) as worker %u",
			 (long)gone.pid, gone.generation, how, gone.index);
		return;
	}
	if (was == WORKER_STARTING && g != NULL && g == m->pending) {
		char why[192];
		snprintf(why, sizeof(why), "worker %ld exited (%s) before serving (worker %u of generation %u)",
			 (long)gone.pid, how, gone.index, gone.generation);
		if (m->cur == NULL) {
			/* The first generation never served: nothing to keep up, the start failed. */
			moat_log(MOAT_LOG_ERR, "%s", why);
			m->status = 1;
			m->stopping = 2;
			stop_generation(m, g->number);
			return;
		}
		abandon_pending(m, why);
		return;
	}
	if (g == NULL) {
		moat_log(MOAT_LOG_WARNING, "worker %ld of generation %u exited (%s)", (long)gone.pid, gone.generation,
			 how);
		return;
	}
	/* Unexpected: its connections are lost, the other workers' are not. */
	schedule_restart(g, &gone, how);
}

static void reap(struct master *m)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid <= 0)
			return;
		for (size_t i = 0; i < MAX_WORKERS; i++)
			if (m->workers[i].state != WORKER_FREE && m->workers[i].pid == pid)
				worker_exited(m, &m->workers[i], status);
	}
}

static void forward(struct master *m, int sig)
{
	for (size_t i = 0; i < MAX_WORKERS; i++)
		if (m->workers[i].state != WORKER_FREE)
			kill(m->workers[i].pid, sig);
}

static void stop(struct master *m, int sig)
{
	m->stopping++;
	if (m->stopping == 1) {
		on_stopping(m, sig);
		if (m->pending != NULL) {
			stop_generation(m, m->pending->number);
			gen_release(m->pending, m->cur);
			m->pending = NULL;
		}
		for (size_t i = 0; i < 2; i++)
			memset(m->gens[i].restart_at_ms, 0, sizeof(m->gens[i].restart_at_ms));
		/* Nothing will accept again: the ports close as soon as the workers' copies do. */
		if (m->cur != NULL)
			for (size_t i = 0; i < m->cur->cfg->listen_count; i++)
				if (m->cur->fds[i] >= 0) {
					close(m->cur->fds[i]);
					m->cur->fds[i] = -1;
				}
		for (size_t i = 0; i < MAX_WORKERS; i++)
			if (m->workers[i].state != WORKER_FREE && m->workers[i].stops_sent == 0)
				worker_stop(&m->workers[i]);
		return;
	}
	moat_log(MOAT_LOG_NOTICE, "signal %d again: the workers stop at once", sig);
	for (size_t i = 0; i < MAX_WORKERS; i++)
		if (m->workers[i].state != WORKER_FREE && m->workers[i].stops_sent < 2) {
			while (m->workers[i].stops_sent < 2)
				worker_stop(&m->workers[i]);
		}
}

static void on_signal(struct master *m, int sig)
{
	switch (sig) {
	case SIGCHLD:
		reap(m);
		break;
	case SIGHUP:
		if (m->stopping == 0)
			reload(m);
		break;
	case SIGUSR1:
		/* Statistics and the access log's reopening happen in the workers, old ones included. */
		forward(m, SIGUSR1);
		break;
	case SIGTERM:
	case SIGINT:
		stop(m, sig);
		break;
	default:
		break;
	}
}

static void restarts(struct master *m)
{
	uint64_t now = now_ms();
	for (size_t i = 0; i < 2; i++) {
		struct generation *g = &m->gens[i];
		if (g->cfg == NULL || m->stopping > 0)
			continue;
		for (unsigned k = 0; k < g->workers; k++) {
			if (g->restart_at_ms[k] == 0 || now < g->restart_at_ms[k])
				continue;
			g->restart_at_ms[k] = 0;
			if (worker_spawn(m, g, k) < 0)
				g->restart_at_ms[k] = now + RESTART_MAX_PAUSE_MS;
		}
	}
}

/* poll's timeout: until the next restart due, -1 if none. */
static int restart_wait_ms(const struct master *m)
{
	int timeout = -1;
	uint64_t now = now_ms();
	for (size_t i = 0; i < 2; i++) {
		const struct generation *g = &m->gens[i];
		if (g->cfg == NULL)
			continue;
		for (unsigned k = 0; k < g->workers; k++) {
			if (g->restart_at_ms[k] == 0)
				continue;
			uint64_t wait = g->restart_at_ms[k] > now ? g->restart_at_ms[k] - now : 0;
			if (timeout < 0 || wait < (uint64_t)timeout)
				timeout = (int)wait;
		}
	}
	return timeout;
}

static int loop(struct master *m)
{
	while (!(m->stopping > 0 && workers_alive(m) == 0)) {
		struct pollfd pfd[1 + MAX_WORKERS];
		struct worker *by_slot[1 + MAX_WORKERS];
		nfds_t n = 0;
		pfd[n++] = (struct pollfd){ .fd = m->sigfd, .events = POLLIN };
		for (size_t i = 0; i < MAX_WORKERS; i++)
			if (m->workers[i].state == WORKER_STARTING && m->workers[i].ready_fd >= 0) {
				by_slot[n] = &m->workers[i];
				pfd[n++] = (struct pollfd){ .fd = m->workers[i].ready_fd, .events = POLLIN };
			}
		int r = poll(pfd, n, restart_wait_ms(m));
		if (r < 0 && errno != EINTR) {
			moat_log(MOAT_LOG_ERR, "poll: %s", strerror(errno));
			return -1;
		}
		if (r > 0 && (pfd[0].revents & POLLIN)) {
			struct signalfd_siginfo si;
			while (read(m->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				on_signal(m, (int)si.ssi_signo);
		}
		for (nfds_t i = 1; r > 0 && i < n; i++)
			if (pfd[i].revents != 0 && by_slot[i]->state == WORKER_STARTING && by_slot[i]->ready_fd == pfd[i].fd)
				worker_ready(m, by_slot[i]);
		/* A child may have gone between signalfd reads: reaping is cheap and idempotent. */
		reap(m);
		restarts(m);
	}
	return 0;
}

/* ---- startup ------------------------------------------------------------------------ */

static int drop_privileges(const struct frontd_config *cfg)
{
	if (geteuid() != 0) {
		if (cfg->user != NULL && getuid() != cfg->uid)
			moat_log(MOAT_LOG_NOTICE, "not started as root: staying uid %u (\"user %s\" ignored)",
				 (unsigned)getuid(), cfg->user);
		return 0;
	}
	if (cfg->user == NULL) {
		moat_log(MOAT_LOG_WARNING, "running as root: set \"user\" in the configuration");
		return 0;
	}
	if (setgroups(1, &cfg->gid) < 0 || setgid(cfg->gid) < 0 || setuid(cfg->uid) < 0) {
		moat_log(MOAT_LOG_ERR, "cannot drop privileges to %s: %s", cfg->user, strerror(errno));
		return -1;
	}
	/* Paranoia: the drop must be irreversible. */
	if (cfg->uid != 0 && (setuid(0) == 0 || geteuid() == 0)) {
		moat_log(MOAT_LOG_ERR, "privileges could be regained after dropping them");
		return -1;
	}
	moat_log(MOAT_LOG_INFO, "running as %s (uid %u, gid %u)", cfg->user, (unsigned)cfg->uid, (unsigned)cfg->gid);
	return 0;
}

/*
 * Daemon mode: fork; the parent waits on a pipe and exits 0 when the master
 * says the first generation serves, 1 when the pipe closes first (the master
 * wrote the error to the terminal before it went). The child (the master) is
 * a new session leader in /, with stdio on /dev/null but for a copy of stderr
 * its errors go to until then.
 */
static int detach(struct master *m)
{
	int p[2];
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0 || pipe2(p, O_CLOEXEC) < 0) {
		moat_log(MOAT_LOG_ERR, "cannot daemonize: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		moat_log(MOAT_LOG_ERR, "cannot daemonize: fork: %s", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		close(p[1]);
		char c;
		ssize_t n;
		while ((n = read(p[0], &c, 1)) < 0 && errno == EINTR)
			;
		_exit(n == 1 ? 0 : 1);
	}
	close(p[0]);
	m->daemon_fd = p[1];
	m->errors_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (setsid() < 0 || chdir("/") < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0) {
		moat_log(MOAT_LOG_ERR, "cannot daemonize: %s", strerror(errno));
		return -1;
	}
	close(devnull);
	moat_log_open(m->p->ident, true, m->p->log_level);
	if (m->errors_fd >= 0)
		moat_log_errors_to(m->errors_fd);
	return 0;
}

static int setup_signals(struct master *m)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, &m->serve_mask) < 0)
		return -1;
	m->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return m->sigfd < 0 ? -1 : 0;
}

int frontd_master_run(struct frontd_config *cfg, const struct frontd_master_params *p)
{
	struct master m;
	memset(&m, 0, sizeof(m));
	m.p = p;
	m.sigfd = m.daemon_fd = m.errors_fd = m.notify_fd = -1;
	for (size_t i = 0; i < MAX_WORKERS; i++)
		m.workers[i].ready_fd = -1;
	char err[512];
	int status = 1;
	if (frontd_notify_open(&m.notify_fd) < 0) {
		moat_log_error(MOAT_LOG_ERR, "cannot reach systemd's notify socket (NOTIFY_SOCKET)");
		return 1;
	}
	if (frontd_listen_take_passed(cfg, m.passed) < 0) {
		frontd_notify_close(&m.notify_fd);
		return 1;
	}
	struct generation *g = gen_new(&m, cfg, err, sizeof(err));
	for (size_t i = 0; i < FRONTD_MAX_LISTEN; i++)
		if (m.passed[i] >= 0)
			close(m.passed[i]);
	if (g == NULL) {
		frontd_notify_close(&m.notify_fd);
		return 1;
	}
	m.pending = g;
	m.metrics = frontd_metrics_shm_new(MAX_WORKERS);
	if (m.metrics == NULL)
		goto out;
	if (drop_privileges(cfg) < 0)
		goto out;
	if (!p->foreground && detach(&m) < 0)
		goto out;
	/*
	 * The master holds certificates and the listening sockets, never a key:
	 * still, nobody of its uid attaches to it or reads its memory, and
	 * nothing it (or a worker) runs gains privileges.
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		moat_log(MOAT_LOG_ERR, "cannot harden the master: %s", strerror(errno));
		goto out;
	}
	if (setup_signals(&m) < 0) {
		moat_log(MOAT_LOG_ERR, "cannot set up signals: %s", strerror(errno));
		goto out;
	}
	moat_log(MOAT_LOG_INFO, "master %ld: configuration %s", (long)getpid(), p->config_path);
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0)
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET((size_t)c, &cpus))
				m.cpus[m.cpu_count++] = c;
	if (gen_spawn_all(&m, g) < 0) {
		m.stopping = 2;
		m.status = 1;
		stop_generation(&m, g->number);
	}
	if (loop(&m) < 0)
		m.status = 1;
	status = m.status;
	if (status == 0)
		moat_log(MOAT_LOG_NOTICE, "stopped");
out:
	if (m.pending != NULL)
		gen_release(m.pending, m.cur);
	if (m.cur != NULL)
		gen_release(m.cur, NULL);
	if (m.sigfd >= 0)
		close(m.sigfd);
	if (m.daemon_fd >= 0)
		close(m.daemon_fd);
	if (m.errors_fd >= 0)
		close(m.errors_fd);
	frontd_notify_close(&m.notify_fd);
	frontd_metrics_shm_free(m.metrics);
	return status;
}

int frontd_worker_unblock_signals(const struct frontd_worker_ctx *w)
{
	/* SIGUSR1 stays blocked: it is read from a signalfd, which says who sent it (stats.c). */
	sigset_t mask = w->signals;
	sigaddset(&mask, SIGUSR1);
	ENSURE(sigprocmask(SIG_SETMASK, &mask, NULL) == 0, MOAT_ERR_INTERNAL);
	return MOAT_SUCCESS;
}

void frontd_worker_ready(struct frontd_worker_ctx *w)
{
	if (w->errors_fd >= 0) {
		moat_log_errors_to(-1);
		close(w->errors_fd);
		w->errors_fd = -1;
	}
	if (w->ready_fd >= 0) {
		ssize_t n = write(w->ready_fd, "ready", 5);
		(void)n; /* a master that is gone has sent SIGTERM already (PR_SET_PDEATHSIG) */
		close(w->ready_fd);
		w->ready_fd = -1;
	}
}
