/*
 * After the handshake: connect to the site's backend and move bytes both
 * ways until both directions are finished.
 *
 * One function, the pump, does all the work: in each round it moves what
 * it can client -> backend and backend -> client, and repeats while
 * anything moved. A direction reads into a buffer shared by the whole
 * process and hands the bytes at once to their receiver (send() to the
 * backend, moat_send to the client); only what the receiver did not take
 * stays with the connection (struct frontd_pipe, allocated then), and
 * while it does, that direction's source is not read. So a slow reader
 * slows the writer through TCP flow control, frontd holds at most one
 * read's rest per direction plus the library's record queue, and an idle
 * connection holds no buffer at all: when nothing is held and nothing
 * moves, the TLS library gives its I/O buffers back too. Bytes are copied
 * once by the kernel into the read buffer and once by the TLS library
 * into records (plaintext from the client is decrypted in place and
 * copied once); a rest that is kept is copied once more only when small.
 *
 * Half-close: the client's close_notify (or EOF) becomes shutdown(SHUT_WR)
 * towards the backend once nothing is held for it; the backend's EOF
 * becomes our close_notify once everything before it is sent; the
 * connection closes when both have happened. A backend that resets the
 * connection makes us close the client's without close_notify, so the
 * client can tell a truncated response from a complete one.
 *
 * The backend list is the site's for the ALPN protocol the handshake
 * chose (backends.h). A backend that cannot be reached (refused, or no
 * connection within backend-connect-timeout) is counted against its
 * health, and the next one of the list is tried, once: a connect that
 * failed carried none of the client's bytes, so nothing can arrive twice.
 * When that fails too, the client gets a clean close_notify at once.
 *
 * Draining (drain.h) closes a connection only while it is idle, and
 * frontd does not parse what it carries, so idle is judged from what it
 * can see (frontd_proxy_drain_check; moat-frontd(8) SIGNALS):
 *   - nothing is held for either side, here, in the TLS library (no part of
 *     a record read, nothing to write) or to be flushed, and neither side
 *     has half-closed (the other one then still finishes);
 *   - the backend spoke last: in a request/response protocol (HTTP/1.1
 *     keep-alive) the answer to the last request is through, while after
 *     the client's bytes the backend may still be working on an answer;
 *     closing then would lose a request the client believes was sent;
 *   - and nothing moved for drain-quiet (default 1 s), since an answer may come in
 *     bursts: a stream that pauses longer, or a client that speaks last
 *     (an HTTP/2 WINDOW_UPDATE), waits for drain-timeout instead.
 * Each time the pump stops moving the connection is judged again, and a
 * connection that only lacks the quiet moment has its timer armed for it.
 *
 * A site with `proxy-protocol` sends its backend a PROXY header first
 * (conn_proxy_protocol.c): it is put where client bytes the backend has
 * not taken yet would be (c->up), so it goes out as soon as the connect
 * completes, before any client byte, and the client is not read until it
 * has (spec §2.1: "prepended before any data").
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
#include "frontd/backends.h"
#include "frontd/conn.h"

/* Rounds of the pump, and bytes moved, per event before yielding to other connections. */
#define PUMP_ROUNDS 8
#define PUMP_BUDGET (1024u * 1024u)
/*
 * Reads ask for between these: the most while the receiver keeps up, the
 * least after it pushed back. Large reads matter most for downloads: each
 * recv from the backend has a fixed price (system call, socket lock, often
 * a window update) that 1 MiB shares out better than 32 KiB does.
 */
#define READ_MAX (1024u * 1024u)
#define READ_MIN (16u * 1024u)
/* Bytes left over up to this are copied out of the read buffer, more keep the buffer itself. */
#define HOLD_COPY_MAX (64u * 1024u)
/* Read buffers kept for reuse. */
#define POOL_KEEP 2
/*
 * Whole read buffers held by stalled connections, at most, before reads
 * shrink to HOLD_COPY_MAX: clients that stop reading in numbers then cost
 * what the fixed per-connection buffers used to (a few tens of KiB each),
 * not a megabyte each.
 */
