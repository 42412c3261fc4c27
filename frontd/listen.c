/*
 * Listeners: bind, accept, hand over to conn.c.
 *
 * IPv6 sockets are V6ONLY so that "[::]:443" and "0.0.0.0:443" can both be
 * configured, as in nginx. Accepting takes a batch per readiness event;
 * when the process runs out of descriptors, accepting pauses for a moment
 * instead of spinning on a listener that stays readable.
 */
#include "frontd/listen.h"

#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "frontd/conn.h"
#include "frontd/metrics.h"

#define ACCEPT_BATCH 32
#define LISTEN_BACKLOG 511
#define ACCEPT_PAUSE_MS 500

static uint64_t now_ms(struct frontd_server *srv)
{
	struct timeval tv;
	event_base_gettimeofday_cached(srv->base, &tv);
	return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

static void pause_accepting(struct frontd_server *srv)
{
	for (size_t i = 0; i < srv->listener_count; i++)
		if (srv->listeners[i].ev != NULL)
			event_del(srv->listeners[i].ev);
	struct timeval tv = { .tv_sec = 0, .tv_usec = ACCEPT_PAUSE_MS * 1000 };
	evtimer_add(srv->ev_accept_resume, &tv);
}

static void resume_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct frontd_server *srv = arg;
	for (size_t i = 0; i < srv->listener_count; i++)
		if (srv->listeners[i].ev != NULL)
			event_add(srv->listeners[i].ev, NULL);
}

static void accept_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct frontd_listener *l = arg;
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		int cfd = accept4(fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				frontd_ratelimit_log(&l->srv->limits.rl_limit, now_ms(l->srv), MOAT_LOG_WARNING,
						     "listener %s: accept: %s; pausing %d ms", l->desc, strerror(errno),
						     ACCEPT_PAUSE_MS);
				pause_accepting(l->srv);
			} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
				frontd_ratelimit_log(&l->srv->limits.rl_limit, now_ms(l->srv), MOAT_LOG_WARNING,
						     "listener %s: accept: %s", l->desc, strerror(errno));
			}
			return;
		}
		/* A port that takes PROXY headers takes nobody else (spec §2: never guess; conn_proxy_protocol.c). */
		if (l->cfg->accept_proxy && !frontd_listen_trusts(l->cfg, &peer, len)) {
			l->srv->stats->refused_proxy_untrusted++;
			frontd_ratelimit_log(&l->srv->limits.rl_limit, now_ms(l->srv), MOAT_LOG_WARNING,
					     "listener %s: closed a connection from a source not trusted to send PROXY headers",
					     l->desc);
			close(cfd);
			continue;
		}
		if (frontd_conn_start(l->srv, l, cfd, &peer, len, l->cfg->accept_proxy) < 0) {
			frontd_ratelimit_log(&l->srv->limits.rl_limit, now_ms(l->srv), MOAT_LOG_WARNING,
					     "cannot set up a connection: %s", moat_strerror(moat_errno, NULL));
			moat_error_clear();
		}
	}
}

static int bind_one(int *fdp, const struct frontd_listen *cfg)
{
	int one = 1;
	int fd = *fdp = socket(cfg->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ENSURE(fd >= 0, MOAT_ERR_IO);
	ENSURE(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0, MOAT_ERR_IO);
	if (cfg->addr.ss_family == AF_INET6)
		ENSURE(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) == 0, MOAT_ERR_IO);
	/*
	 * Records are written whole and at once: no point in Nagle delaying the
	 * last segment. Linux copies the option to every accepted socket, which
	 * saves a setsockopt per connection.
	 */
	if (cfg->addr.ss_family == AF_INET || cfg->addr.ss_family == AF_INET6)
		ENSURE(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0, MOAT_ERR_IO);
	if (cfg->addr.ss_family == AF_UNIX) {
		/* A socket left by an earlier run would make bind fail; anything that is not a socket stays. */
		const char *path = ((const struct sockaddr_un *)&cfg->addr)->sun_path;
		struct stat st;
		if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			(void)unlink(path);
	}
	ENSURE(bind(fd, (const struct sockaddr *)&cfg->addr, cfg->addr_len) == 0, MOAT_ERR_IO);
	ENSURE(listen(fd, LISTEN_BACKLOG) == 0, MOAT_ERR_IO);
	return MOAT_SUCCESS;
}

int frontd_listen_bind(const struct frontd_listen *cfg)
{
	int fd = -1;
	if (bind_one(&fd, cfg) == MOAT_SUCCESS)
		return fd;
	int err = errno;
	if (fd >= 0)
		close(fd);
	moat_log(MOAT_LOG_ERR, "cannot listen on %s: %s", cfg->desc, strerror(err));
	errno = err;
	return -1;
}

static void listener_init(struct frontd_server *srv, size_t i, int fd)
{
	struct frontd_listener *l = &srv->listeners[i];
	memset(l, 0, sizeof(*l));
	l->srv = srv;
	l->cfg = &srv->cfg->listen[i];
	l->fd = fd;
	memcpy(l->desc, srv->cfg->listen[i].desc, sizeof(l->desc));
	srv->listener_count = i + 1;
}

void frontd_listeners_adopt(struct frontd_server *srv, const int *fds)
{
	for (size_t i = 0; i < srv->cfg->listen_count; i++)
		listener_init(srv, i, fds[i]);
}

int frontd_listeners_start(struct frontd_server *srv)
{
	srv->ev_accept_resume = evtimer_new(srv->base, resume_cb, srv);
	ENSURE(srv->ev_accept_resume != NULL, MOAT_ERR_ALLOC);
	for (size_t i = 0; i < srv->listener_count; i++) {
		struct frontd_listener *l = &srv->listeners[i];
		/* A metrics listener's connections are scrapes, never TLS (metrics_endpoint.c). */
		l->ev = event_new(srv->base, l->fd, EV_READ | EV_PERSIST, l->cfg->metrics ? frontd_metrics_accept_cb : accept_cb,
				  l);
		ENSURE(l->ev != NULL, MOAT_ERR_ALLOC);
		ENSURE(event_add(l->ev, NULL) == 0, MOAT_ERR_INTERNAL);
		moat_log(MOAT_LOG_INFO, "listening on %s", l->desc);
	}
	return MOAT_SUCCESS;
}

void frontd_listeners_close(struct frontd_server *srv)
{
	for (size_t i = 0; i < srv->listener_count; i++) {
		struct frontd_listener *l = &srv->listeners[i];
		if (l->ev != NULL) {
			event_free(l->ev);
			l->ev = NULL;
		}
		if (l->fd >= 0)
			close(l->fd);
		l->fd = -1;
	}
	srv->listener_count = 0;
	if (srv->ev_accept_resume != NULL) {
		event_free(srv->ev_accept_resume);
		srv->ev_accept_resume = NULL;
	}
}
