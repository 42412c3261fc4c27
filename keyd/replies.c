/*
 * Replies: queued per peer, sent at the end of the loop turn.
 *
 * Replies are not sent as they are made: each goes on its peer's queue, and
 * the queues are flushed at the end of the loop turn, each with one
 * sendmmsg. A peer whose requests came in together (several read in one
 * turn, or finished by the threads together) gets their replies with one
 * system call and one wake-up, rather than one each; on a busy machine each
 * wake-up can also preempt the loop to run that peer. A PING's reply waits
 * at most for the end of the turn.
 *
 * Back-pressure: a peer whose socket is full is not read until its queue
 * drains (the loop waits for EPOLLOUT instead of EPOLLIN), so it cannot
 * send more work while it takes no answers. A queue that reaches
 * max-inflight plus one read's worth of packets means the peer does not
 * read at all: it is dropped rather than let the queue grow.
 *
 * Replies may hold a premaster secret (RSA_DECRYPT): every copy is wiped
 * before its memory is freed, sent or not.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "common/secmem.h"
#include "keyd/server_internal.h"

#define SEND_BATCH 64 /* replies given to one sendmmsg */

void keyd_replies_discard(struct peer *p)
{
	while (p->out != NULL) {
		struct reply *r = p->out;
		p->out = r->next;
		/* Replies may hold a premaster secret. */
		moat_wipe(r->data, r->len);
		free(r);
	}
	p->out_tail = NULL;
	p->out_count = 0;
}

int keyd_replies_send(struct peer *p)
{
	while (p->out != NULL) {
		struct mmsghdr msgs[SEND_BATCH];
		struct iovec iov[SEND_BATCH];
		unsigned n = 0;
		memset(msgs, 0, sizeof(msgs));
		for (struct reply *r = p->out; r != NULL && n < SEND_BATCH; r = r->next, n++) {
			iov[n].iov_base = r->data;
			iov[n].iov_len = r->len;
			msgs[n].msg_hdr.msg_iov = &iov[n];
			msgs[n].msg_hdr.msg_iovlen = 1;
		}
		int sent = sendmmsg(p->fd, msgs, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (sent < 0)
			return errno == EWOULDBLOCK || errno == EINTR ? EAGAIN : errno;
		for (int i = 0; i < sent; i++) {
			struct reply *r = p->out;
			if (msgs[i].msg_len != r->len)
				return EMSGSIZE;
			p->out = r->next;
			if (p->out == NULL)
				p->out_tail = NULL;
			p->out_count--;
			/* Replies may hold a premaster secret. */
			moat_wipe(r->data, r->len);
			free(r);
		}
		/* Fewer sent than offered: the socket is full (the next call would say EAGAIN). */
		if ((unsigned)sent < n)
			return EAGAIN;
	}
	return 0;
}

static void update_events(struct keyd_server *s, struct peer *p)
{
	/*
	 * Read only while nothing waits to be written: a peer that does not read
	 * is not read either. A draining keyd reads nobody (server.c).
	 */
	uint32_t want = p->out != NULL ? EPOLLOUT : s->draining ? 0 : EPOLLIN;
	if (p->closed || want == p->events)
		return;
	struct epoll_event ev = { .events = want, .data.ptr = &p->h };
	if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, p->fd, &ev) != 0) {
		keyd_peer_close(s, p, MOAT_LOG_ERR, "epoll_ctl: %s", strerror(errno));
		return;
	}
	p->events = want;
}

void keyd_send_packet(struct keyd_server *s, struct peer *p, const uint8_t *data, size_t len)
{
	if (p->closed)
		return;
	if (p->out_count >= s->p.cfg->max_inflight + (size_t)READ_BUDGET) {
		keyd_peer_drop(s, p, "dropped: does not read its replies");
		return;
	}
	struct reply *r = malloc(sizeof(*r) + len);
	if (r == NULL) {
		keyd_peer_drop(s, p, "dropped: out of memory for its replies");
		return;
	}
	r->next = NULL;
	r->len = len;
	memcpy(r->data, data, len);
	if (p->out_tail != NULL)
		p->out_tail->next = r;
	else
		p->out = r;
	p->out_tail = r;
	p->out_count++;
	/* A peer waiting for EPOLLOUT is flushed when epoll says it can take more. */
	if (!p->to_flush && p->events != EPOLLOUT) {
		p->to_flush = true;
		p->flush_next = s->flush;
		s->flush = p;
	}
}

void keyd_peer_flush(struct keyd_server *s, struct peer *p)
{
	int err = keyd_replies_send(p);
	if (err == EMSGSIZE) {
		keyd_peer_drop(s, p, "dropped: short send");
		return;
	}
	if (err != 0 && err != EAGAIN) {
		keyd_peer_close(s, p, MOAT_LOG_DEBUG, "closed: send: %s", strerror(err));
		return;
	}
	update_events(s, p);
}

void keyd_replies_flush(struct keyd_server *s)
{
	while (s->flush != NULL) {
		struct peer *p = s->flush;
		s->flush = p->flush_next;
		p->flush_next = NULL;
		p->to_flush = false;
		if (!p->closed)
			keyd_peer_flush(s, p);
	}
}

void keyd_count_status(struct keyd_server *s, moat_ipc_status st)
{
	if (st == MOAT_IPC_BUSY)
		s->p.stats->busy++;
	else if (st != MOAT_IPC_OK)
		s->p.stats->errors++;
}

void keyd_answer_status(struct keyd_server *s, struct peer *p, uint8_t opcode, uint32_t id, moat_ipc_status st)
{
	struct moat_buf b;
	moat_buf_init_fixed(&b, s->tx, sizeof(s->tx));
	keyd_count_status(s, st);
	if (moat_log_enabled(MOAT_LOG_DEBUG))
		moat_log(MOAT_LOG_DEBUG, "peer #%llu: %s (id %u) refused: %s", (unsigned long long)p->serial,
			 moat_ipc_opcode_name(opcode), (unsigned)id, moat_ipc_status_name((uint16_t)st));
	if (moat_ipc_encode_status(&b, opcode, id, st) != MOAT_SUCCESS) {
		keyd_peer_drop(s, p, "dropped: cannot encode a reply");
		return;
	}
	keyd_send_packet(s, p, b.data, b.len);
}

void keyd_answer_built(struct keyd_server *s, struct peer *p, struct moat_buf *b, int rc, uint8_t opcode,
		       uint32_t id)
{
	if (rc != MOAT_SUCCESS) {
		moat_log_error(MOAT_LOG_ERR, "encoding a reply");
		keyd_answer_status(s, p, opcode, id, MOAT_IPC_INTERNAL);
		return;
	}
	keyd_send_packet(s, p, b->data, b->len);
}
