/*
 * moat-bench-uring-relay: a prototype that answers one question of issue 16.
 * Would io_uring make frontd's kept-alive request path cheaper than the
 * edge-triggered epoll loop it has now? ~84% of frontd's CPU per kept-alive
 * request is kernel work, most of it in the system calls, and only
 * measurement can say whether io_uring's batching pays for itself here.
 *
 * The program is the kernel half of that path and nothing else (no TLS, no
 * libevent): a relay that accepts connections, opens one backend connection
 * for each and passes bytes both ways. It has two event loops:
 *
 *   --loop epoll  frontd's pattern now: both sockets registered once,
 *                 edge-triggered with EPOLLRDHUP; one recv per readiness (a
 *                 short read has emptied the socket), the bytes written to
 *                 the other socket at once; epoll_ctl only when a write
 *                 would block.
 *   --loop uring  io_uring: a multishot accept, a multishot recv on each
 *                 socket into a ring of provided buffers, a send SQE per
 *                 received buffer; everything a loop turn produced goes in
 *                 with the next io_uring_enter, which also waits: one system
 *                 call per turn. --ring defer (the default) sets up the ring
 *                 with SINGLE_ISSUER and DEFER_TASKRUN (completions are run
 *                 only when the loop asks for them), --ring coop with
 *                 COOP_TASKRUN, --ring plain with neither; --fixed-files
 *                 registers the sockets. SQPOLL is not offered: its kernel
 *                 thread polls a core of its own, which this 2-CPU bench
 *                 does not have to spare, and its CPU would fall outside
 *                 the relay's count.
 *
 * The same program is the load: --client opens N connections to the relay
 * and sends on each one small keep-alive request (GET /bytes/N, as the load
 * generator's requests mode) at a time, waiting for the whole answer, for
 * the given seconds. The backend is tests/bench/backend. tests/bench/uring_run
 * runs both loops in turn (relay on CPU 0, client and backend on CPU 1) and
 * reports the relay's CPU per request. On SIGTERM or SIGINT the relay prints
 * its own CPU (getrusage, user + system, its io_uring worker threads
 * included) and the number of loop turns, i.e. epoll_wait or io_uring_enter
 * calls made to wait.
 *
 * Not part of moat's build: liburing is optional, and 'make bench-uring'
 * compiles this file only where it is installed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem, accept4 */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tests/bench/bench_net.h"

#define BUF_SIZE 16384 /* one read, as frontd's: a TLS record and a bit */
#define NBUFS 256      /* provided buffers (power of two) */
#define BGID 1
#define RING_ENTRIES 512
#define MAX_FILES 4096 /* --fixed-files: the socket's number is its slot */

static volatile sig_atomic_t stop_flag;
static unsigned long turns; /* epoll_wait / io_uring_enter calls that waited */

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "uring_relay: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* A connected, non-blocking TCP socket with TCP_NODELAY (as frontd's backend connection), or -1. */
static int connect_to(const struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void set_nodelay(int fd)
{
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* ---- epoll: frontd's system-call pattern ---- */

/* Half i carries bytes read from fd[i] to fd[1 - i]. */
struct ehalf {
	size_t pend_len, pend_off; /* unwritten bytes in pend, when the write would block */
	bool read_owed;            /* an edge came while pend was full: read once it drains */
	uint8_t pend[BUF_SIZE];
};

struct econn {
	int fd[2]; /* 0 client, 1 backend */
	bool dead;
	struct econn *next_dead;
	struct ehalf h[2];
};

static struct econn *dead_list;
static uint8_t ebuf[BUF_SIZE];

static void *etag(struct econn *c, int side)
{
	return (void *)((uintptr_t)c | (uintptr_t)side);
}

static void econn_kill(struct econn *c)
{
	if (c->dead)
		return;
	c->dead = true;
	close(c->fd[0]); /* also leaves the epoll set: nothing else holds them */
	close(c->fd[1]);
	c->next_dead = dead_list;
	dead_list = c;
}

static int ewatch(int epfd, int op, struct econn *c, int side, bool out)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET | (out ? EPOLLOUT : 0u),
				  .data.ptr = etag(c, side) };
	return epoll_ctl(epfd, op, c->fd[side], &ev);
}

