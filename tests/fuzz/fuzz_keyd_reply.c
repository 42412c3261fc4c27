/*
 * libFuzzer target for frontd's side of the keyd data socket
 * (frontd/keyd_client.c): everything keyd can send back, in any order.
 *
 * keyd is a separate process that frontd must survive whatever it does:
 * crash, restart, answer late, answer twice, answer an id it never got, or
 * (compromised) send garbage. The harness plays keyd on a real
 * SOCK_SEQPACKET socket and the input is a script for it: submit a request,
 * cancel one, answer the k-th request it received (OK with a signature of
 * some length, or an error status), answer an id of the script's choosing,
 * send a truncated or arbitrary packet, answer HELLO badly, or restart.
 * The client's event loop runs between steps.
 *
 * Oracles besides the sanitizers:
 *  - a request's callback runs at most once, never after it was
 *    cancelled, never for an id that is not pending;
 *  - an OK result carries exactly the signature keyd sent for that id, a
 *    refusal exactly its status; a reply sent for an earlier connection's
 *    request, or to an id that is not pending, reaches nobody;
 *  - keyd going away (a restart) fails nothing: after the next HELLO,
 *    every request still pending is sent again, as many as max_inflight
 *    allows, each with an id it never had on an earlier connection, and
 *    never twice on one connection;
 *  - keyd refusing the connection at HELLO, or breaking the protocol,
 *    fails every pending request (KEYD_UNAVAILABLE) before the next
 *    connection is accepted;
 *  - the client's counters agree with what the callbacks saw.
 *
 * Request deadlines are set far beyond a run so that timing never decides
 * an outcome; the timed-out path is reached through cancel (the same
 * ABANDONED state a timeout leaves).
 *
 * Built with -DMOAT_FUZZ_STANDALONE it gets a main() that runs built-in
 * scripts, each of which must reach the states it is written for (checked),
 * so `make check` runs the harness and the paths it is meant to reach.
 */
#include <errno.h>
#include <stddef.h>
#include <event2/event.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "common/log.h"
#include "frontd/keyd_client.h"
#include "ipc/ipc.h"
#include "tls/iana.h"
#include "tls/messages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_REQS 64       /* requests one script may submit */
#define MAX_RESTARTS 6    /* reconnections one script may cause (each waits for the 1 ms backoff) */
#define FAR_DEADLINE_MS 600000u

static void require(bool cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_keyd_reply: %s\n", what);
		abort();
	}
}

/* ---- script reader ---------------------------------------------------------- */

struct script {
	const uint8_t *p;
	size_t n;
};

static bool take(struct script *s, uint8_t *b)
{
	if (s->n == 0)
		return false;
	*b = *s->p++;
	s->n--;
	return true;
}

static uint8_t take_or(struct script *s, uint8_t dflt)
{
	uint8_t b;
	return take(s, &b) ? b : dflt;
}

/* ---- the requests and what the harness expects of them ------------------------ */

enum expect { EXP_NONE, EXP_PENDING, EXP_CANCELLED, EXP_DONE };

struct req {
	enum expect state;
	uint32_t id;              /* the requester's (keyd_client_cancel) */
	uint32_t wire;            /* the id it was last sent with ... */
	uint32_t wire_conn;       /* ... on that connection (0: never sent) */
	uint8_t opcode;           /* MOAT_IPC_SIGN or MOAT_IPC_RSA_DECRYPT */
	bool answered;            /* keyd sent a reply for it (OK or error) */
	uint16_t status;          /* what keyd answered */
	uint8_t sig[MOAT_IPC_SIGNATURE_MAX];
	size_t sig_len;
};

struct run {
	struct event_base *base;
	struct keyd_client *kc;
	int cfd;                  /* keyd's end of the current connection, -1 if none */
	uint32_t conn;            /* connection number, bumped at each accept */
	unsigned restarts;
	struct req reqs[MAX_REQS];
	size_t nreqs;
	/* What keyd read on the current connection, in order: the id on the wire and the request it is. */
	uint32_t received[MAX_REQS * 2];
	size_t received_req[MAX_REQS * 2];
	size_t nreceived;
	uint64_t ok_seen, refused_seen, unavailable_seen;
	bool empty_sent;          /* an empty packet on this connection: to the client, keyd went away */
};

