/*
 * moat-keyctl: the operator's view of a running moat-keyd, over its control
 * socket (moat-ipc(7)).
 *
 *	moat-keyctl [-s socket] ping|list|stats
 *	moat-keyctl [-s socket] tickets list|rotate|add FILE|-|remove NAME
 *
 * Exit status: 0 done, 1 keyd unreachable or refusing, 2 bad usage (or a
 * bad ticket-key file).
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
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/secmem.h"
#include "ipc/ipc.h"
#include "keyd/keyd_config.h"
#include "keyd/names.h"
#include "keyd/ticket_keyfile.h"
#include "tls/crypto/version.h"

#define TIMEOUT_MS 5000

struct client {
	int fd;
	const char *path;
	uint32_t next_id;
	uint8_t rx[MOAT_IPC_MAX_MESSAGE + 1];
	size_t rx_len;
	struct moat_cursor body;
};

__attribute__((format(printf, 1, 2), noreturn))
static void fail(const char *fmt, ...)
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
		    "       moat-keyctl [-s socket] tickets list|rotate|add FILE|-|remove NAME\n"
		    "       moat-keyctl -h | -V\n"
		    "  -s socket      keyd's control socket (default " KEYD_DEFAULT_CONTROL_SOCKET ")\n"
		    "  -h, --help     this text\n"
		    "  -V, --version  moat's and libcrypto's versions\n");
}

static void connect_keyd(struct client *c)
{
	struct sockaddr_un sun;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(c->path) >= sizeof(sun.sun_path))
		fail("socket path too long: %s", c->path);
	memcpy(sun.sun_path, c->path, strlen(c->path) + 1);
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		fail("socket: %s", strerror(errno));
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
		fail("cannot connect to %s: %s", c->path, strerror(errno));
	const struct timeval tv = { TIMEOUT_MS / 1000, 0 };
	(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void send_packet(struct client *c, const struct moat_buf *b)
{
	ssize_t n = send(c->fd, b->data, b->len, MSG_NOSIGNAL);
	if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
		fail("keyd closed the connection (is this user allowed on the control socket?)");
	if (n < 0 || (size_t)n != b->len)
		fail("sending to keyd: %s", n < 0 ? strerror(errno) : "short send");
}

/* What a refusal of a ticket-key change means, for the operator. */
static const char *ticket_hint(uint8_t opcode, uint16_t st)
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

