/*
 * TLS 1.3 session tickets on a client connection: the TLS library's ticket
 * operation (moat(3), "Session resumption") answered by keyd, which holds
 * the ticket keys (moat-ipc(7) TICKET_SEAL, TICKET_OPEN). frontd never
 * sees a ticket key: it hands keyd a session state to seal, or a client's
 * ticket to open, and passes the answer on.
 *
 * A ticket that cannot be opened, for whatever reason (keyd does not know
 * its key, keyd restarted and lost its keys, tickets are off in keyd, keyd
 * is away or slow), is answered UNKNOWN_KEY: the library then does a full
 * handshake. A resumption that fails is a full handshake, never a failed
 * one. A seal that fails sends no ticket, and the handshake goes on.
 *
 * Like the signing operation (conn.c), the operation is kept in c->tix_op
 * while keyd works, so a connection that goes away first cancels the
 * request and frees it (frontd_conn_tickets_free).
 */
#include <string.h>

#include "common/log.h"
#include "common/secmem.h"
#include "frontd/conn.h"
#include "frontd/metrics.h"
#include "ipc/ipc.h"

/* Answer op now: result, with output for OK and OK_REISSUE. false: the library refused the answer. */
static bool answer(struct frontd_conn *c, struct moat_ticket_op *op, moat_ticket_result result, const uint8_t *out,
		   size_t len)
{
	bool ok = true;
	if (result == MOAT_TICKET_OK || result == MOAT_TICKET_OK_REISSUE) {
		if (len == 0 || len > MOAT_TICKET_MAX_LEN ||
		    moat_ticket_op_set_output(op, out, (uint32_t)len) != MOAT_SUCCESS) {
			/* An answer the library cannot take (a ticket too long for it): as if there were no key. */
			moat_error_clear();
			result = MOAT_TICKET_UNKNOWN_KEY;
		}
	}
	if (moat_ticket_op_set_result(op, result) != MOAT_SUCCESS || moat_ticket_op_apply(op, c->tls) != MOAT_SUCCESS) {
		moat_error_clear();
		ok = false;
	}
	if (moat_ticket_op_free(op) < 0)
		moat_error_clear();
	return ok;
}

/* keyd's answer in the library's words, counted. */
static moat_ticket_result keyd_answer(struct frontd_conn *c, bool seal, enum keyd_result result, uint16_t status,
				      bool reissue)
{
	struct frontd_stats *st = c->srv->stats;
	if (result == KEYD_OK) {
		if (seal)
			return MOAT_TICKET_OK;
		if (reissue)
			st->tickets_reissued++;
		return reissue ? MOAT_TICKET_OK_REISSUE : MOAT_TICKET_OK;
	}
	if (seal) {
		/* No key to seal with (tickets off in keyd: NOT_PERMITTED), or no keyd: no ticket this time. */
		st->ticket_seal_failures++;
		return MOAT_TICKET_UNKNOWN_KEY;
	}
	if (result == KEYD_REFUSED && status == MOAT_IPC_BAD_TICKET) {
		st->tickets_rejected++;
		return MOAT_TICKET_BAD_TICKET;
	}
	if (result == KEYD_REFUSED && status == MOAT_IPC_UNKNOWN_KEY) {
		/* Not a failure: a key that expired, another host's, or one keyd forgot when it restarted. */
		st->tickets_rejected++;
		return MOAT_TICKET_UNKNOWN_KEY;
	}
	/* keyd away, slow, tickets off (NOT_PERMITTED), BUSY: a full handshake, counted as a failure to open. */
	st->ticket_open_failures++;
	return MOAT_TICKET_UNKNOWN_KEY;
}

static void ticket_done(void *arg, enum keyd_result result, uint16_t status, const uint8_t *data, size_t len,
			uint8_t flags)
{
	bool reissue = (flags & MOAT_IPC_TICKET_REISSUE) != 0;
	struct frontd_conn *c = arg;
	struct moat_ticket_op *op = c->tix_op;
	c->tix_op = NULL;
	c->tix_keyd_id = 0;
	if (op == NULL)
		return;
	uint64_t now = frontd_conn_mono_us();
	if (now >= c->keyd_start_us) {
		c->keyd_us += now - c->keyd_start_us;
		frontd_metrics_keyd_rtt(c->srv, now - c->keyd_start_us);
	}
	/* keyd's single-use record says this is the ticket's first 0-RTT (moat-ipc(7)). */
	if (result == KEYD_OK && (flags & MOAT_IPC_TICKET_EARLY_DATA_OK) && moat_ticket_op_set_early_data_ok(op, 1) < 0)
		moat_error_clear();
	if (!answer(c, op, keyd_answer(c, c->tix_seal, result, status, reissue), data, len)) {
		frontd_conn_ended(c, "internal error", NULL);
		frontd_conn_abort(c, "cannot hand keyd's ticket answer to the TLS library");
		return;
	}
	/* The handshake waits on this answer: run it again from the loop. */
	frontd_conn_kick(c);
}

int frontd_ticket_crypto_cb(struct moat_connection *tls, void *ctx, struct moat_ticket_op *op)
{
	(void)ctx;
	struct frontd_conn *c = moat_connection_get_ctx(tls);
	moat_ticket_op_type type;
	uint32_t len;
	/* Large enough for the longest ticket keyd makes; a longer one cannot be keyd's. */
	uint8_t input[MOAT_IPC_TICKET_MAX];

	if (c == NULL || c->tix_op != NULL || moat_ticket_op_get_type(op, &type) < 0 ||
	    moat_ticket_op_get_input_size(op, &len) < 0 || len > sizeof(input) ||
	    moat_ticket_op_get_input(op, input, len) < 0) {
		moat_error_clear();
		if (c != NULL && answer(c, op, MOAT_TICKET_UNKNOWN_KEY, NULL, 0))
			return 0;
		if (moat_ticket_op_free(op) < 0)
			moat_error_clear();
		return -1;
	}
	bool seal = type == MOAT_TICKET_SEAL;
	uint8_t for_early = 0;
	if (!seal && moat_ticket_op_get_for_early_data(op, &for_early) < 0)
		moat_error_clear();
	c->keyd_start_us = frontd_conn_mono_us();
	int rc = seal ? keyd_client_ticket_seal(c->srv->keyd, input, len, ticket_done, c, &c->tix_keyd_id)
		      : keyd_client_ticket_open(c->srv->keyd, input, len, for_early ? MOAT_IPC_TICKET_FOR_EARLY_DATA : 0,
						ticket_done, c, &c->tix_keyd_id);
	/* The session state is a secret (the resumption PSK): it lives on in keyd_client's slot only. */
	moat_wipe(input, sizeof(input));
	if (rc < 0) {
		/* keyd away for longer than keyd-timeout, or too many requests pending: answer now. */
		moat_error_clear();
		return answer(c, op, keyd_answer(c, seal, KEYD_UNAVAILABLE, 0, false), NULL, 0) ? 0 : -1;
	}
	c->tix_op = op;
	c->tix_seal = seal;
	return 0;
}

void frontd_conn_tickets_free(struct frontd_conn *c)
{
	if (c->tix_op == NULL)
		return;
	/* Nobody will take keyd's answer now: forget the request, then the operation. */
	keyd_client_cancel(c->srv->keyd, c->tix_keyd_id);
	if (moat_ticket_op_free(c->tix_op) < 0)
		moat_error_clear();
	c->tix_op = NULL;
	c->tix_keyd_id = 0;
}
