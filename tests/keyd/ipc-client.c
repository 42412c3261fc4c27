/*
 * ipc-client: a scriptable peer for the keyd tests. It speaks moat-ipc(7)
 * through the ipc codec when a test needs well-formed requests, and sends
 * raw bytes, truncated or oversize packets, floods and random garbage when
 * a test needs a misbehaving peer.
 *
 *	ipc-client -s SOCKET [-t TIMEOUT_MS] STEP...
 *
 * Steps run in order on one connection and print one line each:
 *	hello                       "hello ok version=1 max_inflight=N max_message=M" or "hello STATUS"
 *	hello-range MIN MAX         HELLO with that version range
 *	ping                        "ping ok" (payload echoed) or "ping STATUS"
 *	sign KEY SCHEME KIND [PUB]  a valid input of the kind's shape; "sign ok LEN", and
 *	                            "verified" when PUB (a DER SubjectPublicKeyInfo file) checks it;
 *	                            KIND 1 is a TLS 1.3 server CertificateVerify content, "client" the
 *	                            client one (sent as kind 1), 2 a TLS 1.2 ServerKeyExchange with a
 *	                            point on P-256, 3 one with ffdhe2048 ServerDHParams
 *	sign-out KEY SCHEME KIND PREFIX
 *	                            as sign, and writes the input to PREFIX.in and the signature to
 *	                            PREFIX.sig for another tool to verify: "sign ok LEN saved"
 *	sign-input KEY SCHEME KIND HEX
 *	decrypt KEY VERSION HEX     "decrypt ok HEX" or "decrypt STATUS"
 *	list | stats                "list ok N" / "stats ok N" or the status
 *	raw HEX                     send bytes; "raw reply opcode=0xNN id=N status=NAME", "raw closed" or "raw timeout"
 *	burst N KEY SCHEME          N SIGNs at once, then every reply: "burst ok=A busy=B other=C missing=D"
 *	concurrent N M KEY SCHEME   N more connections, M SIGNs each, interleaved: "concurrent ok=A failed=B"
 *	fair F N KEY SCHEME         two more connections: one keeps F SIGNs in flight (a flood), the other
 *	                            sends N SIGNs one after another; "fair n=N flood=A busy=B worst=W", W
 *	                            the most flood replies received between two replies of the other
 *	mixed N M KEY1 SCHEME1 PUB1 KEY2 SCHEME2 PUB2
 *	                            N more connections, M rounds; each round every connection has a SIGN
 *	                            with KEY1, a PING and a SIGN with KEY2 in flight at once, answered in
 *	                            any order; every signature is verified with its PUB (DER file):
 *	                            "mixed ok=A failed=B unexpected=C missing=D"
 *	pipeline HEX[,HEX...]       send every packet at once, then print each reply as raw does,
 *	                            until "pipeline closed" or "pipeline timeout"
 *	fuzz N SEED                 N random packets, reconnecting when dropped:
 *	                            "fuzz sent=N answerable=A replies=R drops=D unexpected=U"
 *	stall N KEY SCHEME          N SIGNs, never read; print "stalling" and sleep until killed
 *	seal HEX FILE               TICKET_SEAL of the state HEX; the ticket goes to FILE: "seal ok LEN"
 *	open-early FILE             TICKET_OPEN for 0-RTT: "open-early ok reissue=R early=E"
 *	open FILE [N]               TICKET_OPEN of the ticket in FILE (with byte N flipped):
 *	                            "open ok reissue=0|1 HEX" or "open STATUS"
 *	expect-close                "closed" if keyd closes the connection within the timeout, else "open"
 *	sleep MS
 * KEY is 64 hex digits; SCHEME a name (rsa_pss_rsae_sha256) or a number.
 * Exit status 0 unless the tool itself failed (bad step, cannot connect).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/clock.h"
#include "ipc/ipc.h"
#include "keyd/names.h"
#include "tls/crypto/kex.h"
#include "tls/crypto/sig.h"
#include "tls/crypto/signed_content.h"

#define MAX_PKT (MOAT_IPC_MAX_MESSAGE + 1024)

static const char *sock_path;
static int timeout_ms = 3000;
static uint32_t next_id = 1;

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("ipc-client: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static int connect_keyd(void)
{
	struct sockaddr_un sun;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(sock_path) >= sizeof(sun.sun_path))
		die("socket path too long");
	memcpy(sun.sun_path, sock_path, strlen(sock_path) + 1);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
		die("connect %s: %s", sock_path, strerror(errno));
	return fd;
}

static void set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);
	(void)fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

/* ---- parsing arguments ---- */

static size_t parse_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex);
	if (n % 2 != 0 || n / 2 > cap)
		die("bad hex (odd length or too long): %.40s", hex);
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			die("bad hex: %.40s", hex);
		out[i] = (uint8_t)v;
	}
	return n / 2;
}

static void parse_key(const char *hex, uint8_t id[MOAT_IPC_KEY_ID_LEN])
{
	if (parse_hex(hex, id, MOAT_IPC_KEY_ID_LEN) != MOAT_IPC_KEY_ID_LEN)
		die("a key id is 64 hex digits");
}

static uint16_t parse_scheme(const char *s)
{
	size_t at = 0;
	for (uint16_t scheme; (scheme = keyd_ipc_scheme_at(&at)) != 0;)
		if (strcmp(keyd_scheme_name(scheme), s) == 0)
			return scheme;
	char *end;
	unsigned long v = strtoul(s, &end, 0);
	if (*end != '\0' || v > 0xffff)
		die("unknown scheme %s", s);
	return (uint16_t)v;
}

static unsigned long parse_num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);
	if (*s == '\0' || *end != '\0')
		die("not a number: %s", s);
	return v;
}

/* ---- packets ---- */

static void send_all(int fd, const void *data, size_t len)
{
	ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
	if (n < 0 || (size_t)n != len)
		die("send: %s", n < 0 ? strerror(errno) : "short");
}

