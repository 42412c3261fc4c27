/*
 * The ticket-key file that `moat-keyctl tickets add` reads (moat-keyctl(8),
 * "Ticket key files"): one key per line,
 *
 *	NAME SECRET INTRO [ENCRYPT-LIFETIME [DECRYPT-LIFETIME]]
 *
 * NAME is 32 hex digits (16 bytes), SECRET 64 hex digits (32 bytes), INTRO
 * the Unix time the key starts sealing (0: when keyd receives it), the
 * lifetimes in seconds with an optional s, m, h or d suffix (0 or absent:
 * keyd's configured ones). Blank lines and lines starting with # are
 * skipped. A fleet writes one file and feeds it to every host's keyd.
 *
 * The parsed entries hold secrets: the caller keeps them in secure memory
 * and wipes them (keyd_ticket_keyfile_entry is plain data for that reason).
 */
#ifndef MOAT_KEYD_TICKET_KEYFILE_H
#define MOAT_KEYD_TICKET_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "ipc/ipc.h"

#define KEYD_TICKET_KEYFILE_MAX (64 * 1024)

struct keyd_ticket_keyfile_entry {
	uint8_t name[MOAT_IPC_TICKET_NAME_LEN];
	uint8_t secret[MOAT_IPC_TICKET_SECRET_LEN];
	uint64_t intro;
	uint32_t encrypt_lifetime;
	uint32_t decrypt_lifetime;
	unsigned line;
};

/*
 * Parse len bytes of text into out[0..*count) (at most cap entries, and at
 * most MOAT_IPC_MAX_TICKET_KEYS). On a mistake fails with MOAT_ERR_CONFIG
 * and msg gets "line N: what is wrong" (never a secret's digits).
 */
MOAT_MUST_USE int keyd_ticket_keyfile_parse(const char *text, size_t len, struct keyd_ticket_keyfile_entry *out,
					    size_t cap, size_t *count, char *msg, size_t msg_len);

#endif
