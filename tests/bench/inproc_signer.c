/*
 * The keyd client API (frontd/keyd_client.h) with the private keys inside
 * frontd: the in-process reference of the key-isolation benchmark (issue 5,
 * tests/bench/run). Linked into tests/bench/moat-frontd-inproc together with
 * frontd/main.c and frontd/libfrontd.a, it defines every keyd_client_*
 * function, so the linker never takes frontd/keyd_client.o from the archive
 * and the program is moat-frontd in every other respect: same config, same
 * policy, same event loop, same backend connection. The difference between
 * the two programs' CPU per handshake is then the price of the hop to keyd
 * (socket, wake-ups, keyd's threads, the request timers), and nothing else.
 *
 * Never build a product from this: the process that parses attacker bytes
 * holds the keys, which is exactly what moat exists to avoid.
 *
 * How a signature is made: the request is encoded as the real client encodes
 * it (moat_ipc_sign_encode), opened and checked as keyd opens it
 * (moat_ipc_request_open, keyd_op_prepare), signed by keyd's own code
 * (keyd_op_perform), and the reply is read back as the real client reads it
 * (moat_ipc_reply_check, moat_ipc_sign_reply_decode). Only the socket and the
 * threads are gone.
 *
 * The contract of keyd_client.h holds: done runs exactly once, later, from
 * the event loop, never inside keyd_client_sign or keyd_client_cancel.
 * Requests wait in a queue; one event, made active when the queue fills,
 * signs what was queued when it fired and calls each done. A request made
 * from a done callback waits for the next pass, as it would behind a socket.
 *
 * Keys: MOAT_BENCH_INPROC_KEYS=file1:file2 names PEM private keys, loaded by
 * keyd_key_from_pem when keyd_client_start runs. libcrypto's secure heap is
 * left uninitialised on purpose: it is keyd's hardening (a cost of isolation,
 * if any), and in frontd it would also take frontd's own x25519 keys.
 */
#include "frontd/keyd_client.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "common/log.h"
#include "common/secmem.h"
#include "ipc/ipc.h"
#include "keyd/keys.h"
#include "keyd/ops.h"

#define KEYS_ENV "MOAT_BENCH_INPROC_KEYS"
/* Requests pending at most, as many as the real client has slots (keyd_client.c): beyond, fail fast. */
#define MAX_PENDING 4096u
#define SIGN_PKT_MAX MOAT_IPC_MIN_MAX_MESSAGE

struct inproc_req {
	uint32_t id;
	uint8_t opcode; /* MOAT_IPC_SIGN or MOAT_IPC_RSA_DECRYPT */
	keyd_sign_done_fn done;
	void *arg;
	TAILQ_ENTRY(inproc_req) link;
	size_t pkt_len;
	uint8_t pkt[SIGN_PKT_MAX];
};

TAILQ_HEAD(inproc_queue, inproc_req);

struct keyd_client {
	struct event_base *base;
	bool started;
	struct keyd_keyset keys;
	struct event *ev_sign;
	struct inproc_queue queue; /* requests to sign, in order */
	struct inproc_queue spare; /* request records to reuse */
	size_t queued, allocated;
	uint32_t next_id; /* never 0: keyd_client.h keeps 0 for "none" */
	struct keyd_client_stats *stats; /* own_stats or the worker's metrics slot */
	struct keyd_client_stats own_stats;
	struct keyd_op op; /* keyd's job memory, reused and wiped after each request */
	uint8_t reply[KEYD_OP_REPLY_MAX];
};

/* ---- requests --------------------------------------------------------------- */

/*
 * In process nothing answers late, so a request id needs no generation: a
 * counter that skips 0 is enough, and cancel finds the id in the queue.
 */
static struct inproc_req *req_take(struct keyd_client *kc)
{
	struct inproc_req *r = TAILQ_FIRST(&kc->spare);
	if (r != NULL) {
		TAILQ_REMOVE(&kc->spare, r, link);
	} else {
		if (kc->allocated == MAX_PENDING || (r = calloc(1, sizeof(*r))) == NULL)
			return NULL;
		kc->allocated++;
	}
	if (++kc->next_id == 0)
		kc->next_id = 1;
	r->id = kc->next_id;
	r->done = NULL;
	r->arg = NULL;
	return r;
}

static void req_release(struct keyd_client *kc, struct inproc_req *r)
{
	r->done = NULL;
	r->arg = NULL;
	TAILQ_INSERT_HEAD(&kc->spare, r, link);
}

