/*
 * The handshake state machines as data, checked against the RFC.
 *
 * Every path of every machine (tls/handshake_tables.h) is walked through the
 * state machines of RFC 8446 Appendix A.1 (client) and A.2 (server), written
 * out below from the figures, and must end in CONNECTED exactly where the
 * path ends. The compatibility change_cipher_spec rows sit outside those
 * figures and are checked against Appendix D.4. Then the tables themselves:
 * every row a side can reach has the handler that side calls, every machine
 * starts with the hello machine's messages, every path switch leads to a
 * path, and our write keys change in `sent` hooks exactly where Appendix A
 * draws "K_send =" after a message of ours.
 *
 * The TLS 1.2 machine's paths are checked against RFC 5246 §7.3 figure 1,
 * its change_cipher_spec rows against §7.1 (at one place each, right before
 * the sender's Finished, not optional) and its key changes against §7.1.
 */
#include <atf-c.h>
#include <stdio.h>
#include <string.h>

#include "tests/moat_test.h"
#include "tls/handshake_tables.h"

/* The messages of the Appendix A figures, and their handshake types (RFC 8446 §4). */
enum rfc_msg { R_NONE, R_CH, R_HRR, R_SH, R_EE, R_CR, R_CERT, R_CV, R_FIN, R_NST, R_EOED };

struct rfc_row {
	enum rfc_msg msg;
	moat_mode sender;
	uint8_t hs_type;
};

/* What each of our message kinds is in the RFC; R_NONE for what the figures leave out. */
static struct rfc_row rfc_row_of(moat_hs_msg kind)
{
	switch (kind) {
	case MOAT_MSG_CLIENT_HELLO:
		return (struct rfc_row){ R_CH, MOAT_CLIENT, 1 };
	case MOAT_MSG_HELLO_RETRY_REQUEST:
		return (struct rfc_row){ R_HRR, MOAT_SERVER, 2 }; /* §4.1.4: a ServerHello with a special random */
	case MOAT_MSG_SERVER_HELLO:
		return (struct rfc_row){ R_SH, MOAT_SERVER, 2 };
	case MOAT_MSG_ENCRYPTED_EXTENSIONS:
		return (struct rfc_row){ R_EE, MOAT_SERVER, 8 };
	case MOAT_MSG_CERTIFICATE_REQUEST:
		return (struct rfc_row){ R_CR, MOAT_SERVER, 13 };
	case MOAT_MSG_SERVER_CERTIFICATE:
		return (struct rfc_row){ R_CERT, MOAT_SERVER, 11 };
	case MOAT_MSG_SERVER_CERTIFICATE_VERIFY:
		return (struct rfc_row){ R_CV, MOAT_SERVER, 15 };
	case MOAT_MSG_SERVER_FINISHED:
		return (struct rfc_row){ R_FIN, MOAT_SERVER, 20 };
	case MOAT_MSG_CLIENT_CERTIFICATE:
		return (struct rfc_row){ R_CERT, MOAT_CLIENT, 11 };
	case MOAT_MSG_CLIENT_CERTIFICATE_VERIFY:
		return (struct rfc_row){ R_CV, MOAT_CLIENT, 15 };
	case MOAT_MSG_CLIENT_FINISHED:
		return (struct rfc_row){ R_FIN, MOAT_CLIENT, 20 };
	case MOAT_MSG_NEW_SESSION_TICKET:
		return (struct rfc_row){ R_NST, MOAT_SERVER, 4 };
	case MOAT_MSG_END_OF_EARLY_DATA:
		return (struct rfc_row){ R_EOED, MOAT_CLIENT, 5 };
	default:
		return (struct rfc_row){ R_NONE, MOAT_SERVER, 0 };
	}
}

/*
 * Appendix A.1, the client. States of the figure, plus the steps of its
 * last transition ("[Send EndOfEarlyData] [Send Certificate [+
 * CertificateVerify]] Send Finished"), the EndOfEarlyData exactly when the
 * path accepted 0-RTT (MOAT_HS_F_EARLY_DATA). A NewSessionTicket is not in the figures: §4.6.1 lets the server
 * send one "at any time after the server has received the client Finished",
 * so both walks take it once CONNECTED.
 */
enum client_state {
	C_START, C_WAIT_SH, C_WAIT_EE, C_WAIT_CERT_CR, C_WAIT_CERT, C_WAIT_CV, C_WAIT_FINISHED,
	C_FLIGHT2, C_SENT_CERT, C_SENT_CV, C_CONNECTED,
};

