/*
 * The keyd data-socket client (see keyd_client.h for the contract).
 *
 * Request slots: a table of MAX_SLOTS request records, allocated on first
 * use and reused. A request id is (generation << SLOT_BITS) | slot, so a
 * reply finds its record in O(1) and a reply to an earlier use of the same
 * slot (one that timed out) does not match: the generation differs. Id 0
 * is never a slot's and is the HELLO's. A request has two ids: the one its
 * requester holds (for keyd_client_cancel), fixed, and the one on the
 * wire, which is the same until the request is resent on a new connection
 * and then takes the slot's next generation: every id keyd sees belongs to
 * one connection only, so nothing keyd says on one connection can answer a
 * request of another.
 *
 * A request is QUEUED (waiting for the socket or for room under
 * max_inflight: on sendq), SENT (on the socket, its requester waiting), or
 * ABANDONED (on the socket, nobody waiting: it timed out or was
 * cancelled); SENT and ABANDONED ones are on sentq, in the order sent.
 * ABANDONED requests still count against max_inflight, because keyd counts
 * them until it answers; when every in-flight slot is held by a timed-out
 * request, keyd has stopped answering and the connection is reset.
 *
 * keyd going away (a restart) costs no request that can still meet its
 * deadline: what was SENT and not answered goes back to the head of sendq,
 * in the order it was sent, and is resent with a new wire id once a new
 * connection has said HELLO (a signature or a decryption may be asked for
 * twice: both are deterministic for a key and an input, keyd's implicit
 * rejection included, so the answer is the same). A request keeps the
 * deadline of its first submission. While keyd is away, requests wait in
 * sendq and frontd looks for keyd every FAST_RETRY_MS; when nothing waits
 * it backs off as before. See connection_lost for what keyd refusing the
 * connection, or breaking the protocol, does instead.
 *
 * Sending happens from the loop (ev_flush made active), never inside
 * keyd_client_sign: a send error there would fail other requests and run
 * their callbacks inside the caller's callback.
 */
#include "frontd/keyd_client.h"

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/secmem.h"
#include "ipc/ipc.h"

#define SLOT_BITS 12u
#define MAX_SLOTS (1u << SLOT_BITS)
#define SLOT_MASK (MAX_SLOTS - 1u)
#define GEN_MAX ((1u << (32u - SLOT_BITS)) - 1u)
#define HELLO_ID 0u
/* LIST_KEYS after each HELLO: slot ids have a generation of 1 or more, so ids 1..MAX_SLOTS-1 are never a slot's. */
#define LIST_ID 1u
#define READ_BATCH 64u /* packets per read event, so one busy socket does not starve the loop */
#define RECV_BATCH 8u /* packets per recvmmsg */
#define SEND_BATCH 16u /* packets per sendmmsg */
/*
 * How often a connection is tried while requests wait for keyd. A failed
 * connect to a Unix socket costs a few microseconds, and keyd's own start
 * (configuration, keys and their self-tests, memory locking) takes tens of
 * milliseconds at least, so this adds little to a restart and nothing
 * measurable to frontd. Watching the socket's directory (inotify) would
 * notice sooner, but needs the directory opened before the sandbox and
 * more system calls in it, for a few milliseconds.
 */
#define FAST_RETRY_MS 25u
/* The largest version 1 request: a TICKET_OPEN with the longest ticket (a SIGN or an RSA_DECRYPT is smaller). */
#define SIGN_PKT_MAX MOAT_IPC_MIN_MAX_MESSAGE
_Static_assert(MOAT_IPC_HEADER_LEN + MOAT_IPC_KEY_ID_LEN + 2 + 2 + MOAT_IPC_CIPHERTEXT_MAX <= SIGN_PKT_MAX,
	       "an RSA_DECRYPT request fits a request slot");
_Static_assert(MOAT_IPC_SIGN_REQUEST_MAX <= SIGN_PKT_MAX && MOAT_IPC_TICKET_OPEN_REQUEST_MAX <= SIGN_PKT_MAX,
	       "a SIGN and a TICKET_OPEN request fit a request slot");

enum req_state { REQ_FREE, REQ_QUEUED, REQ_SENT, REQ_ABANDONED };
enum kc_state { KC_DOWN, KC_HELLO, KC_READY };

/* How a connection ended: what becomes of the requests pending on it (connection_lost). */
enum lost {
	LOST_GONE,    /* keyd went away, or is not there: what it did not answer is resent */
	LOST_REFUSED, /* keyd ended the connection at HELLO: it does not serve us, what waits fails */
	LOST_BROKEN,  /* keyd broke the protocol: nothing pending is trusted to it again */
};

struct keyd_req {
	struct keyd_client *kc;
	uint32_t id;      /* the requester's: keyd_client_cancel */
	uint32_t wire_id; /* on the current connection: replies */
	uint32_t gen;
	enum req_state state;
	bool timed_out;
	uint8_t opcode; /* MOAT_IPC_SIGN, RSA_DECRYPT, TICKET_SEAL or TICKET_OPEN: the reply must answer this */
	keyd_sign_done_fn done;
	keyd_ticket_done_fn ticket_done; /* instead of done, for the ticket operations */
	void *arg;
	struct event *timer;
	TAILQ_ENTRY(keyd_req) link;
	size_t pkt_len;
	uint8_t pkt[SIGN_PKT_MAX];
};

TAILQ_HEAD(req_queue, keyd_req);

