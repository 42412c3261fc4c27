/*
 * After the handshake: connect to the site's backend and move bytes both
 * ways until both directions are finished.
 *
 * One function, the pump, does all the work: it moves what it can in each
 * of the four steps (client -> buffer, buffer -> backend, backend ->
 * buffer, buffer -> client) and repeats while anything moved, then
 * registers interest only in what blocked. Each direction has one bounded
 * buffer (FRONTD_PIPE_SIZE): when it is full that side is simply not read,
 * so a slow reader slows the writer through TCP flow control and frontd
 * never buffers more than two buffers and the library's record queue per
 * connection. Bytes are copied once into the buffer and once by the TLS
 * library into records; plaintext from the client is decrypted in place
 * by the library and copied once into the buffer.
 *
 * Half-close: the client's close_notify (or EOF) becomes shutdown(SHUT_WR)
 * towards the backend once the buffer is drained; the backend's EOF
 * becomes our close_notify once everything before it is sent; the
 * connection closes when both have happened. A backend that resets the
 * connection makes us close the client's without close_notify, so the
 * client can tell a truncated response from a complete one.
 *
 * A backend that cannot be reached (refused, or no connection within the
 * handshake timeout) gets the client a clean close_notify at once.
 */
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "frontd/conn.h"

/* Rounds of the pump per event before yielding to other connections. */
#define PUMP_ROUNDS 8
/* Move the buffered bytes to the front when less than this is left at the end. */
#define COMPACT_BELOW 4096u

static size_t pipe_used(const struct frontd_pipe *p)
{
	return p->tail - p->head;
}

static size_t pipe_room(const struct frontd_pipe *p)
{
	return FRONTD_PIPE_SIZE - p->tail;
}

static void pipe_consumed(struct frontd_pipe *p, size_t n)
{
	p->head += n;
	if (p->head == p->tail) {
		p->head = p->tail = 0;
	} else if (FRONTD_PIPE_SIZE - p->tail < COMPACT_BELOW) {
		memmove(p->data, p->data + p->head, p->tail - p->head);
		p->tail -= p->head;
		p->head = 0;
	}
}

static void backend_failed(struct frontd_conn *c, const char *why)
{
	c->srv->stats.backend_failures++;
	moat_log(MOAT_LOG_WARNING, "%s: site %s: backend %s: %s", c->peer, c->site->name, c->site->backend.desc, why);
	frontd_conn_close_gracefully(c, "backend unavailable");
}

static void backend_connected(struct frontd_conn *c)
{
	c->backend_connecting = false;
	c->backend_connected = true;
	c->last_activity_ms = frontd_conn_now_ms(c);
	frontd_conn_set_timer(c, c->srv->cfg->idle_timeout_ms);
}