/* Receive one packet within the timeout: its length, 0 if keyd closed, -1 on timeout. */
static ssize_t recv_packet(int fd, uint8_t *buf, size_t cap, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r;
	while ((r = poll(&pfd, 1, ms)) < 0 && errno == EINTR)
		;
	if (r <= 0)
		return -1;
	ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT);
	if (n < 0 && (errno == ECONNRESET || errno == EPIPE))
		return 0;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return -1;
	if (n < 0)
		die("recv: %s", strerror(errno));
	return n;
}

/* Print keyd's next reply as "<what> reply opcode=.. id=.. status=..", or "<what> closed|timeout"; false if none came. */
static bool print_next_reply(int fd, const char *what)
{
	uint8_t buf[MAX_PKT];
	ssize_t got = recv_packet(fd, buf, sizeof(buf), timeout_ms);
	if (got <= 0) {
		printf("%s %s\n", what, got == 0 ? "closed" : "timeout");
		return false;
	}
	struct moat_ipc_header h;
	struct moat_cursor body;
	if (moat_ipc_header_decode(buf, (size_t)got, &h, &body) != MOAT_SUCCESS)
		die("keyd's reply does not frame");
	printf("%s reply opcode=0x%02x id=%u status=%s\n", what, h.opcode, (unsigned)h.request_id,
	       moat_ipc_status_name(h.status));
	return true;
}

struct reply {
	struct moat_ipc_header h;
	struct moat_cursor body;
	uint8_t pkt[MAX_PKT];
	size_t len;
};

/* The reply to (opcode, id): 1, 0 if closed, -1 on timeout. Replies to other ids are skipped. */
static int await_reply(int fd, uint8_t opcode, uint32_t id, struct reply *r)
{
	uint64_t deadline = moat_clock_monotonic_ns() + (uint64_t)timeout_ms * MOAT_NS_PER_MS;
	for (;;) {
		uint64_t now = moat_clock_monotonic_ns();
		if (now >= deadline)
			return -1;
		ssize_t n = recv_packet(fd, r->pkt, sizeof(r->pkt), (int)((deadline - now) / MOAT_NS_PER_MS) + 1);
		if (n <= 0)
			return (int)n;
		r->len = (size_t)n;
		if (moat_ipc_header_decode(r->pkt, r->len, &r->h, &r->body) != MOAT_SUCCESS)
			die("keyd sent a packet that does not frame (%zu bytes)", r->len);
		if (moat_ipc_reply_check(&r->h, &r->body, opcode) != MOAT_SUCCESS)
			die("keyd sent a bad reply to %s (opcode 0x%02x status %u)", moat_ipc_opcode_name(opcode),
			    r->h.opcode, r->h.status);
		if (r->h.request_id == id)
			return 1;
	}
}

typedef int (*encoder)(struct moat_buf *b, uint32_t id, const void *arg);

/* Send one request, wait for its reply; print "NAME STATUS" and return false unless it is OK. */
static bool transact(int fd, const char *name, uint8_t opcode, encoder enc, const void *arg, struct reply *r)
{
	uint8_t mem[MOAT_IPC_MAX_MESSAGE];
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	uint32_t id = next_id++;
	if (enc(&b, id, arg) != MOAT_SUCCESS)
		die("cannot encode %s", name);
	ssize_t n = send(fd, b.data, b.len, MSG_NOSIGNAL);
	if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
		printf("%s closed\n", name);
		return false;
	}
	if (n < 0 || (size_t)n != b.len)
		die("send: %s", n < 0 ? strerror(errno) : "short");
	int got = await_reply(fd, opcode, id, r);
	if (got <= 0) {
		printf("%s %s\n", name, got == 0 ? "closed" : "timeout");
		return false;
	}
	if (r->h.status != MOAT_IPC_OK) {
		printf("%s %s\n", name, moat_ipc_status_name(r->h.status));
		return false;
	}
	return true;
}

/* ---- requests ---- */

struct hello_arg {
	uint8_t min, max;
};

static int enc_hello(struct moat_buf *b, uint32_t id, const void *arg)
{
	const struct hello_arg *a = arg;
	const struct moat_ipc_hello h = { a->min, a->max };
	if (a->min >= 1 && a->min <= a->max)
		return moat_ipc_hello_encode(b, id, &h);
	/* The codec will not encode a bad range; keyd must still see one. */
	TRY(moat_ipc_begin(b, MOAT_IPC_HELLO, MOAT_IPC_OK, id));
	TRY(moat_buf_put_u8(b, a->min));
	TRY(moat_buf_put_u8(b, a->max));
	TRY(moat_buf_put_u16(b, 0));
	return moat_ipc_end(b);
}

static int enc_ping(struct moat_buf *b, uint32_t id, const void *arg)
{
	(void)arg;
	return moat_ipc_ping_encode(b, id, (const uint8_t *)"moat", 4);
}

static int enc_list(struct moat_buf *b, uint32_t id, const void *arg)
{
	(void)arg;
	return moat_ipc_list_keys_encode(b, id);
}

static int enc_stats(struct moat_buf *b, uint32_t id, const void *arg)
{
	(void)arg;
	return moat_ipc_stats_encode(b, id);
}

struct sign_arg {
	uint8_t key[MOAT_IPC_KEY_ID_LEN];
	uint16_t scheme;
	uint8_t kind;
	uint8_t input[MOAT_IPC_SIGN_INPUT_MAX];
	size_t len;
};

static int enc_sign(struct moat_buf *b, uint32_t id, const void *arg)
{
	const struct sign_arg *a = arg;
	/* The codec refuses to encode a wrong shape; write those by hand so keyd sees them. */
	if (moat_ipc_check_sign_input(a->kind, a->scheme, a->input, a->len, NULL) == MOAT_SUCCESS)
		return moat_ipc_sign_encode(b, id, a->key, a->scheme, a->kind, a->input, a->len);
	TRY(moat_ipc_begin(b, MOAT_IPC_SIGN, MOAT_IPC_OK, id));
	TRY(moat_buf_put_bytes(b, a->key, sizeof(a->key)));
	TRY(moat_buf_put_u16(b, a->scheme));
	TRY(moat_buf_put_u8(b, a->kind));
	TRY(moat_buf_put_prefixed(b, 2, a->input, a->len));
	return moat_ipc_end(b);
}