struct keyd_client {
	struct event_base *base;
	char *path;
	uint32_t timeout_ms;
	enum kc_state state;
	int fd;
	struct event *ev_read, *ev_write, *ev_retry, *ev_hello, *ev_flush;
	bool write_blocked;
	uint32_t backoff_ms, backoff_min, backoff_max;
	uint64_t retry_at_ms; /* when ev_retry fires (monotonic); 0: not pending */
	bool away_logged; /* "cannot connect" said once per outage */
	bool unreachable_logged; /* "unreachable for N ms" said once per outage */
	bool refused;     /* the last connection ended at HELLO: keyd does not serve us */
	uint64_t down_since_ms; /* when keyd was lost (or frontd started); 0 once a HELLO is answered */
	uint16_t max_inflight;
	uint32_t inflight;  /* SENT + ABANDONED */
	uint32_t timed_out; /* ABANDONED after their deadline */
	struct keyd_req *slots[MAX_SLOTS];
	uint32_t free_slots[MAX_SLOTS];
	size_t free_count;
	struct req_queue sendq; /* QUEUED */
	struct req_queue sentq; /* SENT and ABANDONED, in the order sent */
	struct keyd_client_stats *stats; /* own_stats, or the worker's metrics slot (keyd_client_set_stats) */
	struct keyd_client_stats own_stats;
	keyd_keys_fn on_keys;
	void *on_keys_arg;
	uint8_t rbuf[RECV_BATCH][MOAT_IPC_MAX_MESSAGE];
};

static void schedule_flush(struct keyd_client *kc);
static void ask_keys(struct keyd_client *kc);
static void connection_lost(struct keyd_client *kc, enum lost how, const char *why);

static uint64_t mono_ms(void)
{
	return moat_clock_monotonic_ns() / MOAT_NS_PER_MS;
}

static struct timeval ms_tv(uint32_t ms)
{
	struct timeval tv = { .tv_sec = (time_t)(ms / 1000u), .tv_usec = (suseconds_t)((ms % 1000u) * 1000u) };
	return tv;
}

/* ---- slots ---------------------------------------------------------------- */

static void req_timeout_cb(evutil_socket_t fd, short what, void *arg);

static struct keyd_req *slot_take(struct keyd_client *kc)
{
	if (kc->free_count == 0)
		return NULL;
	uint32_t slot = kc->free_slots[kc->free_count - 1];
	struct keyd_req *r = kc->slots[slot];
	if (r == NULL) {
		r = calloc(1, sizeof(*r));
		if (r == NULL)
			return NULL;
		r->timer = evtimer_new(kc->base, req_timeout_cb, r);
		if (r->timer == NULL) {
			free(r);
			return NULL;
		}
		r->kc = kc;
		r->id = slot;
		kc->slots[slot] = r;
	}
	kc->free_count--;
	r->gen = r->gen == GEN_MAX ? 1u : r->gen + 1u;
	r->id = r->wire_id = (r->gen << SLOT_BITS) | slot;
	r->timed_out = false;
	r->done = NULL;
	r->ticket_done = NULL;
	r->arg = NULL;
	return r;
}

static void slot_release(struct keyd_client *kc, struct keyd_req *r)
{
	evtimer_del(r->timer);
	/* A TICKET_SEAL request carries a session state. */
	if (r->opcode == MOAT_IPC_TICKET_SEAL)
		moat_wipe(r->pkt, r->pkt_len);
	r->state = REQ_FREE;
	r->done = NULL;
	r->ticket_done = NULL;
	r->arg = NULL;
	kc->free_slots[kc->free_count++] = r->id & SLOT_MASK;
}

/* The request its requester knows as id. */
static struct keyd_req *slot_find(struct keyd_client *kc, uint32_t id)
{
	struct keyd_req *r = kc->slots[id & SLOT_MASK];
	if (r == NULL || r->id != id || r->state == REQ_FREE)
		return NULL;
	return r;
}

/* The request sent as id on the current connection. */
static struct keyd_req *wire_find(struct keyd_client *kc, uint32_t id)
{
	struct keyd_req *r = kc->slots[id & SLOT_MASK];
	if (r == NULL || r->wire_id != id || r->state == REQ_FREE)
		return NULL;
	return r;
}

/* A request going out on a new connection: the slot's next generation, written into the packet. */
static bool renumber(struct keyd_req *r)
{
	r->gen = r->gen == GEN_MAX ? 1u : r->gen + 1u;
	r->wire_id = (r->gen << SLOT_BITS) | (r->id & SLOT_MASK);
	if (moat_ipc_set_request_id(r->pkt, r->pkt_len, r->wire_id) == MOAT_SUCCESS)
		return true;
	moat_error_clear();
	return false;
}

/* Run whichever callback a request has. */
static void notify(keyd_sign_done_fn done, keyd_ticket_done_fn ticket_done, void *arg, enum keyd_result result,
		   uint16_t status, const uint8_t *data, size_t len, uint8_t flags)
{
	if (ticket_done != NULL)
		ticket_done(arg, result, status, data, len, flags);
	else if (done != NULL)
		done(arg, result, status, data, len);
}

/* Take a request off the books and tell its requester, in that order (the callback may free them). */
static void finish_ticket(struct keyd_client *kc, struct keyd_req *r, enum keyd_result result, uint16_t status,
			  const uint8_t *data, size_t len, uint8_t flags)
{
	keyd_sign_done_fn done = r->done;
	keyd_ticket_done_fn ticket_done = r->ticket_done;
	void *arg = r->arg;
	slot_release(kc, r);
	notify(done, ticket_done, arg, result, status, data, len, flags);
}

static void finish(struct keyd_client *kc, struct keyd_req *r, enum keyd_result result, uint16_t status,
		   const uint8_t *sig, size_t sig_len)
{
	finish_ticket(kc, r, result, status, sig, sig_len, false);
}

/* ---- connection ------------------------------------------------------------ */