/* ---- signing ---------------------------------------------------------------- */

/* Take the request off the books, then tell its requester (the callback may sign again). */
static void finish(struct keyd_client *kc, struct inproc_req *r, enum keyd_result result, uint16_t status,
		   const uint8_t *sig, size_t sig_len)
{
	keyd_sign_done_fn done = r->done;
	void *arg = r->arg;
	req_release(kc, r);
	if (done != NULL)
		done(arg, result, status, sig, sig_len);
}

/* keyd's side (requests.c on_key_op, workers.c keyd_job_run): the whole reply packet into out. */
static int keyd_side(struct keyd_client *kc, const struct inproc_req *r, struct moat_buf *out)
{
	struct moat_ipc_header h;
	struct moat_cursor body;
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	bool answerable = false;
	int rc;
	if (moat_ipc_request_open(r->pkt, r->pkt_len, &h, &body, &st, &answerable) != MOAT_SUCCESS ||
	    keyd_op_prepare(&kc->keys, h.opcode, body, &kc->op, &st) != MOAT_SUCCESS) {
		moat_error_clear();
		rc = moat_ipc_encode_status(out, r->opcode, r->id, st);
	} else {
		rc = keyd_op_perform(&kc->op, h.request_id, out, &st);
	}
	keyd_op_wipe(&kc->op);
	return rc;
}

/* frontd's side (keyd_client.c sign_reply): read the reply and call done. */
static void sign_one(struct keyd_client *kc, struct inproc_req *r)
{
	struct moat_buf out;
	struct moat_ipc_header h;
	struct moat_cursor body, sig;
	moat_buf_init_fixed(&out, kc->reply, sizeof(kc->reply));
	if (keyd_side(kc, r, &out) != MOAT_SUCCESS || moat_ipc_header_decode(out.data, out.len, &h, &body) != MOAT_SUCCESS ||
	    moat_ipc_reply_check(&h, &body, r->opcode) != MOAT_SUCCESS || h.request_id != r->id) {
		/* Cannot happen with keyd's own encoder; the real client would drop the connection. */
		moat_log_error(MOAT_LOG_ERR, "in-process signer: malformed reply");
		finish(kc, r, KEYD_UNAVAILABLE, MOAT_IPC_OK, NULL, 0);
		return;
	}
	if (h.status != MOAT_IPC_OK) {
		kc->stats->refused++;
		if (h.status == MOAT_IPC_BUSY)
			kc->stats->busy++;
		finish(kc, r, KEYD_REFUSED, h.status, NULL, 0);
		return;
	}
	bool decrypt = r->opcode == MOAT_IPC_RSA_DECRYPT;
	if ((decrypt ? moat_ipc_rsa_decrypt_reply_decode(body, &sig, NULL) : moat_ipc_sign_reply_decode(body, &sig, NULL)) !=
	    MOAT_SUCCESS) {
		moat_log_error(MOAT_LOG_ERR, "in-process signer: malformed reply");
		finish(kc, r, KEYD_UNAVAILABLE, MOAT_IPC_OK, NULL, 0);
		return;
	}
	if (decrypt)
		kc->stats->decrypted_ok++;
	else
		kc->stats->signed_ok++;
	finish(kc, r, KEYD_OK, MOAT_IPC_OK, moat_cursor_data(&sig), moat_cursor_remaining(&sig));
	/* The reply buffer is reused; a premaster must not linger in it. */
	moat_wipe(kc->reply, sizeof(kc->reply));
}

static void sign_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct keyd_client *kc = arg;
	/* What was queued when the event fired; a callback may cancel some of it meanwhile. */
	for (size_t n = kc->queued; n > 0; n--) {
		struct inproc_req *r = TAILQ_FIRST(&kc->queue);
		if (r == NULL)
			break;
		TAILQ_REMOVE(&kc->queue, r, link);
		kc->queued--;
		sign_one(kc, r);
	}
	if (!TAILQ_EMPTY(&kc->queue))
		event_active(kc->ev_sign, EV_TIMEOUT, 0);
}

