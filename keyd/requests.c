/*
 * Requests: read from a peer, decoded, routed to their handler.
 *
 * This is where keyd meets bytes from another process, so the order of the
 * checks is the point:
 *  1. the header (ipc/): a packet too short to name its request cannot be
 *     answered, and the peer that sent it is disconnected; any other bad
 *     header is answered with its status and the peer stays;
 *  2. HELLO first: nothing else is served before the versions are agreed;
 *  3. the opcode must be one its socket serves (moat_ipc_opcode_allowed:
 *     key operations and ticket sealing on the data socket, LIST_KEYS,
 *     STATS, KEY_ADD, KEY_REMOVE and the ticket-key changes on the control
 *     socket), and HELLO comes once; the control socket's key requests are
 *     rows of one table (control_requests);
 *  4. a key operation beyond the peer's max-inflight is answered BUSY
 *     before its body is even decoded, so a flooding peer costs as little
 *     as possible;
 *  5. the body: its decoder and, for key operations, the key's policy and
 *     the shape of what is to be signed (ops.c, ipc/ipc_sign_input.c).
 * Every handler answers through replies.c; key operations that pass go on
 * the turn's list for schedule.c, which signs them or hands them over.
 *
 * A request the key's policy refuses is what a compromised frontd would
 * send, so it is logged, but at most once per POLICY_LOG_INTERVAL_NS with
 * a count of those not logged: a hostile peer must not flood the log.
 *
 * Reading: up to READ_BUDGET packets per wake-up with one recvmmsg. A peer
 * that sent several requests costs one system call for them all, one that
 * sent a single request is not asked again just to hear EAGAIN, and a
 * flooding peer shares the loop with the others.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/clock.h"
#include "common/secmem.h"
#include "keyd/control.h"
#include "keyd/server_internal.h"

/* How often refusals by a key's policy are logged at most: a hostile frontd must not flood the log. */
#define POLICY_LOG_INTERVAL_NS (10 * MOAT_NS_PER_SEC)

static void on_hello(struct keyd_server *s, struct peer *p, const struct moat_ipc_header *h, struct moat_cursor body)
{
	struct moat_ipc_hello hello;
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	uint8_t version = 0;
	if (moat_ipc_hello_decode(body, &hello, &st) != MOAT_SUCCESS ||
	    moat_ipc_hello_choose(&hello, &version, &st) != MOAT_SUCCESS) {
		keyd_answer_status(s, p, h->opcode, h->request_id, st);
		return;
	}
	const struct moat_ipc_hello_reply reply = {
		.version = version,
		.max_inflight = (uint16_t)(p->sock == MOAT_IPC_DATA_SOCKET ? s->p.cfg->max_inflight
									    : KEYD_CONTROL_MAX_INFLIGHT),
		.max_message = MOAT_IPC_MAX_MESSAGE,
	};
	struct moat_buf b;
	moat_buf_init_fixed(&b, s->tx, sizeof(s->tx));
	int rc = moat_ipc_hello_reply_encode(&b, h->request_id, &reply);
	if (rc == MOAT_SUCCESS) {
		p->hello = true;
		keyd_peer_active(s, p, moat_clock_monotonic_ns());
	}
	keyd_answer_built(s, p, &b, rc, h->opcode, h->request_id);
}

static void on_ping(struct keyd_server *s, struct peer *p, const struct moat_ipc_header *h, struct moat_cursor body)
{
	struct moat_cursor payload;
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	if (moat_ipc_ping_decode(body, &payload, &st) != MOAT_SUCCESS) {
		keyd_answer_status(s, p, h->opcode, h->request_id, st);
		return;
	}
	s->p.stats->pings++;
	struct moat_buf b;
	moat_buf_init_fixed(&b, s->tx, sizeof(s->tx));
	int rc = moat_ipc_ping_reply_encode(&b, h->request_id, moat_cursor_data(&payload),
					    moat_cursor_remaining(&payload));
	keyd_answer_built(s, p, &b, rc, h->opcode, h->request_id);
}