static void close_socket(struct keyd_client *kc)
{
	if (kc->ev_read != NULL) {
		event_free(kc->ev_read);
		kc->ev_read = NULL;
	}
	if (kc->ev_write != NULL) {
		event_free(kc->ev_write);
		kc->ev_write = NULL;
	}
	if (kc->ev_hello != NULL)
		evtimer_del(kc->ev_hello);
	if (kc->fd >= 0) {
		close(kc->fd);
		kc->fd = -1;
	}
	kc->write_blocked = false;
}

/* The next connection attempt within ms, unless one is due sooner already. */
static void retry_within(struct keyd_client *kc, uint32_t ms)
{
	uint64_t at = mono_ms() + ms;
	if (kc->retry_at_ms != 0 && kc->retry_at_ms <= at)
		return;
	struct timeval tv = ms_tv(ms);
	evtimer_add(kc->ev_retry, &tv);
	kc->retry_at_ms = at;
}

/* Nobody waits for keyd: the next attempt after the backoff, which doubles. */
static void retry_backoff(struct keyd_client *kc)
{
	retry_within(kc, kc->backoff_ms);
	kc->backoff_ms = kc->backoff_ms >= kc->backoff_max / 2 ? kc->backoff_max : kc->backoff_ms * 2;
}

static unsigned queue_length(const struct req_queue *q)
{
	unsigned n = 0;
	const struct keyd_req *r;
	TAILQ_FOREACH(r, q, link)
		n++;
	return n;
}

/* Requests fail because keyd has been away too long: said once per outage, with how long. */
static void note_unreachable(struct keyd_client *kc)
{
	if (kc->unreachable_logged || kc->down_since_ms == 0)
		return;
	kc->unreachable_logged = true;
	moat_log(MOAT_LOG_ERR, "keyd %s: unreachable for %llu ms (keyd-timeout %u ms): key operations fail until it is back",
		 kc->path, (unsigned long long)(mono_ms() - kc->down_since_ms), kc->timeout_ms);
}

/*
 * What was SENT and not answered goes back to the head of sendq, in the
 * order it was sent, with new wire ids; what was ABANDONED is forgotten
 * (nobody waits for it, and keyd will not answer it now). Returns how many
 * will be resent.
 */
static unsigned requeue_sent(struct keyd_client *kc, struct req_queue *failed)
{
	struct req_queue again;
	struct keyd_req *r;
	unsigned n = 0;
	TAILQ_INIT(&again);
	while ((r = TAILQ_FIRST(&kc->sentq)) != NULL) {
		TAILQ_REMOVE(&kc->sentq, r, link);
		if (r->state == REQ_ABANDONED) {
			slot_release(kc, r);
			continue;
		}
		if (!renumber(r)) {
			TAILQ_INSERT_TAIL(failed, r, link);
			continue;
		}
		r->state = REQ_QUEUED;
		TAILQ_INSERT_TAIL(&again, r, link);
		kc->stats->resent++;
		n++;
	}
	TAILQ_CONCAT(&again, &kc->sendq, link);
	TAILQ_CONCAT(&kc->sendq, &again, link);
	return n;
}

/*
 * The connection is gone (or never came up); what becomes of the pending
 * requests depends on how it ended:
 * - LOST_GONE: keyd went away (end of file, a reset, a connect that
 *   failed). It answers nothing more there, so what it did not answer is
 *   resent to the next keyd, and new requests wait for it
 *   (keyd_client_sign), each within its deadline. While requests wait, a
 *   connection is tried at once, then every FAST_RETRY_MS; otherwise after
 *   the backoff.
 * - LOST_REFUSED: keyd ended the connection at HELLO (refused it, closed
 *   it, or did not answer): keyd is there and does not serve us, which a
 *   retry will not change. Everything waiting fails, new requests fail at
 *   once until a HELLO is answered, and retries follow the backoff (each
 *   would be a refusal in keyd's log).
 * - LOST_BROKEN: keyd broke the protocol (a malformed packet, a reply with
 *   the wrong opcode, no answer at all): everything pending fails, as
 *   nothing it said on this connection can be trusted.
 * The lists are emptied before any callback runs, so a request made from
 * a callback waits for the next connection.
 */
static void connection_lost(struct keyd_client *kc, enum lost how, const char *why)
{
	bool was_up = kc->state == KC_READY;
	struct req_queue failed;
	TAILQ_INIT(&failed);
	close_socket(kc);
	kc->state = KC_DOWN;
	kc->inflight = 0;
	kc->timed_out = 0;
	evtimer_del(kc->ev_retry);
	kc->retry_at_ms = 0;
	if (kc->down_since_ms == 0)
		kc->down_since_ms = mono_ms();
	unsigned resend = 0;
	if (how == LOST_GONE) {
		resend = requeue_sent(kc, &failed);
	} else {
		TAILQ_CONCAT(&failed, &kc->sentq, link);
		TAILQ_CONCAT(&failed, &kc->sendq, link);
	}
	if (how == LOST_REFUSED)
		kc->refused = true;

	unsigned nfailed = 0;
	struct keyd_req *r;
	TAILQ_FOREACH(r, &failed, link)
		nfailed += r->state != REQ_ABANDONED;
	char tail[96] = "";
	if (resend > 0)
		snprintf(tail, sizeof(tail), "; %u request%s in flight will be resent", resend, resend == 1 ? "" : "s");
	else if (nfailed > 0)
		snprintf(tail, sizeof(tail), "; %u pending request%s failed", nfailed, nfailed == 1 ? "" : "s");
	if (was_up) {
		kc->stats->disconnects++;
		moat_log(MOAT_LOG_WARNING, "keyd %s: connection lost: %s; reconnecting%s", kc->path, why, tail);
	} else if (!kc->away_logged || nfailed > 0) {
		moat_log(MOAT_LOG_WARNING, "keyd %s: %s; retrying%s", kc->path, why, tail);
	} else {
		moat_log(MOAT_LOG_DEBUG, "keyd %s: %s", kc->path, why);
	}
	kc->away_logged = true;

	if (how == LOST_GONE && !TAILQ_EMPTY(&kc->sendq))
		retry_within(kc, was_up ? 0 : FAST_RETRY_MS);
	else
		retry_backoff(kc);

	while ((r = TAILQ_FIRST(&failed)) != NULL) {
		TAILQ_REMOVE(&failed, r, link);
		finish(kc, r, KEYD_UNAVAILABLE, MOAT_IPC_OK, NULL, 0);
	}
}