/* SIGN (decrypt false) or RSA_DECRYPT (scheme is then ClientHello.client_version, kind unused). */
static int submit(struct keyd_client *kc, bool decrypt, const uint8_t key_id[32], uint16_t scheme, uint8_t kind,
		  const uint8_t *input, size_t len, keyd_sign_done_fn done, void *arg, uint32_t *id)
{
	ENSURE_REF(kc);
	ENSURE_REF(done);
	ENSURE_REF(id);
	if (!kc->started) {
		kc->stats->failed_fast++;
		BAIL(MOAT_ERR_KEYD_UNAVAILABLE);
	}
	struct inproc_req *r = req_take(kc);
	if (r == NULL) {
		kc->stats->failed_fast++;
		BAIL(MOAT_ERR_KEYD_UNAVAILABLE);
	}
	struct moat_buf b;
	moat_buf_init_fixed(&b, r->pkt, sizeof(r->pkt));
	int rc = decrypt ? moat_ipc_rsa_decrypt_encode(&b, r->id, key_id, scheme, input, len)
			 : moat_ipc_sign_encode(&b, r->id, key_id, scheme, kind, input, len);
	if (rc < 0) {
		int err = moat_errno;
		req_release(kc, r);
		BAIL(err == MOAT_ERR_ALLOC ? MOAT_ERR_ALLOC : MOAT_ERR_INVALID_ARG);
	}
	r->opcode = decrypt ? MOAT_IPC_RSA_DECRYPT : MOAT_IPC_SIGN;
	r->pkt_len = b.len;
	r->done = done;
	r->arg = arg;
	TAILQ_INSERT_TAIL(&kc->queue, r, link);
	kc->queued++;
	kc->stats->requests++;
	event_active(kc->ev_sign, EV_TIMEOUT, 0);
	*id = r->id;
	return MOAT_SUCCESS;
}

int keyd_client_sign(struct keyd_client *kc, const uint8_t key_id[32], uint16_t scheme, uint8_t kind,
		     const uint8_t *input, size_t len, keyd_sign_done_fn done, void *arg, uint32_t *id)
{
	return submit(kc, false, key_id, scheme, kind, input, len, done, arg, id);
}

int keyd_client_decrypt(struct keyd_client *kc, const uint8_t key_id[32], uint16_t client_version,
			const uint8_t *ciphertext, size_t len, keyd_sign_done_fn done, void *arg, uint32_t *id)
{
	return submit(kc, true, key_id, client_version, 0, ciphertext, len, done, arg, id);
}

/*
 * This reference holds signing keys only, no ticket keys: every ticket
 * request is refused at once as keyd being away, so moat-frontd-inproc
 * issues no tickets and resumes nothing, whatever its configuration (frontd
 * treats that as "no ticket", never as a failed handshake). It measures full
 * handshakes, the ones that need a private key.
 */
int keyd_client_ticket_seal(struct keyd_client *kc, const uint8_t *state, size_t len, keyd_ticket_done_fn done,
			    void *arg, uint32_t *id)
{
	(void)kc, (void)state, (void)len, (void)done, (void)arg, (void)id;
	BAIL(MOAT_ERR_KEYD_UNAVAILABLE);
}

int keyd_client_ticket_open(struct keyd_client *kc, const uint8_t *ticket, size_t len, uint8_t flags,
			    keyd_ticket_done_fn done, void *arg, uint32_t *id)
{
	(void)kc, (void)ticket, (void)len, (void)flags, (void)done, (void)arg, (void)id;
	BAIL(MOAT_ERR_KEYD_UNAVAILABLE);
}

void keyd_client_cancel(struct keyd_client *kc, uint32_t id)
{
	if (kc == NULL || id == 0)
		return;
	/* Only a queued request can be pending: a signed one has already been finished. */
	struct inproc_req *r;
	TAILQ_FOREACH(r, &kc->queue, link)
		if (r->id == id)
			break;
	if (r == NULL)
		return;
	TAILQ_REMOVE(&kc->queue, r, link);
	kc->queued--;
	req_release(kc, r);
}

/* ---- keys ---------------------------------------------------------------------- */