struct decrypt_arg {
	uint8_t key[MOAT_IPC_KEY_ID_LEN];
	uint16_t version;
	uint8_t ct[MOAT_IPC_CIPHERTEXT_MAX];
	size_t len;
};

static int enc_decrypt(struct moat_buf *b, uint32_t id, const void *arg)
{
	const struct decrypt_arg *a = arg;
	if ((a->version >> 8) == 3 && a->len >= 1 && a->len <= MOAT_IPC_CIPHERTEXT_MAX)
		return moat_ipc_rsa_decrypt_encode(b, id, a->key, a->version, a->ct, a->len);
	TRY(moat_ipc_begin(b, MOAT_IPC_RSA_DECRYPT, MOAT_IPC_OK, id));
	TRY(moat_buf_put_bytes(b, a->key, sizeof(a->key)));
	TRY(moat_buf_put_u16(b, a->version));
	TRY(moat_buf_put_prefixed(b, 2, a->ct, a->len));
	return moat_ipc_end(b);
}

/* The P-256 base point, SEC 2 §2.4.2, uncompressed: a point keyd's curve check accepts. */
static const uint8_t p256_generator[65] = {
	0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2,
	0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96,
	0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16,
	0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
};

/* A valid input of the kind's shape (moat-ipc(7) "SIGN INPUT SHAPE"); client: the client context. */
static void sign_input(struct sign_arg *a, bool client)
{
	size_t n = 0;
	if (a->kind == MOAT_IPC_SIGN_TLS12_SKE_DHE) {
		/* RFC 7919 ffdhe2048 with a fresh public value, as the handshake would build it. */
		uint8_t cr[MOAT_RANDOM_LEN], sr[MOAT_RANDOM_LEN], ys[MOAT_KEX_MAX_SHARE_LEN];
		struct moat_kex k;
		size_t ys_len = 0;
		struct moat_buf b;
		memset(cr, 0x11, sizeof(cr));
		memset(sr, 0x22, sizeof(sr));
		moat_buf_init_fixed(&b, a->input, sizeof(a->input));
		if (moat_kex_generate(&k, MOAT_GROUP_FFDHE2048, ys, &ys_len) != MOAT_SUCCESS ||
		    moat_ske_dh_content_build(cr, sr, MOAT_GROUP_FFDHE2048, ys, ys_len, &b) != MOAT_SUCCESS)
			die("cannot build ServerDHParams");
		moat_kex_free(&k);
		a->len = b.len;
		return;
	}
	if (a->kind == MOAT_IPC_SIGN_TLS12_SKE) {
		for (; n < 64; n++)
			a->input[n] = (uint8_t)(n * 3);
		a->input[n++] = 3;    /* named_curve */
		a->input[n++] = 0x00; /* secp256r1 */
		a->input[n++] = 0x17;
		a->input[n++] = 65;
		memcpy(a->input + n, p256_generator, sizeof(p256_generator));
		n += sizeof(p256_generator);
	} else {
		const char *ctx = client ? "TLS 1.3, client CertificateVerify" : "TLS 1.3, server CertificateVerify";
		memset(a->input, 0x20, 64);
		n = 64;
		memcpy(a->input + n, ctx, strlen(ctx) + 1); /* with its NUL separator */
		n += strlen(ctx) + 1;
		for (int i = 0; i < 32; i++)
			a->input[n++] = (uint8_t)(0xa0 + i);
	}
	a->len = n;
}

static void read_file(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	*len = fread(buf, 1, cap, f);
	fclose(f);
}

static void write_file(const char *prefix, const char *ext, const uint8_t *data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s.%s", prefix, ext);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		die("%s: cannot write", path);
}

static void step_sign(int fd, struct sign_arg *a, const char *pub_path, const char *out_prefix)
{
	struct reply r;
	if (!transact(fd, "sign", MOAT_IPC_SIGN, enc_sign, a, &r))
		return;
	struct moat_cursor sig;
	if (moat_ipc_sign_reply_decode(r.body, &sig, NULL) != MOAT_SUCCESS)
		die("malformed SIGN reply");
	printf("sign ok %zu", moat_cursor_remaining(&sig));
	if (out_prefix != NULL) {
		write_file(out_prefix, "in", a->input, a->len);
		write_file(out_prefix, "sig", moat_cursor_data(&sig), moat_cursor_remaining(&sig));
		printf(" saved");
	}
	if (pub_path != NULL) {
		uint8_t der[4096];
		size_t der_len;
		struct moat_pkey pub;
		read_file(pub_path, der, sizeof(der), &der_len);
		if (moat_pkey_from_public_der(&pub, der, der_len) != MOAT_SUCCESS)
			die("%s is not a DER public key", pub_path);
		bool ok = moat_sig_verify(&pub, a->scheme, a->input, a->len, moat_cursor_data(&sig),
					  moat_cursor_remaining(&sig)) == MOAT_SUCCESS;
		moat_pkey_free(&pub);
		printf(" %s", ok ? "verified" : "BAD-SIGNATURE");
	}
	printf("\n");
}

static void step_decrypt(int fd, const struct decrypt_arg *a)
{
	struct reply r;
	if (!transact(fd, "decrypt", MOAT_IPC_RSA_DECRYPT, enc_decrypt, a, &r))
		return;
	struct moat_cursor pm;
	if (moat_ipc_rsa_decrypt_reply_decode(r.body, &pm, NULL) != MOAT_SUCCESS)
		die("malformed RSA_DECRYPT reply");
	char hex[2 * MOAT_IPC_PREMASTER_LEN + 1];
	keyd_hex(hex, moat_cursor_data(&pm), moat_cursor_remaining(&pm));
	printf("decrypt ok %s\n", hex);
}