/*
 * keyd disconnects a peer it does not serve without a reply (moat-keyd(8)),
 * and frontd cannot tell that apart from keyd going away at that moment:
 * say what was seen (end of file, or the errno) and where the reason is.
 */
static void lost_before_hello(struct keyd_client *kc, const char *seen)
{
	char why[160];
	snprintf(why, sizeof(why),
		 "keyd closed the connection before answering HELLO (%s); keyd logs the reason when it refuses a peer",
		 seen);
	connection_lost(kc, LOST_REFUSED, why);
}

static void hello_reply(struct keyd_client *kc, const struct moat_ipc_header *h, struct moat_cursor body)
{
	struct moat_ipc_hello_reply reply;
	if (moat_ipc_reply_check(h, &body, MOAT_IPC_HELLO) < 0) {
		connection_lost(kc, LOST_REFUSED, "malformed HELLO reply");
		return;
	}
	/* Like any reply we are not waiting for (moat-ipc(7)): dropped. */
	if (kc->state != KC_HELLO || h->request_id != HELLO_ID) {
		moat_log(MOAT_LOG_DEBUG, "keyd %s: dropping an unexpected HELLO reply", kc->path);
		return;
	}
	if (h->status != MOAT_IPC_OK) {
		char why[96];
		snprintf(why, sizeof(why), "HELLO refused: %s", moat_ipc_status_name(h->status));
		connection_lost(kc, LOST_REFUSED, why);
		return;
	}
	if (moat_ipc_hello_reply_decode(body, &reply, NULL) < 0 || reply.version != MOAT_IPC_VERSION) {
		connection_lost(kc, LOST_REFUSED, "bad HELLO reply");
		return;
	}
	evtimer_del(kc->ev_hello);
	kc->state = KC_READY;
	kc->max_inflight = reply.max_inflight;
	kc->backoff_ms = kc->backoff_min;
	kc->stats->connects++;
	if (kc->away_logged) {
		unsigned waiting = queue_length(&kc->sendq);
		moat_log(MOAT_LOG_NOTICE, "keyd %s: connected (max in flight %u) after %llu ms without keyd; %u request%s waited for it",
			 kc->path, (unsigned)reply.max_inflight, (unsigned long long)(mono_ms() - kc->down_since_ms),
			 waiting, waiting == 1 ? "" : "s");
	} else {
		moat_log(MOAT_LOG_INFO, "keyd %s: connected (max in flight %u)", kc->path, (unsigned)reply.max_inflight);
	}
	kc->away_logged = false;
	kc->unreachable_logged = false;
	kc->refused = false;
	kc->down_since_ms = 0;
	ask_keys(kc);
	schedule_flush(kc);
}

/*
 * keyd's keys, asked for once per connection. LIST_KEYS is no key
 * operation (keyd does not count it against max_inflight), so it goes out
 * at once like the HELLO and has no slot. A lost send is only logged:
 * nothing waits for the answer, and frontd serves as before without it.
 */
static void ask_keys(struct keyd_client *kc)
{
	if (kc->on_keys == NULL)
		return;
	uint8_t mem[MOAT_IPC_HEADER_LEN];
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	if (moat_ipc_list_keys_encode(&b, LIST_ID) < 0 ||
	    send(kc->fd, b.data, b.len, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)b.len) {
		moat_error_clear();
		moat_log(MOAT_LOG_WARNING, "keyd %s: cannot ask for its keys: %s", kc->path, strerror(errno));
	}
}

static void list_reply(struct keyd_client *kc, const struct moat_ipc_header *h, struct moat_cursor body)
{
	if (moat_ipc_reply_check(h, &body, MOAT_IPC_LIST_KEYS) < 0) {
		connection_lost(kc, LOST_BROKEN, "malformed LIST_KEYS reply");
		return;
	}
	if (kc->state != KC_READY || h->request_id != LIST_ID || kc->on_keys == NULL) {
		moat_log(MOAT_LOG_DEBUG, "keyd %s: dropping an unexpected LIST_KEYS reply", kc->path);
		return;
	}
	if (h->status != MOAT_IPC_OK) {
		/* An older keyd answers NOT_PERMITTED: handshakes go on as before, keyd refusing what it refuses. */
		moat_log(MOAT_LOG_WARNING, "keyd %s: LIST_KEYS refused (%s): certificates not checked against keyd's keys",
			 kc->path, moat_ipc_status_name(h->status));
		return;
	}
	struct moat_ipc_key_info *keys = calloc(MOAT_IPC_MAX_KEYS, sizeof(*keys));
	size_t count = 0;
	if (keys == NULL) {
		moat_log(MOAT_LOG_WARNING, "keyd %s: out of memory for its key list", kc->path);
		return;
	}
	if (moat_ipc_list_keys_reply_decode(body, keys, MOAT_IPC_MAX_KEYS, &count, NULL) < 0) {
		free(keys);
		connection_lost(kc, LOST_BROKEN, "malformed LIST_KEYS reply");
		return;
	}
	kc->on_keys(kc->on_keys_arg, keys, count);
	free(keys);
}