struct client_walk {
	enum client_state st;
	int hrr;                 /* HelloRetryRequests seen */
	bool got_cr;             /* a CertificateRequest came: we must answer with a Certificate (§4.4.2) */
	bool empty_cert;         /* our Certificate is empty (the path's NO_CLIENT_CERT): no CertificateVerify */
	bool psk;                /* the ServerHello took our PSK: "Using PSK" */
	bool early;              /* 0-RTT accepted: EndOfEarlyData first in the second flight */
	bool eoed;               /* ... sent */
};

static bool client_step(struct client_walk *w, bool send, enum rfc_msg m)
{
	switch (w->st) {
	case C_START: /* Send ClientHello */
		if (send && m == R_CH)
			return w->st = C_WAIT_SH, true;
		return false;
	case C_WAIT_SH: /* Recv HelloRetryRequest -> START (at most once, §4.1.4); Recv ServerHello */
		if (!send && m == R_HRR && w->hrr == 0)
			return w->hrr++, w->st = C_START, true;
		if (!send && m == R_SH)
			return w->st = C_WAIT_EE, true;
		return false;
	case C_WAIT_EE: /* Recv EncryptedExtensions; "Using PSK" -> WAIT_FINISHED, "Using certificate" */
		if (!send && m == R_EE)
			return w->st = w->psk ? C_WAIT_FINISHED : C_WAIT_CERT_CR, true;
		return false;
	case C_WAIT_CERT_CR: /* Recv Certificate | Recv CertificateRequest */
		if (!send && m == R_CERT)
			return w->st = C_WAIT_CV, true;
		if (!send && m == R_CR)
			return w->got_cr = true, w->st = C_WAIT_CERT, true;
		return false;
	case C_WAIT_CERT:
		if (!send && m == R_CERT)
			return w->st = C_WAIT_CV, true;
		return false;
	case C_WAIT_CV:
		if (!send && m == R_CV)
			return w->st = C_WAIT_FINISHED, true;
		return false;
	case C_WAIT_FINISHED: /* Recv Finished; K_send = handshake */
		if (!send && m == R_FIN)
			return w->st = C_FLIGHT2, true;
		return false;
	case C_FLIGHT2: /* [Send EndOfEarlyData; K_send = handshake] [Send Certificate [+ CertificateVerify]] Send Finished */
		if (w->early && !w->eoed)
			return send && m == R_EOED && (w->eoed = true);
		if (send && m == R_CERT && w->got_cr)
			return w->st = C_SENT_CERT, true;
		if (send && m == R_FIN && !w->got_cr)
			return w->st = C_CONNECTED, true;
		return false;
	case C_SENT_CERT:
		if (send && m == R_CV && !w->empty_cert)
			return w->st = C_SENT_CV, true;
		if (send && m == R_FIN && w->empty_cert)
			return w->st = C_CONNECTED, true;
		return false;
	case C_SENT_CV:
		if (send && m == R_FIN)
			return w->st = C_CONNECTED, true;
		return false;
	case C_CONNECTED:
		return !send && m == R_NST;
	}
	return false;
}

/* Appendix A.2, the server. NEGOTIATED is split into the steps of its transition; WAIT_EOED with 0-RTT. */
enum server_state {
	S_START, S_RECVD_CH, S_NEG_SH, S_NEG_EE, S_NEG_CR, S_NEG_CERT, S_NEG_CV, S_WAIT_EOED, S_WAIT_FLIGHT2, S_WAIT_CERT,
	S_WAIT_CV, S_WAIT_FINISHED, S_CONNECTED,
};

struct server_walk {
	enum server_state st;
	int hrr;
	bool sent_cr;            /* "Client auth" */
	bool empty_cert;         /* "Recv empty Certificate" */
	bool psk;                /* no Certificate + CertificateVerify: "(if not PSK)" */
	bool early;              /* "K_recv = early data": WAIT_EOED before WAIT_FLIGHT2 */
};