static void step_hello(int fd, uint8_t min, uint8_t max)
{
	struct reply r;
	const struct hello_arg a = { min, max };
	if (!transact(fd, "hello", MOAT_IPC_HELLO, enc_hello, &a, &r))
		return;
	struct moat_ipc_hello_reply h;
	if (moat_ipc_hello_reply_decode(r.body, &h, NULL) != MOAT_SUCCESS)
		die("malformed HELLO reply");
	printf("hello ok version=%u max_inflight=%u max_message=%u\n", h.version, h.max_inflight, h.max_message);
}

static void step_raw(int fd, const char *hex)
{
	static uint8_t pkt[MAX_PKT];
	size_t len = parse_hex(hex, pkt, sizeof(pkt));
	ssize_t n = send(fd, pkt, len, MSG_NOSIGNAL);
	if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
		printf("raw closed\n");
		return;
	}
	if (n < 0)
		die("send: %s", strerror(errno));
	(void)print_next_reply(fd, "raw");
}

/* ---- tickets ---- */

struct bytes_arg {
	uint8_t data[MOAT_IPC_TICKET_MAX];
	size_t len;
};

static int enc_seal(struct moat_buf *b, uint32_t id, const void *arg)
{
	const struct bytes_arg *a = arg;
	return moat_ipc_ticket_seal_encode(b, id, a->data, a->len);
}

static int enc_open(struct moat_buf *b, uint32_t id, const void *arg)
{
	const struct bytes_arg *a = arg;
	return moat_ipc_ticket_open_encode(b, id, a->data, a->len);
}

static int enc_open_early(struct moat_buf *b, uint32_t id, const void *arg)
{
	const struct bytes_arg *a = arg;
	return moat_ipc_ticket_open_flags_encode(b, id, MOAT_IPC_TICKET_FOR_EARLY_DATA, a->data, a->len);
}

/* TICKET_OPEN asking for 0-RTT: whether keyd's single-use record allowed it. */
static void step_open_early(int fd, const char *path)
{
	static struct bytes_arg a;
	struct reply r;
	struct moat_cursor state;
	uint8_t flags = 0;
	read_file(path, a.data, sizeof(a.data), &a.len);
	if (!transact(fd, "open-early", MOAT_IPC_TICKET_OPEN, enc_open_early, &a, &r))
		return;
	if (moat_ipc_ticket_open_reply_decode(r.body, &flags, &state, NULL) != MOAT_SUCCESS)
		die("malformed TICKET_OPEN reply");
	printf("open-early ok reissue=%d early=%d\n", (flags & MOAT_IPC_TICKET_REISSUE) != 0,
	       (flags & MOAT_IPC_TICKET_EARLY_DATA_OK) != 0);
}

static void step_seal(int fd, const char *hex, const char *path)
{
	static struct bytes_arg a;
	struct reply r;
	struct moat_cursor ticket;
	a.len = parse_hex(hex, a.data, MOAT_IPC_TICKET_STATE_MAX);
	if (!transact(fd, "seal", MOAT_IPC_TICKET_SEAL, enc_seal, &a, &r))
		return;
	if (moat_ipc_ticket_seal_reply_decode(r.body, &ticket, NULL) != MOAT_SUCCESS)
		die("malformed TICKET_SEAL reply");
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(moat_cursor_data(&ticket), 1, moat_cursor_remaining(&ticket), f) !=
				 moat_cursor_remaining(&ticket) || fclose(f) != 0)
		die("cannot write %s", path);
	printf("seal ok %zu\n", moat_cursor_remaining(&ticket));
}

static void step_open(int fd, const char *path, long flip)
{
	static struct bytes_arg a;
	struct reply r;
	struct moat_cursor state;
	uint8_t flags = 0;
	read_file(path, a.data, sizeof(a.data), &a.len);
	if (flip >= 0) {
		if ((size_t)flip >= a.len)
			die("open: byte %ld is past the ticket's %zu bytes", flip, a.len);
		a.data[flip] ^= 0x01;
	}
	if (!transact(fd, "open", MOAT_IPC_TICKET_OPEN, enc_open, &a, &r))
		return;
	if (moat_ipc_ticket_open_reply_decode(r.body, &flags, &state, NULL) != MOAT_SUCCESS)
		die("malformed TICKET_OPEN reply");
	char hex[2 * MOAT_IPC_TICKET_STATE_MAX + 1];
	keyd_hex(hex, moat_cursor_data(&state), moat_cursor_remaining(&state));
	printf("open ok reissue=%d %s\n", (flags & MOAT_IPC_TICKET_REISSUE) != 0, hex);
}

/* ---- floods ---- */

/* Send without blocking forever: while keyd's side is full, read (and count) its replies. */
static bool send_draining(int fd, const uint8_t *data, size_t len, size_t *replies)
{
	uint8_t buf[MAX_PKT];
	for (;;) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n >= 0)
			return true;
		if (errno == EPIPE || errno == ECONNRESET)
			return false;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS)
			die("send: %s", strerror(errno));
		struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
		if (poll(&pfd, 1, timeout_ms) <= 0)
			die("keyd neither reads nor answers");
		if (pfd.revents & POLLIN) {
			ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (r == 0)
				return false;
			if (r > 0)
				(*replies)++;
		}
		if (pfd.revents & (POLLHUP | POLLERR))
			return false;
	}
}