static bool is_key_request(uint8_t opcode)
{
	return opcode == MOAT_IPC_SIGN || opcode == MOAT_IPC_RSA_DECRYPT || opcode == MOAT_IPC_TICKET_SEAL ||
	       opcode == MOAT_IPC_TICKET_OPEN;
}

/*
 * The body of an OK reply to a ticket operation: the ticket or the state.
 * False: it does not decode, and the connection is reset.
 */
/* The body of a successful reply: what the requester gets, and for TICKET_OPEN the flags; false if malformed. */
static bool decode_reply(uint8_t opcode, struct moat_cursor body, struct moat_cursor *out, uint8_t *flags)
{
	*flags = 0;
	switch (opcode) {
	case MOAT_IPC_RSA_DECRYPT:
		return moat_ipc_rsa_decrypt_reply_decode(body, out, NULL) == MOAT_SUCCESS;
	case MOAT_IPC_TICKET_SEAL:
		return moat_ipc_ticket_seal_reply_decode(body, out, NULL) == MOAT_SUCCESS;
	case MOAT_IPC_TICKET_OPEN:
		return moat_ipc_ticket_open_reply_decode(body, flags, out, NULL) == MOAT_SUCCESS;
	default:
		return moat_ipc_sign_reply_decode(body, out, NULL) == MOAT_SUCCESS;
	}
}

/*
 * A reply to a SIGN, an RSA_DECRYPT or a ticket operation. The opcode must
 * be the one its request was sent with: keyd answering a SIGN with 48 bytes
 * of premaster, or the reverse, is a broken peer and the connection is reset.
 */
static void key_reply(struct keyd_client *kc, const struct moat_ipc_header *h, struct moat_cursor body)
{
	uint8_t opcode = (uint8_t)(h->opcode & ~MOAT_IPC_REPLY);
	if (!is_key_request(opcode) || moat_ipc_reply_check(h, &body, opcode) < 0) {
		connection_lost(kc, LOST_BROKEN, "malformed reply");
		return;
	}
	struct keyd_req *r = wire_find(kc, h->request_id);
	if (r == NULL || (r->state != REQ_SENT && r->state != REQ_ABANDONED)) {
		moat_log(MOAT_LOG_DEBUG, "keyd %s: dropping a reply to unknown request %08x", kc->path, h->request_id);
		return;
	}
	if (r->opcode != opcode) {
		connection_lost(kc, LOST_BROKEN, "reply with the wrong opcode");
		return;
	}
	/* Checked while r is still on sentq, so that a malformed answer fails it with the rest. */
	struct moat_cursor out = { 0 };
	uint8_t flags = 0;
	if (r->state == REQ_SENT && h->status == MOAT_IPC_OK && !decode_reply(opcode, body, &out, &flags)) {
		char why[48];
		snprintf(why, sizeof(why), "malformed %s reply", moat_ipc_opcode_name(opcode));
		connection_lost(kc, LOST_BROKEN, why);
		return;
	}
	TAILQ_REMOVE(&kc->sentq, r, link);
	kc->inflight--;
	schedule_flush(kc);
	if (r->state == REQ_ABANDONED) {
		if (r->timed_out)
			kc->timed_out--;
		kc->stats->late_replies++;
		slot_release(kc, r);
		return;
	}
	if (h->status != MOAT_IPC_OK) {
		kc->stats->refused++;
		if (h->status == MOAT_IPC_BUSY)
			kc->stats->busy++;
		finish(kc, r, KEYD_REFUSED, h->status, NULL, 0);
		return;
	}
	if (opcode == MOAT_IPC_TICKET_SEAL || opcode == MOAT_IPC_TICKET_OPEN) {
		if (opcode == MOAT_IPC_TICKET_SEAL)
			kc->stats->tickets_sealed++;
		else
			kc->stats->tickets_opened++;
		finish_ticket(kc, r, KEYD_OK, MOAT_IPC_OK, moat_cursor_data(&out), moat_cursor_remaining(&out), flags);
		return;
	}
	if (opcode == MOAT_IPC_RSA_DECRYPT)
		kc->stats->decrypted_ok++;
	else
		kc->stats->signed_ok++;
	finish(kc, r, KEYD_OK, MOAT_IPC_OK, moat_cursor_data(&out), moat_cursor_remaining(&out));
}

/* One packet from keyd; false: the connection was lost. The packet is wiped after use (it may hold a premaster). */
static bool handle_packet(struct keyd_client *kc, uint8_t *pkt, size_t n, bool truncated)
{
	if (n == 0) {
		if (kc->state == KC_HELLO)
			lost_before_hello(kc, "end of file");
		else
			connection_lost(kc, LOST_GONE, "keyd closed the connection");
		return false;
	}
	struct moat_ipc_header h;
	struct moat_cursor body;
	if (truncated || n > MOAT_IPC_MAX_MESSAGE || moat_ipc_header_decode(pkt, n, &h, &body) < 0) {
		moat_error_clear();
		connection_lost(kc, LOST_BROKEN, "malformed packet");
		return false;
	}
	if (h.opcode == (MOAT_IPC_HELLO | MOAT_IPC_REPLY))
		hello_reply(kc, &h, body);
	else if (h.opcode == (MOAT_IPC_LIST_KEYS | MOAT_IPC_REPLY))
		list_reply(kc, &h, body);
	else
		key_reply(kc, &h, body);
	/* The requester has taken what it needs; the buffer is reused, and a premaster must not linger in it. */
	moat_wipe(pkt, n);
	moat_error_clear();
	return true;
}

