/*
 * The ticket-key requests (moat-ipc(7), "Session tickets"): SEAL and OPEN
 * from frontd, LIST, ROTATE, ADD and REMOVE from moat-keyctl, answered by
 * the event loop itself from the store (ticket_keys.h), and the timer that
 * makes and wipes keys on their schedule.
 *
 * Inline, not on the signing threads: sealing or opening is one AES-GCM
 * operation of a microsecond or so, less than the thread hand-off, and
 * keeping the store on the loop thread alone is what lets a rotation or a
 * removal wipe a key without a lock (no operation can be using it).
 *
 * Every change to the keys is logged with the peer's uid and pid. The
 * control socket admits only root and keyd's own user (admission.c); the
 * changes check that again here, so the rule holds for them whatever
 * admission comes to allow on that socket later.
 *
 * A request body here may hold a session state (SEAL) or a key's secret
 * (ADD), and an OPEN reply holds a state: the body is wiped in the receive
 * buffer once handled, the scratch reply buffer once the reply is queued,
 * and the plaintext buffers before they go out of scope. The queued reply
 * itself is wiped when sent or dropped (replies.c).
 *
 * OPEN's refusals UNKNOWN_KEY and BAD_TICKET are outcomes, not errors:
 * a client may hold a ticket from a restarted keyd or another fleet. They
 * are counted in the ticket counters, not in STATS errors.
 */
#include <string.h>

#include "common/clock.h"
#include "common/secmem.h"
#include "keyd/early_record.h"
#include "keyd/names.h"
#include "keyd/server_internal.h"

static uint64_t wall_seconds(void)
{
	return moat_clock_wall_ns() / MOAT_NS_PER_SEC;
}

static const char *hex_name(const uint8_t name[MOAT_TICKET_NAME_LEN], char out[2 * MOAT_TICKET_NAME_LEN + 1])
{
	keyd_hex(out, name, MOAT_TICKET_NAME_LEN);
	return out;
}

/* Send the reply built in s->tx, then wipe what it wrote there (it may hold a session state). */
static void answer(struct keyd_server *s, struct peer *p, struct moat_buf *b, int rc, const struct moat_ipc_header *h)
{
	size_t used = b->len;
	keyd_answer_built(s, p, b, rc, h->opcode, h->request_id);
	moat_wipe(s->tx, used);
}

/* A refusal that is an ordinary outcome (OPEN: not one of ours): no STATS error. */
static void answer_outcome(struct keyd_server *s, struct peer *p, const struct moat_ipc_header *h,
			   moat_ipc_status st)
{
	struct moat_buf b;
	moat_buf_init_fixed(&b, s->tx, sizeof(s->tx));
	keyd_answer_built(s, p, &b, moat_ipc_encode_status(&b, h->opcode, h->request_id, st), h->opcode,
			  h->request_id);
}

static void on_seal(struct keyd_server *s, struct peer *p, const struct moat_ipc_header *h, struct moat_cursor body)
{
	struct moat_cursor state;
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	uint8_t ticket[MOAT_TICKET_MAX_LEN];
	size_t len = 0;
	if (moat_ipc_ticket_seal_decode(body, &state, &st) != MOAT_SUCCESS ||
	    keyd_tickets_seal(&s->tickets, wall_seconds(), moat_cursor_data(&state), moat_cursor_remaining(&state),
			      ticket, sizeof(ticket), &len, &st) != MOAT_SUCCESS) {
		keyd_answer_status(s, p, h->opcode, h->request_id, st);
		return;
	}
	s->p.stats->ticket_seals++;
	struct moat_buf b;
	moat_buf_init_fixed(&b, s->tx, sizeof(s->tx));
	answer(s, p, &b, moat_ipc_ticket_seal_reply_encode(&b, h->request_id, ticket, len), h);
}

