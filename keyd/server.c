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
 * close the peers whose deadline passed; last, free the closed peers no
 * job points to. Freeing comes last so that no handler ever holds a
 * pointer to freed memory, whatever it closed. epoll_wait sleeps until the
 * next peer deadline at most.
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
	TRY(watch(s, s->sigfd, &s->sig_h, H_SIGNAL));
	TRY(watch(s, keyd_workers_fd(s->p.workers), &s->workers_h, H_WORKERS));
	TRY(keyd_schedule_init(s));
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
	while (!s->stop) {
		int n = epoll_wait(s->epfd, events, MAX_EVENTS, keyd_peers_wait_ms(s));
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
	keyd_peers_free_all(s);
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