/* Start a non-blocking connect; *why is set when it failed at once. */
static int backend_connect(struct frontd_conn *c, const char **why)
{
	const struct frontd_backend *b = &c->site->backend;
	*why = NULL;
	c->bfd = socket(b->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->bfd < 0) {
		*why = strerror(errno);
		BAIL(MOAT_ERR_IO);
	}
	if (b->addr.ss_family != AF_UNIX) {
		int one = 1;
		(void)setsockopt(c->bfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	TRY(frontd_conn_backend_events(c));
	if (connect(c->bfd, (const struct sockaddr *)&b->addr, b->addr_len) == 0) {
		backend_connected(c);
		return MOAT_SUCCESS;
	}
	if (errno == EINPROGRESS || errno == EINTR) {
		c->backend_connecting = true;
		c->bwrite_blocked = true; /* writable = connected or failed */
		return MOAT_SUCCESS;
	}
	/* A Unix socket's full backlog is EAGAIN: to a client, the same as refused. */
	*why = strerror(errno);
	BAIL(MOAT_ERR_IO);
}

int frontd_proxy_start(struct frontd_conn *c)
{
	c->up = malloc(sizeof(*c->up));
	c->down = malloc(sizeof(*c->down));
	ENSURE(c->up != NULL && c->down != NULL, MOAT_ERR_ALLOC);
	c->up->head = c->up->tail = 0;
	c->down->head = c->down->tail = 0;
	c->state = CONN_PROXY;
	c->cread_blocked = c->cwrite_blocked = false;

	const char *why;
	if (backend_connect(c, &why) < 0) {
		if (why == NULL)
			return MOAT_FAILURE;
		moat_error_clear();
		backend_failed(c, why);
		return MOAT_SUCCESS;
	}
	/* Until the backend answers, the handshake deadline still applies (set at accept: re-armed here). */
	if (c->backend_connecting)
		frontd_conn_set_timer(c, c->srv->cfg->handshake_timeout_ms);
	frontd_proxy_pump(c);
	return MOAT_SUCCESS;
}

void frontd_proxy_timer(struct frontd_conn *c)
{
	if (c->backend_connecting) {
		backend_failed(c, "connect timed out");
		return;
	}
	uint64_t idle_ms = c->srv->cfg->idle_timeout_ms;
	uint64_t quiet = frontd_conn_now_ms(c) - c->last_activity_ms;
	if (quiet >= idle_ms) {
		frontd_conn_close_gracefully(c, "idle timeout");
		return;
	}
	frontd_conn_set_timer(c, (uint32_t)(idle_ms - quiet));
}

static bool would_block(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK;
}

/* Step 1: TLS -> up. false: the connection is gone. */
static bool client_to_up(struct frontd_conn *c, bool *progress)
{
	struct frontd_pipe *p = c->up;
	if (c->up_eof || c->cread_blocked || pipe_room(p) == 0)
		return true;
	moat_blocked_status blocked;
	ssize_t n = moat_recv(c->tls, p->data + p->tail, (ssize_t)pipe_room(p), &blocked);
	if (n > 0) {
		p->tail += (size_t)n;
		*progress = true;
	} else if (n == 0) {
		c->up_eof = true;
		*progress = true;
	} else if (moat_error_get_type(moat_errno) == MOAT_ERR_T_BLOCKED) {
		moat_error_clear();
		c->cread_blocked = true;
	} else {
		moat_log(MOAT_LOG_DEBUG, "%s: TLS receive failed: %s", c->peer, moat_strerror_name(moat_errno));
		moat_error_clear();
		frontd_conn_abort(c, "client TLS error");
		return false;
	}
	return true;
}

/* Step 2: up -> backend, then our FIN once the client has finished. */
static bool up_to_backend(struct frontd_conn *c, bool *progress)
{
	struct frontd_pipe *p = c->up;
	if (!c->backend_connected)
		return true;
	if (!c->bwrite_blocked && pipe_used(p) > 0) {
		ssize_t n = send(c->bfd, p->data + p->head, pipe_used(p), MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			pipe_consumed(p, (size_t)n);
			c->bytes_up += (uint64_t)n;
			*progress = true;
		} else if (n < 0 && would_block(errno)) {
			c->bwrite_blocked = true;
		} else if (n < 0 && errno == EINTR) {
			*progress = true;
		} else {
			frontd_conn_abort(c, "backend write failed");
			return false;
		}
	}
	if (c->up_eof && !c->up_shut && pipe_used(p) == 0) {
		(void)shutdown(c->bfd, SHUT_WR);
		c->up_shut = true;
		*progress = true;
	}
	return true;
}

/* Step 3: backend -> down. */
static bool backend_to_down(struct frontd_conn *c, bool *progress)
{
	struct frontd_pipe *p = c->down;
	if (!c->backend_connected || c->down_eof || c->bread_blocked || pipe_room(p) == 0)
		return true;
	ssize_t n = recv(c->bfd, p->data + p->tail, pipe_room(p), MSG_DONTWAIT);
	if (n > 0) {
		p->tail += (size_t)n;
		*progress = true;
	} else if (n == 0) {
		c->down_eof = true;
		*progress = true;
	} else if (would_block(errno)) {
		c->bread_blocked = true;
	} else if (errno == EINTR) {
		*progress = true;
	} else {
		/* No close_notify: the client must see the response as truncated. */
		frontd_conn_abort(c, "backend read failed");
		return false;
	}
	return true;
}

/* Step 4: down -> TLS, then our close_notify once the backend has finished. */
static bool down_to_client(struct frontd_conn *c, bool *progress)
{
	struct frontd_pipe *p = c->down;
	moat_blocked_status blocked = MOAT_NOT_BLOCKED;
	if (c->cwrite_blocked || c->down_shut)
		return true;
	int rc = MOAT_SUCCESS;
	if (pipe_used(p) > 0) {
		ssize_t n = moat_send(c->tls, p->data + p->head, (ssize_t)pipe_used(p), &blocked);
		if (n > 0) {
			pipe_consumed(p, (size_t)n);
			c->bytes_down += (uint64_t)n;
			c->tls_out_pending = blocked == MOAT_BLOCKED_ON_WRITE;
			c->cwrite_blocked = c->tls_out_pending;
			*progress = true;
			return true;
		}
		rc = MOAT_FAILURE;
	} else if (c->tls_out_pending) {
		rc = moat_flush(c->tls, &blocked);
		if (rc == MOAT_SUCCESS) {
			c->tls_out_pending = false;
			*progress = true;
		}
	} else if (c->down_eof) {
		rc = moat_shutdown_send(c->tls, &blocked);
		if (rc == MOAT_SUCCESS) {
			c->down_shut = true;
			*progress = true;
		}
	}
	if (rc == MOAT_SUCCESS)
		return true;
	if (moat_error_get_type(moat_errno) == MOAT_ERR_T_BLOCKED) {
		moat_error_clear();
		c->cwrite_blocked = true;
		c->tls_out_pending = true;
		return true;
	}
	moat_log(MOAT_LOG_DEBUG, "%s: TLS send failed: %s", c->peer, moat_strerror_name(moat_errno));
	moat_error_clear();
	frontd_conn_abort(c, "client write failed");
	return false;
}

static bool check_connect(struct frontd_conn *c)
{
	if (!c->backend_connecting || c->bwrite_blocked)
		return true;
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(c->bfd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		backend_failed(c, strerror(err));
		return false;
	}
	backend_connected(c);
	return true;
}

void frontd_proxy_pump(struct frontd_conn *c)
{
	if (!check_connect(c))
		return;
	uint64_t before = c->bytes_up + c->bytes_down;
	bool progress = true;
	for (int round = 0; progress && round < PUMP_ROUNDS; round++) {
		progress = false;
		if (!client_to_up(c, &progress) || !up_to_backend(c, &progress) || !backend_to_down(c, &progress) ||
		    !down_to_client(c, &progress))
			return;
		if (c->up_shut && c->down_shut) {
			frontd_conn_finish(c);
			return;
		}
	}
	if (c->bytes_up + c->bytes_down != before)
		c->last_activity_ms = frontd_conn_now_ms(c);
	/* Still moving after our share of rounds: come back after the other connections had theirs. */
	if (progress)
		event_active(c->ev_pump, EV_TIMEOUT, 0);
	frontd_conn_watch(c);
}
