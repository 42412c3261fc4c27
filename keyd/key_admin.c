/*
 * KEY_ADD and KEY_REMOVE: the keys keyd serves, changed while it serves
 * (moat-keyctl key add / key remove), so that a certificate can be rolled
 * over without restarting keyd: add the new key, reload frontd with the new
 * certificate, remove the old key. keyd's sandbox cannot open files, so the
 * key comes over the control socket, read by keyctl as root.
 *
 * Who: only root and keyd's own user. The control socket admits no one
 * else today (admission.c), but the check is made here again, per request,
 * from the peer's SO_PEERCRED uid: a change to the keys must stay theirs
 * even if the control socket is ever opened to readers of LIST_KEYS and
 * STATS.
 *
 * What: a new key passes exactly what a configured key passes at startup
 * (keys.c: type, size, a test signature with every scheme, RSA decryption
 * self-test; a key served twice is refused) and is logged with the same
 * lines, after one naming the change and the uid that asked. The file
 * exposure check (key_exposure.h) does not apply: keyd never sees the
 * file, and the sandbox cannot look up users and groups.
 *
 * Threads: the keyset is the event loop's; a removal takes the key out of
 * it and drops the set's reference, and a signature in flight with the key
 * holds its own (keys.h), so it finishes and the key is freed after it.
 * Requests read after the removal find no key: UNKNOWN_KEY.
 *
 * Cost: the self-test runs in the event loop, which answers nothing else
 * meanwhile: a signature and a verification with each of the key's schemes
 * and, for an RSA key, the decryption set-up. That is tens of milliseconds
 * for an RSA-4096 key, once per change; requests wait that much longer
 * and none fails (frontd's keyd-timeout is seconds). Moving the load to a
 * signing thread would remove the pause; it is left for when it matters.
 */
#include <stdio.h>
#include <string.h>

#include "keyd/names.h"
#include "keyd/server_internal.h"

bool keyd_may_change_keys(const struct keyd_server *s, const struct peer *p)
{
	return p->uid == 0 || p->uid == s->self_uid;
}

static void log_change(const char *what, const struct keyd_key *k, const struct peer *p)
{
	char id[2 * MOAT_IPC_KEY_ID_LEN + 1];
	keyd_hex(id, k->id, sizeof(k->id));
	moat_log(MOAT_LOG_NOTICE, "key %s %s id %s by uid %u (pid %d)", what, k->name, id, (unsigned)p->uid,
		 (int)p->pid);
}

static struct keyd_key_policy policy_of(const struct moat_ipc_key_add *req)
{
	struct keyd_key_policy pol = {
		.server = (req->role & MOAT_IPC_ROLE_SERVER) != 0,
		.client = (req->role & MOAT_IPC_ROLE_CLIENT) != 0,
		.tls12 = (req->options & MOAT_IPC_KEY_OPT_TLS12) != 0,
		.tls10 = (req->options & MOAT_IPC_KEY_OPT_TLS10) != 0,
		.rsa_key_exchange = (req->options & MOAT_IPC_KEY_OPT_RSA_KEY_EXCHANGE) != 0,
	};
	return pol;
}

/* Answer status s (the convention of the ipc decoders: IPC_BAD_MESSAGE plus a status). */
static int fail_with(moat_ipc_status *st, moat_ipc_status s)
{
	*st = s;
	moat_error_raise(MOAT_ERR_IPC_BAD_MESSAGE, MOAT_HERE);
	return MOAT_FAILURE;
}

static int refused(const struct peer *p, const char *name, moat_ipc_status *st, moat_ipc_status s, const char *why)
{
	moat_log(MOAT_LOG_NOTICE, "key add refused: %s (uid %u): %s", name, (unsigned)p->uid, why);
	return fail_with(st, s);
}

