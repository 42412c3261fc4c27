/*
 * moat-keyctl's tickets commands (moat-keyctl(8)): list, rotate, add and
 * remove keyd's session-ticket keys. A key file is read and checked whole,
 * into secure memory, before keyd is asked anything, so a bad file changes
 * nothing; the secrets are wiped once sent.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/secmem.h"
#include "ipc/ipc.h"
#include "keyd/keyctl.h"
#include "keyd/names.h"
#include "keyd/ticket_keyfile.h"

const char *keyctl_tickets_status_meaning(uint8_t opcode, uint16_t st)
{
	if (opcode == MOAT_IPC_TICKET_ADD && st == MOAT_IPC_BAD_INPUT)
		return " (a key with that name is held already, or its lifetimes ended already)";
	if (opcode == MOAT_IPC_TICKET_ADD && st == MOAT_IPC_TOO_LARGE)
		return " (keyd holds as many ticket keys as it can: remove one first)";
	if (opcode == MOAT_IPC_TICKET_ROTATE && st == MOAT_IPC_NOT_PERMITTED)
		return " (tickets are off, or the keys are imported: add the next key instead)";
	if ((opcode == MOAT_IPC_TICKET_ADD || opcode == MOAT_IPC_TICKET_REMOVE) && st == MOAT_IPC_NOT_PERMITTED)
		return " (tickets are off in keyd's configuration)";
	if (opcode == MOAT_IPC_TICKET_REMOVE && st == MOAT_IPC_UNKNOWN_KEY)
		return " (no ticket key with that name)";
	if (opcode >= MOAT_IPC_TICKET_OPCODE_FIRST && opcode <= MOAT_IPC_TICKET_OPCODE_LAST && st == MOAT_IPC_BAD_OPCODE)
		return " (this keyd has no ticket keys: an older version?)";
	return "";
}

/* ---- tickets ---- */

/* The argument of tickets add and remove (a file, "-", or a key name). */
static const char *ticket_arg;
static struct keyd_ticket_keyfile_entry *ticket_entries; /* secure memory: they hold secrets */
static size_t ticket_entry_count;

