/*
 * Listeners: bind, accept, hand over to conn.c.
 *
 * IPv6 sockets are V6ONLY so that "[::]:443" and "0.0.0.0:443" can both be
 * configured, as in nginx. Accepting takes a batch per readiness event;
 * when the process runs out of descriptors, accepting pauses for a moment
 * instead of spinning on a listener that stays readable.
 *
 * Socket activation (sd_listen_fds(3)): systemd binds what the socket unit
 * says and passes the listeners from descriptor 3 on, LISTEN_FDS of them,
 * with LISTEN_PID naming the process they are for (a child that inherited
 * the environment must not take them). Each is matched to the `listen`
 * line with its address (family, address, port, as getsockname gives
 * them): the configuration still says what each listener does (PROXY
 * headers, trusted sources). A `listen` line without a passed socket is
 * bound here as usual; a passed socket without a `listen` line is an
 * error that names its address, since nobody would know what it is for.
 */
#include "frontd/listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "frontd/conn.h"

#define ACCEPT_BATCH 32
#define LISTEN_BACKLOG 511
#define ACCEPT_PAUSE_MS 500
/* SD_LISTEN_FDS_START: the first descriptor systemd passes. */
#define LISTEN_FDS_START 3

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
			l->srv->stats.refused_proxy_untrusted++;
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

static int bind_one(struct frontd_listener *l, const struct frontd_listen *cfg)
{
	int one = 1;
	l->fd = socket(cfg->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ENSURE(l->fd >= 0, MOAT_ERR_IO);
	ENSURE(setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0, MOAT_ERR_IO);
	if (cfg->addr.ss_family == AF_INET6)
		ENSURE(setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) == 0, MOAT_ERR_IO);
	/*
	 * Records are written whole and at once: no point in Nagle delaying the
	 * last segment. Linux copies the option to every accepted socket, which
	 * saves a setsockopt per connection.
	 */
	if (cfg->addr.ss_family == AF_INET || cfg->addr.ss_family == AF_INET6)
		ENSURE(setsockopt(l->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0, MOAT_ERR_IO);
	ENSURE(bind(l->fd, (const struct sockaddr *)&cfg->addr, cfg->addr_len) == 0, MOAT_ERR_IO);
	ENSURE(listen(l->fd, LISTEN_BACKLOG) == 0, MOAT_ERR_IO);
	return MOAT_SUCCESS;
}

/* "1.2.3.4:443", "[::1]:443" */
static void addr_desc(const struct sockaddr_storage *ss, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		(void)inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(out, len, "%s:%u", host, (unsigned)ntohs(in->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
		(void)inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(out, len, "[%s]:%u", host, (unsigned)ntohs(in6->sin6_port));
	} else {
		snprintf(out, len, "(address family %u)", (unsigned)ss->ss_family);
	}
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a, *y = (const struct sockaddr_in *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a, *y = (const struct sockaddr_in6 *)b;
		return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return false;
}

/*
 * How many listeners systemd passed (0 when LISTEN_PID is not this
 * process); the variables are removed either way, as sd_listen_fds(1)
 * does, so nothing started later takes them for its own.
 */
static int passed_count(size_t *count)
{
	const char *pid_s = getenv("LISTEN_PID"), *fds_s = getenv("LISTEN_FDS");
	*count = 0;
	int rc = MOAT_SUCCESS;
	if (pid_s != NULL && fds_s != NULL) {
		char *end1 = NULL, *end2 = NULL;
		errno = 0;
		unsigned long pid = strtoul(pid_s, &end1, 10);
		unsigned long n = strtoul(fds_s, &end2, 10);
		if (errno != 0 || end1 == pid_s || *end1 != '\0' || end2 == fds_s || *end2 != '\0') {
			moat_log(MOAT_LOG_ERR, "socket activation: LISTEN_PID=\"%s\" LISTEN_FDS=\"%s\" are not numbers", pid_s,
				 fds_s);
			rc = MOAT_FAILURE;
		} else if (pid == (unsigned long)getpid()) {
			if (n > FRONTD_MAX_LISTEN) {
				moat_log(MOAT_LOG_ERR, "socket activation: %lu sockets passed, at most %d can be used", n,
					 FRONTD_MAX_LISTEN);
				rc = MOAT_FAILURE;
			} else {
				*count = (size_t)n;
			}
		}
	}
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_FDNAMES");
	if (rc != MOAT_SUCCESS)
		moat_error_raise(MOAT_ERR_INVALID_ARG, MOAT_HERE);
	return rc;
}

/* Which `listen` line the passed socket fd is for (index into cfg->listen), or a logged error. */
static int match_passed(const struct frontd_config *cfg, int fd, const int *taken_by, size_t *index)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char desc[80];
	int type = 0, listening = 0;
	socklen_t type_len = sizeof(type), listening_len = sizeof(listening);
	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		moat_log(MOAT_LOG_ERR, "socket activation: descriptor %d: %s", fd, strerror(errno));
		BAIL(MOAT_ERR_INVALID_ARG);
	}
	addr_desc(&ss, desc, sizeof(desc));
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &listening_len) != 0 || type != SOCK_STREAM ||
	    !listening || (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)) {
		moat_log(MOAT_LOG_ERR, "socket activation: descriptor %d (%s) is not a listening TCP socket", fd, desc);
		BAIL(MOAT_ERR_INVALID_ARG);
	}
	for (size_t i = 0; i < cfg->listen_count; i++) {
		if (taken_by[i] < 0 && same_addr(&ss, &cfg->listen[i].addr)) {
			*index = i;
			return MOAT_SUCCESS;
		}
	}
	moat_log(MOAT_LOG_ERR,
		 "socket activation: the socket passed as descriptor %d (%s) matches no \"listen\" line of the "
		 "configuration", fd, desc);
	BAIL(MOAT_ERR_INVALID_ARG);
}

