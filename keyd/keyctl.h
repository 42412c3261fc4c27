/*
 * What moat-keyctl's files share: the connection to keyd and the request
 * helper (keyctl.c), the key commands (keyctl_key.c) and the ticket-key
 * commands (keyctl_tickets.c).
 */
#ifndef MOAT_KEYD_KEYCTL_H
#define MOAT_KEYD_KEYCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "ipc/ipc.h"

/* key add's options and the key it sends, read before keyd is asked (keyctl_key.c). */
struct keyctl_key_options {
	const char *name; /* NULL: the file's base name */
	uint8_t role;     /* MOAT_IPC_ROLE_* */
	int tls12;        /* -1: the default for the role, as in moat-keyd.conf(5) */
	bool tls10;
	bool rsa_key_exchange;
	uint8_t *der;     /* the key as PKCS#8 DER, in secure memory */
	size_t der_len;
	char key_name[MOAT_IPC_KEY_NAME_MAX + 1];
	uint8_t remove_id[MOAT_IPC_KEY_ID_LEN];
	bool remove_by_id;
};

struct keyctl_client {
	int fd;
	const char *path;
	uint32_t next_id;
	uint16_t max_message; /* from keyd's HELLO reply; 0 before it */
	uint8_t rx[MOAT_IPC_MAX_MESSAGE + 1];
	size_t rx_len;
	struct moat_cursor body;
	struct keyctl_key_options key;
};

/* Print "moat-keyctl: ..." to stderr and exit 1. */
__attribute__((format(printf, 1, 2), noreturn))
void keyctl_fail(const char *fmt, ...);
/*
 * Encode a request with encode(b, id, arg), send it, wipe the packet, and
 * wait for its reply: c->body holds the body of an OK reply; any other
 * status ends the program with its name and meaning.
 */
void keyctl_request(struct keyctl_client *c, uint8_t opcode, int (*encode)(struct moat_buf *, uint32_t, void *),
		    void *arg);
/* What a refusal of opcode with status st means to an operator: " (...)" or "". */
const char *keyctl_status_meaning(uint8_t opcode, uint16_t st);

/* key add's defaults: role server, tls12 by the role, tls10 and rsa-key-exchange no. */
void keyctl_key_options_init(struct keyctl_key_options *o);
/* One of --name, --role, --tls12, --tls10, --rsa-key-exchange; false (with a message) when value is bad. */
bool keyctl_key_option(struct keyctl_key_options *o, const char *option, const char *value);
/* key add FILE: read and convert the key (args[0], "-" for stdin); key remove ID|NAME: check the argument. */
void keyctl_key_add_prepare(struct keyctl_client *c, char **args);
void keyctl_key_add(struct keyctl_client *c, char **args);
void keyctl_key_remove_prepare(struct keyctl_client *c, char **args);
void keyctl_key_remove(struct keyctl_client *c, char **args);

/* tickets list | rotate | add FILE|- | remove NAME; add reads and checks the file, remove the name, first. */
void keyctl_tickets_list(struct keyctl_client *c, char **args);
void keyctl_tickets_rotate(struct keyctl_client *c, char **args);
void keyctl_tickets_add_prepare(struct keyctl_client *c, char **args);
void keyctl_tickets_add(struct keyctl_client *c, char **args);
void keyctl_tickets_remove_prepare(struct keyctl_client *c, char **args);
void keyctl_tickets_remove(struct keyctl_client *c, char **args);
/* What a refusal of a ticket opcode means: " (...)" or "". */
const char *keyctl_tickets_status_meaning(uint8_t opcode, uint16_t st);

#endif