/*
 * Replies come in bursts (keyd signs on several threads): one recvmmsg
 * takes a burst, and one that returns fewer packets than it had room for
 * has emptied the socket, so no further call is needed to meet EAGAIN (the
 * event is level-triggered: more packets wake us again).
 *
 * A keyd that closes its end while requests of ours are still unread in
 * it (a stopping keyd answers what it read, not what it did not) makes
 * the kernel report ECONNRESET once, before the replies keyd sent earlier:
 * those are read, and the end of file after them ends the connection.
 */
static void read_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct keyd_client *kc = arg;
	struct mmsghdr msgs[RECV_BATCH];
	struct iovec iov[RECV_BATCH];
	bool reset_seen = false;
	for (unsigned round = 0; round < READ_BATCH / RECV_BATCH && kc->fd == fd; round++) {
		memset(msgs, 0, sizeof(msgs));
		for (unsigned i = 0; i < RECV_BATCH; i++) {
			iov[i].iov_base = kc->rbuf[i];
			iov[i].iov_len = sizeof(kc->rbuf[i]);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		/* MSG_TRUNC: each packet's real length, so an oversize one is seen as such. */
		int n = recvmmsg(fd, msgs, RECV_BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (kc->state == KC_HELLO) {
				lost_before_hello(kc, strerror(errno));
			} else if (errno == ECONNRESET && !reset_seen) {
				reset_seen = true;
				continue;
			} else {
				connection_lost(kc, LOST_GONE, strerror(errno));
			}
			return;
		}
		for (int i = 0; i < n; i++) {
			/* A reply's callback may have lost the connection (and freed what these packets were for). */
			if (kc->fd != fd)
				return;
			bool truncated = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
			if (!handle_packet(kc, kc->rbuf[i], msgs[i].msg_len, truncated))
				return;
		}
		if (n < (int)RECV_BATCH)
			return;
	}
}

static void write_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct keyd_client *kc = arg;
	kc->write_blocked = false;
	schedule_flush(kc);
}

/*
 * Put queued requests on the socket while keyd has room for them: all
 * those queued since the last loop iteration in one sendmmsg.
 */
static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct keyd_client *kc = arg;
	struct mmsghdr msgs[SEND_BATCH];
	struct iovec iov[SEND_BATCH];
	struct keyd_req *batch[SEND_BATCH];
	while (kc->state == KC_READY && !kc->write_blocked && kc->inflight < kc->max_inflight) {
		uint32_t room = kc->max_inflight - kc->inflight;
		unsigned n = 0;
		memset(msgs, 0, sizeof(msgs));
		for (struct keyd_req *r = TAILQ_FIRST(&kc->sendq); r != NULL && n < SEND_BATCH && n < room;
		     r = TAILQ_NEXT(r, link)) {
			iov[n].iov_base = r->pkt;
			iov[n].iov_len = r->pkt_len;
			msgs[n].msg_hdr.msg_iov = &iov[n];
			msgs[n].msg_hdr.msg_iovlen = 1;
			batch[n++] = r;
		}
		if (n == 0)
			return;
		/* SOCK_SEQPACKET: each packet goes whole or not at all. */
		int sent = sendmmsg(kc->fd, msgs, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (sent < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				kc->write_blocked = true;
				event_add(kc->ev_write, NULL);
				return;
			}
			if (errno == EPIPE || errno == ECONNRESET) {
				/* keyd closed its end: the replies it sent first are still to be read, and the end after them (read_cb). */
				kc->write_blocked = true;
				return;
			}
			connection_lost(kc, LOST_GONE, strerror(errno));
			return;
		}
		for (int i = 0; i < sent; i++) {
			TAILQ_REMOVE(&kc->sendq, batch[i], link);
			TAILQ_INSERT_TAIL(&kc->sentq, batch[i], link);
			batch[i]->state = REQ_SENT;
			kc->inflight++;
		}
	}
}

static void schedule_flush(struct keyd_client *kc)
{
	if (kc->state == KC_READY && !TAILQ_EMPTY(&kc->sendq))
		event_active(kc->ev_flush, EV_TIMEOUT, 0);
}

static void hello_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	connection_lost(arg, LOST_REFUSED, "no answer to HELLO");
}

