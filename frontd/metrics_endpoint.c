/*
 * The metrics endpoint in a worker (moat-frontd.conf(5), "metrics listen"):
 * accept a scraper, read one request (at most MOAT_HTTP_MAX_REQUEST bytes,
 * within SCRAPE_TIMEOUT_S), answer it, close.
 *
 * A scrape is not a TLS connection: it has its own accept callback and its
 * own small list, so it is counted nowhere, takes no handshake slot and is
 * not subject to the TLS listeners' limits. What bounds it instead: at most
 * MAX_SCRAPES at once (more are closed at accept), a fixed request buffer,
 * and the deadline. The endpoint is meant for a loopback address or a Unix
 * socket (config.c refuses anything else).
 */
#include "frontd/metrics.h"

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/metrics_http.h"
#include "frontd/server.h"

#define MAX_SCRAPES 16u
#define SCRAPE_TIMEOUT_S 10
#define MAX_RESPONSE (1024u * 1024u)

struct frontd_scrape {
	LIST_ENTRY(frontd_scrape) link;
	struct frontd_server *srv;
	int fd;
	struct event *ev;
	struct event *timer;
	uint8_t req[MOAT_HTTP_MAX_REQUEST];
	size_t req_len;
	struct moat_buf out;
	size_t sent;
	bool answering;
};

static void scrape_free(struct frontd_scrape *s)
{
	if (s->ev != NULL)
		event_free(s->ev);
	if (s->timer != NULL)
		event_free(s->timer);
	if (s->fd >= 0)
		close(s->fd);
	moat_buf_free(&s->out);
	LIST_REMOVE(s, link);
	s->srv->scrape_count--;
	free(s);
}

void frontd_metrics_close_all(struct frontd_server *srv)
{
	while (!LIST_EMPTY(&srv->scrapes))
		scrape_free(LIST_FIRST(&srv->scrapes));
}

static int build_response(struct frontd_scrape *s, enum moat_http_request req)
{
	if (req != MOAT_HTTP_GET_METRICS && req != MOAT_HTTP_HEAD_METRICS)
		return moat_http_error_response(&s->out, req);
	struct frontd_metrics_slot sum;
	if (s->srv->metrics_own != NULL)
		sum = *s->srv->metrics_own;
	else
		frontd_metrics_shm_sum(s->srv->metrics_shm, &sum);
	struct moat_buf body;
	moat_buf_init(&body, MAX_RESPONSE);
	int rc = frontd_metrics_render(&sum, &body);
	if (rc == MOAT_SUCCESS)
		rc = moat_http_response(&s->out, 200, body.data, body.len, req == MOAT_HTTP_HEAD_METRICS);
	moat_buf_free(&body);
	return rc;
}

/* Write what is left; true when done (or the client is gone). */
static bool flush(struct frontd_scrape *s)
{
	if (!moat_http_send_pending(s->fd, &s->out, &s->sent))
		return false;
	/* Our half closed first: the client reads the end of the response, then EOF. */
	(void)shutdown(s->fd, SHUT_WR);
	return true;
}

static void io_cb(evutil_socket_t fd, short what, void *arg);

static void answer(struct frontd_scrape *s, enum moat_http_request req)
{
	if (build_response(s, req) < 0) {
		moat_log_error(MOAT_LOG_WARNING, "metrics: cannot build the response");
		scrape_free(s);
		return;
	}
	s->answering = true;
	event_del(s->ev);
	if (event_assign(s->ev, s->srv->base, s->fd, EV_WRITE | EV_PERSIST, io_cb, s) < 0 ||
	    event_add(s->ev, NULL) < 0) {
		scrape_free(s);
		return;
	}
	if (flush(s))
		scrape_free(s);
}

static void io_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct frontd_scrape *s = arg;
	if (s->answering) {
		if (flush(s))
			scrape_free(s);
		return;
	}
	ssize_t n = recv(s->fd, s->req + s->req_len, sizeof(s->req) - s->req_len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		scrape_free(s);
		return;
	}
	s->req_len += (size_t)n;
	enum moat_http_request req = moat_http_parse_request(s->req, s->req_len);
	if (req == MOAT_HTTP_INCOMPLETE && s->req_len == sizeof(s->req))
		req = MOAT_HTTP_BAD; /* too long to be a scrape */
	if (req != MOAT_HTTP_INCOMPLETE)
		answer(s, req);
}

static void timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	scrape_free(arg);
}

void frontd_metrics_accept_cb(int lfd, short what, void *arg)
{
	(void)what;
	struct frontd_listener *l = arg;
	struct frontd_server *srv = l->srv;
	for (unsigned i = 0; i < MAX_SCRAPES; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;
		}
		struct frontd_scrape *s = srv->scrape_count < MAX_SCRAPES ? calloc(1, sizeof(*s)) : NULL;
		if (s == NULL) {
			close(fd);
			continue;
		}
		s->srv = srv;
		s->fd = fd;
		moat_buf_init(&s->out, MAX_RESPONSE + 256u);
		LIST_INSERT_HEAD(&srv->scrapes, s, link);
		srv->scrape_count++;
		s->ev = event_new(srv->base, fd, EV_READ | EV_PERSIST, io_cb, s);
		s->timer = evtimer_new(srv->base, timeout_cb, s);
		struct timeval tv = { .tv_sec = SCRAPE_TIMEOUT_S, .tv_usec = 0 };
		if (s->ev == NULL || s->timer == NULL || event_add(s->ev, NULL) < 0 || event_add(s->timer, &tv) < 0)
			scrape_free(s);
	}
}
