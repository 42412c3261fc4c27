/*
 * moat-keyctl: the operator's view of a running moat-keyd, over its control
 * socket (moat-ipc(7)).
 *
 *	moat-keyctl [-s socket] ping|list|stats
 *	moat-keyctl [-s socket] key add FILE [--name N] [--role R] [--tls12 yes|no] ...
 *	moat-keyctl [-s socket] key remove ID|NAME
 *	moat-keyctl [-s socket] tickets list|rotate|add FILE|-|remove NAME
 *
 * Exit status: 0 done, 1 keyd unreachable or refusing, 2 bad usage.
 *
 * A plain blocking client: one connection, HELLO, one request, the reply
 * checked as strictly as keyd checks requests (version, opcode, request id,
 * status, exact body), every wait bounded by a timeout so a wedged keyd
 * cannot hang a script. Output is one line per fact so scripts can grep it.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/secmem.h"
#include "ipc/ipc.h"
#include "keyd/keyctl.h"
#include "keyd/keyd_config.h"
#include "keyd/names.h"
#include "tls/crypto/version.h"

#define TIMEOUT_MS 5000

void keyctl_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("moat-keyctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void usage(FILE *to)
{
	fprintf(to, "usage: moat-keyctl [-s socket] ping|list|stats\n"
		    "       moat-keyctl [-s socket] key add FILE|- [--name name] [--role server|client|both]\n"
		    "                   [--tls12 yes|no] [--tls10 yes|no] [--rsa-key-exchange yes|no]\n"
		    "       moat-keyctl [-s socket] key remove ID|NAME\n"
		    "       moat-keyctl [-s socket] tickets list|rotate|add FILE|-|remove NAME\n"
		    "       moat-keyctl -h | -V\n"
		    "  -s socket      keyd's control socket (default " KEYD_DEFAULT_CONTROL_SOCKET ")\n"
		    "  -h, --help     this text\n"
		    "  -V, --version  moat's and libcrypto's versions\n");
}

static void connect_keyd(struct keyctl_client *c)
{
	struct sockaddr_un sun;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(c->path) >= sizeof(sun.sun_path))
		keyctl_fail("socket path too long: %s", c->path);
	memcpy(sun.sun_path, c->path, strlen(c->path) + 1);
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		keyctl_fail("socket: %s", strerror(errno));
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
		keyctl_fail("cannot connect to %s: %s", c->path, strerror(errno));
	const struct timeval tv = { TIMEOUT_MS / 1000, 0 };
	(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void send_packet(struct keyctl_client *c, const struct moat_buf *b)
{
	ssize_t n = send(c->fd, b->data, b->len, MSG_NOSIGNAL);
	if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
		keyctl_fail("keyd closed the connection (is this user allowed on the control socket?)");
	if (n < 0 || (size_t)n != b->len)
		keyctl_fail("sending to keyd: %s", n < 0 ? strerror(errno) : "short send");
}

/* Wait for the reply to (opcode, id); leave its body in c->body when OK, else fail naming the status. */
static void receive_reply(struct keyctl_client *c, uint8_t opcode, uint32_t id)
{
	uint64_t deadline = moat_clock_monotonic_ns() + (uint64_t)TIMEOUT_MS * MOAT_NS_PER_MS;
	for (;;) {
		uint64_t now = moat_clock_monotonic_ns();
		if (now >= deadline)
			keyctl_fail("no reply from keyd within %d s", TIMEOUT_MS / 1000);
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int left = (int)((deadline - now) / MOAT_NS_PER_MS) + 1;
		int r = poll(&pfd, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			keyctl_fail("poll: %s", strerror(errno));
		if (r == 0)
			continue;
		ssize_t n = recv(c->fd, c->rx, sizeof(c->rx), MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		/* A refused peer's HELLO is still unread when keyd closes: that arrives as a reset. */
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			keyctl_fail("keyd closed the connection (is this user allowed on the control socket?)");
		if (n < 0)
			keyctl_fail("receiving from keyd: %s", strerror(errno));
		if ((size_t)n > MOAT_IPC_MAX_MESSAGE)
			keyctl_fail("keyd sent an oversize packet");
		struct moat_ipc_header h;
		if (moat_ipc_header_decode(c->rx, (size_t)n, &h, &c->body) != MOAT_SUCCESS ||
		    moat_ipc_reply_check(&h, &c->body, opcode) != MOAT_SUCCESS)
			keyctl_fail("keyd sent a malformed reply to %s", moat_ipc_opcode_name(opcode));
		if (h.request_id != id)
			continue; /* not ours: moat-ipc(7) says drop it */
		if (h.status != MOAT_IPC_OK)
			keyctl_fail("keyd refused %s: %s%s", moat_ipc_opcode_name(opcode), moat_ipc_status_name(h.status),
				    keyctl_status_meaning(opcode, h.status));
		c->rx_len = (size_t)n;
		return;
	}
}

void keyctl_request(struct keyctl_client *c, uint8_t opcode, int (*encode)(struct moat_buf *, uint32_t, void *),
		    void *arg)
{
	uint8_t mem[MOAT_IPC_MAX_MESSAGE];
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	uint32_t id = c->next_id++;
	if (encode(&b, id, arg) != MOAT_SUCCESS) {
		moat_wipe(mem, sizeof(mem));
		keyctl_fail("cannot encode %s", moat_ipc_opcode_name(opcode));
	}
	if (c->max_message != 0 && b.len > c->max_message) {
		moat_wipe(mem, sizeof(mem));
		keyctl_fail("%s of %zu bytes is larger than keyd accepts (%u)", moat_ipc_opcode_name(opcode), b.len,
			    (unsigned)c->max_message);
	}
	send_packet(c, &b);
	/* The packet may hold a private key (KEY_ADD). */
	moat_wipe(mem, sizeof(mem));
	receive_reply(c, opcode, id);
}

static int encode_hello(struct moat_buf *b, uint32_t id, void *arg)
{
	(void)arg;
	const struct moat_ipc_hello hello = { MOAT_IPC_VERSION, MOAT_IPC_VERSION };
	return moat_ipc_hello_encode(b, id, &hello);
}

static int encode_ping(struct moat_buf *b, uint32_t id, void *arg)
{
	const uint64_t *stamp = arg;
	uint8_t payload[8];
	for (int i = 0; i < 8; i++)
		payload[i] = (uint8_t)(*stamp >> (56 - 8 * i));
	return moat_ipc_ping_encode(b, id, payload, sizeof(payload));
}

static int encode_list(struct moat_buf *b, uint32_t id, void *arg)
{
	(void)arg;
	return moat_ipc_list_keys_encode(b, id);
}

static int encode_stats(struct moat_buf *b, uint32_t id, void *arg)
{
	(void)arg;
	return moat_ipc_stats_encode(b, id);
}

static void hello(struct keyctl_client *c)
{
	struct moat_ipc_hello_reply r;
	keyctl_request(c, MOAT_IPC_HELLO, encode_hello, NULL);
	if (moat_ipc_hello_reply_decode(c->body, &r, NULL) != MOAT_SUCCESS || r.version != MOAT_IPC_VERSION)
		keyctl_fail("keyd sent a malformed HELLO reply");
	c->max_message = r.max_message;
}

static void cmd_ping(struct keyctl_client *c, char **args)
{
	(void)args;
	uint64_t start = moat_clock_monotonic_ns();
	keyctl_request(c, MOAT_IPC_PING, encode_ping, &start);
	uint64_t rtt = moat_clock_monotonic_ns() - start;
	struct moat_cursor payload;
	uint8_t echo[8];
	if (moat_ipc_ping_reply_decode(c->body, &payload, NULL) != MOAT_SUCCESS ||
	    moat_cursor_get_bytes(&payload, echo, sizeof(echo)) != MOAT_SUCCESS ||
	    moat_cursor_remaining(&payload) != 0)
		keyctl_fail("keyd sent a malformed PING reply");
	for (int i = 0; i < 8; i++)
		if (echo[i] != (uint8_t)(start >> (56 - 8 * i)))
			keyctl_fail("keyd echoed a different PING payload");
	printf("keyd at %s is alive (round trip %.3f ms)\n", c->path, (double)rtt / 1e6);
}

static void cmd_list(struct keyctl_client *c, char **args)
{
	(void)args;
	static struct moat_ipc_key_info keys[MOAT_IPC_MAX_KEYS];
	size_t count = 0;
	keyctl_request(c, MOAT_IPC_LIST_KEYS, encode_list, NULL);
	if (moat_ipc_list_keys_reply_decode(c->body, keys, MOAT_IPC_MAX_KEYS, &count, NULL) != MOAT_SUCCESS)
		keyctl_fail("keyd sent a malformed LIST_KEYS reply");
	for (size_t i = 0; i < count; i++) {
		char id[2 * MOAT_IPC_KEY_ID_LEN + 1];
		keyd_hex(id, keys[i].key_id, sizeof(keys[i].key_id));
		printf("%s %s %u %s ", id, moat_ipc_key_type_name(keys[i].key_type), (unsigned)keys[i].bits,
		       keys[i].name[0] != '\0' ? keys[i].name : "-");
		for (size_t s = 0; s < keys[i].scheme_count; s++)
			printf("%s%s", s > 0 ? "," : "", keyd_scheme_name(keys[i].schemes[s]));
		printf("\n");
	}
}

static void cmd_stats(struct keyctl_client *c, char **args)
{
	(void)args;
	static struct moat_ipc_stat stats[MOAT_IPC_MAX_STATS];
	size_t count = 0;
	keyctl_request(c, MOAT_IPC_STATS, encode_stats, NULL);
	if (moat_ipc_stats_reply_decode(c->body, stats, MOAT_IPC_MAX_STATS, &count, NULL) != MOAT_SUCCESS)
		keyctl_fail("keyd sent a malformed STATS reply");
	for (size_t i = 0; i < count; i++)
		printf("%s %llu\n", stats[i].name, (unsigned long long)stats[i].value);
}

const char *keyctl_status_meaning(uint8_t opcode, uint16_t st)
{
	if (opcode >= MOAT_IPC_TICKET_OPCODE_FIRST && opcode <= MOAT_IPC_TICKET_OPCODE_LAST)
		return keyctl_tickets_status_meaning(opcode, st);
	switch (st) {
	case MOAT_IPC_NOT_PERMITTED:
		return opcode == MOAT_IPC_KEY_ADD || opcode == MOAT_IPC_KEY_REMOVE
			       ? " (only root and keyd's own user may change keys)" : "";
	case MOAT_IPC_KEY_HELD:
		return opcode == MOAT_IPC_KEY_ADD ? " (keyd serves that key, or a key of that name, already)"
						  : " (more than one key has that name: name it by its id)";
	case MOAT_IPC_BAD_KEY:
		return " (not a key keyd serves: its type, size or self-test; keyd's log says which)";
	case MOAT_IPC_UNKNOWN_KEY:
		return " (keyd serves no such key)";
	case MOAT_IPC_TOO_LARGE:
		return opcode == MOAT_IPC_KEY_ADD ? " (keyd serves as many keys as it can list)" : "";
	default:
		return "";
	}
}

/*
 * The commands: one row each, with the words that name them and how many
 * arguments follow. Options a command does not take are refused by main.
 */
static const struct command {
	const char *word, *sub; /* sub: NULL for a one-word command */
	int nargs;
	bool key_options;       /* takes --name, --role, --tls12, --tls10, --rsa-key-exchange */
	/* Before keyd is asked: whatever can be wrong with the arguments (an unreadable key file). May be NULL. */
	void (*prepare)(struct keyctl_client *c, char **args);
	void (*run)(struct keyctl_client *c, char **args);
} commands[] = {
	{ "ping", NULL, 0, false, NULL, cmd_ping },
	{ "list", NULL, 0, false, NULL, cmd_list },
	{ "stats", NULL, 0, false, NULL, cmd_stats },
	{ "key", "add", 1, true, keyctl_key_add_prepare, keyctl_key_add },
	{ "key", "remove", 1, false, keyctl_key_remove_prepare, keyctl_key_remove },
	{ "tickets", "list", 0, false, NULL, keyctl_tickets_list },
	{ "tickets", "rotate", 0, false, NULL, keyctl_tickets_rotate },
	{ "tickets", "add", 1, false, keyctl_tickets_add_prepare, keyctl_tickets_add },
	{ "tickets", "remove", 1, false, keyctl_tickets_remove_prepare, keyctl_tickets_remove },
};

static const struct command *find_command(int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *cmd = &commands[i];
		int words = cmd->sub != NULL ? 2 : 1;
		if (strcmp(argv[0], cmd->word) != 0 || (cmd->sub != NULL && (argc < 2 || strcmp(argv[1], cmd->sub) != 0)))
			continue;
		if (argc != words + cmd->nargs) {
			usage(stderr);
			exit(2);
		}
		return cmd;
	}
	bool two_words = argc > 1 && (strcmp(argv[0], "key") == 0 || strcmp(argv[0], "tickets") == 0);
	fprintf(stderr, "moat-keyctl: unknown command \"%s%s%s\"\n", argv[0], two_words ? " " : "",
		two_words ? argv[1] : "");
	usage(stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static struct keyctl_client c;
	c.path = KEYD_DEFAULT_CONTROL_SOCKET;
	c.fd = -1;
	c.next_id = 1;
	keyctl_key_options_init(&c.key);
	/* A key being added is read into secure memory; run as keyd's user, RLIMIT_MEMLOCK may not cover it. */
	moat_secmem_allow_unlocked(true);
	enum { OPT_NAME = 0x100, OPT_ROLE, OPT_TLS12, OPT_TLS10, OPT_RSA_KEX };
	static const char *const key_option_names[] = { "name", "role", "tls12", "tls10", "rsa-key-exchange" };
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "tls12", required_argument, NULL, OPT_TLS12 },
		{ "tls10", required_argument, NULL, OPT_TLS10 },
		{ "rsa-key-exchange", required_argument, NULL, OPT_RSA_KEX },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	bool key_options = false;
	while ((opt = getopt_long(argc, argv, "s:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': c.path = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': moat_print_version(stdout, "moat-keyctl"); return 0;
		case OPT_NAME:
		case OPT_ROLE:
		case OPT_TLS12:
		case OPT_TLS10:
		case OPT_RSA_KEX:
			key_options = true;
			if (!keyctl_key_option(&c.key, key_option_names[opt - OPT_NAME], optarg)) {
				usage(stderr);
				return 2;
			}
			break;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind < 1) {
		usage(stderr);
		return 2;
	}
	const struct command *cmd = find_command(argc - optind, argv + optind);
	if (key_options && !cmd->key_options) {
		fprintf(stderr, "moat-keyctl: --name, --role, --tls12, --tls10 and --rsa-key-exchange go with key add\n");
		usage(stderr);
		return 2;
	}
	char **args = argv + optind + (cmd->sub != NULL ? 2 : 1);
	if (cmd->prepare != NULL)
		cmd->prepare(&c, args);
	connect_keyd(&c);
	hello(&c);
	cmd->run(&c, args);
	close(c.fd);
	if (fflush(stdout) != 0 || ferror(stdout))
		keyctl_fail("writing output: %s", strerror(errno));
	return 0;
}