static bool server_step(struct server_walk *w, bool send, enum rfc_msg m)
{
	/* WAIT_FLIGHT2 moves on by itself: "No auth" or "Client auth". */
	if (w->st == S_WAIT_FLIGHT2)
		w->st = w->sent_cr ? S_WAIT_CERT : S_WAIT_FINISHED;
	switch (w->st) {
	case S_START:
		if (!send && m == R_CH)
			return w->st = S_RECVD_CH, true;
		return false;
	case S_RECVD_CH: /* Send HelloRetryRequest -> START | Select parameters, Send ServerHello */
		if (send && m == R_HRR && w->hrr == 0)
			return w->hrr++, w->st = S_START, true;
		if (send && m == R_SH)
			return w->st = S_NEG_SH, true;
		return false;
	case S_NEG_SH:
		if (send && m == R_EE)
			return w->st = S_NEG_EE, true;
		return false;
	case S_NEG_EE: /* [Send CertificateRequest]; Certificate + CertificateVerify (if not PSK) */
		if (send && m == R_FIN && w->psk)
			return w->st = w->early ? S_WAIT_EOED : S_WAIT_FLIGHT2, true;
		if (send && m == R_CR)
			return w->sent_cr = true, w->st = S_NEG_CR, true;
		if (send && m == R_CERT)
			return w->st = S_NEG_CERT, true;
		return false;
	case S_NEG_CR:
		if (send && m == R_CERT)
			return w->st = S_NEG_CERT, true;
		return false;
	case S_NEG_CERT:
		if (send && m == R_CV)
			return w->st = S_NEG_CV, true;
		return false;
	case S_NEG_CV: /* Send Finished; K_send = application */
		if (send && m == R_FIN)
			return w->st = w->early ? S_WAIT_EOED : S_WAIT_FLIGHT2, true;
		return false;
	case S_WAIT_EOED: /* Recv EndOfEarlyData; K_recv = handshake */
		if (!send && m == R_EOED)
			return w->st = S_WAIT_FLIGHT2, true;
		return false;
	case S_WAIT_CERT: /* Recv empty Certificate -> WAIT_FINISHED | Recv Certificate -> WAIT_CV */
		if (!send && m == R_CERT)
			return w->st = w->empty_cert ? S_WAIT_FINISHED : S_WAIT_CV, true;
		return false;
	case S_WAIT_CV:
		if (!send && m == R_CV)
			return w->st = S_WAIT_FINISHED, true;
		return false;
	case S_WAIT_FINISHED: /* Recv Finished; K_recv = application */
		if (!send && m == R_FIN)
			return w->st = S_CONNECTED, true;
		return false;
	case S_CONNECTED:
		return send && m == R_NST;
	case S_WAIT_FLIGHT2:
		return false;
	}
	return false;
}

static const char *path_name(const struct moat_hs_machine *m, const struct moat_hs_path *p)
{
	static char buf[128];
	snprintf(buf, sizeof(buf), "%s path flags 0x%x", m->name, (unsigned)p->flags);
	return buf;
}

static const struct moat_hs_action *row_at(const struct moat_hs_machine *m, const struct moat_hs_path *p, size_t i)
{
	return &m->actions[p->msgs[i]];
}

ATF_TC_WITHOUT_HEAD(tls13_paths_follow_appendix_a);
ATF_TC_BODY(tls13_paths_follow_appendix_a, tc)
{
	const struct moat_hs_machine *m = &moat_tls13_machine;
	ATF_REQUIRE(m->path_count > 0);
	for (size_t k = 0; k < m->path_count; k++) {
		const struct moat_hs_path *p = &m->paths[k];
		size_t len = moat_hs_path_len(p);
		ATF_REQUIRE_MSG(len > 0, "%s: no ApplicationData at its end", path_name(m, p));
		bool empty = (p->flags & MOAT_HS_F_NO_CLIENT_CERT) != 0;
		bool psk = (p->flags & MOAT_HS_F_PSK) != 0;
		bool early = (p->flags & MOAT_HS_F_EARLY_DATA) != 0;
		/* §2.3: 0-RTT only on a PSK; §4.2.10: never after a HelloRetryRequest. */
		ATF_REQUIRE_MSG(!early || (psk && !(p->flags & MOAT_HS_F_HRR)), "%s: 0-RTT without a PSK or with HRR",
				path_name(m, p));
		struct client_walk cw = { C_START, 0, false, empty, psk, early, false };
		struct server_walk sw = { S_START, 0, false, empty, psk, early };
		size_t tickets = 0;
		for (size_t i = 0; i + 1 < len; i++) {
			moat_hs_msg kind = (moat_hs_msg)p->msgs[i];
			const struct moat_hs_action *a = row_at(m, p, i);
			if (a->record_type == MOAT_CT_CHANGE_CIPHER_SPEC)
				continue; /* Appendix D.4, below */
			struct rfc_row r = rfc_row_of(kind);
			ATF_REQUIRE_MSG(r.msg != R_NONE, "%s: %s at %zu is no message of Appendix A", path_name(m, p),
					a->name, i);
			ATF_REQUIRE_MSG(a->record_type == MOAT_CT_HANDSHAKE && a->hs_type == r.hs_type &&
						a->writer == r.sender,
					"%s: %s has the wrong wire type or sender", path_name(m, p), a->name);
			ATF_REQUIRE_MSG(client_step(&cw, a->writer == MOAT_CLIENT, r.msg),
					"%s: A.1 client has no transition for %s at %zu (state %d)", path_name(m, p),
					a->name, i, (int)cw.st);
			ATF_REQUIRE_MSG(server_step(&sw, a->writer == MOAT_SERVER, r.msg),
					"%s: A.2 server has no transition for %s at %zu (state %d)", path_name(m, p),
					a->name, i, (int)sw.st);
			if (r.msg == R_NST)
				tickets++;
		}
		ATF_REQUIRE_MSG(cw.st == C_CONNECTED && sw.st == S_CONNECTED, "%s: ends before CONNECTED",
				path_name(m, p));
		ATF_REQUIRE_MSG((tickets == 1) == ((p->flags & MOAT_HS_F_TICKET) != 0) && tickets <= 1, "%s: ticket flag",
				path_name(m, p));
		/* The flags name the handshake the walk saw. */
		ATF_REQUIRE_MSG((cw.hrr == 1) == ((p->flags & MOAT_HS_F_HRR) != 0), "%s: HRR flag", path_name(m, p));
		ATF_REQUIRE_MSG(cw.got_cr == ((p->flags & MOAT_HS_F_CLIENT_AUTH) != 0), "%s: client auth flag",
				path_name(m, p));
		ATF_REQUIRE_MSG(!empty || cw.got_cr, "%s: no client certificate without a request", path_name(m, p));
		ATF_REQUIRE_MSG(cw.eoed == early, "%s: EndOfEarlyData exactly with 0-RTT", path_name(m, p));
	}
}