static int listen_fd = -1;
static char sock_path[108];

static struct req *req_by_id(struct run *r, uint32_t id)
{
	for (size_t i = 0; i < r->nreqs; i++)
		if (r->reqs[i].id == id && r->reqs[i].state != EXP_NONE)
			return &r->reqs[i];
	return NULL;
}

/* The request keyd read as id on the current connection. */
static struct req *req_by_wire(struct run *r, uint32_t id)
{
	for (size_t i = 0; i < r->nreceived; i++)
		if (r->received[i] == id)
			return &r->reqs[r->received_req[i]];
	return NULL;
}

/*
 * Whether a reply to id could reach a request that is not done: the
 * client's ids are (generation << 12) | slot, and a request resent on a new
 * connection takes a generation the harness cannot predict, so any id in
 * the slot of such a request is one the harness does not send at random.
 */
static bool may_reach_pending(struct run *r, uint32_t id)
{
	for (size_t i = 0; i < r->nreqs; i++)
		if (r->reqs[i].state == EXP_PENDING && (r->reqs[i].id & 0xfffu) == (id & 0xfffu))
			return true;
	return req_by_wire(r, id) != NULL;
}

static void done_cb(void *arg, enum keyd_result result, uint16_t status, const uint8_t *sig, size_t sig_len)
{
	struct req *q = arg;
	require(q->state == EXP_PENDING, "callback for a request that is not pending");
	q->state = EXP_DONE;
	switch (result) {
	case KEYD_OK:
		require(q->answered && q->status == MOAT_IPC_OK, "OK without an OK reply");
		require(sig_len == q->sig_len && memcmp(sig, q->sig, sig_len) == 0, "signature differs from keyd's");
		break;
	case KEYD_REFUSED:
		require(q->answered && q->status == status && status != MOAT_IPC_OK, "refusal differs from keyd's");
		break;
	case KEYD_UNAVAILABLE:
		break;
	case KEYD_TIMEOUT:
		require(false, "timeout with a deadline far away");
		break;
	}
}

/* ---- keyd's side ---------------------------------------------------------------- */