#define BIG_HELD_MAX 8

/*
 * Read buffers, READ_MAX each, shared by every connection: the loop is
 * single-threaded, and bytes only stay in one when their receiver did not
 * take them all, so all connections read into pool[pool_n - 1]. When bytes
 * must stay, the connection keeps a copy if they are few, or the buffer
 * itself (and the pool makes another when next needed); it comes back when
 * drained. Per connection, frontd holds at most the rest of one read, and
 * reads are only large while the receiver takes everything (adapt): what
 * is held after a receiver stops is about what its socket took at once.
 */
static struct frontd_pipe *pool[POOL_KEEP];
static size_t pool_n;
static size_t big_held; /* read buffers held by connections (hold) */

/* What a read may ask for now: want, unless too many whole buffers are held already. */
static size_t read_size(uint32_t want)
{
	return big_held < BIG_HELD_MAX || want <= HOLD_COPY_MAX ? want : HOLD_COPY_MAX;
}

static struct frontd_pipe *scratch(void)
{
	if (pool_n == 0) {
		struct frontd_pipe *p = malloc(sizeof(*p) + READ_MAX);
		if (p == NULL)
			return NULL;
		p->cap = READ_MAX;
		pool[pool_n++] = p;
	}
	return pool[pool_n - 1];
}

static void pipe_free(struct frontd_pipe **pp)
{
	struct frontd_pipe *p = *pp;
	*pp = NULL;
	if (p == NULL)
		return;
	if (p->cap == READ_MAX)
		big_held--;
	if (p->cap == READ_MAX && pool_n < POOL_KEEP)
		pool[pool_n++] = p;
	else
		free(p);
}

void frontd_proxy_pool_free(void)
{
	while (pool_n > 0)
		free(pool[--pool_n]);
}

void frontd_proxy_free(struct frontd_conn *c)
{
	free(c->early);
	c->early = NULL;
	pipe_free(&c->up);
	pipe_free(&c->down);
}

/*
 * The receiver took the first `taken` of the `len` bytes just read into the
 * scratch buffer: keep the rest in *held. false: out of memory.
 */
static bool hold(struct frontd_pipe **held, struct frontd_pipe *buf, size_t taken, size_t len)
{
	size_t rest = len - taken;
	if (rest > HOLD_COPY_MAX) {
		/* The buffer itself: no copy. It is the top of the pool (scratch). */
		pool_n--;
		big_held++;
		buf->head = taken;
		buf->tail = len;
		*held = buf;
		return true;
	}
	struct frontd_pipe *p = malloc(sizeof(*p) + rest);
	if (p == NULL)
		return false;
	p->cap = rest;
	p->head = 0;
	p->tail = rest;
	memcpy(p->data, buf->data + taken, rest);
	*held = p;
	return true;
}

/* Read sizes: double while the receiver takes everything, back to the least when it does not. */
static void adapt(uint32_t *read_len, bool all_taken)
{
	if (!all_taken)
		*read_len = READ_MIN;
	else if (*read_len < READ_MAX)
		*read_len = *read_len * 2 > READ_MAX ? READ_MAX : *read_len * 2;
}

/* Give up the socket of a connect that failed, so that the next one starts clean. */
static void backend_drop(struct frontd_conn *c)
{
	if (c->ev_backend != NULL) {
		event_free(c->ev_backend);
		c->ev_backend = NULL;
	}
	c->backend_on = 0;
	if (c->bfd >= 0) {
		close(c->bfd);
		c->bfd = -1;
	}
	c->backend_connecting = false;
	c->connect_clean = false;
	c->backend_fin = false;
	c->bread_blocked = c->bwrite_blocked = false;
}