static int load_key(struct keyd_keyset *ks, const char *path)
{
	char *pem = NULL;
	size_t len = 0;
	char why[160];
	if (keyd_key_file_read(path, &pem, &len, NULL) != MOAT_SUCCESS) {
		moat_log(MOAT_LOG_ERR, "%s: cannot read key \"%s\": %s", KEYS_ENV, path, strerror(errno));
		BAIL(MOAT_ERR_FILE);
	}
	/* keyd's default name for a key is its file name (keyd_config.c). */
	const char *slash = strrchr(path, '/');
	char name[MOAT_IPC_KEY_NAME_MAX + 1];
	snprintf(name, sizeof(name), "%s", slash != NULL ? slash + 1 : path);
	struct keyd_key k;
	int rc = keyd_key_from_pem(&k, pem, len, name, why, sizeof(why));
	moat_secmem_free(pem);
	if (rc != MOAT_SUCCESS) {
		moat_log(MOAT_LOG_ERR, "%s: key \"%s\": %s", KEYS_ENV, path, why);
		return MOAT_FAILURE;
	}
	if (keyd_keys_find(ks, k.id) != NULL) {
		keyd_key_free(&k);
		moat_log(MOAT_LOG_ERR, "%s: key \"%s\" is listed twice", KEYS_ENV, path);
		BAIL(MOAT_ERR_CONFIG);
	}
	if (keyd_keys_add(ks, &k) != MOAT_SUCCESS) {
		keyd_key_free(&k);
		return MOAT_FAILURE;
	}
	return MOAT_SUCCESS;
}

static int load_keys(struct keyd_keyset *ks)
{
	const char *list = getenv(KEYS_ENV);
	if (list == NULL || list[0] == '\0') {
		moat_log(MOAT_LOG_ERR, "in-process signer: set %s to the private key files (file1:file2)", KEYS_ENV);
		BAIL(MOAT_ERR_CONFIG);
	}
	char *copy = strdup(list);
	ENSURE(copy != NULL, MOAT_ERR_ALLOC);
	int rc = MOAT_SUCCESS;
	char *save = NULL;
	for (char *path = strtok_r(copy, ":", &save); path != NULL && rc == MOAT_SUCCESS;
	     path = strtok_r(NULL, ":", &save))
		rc = load_key(ks, path);
	free(copy);
	return rc;
}

/* ---- life cycle ------------------------------------------------------------------ */

struct keyd_client *keyd_client_new(struct event_base *base, const char *path, uint32_t timeout_ms)
{
	if (base == NULL || path == NULL || timeout_ms == 0)
		return NULL;
	struct keyd_client *kc = calloc(1, sizeof(*kc));
	if (kc == NULL)
		return NULL;
	kc->base = base;
	kc->stats = &kc->own_stats;
	TAILQ_INIT(&kc->queue);
	TAILQ_INIT(&kc->spare);
	kc->ev_sign = event_new(base, -1, 0, sign_cb, kc);
	if (kc->ev_sign == NULL) {
		free(kc);
		return NULL;
	}
	return kc;
}

void keyd_client_set_backoff(struct keyd_client *kc, uint32_t min_ms, uint32_t max_ms)
{
	/* Nothing ever reconnects. */
	(void)kc;
	(void)min_ms;
	(void)max_ms;
}

/* No key list: the benchmark's certificates keep every cap (keyd_keys.h), as before keyd is first heard. */
void keyd_client_on_keys(struct keyd_client *kc, keyd_keys_fn fn, void *arg)
{
	(void)kc;
	(void)fn;
	(void)arg;
}

int keyd_client_start(struct keyd_client *kc)
{
	ENSURE_REF(kc);
	ENSURE(!kc->started, MOAT_ERR_INVALID_STATE);
	TRY(load_keys(&kc->keys));
	kc->started = true;
	kc->stats->connects++;
	moat_log(MOAT_LOG_WARNING, "in-process signer (benchmark build): %zu private key%s in this process", kc->keys.count,
		 kc->keys.count == 1 ? "" : "s");
	return MOAT_SUCCESS;
}

bool keyd_client_is_ready(const struct keyd_client *kc)
{
	return kc != NULL && kc->started;
}

const struct keyd_client_stats *keyd_client_get_stats(const struct keyd_client *kc)
{
	return kc->stats;
}

void keyd_client_set_stats(struct keyd_client *kc, struct keyd_client_stats *stats)
{
	*stats = *kc->stats;
	kc->stats = stats;
}

void keyd_client_free(struct keyd_client *kc)
{
	if (kc == NULL)
		return;
	struct inproc_req *r;
	while ((r = TAILQ_FIRST(&kc->queue)) != NULL) {
		TAILQ_REMOVE(&kc->queue, r, link);
		free(r);
	}
	while ((r = TAILQ_FIRST(&kc->spare)) != NULL) {
		TAILQ_REMOVE(&kc->spare, r, link);
		free(r);
	}
	event_free(kc->ev_sign);
	keyd_keys_free(&kc->keys);
	moat_wipe(kc->reply, sizeof(kc->reply));
	free(kc);
}