static int try_connect(struct keyd_client *kc)
{
	struct sockaddr_un sun;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ENSURE(strlen(kc->path) < sizeof(sun.sun_path), MOAT_ERR_INVALID_ARG);
	memcpy(sun.sun_path, kc->path, strlen(kc->path) + 1);

	kc->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ENSURE(kc->fd >= 0, MOAT_ERR_IPC_IO);
	/* A local connect completes at once or fails (EAGAIN: keyd's backlog is full; retried later). */
	ENSURE(connect(kc->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0, MOAT_ERR_IPC_IO);

	uint8_t mem[64];
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	struct moat_ipc_hello hello = { .min_version = MOAT_IPC_VERSION, .max_version = MOAT_IPC_VERSION };
	TRY(moat_ipc_hello_encode(&b, HELLO_ID, &hello));
	ENSURE(send(kc->fd, b.data, b.len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)b.len, MOAT_ERR_IPC_IO);

	kc->ev_read = event_new(kc->base, kc->fd, EV_READ | EV_PERSIST, read_cb, kc);
	kc->ev_write = event_new(kc->base, kc->fd, EV_WRITE, write_cb, kc);
	ENSURE(kc->ev_read != NULL && kc->ev_write != NULL, MOAT_ERR_ALLOC);
	ENSURE(event_add(kc->ev_read, NULL) == 0, MOAT_ERR_INTERNAL);
	struct timeval tv = ms_tv(kc->timeout_ms);
	evtimer_add(kc->ev_hello, &tv);
	kc->state = KC_HELLO;
	return MOAT_SUCCESS;
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct keyd_client *kc = arg;
	kc->retry_at_ms = 0;
	if (kc->state != KC_DOWN)
		return;
	errno = 0;
	if (try_connect(kc) < 0) {
		if (kc->fd >= 0 && (errno == EPIPE || errno == ECONNRESET)) {
			/* Connected, then closed before our HELLO went out. */
			int err = errno;
			moat_error_clear();
			lost_before_hello(kc, strerror(err));
			return;
		}
		char why[160];
		snprintf(why, sizeof(why), "cannot connect: %s", errno ? strerror(errno) : moat_strerror(moat_errno, NULL));
		moat_error_clear();
		connection_lost(kc, LOST_GONE, why);
	}
}

/* ---- requests --------------------------------------------------------------- */

static void req_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct keyd_req *r = arg;
	struct keyd_client *kc = r->kc;
	kc->stats->timeouts++;
	if (r->state == REQ_QUEUED) {
		/* Waiting for a keyd that did not come back in time: it is unavailable, not slow. */
		bool away = kc->state != KC_READY;
		if (away)
			note_unreachable(kc);
		TAILQ_REMOVE(&kc->sendq, r, link);
		finish(kc, r, away ? KEYD_UNAVAILABLE : KEYD_TIMEOUT, MOAT_IPC_OK, NULL, 0);
		return;
	}
	if (r->state != REQ_SENT)
		return;
	/* keyd still holds it: keep the slot until it answers, with nobody waiting. */
	keyd_sign_done_fn done = r->done;
	keyd_ticket_done_fn ticket_done = r->ticket_done;
	void *done_arg = r->arg;
	r->state = REQ_ABANDONED;
	r->timed_out = true;
	r->done = NULL;
	r->ticket_done = NULL;
	kc->timed_out++;
	moat_log(MOAT_LOG_DEBUG, "keyd %s: request %08x timed out after %u ms", kc->path, r->id, kc->timeout_ms);
	notify(done, ticket_done, done_arg, KEYD_TIMEOUT, MOAT_IPC_OK, NULL, 0, false);
	if (kc->state == KC_READY && kc->timed_out >= kc->max_inflight)
		connection_lost(kc, LOST_BROKEN, "keyd stopped answering");
}

/* What a request encodes: a SIGN or an RSA_DECRYPT. */
struct req_args {
	uint8_t opcode;
	const uint8_t *key_id;
	uint16_t scheme_or_version; /* SIGN: the scheme; RSA_DECRYPT: ClientHello.client_version */
	uint8_t kind;
	const uint8_t *input;
	size_t len;
};

static int encode_request(struct moat_buf *b, uint32_t id, const struct req_args *a)
{
	if (a->opcode == MOAT_IPC_TICKET_SEAL)
		return moat_ipc_ticket_seal_encode(b, id, a->input, a->len);
	if (a->opcode == MOAT_IPC_TICKET_OPEN)
		return moat_ipc_ticket_open_flags_encode(b, id, a->kind, a->input, a->len);
	if (a->opcode == MOAT_IPC_RSA_DECRYPT)
		return moat_ipc_rsa_decrypt_encode(b, id, a->key_id, a->scheme_or_version, a->input, a->len);
	return moat_ipc_sign_encode(b, id, a->key_id, a->scheme_or_version, a->kind, a->input, a->len);
}

/*
 * Whether a new request may wait for keyd: always while connected or
 * saying HELLO; while keyd is away, only if it has been away for less than
 * a request's deadline (a restart) and did not refuse us. Past that, keyd
 * is down rather than restarting, and a handshake is better failed at once
 * than held for keyd-timeout.
 */
static bool may_wait(const struct keyd_client *kc)
{
	if (kc->state != KC_DOWN)
		return true;
	return !kc->refused && kc->down_since_ms != 0 && mono_ms() - kc->down_since_ms < kc->timeout_ms;
}

static int submit(struct keyd_client *kc, const struct req_args *a, keyd_sign_done_fn done,
		  keyd_ticket_done_fn ticket_done, void *arg, uint32_t *id)
{
	ENSURE_REF(kc);
	ENSURE(done != NULL || ticket_done != NULL, MOAT_ERR_NULL_ARG);
	ENSURE_REF(id);
	if (!may_wait(kc)) {
		kc->stats->failed_fast++;
		if (!kc->refused) {
			/* Someone needs keyd: look for it soon, rather than after a backoff of up to seconds. */
			note_unreachable(kc);
			retry_within(kc, FAST_RETRY_MS);
		}
		BAIL(MOAT_ERR_KEYD_UNAVAILABLE);
	}
	struct keyd_req *r = slot_take(kc);
	if (r == NULL) {
		kc->stats->failed_fast++;
		BAIL(MOAT_ERR_KEYD_UNAVAILABLE);
	}
	struct moat_buf b;
	moat_buf_init_fixed(&b, r->pkt, sizeof(r->pkt));
	r->opcode = a->opcode;
	if (encode_request(&b, r->id, a) < 0) {
		int err = moat_errno;
		r->pkt_len = b.len;
		slot_release(kc, r);
		BAIL(err == MOAT_ERR_ALLOC ? MOAT_ERR_ALLOC : MOAT_ERR_INVALID_ARG);
	}
	r->pkt_len = b.len;
	r->done = done;
	r->ticket_done = ticket_done;
	r->arg = arg;
	r->state = REQ_QUEUED;
	TAILQ_INSERT_TAIL(&kc->sendq, r, link);
	struct timeval tv = ms_tv(kc->timeout_ms);
	evtimer_add(r->timer, &tv);
	kc->stats->requests++;
	if (kc->state == KC_DOWN)
		retry_within(kc, FAST_RETRY_MS);
	schedule_flush(kc);
	*id = r->id;
	return MOAT_SUCCESS;
}

