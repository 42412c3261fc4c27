/*
 * frontd's keyd client against a scripted keyd played by the test itself:
 * the test owns the listening SEQPACKET socket, reads exactly what the
 * client sends and answers what it chooses, in the order it chooses,
 * while it runs the client's event loop in between. That is how replies
 * out of order, BUSY, silence (timeouts), garbage and a keyd that goes away
 * (and comes back: a restart) are produced on demand. Every wait is
 * bounded, and no case depends on how fast the machine is: durations are
 * only ever waited out, never raced.
 */
#include <errno.h>
#include <event2/event.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "frontd/keyd_client.h"
#include "ipc/ipc.h"
#include "tests/moat_test.h"

#define SOCK "keyd.sock"
#define WAIT_MS 3000

/* ---- the scripted keyd -------------------------------------------------------- */

struct fake {
	int lfd;
	int cfd;
};

static void fake_listen(struct fake *f)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	memcpy(sun.sun_path, SOCK, sizeof(SOCK));
	unlink(SOCK);
	f->cfd = -1;
	f->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	ATF_REQUIRE(f->lfd >= 0);
	ATF_REQUIRE(bind(f->lfd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	ATF_REQUIRE(listen(f->lfd, 4) == 0);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Run the client's loop for a moment. */
static void spin(struct event_base *base, unsigned ms)
{
	uint64_t end = now_ms() + ms;
	do {
		event_base_loop(base, EVLOOP_NONBLOCK);
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	} while (now_ms() < end);
}

/* Run the loop until *flag becomes true; fail the test after WAIT_MS. */
static void spin_until(struct event_base *base, const int *counter, int want)
{
	uint64_t end = now_ms() + WAIT_MS;
	while (*counter < want) {
		ATF_REQUIRE_MSG(now_ms() < end, "waited %d ms for %d events, got %d", WAIT_MS, want, *counter);
		event_base_loop(base, EVLOOP_NONBLOCK);
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
}

static bool readable(int fd, unsigned ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, (int)ms) == 1;
}

/* Accept the client's connection while its loop runs. */
static void fake_accept(struct fake *f, struct event_base *base)
{
	uint64_t end = now_ms() + WAIT_MS;
	while (!readable(f->lfd, 0)) {
		ATF_REQUIRE_MSG(now_ms() < end, "the client never connected");
		spin(base, 5);
	}
	f->cfd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
	ATF_REQUIRE(f->cfd >= 0);
}

/* The next packet from the client (running its loop while waiting); false if none within ms. */
static bool fake_recv(struct fake *f, struct event_base *base, unsigned ms, uint8_t *pkt, size_t *len,
		      struct moat_ipc_header *h, struct moat_cursor *body)
{
	uint64_t end = now_ms() + ms;
	while (!readable(f->cfd, 0)) {
		if (now_ms() >= end)
			return false;
		spin(base, 2);
	}
	ssize_t n = recv(f->cfd, pkt, MOAT_IPC_MAX_MESSAGE, 0);
	ATF_REQUIRE(n > 0);
	*len = (size_t)n;
	moat_ipc_status st;
	bool answerable;
	EXPECT_OK(moat_ipc_request_open(pkt, *len, h, body, &st, &answerable));
	return true;
}

static void fake_send(struct fake *f, const struct moat_buf *b)
{
	ATF_REQUIRE(send(f->cfd, b->data, b->len, MSG_NOSIGNAL) == (ssize_t)b->len);
}

/* Accept, read the HELLO, answer it, and wait until the client is ready. */
static void fake_hello(struct fake *f, struct event_base *base, struct keyd_client *kc, uint16_t max_inflight)
{
	uint8_t pkt[MOAT_IPC_MAX_MESSAGE], out[64];
	size_t len;
	struct moat_ipc_header h;
	struct moat_cursor body;
	struct moat_ipc_hello hello;
	fake_accept(f, base);
	ATF_REQUIRE_MSG(fake_recv(f, base, WAIT_MS, pkt, &len, &h, &body), "no HELLO");
	ATF_REQUIRE_EQ(h.opcode, MOAT_IPC_HELLO);
	EXPECT_OK(moat_ipc_hello_decode(body, &hello, NULL));
	ATF_REQUIRE_EQ(hello.min_version, 1);
	struct moat_buf b;
	moat_buf_init_fixed(&b, out, sizeof(out));
	struct moat_ipc_hello_reply r = { .version = 1, .max_inflight = max_inflight, .max_message = 8192 };
	EXPECT_OK(moat_ipc_hello_reply_encode(&b, h.request_id, &r));
	fake_send(f, &b);
	uint64_t end = now_ms() + WAIT_MS;
	while (!keyd_client_is_ready(kc)) {
		ATF_REQUIRE_MSG(now_ms() < end, "client not ready after HELLO");
		spin(base, 2);
	}
}

/* Read one SIGN; returns its request id. */
static uint32_t fake_get_sign(struct fake *f, struct event_base *base, struct moat_ipc_sign *req, uint8_t *pkt)
{
	size_t len;
	struct moat_ipc_header h;
	struct moat_cursor body;
	ATF_REQUIRE_MSG(fake_recv(f, base, WAIT_MS, pkt, &len, &h, &body), "no SIGN request");
	ATF_REQUIRE_EQ(h.opcode, MOAT_IPC_SIGN);
	EXPECT_OK(moat_ipc_sign_decode(body, req, NULL));
	return h.request_id;
}

static void fake_sign_reply(struct fake *f, uint32_t id, uint8_t tag)
{
	uint8_t out[128], sig[8];
	memset(sig, tag, sizeof(sig));
	struct moat_buf b;
	moat_buf_init_fixed(&b, out, sizeof(out));
	EXPECT_OK(moat_ipc_sign_reply_encode(&b, id, sig, sizeof(sig)));
	fake_send(f, &b);
}

static void fake_status(struct fake *f, uint8_t opcode, uint32_t id, moat_ipc_status st)
{
	uint8_t out[64];
	struct moat_buf b;
	moat_buf_init_fixed(&b, out, sizeof(out));
	EXPECT_OK(moat_ipc_encode_status(&b, opcode, id, st));
	fake_send(f, &b);
}

static void fake_drop_client(struct fake *f)
{
	close(f->cfd);
	f->cfd = -1;
}

static void fake_close(struct fake *f)
{
	if (f->cfd >= 0)
		close(f->cfd);
	close(f->lfd);
	unlink(SOCK);
}

/* ---- the requester side ------------------------------------------------------- */

struct result {
	int calls;
	enum keyd_result result;
	uint16_t status;
	uint8_t sig_tag;
	size_t sig_len;
};

static int total_calls;

static void done_cb(void *arg, enum keyd_result result, uint16_t status, const uint8_t *sig, size_t sig_len)
{
	struct result *r = arg;
	r->calls++;
	r->result = result;
	r->status = status;
	r->sig_len = sig_len;
	r->sig_tag = sig_len > 0 ? sig[0] : 0;
	total_calls++;
}

static const uint8_t key_id[32] = { 0xaa, 0xbb, 0xcc };

/* A TLS 1.3 server CertificateVerify content (RFC 8446 §4.4.3) with a SHA-256 transcript hash of byte h. */
static size_t cv_input(uint8_t *out, uint8_t h)
{
	static const char ctx[] = "TLS 1.3, server CertificateVerify";
	memset(out, 0x20, 64);
	memcpy(out + 64, ctx, sizeof(ctx) - 1);
	out[64 + 33] = 0;
	memset(out + 98, h, 32);
	return 130;
}

static uint32_t submit(struct keyd_client *kc, struct result *r, uint8_t h)
{
	uint8_t in[130];
	uint32_t id = 0;
	size_t n = cv_input(in, h);
	EXPECT_OK(keyd_client_sign(kc, key_id, 0x0403, MOAT_IPC_SIGN_TLS13_CV, in, n, done_cb, r, &id));
	ATF_REQUIRE(id != 0);
	return id;
}

struct env {
	struct event_base *base;
	struct keyd_client *kc;
	struct fake f;
};

static void env_up(struct env *e, uint32_t timeout_ms, uint16_t max_inflight)
{
	total_calls = 0;
	e->base = event_base_new();
	ATF_REQUIRE(e->base != NULL);
	fake_listen(&e->f);
	e->kc = keyd_client_new(e->base, SOCK, timeout_ms);
	ATF_REQUIRE(e->kc != NULL);
	keyd_client_set_backoff(e->kc, 20, 80);
	EXPECT_OK(keyd_client_start(e->kc));
	if (max_inflight > 0)
		fake_hello(&e->f, e->base, e->kc, max_inflight);
}

static void env_down(struct env *e)
{
	keyd_client_free(e->kc);
	fake_close(&e->f);
	event_base_free(e->base);
}

/* ---- cases ------------------------------------------------------------------------ */

ATF_TC_WITHOUT_HEAD(replies_out_of_order);
ATF_TC_BODY(replies_out_of_order, tc)
{
	struct env e;
	struct result r[3] = { { 0 } };
	uint8_t pkt[3][MOAT_IPC_MAX_MESSAGE];
	struct moat_ipc_sign req[3];
	uint32_t sent[3], got[3];
	env_up(&e, 2000, 8);
	for (int i = 0; i < 3; i++)
		sent[i] = submit(e.kc, &r[i], (uint8_t)(0x10 + i));
	for (int i = 0; i < 3; i++) {
		got[i] = fake_get_sign(&e.f, e.base, &req[i], pkt[i]);
		ATF_REQUIRE_EQ(got[i], sent[i]);
		ATF_REQUIRE(memcmp(req[i].key_id, key_id, 32) == 0);
		ATF_REQUIRE_EQ(req[i].scheme, 0x0403);
		ATF_REQUIRE_EQ(req[i].kind, MOAT_IPC_SIGN_TLS13_CV);
		ATF_REQUIRE_EQ(moat_cursor_remaining(&req[i].input), 130);
		ATF_REQUIRE_EQ(moat_cursor_data(&req[i].input)[98], 0x10 + i);
	}
	/* Answer last first: each requester must get its own signature. */
	for (int i = 2; i >= 0; i--)
		fake_sign_reply(&e.f, got[i], (uint8_t)(0xa0 + i));
	spin_until(e.base, &total_calls, 3);
	for (int i = 0; i < 3; i++) {
		ATF_REQUIRE_EQ(r[i].calls, 1);
		ATF_REQUIRE_EQ(r[i].result, KEYD_OK);
		ATF_REQUIRE_EQ(r[i].sig_len, 8);
		ATF_REQUIRE_EQ(r[i].sig_tag, 0xa0 + i);
	}
	ATF_REQUIRE_EQ(keyd_client_get_stats(e.kc)->signed_ok, 3);
	env_down(&e);
}

/* RSA_DECRYPT: sent as moat-ipc(7) says, the 48-byte answer handed over, replies matched by opcode too. */
ATF_TC_WITHOUT_HEAD(decrypt_round_trip);
ATF_TC_BODY(decrypt_round_trip, tc)
{
	struct env e;
	struct result r[3] = { { 0 } };
	uint8_t ct[256], pkt[MOAT_IPC_MAX_MESSAGE], out[128], pm[48];
	uint32_t id[3] = { 0 };
	size_t len;
	struct moat_ipc_header h;
	struct moat_cursor body;
	struct moat_ipc_rsa_decrypt req;
	struct moat_buf b;
	env_up(&e, 2000, 8);
	memset(ct, 0x5c, sizeof(ct));
	EXPECT_OK(keyd_client_decrypt(e.kc, key_id, 0x0303, ct, sizeof(ct), done_cb, &r[0], &id[0]));
	ATF_REQUIRE_MSG(fake_recv(&e.f, e.base, WAIT_MS, pkt, &len, &h, &body), "no RSA_DECRYPT request");
	ATF_REQUIRE_EQ(h.opcode, MOAT_IPC_RSA_DECRYPT);
	ATF_REQUIRE_EQ(h.request_id, id[0]);
	EXPECT_OK(moat_ipc_rsa_decrypt_decode(body, &req, NULL));
	ATF_REQUIRE(memcmp(req.key_id, key_id, 32) == 0);
	ATF_REQUIRE_EQ(req.client_version, 0x0303);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&req.ciphertext), sizeof(ct));
	ATF_REQUIRE(memcmp(moat_cursor_data(&req.ciphertext), ct, sizeof(ct)) == 0);
	memset(pm, 0x33, sizeof(pm));
	moat_buf_init_fixed(&b, out, sizeof(out));
	EXPECT_OK(moat_ipc_rsa_decrypt_reply_encode(&b, id[0], pm));
	fake_send(&e.f, &b);
	spin_until(e.base, &total_calls, 1);
	ATF_REQUIRE_EQ(r[0].result, KEYD_OK);
	ATF_REQUIRE_EQ(r[0].sig_len, 48);
	ATF_REQUIRE_EQ(r[0].sig_tag, 0x33);
	ATF_REQUIRE_EQ(keyd_client_get_stats(e.kc)->decrypted_ok, 1);
	ATF_REQUIRE_EQ(keyd_client_get_stats(e.kc)->signed_ok, 0);

	/* A refusal (the key has no rsa-key-exchange) reaches the requester with its status. */
	EXPECT_OK(keyd_client_decrypt(e.kc, key_id, 0x0303, ct, sizeof(ct), done_cb, &r[1], &id[1]));
	ATF_REQUIRE(fake_recv(&e.f, e.base, WAIT_MS, pkt, &len, &h, &body));
	fake_status(&e.f, MOAT_IPC_RSA_DECRYPT, h.request_id, MOAT_IPC_KEY_POLICY);
	spin_until(e.base, &total_calls, 2);
	ATF_REQUIRE_EQ(r[1].result, KEYD_REFUSED);
	ATF_REQUIRE_EQ(r[1].status, MOAT_IPC_KEY_POLICY);

	/* What keyd would refuse is refused here: no ciphertext, or one over 512 bytes. */
	uint8_t big[513] = { 0 };
	uint32_t none = 0;
	EXPECT_ERR(keyd_client_decrypt(e.kc, key_id, 0x0303, ct, 0, done_cb, &r[0], &none), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(keyd_client_decrypt(e.kc, key_id, 0x0303, big, sizeof(big), done_cb, &r[0], &none),
		   MOAT_ERR_INVALID_ARG);

	/* A SIGN answered with an RSA_DECRYPT reply: a broken keyd, the connection is reset. */
	id[2] = submit(e.kc, &r[2], 0x44);
	ATF_REQUIRE(fake_recv(&e.f, e.base, WAIT_MS, pkt, &len, &h, &body));
	ATF_REQUIRE_EQ(h.opcode, MOAT_IPC_SIGN);
	moat_buf_init_fixed(&b, out, sizeof(out));
	EXPECT_OK(moat_ipc_rsa_decrypt_reply_encode(&b, id[2], pm));
	fake_send(&e.f, &b);
	spin_until(e.base, &total_calls, 3);
	ATF_REQUIRE_EQ(r[2].result, KEYD_UNAVAILABLE);
	ATF_REQUIRE_EQ(keyd_client_get_stats(e.kc)->disconnects, 1);

	env_down(&e);
}

ATF_TC_WITHOUT_HEAD(busy_is_a_failure);
ATF_TC_BODY(busy_is_a_failure, tc)
{
	struct env e;
	struct result r[2] = { { 0 } };
	uint8_t pkt[MOAT_IPC_MAX_MESSAGE];
	struct moat_ipc_sign req;
	env_up(&e, 2000, 8);
	submit(e.kc, &r[0], 1);
	fake_status(&e.f, MOAT_IPC_SIGN, fake_get_sign(&e.f, e.base, &req, pkt), MOAT_IPC_BUSY);
	submit(e.kc, &r[1], 2);
	fake_status(&e.f, MOAT_IPC_SIGN, fake_get_sign(&e.f, e.base, &req, pkt), MOAT_IPC_UNKNOWN_KEY);
	spin_until(e.base, &total_calls, 2);
	ATF_REQUIRE_EQ(r[0].result, KEYD_REFUSED);
	ATF_REQUIRE_EQ(r[0].status, MOAT_IPC_BUSY);
	ATF_REQUIRE_EQ(r[1].result, KEYD_REFUSED);
	ATF_REQUIRE_EQ(r[1].status, MOAT_IPC_UNKNOWN_KEY);
	ATF_REQUIRE_EQ(keyd_client_get_stats(e.kc)->busy, 1);
	ATF_REQUIRE_EQ(keyd_client_get_stats(e.kc)->refused, 2);
	/* An error status is that request's business: the connection stays. */
	ATF_REQUIRE(keyd_client_is_ready(e.kc));
	env_down(&e);
}

ATF_TC_WITHOUT_HEAD(timeout_then_late_reply);
ATF_TC_BODY(timeout_then_late_reply, tc)
{
	struct env e;
	struct result r[2] = { { 0 } };
	uint8_t pkt[MOAT_IPC_MAX_MESSAGE];
	struct moat_ipc_sign req;
	env_up(&e, 150, 8);
	uint64_t t0 = now_ms();
	submit(e.kc, &r[0], 1);
	uint32_t id = fake_get_sign(&e.f, e.base, &req, pkt);
	spin_until(e.base, &total_calls, 1);
	uint64_t waited = now_ms() - t0;
	ATF_REQUIRE_EQ(r[0].result, KEYD_TIMEOUT);
	ATF_REQUIRE_MSG(waited >= 140 && waited < 1500, "timed out after %llu ms", (unsigned long long)waited);
	/* The answer comes after all: dropped, and nobody is called twice. */
	fake_sign_reply(&e.f, id, 0x55);
	spin(e.base, 50);
	ATF_REQUIRE_EQ(r[0].calls, 1);
	ATF_REQUIRE_EQ(keyd_client_get_stats(e.kc)->late_replies, 1);
	ATF_REQUIRE_EQ(keyd_client_get_stats(e.kc)->timeouts, 1);
	/* The connection is still good. */
	submit(e.kc, &r[1], 2);
	fake_sign_reply(&e.f, fake_get_sign(&e.f, e.base, &req, pkt), 0x66);
	spin_until(e.base, &total_calls, 2);
	ATF_REQUIRE_EQ(r[1].result, KEYD_OK);
	ATF_REQUIRE_EQ(r[1].sig_tag, 0x66);
	env_down(&e);
}

/* keyd away for longer than a request's deadline: keyd is down, not restarting, and a new request fails at once. */
ATF_TC_WITHOUT_HEAD(fail_fast_after_keyd_timeout);
ATF_TC_BODY(fail_fast_after_keyd_timeout, tc)
{
	struct env e;
	uint8_t in[130];
	uint32_t id;
	struct result r = { 0 };
	env_up(&e, 200, 0);
	fake_close(&e.f); /* nobody listens */
	spin(e.base, 300);
	ATF_REQUIRE(!keyd_client_is_ready(e.kc));
	size_t n = cv_input(in, 1);
	EXPECT_ERR(keyd_client_sign(e.kc, key_id, 0x0403, MOAT_IPC_SIGN_TLS13_CV, in, n, done_cb, &r, &id),
		   MOAT_ERR_KEYD_UNAVAILABLE);
	spin(e.base, 30);
	ATF_REQUIRE_EQ(r.calls, 0);
	ATF_REQUIRE_EQ(keyd_client_get_stats(e.kc)->failed_fast, 1);
	/* keyd appears: found again (the request that failed asked for an attempt soon). */
	fake_listen(&e.f);
	fake_hello(&e.f, e.base, e.kc, 4);
	env_down(&e);
}

/*
 * keyd restarts with requests in flight: it closes the connection without
 * answering them, and is away for a moment. Nothing fails: the requests in
 * flight are resent to the new keyd, in the order they were first sent,
 * with ids of the new connection; one made while keyd was away waits for it;
 * an answer to an old id reaches nobody; cancelling by the id the requester
 * holds still works after a resend.
 */
ATF_TC_WITHOUT_HEAD(restart_resends_in_flight);
ATF_TC_BODY(restart_resends_in_flight, tc)
{
	struct env e;
	struct result r[4] = { { 0 } };
	uint8_t pkt[MOAT_IPC_MAX_MESSAGE];
	struct moat_ipc_sign req;
	uint32_t id[4], old[3], resent[3];
	env_up(&e, 5000, 8);
	for (int i = 0; i < 3; i++)
		id[i] = submit(e.kc, &r[i], (uint8_t)(0x10 + i));
	for (int i = 0; i < 3; i++) {
		old[i] = fake_get_sign(&e.f, e.base, &req, pkt);
		ATF_REQUIRE_EQ(old[i], id[i]);
	}
	/* keyd stops without answering, and its socket is gone for a while. */
	fake_close(&e.f);
	spin(e.base, 60);
	ATF_REQUIRE(!keyd_client_is_ready(e.kc));
	/* A handshake that needs keyd now waits for it. */
	id[3] = submit(e.kc, &r[3], 0x13);
	spin(e.base, 60);
	ATF_REQUIRE_EQ(total_calls, 0);
	ATF_REQUIRE_EQ(keyd_client_get_stats(e.kc)->failed_fast, 0);

	/* The new keyd. */
	fake_listen(&e.f);
	fake_hello(&e.f, e.base, e.kc, 8);
	for (int i = 0; i < 3; i++) {
		resent[i] = fake_get_sign(&e.f, e.base, &req, pkt);
		ATF_REQUIRE_EQ_MSG(moat_cursor_data(&req.input)[98], 0x10 + i, "resent out of order");
		for (int j = 0; j < 3; j++)
			ATF_REQUIRE_MSG(resent[i] != old[j], "a request resent with an id of the old connection");
	}
	uint32_t waited = fake_get_sign(&e.f, e.base, &req, pkt);
	ATF_REQUIRE_EQ(moat_cursor_data(&req.input)[98], 0x13);
	/* Old ids mean nothing on the new connection. */
	fake_sign_reply(&e.f, old[0], 0xee);
	spin(e.base, 30);
	ATF_REQUIRE_EQ(total_calls, 0);
	/* The requester cancels by the id it was given: the resent request is abandoned, its answer dropped. */
	keyd_client_cancel(e.kc, id[2]);
	fake_sign_reply(&e.f, resent[2], 0xa2);
	fake_sign_reply(&e.f, resent[1], 0xa1);
	fake_sign_reply(&e.f, resent[0], 0xa0);
	fake_sign_reply(&e.f, waited, 0xa3);
	spin_until(e.base, &total_calls, 3);
	spin(e.base, 30);
	ATF_REQUIRE_EQ(total_calls, 3);
	ATF_REQUIRE_EQ(r[0].result, KEYD_OK);
	ATF_REQUIRE_EQ(r[0].sig_tag, 0xa0);
	ATF_REQUIRE_EQ(r[1].result, KEYD_OK);
	ATF_REQUIRE_EQ(r[1].sig_tag, 0xa1);
	ATF_REQUIRE_EQ(r[2].calls, 0);
	ATF_REQUIRE_EQ(r[3].result, KEYD_OK);
	ATF_REQUIRE_EQ(r[3].sig_tag, 0xa3);
	const struct keyd_client_stats *st = keyd_client_get_stats(e.kc);
	ATF_REQUIRE_EQ(st->resent, 3);
	ATF_REQUIRE_EQ(st->disconnects, 1);
	ATF_REQUIRE_EQ(st->connects, 2);
	ATF_REQUIRE_EQ(st->late_replies, 1);
	ATF_REQUIRE_EQ(st->timeouts, 0);
	env_down(&e);
}

/*
 * A stopping keyd answers what it read and closes with the rest unread in
 * its socket: the kernel then reports a reset before the replies keyd sent.
 * Those replies still reach their requesters (not resent), and only the
 * request keyd never read goes to the next keyd.
 */
ATF_TC_WITHOUT_HEAD(replies_before_close_are_kept);
ATF_TC_BODY(replies_before_close_are_kept, tc)
{
	struct env e;
	struct result r[2] = { { 0 } };
	uint8_t pkt[MOAT_IPC_MAX_MESSAGE];
	struct moat_ipc_sign req;
	env_up(&e, 5000, 8);
	submit(e.kc, &r[0], 0x20);
	uint32_t first = fake_get_sign(&e.f, e.base, &req, pkt);
	submit(e.kc, &r[1], 0x21);
	/* Sent, never read by this keyd. */
	uint64_t end = now_ms() + WAIT_MS;
	while (!readable(e.f.cfd, 0)) {
		ATF_REQUIRE_MSG(now_ms() < end, "the second request was not sent");
		spin(e.base, 2);
	}
	/* Answer the first and stop, before the client's loop runs again. */
	fake_sign_reply(&e.f, first, 0xb0);
	fake_drop_client(&e.f);
	spin_until(e.base, &total_calls, 1);
	ATF_REQUIRE_EQ(r[0].result, KEYD_OK);
	ATF_REQUIRE_EQ(r[0].sig_tag, 0xb0);
	fake_hello(&e.f, e.base, e.kc, 8);
	uint32_t again = fake_get_sign(&e.f, e.base, &req, pkt);
	ATF_REQUIRE_EQ(moat_cursor_data(&req.input)[98], 0x21);
	size_t len;
	struct moat_ipc_header h;
	struct moat_cursor body;
	ATF_REQUIRE_MSG(!fake_recv(&e.f, e.base, 50, pkt, &len, &h, &body), "an answered request was sent again");
	fake_sign_reply(&e.f, again, 0xb1);
	spin_until(e.base, &total_calls, 2);
	ATF_REQUIRE_EQ(r[1].result, KEYD_OK);
	ATF_REQUIRE_EQ(r[1].sig_tag, 0xb1);
	ATF_REQUIRE_EQ(r[0].calls, 1);
	ATF_REQUIRE_EQ(keyd_client_get_stats(e.kc)->resent, 1);
	env_down(&e);
}

/*
 * keyd goes away and stays away past the deadline: the request in flight
 * is kept for the next keyd only until its deadline, then fails (keyd is
 * unavailable); once keyd is back, requests are served again.
 */
ATF_TC_WITHOUT_HEAD(away_past_deadline);
ATF_TC_BODY(away_past_deadline, tc)
{
	struct env e;
	struct result r[3] = { { 0 } };
	uint8_t pkt[MOAT_IPC_MAX_MESSAGE], in[130];
	struct moat_ipc_sign req;
	uint32_t id;
	env_up(&e, 200, 8);
	submit(e.kc, &r[0], 1);
	(void)fake_get_sign(&e.f, e.base, &req, pkt);
	fake_close(&e.f);
	spin_until(e.base, &total_calls, 1);
	ATF_REQUIRE_EQ(r[0].result, KEYD_UNAVAILABLE);
	ATF_REQUIRE_EQ(keyd_client_get_stats(e.kc)->timeouts, 1);
	ATF_REQUIRE_EQ(keyd_client_get_stats(e.kc)->resent, 1);
	/* Away longer than keyd-timeout now: a new request fails at once. */
	spin(e.base, 250);
	size_t n = cv_input(in, 2);
	EXPECT_ERR(keyd_client_sign(e.kc, key_id, 0x0403, MOAT_IPC_SIGN_TLS13_CV, in, n, done_cb, &r[1], &id),
		   MOAT_ERR_KEYD_UNAVAILABLE);
	/* Back: served again. */
	fake_listen(&e.f);
	fake_hello(&e.f, e.base, e.kc, 8);
	submit(e.kc, &r[2], 3);
	fake_sign_reply(&e.f, fake_get_sign(&e.f, e.base, &req, pkt), 0x77);
	spin_until(e.base, &total_calls, 2);
	ATF_REQUIRE_EQ(r[2].result, KEYD_OK);
	ATF_REQUIRE_EQ(r[1].calls, 0);
	ATF_REQUIRE_EQ(keyd_client_get_stats(e.kc)->connects, 2);
	env_down(&e);
}

ATF_TC_WITHOUT_HEAD(cancel);
ATF_TC_BODY(cancel, tc)
{
	struct env e;
	struct result r[3] = { { 0 } };
	uint8_t pkt[MOAT_IPC_MAX_MESSAGE];
	struct moat_ipc_sign req;
	env_up(&e, 2000, 1);
	uint32_t a = submit(e.kc, &r[0], 1);
	uint32_t b = submit(e.kc, &r[1], 2); /* queued: max_inflight is 1 */
	uint32_t got = fake_get_sign(&e.f, e.base, &req, pkt);
	ATF_REQUIRE_EQ(got, a);
	keyd_client_cancel(e.kc, a); /* on the socket */
	keyd_client_cancel(e.kc, b); /* still queued: never sent */
	keyd_client_cancel(e.kc, 12345); /* unknown: ignored */
	fake_sign_reply(&e.f, a, 0x11);
	spin(e.base, 50);
	ATF_REQUIRE_EQ(total_calls, 0);
	ATF_REQUIRE_MSG(!fake_recv(&e.f, e.base, 50, pkt, &(size_t){ 0 }, &(struct moat_ipc_header){ 0 },
				   &(struct moat_cursor){ 0 }),
			"a cancelled queued request was sent");
	/* The slot of the answered cancelled request is free again. */
	uint32_t c = submit(e.kc, &r[2], 3);
	ATF_REQUIRE_EQ(fake_get_sign(&e.f, e.base, &req, pkt), c);
	fake_sign_reply(&e.f, c, 0x33);
	spin_until(e.base, &total_calls, 1);
	ATF_REQUIRE_EQ(r[2].result, KEYD_OK);
	ATF_REQUIRE_EQ(r[0].calls + r[1].calls, 0);
	env_down(&e);
}

ATF_TC_WITHOUT_HEAD(max_inflight_respected);
ATF_TC_BODY(max_inflight_respected, tc)
{
	struct env e;
	struct result r[5] = { { 0 } };
	uint8_t pkt[MOAT_IPC_MAX_MESSAGE];
	struct moat_ipc_sign req;
	uint32_t ids[5];
	env_up(&e, 2000, 2);
	for (int i = 0; i < 5; i++)
		submit(e.kc, &r[i], (uint8_t)i);
	ids[0] = fake_get_sign(&e.f, e.base, &req, pkt);
	ids[1] = fake_get_sign(&e.f, e.base, &req, pkt);
	size_t len;
	struct moat_ipc_header h;
	struct moat_cursor body;
	ATF_REQUIRE_MSG(!fake_recv(&e.f, e.base, 50, pkt, &len, &h, &body), "more than max_inflight sent");
	/* Each answer lets one more out, in submission order. */
	for (int i = 2; i < 5; i++) {
		fake_sign_reply(&e.f, ids[i - 2], (uint8_t)i);
		ids[i] = fake_get_sign(&e.f, e.base, &req, pkt);
		ATF_REQUIRE_EQ(moat_cursor_data(&req.input)[98], i);
		ATF_REQUIRE_MSG(!fake_recv(&e.f, e.base, 20, pkt, &len, &h, &body), "more than max_inflight sent");
	}
	fake_sign_reply(&e.f, ids[3], 3);
	fake_sign_reply(&e.f, ids[4], 4);
	spin_until(e.base, &total_calls, 5);
	for (int i = 0; i < 5; i++)
		ATF_REQUIRE_EQ(r[i].result, KEYD_OK);
	env_down(&e);
}

ATF_TC_WITHOUT_HEAD(garbage_resets_connection);
ATF_TC_BODY(garbage_resets_connection, tc)
{
	struct env e;
	struct result r[2] = { { 0 } };
	uint8_t pkt[MOAT_IPC_MAX_MESSAGE];
	struct moat_ipc_sign req;
	env_up(&e, 2000, 8);
	uint32_t id = submit(e.kc, &r[0], 1);
	(void)fake_get_sign(&e.f, e.base, &req, pkt);
	/* Replies to ids never sent (another generation of the slot, id 0) are dropped; the pending request is untouched. */
	fake_sign_reply(&e.f, id ^ 0x2000u, 0x01);
	fake_sign_reply(&e.f, 0, 0x01);
	fake_status(&e.f, MOAT_IPC_HELLO, 0, MOAT_IPC_BAD_VERSION);
	spin(e.base, 30);
	ATF_REQUIRE_EQ(r[0].calls, 0);
	ATF_REQUIRE(keyd_client_is_ready(e.kc));
	/* Bytes that are not a message: keyd cannot be trusted on this connection any more. */
	ATF_REQUIRE(send(e.f.cfd, "garbage!", 8, 0) == 8);
	spin_until(e.base, &total_calls, 1);
	ATF_REQUIRE_EQ(r[0].result, KEYD_UNAVAILABLE);
	fake_drop_client(&e.f);
	fake_hello(&e.f, e.base, e.kc, 8);
	submit(e.kc, &r[1], 2);
	fake_sign_reply(&e.f, fake_get_sign(&e.f, e.base, &req, pkt), 0x22);
	spin_until(e.base, &total_calls, 2);
	ATF_REQUIRE_EQ(r[1].result, KEYD_OK);
	env_down(&e);
}

/*
 * More requests than one sendmmsg carries and more replies than one read
 * event takes (the client batches both ways): every request arrives as its
 * own packet, every requester gets its own signature.
 */
#define BURST 70
ATF_TC_WITHOUT_HEAD(bursts_both_ways);
ATF_TC_BODY(bursts_both_ways, tc)
{
	struct env e;
	static struct result r[BURST];
	static uint8_t pkt[MOAT_IPC_MAX_MESSAGE];
	struct moat_ipc_sign req;
	uint32_t sent[BURST], got[BURST];
	memset(r, 0, sizeof(r));
	env_up(&e, 5000, 128);
	for (int i = 0; i < BURST; i++)
		sent[i] = submit(e.kc, &r[i], (uint8_t)i);
	for (int i = 0; i < BURST; i++) {
		got[i] = fake_get_sign(&e.f, e.base, &req, pkt);
		ATF_REQUIRE_EQ(got[i], sent[i]);
		ATF_REQUIRE_EQ(moat_cursor_data(&req.input)[98], i);
	}
	/* All answers queued before the client's loop runs again, last first. */
	for (int i = BURST - 1; i >= 0; i--)
		fake_sign_reply(&e.f, got[i], (uint8_t)(0x80 + i));
	spin_until(e.base, &total_calls, BURST);
	for (int i = 0; i < BURST; i++) {
		ATF_REQUIRE_EQ(r[i].calls, 1);
		ATF_REQUIRE_EQ(r[i].result, KEYD_OK);
		ATF_REQUIRE_EQ(r[i].sig_tag, 0x80 + i);
	}
	ATF_REQUIRE_EQ(keyd_client_get_stats(e.kc)->signed_ok, BURST);
	env_down(&e);
}

/*
 * A packet longer than any keyd may send is malformed even when its first
 * MOAT_IPC_MAX_MESSAGE bytes would frame a harmless reply (one to an id
 * nobody waits for, which alone is dropped): the client must see the
 * packet's real length, not a truncated copy.
 */
ATF_TC_WITHOUT_HEAD(oversize_packet_resets_connection);
ATF_TC_BODY(oversize_packet_resets_connection, tc)
{
	struct env e;
	struct result r = { 0 };
	uint8_t pkt[MOAT_IPC_MAX_MESSAGE];
	static uint8_t big[MOAT_IPC_MAX_MESSAGE + 808];
	struct moat_ipc_sign req;
	env_up(&e, 2000, 8);
	uint32_t id = submit(e.kc, &r, 1);
	(void)fake_get_sign(&e.f, e.base, &req, pkt);
	uint32_t body_len = MOAT_IPC_MAX_BODY, other = id ^ 0x4000u;
	memset(big, 0, sizeof(big));
	big[0] = MOAT_IPC_VERSION;
	big[1] = MOAT_IPC_SIGN | MOAT_IPC_REPLY;
	for (int i = 0; i < 4; i++) {
		big[4 + i] = (uint8_t)(other >> (24 - 8 * i));
		big[8 + i] = (uint8_t)(body_len >> (24 - 8 * i));
	}
	ATF_REQUIRE(send(e.f.cfd, big, sizeof(big), MSG_NOSIGNAL) == (ssize_t)sizeof(big));
	spin_until(e.base, &total_calls, 1);
	ATF_REQUIRE_EQ(r.result, KEYD_UNAVAILABLE);
	ATF_REQUIRE(!keyd_client_is_ready(e.kc));
	env_down(&e);
}

ATF_TC_WITHOUT_HEAD(hello_refused);
ATF_TC_BODY(hello_refused, tc)
{
	struct env e;
	uint8_t pkt[MOAT_IPC_MAX_MESSAGE];
	size_t len;
	struct moat_ipc_header h;
	struct moat_cursor body;
	env_up(&e, 2000, 0);
	fake_accept(&e.f, e.base);
	ATF_REQUIRE(fake_recv(&e.f, e.base, WAIT_MS, pkt, &len, &h, &body));
	fake_status(&e.f, MOAT_IPC_HELLO, h.request_id, MOAT_IPC_BAD_VERSION);
	spin(e.base, 30);
	ATF_REQUIRE(!keyd_client_is_ready(e.kc));
	/* It tries again later, and a good keyd is then accepted. */
	fake_drop_client(&e.f);
	fake_hello(&e.f, e.base, e.kc, 8);
	env_down(&e);
}

ATF_TC_WITHOUT_HEAD(closed_before_hello);
ATF_TC_BODY(closed_before_hello, tc)
{
	struct env e;
	uint8_t in[130];
	uint32_t id;
	struct result r = { 0 };
	env_up(&e, 2000, 0);
	/* What keyd does to a peer its allow rules refuse: accept, then close. */
	fake_accept(&e.f, e.base);
	fake_drop_client(&e.f);
	/* It reconnects (the backoff is 20 ms here): its connection waits in keyd's backlog. */
	uint64_t end = now_ms() + WAIT_MS;
	while (!readable(e.f.lfd, 0)) {
		ATF_REQUIRE_MSG(now_ms() < end, "no reconnection");
		spin(e.base, 2);
	}
	ATF_REQUIRE(!keyd_client_is_ready(e.kc));
	ATF_REQUIRE_EQ(keyd_client_get_stats(e.kc)->connects, 0);
	/* A request now waits for the HELLO, and fails when keyd refuses again. */
	size_t n = cv_input(in, 1);
	EXPECT_OK(keyd_client_sign(e.kc, key_id, 0x0403, MOAT_IPC_SIGN_TLS13_CV, in, n, done_cb, &r, &id));
	fake_accept(&e.f, e.base);
	fake_drop_client(&e.f);
	spin_until(e.base, &total_calls, 1);
	ATF_REQUIRE_EQ(r.result, KEYD_UNAVAILABLE);
	ATF_REQUIRE_EQ(keyd_client_get_stats(e.kc)->disconnects, 0);
	/* It keeps trying, and is served once keyd lets it in. */
	fake_hello(&e.f, e.base, e.kc, 8);
	ATF_REQUIRE_EQ(keyd_client_get_stats(e.kc)->connects, 1);
	env_down(&e);
}

ATF_TC_WITHOUT_HEAD(bad_input_refused_locally);
ATF_TC_BODY(bad_input_refused_locally, tc)
{
	struct env e;
	struct result r = { 0 };
	uint8_t in[130];
	uint32_t id;
	env_up(&e, 2000, 8);
	size_t n = cv_input(in, 1);
	in[0] = 'x'; /* not the 64 spaces of RFC 8446 §4.4.3: keyd would refuse it, so we do not send it */
	EXPECT_ERR(keyd_client_sign(e.kc, key_id, 0x0403, MOAT_IPC_SIGN_TLS13_CV, in, n, done_cb, &r, &id),
		   MOAT_ERR_INVALID_ARG);
	cv_input(in, 1);
	/* rsa_pkcs1_sha256 is not allowed in a TLS 1.3 CertificateVerify. */
	EXPECT_ERR(keyd_client_sign(e.kc, key_id, 0x0401, MOAT_IPC_SIGN_TLS13_CV, in, n, done_cb, &r, &id),
		   MOAT_ERR_INVALID_ARG);
	spin(e.base, 20);
	ATF_REQUIRE_EQ(r.calls, 0);
	env_down(&e);
}

/* ---- tickets ------------------------------------------------------------------------ */

struct ticket_result {
	int calls;
	enum keyd_result result;
	uint16_t status;
	uint8_t data[MOAT_IPC_TICKET_MAX];
	size_t len;
	bool reissue;
};

static void ticket_cb(void *arg, enum keyd_result result, uint16_t status, const uint8_t *data, size_t len,
		      uint8_t flags)
{
	struct ticket_result *r = arg;
	r->calls++;
	r->result = result;
	r->status = status;
	r->len = len;
	if (len > 0)
		memcpy(r->data, data, len);
	r->reissue = (flags & MOAT_IPC_TICKET_REISSUE) != 0;
	total_calls++;
}

/* Several seals and opens submitted together reach keyd together and are answered in any order. */
ATF_TC_WITHOUT_HEAD(ticket_seal_and_open);
ATF_TC_BODY(ticket_seal_and_open, tc)
{
	struct env e;
	env_up(&e, 2000, 16);
	struct ticket_result seal[3], open[2];
	uint32_t seal_id[3], open_id[2];
	uint8_t state[40], ticket[MOAT_IPC_TICKET_MAX];
	memset(seal, 0, sizeof(seal));
	memset(open, 0, sizeof(open));
	for (int i = 0; i < 3; i++) {
		memset(state, 0x10 + i, sizeof(state));
		EXPECT_OK(keyd_client_ticket_seal(e.kc, state, sizeof(state), ticket_cb, &seal[i], &seal_id[i]));
	}
	memset(ticket, 0x77, sizeof(ticket));
	EXPECT_OK(keyd_client_ticket_open(e.kc, ticket, 100, 0, ticket_cb, &open[0], &open_id[0]));
	EXPECT_OK(keyd_client_ticket_open(e.kc, ticket, MOAT_IPC_TICKET_MAX, 0, ticket_cb, &open[1], &open_id[1]));

	/* keyd reads them all (one sendmmsg) and checks each request as keyd's codec does. */
	uint8_t pkt[MOAT_IPC_MAX_MESSAGE], out[MOAT_IPC_MAX_MESSAGE];
	size_t len;
	struct moat_ipc_header h;
	struct moat_cursor body, v;
	uint32_t got[5];
	for (int i = 0; i < 5; i++) {
		ATF_REQUIRE_MSG(fake_recv(&e.f, e.base, WAIT_MS, pkt, &len, &h, &body), "request %d missing", i);
		got[i] = h.request_id;
		if (i < 3) {
			ATF_REQUIRE_EQ(h.opcode, MOAT_IPC_TICKET_SEAL);
			EXPECT_OK(moat_ipc_ticket_seal_decode(body, &v, NULL));
			ATF_REQUIRE_EQ(moat_cursor_remaining(&v), sizeof(state));
			ATF_REQUIRE_EQ(moat_cursor_data(&v)[0], 0x10 + i);
		} else {
			ATF_REQUIRE_EQ(h.opcode, MOAT_IPC_TICKET_OPEN);
			EXPECT_OK(moat_ipc_ticket_open_decode(body, &v, NULL));
			ATF_REQUIRE_EQ(moat_cursor_remaining(&v), i == 3 ? 100 : MOAT_IPC_TICKET_MAX);
		}
	}
	ATF_REQUIRE_EQ(got[0], seal_id[0]);
	ATF_REQUIRE_EQ(got[4], open_id[1]);

	/* Answers in reverse order: an open re-issued, an open of a ticket keyd does not know, the seals. */
	struct moat_buf b;
	moat_buf_init_fixed(&b, out, sizeof(out));
	memset(state, 0x99, sizeof(state));
	EXPECT_OK(moat_ipc_ticket_open_reply_encode(&b, open_id[1], MOAT_IPC_TICKET_REISSUE, state, 33));
	fake_send(&e.f, &b);
	fake_status(&e.f, MOAT_IPC_TICKET_OPEN, open_id[0], MOAT_IPC_UNKNOWN_KEY);
	for (int i = 2; i >= 0; i--) {
		memset(ticket, 0xa0 + i, sizeof(ticket));
		moat_buf_init_fixed(&b, out, sizeof(out));
		EXPECT_OK(moat_ipc_ticket_seal_reply_encode(&b, seal_id[i], ticket, 45 + (size_t)i));
		fake_send(&e.f, &b);
	}
	spin_until(e.base, &total_calls, 5);
	ATF_REQUIRE_EQ(open[1].calls, 1);
	ATF_REQUIRE_EQ(open[1].result, KEYD_OK);
	ATF_REQUIRE(open[1].reissue);
	ATF_REQUIRE_EQ(open[1].len, 33);
	ATF_REQUIRE_EQ(open[1].data[0], 0x99);
	ATF_REQUIRE_EQ(open[0].result, KEYD_REFUSED);
	ATF_REQUIRE_EQ(open[0].status, MOAT_IPC_UNKNOWN_KEY);
	ATF_REQUIRE(!open[0].reissue);
	for (int i = 0; i < 3; i++) {
		ATF_REQUIRE_EQ(seal[i].calls, 1);
		ATF_REQUIRE_EQ(seal[i].result, KEYD_OK);
		ATF_REQUIRE_EQ(seal[i].len, 45 + (size_t)i);
		ATF_REQUIRE_EQ(seal[i].data[0], 0xa0 + i);
	}
	const struct keyd_client_stats *st = keyd_client_get_stats(e.kc);
	ATF_REQUIRE_EQ(st->tickets_sealed, 3);
	ATF_REQUIRE_EQ(st->tickets_opened, 1);
	ATF_REQUIRE_EQ(st->refused, 1);
	env_down(&e);
}

/* Lengths keyd would refuse are refused here; a SIGN's reply shape for a ticket resets the connection. */
ATF_TC_WITHOUT_HEAD(ticket_limits_and_wrong_reply);
ATF_TC_BODY(ticket_limits_and_wrong_reply, tc)
{
	struct env e;
	env_up(&e, 2000, 16);
	struct ticket_result r;
	uint32_t id = 0;
	uint8_t big[MOAT_IPC_TICKET_MAX + 1];
	memset(big, 1, sizeof(big));
	memset(&r, 0, sizeof(r));
	EXPECT_ERR(keyd_client_ticket_seal(e.kc, big, 0, ticket_cb, &r, &id), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(keyd_client_ticket_seal(e.kc, big, MOAT_IPC_TICKET_STATE_MAX + 1, ticket_cb, &r, &id),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(keyd_client_ticket_open(e.kc, big, MOAT_IPC_TICKET_MAX + 1, 0, ticket_cb, &r, &id),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(keyd_client_ticket_open(e.kc, big, 10, 0, NULL, &r, &id), MOAT_ERR_NULL_ARG);

	EXPECT_OK(keyd_client_ticket_seal(e.kc, big, 10, ticket_cb, &r, &id));
	uint8_t pkt[MOAT_IPC_MAX_MESSAGE];
	size_t len;
	struct moat_ipc_header h;
	struct moat_cursor body;
	ATF_REQUIRE(fake_recv(&e.f, e.base, WAIT_MS, pkt, &len, &h, &body));
	ATF_REQUIRE_EQ(h.opcode, MOAT_IPC_TICKET_SEAL);
	/* Answered as if it were a SIGN: the reply's opcode is not the request's. */
	fake_sign_reply(&e.f, id, 0x55);
	spin_until(e.base, &total_calls, 1);
	ATF_REQUIRE_EQ(r.result, KEYD_UNAVAILABLE);
	ATF_REQUIRE_EQ(keyd_client_get_stats(e.kc)->disconnects, 1);
	env_down(&e);
}

/* A ticket request keyd does not answer times out like a signature. */
ATF_TC_WITHOUT_HEAD(ticket_timeout);
ATF_TC_BODY(ticket_timeout, tc)
{
	struct env e;
	env_up(&e, 100, 16);
	struct ticket_result r;
	uint32_t id = 0;
	uint8_t t[60] = { 0 };
	memset(&r, 0, sizeof(r));
	EXPECT_OK(keyd_client_ticket_open(e.kc, t, sizeof(t), 0, ticket_cb, &r, &id));
	spin_until(e.base, &total_calls, 1);
	ATF_REQUIRE_EQ(r.result, KEYD_TIMEOUT);
	ATF_REQUIRE_EQ(r.calls, 1);
	env_down(&e);
}

/* ---- keyd's key list (keyd_client_on_keys) ---- */

static int keys_calls;
static struct moat_ipc_key_info keys_seen[2];
static size_t keys_count;

static void keys_cb(void *arg, const struct moat_ipc_key_info *keys, size_t count)
{
	ATF_REQUIRE_EQ(arg, &keys_calls);
	keys_calls++;
	total_calls++;
	keys_count = count;
	ATF_REQUIRE(count <= 2);
	memcpy(keys_seen, keys, count * sizeof(*keys));
}

/* The LIST_KEYS the client sends after HELLO; its id. */
static uint32_t fake_get_list(struct fake *f, struct event_base *base)
{
	uint8_t pkt[MOAT_IPC_MAX_MESSAGE];
	size_t len;
	struct moat_ipc_header h;
	struct moat_cursor body;
	ATF_REQUIRE_MSG(fake_recv(f, base, WAIT_MS, pkt, &len, &h, &body), "no LIST_KEYS after HELLO");
	ATF_REQUIRE_EQ(h.opcode, MOAT_IPC_LIST_KEYS);
	EXPECT_OK(moat_ipc_list_keys_decode(body, NULL));
	return h.request_id;
}

ATF_TC_WITHOUT_HEAD(keys_after_every_hello);
ATF_TC_BODY(keys_after_every_hello, tc)
{
	struct env e;
	total_calls = 0;
	keys_calls = 0;
	e.base = event_base_new();
	ATF_REQUIRE(e.base != NULL);
	fake_listen(&e.f);
	e.kc = keyd_client_new(e.base, SOCK, 2000);
	ATF_REQUIRE(e.kc != NULL);
	keyd_client_set_backoff(e.kc, 20, 80);
	keyd_client_on_keys(e.kc, keys_cb, &keys_calls);
	EXPECT_OK(keyd_client_start(e.kc));
	fake_hello(&e.f, e.base, e.kc, 4);

	/* keyd's list, with the switches, reaches the callback. */
	struct moat_ipc_key_info info[2];
	memset(info, 0, sizeof(info));
	memcpy(info[0].key_id, key_id, 32);
	info[0].key_type = MOAT_IPC_KEY_RSA;
	info[0].bits = 2048;
	info[0].flags = MOAT_IPC_KEY_FLAG_SERVER | MOAT_IPC_KEY_FLAG_TLS12 | MOAT_IPC_KEY_FLAG_RSA_KX;
	info[0].schemes[0] = 0x0804;
	info[0].scheme_count = 1;
	strcpy(info[0].name, "rsa");
	info[1].key_type = MOAT_IPC_KEY_EC_P256;
	info[1].bits = 256;
	info[1].flags = MOAT_IPC_KEY_FLAG_SERVER;
	info[1].schemes[0] = 0x0403;
	info[1].scheme_count = 1;
	uint32_t id = fake_get_list(&e.f, e.base);
	uint8_t out[MOAT_IPC_MAX_MESSAGE];
	struct moat_buf b;
	moat_buf_init_fixed(&b, out, sizeof(out));
	EXPECT_OK(moat_ipc_list_keys_reply_encode(&b, id, info, 2));
	fake_send(&e.f, &b);
	spin_until(e.base, &keys_calls, 1);
	ATF_REQUIRE_EQ(keys_count, 2);
	ATF_REQUIRE(memcmp(keys_seen[0].key_id, key_id, 32) == 0);
	ATF_REQUIRE_EQ(keys_seen[0].flags, info[0].flags);
	ATF_REQUIRE_EQ(keys_seen[1].flags, MOAT_IPC_KEY_FLAG_SERVER);

	/* keyd restarts: the new connection asks again; a keyd that refuses LIST_KEYS is no failure. */
	fake_drop_client(&e.f);
	fake_hello(&e.f, e.base, e.kc, 4);
	id = fake_get_list(&e.f, e.base);
	fake_status(&e.f, MOAT_IPC_LIST_KEYS, id, MOAT_IPC_NOT_PERMITTED);
	struct result r = { 0 };
	uint8_t pkt[MOAT_IPC_MAX_MESSAGE];
	struct moat_ipc_sign req;
	submit(e.kc, &r, 0x42);
	uint32_t sid = fake_get_sign(&e.f, e.base, &req, pkt);
	fake_sign_reply(&e.f, sid, 0x77);
	spin_until(e.base, &total_calls, 2);
	ATF_REQUIRE_EQ(r.result, KEYD_OK);
	ATF_REQUIRE_EQ(keys_calls, 1);
	ATF_REQUIRE(keyd_client_is_ready(e.kc));
	ATF_REQUIRE_EQ(keyd_client_get_stats(e.kc)->connects, 2);
	env_down(&e);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, keys_after_every_hello);
	ATF_TP_ADD_TC(tp, ticket_seal_and_open);
	ATF_TP_ADD_TC(tp, ticket_limits_and_wrong_reply);
	ATF_TP_ADD_TC(tp, ticket_timeout);
	ATF_TP_ADD_TC(tp, replies_out_of_order);
	ATF_TP_ADD_TC(tp, decrypt_round_trip);
	ATF_TP_ADD_TC(tp, busy_is_a_failure);
	ATF_TP_ADD_TC(tp, timeout_then_late_reply);
	ATF_TP_ADD_TC(tp, fail_fast_after_keyd_timeout);
	ATF_TP_ADD_TC(tp, restart_resends_in_flight);
	ATF_TP_ADD_TC(tp, replies_before_close_are_kept);
	ATF_TP_ADD_TC(tp, away_past_deadline);
	ATF_TP_ADD_TC(tp, cancel);
	ATF_TP_ADD_TC(tp, max_inflight_respected);
	ATF_TP_ADD_TC(tp, garbage_resets_connection);
	ATF_TP_ADD_TC(tp, bursts_both_ways);
	ATF_TP_ADD_TC(tp, oversize_packet_resets_connection);
	ATF_TP_ADD_TC(tp, hello_refused);
	ATF_TP_ADD_TC(tp, closed_before_hello);
	ATF_TP_ADD_TC(tp, bad_input_refused_locally);
	return atf_no_error();
}