/*
 * Appendix D.4: "The server sends a dummy change_cipher_spec record
 * immediately after its first handshake message. This may either be after
 * a ServerHello or a HelloRetryRequest." "[...] the client sends a dummy
 * change_cipher_spec record immediately before its second flight. This may
 * either be before its second ClientHello or before its encrypted
 * handshake flight." Our paths carry them exactly in compatibility mode.
 */
ATF_TC_WITHOUT_HEAD(tls13_ccs_rows_follow_appendix_d4);
ATF_TC_BODY(tls13_ccs_rows_follow_appendix_d4, tc)
{
	const struct moat_hs_machine *m = &moat_tls13_machine;
	for (size_t k = 0; k < m->path_count; k++) {
		const struct moat_hs_path *p = &m->paths[k];
		size_t len = moat_hs_path_len(p);
		bool mb = (p->flags & MOAT_HS_F_MIDDLEBOX) != 0;
		for (int side = 0; side < 2; side++) {
			moat_mode self = side == 0 ? MOAT_CLIENT : MOAT_SERVER;
			size_t ccs_at = len, ccs_count = 0, first = len, first_peer = len, second_flight = len;
			for (size_t i = 0; i + 1 < len; i++) {
				const struct moat_hs_action *a = row_at(m, p, i);
				bool ccs = a->record_type == MOAT_CT_CHANGE_CIPHER_SPEC;
				if (a->writer != self) {
					if (!ccs && first_peer == len)
						first_peer = i;
				} else if (ccs) {
					ATF_REQUIRE_MSG(a->optional && a->send != NULL && a->recv != NULL,
							"%s: %s is optional, with a writer and a reader",
							path_name(m, p), a->name);
					ccs_at = i;
					ccs_count++;
				} else if (first == len) {
					first = i;
				} else if (second_flight == len && i > first_peer) {
					second_flight = i;
				}
			}
			ATF_REQUIRE_MSG(ccs_count == (mb ? 1u : 0u), "%s: %zu CCS rows from the %s", path_name(m, p),
					ccs_count, side == 0 ? "client" : "server");
			if (!mb)
				continue;
			if (self == MOAT_SERVER)
				ATF_REQUIRE_MSG(ccs_at == first + 1, "%s: server CCS not right after its first message",
						path_name(m, p));
			else
				ATF_REQUIRE_MSG(ccs_at + 1 == second_flight,
						"%s: client CCS not right before its second flight", path_name(m, p));
		}
	}
}

/*
 * Every row a side can reach has the handler that side calls: the writer's
 * send, the reader's recv. In a version-neutral machine a side leaves at the
 * first message it receives, so rows after that are not its to reach. A
 * peer's change_cipher_spec row is reached by moat_hs_recv_ccs from anywhere
 * in its machine. A post_handshake row (the server's NewSessionTicket) is
 * read after the handshake (io.c), not through the machine: no reader.
 */
