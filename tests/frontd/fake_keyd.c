/*
 * fake_keyd: a stand-in for moat-keyd in frontd's tests (never installed).
 *
 * It speaks the data-socket side of moat-ipc(7) with the real codec
 * (HELLO, SIGN, RSA_DECRYPT, PING) and signs and decrypts with private keys
 * read from PEM files, so frontd's tests do not depend on keyd's code, and
 * it can misbehave on purpose:
 *   -b       answer every SIGN and RSA_DECRYPT with BUSY
 *   -w MS    hold every SIGN and RSA_DECRYPT reply for MS milliseconds (timeouts)
 *   -i N     announce max_inflight N in the HELLO reply
 *   -r       answer every RSA_DECRYPT with KEY_POLICY (no "rsa-key-exchange yes")
 *   -T       tickets off: answer TICKET_SEAL and TICKET_OPEN with NOT_PERMITTED
 * TICKET_SEAL and TICKET_OPEN are served with the real sealing primitive
 * under one ticket key made at startup (name and secret random, never
 * rotated); OPEN answers UNKNOWN_KEY and BAD_TICKET as keyd does and never
 * asks for a re-issue. One line each on stderr ("ticket_seal ok",
 * "ticket_open ok", "ticket_open unknown_key", ...).
 * One poll() loop serves every client. "ready" on stdout once listening;
 * one line per SIGN on stderr ("sign KEYID8 scheme 0x0804 ok"), one per
 * RSA_DECRYPT ("decrypt KEYID8 ok", or "decrypt KEYID8 rejected" for a bad
 * block, which keyd never tells anyone).
 *
 * RSA_DECRYPT answers 48 bytes always, as keyd does: the plaintext of a
 * valid block, else SHA-384 of the ciphertext (deterministic, like keyd's
 * implicit rejection, but not keyd's derivation and not constant-time:
 * this helper holds test keys only).
 *
 * usage: fake_keyd -s SOCKET -k KEY.pem [-k KEY.pem...] [-b] [-w MS] [-i N] [-r] [-T]
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "common/buf.h"
#include "common/secmem.h"
#include "ipc/ipc.h"
#include "tls/crypto/cert.h"
#include "tls/crypto/ticket_aead.h"
#include "tls/crypto/util.h"

#define MAX_KEYS 8
#define MAX_CLIENTS 64
#define MAX_HELD 1024

struct key {
	struct moat_pkey pkey;
	uint8_t id[32];
};

struct held {
	int fd;
	uint64_t due_ms;
	size_t len;
	uint8_t pkt[MOAT_IPC_MAX_MESSAGE];
};

static struct key keys[MAX_KEYS];
static size_t key_count;
static struct held *held[MAX_HELD];
static size_t held_count;
static bool busy;
static bool refuse_decrypt;
static bool tickets_off;
static uint8_t ticket_name[MOAT_TICKET_NAME_LEN];
static uint8_t *ticket_secret; /* MOAT_TICKET_SECRET_LEN bytes of secure memory */
static unsigned delay_ms;
static unsigned max_inflight = 64;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int load_key(const char *path)
{
	char buf[16384];
	FILE *f = fopen(path, "r");
	if (f == NULL || key_count == MAX_KEYS) {
		fprintf(stderr, "fake_keyd: cannot read %s\n", path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	struct key *k = &keys[key_count];
	if (moat_pkey_from_private_pem(&k->pkey, buf, n) < 0 || moat_pkey_spki_sha256(&k->pkey, k->id) < 0) {
		fprintf(stderr, "fake_keyd: %s: %s\n", path, moat_strerror_name(moat_errno));
		return -1;
	}
	key_count++;
	return 0;
}

/* A reply that cannot be encoded is a bug in this helper: say so, the test then fails on the missing reply. */
static void must(int rc)
{
	if (rc < 0) {
		fprintf(stderr, "fake_keyd: encoding failed: %s\n", moat_strerror_name(moat_errno));
		moat_error_clear();
	}
}

static void send_pkt(int fd, const uint8_t *pkt, size_t len)
{
	if (delay_ms > 0 && held_count < MAX_HELD) {
		struct held *h = malloc(sizeof(*h));
		if (h != NULL) {
			h->fd = fd;
			h->due_ms = now_ms() + delay_ms;
			h->len = len;
			memcpy(h->pkt, pkt, len);
			held[held_count++] = h;
			return;
		}
	}
	if (send(fd, pkt, len, MSG_NOSIGNAL) < 0)
		fprintf(stderr, "fake_keyd: send: %s\n", strerror(errno));
}

static void release_held(bool all)
{
	uint64_t now = now_ms();
	for (size_t i = 0; i < held_count;) {
		struct held *h = held[i];
		if (!all && h->due_ms > now) {
			i++;
			continue;
		}
		if (h->fd >= 0 && send(h->fd, h->pkt, h->len, MSG_NOSIGNAL) < 0)
			fprintf(stderr, "fake_keyd: send: %s\n", strerror(errno));
		free(h);
		held[i] = held[--held_count];
	}
}

static void forget_fd(int fd)
{
	for (size_t i = 0; i < held_count; i++)
		if (held[i]->fd == fd)
			held[i]->fd = -1;
}

static void answer_sign(uint32_t id, struct moat_cursor body, struct moat_buf *b)
{
	struct moat_ipc_sign req;
	moat_ipc_status st;
	if (moat_ipc_sign_decode(body, &req, &st) < 0) {
		fprintf(stderr, "sign malformed %s\n", moat_ipc_status_name(st));
		must(moat_ipc_encode_status(b, MOAT_IPC_SIGN, id, st));
		return;
	}
	if (busy) {
		fprintf(stderr, "sign %02x%02x%02x%02x scheme 0x%04x busy\n", req.key_id[0], req.key_id[1], req.key_id[2],
			req.key_id[3], req.scheme);
		must(moat_ipc_encode_status(b, MOAT_IPC_SIGN, id, MOAT_IPC_BUSY));
		return;
	}
	for (size_t i = 0; i < key_count; i++) {
		if (memcmp(keys[i].id, req.key_id, 32) != 0)
			continue;
		uint8_t sig[MOAT_IPC_SIGNATURE_MAX];
		size_t sig_len = sizeof(sig);
		if (moat_sig_sign(&keys[i].pkey, req.scheme, moat_cursor_data(&req.input),
				  moat_cursor_remaining(&req.input), sig, &sig_len) < 0) {
			fprintf(stderr, "sign scheme 0x%04x failed: %s\n", req.scheme, moat_strerror_name(moat_errno));
			must(moat_ipc_encode_status(b, MOAT_IPC_SIGN, id, MOAT_IPC_BAD_SCHEME));
			return;
		}
		fprintf(stderr, "sign %02x%02x%02x%02x scheme 0x%04x ok\n", req.key_id[0], req.key_id[1], req.key_id[2],
			req.key_id[3], req.scheme);
		must(moat_ipc_sign_reply_encode(b, id, sig, sig_len));
		return;
	}
	fprintf(stderr, "sign unknown key\n");
	must(moat_ipc_encode_status(b, MOAT_IPC_SIGN, id, MOAT_IPC_UNKNOWN_KEY));
}

/* The plaintext if it is exactly 48 bytes, else SHA-384 of the ciphertext; true for the plaintext. */
static bool decrypt_48(EVP_PKEY *pkey, const uint8_t *ct, size_t len, uint8_t pm[MOAT_IPC_PREMASTER_LEN])
{
	uint8_t plain[512];
	size_t plain_len = sizeof(plain);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
	bool ok = ctx != NULL && EVP_PKEY_decrypt_init(ctx) == 1 &&
		  EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
		  EVP_PKEY_decrypt(ctx, plain, &plain_len, ct, len) == 1 && plain_len == MOAT_IPC_PREMASTER_LEN;
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	if (ok) {
		memcpy(pm, plain, MOAT_IPC_PREMASTER_LEN);
	} else {
		unsigned int n = 0;
		(void)EVP_Digest(ct, len, pm, &n, EVP_sha384(), NULL);
	}
	moat_wipe(plain, sizeof(plain));
	return ok;
}

static void answer_decrypt(uint32_t id, struct moat_cursor body, struct moat_buf *b)
{
	struct moat_ipc_rsa_decrypt req;
	moat_ipc_status st;
	if (moat_ipc_rsa_decrypt_decode(body, &req, &st) < 0) {
		fprintf(stderr, "decrypt malformed %s\n", moat_ipc_status_name(st));
		must(moat_ipc_encode_status(b, MOAT_IPC_RSA_DECRYPT, id, st));
		return;
	}
	const char *why = busy ? "busy" : refuse_decrypt ? "key_policy" : NULL;
	if (why != NULL) {
		fprintf(stderr, "decrypt %02x%02x%02x%02x %s\n", req.key_id[0], req.key_id[1], req.key_id[2],
			req.key_id[3], why);
		must(moat_ipc_encode_status(b, MOAT_IPC_RSA_DECRYPT, id, busy ? MOAT_IPC_BUSY : MOAT_IPC_KEY_POLICY));
		return;
	}
	for (size_t i = 0; i < key_count; i++) {
		if (memcmp(keys[i].id, req.key_id, 32) != 0)
			continue;
		if (keys[i].pkey.type != MOAT_KEY_RSA) {
			fprintf(stderr, "decrypt not an RSA key\n");
			must(moat_ipc_encode_status(b, MOAT_IPC_RSA_DECRYPT, id, MOAT_IPC_NOT_PERMITTED));
			return;
		}
		uint8_t pm[MOAT_IPC_PREMASTER_LEN];
		bool ok = decrypt_48(keys[i].pkey.pkey, moat_cursor_data(&req.ciphertext),
				     moat_cursor_remaining(&req.ciphertext), pm);
		fprintf(stderr, "decrypt %02x%02x%02x%02x %s\n", req.key_id[0], req.key_id[1], req.key_id[2],
			req.key_id[3], ok ? "ok" : "rejected");
		must(moat_ipc_rsa_decrypt_reply_encode(b, id, pm));
		moat_wipe(pm, sizeof(pm));
		return;
	}
	fprintf(stderr, "decrypt unknown key\n");
	must(moat_ipc_encode_status(b, MOAT_IPC_RSA_DECRYPT, id, MOAT_IPC_UNKNOWN_KEY));
}

static void answer_ticket(uint8_t opcode, uint32_t id, struct moat_cursor body, struct moat_buf *b)
{
	struct moat_cursor in;
	moat_ipc_status st;
	const char *what = opcode == MOAT_IPC_TICKET_SEAL ? "ticket_seal" : "ticket_open";
	int rc = opcode == MOAT_IPC_TICKET_SEAL ? moat_ipc_ticket_seal_decode(body, &in, &st)
						: moat_ipc_ticket_open_decode(body, &in, &st);
	if (rc < 0 || tickets_off) {
		st = rc < 0 ? st : MOAT_IPC_NOT_PERMITTED;
		fprintf(stderr, "%s %s\n", what, moat_ipc_status_name(st));
		must(moat_ipc_encode_status(b, opcode, id, st));
		return;
	}
	uint8_t out[MOAT_TICKET_MAX_LEN], name[MOAT_TICKET_NAME_LEN];
	size_t len = 0;
	if (opcode == MOAT_IPC_TICKET_SEAL) {
		must(moat_ticket_seal(ticket_name, ticket_secret, moat_cursor_data(&in), moat_cursor_remaining(&in), out,
				      sizeof(out), &len));
		fprintf(stderr, "%s ok\n", what);
		must(moat_ipc_ticket_seal_reply_encode(b, id, out, len));
		return;
	}
	if (moat_ticket_name(moat_cursor_data(&in), moat_cursor_remaining(&in), name) < 0 ||
	    memcmp(name, ticket_name, sizeof(name)) != 0)
		st = MOAT_IPC_UNKNOWN_KEY;
	else if (moat_ticket_open(ticket_name, ticket_secret, moat_cursor_data(&in), moat_cursor_remaining(&in), out,
				  sizeof(out), &len) < 0)
		st = MOAT_IPC_BAD_TICKET;
	else
		st = MOAT_IPC_OK;
	fprintf(stderr, "%s %s\n", what, moat_ipc_status_name(st));
	if (st == MOAT_IPC_OK)
		must(moat_ipc_ticket_open_reply_encode(b, id, 0, out, len));
	else
		must(moat_ipc_encode_status(b, opcode, id, st));
	moat_wipe(out, sizeof(out));
}

/* One packet from a client; false: drop the client. */
static bool handle(int fd, const uint8_t *pkt, size_t len, bool *helloed)
{
	struct moat_ipc_header h;
	struct moat_cursor body;
	moat_ipc_status st;
	bool answerable;
	uint8_t out[MOAT_IPC_MAX_MESSAGE];
	struct moat_buf b;
	moat_buf_init_fixed(&b, out, sizeof(out));

	if (moat_ipc_request_open(pkt, len, &h, &body, &st, &answerable) < 0) {
		if (!answerable)
			return false;
		must(moat_ipc_encode_status(&b, h.opcode, h.request_id, st));
	} else if (h.opcode == MOAT_IPC_HELLO) {
		struct moat_ipc_hello hello;
		uint8_t version;
		if (*helloed) {
			must(moat_ipc_encode_status(&b, h.opcode, h.request_id, MOAT_IPC_NOT_PERMITTED));
		} else if (moat_ipc_hello_decode(body, &hello, &st) < 0 || moat_ipc_hello_choose(&hello, &version, &st) < 0) {
			must(moat_ipc_encode_status(&b, h.opcode, h.request_id, st));
		} else {
			struct moat_ipc_hello_reply r = { .version = version,
							  .max_inflight = (uint16_t)max_inflight,
							  .max_message = MOAT_IPC_MAX_MESSAGE };
			must(moat_ipc_hello_reply_encode(&b, h.request_id, &r));
			*helloed = true;
		}
		/* HELLO replies are never held: only signatures are slow. */
		if (send(fd, b.data, b.len, MSG_NOSIGNAL) < 0)
			return false;
		return true;
	} else if (!*helloed) {
		must(moat_ipc_encode_status(&b, h.opcode, h.request_id, MOAT_IPC_NEED_HELLO));
	} else if (!moat_ipc_opcode_allowed(h.opcode, MOAT_IPC_DATA_SOCKET)) {
		must(moat_ipc_encode_status(&b, h.opcode, h.request_id, MOAT_IPC_NOT_PERMITTED));
	} else if (h.opcode == MOAT_IPC_SIGN) {
		answer_sign(h.request_id, body, &b);
	} else if (h.opcode == MOAT_IPC_RSA_DECRYPT) {
		answer_decrypt(h.request_id, body, &b);
	} else if (h.opcode == MOAT_IPC_TICKET_SEAL || h.opcode == MOAT_IPC_TICKET_OPEN) {
		answer_ticket(h.opcode, h.request_id, body, &b);
	} else if (h.opcode == MOAT_IPC_PING) {
		struct moat_cursor payload;
		if (moat_ipc_ping_decode(body, &payload, &st) < 0)
			must(moat_ipc_encode_status(&b, h.opcode, h.request_id, st));
		else
			must(moat_ipc_ping_reply_encode(&b, h.request_id, moat_cursor_data(&payload),
							 moat_cursor_remaining(&payload)));
	} else {
		must(moat_ipc_encode_status(&b, h.opcode, h.request_id, MOAT_IPC_NOT_PERMITTED));
	}
	moat_error_clear();
	if (b.len > 0)
		send_pkt(fd, b.data, b.len);
	return true;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	int ch;
	while ((ch = getopt(argc, argv, "s:k:bw:i:rT")) != -1) {
		switch (ch) {
		case 's':
			path = optarg;
			break;
		case 'k':
			if (load_key(optarg) < 0)
				return 1;
			break;
		case 'b':
			busy = true;
			break;
		case 'w':
			delay_ms = (unsigned)atoi(optarg);
			break;
		case 'i':
			max_inflight = (unsigned)atoi(optarg);
			break;
		case 'r':
			refuse_decrypt = true;
			break;
		case 'T':
			tickets_off = true;
			break;
		default:
			fprintf(stderr, "usage: fake_keyd -s SOCKET -k KEY [-k KEY...] [-b] [-w MS] [-i N] [-r] [-T]\n");
			return 2;
		}
	}
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (path == NULL || strlen(path) >= sizeof(sun.sun_path) || max_inflight < 1 || max_inflight > 65535) {
		fprintf(stderr, "fake_keyd: bad arguments\n");
		return 2;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	void *secret = NULL;
	if (moat_secmem_alloc(MOAT_TICKET_SECRET_LEN, &secret) < 0 ||
	    moat_random_bytes(secret, MOAT_TICKET_SECRET_LEN) < 0 ||
	    moat_random_bytes(ticket_name, sizeof(ticket_name)) < 0) {
		fprintf(stderr, "fake_keyd: no ticket key\n");
		return 1;
	}
	ticket_secret = secret;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	int lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	unlink(path);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(lfd, 16) < 0) {
		fprintf(stderr, "fake_keyd: %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);

	struct pollfd pfd[MAX_CLIENTS + 1];
	bool helloed[MAX_CLIENTS + 1];
	size_t n = 1;
	pfd[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
	while (!stop) {
		int timeout = -1;
		if (held_count > 0)
			timeout = 5;
		int r = poll(pfd, n, timeout);
		release_held(false);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if ((pfd[0].revents & POLLIN) && n < MAX_CLIENTS + 1) {
			int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (cfd >= 0) {
				pfd[n] = (struct pollfd){ .fd = cfd, .events = POLLIN };
				helloed[n] = false;
				n++;
			}
		}
		for (size_t i = 1; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			uint8_t pkt[MOAT_IPC_MAX_MESSAGE + 1];
			ssize_t len = recv(pfd[i].fd, pkt, sizeof(pkt), MSG_DONTWAIT);
			if (len < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (len <= 0 || !handle(pfd[i].fd, pkt, (size_t)len, &helloed[i])) {
				forget_fd(pfd[i].fd);
				close(pfd[i].fd);
				pfd[i] = pfd[n - 1];
				helloed[i] = helloed[n - 1];
				n--;
				i--;
			}
		}
	}
	release_held(true);
	for (size_t i = 0; i < n; i++)
		close(pfd[i].fd);
	unlink(path);
	for (size_t i = 0; i < key_count; i++)
		moat_pkey_free(&keys[i].pkey);
	return 0;
}