static void keyd_send(struct run *r, const uint8_t *pkt, size_t len)
{
	if (r->cfd < 0)
		return;
	/* The client may have closed its end already: that is its right. */
	(void)send(r->cfd, pkt, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/*
 * Which request a packet is: step_submit puts the request's index in the
 * first byte of the transcript hash (SIGN) or of the ciphertext.
 */
static size_t request_index(const struct moat_ipc_header *h, struct moat_cursor body)
{
	if (h->opcode == MOAT_IPC_SIGN) {
		struct moat_ipc_sign sign;
		require(moat_ipc_sign_decode(body, &sign, NULL) == MOAT_SUCCESS && moat_cursor_remaining(&sign.input) > 98,
			"client sent a malformed SIGN");
		return moat_cursor_data(&sign.input)[98];
	}
	struct moat_ipc_rsa_decrypt dec;
	require(moat_ipc_rsa_decrypt_decode(body, &dec, NULL) == MOAT_SUCCESS && moat_cursor_remaining(&dec.ciphertext) > 0,
		"client sent a malformed RSA_DECRYPT");
	return moat_cursor_data(&dec.ciphertext)[0];
}

/* Read what the client sent; remember the SIGN and RSA_DECRYPT ids in order, and whose they are. */
static void keyd_read(struct run *r)
{
	uint8_t pkt[MOAT_IPC_MAX_MESSAGE];
	while (r->cfd >= 0) {
		ssize_t n = recv(r->cfd, pkt, sizeof(pkt), MSG_DONTWAIT);
		if (n <= 0)
			return;
		struct moat_ipc_header h;
		struct moat_cursor body;
		require(moat_ipc_header_decode(pkt, (size_t)n, &h, &body) == MOAT_SUCCESS, "client sent a bad packet");
		require(h.opcode == MOAT_IPC_SIGN || h.opcode == MOAT_IPC_RSA_DECRYPT,
			"client sent something other than SIGN or RSA_DECRYPT after HELLO");
		size_t idx = request_index(&h, body);
		require(idx < r->nreqs && r->reqs[idx].state != EXP_NONE, "client sent a request nobody made");
		struct req *q = &r->reqs[idx];
		require(q->opcode == h.opcode, "client sent a request with another opcode");
		require(q->wire_conn != r->conn, "client sent a request twice on one connection");
		require(q->wire_conn == 0 || q->wire != h.request_id, "a request resent with its id of an earlier connection");
		require(req_by_wire(r, h.request_id) == NULL, "two requests with one id on a connection");
		q->wire = h.request_id;
		q->wire_conn = r->conn;
		if (r->nreceived < sizeof(r->received) / sizeof(r->received[0])) {
			r->received_req[r->nreceived] = idx;
			r->received[r->nreceived++] = h.request_id;
		}
	}
}

static void pump(struct run *r)
{
	for (int i = 0; i < 4; i++)
		event_base_loop(r->base, EVLOOP_NONBLOCK);
	keyd_read(r);
}

/* keyd refused the connection or broke the protocol: every request must have been told. */
static void check_all_told(struct run *r)
{
	for (size_t i = 0; i < r->nreqs; i++)
		require(r->reqs[i].state != EXP_PENDING, "a request outlived a refused or broken connection");
}

/* A connection just came up: every pending request is sent on it, as many as max_inflight allows. */
static void check_resent(struct run *r, uint16_t max_inflight)
{
	size_t pending = 0;
	for (size_t i = 0; i < r->nreqs; i++)
		pending += r->reqs[i].state == EXP_PENDING;
	size_t want = pending < max_inflight ? pending : max_inflight;
	require(r->nreceived >= want, "a request pending when keyd went away was not sent to the next keyd");
}

static void answer_hello(struct run *r, uint16_t status, uint8_t version, uint16_t max_inflight)
{
	uint8_t pkt[MOAT_IPC_MAX_MESSAGE];
	ssize_t n = recv(r->cfd, pkt, sizeof(pkt), 0);
	require(n > 0, "no HELLO from the client");
	struct moat_ipc_header h;
	struct moat_cursor body;
	require(moat_ipc_header_decode(pkt, (size_t)n, &h, &body) == MOAT_SUCCESS && h.opcode == MOAT_IPC_HELLO,
		"first packet is not a HELLO");
	struct moat_buf b;
	uint8_t mem[64];
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	if (status != MOAT_IPC_OK) {
		require(moat_ipc_encode_status(&b, MOAT_IPC_HELLO, h.request_id, (moat_ipc_status)status) == MOAT_SUCCESS,
			"encode HELLO refusal");
	} else {
		struct moat_ipc_hello_reply hr = { .version = version,
						   .max_inflight = max_inflight,
						   .max_message = MOAT_IPC_MAX_MESSAGE };
		require(moat_ipc_hello_reply_encode(&b, h.request_id, &hr) == MOAT_SUCCESS, "encode HELLO reply");
	}
	keyd_send(r, b.data, b.len);
}

/*
 * keyd (re)starts: drop the old connection, wait for the client's next
 * attempt and answer its HELLO as the script says. A refusal or a bad
 * version makes the client give up on this attempt too: keyd then starts
 * once more and answers properly, so the script goes on with a live client.
 */
static bool keyd_restart(struct run *r, struct script *s)
{
	bool refused = false;
	for (int attempt = 0; attempt < 3; attempt++) {
		if (r->cfd >= 0) {
			close(r->cfd);
			r->cfd = -1;
		}
		if (r->restarts >= MAX_RESTARTS)
			return false;
		r->restarts++;
		/*
		 * The client notices (EOF) and reconnects: at once if requests wait
		 * (they are kept for the next keyd), else after its 1 ms backoff; after
		 * a refusal it has failed them.
		 */
		struct pollfd pfd = { .fd = listen_fd, .events = POLLIN };
		for (int i = 0; i < 200 && poll(&pfd, 1, 0) == 0; i++)
			event_base_loop(r->base, EVLOOP_ONCE);
		require(poll(&pfd, 1, 0) == 1, "the client did not reconnect");
		if (refused)
			check_all_told(r);
		r->cfd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		require(r->cfd >= 0, "accept");
		r->nreceived = 0;
		r->empty_sent = false;
		r->conn++;

		uint8_t how = attempt == 2 ? 0 : take_or(s, 0);
		uint16_t max_inflight = 0;
		refused = how % 8 >= 1 && how % 8 <= 3;
		if (how % 8 == 1) {
			answer_hello(r, (uint16_t)(1u + take_or(s, 0) % MOAT_IPC_STATUS_MAX), 1, 1);
		} else if (how % 8 == 2) {
			answer_hello(r, MOAT_IPC_OK, (uint8_t)(2u + take_or(s, 0) % 200u), 4);
		} else if (how % 8 == 3) {
			continue; /* closed before answering HELLO: keyd refusing the peer */
		} else {
			max_inflight = (uint16_t)(1u + take_or(s, 3) % 16u);
			answer_hello(r, MOAT_IPC_OK, MOAT_IPC_VERSION, max_inflight);
		}
		pump(r);
		if (keyd_client_is_ready(r->kc)) {
			check_resent(r, max_inflight);
			return true;
		}
	}
	return keyd_client_is_ready(r->kc);
}

/* ---- script steps ---------------------------------------------------------------- */

/* A SIGN of a TLS 1.3 CertificateVerify content, or an RSA_DECRYPT of a 256-byte ciphertext. */
static void step_submit(struct run *r, bool decrypt)
{
	if (r->nreqs == MAX_REQS)
		return;
	static const uint8_t key_id[MOAT_IPC_KEY_ID_LEN] = { 1 };
	uint8_t hash[32] = { 0 };
	hash[0] = (uint8_t)r->nreqs;
	uint8_t content[MOAT_CV_CONTENT_MAX];
	struct moat_buf cv;
	moat_buf_init_fixed(&cv, content, sizeof(content));
	require(moat_cv_content_build(true, hash, sizeof(hash), &cv) == MOAT_SUCCESS, "build CertificateVerify content");
	struct req *q = &r->reqs[r->nreqs];
	memset(q, 0, sizeof(*q));
	bool was_ready = keyd_client_is_ready(r->kc);
	uint32_t id;
	uint8_t ct[256];
	memset(ct, (int)r->nreqs, sizeof(ct));
	int rc = decrypt ? keyd_client_decrypt(r->kc, key_id, 0x0303, ct, sizeof(ct), done_cb, q, &id)
			 : keyd_client_sign(r->kc, key_id, MOAT_SIG_ECDSA_SECP256R1_SHA256, MOAT_IPC_SIGN_TLS13_CV,
					    cv.data, cv.len, done_cb, q, &id);
	if (rc < 0) {
		moat_error_clear();
		require(!was_ready || r->nreqs >= MAX_REQS, "a live client refused a request");
		return;
	}
	require(req_by_id(r, id) == NULL || req_by_id(r, id)->state != EXP_PENDING, "an id given out twice");
	q->state = EXP_PENDING;
	q->id = id;
	q->opcode = decrypt ? MOAT_IPC_RSA_DECRYPT : MOAT_IPC_SIGN;
	r->nreqs++;
}

/* The k-th request keyd read on this connection (any state: keyd does not know). */
static bool pick_received(struct run *r, struct script *s, uint32_t *id)
{
	if (r->nreceived == 0)
		return false;
	*id = r->received[take_or(s, 0) % r->nreceived];
	return true;
}

static void step_answer(struct run *r, struct script *s, bool ok)
{
	uint32_t id;
	if (!pick_received(r, s, &id))
		return;
	struct req *q = req_by_wire(r, id);
	uint8_t pkt[MOAT_IPC_MAX_MESSAGE];
	struct moat_buf b;
	moat_buf_init_fixed(&b, pkt, sizeof(pkt));
	uint16_t status = MOAT_IPC_OK;
	uint8_t sig[MOAT_IPC_SIGNATURE_MAX];
	size_t sig_len = 0;
	/* keyd answers with the opcode of the request (ids it never gave out: SIGN, the client drops them). */
	uint8_t opcode = q != NULL ? q->opcode : MOAT_IPC_SIGN;
	if (ok) {
		sig_len = 1u + (size_t)take_or(s, 63) * 4u;
		if (opcode == MOAT_IPC_RSA_DECRYPT)
			sig_len = MOAT_IPC_PREMASTER_LEN;
		for (size_t i = 0; i < sig_len; i++)
			sig[i] = (uint8_t)(i * 7u + id);
		require((opcode == MOAT_IPC_RSA_DECRYPT ? moat_ipc_rsa_decrypt_reply_encode(&b, id, sig)
							: moat_ipc_sign_reply_encode(&b, id, sig, sig_len)) == MOAT_SUCCESS,
			"encode reply");
	} else {
		status = (uint16_t)(1u + take_or(s, 0) % MOAT_IPC_STATUS_MAX);
		require(moat_ipc_encode_status(&b, opcode, id, (moat_ipc_status)status) == MOAT_SUCCESS,
			"encode refusal");
	}
	/* Only the first answer to a pending request can reach it; later ones are dropped. */
	if (q != NULL && q->state == EXP_PENDING && !q->answered) {
		q->answered = true;
		q->status = status;
		memcpy(q->sig, sig, sig_len);
		q->sig_len = sig_len;
	}
	keyd_send(r, b.data, b.len);
}

/* A well-formed reply to an id of the script's choosing: not pending, so nobody may hear it. */
static void step_stray(struct run *r, struct script *s)
{
	uint32_t id = 0;
	for (int i = 0; i < 4; i++)
		id = (id << 8) | take_or(s, 0);
	if (may_reach_pending(r, id))
		return; /* it could be a real answer; step_answer covers those */
	uint8_t pkt[64];
	struct moat_buf b;
	moat_buf_init_fixed(&b, pkt, sizeof(pkt));
	static const uint8_t sig[8] = { 0xde, 0xad };
	require(moat_ipc_sign_reply_encode(&b, id, sig, sizeof(sig)) == MOAT_SUCCESS, "encode stray reply");
	keyd_send(r, b.data, b.len);
}

/* Bytes from the script as one packet: truncated replies, bad framing, wrong opcodes. */
static void step_raw(struct run *r, struct script *s)
{
	uint8_t len = take_or(s, 0);
	uint8_t pkt[256];
	size_t n = len < s->n ? len : s->n;
	memcpy(pkt, s->p, n);
	s->p += n;
	s->n -= n;
	/*
	 * Whatever happens to the connection, the client must stay consistent:
	 * a packet that happens to be a valid reply to a pending request is an
	 * answer the harness cannot predict, so those are not sent.
	 */
	struct moat_ipc_header h;
	struct moat_cursor body;
	if (moat_ipc_header_decode(pkt, n, &h, &body) == MOAT_SUCCESS && may_reach_pending(r, h.request_id))
		return;
	r->empty_sent |= n == 0;
	keyd_send(r, pkt, n);
}

/* A valid OK reply to a received request, cut short: malformed, so the connection is dropped. */
static void step_truncated(struct run *r, struct script *s)
{
	uint32_t id;
	if (!pick_received(r, s, &id))
		return;
	uint8_t pkt[MOAT_IPC_MAX_MESSAGE];
	struct moat_buf b;
	moat_buf_init_fixed(&b, pkt, sizeof(pkt));
	static const uint8_t sig[72] = { 0x30 };
	require(moat_ipc_sign_reply_encode(&b, id, sig, sizeof(sig)) == MOAT_SUCCESS, "encode reply");
	size_t len = (size_t)take_or(s, 0) % b.len;
	r->empty_sent |= len == 0;
	keyd_send(r, pkt, len);
}

static void step_cancel(struct run *r, struct script *s)
{
	if (r->nreqs == 0)
		return;
	struct req *q = &r->reqs[take_or(s, 0) % r->nreqs];
	keyd_client_cancel(r->kc, q->id);
	if (q->state == EXP_PENDING)
		q->state = EXP_CANCELLED;
}

/* ---- one run ----------------------------------------------------------------------- */

static void remove_socket(void)
{
	unlink(sock_path);
}

static void setup_once(void)
{
	if (listen_fd >= 0)
		return;
	moat_log_set_level(MOAT_LOG_ERR);
	/* In the working directory: Kyua gives each test its own, libFuzzer runs where it is started. */
	snprintf(sock_path, sizeof(sock_path), "fuzz_keyd_reply.%ld.sock", (long)getpid());
	unlink(sock_path);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	memcpy(sun.sun_path, sock_path, strlen(sock_path) + 1);
	listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	require(listen_fd >= 0, "socket");
	require(bind(listen_fd, (struct sockaddr *)&sun, sizeof(sun)) == 0, "bind");
	require(listen(listen_fd, 16) == 0, "listen");
	atexit(remove_socket);
}

static void drain_listener(void)
{
	struct pollfd pfd = { .fd = listen_fd, .events = POLLIN };
	while (poll(&pfd, 1, 0) == 1) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			break;
		close(fd);
	}
}

static struct keyd_client_stats last_stats;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup_once();
	static struct run r;
	memset(&r, 0, sizeof(r));
	r.cfd = -1;
	r.base = event_base_new();
	require(r.base != NULL, "event_base_new");
	r.kc = keyd_client_new(r.base, sock_path, FAR_DEADLINE_MS);
	require(r.kc != NULL, "keyd_client_new");
	keyd_client_set_backoff(r.kc, 1, 1);
	require(keyd_client_start(r.kc) == MOAT_SUCCESS, "start");

	struct script s = { data, size };
	bool live = keyd_restart(&r, &s);
	uint8_t op;
	while (live && take(&s, &op)) {
		switch (op % 10) {
		case 0:
		case 1:
			step_submit(&r, false);
			break;
		case 9:
			step_submit(&r, true);
			break;
		case 2:
			step_answer(&r, &s, true);
			break;
		case 3:
			step_answer(&r, &s, false);
			break;
		case 4:
			step_stray(&r, &s);
			break;
		case 5:
			step_cancel(&r, &s);
			break;
		case 6:
			step_raw(&r, &s);
			break;
		case 7:
			step_truncated(&r, &s);
			break;
		case 8:
			live = keyd_restart(&r, &s);
			break;
		}
		pump(&r);
		if (live && !keyd_client_is_ready(r.kc)) {
			/*
			 * The client dropped keyd: for a malformed packet everything pending
			 * has been told; an empty packet reads as keyd going away (end of
			 * file), and what is pending waits for the next keyd instead.
			 */
			if (!r.empty_sent)
				check_all_told(&r);
			step_submit(&r, false);
			live = keyd_restart(&r, &s);
		}
	}
	pump(&r);

	const struct keyd_client_stats *st = keyd_client_get_stats(r.kc);
	uint64_t ok = 0, refused = 0;
	for (size_t i = 0; i < r.nreqs; i++) {
		if (r.reqs[i].state != EXP_DONE || !r.reqs[i].answered)
			continue;
		ok += r.reqs[i].status == MOAT_IPC_OK;
		refused += r.reqs[i].status != MOAT_IPC_OK;
	}
	require(st->signed_ok + st->decrypted_ok <= ok && st->refused <= refused, "counters exceed what keyd answered");
	last_stats = *st;

	for (size_t i = 0; i < r.nreqs; i++)
		if (r.reqs[i].state == EXP_PENDING) {
			keyd_client_cancel(r.kc, r.reqs[i].id);
			r.reqs[i].state = EXP_CANCELLED;
		}
	keyd_client_free(r.kc);
	if (r.cfd >= 0)
		close(r.cfd);
	drain_listener();
	event_base_free(r.base);
	return 0;
}