static void backend_connected(struct frontd_conn *c)
{
	c->backend_connecting = false;
	c->backend_connected = true;
	if (frontd_backend_ok(c->backend))
		frontd_conn_log(c, MOAT_LOG_NOTICE, "site %s: backend %s is back", c->site->name, c->backend->desc);
	c->last_activity_ms = frontd_conn_now_ms(c);
	frontd_conn_set_timer(c, c->srv->cfg->idle_timeout_ms);
}

static bool connect_failed(struct frontd_conn *c, int err);

/*
 * Start a non-blocking connect to c->backend. true: under way or done;
 * false: the connection is gone (or moved on to closing).
 */
static bool backend_connect(struct frontd_conn *c)
{
	const struct frontd_backend *b = c->backend;
	c->backend_tries++;
	c->bfd = socket(b->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->bfd < 0) {
		/* Out of descriptors or memory here: no fault of the backend's, and no other would fare better. */
		frontd_conn_log(c, MOAT_LOG_WARNING, "site %s: cannot open a socket for backend %s: %s", c->site->name,
				b->desc, strerror(errno));
		frontd_conn_ended(c, "internal error", NULL);
		frontd_conn_close_gracefully(c, "no socket");
		return false;
	}
	if (b->addr.ss_family != AF_UNIX) {
		int one = 1;
		(void)setsockopt(c->bfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	if (frontd_conn_backend_events(c) < 0) {
		moat_error_clear();
		frontd_conn_ended(c, "internal error", NULL);
		frontd_conn_abort(c, "out of memory");
		return false;
	}
	/*
	 * Not read before an event says there is something: the first
	 * registration reports the socket's state (edge-triggered) or waits
	 * for it (level-triggered), so a read now would only find EAGAIN.
	 */
	c->bread_blocked = true;
	if (connect(c->bfd, (const struct sockaddr *)&b->addr, b->addr_len) == 0) {
		backend_connected(c);
		return true;
	}
	if (errno == EINPROGRESS || errno == EINTR) {
		c->backend_connecting = true;
		c->bwrite_blocked = true; /* writable = connected or failed */
		/* Each connect has its own deadline; the handshake's is over. */
		frontd_conn_set_timer(c, c->site->backend_connect_timeout_ms);
		return true;
	}
	/* A Unix socket's full backlog is EAGAIN: to a client, the same as refused. */
	return connect_failed(c, errno);
}

/*
 * The connect to c->backend failed with err (0: it timed out). Nothing of
 * the client's reached that backend, so the next one of the list is tried
 * once; when none is left the client gets close_notify (the handshake is
 * over: an alert would say the TLS side failed, which it did not).
 * true: a new connect is under way.
 */
static bool connect_failed(struct frontd_conn *c, int err)
{
	struct frontd_site *site = c->site;
	uint64_t now = frontd_backends_clock_ms();
	c->srv->stats->backend_failures++;
	frontd_conn_log(c, MOAT_LOG_WARNING, "site %s: backend %s: %s", site->name, c->backend->desc,
			err == 0 ? "connect timed out" : strerror(err));
	if (frontd_backend_failed(site, c->backend, now))
		frontd_conn_log(c, MOAT_LOG_WARNING, "site %s: backend %s: %u connects failed in a row, skipped for %ums",
				site->name, c->backend->desc, c->backend->failures, site->backend_skip_ms);
	backend_drop(c);
	struct frontd_backend *next =
		c->backend_tries < FRONTD_BACKEND_TRIES ? frontd_backends_next(c->backend_set, c->backend, now) : NULL;
	if (next != NULL) {
		c->backend = next;
		return backend_connect(c);
	}
	frontd_conn_ended(c, "backend-failed", NULL);
	frontd_conn_close_gracefully(c, "backend unavailable");
	return false;
}

/* The backend's PROXY header as the first held bytes up. false: the connection is gone. */
static bool queue_proxy_header(struct frontd_conn *c)
{
	uint8_t mem[FRONTD_PP_MAX];
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	struct frontd_pipe *p = NULL;
	if (frontd_pp_backend_header(c, &b) == MOAT_SUCCESS && (p = malloc(sizeof(*p) + b.len)) != NULL) {
		p->cap = b.len;
		p->head = 0;
		p->tail = b.len;
		memcpy(p->data, b.data, b.len);
		c->up = p;
		return true;
	}
	frontd_conn_log(c, MOAT_LOG_WARNING, "site %s: cannot build the PROXY header: %s", c->site->name,
			p == NULL && moat_errno == 0 ? "out of memory" : moat_strerror(moat_errno, NULL));
	moat_error_clear();
	frontd_conn_abort(c, "no PROXY header");
	return false;
}

/*
 * Accepted 0-RTT data goes to the backend first, behind the PROXY header if
 * any: c->up then holds both, in that order. false: the connection is gone.
 */
static bool queue_early_data(struct frontd_conn *c)
{
	struct frontd_pipe *e = c->early, *h = c->up;
	c->early = NULL;
	if (e->tail == 0) {
		free(e);
		return true;
	}
	if (h == NULL) {
		c->up = e;
		return true;
	}
	size_t hl = h->tail - h->head;
	struct frontd_pipe *p = malloc(sizeof(*p) + hl + e->tail);
	if (p == NULL) {
		free(e);
		frontd_conn_ended(c, "internal error", NULL);
		frontd_conn_abort(c, "out of memory");
		return false;
	}
	p->cap = hl + e->tail;
	p->head = 0;
	p->tail = p->cap;
	memcpy(p->data, h->data + h->head, hl);
	memcpy(p->data + hl, e->data, e->tail);
	free(e);
	pipe_free(&c->up);
	c->up = p;
	return true;
}

int frontd_proxy_start(struct frontd_conn *c)
{
	/* Reads grow from here as the receivers prove they keep up. */
	c->up_read = c->down_read = HOLD_COPY_MAX;
	c->tls_io = true;
	c->state = CONN_PROXY;
	c->cread_blocked = c->cwrite_blocked = false;

	const char *alpn = moat_get_application_protocol(c->tls);
	c->backend_set = frontd_backends_for_alpn(c->site, alpn);
	if (c->backend_set == NULL) {
		/* Only a site with ALPN backend lines and no default line, and a client that negotiated none. */
		frontd_conn_log(c, MOAT_LOG_INFO, "site %s: no backend for %s%s%s", c->site->name,
				alpn != NULL ? "ALPN \"" : "a client without ALPN", alpn != NULL ? alpn : "",
				alpn != NULL ? "\"" : "");
		frontd_conn_ended(c, "no-backend", NULL);
		frontd_conn_close_gracefully(c, "no backend");
		return MOAT_SUCCESS;
	}
	c->backend = frontd_backends_pick(c->site, c->backend_set, frontd_backends_clock_ms());
	/* Queued before any connect, so whichever backend accepts gets it first. */
	if (c->site->proxy_protocol != FRONTD_PP_OFF && !queue_proxy_header(c))
		return MOAT_SUCCESS;
	if (c->early != NULL && !queue_early_data(c))
		return MOAT_SUCCESS;
	if (backend_connect(c))
		frontd_proxy_pump(c);
	return MOAT_SUCCESS;
}

void frontd_proxy_timer(struct frontd_conn *c)
{
	if (c->backend_connecting) {
		if (connect_failed(c, 0))
			frontd_proxy_pump(c); /* registers the new socket's events */
		return;
	}
	uint64_t idle_ms = c->srv->cfg->idle_timeout_ms;
	uint64_t quiet = frontd_conn_now_ms(c) - c->last_activity_ms;
	if (quiet >= idle_ms) {
		frontd_conn_ended(c, "timeout idle", NULL);
		frontd_conn_close_gracefully(c, "idle timeout");
		return;
	}
	frontd_conn_set_timer(c, (uint32_t)(idle_ms - quiet));
	if (c->srv->drain.state == FRONTD_DRAINING)
		frontd_proxy_drain_check(c);
}

static bool would_block(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK;
}

/* A write to the backend; false: the connection is gone. *n is how much it took. */
static bool backend_send(struct frontd_conn *c, const uint8_t *data, size_t len, size_t *n, bool *progress)
{
	*n = 0;
	ssize_t w = send(c->bfd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w > 0) {
		*n = (size_t)w;
		c->bytes_up += (uint64_t)w;
		*progress = true;
	} else if (w < 0 && would_block(errno)) {
		c->bwrite_blocked = true;
	} else if (w < 0 && errno == EINTR) {
		*progress = true;
	} else {
		frontd_conn_ended(c, "backend reset", NULL);
		frontd_conn_abort(c, "backend write failed");
		return false;
	}
	return true;
}

/* A TLS write that did not complete: blocked means wait for the client, anything else ends the connection. */
static bool tls_write_failed(struct frontd_conn *c)
{
	if (moat_error_get_type(moat_errno) == MOAT_ERR_T_BLOCKED) {
		moat_error_clear();
		c->cwrite_blocked = true;
		c->tls_out_pending = true;
		return true;
	}
	frontd_conn_ended_tls(c, false, moat_errno);
	frontd_conn_log(c, MOAT_LOG_DEBUG, "TLS send failed: %s", moat_strerror_name(moat_errno));
	moat_error_clear();
	frontd_conn_abort(c, "client write failed");
	return false;
}

/* Plaintext to the TLS library; false: the connection is gone. *n is how much it took. */
static bool tls_send(struct frontd_conn *c, const uint8_t *data, size_t len, size_t *n, bool *progress)
{
	moat_blocked_status blocked = MOAT_NOT_BLOCKED;
	*n = 0;
	c->tls_io = true;
	ssize_t w = moat_send(c->tls, data, (ssize_t)len, &blocked);
	if (w > 0) {
		*n = (size_t)w;
		c->bytes_down += (uint64_t)w;
		c->tls_out_pending = blocked == MOAT_BLOCKED_ON_WRITE;
		c->cwrite_blocked = c->tls_out_pending;
		*progress = true;
		return true;
	}
	return tls_write_failed(c);
}

/*
 * Client -> backend. What the backend did not take is held, and the client
 * is not read again until it is out: the client's bytes then wait in the
 * TLS library and the kernel, and TCP flow control slows the client down.
 * Then our FIN once the client has finished. false: the connection is gone.
 */
static bool up_step(struct frontd_conn *c, bool *progress)
{
	if (!c->backend_connected)
		return true;
	struct frontd_pipe *p = c->up;
	if (p != NULL) {
		size_t n;
		if (c->bwrite_blocked)
			return true;
		if (!backend_send(c, p->data + p->head, p->tail - p->head, &n, progress))
			return false;
		p->head += n;
		if (p->head == p->tail)
			pipe_free(&c->up);
	} else if (!c->up_eof && !c->cread_blocked && !c->bwrite_blocked) {
		struct frontd_pipe *buf = scratch();
		if (buf == NULL) {
			frontd_conn_ended(c, "internal error", NULL);
			frontd_conn_abort(c, "out of memory");
			return false;
		}
		moat_blocked_status blocked = MOAT_NOT_BLOCKED;
		c->tls_io = true;
		ssize_t got = moat_recv(c->tls, buf->data, (ssize_t)read_size(c->up_read), &blocked);
		/*
		 * moat_recv writes too (the KeyUpdate a client asked for): what the
		 * client's socket did not take, down_step flushes when it is writable.
		 */
		if (blocked == MOAT_BLOCKED_ON_WRITE) {
			c->tls_out_pending = true;
			c->cwrite_blocked = true;
		}
		if (got > 0) {
			size_t n;
			*progress = true;
			c->client_spoke_last = true;
			if (!backend_send(c, buf->data, (size_t)got, &n, progress))
				return false;
			adapt(&c->up_read, n == (size_t)got);
			if (n < (size_t)got && !hold(&c->up, buf, n, (size_t)got)) {
				frontd_conn_ended(c, "internal error", NULL);
				frontd_conn_abort(c, "out of memory");
				return false;
			}
		} else if (got == 0) {
			c->up_eof = true;
			*progress = true;
		} else if (moat_error_get_type(moat_errno) == MOAT_ERR_T_BLOCKED) {
			/* Blocked on write or on read, nothing could be read. */
			moat_error_clear();
			c->cread_blocked = true;
		} else {
			frontd_conn_ended_tls(c, false, moat_errno);
			frontd_conn_log(c, MOAT_LOG_DEBUG, "TLS receive failed: %s", moat_strerror_name(moat_errno));
			moat_error_clear();
			frontd_conn_abort(c, "client TLS error");
			return false;
		}
	}
	if (c->up_eof && !c->up_shut && c->up == NULL) {
		(void)shutdown(c->bfd, SHUT_WR);
		c->up_shut = true;
		*progress = true;
	}
	return true;
}

/*
 * Backend -> client, the same way round; then our close_notify once the
 * backend has finished and everything before it is out. false: the
 * connection is gone.
 */
static bool down_step(struct frontd_conn *c, bool *progress)
{
	struct frontd_pipe *p = c->down;
	if (c->cwrite_blocked || c->down_shut)
		return true;
	if (p != NULL) {
		size_t n;
		if (!tls_send(c, p->data + p->head, p->tail - p->head, &n, progress))
			return false;
		p->head += n;
		if (p->head == p->tail)
			pipe_free(&c->down);
		return true;
	}
	moat_blocked_status blocked = MOAT_NOT_BLOCKED;
	int rc = MOAT_SUCCESS;
	if (c->tls_out_pending) {
		c->tls_io = true;
		rc = moat_flush(c->tls, &blocked);
		if (rc == MOAT_SUCCESS) {
			c->tls_out_pending = false;
			*progress = true;
		}
	} else if (c->down_eof) {
		c->tls_io = true;
		rc = moat_shutdown_send(c->tls, &blocked);
		if (rc == MOAT_SUCCESS) {
			c->down_shut = true;
			*progress = true;
		}
	} else if (c->backend_connected && !c->bread_blocked) {
		struct frontd_pipe *buf = scratch();
		if (buf == NULL) {
			frontd_conn_ended(c, "internal error", NULL);
			frontd_conn_abort(c, "out of memory");
			return false;
		}
		size_t ask = read_size(c->down_read);
		ssize_t got = recv(c->bfd, buf->data, ask, MSG_DONTWAIT);
		if (got > 0) {
			size_t n;
			*progress = true;
			c->client_spoke_last = false;
			/* Emptied: the next bytes or the FIN bring an edge (conn.h, short_read_drains). */
			if ((size_t)got < ask && c->short_read_drains && !c->backend_fin)
				c->bread_blocked = true;
			if (!tls_send(c, buf->data, (size_t)got, &n, progress))
				return false;
			adapt(&c->down_read, n == (size_t)got && !c->tls_out_pending);
			if (n < (size_t)got && !hold(&c->down, buf, n, (size_t)got)) {
				frontd_conn_ended(c, "internal error", NULL);
				frontd_conn_abort(c, "out of memory");
				return false;
			}
		} else if (got == 0) {
			c->down_eof = true;
			*progress = true;
		} else if (would_block(errno)) {
			c->bread_blocked = true;
		} else if (errno == EINTR) {
			*progress = true;
		} else {
			/* No close_notify: the client must see the response as truncated. */
			frontd_conn_ended(c, "backend reset", NULL);
			frontd_conn_abort(c, "backend read failed");
			return false;
		}
	}
	if (rc == MOAT_SUCCESS)
		return true;
	return tls_write_failed(c);
}

static bool check_connect(struct frontd_conn *c)
{
	if (!c->backend_connecting || c->bwrite_blocked)
		return true;
	int err = 0;
	socklen_t len = sizeof(err);
	/* An edge that says writable and nothing else has no error to ask about (an error is EPOLLERR). */
	if (!c->connect_clean && getsockopt(c->bfd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0)
		return connect_failed(c, err);
	backend_connected(c);
	return true;
}

/*
 * Nothing held here or in the TLS library and nothing moving: give the
 * library's I/O buffers back, so an idle connection costs little memory.
 * (With a partial record still buffered the library keeps them; fine.)
 */
static void release_when_idle(struct frontd_conn *c)
{
	if (!c->tls_io || c->up != NULL || c->down != NULL || c->tls_out_pending || moat_peek(c->tls) != 0)
		return;
	if (moat_connection_release_buffers(c->tls) < 0)
		moat_error_clear();
	else
		c->idle_releases++;
	c->tls_io = false;
}

/*
 * Between two exchanges, as far as frontd can tell (the head of this file):
 * nothing held, nothing half-closed, the backend spoke last.
 */
static bool between_exchanges(struct frontd_conn *c)
{
	if (!c->backend_connected || c->client_spoke_last || c->up_eof || c->down_eof || c->up != NULL ||
	    c->down != NULL || c->tls_out_pending || moat_peek(c->tls) != 0)
		return false;
	/*
	 * The library gives its buffers back only when it holds no part of a
	 * record from the client and nothing to send: the one test of both it
	 * offers, and an idle connection's buffers are to go anyway.
	 */
	if (moat_connection_release_buffers(c->tls) < 0) {
		moat_error_clear();
		return false;
	}
	c->tls_io = false;
	return true;
}

void frontd_proxy_drain_check(struct frontd_conn *c)
{
	if (!between_exchanges(c))
		return; /* the pump looks again once something moves; drain-timeout ends the wait */
	uint64_t now = frontd_conn_now_ms(c);
	uint64_t quiet = now > c->last_activity_ms ? now - c->last_activity_ms : 0;
	uint64_t quiet_ms = c->srv->cfg->drain_quiet_ms;
	if (quiet >= quiet_ms) {
		frontd_conn_ended(c, "drained", NULL);
		frontd_conn_close_gracefully(c, "draining, idle");
		return;
	}
	/* The idle timer, brought forward (frontd_proxy_timer re-arms it for the rest). */
	uint64_t idle_ms = c->srv->cfg->idle_timeout_ms;
	uint64_t wait = quiet_ms - quiet;
	if (quiet < idle_ms && idle_ms - quiet < wait)
		wait = idle_ms - quiet;
	frontd_conn_set_timer(c, (uint32_t)wait);
}

void frontd_proxy_pump(struct frontd_conn *c)
{
	if (!check_connect(c))
		return;
	uint64_t before = c->bytes_up + c->bytes_down;
	bool progress = true;
	for (int round = 0; progress && round < PUMP_ROUNDS; round++) {
		progress = false;
		if (!up_step(c, &progress) || !down_step(c, &progress))
			return;
		if (c->up_shut && c->down_shut) {
			frontd_conn_finish(c);
			return;
		}
		if (c->bytes_up + c->bytes_down - before >= PUMP_BUDGET)
			break;
	}
	if (c->bytes_up + c->bytes_down != before)
		c->last_activity_ms = frontd_conn_now_ms(c);
	frontd_conn_watch(c);
	/* Still moving after our share: come back after the other connections had theirs. */
	if (progress) {
		frontd_conn_kick(c);
		return;
	}
	release_when_idle(c);
	if (c->srv->drain.state == FRONTD_DRAINING)
		frontd_proxy_drain_check(c);
}