static void on_open(struct keyd_server *s, struct peer *p, const struct moat_ipc_header *h, struct moat_cursor body)
{
	struct moat_cursor ticket;
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	uint8_t state[MOAT_TICKET_MAX_LEN];
	size_t len = 0;
	bool reissue = false;
	uint8_t asked = 0;
	if (moat_ipc_ticket_open_flags_decode(body, &ticket, &asked, &st) != MOAT_SUCCESS) {
		keyd_answer_status(s, p, h->opcode, h->request_id, st);
		return;
	}
	s->p.stats->ticket_opens++;
	if (keyd_tickets_open(&s->tickets, wall_seconds(), moat_cursor_data(&ticket), moat_cursor_remaining(&ticket),
			      state, sizeof(state), &len, &reissue, &st) != MOAT_SUCCESS) {
		if (st == MOAT_IPC_UNKNOWN_KEY) {
			s->p.stats->ticket_opens_unknown_key++;
			answer_outcome(s, p, h, st);
		} else if (st == MOAT_IPC_BAD_TICKET) {
			s->p.stats->ticket_opens_bad++;
			answer_outcome(s, p, h, st);
		} else {
			keyd_answer_status(s, p, h->opcode, h->request_id, st);
		}
		return;
	}
	if (reissue)
		s->p.stats->ticket_opens_reissue++;
	uint8_t flags = reissue ? MOAT_IPC_TICKET_REISSUE : 0;
	if (asked & MOAT_IPC_TICKET_FOR_EARLY_DATA) {
		/* The single-use record (early_record.h): one yes per ticket while its key opens it. */
		uint64_t intro = 0, until = 0;
		uint64_t now = wall_seconds();
		bool first = keyd_tickets_key_times(&s->tickets, moat_cursor_data(&ticket), moat_cursor_remaining(&ticket),
						    &intro, &until) &&
			     keyd_early_claim(&s->early, now, moat_cursor_data(&ticket), moat_cursor_remaining(&ticket),
					      intro, until);
		if (first) {
			flags |= MOAT_IPC_TICKET_EARLY_DATA_OK;
			s->p.stats->ticket_opens_early_ok++;
		} else {
			s->p.stats->ticket_opens_early_refused++;
		}
	}
	struct moat_buf b;
	moat_buf_init_fixed(&b, s->tx, sizeof(s->tx));
	answer(s, p, &b, moat_ipc_ticket_open_reply_encode(&b, h->request_id, flags, state, len), h);
	moat_wipe(state, len);
}

static void on_list(struct keyd_server *s, struct peer *p, const struct moat_ipc_header *h, struct moat_cursor body)
{
	struct moat_ipc_ticket_key_info info[KEYD_TICKET_MAX_KEYS];
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	uint8_t mode = 0;
	size_t n = 0;
	if (moat_ipc_ticket_list_decode(body, &st) != MOAT_SUCCESS) {
		keyd_answer_status(s, p, h->opcode, h->request_id, st);
		return;
	}
	keyd_tickets_list(&s->tickets, wall_seconds(), &mode, info, &n);
	struct moat_buf b;
	moat_buf_init_fixed(&b, s->tx, sizeof(s->tx));
	answer(s, p, &b, moat_ipc_ticket_list_reply_encode(&b, h->request_id, mode, info, n), h);
}

/* Root or keyd's own user: the only peers that may change ticket keys. */
static bool may_change(struct keyd_server *s, struct peer *p, const struct moat_ipc_header *h)
{
	if (p->uid == 0 || p->uid == s->self_uid)
		return true;
	moat_log(MOAT_LOG_WARNING, "peer #%llu (pid %d, uid %u): %s refused: only root and keyd's user change "
				   "ticket keys", (unsigned long long)p->serial, (int)p->pid, (unsigned)p->uid,
		 moat_ipc_opcode_name(h->opcode));
	keyd_answer_status(s, p, h->opcode, h->request_id, MOAT_IPC_NOT_PERMITTED);
	return false;
}