/* Wait for the reply to (opcode, id); leave its body in c->body when OK, else fail naming the status. */
static void receive_reply(struct client *c, uint8_t opcode, uint32_t id)
{
	uint64_t deadline = moat_clock_monotonic_ns() + (uint64_t)TIMEOUT_MS * MOAT_NS_PER_MS;
	for (;;) {
		uint64_t now = moat_clock_monotonic_ns();
		if (now >= deadline)
			fail("no reply from keyd within %d s", TIMEOUT_MS / 1000);
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int left = (int)((deadline - now) / MOAT_NS_PER_MS) + 1;
		int r = poll(&pfd, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail("poll: %s", strerror(errno));
		if (r == 0)
			continue;
		ssize_t n = recv(c->fd, c->rx, sizeof(c->rx), MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		/* A refused peer's HELLO is still unread when keyd closes: that arrives as a reset. */
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			fail("keyd closed the connection (is this user allowed on the control socket?)");
		if (n < 0)
			fail("receiving from keyd: %s", strerror(errno));
		if ((size_t)n > MOAT_IPC_MAX_MESSAGE)
			fail("keyd sent an oversize packet");
		struct moat_ipc_header h;
		if (moat_ipc_header_decode(c->rx, (size_t)n, &h, &c->body) != MOAT_SUCCESS ||
		    moat_ipc_reply_check(&h, &c->body, opcode) != MOAT_SUCCESS)
			fail("keyd sent a malformed reply to %s", moat_ipc_opcode_name(opcode));
		if (h.request_id != id)
			continue; /* not ours: moat-ipc(7) says drop it */
		if (h.status != MOAT_IPC_OK)
			fail("keyd refused %s: %s%s", moat_ipc_opcode_name(opcode), moat_ipc_status_name(h.status),
			     ticket_hint(opcode, h.status));
		c->rx_len = (size_t)n;
		return;
	}
}

static void request(struct client *c, uint8_t opcode, int (*encode)(struct moat_buf *, uint32_t, void *),
		    void *arg)
{
	uint8_t mem[MOAT_IPC_MAX_MESSAGE];
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	uint32_t id = c->next_id++;
	if (encode(&b, id, arg) != MOAT_SUCCESS)
		fail("cannot encode %s", moat_ipc_opcode_name(opcode));
	send_packet(c, &b);
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

static void hello(struct client *c)
{
	struct moat_ipc_hello_reply r;
	request(c, MOAT_IPC_HELLO, encode_hello, NULL);
	if (moat_ipc_hello_reply_decode(c->body, &r, NULL) != MOAT_SUCCESS || r.version != MOAT_IPC_VERSION)
		fail("keyd sent a malformed HELLO reply");
}

static void cmd_ping(struct client *c)
{
	uint64_t start = moat_clock_monotonic_ns();
	request(c, MOAT_IPC_PING, encode_ping, &start);
	uint64_t rtt = moat_clock_monotonic_ns() - start;
	struct moat_cursor payload;
	uint8_t echo[8];
	if (moat_ipc_ping_reply_decode(c->body, &payload, NULL) != MOAT_SUCCESS ||
	    moat_cursor_get_bytes(&payload, echo, sizeof(echo)) != MOAT_SUCCESS ||
	    moat_cursor_remaining(&payload) != 0)
		fail("keyd sent a malformed PING reply");
	for (int i = 0; i < 8; i++)
		if (echo[i] != (uint8_t)(start >> (56 - 8 * i)))
			fail("keyd echoed a different PING payload");
	printf("keyd at %s is alive (round trip %.3f ms)\n", c->path, (double)rtt / 1e6);
}

static void cmd_list(struct client *c)
{
	static struct moat_ipc_key_info keys[MOAT_IPC_MAX_KEYS];
	size_t count = 0;
	request(c, MOAT_IPC_LIST_KEYS, encode_list, NULL);
	if (moat_ipc_list_keys_reply_decode(c->body, keys, MOAT_IPC_MAX_KEYS, &count, NULL) != MOAT_SUCCESS)
		fail("keyd sent a malformed LIST_KEYS reply");
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

static void cmd_stats(struct client *c)
{
	static struct moat_ipc_stat stats[MOAT_IPC_MAX_STATS];
	size_t count = 0;
	request(c, MOAT_IPC_STATS, encode_stats, NULL);
	if (moat_ipc_stats_reply_decode(c->body, stats, MOAT_IPC_MAX_STATS, &count, NULL) != MOAT_SUCCESS)
		fail("keyd sent a malformed STATS reply");
	for (size_t i = 0; i < count; i++)
		printf("%s %llu\n", stats[i].name, (unsigned long long)stats[i].value);
}

/* ---- tickets ---- */

/* The ticket subcommand's arguments (argv after "tickets"). */
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

static void cmd_tickets_list(struct client *c)
{
	static struct moat_ipc_ticket_key_info keys[MOAT_IPC_MAX_TICKET_KEYS];
	static const char *const modes[] = { "off", "generating", "imported" };
	size_t count = 0;
	uint8_t mode = 0;
	request(c, MOAT_IPC_TICKET_LIST, encode_ticket_list, NULL);
	if (moat_ipc_ticket_list_reply_decode(c->body, &mode, keys, MOAT_IPC_MAX_TICKET_KEYS, &count, NULL) !=
	    MOAT_SUCCESS)
		fail("keyd sent a malformed TICKET_LIST reply");
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

static void cmd_tickets_rotate(struct client *c)
{
	uint8_t name[MOAT_IPC_TICKET_NAME_LEN];
	char hex[2 * MOAT_IPC_TICKET_NAME_LEN + 1];
	request(c, MOAT_IPC_TICKET_ROTATE, encode_ticket_rotate, NULL);
	if (moat_ipc_ticket_rotate_reply_decode(c->body, name, NULL) != MOAT_SUCCESS)
		fail("keyd sent a malformed TICKET_ROTATE reply");
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
		fail("no secure memory for the ticket keys");
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

static void cmd_tickets_add(struct client *c)
{
	for (size_t i = 0; i < ticket_entry_count; i++) {
		const struct keyd_ticket_keyfile_entry *e = &ticket_entries[i];
		char hex[2 * MOAT_IPC_TICKET_NAME_LEN + 1];
		keyd_hex(hex, e->name, sizeof(e->name));
		request(c, MOAT_IPC_TICKET_ADD, encode_ticket_add, (void *)e);
		if (moat_ipc_ticket_done_decode(c->body, NULL) != MOAT_SUCCESS)
			fail("keyd sent a malformed TICKET_ADD reply");
		printf("ticket key %s added\n", hex);
	}
	wipe_tickets();
}

static int encode_ticket_remove(struct moat_buf *b, uint32_t id, void *arg)
{
	return moat_ipc_ticket_remove_encode(b, id, arg);
}

static uint8_t remove_name[MOAT_IPC_TICKET_NAME_LEN];

static void cmd_tickets_remove(struct client *c)
{
	request(c, MOAT_IPC_TICKET_REMOVE, encode_ticket_remove, remove_name);
	if (moat_ipc_ticket_done_decode(c->body, NULL) != MOAT_SUCCESS)
		fail("keyd sent a malformed TICKET_REMOVE reply");
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

typedef void (*command_fn)(struct client *);

/* The run function for "tickets SUB [ARG]", or NULL after printing why (usage). */
static command_fn ticket_command(int argc, char **argv)
{
	if (argc < 1) {
		fprintf(stderr, "moat-keyctl: tickets needs list, rotate, add or remove\n");
		return NULL;
	}
	const char *sub = argv[0];
	if (strcmp(sub, "list") == 0 && argc == 1)
		return cmd_tickets_list;
	if (strcmp(sub, "rotate") == 0 && argc == 1)
		return cmd_tickets_rotate;
	if (strcmp(sub, "add") == 0 && argc == 2) {
		ticket_arg = argv[1];
		read_ticket_file();
		return cmd_tickets_add;
	}
	if (strcmp(sub, "remove") == 0 && argc == 2) {
		ticket_arg = argv[1];
		if (!parse_name(argv[1], remove_name)) {
			fprintf(stderr, "moat-keyctl: a ticket key name is %d hex digits\n", 2 * MOAT_IPC_TICKET_NAME_LEN);
			return NULL;
		}
		return cmd_tickets_remove;
	}
	fprintf(stderr, "moat-keyctl: tickets %s: unknown subcommand or wrong arguments\n", sub);
	return NULL;
}

int main(int argc, char **argv)
{
	static struct client c;
	c.path = KEYD_DEFAULT_CONTROL_SOCKET;
	c.fd = -1;
	c.next_id = 1;
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "s:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': c.path = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': moat_print_version(stdout, "moat-keyctl"); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind < 1 || (argc - optind != 1 && strcmp(argv[optind], "tickets") != 0)) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[optind];
	void (*run)(struct client *) = NULL;
	if (strcmp(cmd, "tickets") == 0) {
		run = ticket_command(argc - optind - 1, argv + optind + 1);
		if (run == NULL) {
			usage(stderr);
			return 2;
		}
	} else if (strcmp(cmd, "ping") == 0)
		run = cmd_ping;
	else if (strcmp(cmd, "list") == 0)
		run = cmd_list;
	else if (strcmp(cmd, "stats") == 0)
		run = cmd_stats;
	else {
		fprintf(stderr, "moat-keyctl: unknown command \"%s\"\n", cmd);
		usage(stderr);
		return 2;
	}
	connect_keyd(&c);
	hello(&c);
	run(&c);
	close(c.fd);
	if (fflush(stdout) != 0 || ferror(stdout))
		fail("writing output: %s", strerror(errno));
	return 0;
}