#ifdef MOAT_FUZZ_STANDALONE
/*
 * Built-in scripts, each with the counter it must move. Script bytes are
 * ops (value % 10) followed by their arguments; the first byte answers the
 * first HELLO (0: OK, then max_inflight - 1).
 */
struct builtin {
	const char *name;
	uint8_t script[48];
	size_t len;
	size_t stat_offset;       /* a keyd_client_stats counter ... */
	uint64_t stat_min;        /* ... and the least it must end up at */
};

#define STAT(f) offsetof(struct keyd_client_stats, f)

static const struct builtin builtins[] = {
	/* Two requests answered in reverse order, then a second answer to the first (dropped). */
	{ "out of order", { 0, 7, 0, 0, 2, 1, 10, 2, 0, 20, 2, 0, 5 }, 13, STAT(signed_ok), 2 },
	/* A refusal (BUSY = 7 = 1 + 6). */
	{ "refusal", { 0, 7, 0, 3, 0, 6 }, 6, STAT(busy), 1 },
	/* A request cancelled after it was sent, then answered: a late reply. */
	{ "late reply", { 0, 7, 0, 5, 0, 2, 0, 9 }, 8, STAT(late_replies), 1 },
	/* A reply to an id nobody asked for, then the real answer. */
	{ "stray id", { 0, 7, 0, 4, 0x12, 0x34, 0x56, 0x78, 2, 0, 3 }, 11, STAT(signed_ok), 1 },
	/* A truncated reply: the connection is dropped, the request told, keyd comes back. */
	{ "truncated", { 0, 7, 0, 7, 0, 5, 0, 0 }, 8, STAT(disconnects), 1 },
	/* Garbage: a 3-byte packet. */
	{ "garbage", { 0, 7, 0, 6, 3, 0xff, 0xff, 0xff }, 8, STAT(disconnects), 1 },
	/* keyd restarts with a request pending, refuses the first HELLO, then serves a new request. */
	{ "restart", { 0, 7, 0, 8, 1, 6, 0, 0, 0, 2, 0, 1 }, 12, STAT(connects), 2 },
	/* keyd restarts with a request in flight: sent again on the next connection, and answered there. */
	{ "resend", { 0, 7, 0, 8, 0, 7, 2, 0, 1 }, 9, STAT(resent), 1 },
	/* An RSA_DECRYPT answered with 48 bytes, then a SIGN: each reply goes to its own kind of request. */
	{ "decrypt", { 0, 7, 9, 0, 2, 1, 0, 2, 0, 3 }, 10, STAT(decrypted_ok), 1 },
	/* max_inflight 1: three requests wait behind each other and all get answered. */
	{ "queued", { 0, 0, 0, 0, 0, 2, 0, 1, 2, 1, 1, 2, 2, 1 }, 14, STAT(signed_ok), 3 },
};

int main(void)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
		LLVMFuzzerTestOneInput(builtins[i].script, builtins[i].len);
		uint64_t v;
		memcpy(&v, (const uint8_t *)&last_stats + builtins[i].stat_offset, sizeof(v));
		if (v < builtins[i].stat_min) {
			fprintf(stderr, "fuzz_keyd_reply: built-in script \"%s\" did not reach its state\n", builtins[i].name);
			return 1;
		}
		printf("ok - %s\n", builtins[i].name);
	}
	return 0;
}
#endif