/* Write half i's pending bytes to fd[1 - i]; true when none are left. */
static bool eflush(int epfd, struct econn *c, int i)
{
	struct ehalf *h = &c->h[i];
	while (h->pend_off < h->pend_len) {
		ssize_t n = send(c->fd[1 - i], h->pend + h->pend_off, h->pend_len - h->pend_off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		if (n < 0) {
			econn_kill(c);
			return false;
		}
		h->pend_off += (size_t)n;
	}
	h->pend_len = h->pend_off = 0;
	if (ewatch(epfd, EPOLL_CTL_MOD, c, 1 - i, false) < 0)
		econn_kill(c);
	return !c->dead;
}

/*
 * fd[i] is readable: one recv (another only if it filled the buffer, or
 * after the peer's FIN until it returns 0), each chunk sent on at once.
 */
static void epump(int epfd, struct econn *c, int i, bool hup)
{
	struct ehalf *h = &c->h[i];
	if (h->pend_len > 0) {
		h->read_owed = true;
		return;
	}
	for (;;) {
		ssize_t n = recv(c->fd[i], ebuf, sizeof(ebuf), 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			econn_kill(c);
			return;
		}
		size_t off = 0;
		while (off < (size_t)n) {
			ssize_t w = send(c->fd[1 - i], ebuf + off, (size_t)n - off, MSG_NOSIGNAL);
			if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				memcpy(h->pend, ebuf + off, (size_t)n - off);
				h->pend_len = (size_t)n - off;
				h->pend_off = 0;
				h->read_owed = true;
				if (ewatch(epfd, EPOLL_CTL_MOD, c, 1 - i, true) < 0)
					econn_kill(c);
				return;
			}
			if (w < 0) {
				econn_kill(c);
				return;
			}
			off += (size_t)w;
		}
		if ((size_t)n < sizeof(ebuf) && !hup)
			return; /* a short read emptied the socket: the next bytes bring an edge */
	}
}

static void eaccept(int epfd, int lfd, const struct sockaddr_in *backend)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		set_nodelay(fd);
		struct econn *c = calloc(1, sizeof(*c));
		int bfd = c != NULL ? connect_to(backend) : -1;
		if (bfd < 0) {
			free(c);
			close(fd);
			continue;
		}
		c->fd[0] = fd;
		c->fd[1] = bfd;
		if (ewatch(epfd, EPOLL_CTL_ADD, c, 0, false) < 0 || ewatch(epfd, EPOLL_CTL_ADD, c, 1, false) < 0) {
			econn_kill(c);
			continue;
		}
	}
}