int keyd_key_add(struct keyd_server *s, const struct peer *p, uint32_t request_id, struct moat_cursor body,
		 struct moat_buf *out, moat_ipc_status *st)
{
	struct moat_ipc_key_add req;
	TRY(moat_ipc_key_add_decode(body, &req, st));
	if (!keyd_may_change_keys(s, p))
		return refused(p, req.name, st, MOAT_IPC_NOT_PERMITTED, "only root and keyd's own user may change keys");
	if (s->p.keys->count >= MOAT_IPC_MAX_KEYS)
		return refused(p, req.name, st, MOAT_IPC_TOO_LARGE, "keyd serves as many keys as LIST_KEYS can name");
	if (keyd_keys_index(s->p.keys, NULL, req.name) != -1)
		return refused(p, req.name, st, MOAT_IPC_KEY_HELD, "a key of that name is served already");

	struct keyd_key k;
	char why[160];
	if (keyd_key_from_der(&k, moat_cursor_data(&req.key), moat_cursor_remaining(&req.key), req.name, why,
			      sizeof(why)) != MOAT_SUCCESS)
		return refused(p, req.name, st, MOAT_IPC_BAD_KEY, why);
	k.policy = policy_of(&req);
	/* As at startup (keys.c): only rsaEncryption keys decrypt (RFC 4055 §1.2). */
	if (k.policy.rsa_key_exchange && k.ipc_type != MOAT_IPC_KEY_RSA) {
		keyd_key_free(&k);
		return refused(p, req.name, st, MOAT_IPC_BAD_KEY, "rsa-key-exchange needs an RSA (rsaEncryption) key");
	}
	const struct keyd_key *twin = keyd_keys_find(s->p.keys, k.id);
	if (twin != NULL) {
		char msg[MOAT_IPC_KEY_NAME_MAX + 64];
		snprintf(msg, sizeof(msg), "the same key is served already as %s", twin->name);
		keyd_key_free(&k);
		return refused(p, req.name, st, MOAT_IPC_KEY_HELD, msg);
	}
	if (keyd_keys_add(s->p.keys, &k) != MOAT_SUCCESS) {
		keyd_key_free(&k);
		return refused(p, req.name, st, MOAT_IPC_INTERNAL, "out of memory");
	}
	const struct keyd_key *added = s->p.keys->keys[s->p.keys->count - 1];
	s->p.stats->keys = s->p.keys->count;
	log_change("added:", added, p);
	keyd_key_log(added);
	*st = MOAT_IPC_OK;
	return moat_ipc_key_change_reply_encode(out, MOAT_IPC_KEY_ADD, request_id, added->id);
}

int keyd_key_remove(struct keyd_server *s, const struct peer *p, uint32_t request_id, struct moat_cursor body,
		    struct moat_buf *out, moat_ipc_status *st)
{
	struct moat_ipc_key_remove req;
	TRY(moat_ipc_key_remove_decode(body, &req, st));
	char shown[2 * MOAT_IPC_KEY_ID_LEN + 1];
	const char *what = req.name;
	if (req.by == MOAT_IPC_KEY_BY_ID) {
		keyd_hex(shown, req.key_id, sizeof(req.key_id));
		what = shown;
	}
	if (!keyd_may_change_keys(s, p)) {
		moat_log(MOAT_LOG_NOTICE, "key remove refused: %s (uid %u): only root and keyd's own user may change keys",
			 what, (unsigned)p->uid);
		return fail_with(st, MOAT_IPC_NOT_PERMITTED);
	}
	long i = keyd_keys_index(s->p.keys, req.by == MOAT_IPC_KEY_BY_ID ? req.key_id : NULL,
				 req.by == MOAT_IPC_KEY_BY_NAME ? req.name : NULL);
	if (i < 0) {
		moat_log(MOAT_LOG_NOTICE, "key remove refused: %s (uid %u): %s", what, (unsigned)p->uid,
			 i == -2 ? "more than one key has that name; name it by its id" : "no such key");
		return fail_with(st, i == -2 ? MOAT_IPC_KEY_HELD : MOAT_IPC_UNKNOWN_KEY);
	}
	uint8_t id[MOAT_IPC_KEY_ID_LEN];
	memcpy(id, s->p.keys->keys[i]->id, sizeof(id));
	log_change("removed:", s->p.keys->keys[i], p);
	keyd_keys_remove(s->p.keys, (size_t)i);
	s->p.stats->keys = s->p.keys->count;
	*st = MOAT_IPC_OK;
	return moat_ipc_key_change_reply_encode(out, MOAT_IPC_KEY_REMOVE, request_id, id);
}
