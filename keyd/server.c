/*
 * The event loop (see server.h): setup, one turn after another, teardown.
 *
 * Everything keyd waits for is one epoll set: the two listening sockets,
 * every peer, the signalfd and the signing threads' eventfd. Each watched
 * object starts with a struct handle, so an event says by itself what it
 * is for, with no lookup.
 *
 * A turn (server_internal.h lists the files that do each part): handle
 * every event that epoll_wait returned; then sign or hand over the key
 * operations those events read; then send the replies the turn made; then
 * close the peers whose deadline passed; make or wipe the ticket keys
 * whose time came; last, free the closed peers no job points to. Freeing
 * comes last so that no handler ever holds a pointer to freed memory,
 * whatever it closed. epoll_wait sleeps until the next peer deadline or
 * ticket-key event at most.
 *
 * Stopping (SIGTERM, SIGINT) drains before the loop ends. A peer's requests
 * that keyd has read are answered: frontd is waiting for them, and a
 * signature half done is work thrown away. What keyd has not read stays in
 * the peer's socket and is lost with it; the peer sees the connection close
 * and sends it again elsewhere (frontd resends what was not answered to the
 * next keyd). So the drain, once the turn that read the signal is over:
 *   - closes both listening sockets, so a keyd started now binds the same
 *     paths at once (its probe finds nobody listening: sockets.c) and new
 *     connections go to it;
 *   - stops reading every peer and closes those with nothing in flight;
 *   - closes each other peer as soon as its last reply is out;
 * and ends when no peer is left, or after DRAIN_MS with whatever is still
 * unanswered (logged). Nothing new is read, so the drain is bounded by the
 * work already accepted, max-inflight per peer.
 */
#include "keyd/server.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/sd_notify.h"
#include "keyd/server_internal.h"

#define MAX_EVENTS 64
/*
 * The longest a stopping keyd waits for its in-flight operations: frontd's
 * default keyd-timeout, after which nobody waits for an answer any more.
 */
#define DRAIN_MS 2000

static int watch(struct keyd_server *s, int fd, struct handle *h, enum handle_kind kind)
{
	h->kind = kind;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = h };
	ENSURE(epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) == 0, MOAT_ERR_IO);
	return MOAT_SUCCESS;
}

static int setup(struct keyd_server *s)
{
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	ENSURE(s->epfd >= 0, MOAT_ERR_IO);
	TRY(keyd_signals_open(s));
	TRY(watch(s, s->p.data_fd, &s->data_h, H_DATA_LISTENER));
	TRY(watch(s, s->p.control_fd, &s->control_h, H_CONTROL_LISTENER));
	if (s->p.metrics_fd > 0)
		TRY(watch(s, s->p.metrics_fd, &s->metrics_h, H_METRICS_LISTENER));
	TRY(watch(s, s->sigfd, &s->sig_h, H_SIGNAL));
	TRY(watch(s, keyd_workers_fd(s->p.workers), &s->workers_h, H_WORKERS));
	TRY(keyd_schedule_init(s));
	TRY(keyd_tickets_start(s));
	return MOAT_SUCCESS;
}

int keyd_server_new(struct keyd_server **out, const struct keyd_server_params *p)
{
	ENSURE_REF(out);
	ENSURE_REF(p);
	*out = NULL;
	struct keyd_server *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		/* What it would have taken over is still released, as on every other failure. */
		close(p->data_fd);
		close(p->control_fd);
		if (p->metrics_fd > 0)
			close(p->metrics_fd);
		keyd_jobs_free(keyd_workers_stop(p->workers));
		BAIL(MOAT_ERR_ALLOC);
	}
	s->p = *p;
	s->self_uid = geteuid();
	s->epfd = -1;
	s->sigfd = -1;
	if (setup(s) != MOAT_SUCCESS) {
		int err = moat_errno;
		keyd_server_free(s);
		moat_error_raise(err, MOAT_HERE);
		return MOAT_FAILURE;
	}
	*out = s;
	return MOAT_SUCCESS;
}

static void on_event(struct keyd_server *s, const struct epoll_event *ev)
{
	struct handle *h = ev->data.ptr;
	switch (h->kind) {
	case H_DATA_LISTENER:
		keyd_peers_accept(s, MOAT_IPC_DATA_SOCKET, s->p.data_fd);
		break;
	case H_CONTROL_LISTENER:
		keyd_peers_accept(s, MOAT_IPC_CONTROL_SOCKET, s->p.control_fd);
		break;
	case H_SIGNAL:
		keyd_signals_read(s);
		break;
	case H_WORKERS:
		keyd_schedule_take_done(s);
		break;
	case H_METRICS_LISTENER:
		keyd_metrics_accept(s);
		break;
	case H_SCRAPE:
		keyd_metrics_event(s, (struct keyd_scrape *)h, ev->events);
		break;
	case H_PEER: {
		struct peer *p = (struct peer *)h;
		if (p->closed)
			break;
		/* A hung-up peer reads nothing more: its pending requests are not worth signing. */
		if (ev->events & (EPOLLERR | EPOLLHUP)) {
			keyd_peer_close(s, p, MOAT_LOG_DEBUG, "disconnected");
			break;
		}
		if (ev->events & EPOLLOUT)
			keyd_peer_flush(s, p);
		if ((ev->events & EPOLLIN) && !p->closed)
			keyd_peer_read(s, p);
		break;
	}
	}
}