static int answer_list_keys(struct keyd_server *s, const struct peer *p, uint32_t id, struct moat_cursor body,
			    struct moat_buf *out, moat_ipc_status *st)
{
	(void)p;
	TRY(moat_ipc_list_keys_decode(body, st));
	return keyd_control_list_keys(s->p.keys, id, out, st);
}

static int answer_stats(struct keyd_server *s, const struct peer *p, uint32_t id, struct moat_cursor body,
			struct moat_buf *out, moat_ipc_status *st)
{
	(void)p;
	TRY(moat_ipc_stats_decode(body, st));
	return keyd_control_stats(s->p.stats, moat_clock_monotonic_ns(), id, out, st);
}

/*
 * The control socket's requests: one row each. A handler decodes the body
 * and either writes its whole reply into out (returning success with *st
 * the status it sent) or fails with *st the status to answer.
 */
static const struct control_request {
	uint8_t opcode;
	int (*answer)(struct keyd_server *s, const struct peer *p, uint32_t id, struct moat_cursor body,
		      struct moat_buf *out, moat_ipc_status *st);
} control_requests[] = {
	{ MOAT_IPC_LIST_KEYS, answer_list_keys },
	{ MOAT_IPC_STATS, answer_stats },
	{ MOAT_IPC_KEY_ADD, keyd_key_add },
	{ MOAT_IPC_KEY_REMOVE, keyd_key_remove },
};

static const struct control_request *control_request_of(uint8_t opcode)
{
	for (size_t i = 0; i < sizeof(control_requests) / sizeof(control_requests[0]); i++)
		if (control_requests[i].opcode == opcode)
			return &control_requests[i];
	return NULL;
}

static void on_control(struct keyd_server *s, struct peer *p, const struct moat_ipc_header *h,
		       struct moat_cursor body, const struct control_request *r)
{
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	struct moat_buf b;
	moat_buf_init_fixed(&b, s->tx, sizeof(s->tx));
	int rc = r->answer(s, p, h->request_id, body, &b, &st);
	if (rc != MOAT_SUCCESS && moat_errno == MOAT_ERR_IPC_BAD_MESSAGE && st != MOAT_IPC_OK) {
		keyd_answer_status(s, p, h->opcode, h->request_id, st);
		return;
	}
	if (rc == MOAT_SUCCESS)
		keyd_count_status(s, st);
	keyd_answer_built(s, p, &b, rc, h->opcode, h->request_id);
}

static void policy_refused(struct keyd_server *s, struct peer *p, const struct keyd_op *op)
{
	s->p.stats->key_policy++;
	uint64_t now = moat_clock_monotonic_ns();
	if (s->policy_log_ns != 0 && now - s->policy_log_ns < POLICY_LOG_INTERVAL_NS) {
		s->policy_unlogged++;
		return;
	}
	moat_log(MOAT_LOG_WARNING, "peer #%llu (pid %d, uid %u): key %s: %s%s", (unsigned long long)p->serial,
		 (int)p->pid, (unsigned)p->uid, op->key != NULL ? op->key->name : "?",
		 op->refusal != NULL ? op->refusal : "refused by the key's policy",
		 s->policy_unlogged > 0 ? " (and more refusals not logged, see STATS key_policy)" : "");
	s->policy_log_ns = now;
	s->policy_unlogged = 0;
}