static void step_burst(int fd, unsigned long n, struct sign_arg *a)
{
	unsigned ok = 0, busy = 0, other = 0;
	uint8_t mem[MOAT_IPC_MAX_MESSAGE];
	uint32_t first = next_id;
	/* Queue every request before reading anything, so keyd sees them all at once. */
	for (unsigned long i = 0; i < n; i++) {
		struct moat_buf b;
		moat_buf_init_fixed(&b, mem, sizeof(mem));
		if (enc_sign(&b, next_id++, a) != MOAT_SUCCESS)
			die("cannot encode SIGN");
		send_all(fd, b.data, b.len);
	}
	unsigned long seen = 0;
	struct reply r;
	while (seen < n) {
		ssize_t got = recv_packet(fd, r.pkt, sizeof(r.pkt), timeout_ms);
		if (got <= 0)
			break;
		if (moat_ipc_header_decode(r.pkt, (size_t)got, &r.h, &r.body) != MOAT_SUCCESS ||
		    moat_ipc_reply_check(&r.h, &r.body, MOAT_IPC_SIGN) != MOAT_SUCCESS ||
		    r.h.request_id < first || r.h.request_id >= first + n)
			die("bad reply in a burst");
		seen++;
		if (r.h.status == MOAT_IPC_OK)
			ok++;
		else if (r.h.status == MOAT_IPC_BUSY)
			busy++;
		else
			other++;
	}
	printf("burst ok=%u busy=%u other=%u missing=%lu\n", ok, busy, other, n - seen);
}

static void send_sign(int fd, const struct sign_arg *a)
{
	uint8_t mem[MOAT_IPC_MAX_MESSAGE];
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	if (enc_sign(&b, next_id++, a) != MOAT_SUCCESS)
		die("cannot encode SIGN");
	send_all(fd, b.data, b.len);
}

/* One SIGN reply from fd (within the timeout): its status. */
static moat_ipc_status recv_sign(int fd, struct reply *r)
{
	ssize_t n = recv_packet(fd, r->pkt, sizeof(r->pkt), timeout_ms);
	if (n <= 0)
		die("fair: %s", n == 0 ? "keyd closed a connection" : "no reply within the timeout");
	if (moat_ipc_header_decode(r->pkt, (size_t)n, &r->h, &r->body) != MOAT_SUCCESS ||
	    moat_ipc_reply_check(&r->h, &r->body, MOAT_IPC_SIGN) != MOAT_SUCCESS)
		die("fair: bad reply");
	return r->h.status;
}

/*
 * A flood and a steady peer on keyd at once: how many of the flood's
 * replies come between two of the steady peer's tells whether the steady
 * one waits behind the flood's queue (keyd/workers.h, fairness). Counted,
 * not timed. When both have a reply waiting, the steady peer's is read
 * first: the flood's are then counted towards the next gap.
 */
static void step_fair(unsigned long flood, unsigned long n, const struct sign_arg *a)
{
	struct reply r;
	const struct hello_arg h = { 1, 1 };
	int fa = connect_keyd(), fb = connect_keyd();
	if (!transact(fa, "hello", MOAT_IPC_HELLO, enc_hello, &h, &r) ||
	    !transact(fb, "hello", MOAT_IPC_HELLO, enc_hello, &h, &r))
		die("fair: HELLO failed");
	for (unsigned long i = 0; i < flood; i++)
		send_sign(fa, a);
	send_sign(fb, a);
	unsigned long b_done = 0, a_done = 0, a_busy = 0, gap = 0, worst = 0, a_out = flood;
	while (b_done < n) {
		struct pollfd pfd[2] = { { .fd = fb, .events = POLLIN }, { .fd = fa, .events = POLLIN } };
		int pr = poll(pfd, 2, timeout_ms);
		if (pr <= 0)
			die("fair: no reply within the timeout");
		if (pfd[0].revents != 0) {
			if (recv_sign(fb, &r) != MOAT_IPC_OK)
				die("fair: the steady peer's SIGN failed: %s", moat_ipc_status_name(r.h.status));
			b_done++;
			if (gap > worst)
				worst = gap;
			gap = 0;
			if (b_done < n)
				send_sign(fb, a);
			continue;
		}
		if (pfd[1].revents != 0) {
			if (recv_sign(fa, &r) == MOAT_IPC_BUSY)
				a_busy++;
			a_done++;
			gap++;
			send_sign(fa, a); /* the flood never lets up */
		}
	}
	while (a_out-- > 0)
		(void)recv_sign(fa, &r);
	close(fa);
	close(fb);
	printf("fair n=%lu flood=%lu busy=%lu worst=%lu\n", b_done, a_done, a_busy, worst);
}

static void step_concurrent(unsigned long nconn, unsigned long m, struct sign_arg *a)
{
	int *fds = calloc(nconn, sizeof(int));
	if (fds == NULL)
		die("out of memory");
	struct reply r;
	const struct hello_arg h = { 1, 1 };
	for (unsigned long i = 0; i < nconn; i++) {
		fds[i] = connect_keyd();
		if (!transact(fds[i], "hello", MOAT_IPC_HELLO, enc_hello, &h, &r))
			die("HELLO failed on connection %lu", i);
	}
	unsigned ok = 0, failed = 0;
	uint8_t mem[MOAT_IPC_MAX_MESSAGE];
	for (unsigned long round = 0; round < m; round++) {
		uint32_t base = next_id;
		for (unsigned long i = 0; i < nconn; i++) {
			struct moat_buf b;
			moat_buf_init_fixed(&b, mem, sizeof(mem));
			if (enc_sign(&b, base + (uint32_t)i, a) != MOAT_SUCCESS)
				die("cannot encode SIGN");
			send_all(fds[i], b.data, b.len);
		}
		next_id += (uint32_t)nconn;
		for (unsigned long i = 0; i < nconn; i++) {
			if (await_reply(fds[i], MOAT_IPC_SIGN, base + (uint32_t)i, &r) == 1 && r.h.status == MOAT_IPC_OK)
				ok++;
			else
				failed++;
		}
	}
	for (unsigned long i = 0; i < nconn; i++)
		close(fds[i]);
	free(fds);
	printf("concurrent ok=%u failed=%u\n", ok, failed);
}

static void load_pub(const char *path, struct moat_pkey *pub)
{
	uint8_t der[4096];
	size_t der_len;
	read_file(path, der, sizeof(der), &der_len);
	if (moat_pkey_from_public_der(pub, der, der_len) != MOAT_SUCCESS)
		die("%s is not a DER public key", path);
}