static void unwatch_listener(struct keyd_server *s, int *fd)
{
	if (*fd < 0)
		return;
	(void)epoll_ctl(s->epfd, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = -1;
}

static void drain_begin(struct keyd_server *s)
{
	s->draining = true;
	s->drain_end_ns = moat_clock_monotonic_ns() + (uint64_t)DRAIN_MS * MOAT_NS_PER_MS;
	unwatch_listener(s, &s->p.data_fd);
	unwatch_listener(s, &s->p.control_fd);
	if (s->p.metrics_fd > 0)
		unwatch_listener(s, &s->p.metrics_fd);
	keyd_peers_quiesce(s);
	unsigned n = keyd_peers_in_flight(s);
	if (n > 0)
		moat_log(MOAT_LOG_NOTICE, "stopping: sockets closed; answering the %u request%s already read (at most %d ms)",
			 n, n == 1 ? "" : "s", DRAIN_MS);
	else
		moat_log(MOAT_LOG_INFO, "stopping: sockets closed, no request in flight");
}

/* epoll_wait's timeout: the next peer deadline, and while draining the drain's end. */
static int wait_ms(const struct keyd_server *s)
{
	int ms = keyd_peers_wait_ms(s), tickets_ms = keyd_tickets_wait_ms(s);
	if (tickets_ms >= 0 && (ms < 0 || tickets_ms < ms))
		ms = tickets_ms;
	int metrics_ms = keyd_metrics_wait_ms(s);
	if (metrics_ms >= 0 && (ms < 0 || metrics_ms < ms))
		ms = metrics_ms;
	if (!s->draining)
		return ms;
	uint64_t now = moat_clock_monotonic_ns();
	uint64_t left = s->drain_end_ns > now ? (s->drain_end_ns - now + MOAT_NS_PER_MS - 1) / MOAT_NS_PER_MS : 0;
	return ms >= 0 && (uint64_t)ms < left ? ms : (int)left;
}

/* The drain is over: every peer answered and closed, or the time is up. */
static bool drained(struct keyd_server *s)
{
	if (s->live == NULL)
		return true;
	if (moat_clock_monotonic_ns() < s->drain_end_ns)
		return false;
	unsigned n = keyd_peers_in_flight(s);
	moat_log(MOAT_LOG_WARNING, "stopping after %d ms with %u request%s unanswered", DRAIN_MS, n, n == 1 ? "" : "s");
	return true;
}

/*
 * systemd's one-line summary (systemctl status), sent again only when it
 * changes: peers come and go, keys are added and removed. A failed send
 * costs nothing but the line (the manager may be restarting).
 */
static void report_status(struct keyd_server *s, bool force)
{
	const struct keyd_stats *st = s->p.stats;
	if (s->p.notify_fd < 0 || (!force && st->keys == s->status_keys && st->peers == s->status_peers))
		return;
	s->status_keys = st->keys;
	s->status_peers = st->peers;
	if (moat_sd_notifyf(s->p.notify_fd, "%sSTATUS=serving %llu key%s, %llu peer%s", force ? "READY=1\n" : "",
			    (unsigned long long)st->keys, st->keys == 1 ? "" : "s", (unsigned long long)st->peers,
			    st->peers == 1 ? "" : "s") != MOAT_SUCCESS)
		moat_error_clear();
}

int keyd_server_run(struct keyd_server *s)
{
	ENSURE_REF(s);
	struct epoll_event events[MAX_EVENTS];
	report_status(s, true);
	for (;;) {
		if (s->stop && !s->draining)
			drain_begin(s);
		if (s->draining && drained(s))
			break;
		int n = epoll_wait(s->epfd, events, MAX_EVENTS, wait_ms(s));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			BAIL(MOAT_ERR_IO);
		}
		for (int i = 0; i < n; i++)
			on_event(s, &events[i]);
		keyd_schedule_run_turn(s);
		keyd_replies_flush(s);
		if (s->next_sweep_ns != 0)
			keyd_peers_sweep(s, moat_clock_monotonic_ns());
		keyd_metrics_sweep(s);
		if (s->draining)
			keyd_peers_close_answered(s);
		keyd_tickets_timer(s);
		keyd_peers_reap(s);
		report_status(s, false);
	}
	if (moat_sd_notify(s->p.notify_fd, "STOPPING=1") != MOAT_SUCCESS)
		moat_error_clear();
	return MOAT_SUCCESS;
}

void keyd_server_free(struct keyd_server *s)
{
	if (s == NULL)
		return;
	keyd_jobs_free(keyd_workers_stop(s->p.workers));
	s->p.workers = NULL;
	keyd_schedule_free(s);
	keyd_tickets_free(&s->tickets);
	keyd_early_free(&s->early);
	keyd_peers_free_all(s);
	keyd_metrics_close_all(s);
	if (s->p.metrics_fd > 0)
		close(s->p.metrics_fd);
	if (s->p.data_fd >= 0)
		close(s->p.data_fd);
	if (s->p.control_fd >= 0)
		close(s->p.control_fd);
	if (s->sigfd >= 0)
		close(s->sigfd);
	if (s->epfd >= 0)
		close(s->epfd);
	free(s);
}