/* A passed socket made like bind_one's: non-blocking, close-on-exec, no Nagle. */
static int adopt(struct frontd_listener *l, int fd)
{
	int one = 1;
	int fl = fcntl(fd, F_GETFL);
	ENSURE(fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0, MOAT_ERR_IO);
	ENSURE(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0, MOAT_ERR_IO);
	ENSURE(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0, MOAT_ERR_IO);
	l->fd = fd;
	return MOAT_SUCCESS;
}

int frontd_listeners_bind(struct frontd_server *srv)
{
	const struct frontd_config *cfg = srv->cfg;
	int passed[FRONTD_MAX_LISTEN]; /* per listen line: the socket systemd passed for it, or -1 */
	size_t npassed = 0;
	for (size_t i = 0; i < FRONTD_MAX_LISTEN; i++)
		passed[i] = -1;
	int rc = passed_count(&npassed);
	for (size_t k = 0; rc == MOAT_SUCCESS && k < npassed; k++) {
		size_t i = 0;
		int fd = LISTEN_FDS_START + (int)k;
		rc = match_passed(cfg, fd, passed, &i);
		if (rc == MOAT_SUCCESS)
			passed[i] = fd;
	}
	if (rc != MOAT_SUCCESS) {
		/* None is adopted yet: close them all, so none lingers unaccepted. */
		for (size_t k = 0; k < npassed; k++)
			close(LISTEN_FDS_START + (int)k);
		return MOAT_FAILURE;
	}
	for (size_t i = 0; i < cfg->listen_count; i++) {
		struct frontd_listener *l = &srv->listeners[i];
		memset(l, 0, sizeof(*l));
		l->fd = -1;
		l->srv = srv;
		l->cfg = &cfg->listen[i];
		memcpy(l->desc, cfg->listen[i].desc, sizeof(l->desc));
		srv->listener_count = i + 1;
		if (passed[i] >= 0) {
			int fd = passed[i];
			passed[i] = -1;
			if (adopt(l, fd) < 0) {
				moat_log(MOAT_LOG_ERR, "cannot use the socket systemd passed for %s: %s", l->desc,
					 strerror(errno));
				close(fd);
				rc = MOAT_FAILURE;
				break;
			}
			moat_log(MOAT_LOG_INFO, "listener %s passed by systemd (descriptor %d)", l->desc, fd);
			continue;
		}
		if (bind_one(l, &cfg->listen[i]) < 0) {
			moat_log(MOAT_LOG_ERR, "cannot listen on %s: %s", l->desc, strerror(errno));
			rc = MOAT_FAILURE;
			break;
		}
	}
	/* After a failure: the passed sockets not adopted yet. */
	for (size_t i = 0; i < cfg->listen_count; i++)
		if (passed[i] >= 0)
			close(passed[i]);
	return rc;
}

int frontd_listeners_start(struct frontd_server *srv)
{
	srv->ev_accept_resume = evtimer_new(srv->base, resume_cb, srv);
	ENSURE(srv->ev_accept_resume != NULL, MOAT_ERR_ALLOC);
	for (size_t i = 0; i < srv->listener_count; i++) {
		struct frontd_listener *l = &srv->listeners[i];
		l->ev = event_new(srv->base, l->fd, EV_READ | EV_PERSIST, accept_cb, l);
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