static void send_request(int fd, encoder enc, uint32_t id, const void *arg)
{
	uint8_t mem[MOAT_IPC_MAX_MESSAGE];
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	if (enc(&b, id, arg) != MOAT_SUCCESS)
		die("cannot encode a request");
	send_all(fd, b.data, b.len);
}

/*
 * The loop signs some operations itself and hands others to its threads, so
 * replies come back in any order: each must come exactly once, to its own
 * connection, with its own id, and be right.
 */
static void step_mixed(unsigned long nconn, unsigned long rounds, struct sign_arg a[2], const char *pub_path[2])
{
	struct moat_pkey pub[2];
	load_pub(pub_path[0], &pub[0]);
	load_pub(pub_path[1], &pub[1]);
	int *fds = calloc(nconn, sizeof(int));
	if (fds == NULL)
		die("out of memory");
	struct reply r;
	const struct hello_arg h = { 1, 1 };
	for (unsigned long i = 0; i < nconn; i++) {
		fds[i] = connect_keyd();
		if (!transact(fds[i], "hello", MOAT_IPC_HELLO, enc_hello, &h, &r))
			die("HELLO failed on connection %lu", i);
	}
	unsigned ok = 0, failed = 0, unexpected = 0, missing = 0;
	for (unsigned long round = 0; round < rounds; round++) {
		uint32_t base = next_id;
		/* Per connection: base + 3i is key 1, + 1 the PING, + 2 key 2. */
		for (unsigned long i = 0; i < nconn; i++) {
			uint32_t id = base + 3 * (uint32_t)i;
			send_request(fds[i], enc_sign, id, &a[0]);
			send_request(fds[i], enc_ping, id + 1, NULL);
			send_request(fds[i], enc_sign, id + 2, &a[1]);
		}
		next_id += 3 * (uint32_t)nconn;
		for (unsigned long i = 0; i < nconn; i++) {
			uint32_t id = base + 3 * (uint32_t)i;
			bool seen[3] = { false, false, false };
			for (int got = 0; got < 3; got++) {
				ssize_t n = recv_packet(fds[i], r.pkt, sizeof(r.pkt), timeout_ms);
				if (n <= 0) {
					missing += 3 - (unsigned)got;
					break;
				}
				if (moat_ipc_header_decode(r.pkt, (size_t)n, &r.h, &r.body) != MOAT_SUCCESS)
					die("keyd sent a packet that does not frame");
				uint32_t k = r.h.request_id - id;
				if (r.h.request_id < id || k > 2 || seen[k] ||
				    moat_ipc_reply_check(&r.h, &r.body, k == 1 ? MOAT_IPC_PING : MOAT_IPC_SIGN) != MOAT_SUCCESS) {
					unexpected++;
					continue;
				}
				seen[k] = true;
				struct moat_cursor c;
				bool right;
				if (k == 1) {
					right = r.h.status == MOAT_IPC_OK &&
						moat_ipc_ping_reply_decode(r.body, &c, NULL) == MOAT_SUCCESS &&
						moat_cursor_remaining(&c) == 4 && memcmp(moat_cursor_data(&c), "moat", 4) == 0;
				} else {
					const struct sign_arg *sa = &a[k / 2];
					right = r.h.status == MOAT_IPC_OK &&
						moat_ipc_sign_reply_decode(r.body, &c, NULL) == MOAT_SUCCESS &&
						moat_sig_verify(&pub[k / 2], sa->scheme, sa->input, sa->len, moat_cursor_data(&c),
								moat_cursor_remaining(&c)) == MOAT_SUCCESS;
				}
				if (right)
					ok++;
				else
					failed++;
			}
		}
	}
	for (unsigned long i = 0; i < nconn; i++)
		close(fds[i]);
	free(fds);
	moat_pkey_free(&pub[0]);
	moat_pkey_free(&pub[1]);
	printf("mixed ok=%u failed=%u unexpected=%u missing=%u\n", ok, failed, unexpected, missing);
}

static void step_pipeline(int fd, const char *list)
{
	static uint8_t pkt[MAX_PKT];
	char hex[2 * MAX_PKT + 1];
	for (const char *p = list; *p != '\0';) {
		size_t n = strcspn(p, ",");
		if (n >= sizeof(hex))
			die("pipeline packet too long");
		memcpy(hex, p, n);
		hex[n] = '\0';
		size_t len = parse_hex(hex, pkt, sizeof(pkt));
		if (send(fd, pkt, len, MSG_NOSIGNAL) < 0)
			die("send: %s", strerror(errno));
		p += n + (p[n] == ',');
	}
	while (print_next_reply(fd, "pipeline"))
		;
}

static uint64_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift64*: reproducible from the seed, which the test prints. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * UINT64_C(2685821657736338717)) >> 32);
}

/* One random packet: short junk, a well-framed header with a random body, a lying body_len, or an oversize one. */
static size_t random_packet(uint8_t *p, size_t cap)
{
	static const uint8_t opcodes[] = { 0x01, 0x02, 0x03, 0x04, 0x10, 0x11, 0x20, 0x81, 0x00, 0xff, 0x05 };
	uint32_t kind = rnd() % 10;
	size_t len;
	if (kind < 3) {
		len = 1 + rnd() % 40;
		for (size_t i = 0; i < len; i++)
			p[i] = (uint8_t)rnd();
		return len;
	}
	if (kind == 9) {
		len = MOAT_IPC_MAX_MESSAGE + 1 + rnd() % 512;
		if (len > cap)
			len = cap;
		for (size_t i = 0; i < len; i++)
			p[i] = (uint8_t)rnd();
		return len;
	}
	size_t body = rnd() % 300;
	len = MOAT_IPC_HEADER_LEN + body;
	p[0] = kind == 8 ? (uint8_t)rnd() : 1;
	p[1] = opcodes[rnd() % sizeof(opcodes)];
	p[2] = 0;
	p[3] = kind == 7 ? (uint8_t)rnd() : 0;
	uint32_t id = rnd();
	uint32_t blen = kind == 6 ? rnd() % 400 : (uint32_t)body;
	for (int i = 0; i < 4; i++) {
		p[4 + i] = (uint8_t)(id >> (24 - 8 * i));
		p[8 + i] = (uint8_t)(blen >> (24 - 8 * i));
	}
	for (size_t i = MOAT_IPC_HEADER_LEN; i < len; i++)
		p[i] = (uint8_t)rnd();
	return len;
}

