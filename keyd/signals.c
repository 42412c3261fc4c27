/*
 * keyd's stop signals: SIGTERM and SIGINT stop keyd (after the drain of
 * server.c: what was read is answered), SIGHUP is refused.
 *
 * The signals are blocked in every thread (before the signing threads
 * start, so they inherit the mask) and read from a signalfd in the epoll
 * set, so a signal is just one more event of the loop: no handler runs in
 * the middle of a turn, and nothing needs to be async-signal-safe. A
 * shutdown asked for mid-turn starts the drain (server.c) after that turn,
 * once its replies are out.
 *
 * SIGHUP only logs: a reload would open the configuration and key files,
 * which the sandbox (sandbox.c) forbids once keyd serves. Keys are added
 * and removed while keyd serves with moat-keyctl instead (key_admin.c),
 * which reads the file itself and hands keyd the key; a helper process
 * allowed to read the configuration would be a second privileged reader
 * of every key file beside keyctl, for no gain. Anything else in the
 * configuration takes a restart. SIGHUP is still caught, so that the
 * conventional reload signal does not kill the daemon.
 *
 * SIGPIPE is ignored as well: a peer that hangs up while keyd writes to it
 * must cost keyd an EPIPE, not its life (replies are also sent with
 * MSG_NOSIGNAL).
 */
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "keyd/server_internal.h"

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

int keyd_server_block_signals(void)
{
	sigset_t set;
	stop_signals(&set);
	ENSURE(pthread_sigmask(SIG_BLOCK, &set, NULL) == 0, MOAT_ERR_INTERNAL);
	ENSURE(signal(SIGPIPE, SIG_IGN) != SIG_ERR, MOAT_ERR_INTERNAL);
	return MOAT_SUCCESS;
}

int keyd_signals_open(struct keyd_server *s)
{
	sigset_t set;
	stop_signals(&set);
	s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	ENSURE(s->sigfd >= 0, MOAT_ERR_IO);
	return MOAT_SUCCESS;
}

void keyd_signals_read(struct keyd_server *s)
{
	struct signalfd_siginfo si;
	while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			moat_log(MOAT_LOG_NOTICE, "SIGHUP: keyd cannot reload (its sandbox forbids opening files); "
						  "change keys with moat-keyctl key add / key remove, or restart it");
			continue;
		}
		const char *name = si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM";
		if (s->stop)
			moat_log(MOAT_LOG_INFO, "%s: already shutting down", name);
		else
			moat_log(MOAT_LOG_NOTICE, "%s: shutting down", name);
		s->stop = true;
	}
}
