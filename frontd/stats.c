/*
 * The counters (server.h) as one log line, on SIGUSR1 and at exit.
 * SIGUSR1 also reopens the access log (accesslog.h), as it does in the
 * web servers whose logrotate recipes operators already have.
 *
 * The master passes SIGUSR1 on to each worker (master.c), so a worker acts
 * on it when the master sent it, and on no other copy: a signal to every
 * process of the daemon (pkill -USR1 moat-frontd, systemctl kill) would
 * otherwise reach each worker twice, straight and through the master, and
 * reopen its log twice. The sender is known from a signalfd (SIGUSR1 stays
 * blocked in the worker: frontd_worker_unblock_signals).
 *
 * One line, "name=value" pairs, so that a person reads it and a script
 * (the tests, a log shipper) takes a value out with a pattern. Secure
 * memory figures are the process's, from the secure heap: what is locked
 * now, what had to stay unlocked, and how often locking was refused.
 */
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/secmem.h"
#include "frontd/server.h"

void frontd_stats_log(struct frontd_server *srv, const char *why)
{
	const struct frontd_stats *s = srv->stats;
	struct moat_secmem_stats m;
	moat_secmem_get_stats(&m);
	const struct keyd_client_stats *ks = srv->keyd != NULL ? keyd_client_get_stats(srv->keyd) : NULL;
	moat_log(MOAT_LOG_NOTICE,
		 "stats (%s): open=%zu handshaking=%zu hello_bytes=%zu accepted=%llu handshakes=%llu "
		 "handshake_failures=%llu handshake_failures_closed=%llu handshake_failures_client_alert=%llu "
		 "handshake_failures_keyd=%llu handshake_failures_alert_sent=%llu closed_before_hello=%llu timeouts_first_byte=%llu timeouts_client_hello=%llu timeouts_handshake=%llu "
		 "refused_max_connections=%llu refused_max_handshakes=%llu refused_per_source=%llu "
		 "evicted_max_handshakes=%llu evicted_per_source=%llu evicted_hello_budget=%llu backend_failures=%llu "
		 "refused_proxy_untrusted=%llu proxy_header_refused=%llu "
		 "secmem_locked=%zu secmem_unlocked=%zu secmem_lock_failures=%llu secmem_unlocked_maps=%llu "
		 "keyd_signatures=%llu keyd_decryptions=%llu keyd_refused=%llu keyd_timeouts=%llu keyd_failed_fast=%llu keyd_resent=%llu "
		 "handshakes_resumed=%llu tickets_sealed=%llu tickets_opened=%llu tickets_rejected=%llu tickets_reissued=%llu "
		 "ticket_seal_failures=%llu ticket_open_failures=%llu worker=%u generation=%u",
		 why, srv->conn_count, srv->limits.handshakes, srv->limits.hello_bytes,
		 (unsigned long long)s->accepted, (unsigned long long)s->handshakes,
		 (unsigned long long)s->handshake_failures, (unsigned long long)s->handshake_failures_closed,
		 (unsigned long long)s->handshake_failures_client_alert, (unsigned long long)s->handshake_failures_keyd,
		 (unsigned long long)s->handshake_failures_alert_sent, (unsigned long long)s->closed_before_hello,
		 (unsigned long long)s->timeouts_first_byte,
		 (unsigned long long)s->timeouts_client_hello, (unsigned long long)s->timeouts_handshake,
		 (unsigned long long)s->refused_max_connections, (unsigned long long)s->refused_max_handshakes,
		 (unsigned long long)s->refused_per_source, (unsigned long long)s->evicted_max_handshakes,
		 (unsigned long long)s->evicted_per_source,
		 (unsigned long long)s->evicted_hello_budget, (unsigned long long)s->backend_failures,
		 (unsigned long long)s->refused_proxy_untrusted, (unsigned long long)s->proxy_header_refused, m.locked_bytes,
		 m.unlocked_bytes, (unsigned long long)m.lock_failures, (unsigned long long)m.unlocked_maps,
		 (unsigned long long)(ks ? ks->signed_ok : 0), (unsigned long long)(ks ? ks->decrypted_ok : 0),
		 (unsigned long long)(ks ? ks->refused : 0),
		 (unsigned long long)(ks ? ks->timeouts : 0), (unsigned long long)(ks ? ks->failed_fast : 0),
		 (unsigned long long)(ks ? ks->resent : 0), (unsigned long long)s->handshakes_resumed,
		 (unsigned long long)(ks ? ks->tickets_sealed : 0), (unsigned long long)(ks ? ks->tickets_opened : 0),
		 (unsigned long long)s->tickets_rejected, (unsigned long long)s->tickets_reissued,
		 (unsigned long long)s->ticket_seal_failures, (unsigned long long)s->ticket_open_failures,
		 srv->worker_index, srv->generation);
}

static void usr1_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct frontd_server *srv = arg;
	struct signalfd_siginfo si;
	ssize_t n;
	while ((n = read(fd, &si, sizeof(si))) == (ssize_t)sizeof(si)) {
		if (srv->master_pid > 0 && (pid_t)si.ssi_pid != srv->master_pid) {
			moat_log(MOAT_LOG_INFO, "SIGUSR1 from pid %u left to the master, which passes it on to each worker",
				 (unsigned)si.ssi_pid);
			continue;
		}
		frontd_stats_log(srv, "SIGUSR1");
		/* The signal logrotate sends (moat-frontd(8)): the stats line costs nothing extra. */
		frontd_accesslog_reopen(srv);
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		moat_log(MOAT_LOG_ERR, "SIGUSR1: signalfd: %s", strerror(errno));
}

int frontd_stats_start(struct frontd_server *srv)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	srv->usr1_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	ENSURE(srv->usr1_fd >= 0, MOAT_ERR_IO);
	srv->ev_stats = event_new(srv->base, srv->usr1_fd, EV_READ | EV_PERSIST, usr1_cb, srv);
	ENSURE(srv->ev_stats != NULL, MOAT_ERR_ALLOC);
	ENSURE(event_add(srv->ev_stats, NULL) == 0, MOAT_ERR_INTERNAL);
	return MOAT_SUCCESS;
}

void frontd_stats_stop(struct frontd_server *srv)
{
	if (srv->ev_stats != NULL) {
		event_free(srv->ev_stats);
		srv->ev_stats = NULL;
	}
	if (srv->usr1_fd >= 0) {
		close(srv->usr1_fd);
		srv->usr1_fd = -1;
	}
}