static void on_rotate(struct keyd_server *s, struct peer *p, const struct moat_ipc_header *h,
		      struct moat_cursor body)
{
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	uint8_t name[MOAT_TICKET_NAME_LEN];
	char hex[2 * MOAT_TICKET_NAME_LEN + 1];
	uint64_t now = wall_seconds();
	if (moat_ipc_ticket_rotate_decode(body, &st) != MOAT_SUCCESS || !may_change(s, p, h))
		goto refused;
	if (keyd_tickets_rotate(&s->tickets, now, name, &st) != MOAT_SUCCESS) {
		if (st == MOAT_IPC_NOT_PERMITTED && s->tickets.enabled)
			moat_log(MOAT_LOG_NOTICE, "ticket rotation by uid %u refused: the ticket keys are imported "
						  "(add the next key instead)", (unsigned)p->uid);
		goto refused;
	}
	moat_log(MOAT_LOG_NOTICE, "ticket key %s made by rotation, asked by uid %u (pid %d): the keys before it "
				  "only open tickets now", hex_name(name, hex), (unsigned)p->uid, (int)p->pid);
	s->tickets_next = 0;
	struct moat_buf b;
	moat_buf_init_fixed(&b, s->tx, sizeof(s->tx));
	answer(s, p, &b, moat_ipc_ticket_rotate_reply_encode(&b, h->request_id, name), h);
	return;
refused:
	if (st != MOAT_IPC_OK)
		keyd_answer_status(s, p, h->opcode, h->request_id, st);
}

static void on_add(struct keyd_server *s, struct peer *p, const struct moat_ipc_header *h, struct moat_cursor body)
{
	struct moat_ipc_ticket_add req;
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	char hex[2 * MOAT_TICKET_NAME_LEN + 1];
	uint64_t now = wall_seconds();
	if (moat_ipc_ticket_add_decode(body, &req, &st) != MOAT_SUCCESS) {
		keyd_answer_status(s, p, h->opcode, h->request_id, st);
		return;
	}
	if (!may_change(s, p, h))
		return;
	bool was_generating = keyd_tickets_generating(&s->tickets);
	if (keyd_tickets_add(&s->tickets, now, req.name, moat_cursor_data(&req.secret), req.intro,
			     req.encrypt_lifetime, req.decrypt_lifetime, &st) != MOAT_SUCCESS) {
		moat_log(MOAT_LOG_NOTICE, "ticket key %s from uid %u refused: %s", hex_name(req.name, hex),
			 (unsigned)p->uid, moat_ipc_status_name((uint16_t)st));
		keyd_answer_status(s, p, h->opcode, h->request_id, st);
		return;
	}
	const struct keyd_ticket_key *k = &s->tickets.keys[s->tickets.count - 1];
	moat_log(MOAT_LOG_NOTICE, "ticket key %s added by uid %u (pid %d), intro %llu, seals until %llu, opens "
				  "until %llu%s", hex_name(k->name, hex), (unsigned)p->uid, (int)p->pid,
		 (unsigned long long)k->intro, (unsigned long long)k->encrypt_until, (unsigned long long)k->expires,
		 was_generating ? "; keyd makes no ticket keys of its own while imported keys are held" : "");
	s->tickets_next = 0;
	struct moat_buf b;
	moat_buf_init_fixed(&b, s->tx, sizeof(s->tx));
	answer(s, p, &b, moat_ipc_ticket_done_encode(&b, h->opcode, h->request_id), h);
}

static void on_remove(struct keyd_server *s, struct peer *p, const struct moat_ipc_header *h,
		      struct moat_cursor body)
{
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	uint8_t name[MOAT_TICKET_NAME_LEN];
	char hex[2 * MOAT_TICKET_NAME_LEN + 1];
	if (moat_ipc_ticket_remove_decode(body, name, &st) != MOAT_SUCCESS) {
		keyd_answer_status(s, p, h->opcode, h->request_id, st);
		return;
	}
	if (!may_change(s, p, h))
		return;
	if (keyd_tickets_remove(&s->tickets, wall_seconds(), name, &st) != MOAT_SUCCESS) {
		keyd_answer_status(s, p, h->opcode, h->request_id, st);
		return;
	}
	moat_log(MOAT_LOG_NOTICE, "ticket key %s removed and wiped by uid %u (pid %d)", hex_name(name, hex),
		 (unsigned)p->uid, (int)p->pid);
	s->tickets_next = 0;
	struct moat_buf b;
	moat_buf_init_fixed(&b, s->tx, sizeof(s->tx));
	answer(s, p, &b, moat_ipc_ticket_done_encode(&b, h->opcode, h->request_id), h);
}