static int reconnect_with_hello(void)
{
	struct reply r;
	const struct hello_arg h = { 1, 1 };
	int fd = connect_keyd();
	/* Half the time start without HELLO, so NEED_HELLO is exercised too. */
	if (rnd() % 2 == 0 && !transact(fd, "hello", MOAT_IPC_HELLO, enc_hello, &h, &r))
		die("HELLO failed after reconnecting");
	set_nonblock(fd, true);
	return fd;
}

/* Read replies until keyd closes the connection; false if it keeps it open past the timeout. */
static bool drain_until_closed(int fd, size_t *replies)
{
	uint8_t buf[MAX_PKT];
	ssize_t got;
	while ((got = recv_packet(fd, buf, sizeof(buf), timeout_ms)) > 0)
		(*replies)++;
	return got == 0;
}

/*
 * Every packet keyd can answer (8 bytes or more) must get exactly one reply
 * and every shorter one must cost the connection, so the counts must agree:
 * replies == answerable and drops == short packets, with nothing unexpected.
 */
static int step_fuzz(int fd, unsigned long n, unsigned long seed)
{
	static uint8_t pkt[MAX_PKT];
	size_t replies = 0, answerable = 0;
	unsigned drops = 0, unexpected = 0;
	rng_state = seed * 2654435761u + 1;
	set_nonblock(fd, true);
	for (unsigned long i = 0; i < n; i++) {
		size_t len = random_packet(pkt, sizeof(pkt));
		bool short_pkt = len < MOAT_IPC_ANSWERABLE_LEN;
		if (!short_pkt)
			answerable++;
		if (!send_draining(fd, pkt, len, &replies)) {
			unexpected++;
		} else if (short_pkt) {
			if (!drain_until_closed(fd, &replies))
				die("keyd kept a peer that sent a %zu-byte packet", len);
			drops++;
		} else {
			continue;
		}
		close(fd);
		fd = reconnect_with_hello();
	}
	/* Collect what is still coming. */
	uint8_t buf[MAX_PKT];
	while (replies < answerable && recv_packet(fd, buf, sizeof(buf), timeout_ms) > 0)
		replies++;
	set_nonblock(fd, false);
	printf("fuzz sent=%lu answerable=%zu replies=%zu drops=%u unexpected=%u\n", n, answerable, replies, drops,
	       unexpected);
	return fd;
}