ATF_TC_WITHOUT_HEAD(every_reachable_row_has_its_handler);
ATF_TC_BODY(every_reachable_row_has_its_handler, tc)
{
	for (size_t n = 0; moat_hs_machines[n] != NULL; n++) {
		const struct moat_hs_machine *m = moat_hs_machines[n];
		bool used[MOAT_MSG_KIND_COUNT] = { false };
		ATF_REQUIRE(m->path_count > 0);
		for (size_t k = 0; k < m->path_count; k++) {
			const struct moat_hs_path *p = &m->paths[k];
			size_t len = moat_hs_path_len(p);
			ATF_REQUIRE_MSG(len > 0, "%s: no ApplicationData at its end", path_name(m, p));
			ATF_REQUIRE_MSG((p->flags & ~m->flags) == 0, "%s: a flag the machine does not declare",
					path_name(m, p));
			for (size_t j = 0; j < k; j++)
				ATF_REQUIRE_MSG(m->paths[j].flags != p->flags, "%s: two paths", path_name(m, p));
			for (int side = 0; side < 2; side++) {
				moat_mode self = side == 0 ? MOAT_CLIENT : MOAT_SERVER;
				/* A client never enters a server-only machine (its hello handler refuses it). */
				if (m->server_only && self == MOAT_CLIENT)
					continue;
				/* Nor a path only a server takes. */
				if ((p->flags & m->server_only_flags) != 0 && self == MOAT_CLIENT)
					continue;
				for (size_t i = 0; i + 1 < len; i++) {
					const struct moat_hs_action *a = row_at(m, p, i);
					used[p->msgs[i]] = true;
					ATF_REQUIRE_MSG(a->name != NULL, "%s: row %u at %zu is not in the table",
							path_name(m, p), (unsigned)p->msgs[i], i);
					if (a->writer == self) {
						ATF_REQUIRE_MSG(a->send != NULL, "%s: %s has no writer", path_name(m, p),
								a->name);
					} else if (!a->post_handshake) {
						ATF_REQUIRE_MSG(a->recv != NULL, "%s: %s has no reader", path_name(m, p),
								a->name);
						if (m->neutral && !a->optional)
							break;
					}
				}
			}
		}
		for (int side = 0; side < 2; side++) {
			if (m->server_only && side == 0)
				continue;
			const struct moat_hs_action *ccs = moat_hs_peer_ccs_row(m, side == 0 ? MOAT_CLIENT : MOAT_SERVER);
			if (ccs != NULL)
				ATF_REQUIRE_MSG(ccs->recv != NULL, "%s: %s has no reader", m->name, ccs->name);
		}
		/* No row is left in a table that no path uses (an optional one is reached out of band). */
		for (size_t i = 0; i < MOAT_MSG_KIND_COUNT; i++)
			ATF_REQUIRE_MSG(m->actions[i].name == NULL || used[i] || m->actions[i].optional,
					"%s: %s is on no path", m->name,
					m->actions[i].name);
	}
}

/*
 * A hello handler hands its message to the chosen machine at the same
 * position, so every machine's paths begin with the hello machine's
 * messages, as the wire sees them.
 */
ATF_TC_WITHOUT_HEAD(machines_begin_with_the_hellos);
ATF_TC_BODY(machines_begin_with_the_hellos, tc)
{
	const struct moat_hs_machine *hello = &moat_hs_hello_machine;
	ATF_REQUIRE(hello->neutral && hello->path_count == 1);
	const struct moat_hs_path *hp = &hello->paths[0];
	size_t hello_len = moat_hs_path_len(hp);
	ATF_REQUIRE(hello_len == 3);
	ATF_REQUIRE_EQ(moat_hs_path_find(hello, 0), hp);
	size_t negotiated = 0;
	for (size_t n = 0; moat_hs_machines[n] != NULL; n++) {
		const struct moat_hs_machine *m = moat_hs_machines[n];
		if (m->neutral)
			continue;
		negotiated++;
		ATF_REQUIRE_EQ(moat_hs_machine_for_version(m->version), m);
		for (size_t k = 0; k < m->path_count; k++) {
			const struct moat_hs_path *p = &m->paths[k];
			ATF_REQUIRE_EQ(moat_hs_path_find(m, p->flags), p);
			for (size_t i = 0; i + 1 < hello_len; i++) {
				const struct moat_hs_action *h = row_at(hello, hp, i), *a = row_at(m, p, i);
				ATF_REQUIRE_MSG(a->record_type == h->record_type && a->hs_type == h->hs_type &&
							a->writer == h->writer,
						"%s: %s at %zu is not the hello machine's %s", path_name(m, p), a->name, i,
						h->name);
			}
		}
	}
	ATF_REQUIRE(negotiated > 0);
	ATF_REQUIRE_EQ(moat_hs_machine_for_version(0), NULL);
}

