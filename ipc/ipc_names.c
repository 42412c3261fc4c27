/*
 * Names for logs and moat-keyctl output. Lower-case snake_case, the same
 * spelling moat-ipc(7) uses, so a log line can be looked up in the manual.
 */
#include "ipc/ipc.h"

const char *moat_ipc_status_name(uint16_t st)
{
	static const char *const names[] = {
		[MOAT_IPC_OK] = "ok",
		[MOAT_IPC_BAD_VERSION] = "bad_version",
		[MOAT_IPC_BAD_OPCODE] = "bad_opcode",
		[MOAT_IPC_MALFORMED] = "malformed",
		[MOAT_IPC_UNKNOWN_KEY] = "unknown_key",
		[MOAT_IPC_BAD_SCHEME] = "bad_scheme",
		[MOAT_IPC_BAD_INPUT] = "bad_input",
		[MOAT_IPC_BUSY] = "busy",
		[MOAT_IPC_INTERNAL] = "internal",
		[MOAT_IPC_NOT_PERMITTED] = "not_permitted",
		[MOAT_IPC_NEED_HELLO] = "need_hello",
		[MOAT_IPC_TOO_LARGE] = "too_large",
		[MOAT_IPC_KEY_POLICY] = "key_policy",
		[MOAT_IPC_BAD_TICKET] = "bad_ticket",
		[MOAT_IPC_KEY_HELD] = "key_held",
		[MOAT_IPC_BAD_KEY] = "bad_key",
	};
	_Static_assert(sizeof(names) / sizeof(names[0]) == MOAT_IPC_STATUS_MAX + 1, "a name for every status");
	if (st > MOAT_IPC_STATUS_MAX)
		return "unknown_status";
	return names[st];
}

const char *moat_ipc_opcode_name(uint8_t opcode)
{
	bool reply = (opcode & MOAT_IPC_REPLY) != 0;
	switch (opcode & (uint8_t)~MOAT_IPC_REPLY) {
	case MOAT_IPC_HELLO:
		return reply ? "hello_reply" : "hello";
	case MOAT_IPC_SIGN:
		return reply ? "sign_reply" : "sign";
	case MOAT_IPC_RSA_DECRYPT:
		return reply ? "rsa_decrypt_reply" : "rsa_decrypt";
	case MOAT_IPC_PING:
		return reply ? "ping_reply" : "ping";
	case MOAT_IPC_LIST_KEYS:
		return reply ? "list_keys_reply" : "list_keys";
	case MOAT_IPC_STATS:
		return reply ? "stats_reply" : "stats";
	case MOAT_IPC_KEY_ADD:
		return reply ? "key_add_reply" : "key_add";
	case MOAT_IPC_KEY_REMOVE:
		return reply ? "key_remove_reply" : "key_remove";
	case MOAT_IPC_TICKET_SEAL:
		return reply ? "ticket_seal_reply" : "ticket_seal";
	case MOAT_IPC_TICKET_OPEN:
		return reply ? "ticket_open_reply" : "ticket_open";
	case MOAT_IPC_TICKET_LIST:
		return reply ? "ticket_list_reply" : "ticket_list";
	case MOAT_IPC_TICKET_ROTATE:
		return reply ? "ticket_rotate_reply" : "ticket_rotate";
	case MOAT_IPC_TICKET_ADD:
		return reply ? "ticket_add_reply" : "ticket_add";
	case MOAT_IPC_TICKET_REMOVE:
		return reply ? "ticket_remove_reply" : "ticket_remove";
	default:
		return "unknown_opcode";
	}
}

const char *moat_ipc_key_type_name(uint8_t key_type)
{
	switch (key_type) {
	case MOAT_IPC_KEY_RSA:
		return "rsa";
	case MOAT_IPC_KEY_RSA_PSS:
		return "rsa_pss";
	case MOAT_IPC_KEY_EC_P256:
		return "ec_p256";
	case MOAT_IPC_KEY_EC_P384:
		return "ec_p384";
	case MOAT_IPC_KEY_EC_P521:
		return "ec_p521";
	default:
		return "unknown_key_type";
	}
}

const char *moat_ipc_ticket_state_name(uint8_t state)
{
	switch (state) {
	case MOAT_IPC_TICKET_PENDING:
		return "pending";
	case MOAT_IPC_TICKET_ENCRYPT:
		return "encrypt";
	case MOAT_IPC_TICKET_DECRYPT_ONLY:
		return "decrypt-only";
	default:
		return "unknown_ticket_state";
	}
}