int keyd_client_sign(struct keyd_client *kc, const uint8_t key_id[32], uint16_t scheme, uint8_t kind,
		     const uint8_t *input, size_t len, keyd_sign_done_fn done, void *arg, uint32_t *id)
{
	const struct req_args a = { MOAT_IPC_SIGN, key_id, scheme, kind, input, len };
	return submit(kc, &a, done, NULL, arg, id);
}

int keyd_client_decrypt(struct keyd_client *kc, const uint8_t key_id[32], uint16_t client_version,
			const uint8_t *ciphertext, size_t len, keyd_sign_done_fn done, void *arg, uint32_t *id)
{
	const struct req_args a = { MOAT_IPC_RSA_DECRYPT, key_id, client_version, 0, ciphertext, len };
	return submit(kc, &a, done, NULL, arg, id);
}

int keyd_client_ticket_seal(struct keyd_client *kc, const uint8_t *state, size_t len, keyd_ticket_done_fn done,
			    void *arg, uint32_t *id)
{
	ENSURE_REF(done);
	const struct req_args a = { MOAT_IPC_TICKET_SEAL, NULL, 0, 0, state, len };
	return submit(kc, &a, NULL, done, arg, id);
}

int keyd_client_ticket_open(struct keyd_client *kc, const uint8_t *ticket, size_t len, uint8_t flags,
			    keyd_ticket_done_fn done, void *arg, uint32_t *id)
{
	ENSURE_REF(done);
	/* The request's flags ride in the kind byte, which only SIGN uses otherwise. */
	const struct req_args a = { MOAT_IPC_TICKET_OPEN, NULL, 0, flags, ticket, len };
	return submit(kc, &a, NULL, done, arg, id);
}

void keyd_client_cancel(struct keyd_client *kc, uint32_t id)
{
	if (kc == NULL || id == HELLO_ID)
		return;
	struct keyd_req *r = slot_find(kc, id);
	if (r == NULL)
		return;
	if (r->state == REQ_QUEUED) {
		TAILQ_REMOVE(&kc->sendq, r, link);
		slot_release(kc, r);
	} else if (r->state == REQ_SENT) {
		evtimer_del(r->timer);
		r->state = REQ_ABANDONED;
		r->done = NULL;
		r->ticket_done = NULL;
		r->arg = NULL;
	}
}

/* ---- life cycle ---------------------------------------------------------------- */

struct keyd_client *keyd_client_new(struct event_base *base, const char *path, uint32_t timeout_ms)
{
	if (base == NULL || path == NULL || timeout_ms == 0)
		return NULL;
	struct keyd_client *kc = calloc(1, sizeof(*kc));
	if (kc == NULL)
		return NULL;
	kc->base = base;
	kc->fd = -1;
	kc->timeout_ms = timeout_ms;
	kc->stats = &kc->own_stats;
	kc->backoff_min = kc->backoff_ms = 100;
	kc->backoff_max = 5000;
	TAILQ_INIT(&kc->sendq);
	TAILQ_INIT(&kc->sentq);
	for (uint32_t s = 0; s < MAX_SLOTS; s++)
		kc->free_slots[s] = MAX_SLOTS - 1u - s; /* low slots first: ids stay small in traces */
	kc->free_count = MAX_SLOTS;
	kc->path = strdup(path);
	kc->ev_retry = evtimer_new(base, retry_cb, kc);
	kc->ev_hello = evtimer_new(base, hello_timeout_cb, kc);
	kc->ev_flush = event_new(base, -1, 0, flush_cb, kc);
	if (kc->path == NULL || kc->ev_retry == NULL || kc->ev_hello == NULL || kc->ev_flush == NULL) {
		keyd_client_free(kc);
		return NULL;
	}
	return kc;
}

void keyd_client_on_keys(struct keyd_client *kc, keyd_keys_fn fn, void *arg)
{
	kc->on_keys = fn;
	kc->on_keys_arg = arg;
}

void keyd_client_set_backoff(struct keyd_client *kc, uint32_t min_ms, uint32_t max_ms)
{
	if (kc == NULL || min_ms == 0 || max_ms < min_ms)
		return;
	kc->backoff_min = kc->backoff_ms = min_ms;
	kc->backoff_max = max_ms;
}

int keyd_client_start(struct keyd_client *kc)
{
	ENSURE_REF(kc);
	ENSURE(kc->state == KC_DOWN && kc->fd < 0, MOAT_ERR_INVALID_STATE);
	/* Until keyd answers, requests wait for it as they would during a restart. */
	kc->down_since_ms = mono_ms();
	/* The first attempt runs from the loop like every retry, so the failure path is one. */
	retry_within(kc, 0);
	return MOAT_SUCCESS;
}

bool keyd_client_is_ready(const struct keyd_client *kc)
{
	return kc != NULL && kc->state == KC_READY;
}

const struct keyd_client_stats *keyd_client_get_stats(const struct keyd_client *kc)
{
	return kc->stats;
}

void keyd_client_set_stats(struct keyd_client *kc, struct keyd_client_stats *stats)
{
	*stats = *kc->stats;
	kc->stats = stats;
}

void keyd_client_free(struct keyd_client *kc)
{
	if (kc == NULL)
		return;
	close_socket(kc);
	for (uint32_t s = 0; s < MAX_SLOTS; s++) {
		if (kc->slots[s] == NULL)
			continue;
		event_free(kc->slots[s]->timer);
		free(kc->slots[s]);
	}
	if (kc->ev_retry != NULL)
		event_free(kc->ev_retry);
	if (kc->ev_hello != NULL)
		event_free(kc->ev_hello);
	if (kc->ev_flush != NULL)
		event_free(kc->ev_flush);
	free(kc->path);
	free(kc);
}