/* A switch at a row leads to a path that agrees on everything before it and has the seen message there. */
ATF_TC_WITHOUT_HEAD(path_switches_lead_to_paths);
ATF_TC_BODY(path_switches_lead_to_paths, tc)
{
	for (size_t n = 0; moat_hs_machines[n] != NULL; n++) {
		const struct moat_hs_machine *m = moat_hs_machines[n];
		for (size_t s = 0; s < m->switch_count; s++) {
			const struct moat_hs_path_switch *sw = &m->switches[s];
			size_t uses = 0;
			for (size_t k = 0; k < m->path_count; k++) {
				const struct moat_hs_path *p = &m->paths[k];
				size_t len = moat_hs_path_len(p);
				for (size_t i = 0; i + 1 < len; i++) {
					if (p->msgs[i] != sw->expected || (p->flags & sw->set_flag) != 0)
						continue;
					/* A client reading the server's flight is never on a server-only path. */
					if (m->actions[sw->expected].writer == MOAT_SERVER &&
					    (p->flags & m->server_only_flags) != 0)
						continue;
					uses++;
					const struct moat_hs_path *q = moat_hs_path_find(m, p->flags | sw->set_flag);
					ATF_REQUIRE_MSG(q != NULL, "%s: switch to flags 0x%x has no path", path_name(m, p),
							(unsigned)(p->flags | sw->set_flag));
					ATF_REQUIRE_MSG(memcmp(p->msgs, q->msgs, i) == 0, "%s: switch changes the past",
							path_name(m, p));
					const struct moat_hs_action *a = row_at(m, q, i);
					ATF_REQUIRE_MSG(a->hs_type == sw->seen_type &&
								a->writer == m->actions[sw->expected].writer,
							"%s: switch lands on %s", path_name(m, p), a->name);
				}
			}
			ATF_REQUIRE_MSG(uses > 0, "%s: switch %zu is never used", m->name, s);
		}
	}
}

/*
 * Our write keys change in `sent` hooks, where Appendix A draws "K_send ="
 * right after a message we send: A.2 "Send ServerHello / K_send =
 * handshake" and "Send Finished / K_send = application"; A.1 "Send
 * EndOfEarlyData / K_send = handshake" and "Send Finished / K_send =
 * K_recv = application". No other row has one. (A.1's "K_send = early
 * data" after the ClientHello is moat_send_early_data's, which writes the
 * early data itself.)
 */
ATF_TC_WITHOUT_HEAD(tls13_write_keys_change_in_sent_hooks);
ATF_TC_BODY(tls13_write_keys_change_in_sent_hooks, tc)
{
	const struct moat_hs_machine *m = &moat_tls13_machine;
	for (size_t i = 0; i < MOAT_MSG_KIND_COUNT; i++) {
		bool key_change = i == MOAT_MSG_SERVER_HELLO || i == MOAT_MSG_SERVER_FINISHED ||
				  i == MOAT_MSG_CLIENT_FINISHED || i == MOAT_MSG_END_OF_EARLY_DATA;
		if (m->actions[i].name == NULL)
			continue;
		ATF_REQUIRE_MSG((m->actions[i].sent != NULL) == key_change, "%s: sent hook %s", m->actions[i].name,
				key_change ? "missing" : "where Appendix A changes no key");
	}
	for (size_t i = 0; i < MOAT_MSG_KIND_COUNT; i++)
		ATF_REQUIRE_MSG(moat_hs_hello_machine.actions[i].sent == NULL, "hello machine: no key changes");
}

/*
 * RFC 5246 §7.3 figure 1, the full handshake; each entry with the flags
 * under which it is sent ("*": situation-dependent). The server's
 * Certificate is always sent: moat serves no anonymous suite. RFC 5077
 * §3.1 figure 2 adds the NewSessionTicket before the server's CCS.
 */
struct fig12_row {
	uint8_t record_type;
	uint8_t hs_type;
	moat_mode sender;
	uint32_t need;   /* sent when all of these flags are set */
	uint32_t unless; /* ... and none of these */
};