static void print_time(uint64_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;
	if (t > (uint64_t)INT32_MAX * 64 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		printf(" %llu", (unsigned long long)t);
	else
		printf(" %s", buf);
}

static int encode_ticket_list(struct moat_buf *b, uint32_t id, void *arg)
{
	(void)arg;
	return moat_ipc_ticket_list_encode(b, id);
}

void keyctl_tickets_list(struct keyctl_client *c, char **args)
{
	(void)args;
	static struct moat_ipc_ticket_key_info keys[MOAT_IPC_MAX_TICKET_KEYS];
	static const char *const modes[] = { "off", "generating", "imported" };
	size_t count = 0;
	uint8_t mode = 0;
	keyctl_request(c, MOAT_IPC_TICKET_LIST, encode_ticket_list, NULL);
	if (moat_ipc_ticket_list_reply_decode(c->body, &mode, keys, MOAT_IPC_MAX_TICKET_KEYS, &count, NULL) !=
	    MOAT_SUCCESS)
		keyctl_fail("keyd sent a malformed TICKET_LIST reply");
	printf("mode %s\n", modes[mode]);
	for (size_t i = 0; i < count; i++) {
		char name[2 * MOAT_IPC_TICKET_NAME_LEN + 1];
		keyd_hex(name, keys[i].name, sizeof(keys[i].name));
		printf("%s %s %s", name, moat_ipc_ticket_state_name(keys[i].state),
		       keys[i].origin == MOAT_IPC_TICKET_IMPORTED ? "imported" : "generated");
		print_time(keys[i].intro);
		print_time(keys[i].encrypt_until);
		print_time(keys[i].expires);
		printf(" seals %llu opens %llu\n", (unsigned long long)keys[i].seals, (unsigned long long)keys[i].opens);
	}
}

static int encode_ticket_rotate(struct moat_buf *b, uint32_t id, void *arg)
{
	(void)arg;
	return moat_ipc_ticket_rotate_encode(b, id);
}

void keyctl_tickets_rotate(struct keyctl_client *c, char **args)
{
	(void)args;
	uint8_t name[MOAT_IPC_TICKET_NAME_LEN];
	char hex[2 * MOAT_IPC_TICKET_NAME_LEN + 1];
	keyctl_request(c, MOAT_IPC_TICKET_ROTATE, encode_ticket_rotate, NULL);
	if (moat_ipc_ticket_rotate_reply_decode(c->body, name, NULL) != MOAT_SUCCESS)
		keyctl_fail("keyd sent a malformed TICKET_ROTATE reply");
	keyd_hex(hex, name, sizeof(name));
	printf("ticket key %s seals from now on\n", hex);
}

static int encode_ticket_add(struct moat_buf *b, uint32_t id, void *arg)
{
	const struct keyd_ticket_keyfile_entry *e = arg;
	return moat_ipc_ticket_add_encode(b, id, e->name, e->secret, e->intro, e->encrypt_lifetime,
					  e->decrypt_lifetime);
}

static void wipe_tickets(void)
{
	moat_secmem_free(ticket_entries);
	ticket_entries = NULL;
}

/* A key file that cannot be used: name it and say why, exit 2. */
__attribute__((noreturn))
static void bad_keyfile(const char *what)
{
	wipe_tickets();
	fprintf(stderr, "moat-keyctl: %s: %s\n", strcmp(ticket_arg, "-") == 0 ? "standard input" : ticket_arg, what);
	exit(2);
}

/*
 * Read the key file (or standard input for "-") into secure memory and parse
 * it, before keyd is contacted: a bad file changes nothing. A file others
 * may read is refused, as it would hand out the keys.
 */
static void read_ticket_file(void)
{
	FILE *f = stdin;
	if (strcmp(ticket_arg, "-") != 0) {
		f = fopen(ticket_arg, "re");
		if (f == NULL)
			bad_keyfile(strerror(errno));
		struct stat st;
		if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
			bad_keyfile("not a regular file");
		if ((st.st_mode & (S_IROTH | S_IWOTH)) != 0)
			bad_keyfile("readable or writable by every user: the ticket keys would not be secret (chmod o-rw)");
	}
	void *text = NULL, *entries = NULL;
	if (moat_secmem_alloc(KEYD_TICKET_KEYFILE_MAX + 1, &text) != MOAT_SUCCESS ||
	    moat_secmem_alloc(MOAT_IPC_MAX_TICKET_KEYS * sizeof(*ticket_entries), &entries) != MOAT_SUCCESS)
		keyctl_fail("no secure memory for the ticket keys");
	ticket_entries = entries;
	size_t len = fread(text, 1, KEYD_TICKET_KEYFILE_MAX + 1, f);
	bool err = ferror(f) != 0;
	if (f != stdin)
		fclose(f);
	if (err)
		bad_keyfile("read error");
	char msg[160];
	int rc = keyd_ticket_keyfile_parse(text, len, ticket_entries, MOAT_IPC_MAX_TICKET_KEYS, &ticket_entry_count,
					   msg, sizeof(msg));
	moat_secmem_free(text);
	if (rc != MOAT_SUCCESS)
		bad_keyfile(msg);
}

void keyctl_tickets_add(struct keyctl_client *c, char **args)
{
	(void)args;
	for (size_t i = 0; i < ticket_entry_count; i++) {
		const struct keyd_ticket_keyfile_entry *e = &ticket_entries[i];
		char hex[2 * MOAT_IPC_TICKET_NAME_LEN + 1];
		keyd_hex(hex, e->name, sizeof(e->name));
		keyctl_request(c, MOAT_IPC_TICKET_ADD, encode_ticket_add, (void *)e);
		if (moat_ipc_ticket_done_decode(c->body, NULL) != MOAT_SUCCESS)
			keyctl_fail("keyd sent a malformed TICKET_ADD reply");
		printf("ticket key %s added\n", hex);
	}
	wipe_tickets();
}

static int encode_ticket_remove(struct moat_buf *b, uint32_t id, void *arg)
{
	return moat_ipc_ticket_remove_encode(b, id, arg);
}

static uint8_t remove_name[MOAT_IPC_TICKET_NAME_LEN];

void keyctl_tickets_remove(struct keyctl_client *c, char **args)
{
	(void)args;
	keyctl_request(c, MOAT_IPC_TICKET_REMOVE, encode_ticket_remove, remove_name);
	if (moat_ipc_ticket_done_decode(c->body, NULL) != MOAT_SUCCESS)
		keyctl_fail("keyd sent a malformed TICKET_REMOVE reply");
	printf("ticket key %s removed\n", ticket_arg);
}

static bool parse_name(const char *hex, uint8_t name[MOAT_IPC_TICKET_NAME_LEN])
{
	if (strlen(hex) != 2 * MOAT_IPC_TICKET_NAME_LEN)
		return false;
	for (size_t i = 0; i < MOAT_IPC_TICKET_NAME_LEN; i++) {
		unsigned v;
		char pair[3] = { hex[2 * i], hex[2 * i + 1], '\0' };
		if (strspn(pair, "0123456789abcdefABCDEF") != 2 || sscanf(pair, "%2x", &v) != 1)
			return false;
		name[i] = (uint8_t)v;
	}
	return true;
}


void keyctl_tickets_add_prepare(struct keyctl_client *c, char **args)
{
	(void)c;
	ticket_arg = args[0];
	read_ticket_file();
}

void keyctl_tickets_remove_prepare(struct keyctl_client *c, char **args)
{
	(void)c;
	ticket_arg = args[0];
	if (!parse_name(args[0], remove_name)) {
		fprintf(stderr, "moat-keyctl: a ticket key name is %d hex digits\n", 2 * MOAT_IPC_TICKET_NAME_LEN);
		exit(2);
	}
}