static void step_stall(int fd, unsigned long n, struct sign_arg *a)
{
	uint8_t mem[MOAT_IPC_MAX_MESSAGE];
	set_nonblock(fd, true);
	unsigned long sent = 0;
	for (; sent < n; sent++) {
		struct moat_buf b;
		moat_buf_init_fixed(&b, mem, sizeof(mem));
		if (enc_sign(&b, next_id++, a) != MOAT_SUCCESS)
			die("cannot encode SIGN");
		if (send(fd, b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			break; /* keyd stopped reading us: exactly what this step is for */
	}
	printf("stalling after %lu requests\n", sent);
	fflush(stdout);
	for (;;)
		pause();
}

static void step_expect_close(int fd)
{
	uint8_t buf[MAX_PKT];
	uint64_t deadline = moat_clock_monotonic_ns() + (uint64_t)timeout_ms * MOAT_NS_PER_MS;
	for (;;) {
		uint64_t now = moat_clock_monotonic_ns();
		ssize_t got = now >= deadline ? -1
					      : recv_packet(fd, buf, sizeof(buf),
							    (int)((deadline - now) / MOAT_NS_PER_MS) + 1);
		if (got == 0) {
			printf("closed\n");
			return;
		}
		if (got < 0) {
			printf("open\n");
			return;
		}
	}
}

static void need(int argc, int i, int n, const char *step)
{
	if (i + n >= argc)
		die("%s needs %d argument%s", step, n, n == 1 ? "" : "s");
}

int main(int argc, char **argv)
{
	int opt;
	while ((opt = getopt(argc, argv, "s:t:")) != -1) {
		switch (opt) {
		case 's': sock_path = optarg; break;
		case 't': timeout_ms = (int)parse_num(optarg); break;
		default: die("usage: ipc-client -s SOCKET [-t MS] STEP...");
		}
	}
	if (sock_path == NULL)
		die("usage: ipc-client -s SOCKET [-t MS] STEP...");
	setvbuf(stdout, NULL, _IOLBF, 0);
	int fd = connect_keyd();
	struct reply r;
	for (int i = optind; i < argc; i++) {
		const char *step = argv[i];
		if (strcmp(step, "hello") == 0) {
			step_hello(fd, 1, 1);
		} else if (strcmp(step, "hello-range") == 0) {
			need(argc, i, 2, step);
			step_hello(fd, (uint8_t)parse_num(argv[i + 1]), (uint8_t)parse_num(argv[i + 2]));
			i += 2;
		} else if (strcmp(step, "ping") == 0) {
			if (transact(fd, "ping", MOAT_IPC_PING, enc_ping, NULL, &r)) {
				struct moat_cursor payload;
				bool same = moat_ipc_ping_reply_decode(r.body, &payload, NULL) == MOAT_SUCCESS &&
					    moat_cursor_remaining(&payload) == 4 &&
					    memcmp(moat_cursor_data(&payload), "moat", 4) == 0;
				printf("ping %s\n", same ? "ok" : "wrong-payload");
			}
		} else if (strcmp(step, "sign") == 0 || strcmp(step, "sign-input") == 0 || strcmp(step, "sign-out") == 0) {
			need(argc, i, 3, step);
			struct sign_arg a;
			memset(&a, 0, sizeof(a));
			parse_key(argv[i + 1], a.key);
			a.scheme = parse_scheme(argv[i + 2]);
			bool client = strcmp(argv[i + 3], "client") == 0;
			a.kind = client ? MOAT_IPC_SIGN_TLS13_CV : (uint8_t)parse_num(argv[i + 3]);
			const char *pub = NULL, *out = NULL;
			if (strcmp(step, "sign-input") == 0) {
				need(argc, i, 4, step);
				a.len = parse_hex(argv[i + 4], a.input, sizeof(a.input));
				i += 4;
			} else if (strcmp(step, "sign-out") == 0) {
				need(argc, i, 4, step);
				sign_input(&a, client);
				out = argv[i + 4];
				i += 4;
			} else {
				sign_input(&a, client);
				i += 3;
				if (i + 1 < argc && strchr(argv[i + 1], '/') != NULL)
					pub = argv[++i];
			}
			step_sign(fd, &a, pub, out);
		} else if (strcmp(step, "decrypt") == 0) {
			need(argc, i, 3, step);
			struct decrypt_arg a;
			parse_key(argv[i + 1], a.key);
			a.version = (uint16_t)parse_num(argv[i + 2]);
			a.len = parse_hex(argv[i + 3], a.ct, sizeof(a.ct));
			step_decrypt(fd, &a);
			i += 3;
		} else if (strcmp(step, "list") == 0 || strcmp(step, "stats") == 0) {
			bool list = step[0] == 'l';
			if (transact(fd, step, list ? MOAT_IPC_LIST_KEYS : MOAT_IPC_STATS, list ? enc_list : enc_stats,
				     NULL, &r)) {
				uint16_t count = 0;
				struct moat_cursor c = r.body;
				if (moat_cursor_get_u16(&c, &count) != MOAT_SUCCESS)
					die("malformed %s reply", step);
				printf("%s ok %u\n", step, count);
			}
		} else if (strcmp(step, "raw") == 0) {
			need(argc, i, 1, step);
			step_raw(fd, argv[++i]);
		} else if (strcmp(step, "burst") == 0 || strcmp(step, "stall") == 0) {
			need(argc, i, 3, step);
			struct sign_arg a;
			memset(&a, 0, sizeof(a));
			unsigned long n = parse_num(argv[i + 1]);
			parse_key(argv[i + 2], a.key);
			a.scheme = parse_scheme(argv[i + 3]);
			a.kind = MOAT_IPC_SIGN_TLS13_CV;
			sign_input(&a, false);
			i += 3;
			if (step[1] == 'u')
				step_burst(fd, n, &a);
			else
				step_stall(fd, n, &a);
		} else if (strcmp(step, "fair") == 0) {
			need(argc, i, 4, step);
			struct sign_arg a;
			memset(&a, 0, sizeof(a));
			unsigned long flood = parse_num(argv[i + 1]), n = parse_num(argv[i + 2]);
			parse_key(argv[i + 3], a.key);
			a.scheme = parse_scheme(argv[i + 4]);
			a.kind = MOAT_IPC_SIGN_TLS13_CV;
			sign_input(&a, false);
			i += 4;
			step_fair(flood, n, &a);
		} else if (strcmp(step, "concurrent") == 0) {
			need(argc, i, 4, step);
			struct sign_arg a;
			memset(&a, 0, sizeof(a));
			unsigned long n = parse_num(argv[i + 1]), m = parse_num(argv[i + 2]);
			parse_key(argv[i + 3], a.key);
			a.scheme = parse_scheme(argv[i + 4]);
			a.kind = MOAT_IPC_SIGN_TLS13_CV;
			sign_input(&a, false);
			i += 4;
			step_concurrent(n, m, &a);
		} else if (strcmp(step, "mixed") == 0) {
			need(argc, i, 8, step);
			struct sign_arg a[2];
			const char *pub[2];
			memset(a, 0, sizeof(a));
			unsigned long n = parse_num(argv[i + 1]), m = parse_num(argv[i + 2]);
			for (int k = 0; k < 2; k++) {
				parse_key(argv[i + 3 + 3 * k], a[k].key);
				a[k].scheme = parse_scheme(argv[i + 4 + 3 * k]);
				pub[k] = argv[i + 5 + 3 * k];
				a[k].kind = MOAT_IPC_SIGN_TLS13_CV;
				sign_input(&a[k], false);
			}
			i += 8;
			step_mixed(n, m, a, pub);
		} else if (strcmp(step, "pipeline") == 0) {
			need(argc, i, 1, step);
			step_pipeline(fd, argv[++i]);
		} else if (strcmp(step, "fuzz") == 0) {
			need(argc, i, 2, step);
			fd = step_fuzz(fd, parse_num(argv[i + 1]), parse_num(argv[i + 2]));
			i += 2;
		} else if (strcmp(step, "seal") == 0) {
			need(argc, i, 2, step);
			step_seal(fd, argv[i + 1], argv[i + 2]);
			i += 2;
		} else if (strcmp(step, "open") == 0) {
			need(argc, i, 1, step);
			long flip = -1;
			if (i + 2 < argc && strspn(argv[i + 2], "0123456789") == strlen(argv[i + 2]))
				flip = (long)parse_num(argv[i + 2]);
			step_open(fd, argv[i + 1], flip);
			i += flip >= 0 ? 2 : 1;
		} else if (strcmp(step, "open-early") == 0) {
			need(argc, i, 1, step);
			step_open_early(fd, argv[++i]);
		} else if (strcmp(step, "expect-close") == 0) {
			step_expect_close(fd);
		} else if (strcmp(step, "sleep") == 0) {
			need(argc, i, 1, step);
			struct timespec ts = { 0, 0 };
			unsigned long ms = parse_num(argv[++i]);
			ts.tv_sec = (time_t)(ms / 1000);
			ts.tv_nsec = (long)(ms % 1000) * 1000000L;
			nanosleep(&ts, NULL);
		} else {
			die("unknown step %s", step);
		}
	}
	close(fd);
	return 0;
}