static const struct fig12_row fig12[] = {
	{ MOAT_CT_HANDSHAKE, MOAT_HS_CLIENT_HELLO, MOAT_CLIENT, 0, 0 },
	{ MOAT_CT_HANDSHAKE, MOAT_HS_SERVER_HELLO, MOAT_SERVER, 0, 0 },
	{ MOAT_CT_HANDSHAKE, MOAT_HS_CERTIFICATE, MOAT_SERVER, 0, 0 },
	/* RFC 6066 §8: "immediately after the Certificate message" when a staple is sent. */
	{ MOAT_CT_HANDSHAKE, MOAT_HS_CERTIFICATE_STATUS, MOAT_SERVER, MOAT_HS_F_OCSP, 0 },
	{ MOAT_CT_HANDSHAKE, MOAT_HS_SERVER_KEY_EXCHANGE, MOAT_SERVER, MOAT_HS_F_ECDHE, 0 },
	{ MOAT_CT_HANDSHAKE, MOAT_HS_CERTIFICATE_REQUEST, MOAT_SERVER, MOAT_HS_F_CLIENT_AUTH, 0 },
	{ MOAT_CT_HANDSHAKE, MOAT_HS_SERVER_HELLO_DONE, MOAT_SERVER, 0, 0 },
	{ MOAT_CT_HANDSHAKE, MOAT_HS_CERTIFICATE, MOAT_CLIENT, MOAT_HS_F_CLIENT_AUTH, 0 },
	{ MOAT_CT_HANDSHAKE, MOAT_HS_CLIENT_KEY_EXCHANGE, MOAT_CLIENT, 0, 0 },
	{ MOAT_CT_HANDSHAKE, MOAT_HS_CERTIFICATE_VERIFY, MOAT_CLIENT, MOAT_HS_F_CLIENT_AUTH, MOAT_HS_F_NO_CLIENT_CERT },
	{ MOAT_CT_CHANGE_CIPHER_SPEC, 0, MOAT_CLIENT, 0, 0 },
	{ MOAT_CT_HANDSHAKE, MOAT_HS_FINISHED, MOAT_CLIENT, 0, 0 },
	{ MOAT_CT_HANDSHAKE, MOAT_HS_NEW_SESSION_TICKET, MOAT_SERVER, MOAT_HS_F_TICKET, 0 },
	{ MOAT_CT_CHANGE_CIPHER_SPEC, 0, MOAT_SERVER, 0, 0 },
	{ MOAT_CT_HANDSHAKE, MOAT_HS_FINISHED, MOAT_SERVER, 0, 0 },
};

/* RFC 5246 §7.3 figure 2, the abbreviated handshake; RFC 5077 §3.1 figure 3 with a fresh ticket. */
static const struct fig12_row fig12_resumed[] = {
	{ MOAT_CT_HANDSHAKE, MOAT_HS_CLIENT_HELLO, MOAT_CLIENT, 0, 0 },
	{ MOAT_CT_HANDSHAKE, MOAT_HS_SERVER_HELLO, MOAT_SERVER, 0, 0 },
	{ MOAT_CT_HANDSHAKE, MOAT_HS_NEW_SESSION_TICKET, MOAT_SERVER, MOAT_HS_F_TICKET, 0 },
	{ MOAT_CT_CHANGE_CIPHER_SPEC, 0, MOAT_SERVER, 0, 0 },
	{ MOAT_CT_HANDSHAKE, MOAT_HS_FINISHED, MOAT_SERVER, 0, 0 },
	{ MOAT_CT_CHANGE_CIPHER_SPEC, 0, MOAT_CLIENT, 0, 0 },
	{ MOAT_CT_HANDSHAKE, MOAT_HS_FINISHED, MOAT_CLIENT, 0, 0 },
};

/* Path p against a figure: exactly the rows its flags select, in order, then application data. */
static void check_figure(const struct moat_hs_machine *m, const struct moat_hs_path *p, const struct fig12_row *fig,
			 size_t rows)
{
	size_t len = moat_hs_path_len(p), at = 0;
	for (size_t r = 0; r < rows; r++) {
		const struct fig12_row *want = &fig[r];
		if ((p->flags & want->need) != want->need || (p->flags & want->unless) != 0)
			continue;
		ATF_REQUIRE_MSG(at + 1 < len, "%s: ends before figure row %zu", path_name(m, p), r);
		const struct moat_hs_action *a = row_at(m, p, at);
		ATF_REQUIRE_MSG(a->record_type == want->record_type && a->hs_type == want->hs_type &&
					a->writer == want->sender,
				"%s: %s at %zu, the figure has row %zu", path_name(m, p), a->name, at, r);
		/* §7.1: the CCS is the key change, at exactly this place: never optional. */
		ATF_REQUIRE_MSG(!a->optional, "%s: %s is optional", path_name(m, p), a->name);
		at++;
	}
	ATF_REQUIRE_MSG(at + 1 == len, "%s: longer than the figure", path_name(m, p));
}