static void run_epoll(int lfd, const struct sockaddr_in *backend)
{
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event lev = { .events = EPOLLIN, .data.ptr = NULL };
	if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev) < 0)
		die("epoll");
	struct epoll_event evs[256];
	while (!stop_flag) {
		int n = epoll_wait(epfd, evs, 256, 1000);
		turns++;
		for (int k = 0; k < n; k++) {
			if (evs[k].data.ptr == NULL) {
				eaccept(epfd, lfd, backend);
				continue;
			}
			uintptr_t tag = (uintptr_t)evs[k].data.ptr;
			struct econn *c = (struct econn *)(tag & ~(uintptr_t)1);
			int side = (int)(tag & 1);
			uint32_t e = evs[k].events;
			if (c->dead)
				continue;
			/* Writable fd[side] drains the other half, which owes a read of fd[1 - side]. */
			if ((e & EPOLLOUT) && c->h[1 - side].pend_len > 0 && eflush(epfd, c, 1 - side) &&
			    c->h[1 - side].read_owed) {
				c->h[1 - side].read_owed = false;
				epump(epfd, c, 1 - side, false);
			}
			if (!c->dead && (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
				epump(epfd, c, side, (e & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0);
		}
		while (dead_list != NULL) {
			struct econn *c = dead_list;
			dead_list = c->next_dead;
			free(c);
		}
	}
}

/* ---- io_uring ---- */

enum uop { OP_ACCEPT = 0, OP_RECV0 = 1, OP_RECV1 = 2, OP_SEND0 = 3, OP_SEND1 = 4 };

/* Half i: buffers received on fd[i], queued to be sent on fd[1 - i], one send in flight. */
struct uhalf {
	int head, tail; /* buffer ids, linked through buf_next; -1 empty */
	unsigned off;   /* bytes of the head buffer already sent */
	bool sending;
};

struct uconn {
	int fd[2];
	int refs; /* armed recvs + sends in flight */
	bool closing;
	struct uhalf h[2];
};

static struct io_uring ring;
static struct io_uring_buf_ring *bring;
static uint8_t *bufs;
static int buf_next[NBUFS];
static unsigned buf_len[NBUFS];
static bool fixed_files;

static struct io_uring_sqe *sqe_get(void)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
	if (sqe == NULL) { /* the SQ is full: send it in without waiting */
		if (io_uring_submit(&ring) < 0)
			die("io_uring_submit");
		sqe = io_uring_get_sqe(&ring);
		if (sqe == NULL)
			die("io_uring_get_sqe");
	}
	return sqe;
}

static uint64_t utag(struct uconn *c, enum uop op)
{
	return (uint64_t)(uintptr_t)c | (uint64_t)op;
}

static void buf_recycle(int bid)
{
	io_uring_buf_ring_add(bring, bufs + (size_t)bid * BUF_SIZE, BUF_SIZE, (unsigned short)bid,
			      io_uring_buf_ring_mask(NBUFS), 0);
	io_uring_buf_ring_advance(bring, 1);
}

static void sqe_fd(struct io_uring_sqe *sqe)
{
	if (fixed_files)
		sqe->flags |= IOSQE_FIXED_FILE; /* the fd field is the slot, which is the fd */
}

static void arm_recv(struct uconn *c, int i)
{
	struct io_uring_sqe *sqe = sqe_get();
	io_uring_prep_recv_multishot(sqe, c->fd[i], NULL, 0, 0);
	sqe_fd(sqe);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = BGID;
	io_uring_sqe_set_data64(sqe, utag(c, i == 0 ? OP_RECV0 : OP_RECV1));
	c->refs++;
}

static void send_head(struct uconn *c, int i)
{
	struct uhalf *h = &c->h[i];
	int bid = h->head;
	struct io_uring_sqe *sqe = sqe_get();
	io_uring_prep_send(sqe, c->fd[1 - i], bufs + (size_t)bid * BUF_SIZE + h->off, buf_len[bid] - h->off,
			   MSG_NOSIGNAL);
	sqe_fd(sqe);
	io_uring_sqe_set_data64(sqe, utag(c, i == 0 ? OP_SEND0 : OP_SEND1));
	h->sending = true;
	c->refs++;
}

/* Stop both directions: shutdown ends the multishot recvs; the fds close when the last op is back. */
static void uconn_close(struct uconn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	(void)shutdown(c->fd[0], SHUT_RDWR);
	(void)shutdown(c->fd[1], SHUT_RDWR);
}

static void uconn_unref(struct uconn *c)
{
	if (--c->refs > 0)
		return;
	for (int i = 0; i < 2; i++) {
		for (int bid = c->h[i].head; bid >= 0; bid = buf_next[bid])
			buf_recycle(bid);
		if (fixed_files)
			(void)io_uring_register_files_update(&ring, (unsigned)c->fd[i], &(int){ -1 }, 1);
		close(c->fd[i]);
	}
	free(c);
}

static void arm_accept(int lfd)
{
	struct io_uring_sqe *sqe = sqe_get();
	io_uring_prep_multishot_accept(sqe, lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, OP_ACCEPT);
}

static void uaccept(int fd, const struct sockaddr_in *backend)
{
	set_nodelay(fd);
	struct uconn *c = calloc(1, sizeof(*c));
	int bfd = c != NULL ? connect_to(backend) : -1;
	if (bfd < 0 || (fixed_files && (fd >= MAX_FILES || bfd >= MAX_FILES))) {
		if (bfd >= 0)
			close(bfd);
		free(c);
		close(fd);
		return;
	}
	c->fd[0] = fd;
	c->fd[1] = bfd;
	if (fixed_files) {
		for (int i = 0; i < 2; i++)
			if (io_uring_register_files_update(&ring, (unsigned)c->fd[i], &c->fd[i], 1) != 1)
				die("io_uring_register_files_update");
	}
	for (int i = 0; i < 2; i++) {
		c->h[i].head = c->h[i].tail = -1;
		arm_recv(c, i);
	}
}

static void on_recv(struct uconn *c, int i, const struct io_uring_cqe *cqe)
{
	if (cqe->flags & IORING_CQE_F_BUFFER) {
		int bid = (int)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
		if (cqe->res <= 0 || c->closing) {
			buf_recycle(bid);
		} else {
			struct uhalf *h = &c->h[i];
			buf_len[bid] = (unsigned)cqe->res;
			buf_next[bid] = -1;
			if (h->tail >= 0)
				buf_next[h->tail] = bid;
			else
				h->head = bid;
			h->tail = bid;
			if (!h->sending)
				send_head(c, i);
		}
	}
	if (cqe->flags & IORING_CQE_F_MORE)
		return;
	/* The multishot recv ended: out of buffers or a full CQ re-arms it, EOF or an error closes. */
	if (!c->closing && (cqe->res > 0 || cqe->res == -ENOBUFS))
		arm_recv(c, i);
	else
		uconn_close(c);
	uconn_unref(c);
}

static void on_send(struct uconn *c, int i, int res)
{
	struct uhalf *h = &c->h[i];
	h->sending = false;
	if (res < 0) {
		uconn_close(c);
	} else {
		h->off += (unsigned)res;
		if (h->off == buf_len[h->head]) {
			int bid = h->head;
			h->head = buf_next[bid];
			if (h->head < 0)
				h->tail = -1;
			h->off = 0;
			buf_recycle(bid);
		}
		if (h->head >= 0 && !c->closing)
			send_head(c, i);
	}
	uconn_unref(c);
}

static void run_uring(int lfd, const struct sockaddr_in *backend, const char *mode)
{
	struct io_uring_params p = { 0 };
	if (strcmp(mode, "defer") == 0)
		p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	else if (strcmp(mode, "coop") == 0)
		p.flags = IORING_SETUP_COOP_TASKRUN;
	int err = io_uring_queue_init_params(RING_ENTRIES, &ring, &p);
	if (err < 0) {
		errno = -err;
		die("io_uring_queue_init");
	}
	if (fixed_files && (err = io_uring_register_files_sparse(&ring, MAX_FILES)) < 0) {
		errno = -err;
		die("io_uring_register_files_sparse");
	}
	size_t ring_bytes = NBUFS * sizeof(struct io_uring_buf);
	bring = aligned_alloc((size_t)sysconf(_SC_PAGESIZE), ring_bytes);
	bufs = malloc((size_t)NBUFS * BUF_SIZE);
	if (bring == NULL || bufs == NULL)
		die("malloc");
	io_uring_buf_ring_init(bring);
	struct io_uring_buf_reg reg = { .ring_addr = (uint64_t)(uintptr_t)bring, .ring_entries = NBUFS, .bgid = BGID };
	if ((err = io_uring_register_buf_ring(&ring, &reg, 0)) < 0) {
		errno = -err;
		die("io_uring_register_buf_ring");
	}
	for (int bid = 0; bid < NBUFS; bid++)
		buf_recycle(bid);
	arm_accept(lfd);

	while (!stop_flag) {
		/* Everything the last turn queued goes in with the wait: one io_uring_enter. */
		err = io_uring_submit_and_wait(&ring, 1);
		turns++;
		if (err < 0 && err != -EINTR && err != -ETIME) {
			errno = -err;
			die("io_uring_submit_and_wait");
		}
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;
		io_uring_for_each_cqe(&ring, head, cqe)
		{
			seen++;
			uint64_t tag = io_uring_cqe_get_data64(cqe);
			struct uconn *c = (struct uconn *)(uintptr_t)(tag & ~(uint64_t)7);
			switch ((enum uop)(tag & 7)) {
			case OP_ACCEPT:
				if (cqe->res >= 0)
					uaccept(cqe->res, backend);
				if (!(cqe->flags & IORING_CQE_F_MORE))
					arm_accept(lfd);
				break;
			case OP_RECV0:
			case OP_RECV1:
				on_recv(c, (tag & 7) == OP_RECV0 ? 0 : 1, cqe);
				break;
			case OP_SEND0:
			case OP_SEND1:
				on_send(c, (tag & 7) == OP_SEND0 ? 0 : 1, cqe->res);
				break;
			}
		}
		io_uring_cq_advance(&ring, seen);
	}
}

/* ---- the client: N kept-alive connections, one small request at a time ---- */

struct cconn {
	int fd;
	size_t got;  /* bytes of the answer so far */
	size_t want; /* the answer's length, once its head is in */
	size_t head; /* bytes of the head kept in in[] */
	char in[1024];
};

/* The answer's total length once its head is in, else 0. */
static size_t answer_len(const struct cconn *c)
{
	const char *end = memmem(c->in, c->head, "\r\n\r\n", 4);
	if (end == NULL)
		return 0;
	const char *cl = memmem(c->in, (size_t)(end - c->in), "Content-Length: ", 16);
	if (cl == NULL)
		return 0;
	return (size_t)(end + 4 - c->in) + strtoul(cl + 16, NULL, 10);
}

static int run_client(const struct sockaddr_in *relay, int nconns, double seconds, unsigned long bytes,
		      int rcvbuf)
{
	char req[128];
	int req_len = snprintf(req, sizeof(req),
			       "GET /bytes/%lu HTTP/1.1\r\nHost: relay\r\nConnection: keep-alive\r\n\r\n", bytes);
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	struct cconn *cs = calloc((size_t)nconns, sizeof(*cs));
	if (epfd < 0 || cs == NULL)
		die("client setup");
	for (int k = 0; k < nconns; k++) {
		cs[k].fd = connect_to(relay);
		/* A small receive buffer makes the relay's writes to the client block (its EAGAIN paths). */
		if (rcvbuf > 0 && cs[k].fd >= 0)
			(void)setsockopt(cs[k].fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &cs[k] };
		if (cs[k].fd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, cs[k].fd, &ev) < 0)
			die("client connect");
	}
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int k = 0; k < nconns; k++)
		if (send(cs[k].fd, req, (size_t)req_len, MSG_NOSIGNAL) != req_len)
			die("client send");
	unsigned long done = 0;
	struct epoll_event evs[256];
	double elapsed = 0;
	while (elapsed < seconds) {
		int n = epoll_wait(epfd, evs, 256, 1000);
		if (n == 0) {
			fprintf(stderr, "uring_relay: client: no answer for 1 s\n");
			return 1;
		}
		for (int k = 0; k < n; k++) {
			struct cconn *c = evs[k].data.ptr;
			/* The head is kept until its length is known; the body is only counted. */
			static char body[65536];
			bool in_head = c->want == 0 && c->head < sizeof(c->in);
			ssize_t r = in_head ? recv(c->fd, c->in + c->head, sizeof(c->in) - c->head, 0)
					    : recv(c->fd, body, sizeof(body), 0);
			if (r <= 0 && !(r < 0 && errno == EAGAIN)) {
				fprintf(stderr, "uring_relay: client: connection lost\n");
				return 1;
			}
			if (r > 0) {
				c->got += (size_t)r;
				if (in_head)
					c->head += (size_t)r;
			}
			if (c->want == 0 && (c->want = answer_len(c)) == 0) {
				if (c->head == sizeof(c->in)) {
					fprintf(stderr, "uring_relay: client: no answer head\n");
					return 1;
				}
				continue;
			}
			if (c->got < c->want)
				continue;
			if (c->got > c->want) {
				fprintf(stderr, "uring_relay: client: more than one answer\n");
				return 1;
			}
			done++;
			c->got = c->head = c->want = 0;
			if (send(c->fd, req, (size_t)req_len, MSG_NOSIGNAL) != req_len)
				die("client send");
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		elapsed = (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9;
	}
	printf("requests %lu seconds %.3f\n", done, elapsed);
	for (int k = 0; k < nconns; k++)
		close(cs[k].fd);
	free(cs);
	close(epfd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "loop", required_argument, NULL, 'L' },     { "listen", required_argument, NULL, 'l' },
		{ "backend", required_argument, NULL, 'b' },  { "ring", required_argument, NULL, 'r' },
		{ "fixed-files", no_argument, NULL, 'F' },    { "client", required_argument, NULL, 'c' },
		{ "conns", required_argument, NULL, 'n' },    { "seconds", required_argument, NULL, 's' },
		{ "bytes", required_argument, NULL, 'B' },    { "rcvbuf", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *loop = NULL, *listen_arg = NULL, *backend_arg = NULL, *client_arg = NULL;
	const char *ring_mode = "defer";
	int nconns = 50, rcvbuf = 0;
	double seconds = 3;
	unsigned long bytes = 128;
	bool bad = false;
	int opt;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'L': loop = optarg; break;
		case 'l': listen_arg = optarg; break;
		case 'b': backend_arg = optarg; break;
		case 'r': ring_mode = optarg; break;
		case 'F': fixed_files = true; break;
		case 'c': client_arg = optarg; break;
		case 'n': nconns = atoi(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'B': bytes = strtoul(optarg, NULL, 10); break;
		case 'R': rcvbuf = atoi(optarg); break;
		default: bad = true; break;
		}
	}
	struct sockaddr_in addr, backend;
	bool is_relay = client_arg == NULL && loop != NULL && listen_arg != NULL && backend_arg != NULL &&
			(strcmp(loop, "epoll") == 0 || strcmp(loop, "uring") == 0) &&
			(strcmp(ring_mode, "defer") == 0 || strcmp(ring_mode, "coop") == 0 ||
			 strcmp(ring_mode, "plain") == 0) &&
			bench_parse_addr(listen_arg, &addr) == 0 && bench_parse_addr(backend_arg, &backend) == 0;
	bool is_client = client_arg != NULL && loop == NULL && bench_parse_addr(client_arg, &addr) == 0 && nconns > 0 &&
			 seconds > 0 && bytes > 0;
	if (bad || optind != argc || is_relay == is_client) {
		fprintf(stderr,
			"usage: uring_relay --loop epoll|uring --listen IPV4:PORT --backend IPV4:PORT\n"
			"                   [--ring defer|coop|plain] [--fixed-files]\n"
			"       uring_relay --client IPV4:PORT [--conns N] [--seconds S] [--bytes N] [--rcvbuf N]\n"
			"(relay: port 0 prints \"listening on PORT\"; SIGTERM prints its CPU and loop turns)\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (is_client)
		return run_client(&addr, nconns, seconds, bytes, rcvbuf);

	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	uint16_t port;
	int lfd = bench_listen(&addr, &port);
	if (lfd < 0)
		die("listen");
	printf("listening on %u\n", port);
	fflush(stdout);
	if (strcmp(loop, "epoll") == 0)
		run_epoll(lfd, &backend);
	else
		run_uring(lfd, &backend, ring_mode);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu_us = (double)ru.ru_utime.tv_sec * 1e6 + (double)ru.ru_utime.tv_usec +
			(double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec;
	printf("cpu_us %.0f turns %lu\n", cpu_us, turns);
	return 0;
}
