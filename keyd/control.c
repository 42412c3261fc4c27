/*
 * LIST_KEYS and STATS replies (see control.h).
 */
#include "keyd/control.h"

#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "keyd/crypto_secure_heap.h"

int keyd_control_list_keys(const struct keyd_keyset *ks, uint32_t request_id, struct moat_buf *out,
			   moat_ipc_status *st)
{
	ENSURE_REF(ks);
	ENSURE_REF(out);
	ENSURE_REF(st);
	struct moat_ipc_key_info *info = calloc(ks->count > 0 ? ks->count : 1, sizeof(*info));
	ENSURE(info != NULL, MOAT_ERR_ALLOC);
	for (size_t i = 0; i < ks->count; i++) {
		const struct keyd_key *k = ks->keys[i];
		memcpy(info[i].key_id, k->id, sizeof(info[i].key_id));
		info[i].key_type = k->ipc_type;
		info[i].bits = k->bits;
		info[i].flags = (uint8_t)((k->policy.server ? MOAT_IPC_KEY_FLAG_SERVER : 0) |
					  (k->policy.client ? MOAT_IPC_KEY_FLAG_CLIENT : 0) |
					  (k->policy.tls12 ? MOAT_IPC_KEY_FLAG_TLS12 : 0) |
					  (k->policy.tls10 ? MOAT_IPC_KEY_FLAG_TLS10 : 0) |
					  (k->policy.rsa_key_exchange && k->ipc_type == MOAT_IPC_KEY_RSA
						   ? MOAT_IPC_KEY_FLAG_RSA_KX
						   : 0));
		memcpy(info[i].schemes, k->schemes, k->scheme_count * sizeof(k->schemes[0]));
		info[i].scheme_count = k->scheme_count;
		memcpy(info[i].name, k->name, sizeof(info[i].name));
	}
	int rc = moat_ipc_list_keys_reply_encode(out, request_id, info, ks->count);
	free(info);
	*st = MOAT_IPC_OK;
	if (rc == MOAT_SUCCESS)
		return MOAT_SUCCESS;
	moat_buf_reset(out);
	*st = moat_errno == MOAT_ERR_BUF_FULL ? MOAT_IPC_TOO_LARGE : MOAT_IPC_INTERNAL;
	return moat_ipc_encode_status(out, MOAT_IPC_LIST_KEYS, request_id, *st);
}

int keyd_control_stats(const struct keyd_stats *s, uint64_t now_ns, uint32_t request_id, struct moat_buf *out,
		       moat_ipc_status *st)
{
	ENSURE_REF(s);
	ENSURE_REF(out);
	ENSURE_REF(st);
	const struct moat_ipc_stat stats[] = {
		{ "uptime_seconds", (now_ns - s->started_ns) / MOAT_NS_PER_SEC },
		{ "keys", s->keys },
		{ "workers", s->workers },
		{ "peers", s->peers },
		{ "connections", s->connections },
		{ "refused", s->refused },
		{ "refused_limit", s->refused_limit },
		{ "hello_timeouts", s->hello_timeouts },
		{ "idle_timeouts", s->idle_timeouts },
		{ "key_policy", s->key_policy },
		{ "dropped", s->dropped },
		{ "requests", s->requests },
		{ "signs", s->signs },
		{ "decrypts", s->decrypts },
		{ "pings", s->pings },
		{ "errors", s->errors },
		{ "busy", s->busy },
		{ "malformed", s->malformed },
		{ "ticket_seals", s->ticket_seals },
		{ "ticket_opens", s->ticket_opens },
		{ "ticket_opens_reissue", s->ticket_opens_reissue },
		{ "ticket_opens_unknown_key", s->ticket_opens_unknown_key },
		{ "ticket_opens_bad", s->ticket_opens_bad },
		{ "ticket_opens_early_ok", s->ticket_opens_early_ok },
		{ "ticket_opens_early_refused", s->ticket_opens_early_refused },
		{ "secure_heap_used", keyd_secure_heap_used() },
	};
	*st = MOAT_IPC_OK;
	if (moat_ipc_stats_reply_encode(out, request_id, stats, sizeof(stats) / sizeof(stats[0])) == MOAT_SUCCESS)
		return MOAT_SUCCESS;
	moat_buf_reset(out);
	*st = MOAT_IPC_INTERNAL;
	return moat_ipc_encode_status(out, MOAT_IPC_STATS, request_id, *st);
}