static void on_key_op(struct keyd_server *s, struct peer *p, const struct moat_ipc_header *h,
		      struct moat_cursor body)
{
	/* The cap comes before the body is even decoded: a flooding peer costs as little as possible. */
	if (p->in_flight >= s->p.cfg->max_inflight) {
		keyd_answer_status(s, p, h->opcode, h->request_id, MOAT_IPC_BUSY);
		return;
	}
	struct keyd_job *job = calloc(1, sizeof(*job));
	if (job == NULL) {
		keyd_answer_status(s, p, h->opcode, h->request_id, MOAT_IPC_INTERNAL);
		return;
	}
	job->read_ns = moat_clock_monotonic_ns();
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	if (keyd_op_prepare(s->p.keys, h->opcode, body, &job->op, &st) != MOAT_SUCCESS) {
		if (st == MOAT_IPC_KEY_POLICY)
			policy_refused(s, p, &job->op);
		job->next = NULL;
		keyd_jobs_free(job);
		keyd_answer_status(s, p, h->opcode, h->request_id, st);
		return;
	}
	job->request_id = h->request_id;
	keyd_schedule_add(s, p, job);
}

static void handle_packet(struct keyd_server *s, struct peer *p, const uint8_t *pkt, size_t len)
{
	struct moat_ipc_header h;
	struct moat_cursor body;
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	bool answerable = false;

	s->p.stats->requests++;
	if (moat_ipc_request_open(pkt, len, &h, &body, &st, &answerable) != MOAT_SUCCESS) {
		s->p.stats->malformed++;
		if (!answerable) {
			keyd_peer_drop(s, p, "dropped: unanswerable packet of %zu bytes", len);
			return;
		}
		keyd_answer_status(s, p, h.opcode, h.request_id, st);
		return;
	}
	if (!p->hello && h.opcode != MOAT_IPC_HELLO) {
		keyd_answer_status(s, p, h.opcode, h.request_id, MOAT_IPC_NEED_HELLO);
		return;
	}
	if (s->p.cfg->idle_timeout_ms > 0)
		keyd_peer_active(s, p, moat_clock_monotonic_ns());
	if ((p->hello && h.opcode == MOAT_IPC_HELLO) || !moat_ipc_opcode_allowed(h.opcode, p->sock)) {
		keyd_answer_status(s, p, h.opcode, h.request_id, MOAT_IPC_NOT_PERMITTED);
		return;
	}
	switch (h.opcode) {
	case MOAT_IPC_HELLO:
		on_hello(s, p, &h, body);
		break;
	case MOAT_IPC_PING:
		on_ping(s, p, &h, body);
		break;
	case MOAT_IPC_SIGN:
	case MOAT_IPC_RSA_DECRYPT:
		on_key_op(s, p, &h, body);
		break;
	default:
		if (control_request_of(h.opcode) != NULL)
			on_control(s, p, &h, body, control_request_of(h.opcode));
		else if (!keyd_ticket_request(s, p, &h, body))
			keyd_answer_status(s, p, h.opcode, h.request_id, MOAT_IPC_BAD_OPCODE);
		break;
	}
}

void keyd_peer_read(struct keyd_server *s, struct peer *p)
{
	struct mmsghdr msgs[READ_BUDGET];
	struct iovec iov[READ_BUDGET];
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < READ_BUDGET; i++) {
		iov[i].iov_base = s->rx[i];
		iov[i].iov_len = sizeof(s->rx[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	int n;
	while ((n = recvmmsg(p->fd, msgs, READ_BUDGET, MSG_DONTWAIT | MSG_TRUNC, NULL)) < 0 && errno == EINTR)
		;
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			keyd_peer_close(s, p, MOAT_LOG_DEBUG, "closed: recv: %s", strerror(errno));
		return;
	}
	for (int i = 0; i < n && !p->closed; i++) {
		if (msgs[i].msg_len == 0) {
			keyd_peer_close(s, p, MOAT_LOG_DEBUG, "disconnected");
			return;
		}
		/* MSG_TRUNC gives the real length: an oversize packet reaches the decoder as longer than the limit. */
		size_t len = msgs[i].msg_len < sizeof(s->rx[i]) ? msgs[i].msg_len : sizeof(s->rx[i]);
		handle_packet(s, p, s->rx[i], len);
		/* A control packet may be a KEY_ADD: its private key is wiped as soon as it is handled. */
		if (p->sock == MOAT_IPC_CONTROL_SOCKET)
			moat_wipe(s->rx[i], len);
	}
}