typedef void (*ticket_handler)(struct keyd_server *, struct peer *, const struct moat_ipc_header *,
			       struct moat_cursor);

static const struct {
	uint8_t opcode;
	ticket_handler run;
} handlers[] = {
	{ MOAT_IPC_TICKET_SEAL, on_seal },
	{ MOAT_IPC_TICKET_OPEN, on_open },
	{ MOAT_IPC_TICKET_LIST, on_list },
	{ MOAT_IPC_TICKET_ROTATE, on_rotate },
	{ MOAT_IPC_TICKET_ADD, on_add },
	{ MOAT_IPC_TICKET_REMOVE, on_remove },
};

bool keyd_ticket_request(struct keyd_server *s, struct peer *p, const struct moat_ipc_header *h,
			 struct moat_cursor body)
{
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		if (handlers[i].opcode != h->opcode)
			continue;
		handlers[i].run(s, p, h, body);
		/* The body is ours (the receive buffer) and may hold a session state or a key's secret. */
		moat_wipe((void *)(uintptr_t)moat_cursor_data(&body), moat_cursor_remaining(&body));
		return true;
	}
	return false;
}

int keyd_tickets_start(struct keyd_server *s)
{
	const struct keyd_config *cfg = s->p.cfg;
	TRY(keyd_tickets_init(&s->tickets, cfg->tickets, cfg->ticket_encrypt_s, cfg->ticket_decrypt_s));
	if (!cfg->tickets) {
		moat_log(MOAT_LOG_INFO, "session tickets off: TICKET_SEAL and TICKET_OPEN are refused");
		return MOAT_SUCCESS;
	}
	/* Before the sandbox: the record is one allocation, made now. */
	TRY(keyd_early_init(&s->early, cfg->early_data_record, wall_seconds()));
	moat_log(MOAT_LOG_INFO, "0-RTT single-use record: %u tickets, %zu KiB", cfg->early_data_record,
		 keyd_early_bytes(&s->early) / 1024);
	moat_log(MOAT_LOG_INFO, "session tickets: keyd makes its own keys (seal %u s, then open %u s more) until "
				"an operator imports one",
		 cfg->ticket_encrypt_s, cfg->ticket_decrypt_s);
	keyd_tickets_timer(s);
	return MOAT_SUCCESS;
}

void keyd_tickets_timer(struct keyd_server *s)
{
	if (!s->tickets.enabled)
		return;
	uint64_t now = wall_seconds();
	if (s->tickets_next != 0 && now < s->tickets_next)
		return;
	if (keyd_tickets_tick(&s->tickets, now) != MOAT_SUCCESS)
		moat_log_error(MOAT_LOG_ERR, "making a ticket key");
	uint64_t next = keyd_tickets_next_change(&s->tickets, now);
	/* A failed tick (next == now) is tried again in a second, not in a busy loop. */
	s->tickets_next = next > now ? next : now + 1;
}

int keyd_tickets_wait_ms(const struct keyd_server *s)
{
	if (!s->tickets.enabled || s->tickets_next == 0)
		return s->tickets.enabled ? 0 : -1;
	uint64_t now_ms = moat_clock_wall_ns() / MOAT_NS_PER_MS;
	uint64_t at_ms = s->tickets_next * 1000u;
	if (at_ms <= now_ms)
		return 0;
	return at_ms - now_ms > 60000 ? 60000 : (int)(at_ms - now_ms);
}