ATF_TC_WITHOUT_HEAD(tls12_paths_follow_rfc5246_figure_1);
ATF_TC_BODY(tls12_paths_follow_rfc5246_figure_1, tc)
{
	const struct moat_hs_machine *m = &moat_tls12_machine;
	ATF_REQUIRE_EQ(moat_hs_machine_for_version(MOAT_TLS12), m);
	/* RFC 4346 §7.3, RFC 2246 §7.3: TLS 1.1 and 1.0 run the same messages in the same order. */
	for (uint16_t v = MOAT_TLS10; v <= MOAT_TLS11; v++) {
		const struct moat_hs_machine *old = moat_hs_machine_for_version(v);
		ATF_REQUIRE(old != NULL && old->version == v);
		ATF_REQUIRE(old->paths == m->paths && old->path_count == m->path_count && old->actions == m->actions);
		ATF_REQUIRE(old->flags == m->flags && old->initial_flags == m->initial_flags &&
			    old->server_only == m->server_only);
	}
	/* Handshakes the figures do not draw, not served: no path may claim them. */
	ATF_REQUIRE((m->flags & (MOAT_HS_F_HRR | MOAT_HS_F_MIDDLEBOX)) == 0);
	ATF_REQUIRE((m->initial_flags & ~m->flags) == 0);
	ATF_REQUIRE(moat_hs_path_find(m, m->initial_flags) != NULL);
	size_t full = 0, resumed = 0;
	for (size_t k = 0; k < m->path_count; k++) {
		const struct moat_hs_path *p = &m->paths[k];
		if (p->flags & MOAT_HS_F_RESUMED) {
			/* Nothing of the full handshake's key exchange or authentication on resumption (§7.3). */
			ATF_REQUIRE_MSG((p->flags & (MOAT_HS_F_ECDHE | MOAT_HS_F_CLIENT_AUTH | MOAT_HS_F_NO_CLIENT_CERT)) == 0,
					"%s: resumed with a key exchange flag", path_name(m, p));
			check_figure(m, p, fig12_resumed, sizeof(fig12_resumed) / sizeof(fig12_resumed[0]));
			resumed++;
		} else {
			check_figure(m, p, fig12, sizeof(fig12) / sizeof(fig12[0]));
			full++;
		}
	}
	/* Both abbreviated handshakes, with and without a fresh ticket, and full ones with a ticket. */
	ATF_REQUIRE_EQ(resumed, 2);
	ATF_REQUIRE(moat_hs_path_find(m, MOAT_HS_F_RESUMED) != NULL);
	ATF_REQUIRE(moat_hs_path_find(m, MOAT_HS_F_RESUMED | MOAT_HS_F_TICKET) != NULL);
	ATF_REQUIRE(moat_hs_path_find(m, MOAT_HS_F_ECDHE | MOAT_HS_F_TICKET) != NULL);
	ATF_REQUIRE(moat_hs_path_find(m, MOAT_HS_F_TICKET) != NULL);
	ATF_REQUIRE(full > 0);
}

/*
 * RFC 5246 §7.1: a side's write keys change right after its
 * ChangeCipherSpec: our CCS row's `sent` hook, and no other. The peer's
 * CCS changes our read keys in its recv handler.
 */
ATF_TC_WITHOUT_HEAD(tls12_write_keys_change_after_our_ccs);
ATF_TC_BODY(tls12_write_keys_change_after_our_ccs, tc)
{
	const struct moat_hs_machine *m = &moat_tls12_machine;
	for (size_t i = 0; i < MOAT_MSG_KIND_COUNT; i++) {
		const struct moat_hs_action *a = &m->actions[i];
		if (a->name == NULL)
			continue;
		/* Each side's own CCS row: its writer installs the write keys after it. */
		bool our_ccs = a->record_type == MOAT_CT_CHANGE_CIPHER_SPEC;
		ATF_REQUIRE_MSG((a->sent != NULL) == our_ccs, "%s: sent hook %s", a->name,
				our_ccs ? "missing" : "where §7.1 changes no key");
	}
	for (int side = 0; side < 2; side++) {
		const struct moat_hs_action *peer = moat_hs_peer_ccs_row(m, side == 0 ? MOAT_SERVER : MOAT_CLIENT);
		ATF_REQUIRE(peer != NULL && !peer->optional && peer->recv != NULL);
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, tls12_paths_follow_rfc5246_figure_1);
	ATF_TP_ADD_TC(tp, tls12_write_keys_change_after_our_ccs);
	ATF_TP_ADD_TC(tp, tls13_paths_follow_appendix_a);
	ATF_TP_ADD_TC(tp, tls13_ccs_rows_follow_appendix_d4);
	ATF_TP_ADD_TC(tp, every_reachable_row_has_its_handler);
	ATF_TP_ADD_TC(tp, machines_begin_with_the_hellos);
	ATF_TP_ADD_TC(tp, path_switches_lead_to_paths);
	ATF_TP_ADD_TC(tp, tls13_write_keys_change_in_sent_hooks);
	return atf_no_error();
}
