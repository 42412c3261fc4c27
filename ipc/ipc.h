/*
 * The moat IPC wire protocol: frontd <-> keyd (data socket) and
 * keyctl <-> keyd (control socket). Codec only: no sockets, no state.
 *
 * Why it looks like this: keyd is the one process holding private keys, so
 * the bytes it parses must be few, fixed and checked to the last bit. Every
 * message is one SOCK_SEQPACKET packet: a 12-byte header and a body whose
 * length the header states exactly. Every field has a hard limit; a decoder
 * consumes its body exactly and either fills a struct of validated values or
 * fails with MOAT_ERR_IPC_BAD_MESSAGE and tells the caller which status to
 * answer (moat_ipc_status), so keyd never has to invent one. Encoders check
 * their arguments against the same limits the decoders enforce (else
 * MOAT_ERR_INVALID_ARG), so whatever we send, the other side accepts.
 *
 * A SIGN request carries the unhashed TLS structure to be signed, and the
 * decoder refuses anything that does not have the shape of a TLS 1.3
 * CertificateVerify content or TLS 1.2 ServerECDHParams / ServerDHParams (keyd is not a
 * general signing oracle, see man/moat-ipc.7). The full protocol description
 * is moat-ipc(7).
 *
 * Decoders take the body as a cursor by value and fill views (cursors) into
 * the packet buffer, which must outlive the struct. Their last argument,
 * st, may be NULL; on success it is set to MOAT_IPC_OK.
 */
#ifndef MOAT_IPC_IPC_H
#define MOAT_IPC_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "common/error.h"

/* ---- Framing ---- */

#define MOAT_IPC_VERSION 1
#define MOAT_IPC_HEADER_LEN 12
#define MOAT_IPC_MAX_MESSAGE 8192
#define MOAT_IPC_MAX_BODY (MOAT_IPC_MAX_MESSAGE - MOAT_IPC_HEADER_LEN)
/* A receiver can name the request it refuses once it has this many bytes (version..request_id). */
#define MOAT_IPC_ANSWERABLE_LEN 8

/* ---- Field limits ---- */

#define MOAT_IPC_KEY_ID_LEN 32       /* SHA-256 of the key's SubjectPublicKeyInfo */
#define MOAT_IPC_SIGN_INPUT_MAX 1024 /* SIGN input<1..1024> */
#define MOAT_IPC_SIGNATURE_MAX 1024  /* SIGN reply signature<1..1024> (RSA up to 8192 bits) */
#define MOAT_IPC_CIPHERTEXT_MAX 512  /* RSA_DECRYPT ciphertext<1..512> (RSA up to 4096 bits) */
#define MOAT_IPC_PREMASTER_LEN 48    /* RFC 5246 §7.4.7.1 */
#define MOAT_IPC_PING_MAX 256        /* PING payload<0..256> */
#define MOAT_IPC_MAX_KEYS 256        /* LIST_KEYS reply count */
#define MOAT_IPC_MAX_KEY_SCHEMES 64  /* schemes<2..128>: 1..64 code points */
#define MOAT_IPC_KEY_NAME_MAX 255    /* name<0..255> */
#define MOAT_IPC_MAX_STATS 256       /* STATS reply count */
#define MOAT_IPC_STAT_NAME_MAX 63    /* name<1..63>, [a-z0-9_] */
#define MOAT_IPC_RSA_MIN_BITS 1024
#define MOAT_IPC_RSA_MAX_BITS 8192   /* what a 1024-byte signature can hold */
#define MOAT_IPC_KEY_DER_MAX 6144    /* KEY_ADD key<1..6144>: an RSA-8192 PKCS#8 key is about 4.8 KB */
/*
 * The smallest max_message a HELLO reply may announce: the largest version 1
 * request (a TICKET_OPEN with the longest ticket, 1082 bytes; a SIGN with a
 * 1024-byte input is 1073), so every request can be sent.
 */
#define MOAT_IPC_SIGN_REQUEST_MAX (MOAT_IPC_HEADER_LEN + MOAT_IPC_KEY_ID_LEN + 2 + 1 + 2 + MOAT_IPC_SIGN_INPUT_MAX)
#define MOAT_IPC_TICKET_OPEN_REQUEST_MAX (MOAT_IPC_HEADER_LEN + 2 + 16 + 12 + 1024 + 16)
#define MOAT_IPC_MIN_MAX_MESSAGE MOAT_IPC_TICKET_OPEN_REQUEST_MAX

/* ---- Opcodes ---- */

typedef enum {
	MOAT_IPC_HELLO = 0x01,       /* either socket */
	MOAT_IPC_SIGN = 0x02,        /* data socket */
	MOAT_IPC_RSA_DECRYPT = 0x03, /* data socket */
	MOAT_IPC_PING = 0x04,        /* either socket */
	MOAT_IPC_LIST_KEYS = 0x10,   /* either socket */
	MOAT_IPC_STATS = 0x11,       /* control socket */
	MOAT_IPC_KEY_ADD = 0x12,     /* control socket, root or keyd's user */
	MOAT_IPC_KEY_REMOVE = 0x13,  /* control socket, root or keyd's user */
	MOAT_IPC_TICKET_SEAL = 0x20,   /* data socket */
	MOAT_IPC_TICKET_OPEN = 0x21,   /* data socket */
	MOAT_IPC_TICKET_LIST = 0x28,   /* control socket */
	MOAT_IPC_TICKET_ROTATE = 0x29, /* control socket */
	MOAT_IPC_TICKET_ADD = 0x2a,    /* control socket */
	MOAT_IPC_TICKET_REMOVE = 0x2b, /* control socket */
} moat_ipc_opcode;
/* A reply carries its request's opcode with this bit set. */
#define MOAT_IPC_REPLY 0x80
/*
 * The range of ticket-key operations: 0x20..0x27 data socket, 0x28..0x2f
 * control socket; the codes not listed above are unknown (BAD_OPCODE). A
 * keyd older than the ticket operations answers all of them BAD_OPCODE.
 */
#define MOAT_IPC_TICKET_OPCODE_FIRST 0x20
#define MOAT_IPC_TICKET_OPCODE_LAST 0x2f

typedef enum {
	MOAT_IPC_DATA_SOCKET,    /* frontd */
	MOAT_IPC_CONTROL_SOCKET, /* moat-keyctl */
} moat_ipc_socket;

/* ---- Status codes (header field of a reply) ---- */

typedef enum {
	MOAT_IPC_OK = 0,
	MOAT_IPC_BAD_VERSION = 1,   /* version byte (or HELLO range) not spoken */
	MOAT_IPC_BAD_OPCODE = 2,    /* opcode unknown in this version, or a reply sent as a request */
	MOAT_IPC_MALFORMED = 3,     /* framing or body does not parse */
	MOAT_IPC_UNKNOWN_KEY = 4,   /* no key with that key_id */
	MOAT_IPC_BAD_SCHEME = 5,    /* scheme not allowed for the kind, or not usable with the key */
	MOAT_IPC_BAD_INPUT = 6,     /* sign input of the wrong shape or bad kind */
	MOAT_IPC_BUSY = 7,          /* too many requests in flight; retry later */
	MOAT_IPC_INTERNAL = 8,      /* keyd failed; the request may be fine */
	MOAT_IPC_NOT_PERMITTED = 9, /* opcode not allowed on this socket / for this peer / with this key */
	MOAT_IPC_NEED_HELLO = 10,   /* the peer must send HELLO first */
	MOAT_IPC_TOO_LARGE = 11,    /* a field over its limit, or a reply that would not fit a packet */
	MOAT_IPC_KEY_POLICY = 12,   /* well formed, but the key's configuration forbids it (role, tls12, rsa-key-exchange) */
	MOAT_IPC_BAD_TICKET = 13,   /* TICKET_OPEN: the ticket names a key keyd holds but does not open under it */
	MOAT_IPC_KEY_HELD = 14,     /* KEY_ADD: keyd serves that key or that name already; KEY_REMOVE: the name is not unique */
	MOAT_IPC_BAD_KEY = 15,      /* KEY_ADD: not a PKCS#8 private key keyd serves (type, size, self-test) */
} moat_ipc_status;
#define MOAT_IPC_STATUS_MAX MOAT_IPC_BAD_KEY

/* ---- Header ---- */

struct moat_ipc_header {
	uint8_t version;
	uint8_t opcode;
	uint16_t status;
	uint32_t request_id;
	uint32_t body_len;
};

/*
 * Framing only: split a packet into header and body. Fails with
 * MOAT_ERR_IPC_BAD_MESSAGE when len < MOAT_IPC_HEADER_LEN,
 * len > MOAT_IPC_MAX_MESSAGE or body_len != len - MOAT_IPC_HEADER_LEN; then
 * *h holds every field that could be read and zero in the others. Version,
 * opcode and status are not judged here.
 */
MOAT_MUST_USE int moat_ipc_header_decode(const uint8_t *pkt, size_t len, struct moat_ipc_header *h,
					 struct moat_cursor *body);

/*
 * Receiver of requests (keyd), first step for every packet: framing, then
 * version, then the status field (must be 0), then the opcode (a version 1
 * request opcode). On failure (MOAT_ERR_IPC_BAD_MESSAGE) *st is the status
 * to answer, MALFORMED / BAD_VERSION / BAD_OPCODE, and *answerable says
 * whether h->opcode and h->request_id were read (len >= 8): if so answer with
 * moat_ipc_encode_status(b, h->opcode, h->request_id, *st), else drop the
 * packet. Which socket may use the opcode and whether HELLO came first are
 * the daemon's checks (moat_ipc_opcode_allowed, NOT_PERMITTED, NEED_HELLO).
 */
MOAT_MUST_USE int moat_ipc_request_open(const uint8_t *pkt, size_t len, struct moat_ipc_header *h,
					struct moat_cursor *body, moat_ipc_status *st, bool *answerable);

/*
 * Requester (frontd, keyctl), for a reply to a request it sent with
 * request_opcode: version 1, opcode == request_opcode | MOAT_IPC_REPLY, a
 * known status, and an empty body unless status is OK. Else
 * MOAT_ERR_IPC_BAD_MESSAGE. Matching request_id to the request is the
 * caller's. After success, h->status is the outcome; when it is OK, decode
 * the body with the reply decoder for the opcode.
 */
MOAT_MUST_USE int moat_ipc_reply_check(const struct moat_ipc_header *h, const struct moat_cursor *body,
				       uint8_t request_opcode);

/*
 * Start a message in b, which must be empty: writes the header with
 * version 1 and a body_len placeholder. A request opcode (reply bit clear)
 * needs status 0; status must be a known code. Fill the body, then
 * moat_ipc_end back-fills body_len; it fails with MOAT_ERR_BUF_FULL when the
 * message exceeds MOAT_IPC_MAX_MESSAGE and MOAT_ERR_INVALID_ARG when a
 * non-OK reply has a body. On failure reset b before reusing it.
 */
MOAT_MUST_USE int moat_ipc_begin(struct moat_buf *b, uint8_t opcode, uint16_t status, uint32_t request_id);
MOAT_MUST_USE int moat_ipc_end(struct moat_buf *b);

/*
 * Give an encoded message (pkt, len bytes, framed by moat_ipc_begin/end) the
 * request id request_id: a request resent on a new connection gets an id of
 * that connection. MOAT_ERR_INVALID_ARG if len cannot be a message.
 */
MOAT_MUST_USE int moat_ipc_set_request_id(uint8_t *pkt, size_t len, uint32_t request_id);

/* An error reply (st != OK, empty body) to a request with that opcode and id. */
MOAT_MUST_USE int moat_ipc_encode_status(struct moat_buf *b, uint8_t request_opcode, uint32_t request_id,
					 moat_ipc_status st);

/* True for the request opcodes of version 1. */
bool moat_ipc_opcode_is_request(uint8_t opcode);
/* True when a request opcode may be sent on that socket (else the daemon answers NOT_PERMITTED). */
bool moat_ipc_opcode_allowed(uint8_t opcode, moat_ipc_socket sock);

/* "ok", "bad_version", ...; "unknown_status" for other values. */
const char *moat_ipc_status_name(uint16_t st);
/* "sign", "sign_reply", ...; "unknown_opcode" for other values. */
const char *moat_ipc_opcode_name(uint8_t opcode);

/* ---- HELLO 0x01 ---- */

/* The version range the sender speaks: 1 <= min_version <= max_version. */
struct moat_ipc_hello {
	uint8_t min_version;
	uint8_t max_version;
};
struct moat_ipc_hello_reply {
	uint8_t version;       /* chosen, >= 1 */
	uint16_t max_inflight; /* requests the peer may have outstanding, >= 1 */
	uint16_t max_message;  /* largest packet keyd accepts, MOAT_IPC_MIN_MAX_MESSAGE..MOAT_IPC_MAX_MESSAGE */
};

MOAT_MUST_USE int moat_ipc_hello_encode(struct moat_buf *b, uint32_t request_id, const struct moat_ipc_hello *hello);
/* Reserved field != 0 or a bad range → MALFORMED. */
MOAT_MUST_USE int moat_ipc_hello_decode(struct moat_cursor body, struct moat_ipc_hello *hello, moat_ipc_status *st);
/* The version keyd answers with: MOAT_IPC_VERSION if in range, else BAD_VERSION. */
MOAT_MUST_USE int moat_ipc_hello_choose(const struct moat_ipc_hello *hello, uint8_t *version, moat_ipc_status *st);
MOAT_MUST_USE int moat_ipc_hello_reply_encode(struct moat_buf *b, uint32_t request_id,
					      const struct moat_ipc_hello_reply *reply);
MOAT_MUST_USE int moat_ipc_hello_reply_decode(struct moat_cursor body, struct moat_ipc_hello_reply *reply,
					      moat_ipc_status *st);

/* ---- SIGN 0x02 ---- */

typedef enum {
	MOAT_IPC_SIGN_TLS13_CV = 1,  /* TLS 1.3 CertificateVerify content, RFC 8446 §4.4.3 */
	MOAT_IPC_SIGN_TLS12_SKE = 2, /* TLS 1.2 ServerKeyExchange signed params, RFC 5246 §7.4.3, RFC 8422 §5.4 */
	MOAT_IPC_SIGN_TLS12_SKE_DHE = 3, /* TLS 1.2 ServerKeyExchange ServerDHParams, RFC 5246 §7.4.3, RFC 7919 §4 */
	MOAT_IPC_SIGN_TLS12_CLIENT_CV = 4, /* digest of a TLS 1.2/1.0 client's handshake_messages, RFC 5246 §7.4.8 */
} moat_ipc_sign_kind;
/* A TLS 1.2 (or 1.0/1.1) ServerKeyExchange shape: kinds 2 and 3. */
#define MOAT_IPC_SIGN_KIND_IS_SKE(k) ((k) == MOAT_IPC_SIGN_TLS12_SKE || (k) == MOAT_IPC_SIGN_TLS12_SKE_DHE)

struct moat_ipc_sign {
	uint8_t key_id[MOAT_IPC_KEY_ID_LEN];
	uint16_t scheme;          /* IANA SignatureScheme, allowed for kind */
	uint8_t kind;             /* moat_ipc_sign_kind */
	struct moat_cursor input; /* 1..1024 bytes of the shape kind names */
};

/* True when scheme is a TLS signature scheme keyd may use for kind (the explicit list in moat-ipc(7)). */
bool moat_ipc_scheme_allowed(uint8_t kind, uint16_t scheme);
/*
 * The rules a SIGN request must pass, in this order: kind is 1 to 4 (else
 * BAD_INPUT); scheme is allowed for kind (else BAD_SCHEME); input has the
 * kind's shape (else BAD_INPUT). Fails with MOAT_ERR_IPC_BAD_MESSAGE and *st.
 */
MOAT_MUST_USE int moat_ipc_check_sign_input(uint8_t kind, uint16_t scheme, const uint8_t *input, size_t len,
					    moat_ipc_status *st);

/* Arguments must pass moat_ipc_check_sign_input, else MOAT_ERR_INVALID_ARG. */
MOAT_MUST_USE int moat_ipc_sign_encode(struct moat_buf *b, uint32_t request_id,
				       const uint8_t key_id[MOAT_IPC_KEY_ID_LEN], uint16_t scheme, uint8_t kind,
				       const uint8_t *input, size_t len);
/* Framing → MALFORMED / TOO_LARGE, then moat_ipc_check_sign_input → BAD_INPUT / BAD_SCHEME. */
MOAT_MUST_USE int moat_ipc_sign_decode(struct moat_cursor body, struct moat_ipc_sign *req, moat_ipc_status *st);
MOAT_MUST_USE int moat_ipc_sign_reply_encode(struct moat_buf *b, uint32_t request_id, const uint8_t *sig,
					     size_t len);
MOAT_MUST_USE int moat_ipc_sign_reply_decode(struct moat_cursor body, struct moat_cursor *sig, moat_ipc_status *st);

/* ---- RSA_DECRYPT 0x03 ---- */

/*
 * client_version is carried for the log and for compatibility with version 1
 * peers, and is never looked at by keyd: the answer must not depend on it
 * (an answer that does is a padding oracle, moat-ipc(7)). The TLS side
 * compares the premaster's first two bytes with ClientHello.client_version
 * itself, RFC 5246 §7.4.7.1.
 */
struct moat_ipc_rsa_decrypt {
	uint8_t key_id[MOAT_IPC_KEY_ID_LEN];
	uint16_t client_version;       /* ClientHello.client_version, any value */
	struct moat_cursor ciphertext; /* 1..512 bytes */
};

MOAT_MUST_USE int moat_ipc_rsa_decrypt_encode(struct moat_buf *b, uint32_t request_id,
					      const uint8_t key_id[MOAT_IPC_KEY_ID_LEN], uint16_t client_version,
					      const uint8_t *ciphertext, size_t len);
MOAT_MUST_USE int moat_ipc_rsa_decrypt_decode(struct moat_cursor body, struct moat_ipc_rsa_decrypt *req,
					      moat_ipc_status *st);
/* The reply body is the 48-byte premaster secret and nothing else (no length prefix). */
MOAT_MUST_USE int moat_ipc_rsa_decrypt_reply_encode(struct moat_buf *b, uint32_t request_id,
						    const uint8_t premaster[MOAT_IPC_PREMASTER_LEN]);
/*
 * *premaster is a 48-byte view into the packet: no copy is made, so the
 * packet buffer is the only copy of the secret the caller has to wipe.
 */
MOAT_MUST_USE int moat_ipc_rsa_decrypt_reply_decode(struct moat_cursor body, struct moat_cursor *premaster,
						    moat_ipc_status *st);

/* ---- PING 0x04 (request and reply bodies have the same shape) ---- */

MOAT_MUST_USE int moat_ipc_ping_encode(struct moat_buf *b, uint32_t request_id, const uint8_t *payload, size_t len);
MOAT_MUST_USE int moat_ipc_ping_decode(struct moat_cursor body, struct moat_cursor *payload, moat_ipc_status *st);
MOAT_MUST_USE int moat_ipc_ping_reply_encode(struct moat_buf *b, uint32_t request_id, const uint8_t *payload,
					     size_t len);
MOAT_MUST_USE int moat_ipc_ping_reply_decode(struct moat_cursor body, struct moat_cursor *payload,
					     moat_ipc_status *st);

/* ---- LIST_KEYS 0x10 ---- */

typedef enum {
	MOAT_IPC_KEY_RSA = 1,     /* rsaEncryption */
	MOAT_IPC_KEY_RSA_PSS = 2, /* id-RSASSA-PSS */
	MOAT_IPC_KEY_EC_P256 = 3,
	MOAT_IPC_KEY_EC_P384 = 4,
	MOAT_IPC_KEY_EC_P521 = 5,
} moat_ipc_key_type;

struct moat_ipc_key_info {
	uint8_t key_id[MOAT_IPC_KEY_ID_LEN];
	uint8_t key_type;                            /* moat_ipc_key_type */
	uint16_t bits;                               /* EC: the curve's; RSA: 1024..8192 */
	uint8_t flags;                               /* MOAT_IPC_KEY_FLAG_*: what keyd lets the key do */
	uint16_t schemes[MOAT_IPC_MAX_KEY_SCHEMES];  /* each allowed and of the key's family */
	size_t scheme_count;                         /* 1..64 */
	char name[MOAT_IPC_KEY_NAME_MAX + 1];        /* NUL-terminated; no control characters */
};

/*
 * The key's switches in keyd's configuration (moat-keyd.conf(5)), so that
 * a requester knows before it asks what keyd would refuse with KEY_POLICY.
 * RSA_KX only on an rsaEncryption key; no other bit is defined.
 */
#define MOAT_IPC_KEY_FLAG_SERVER 0x01 /* role server or both: TLS 1.3 server CertificateVerify */
#define MOAT_IPC_KEY_FLAG_CLIENT 0x02 /* role client or both: client CertificateVerify */
#define MOAT_IPC_KEY_FLAG_TLS12 0x04  /* tls12 yes */
#define MOAT_IPC_KEY_FLAG_TLS10 0x08  /* tls10 yes: the TLS 1.0/1.1 legacy schemes */
#define MOAT_IPC_KEY_FLAG_RSA_KX 0x10 /* rsa-key-exchange yes: RSA_DECRYPT */
#define MOAT_IPC_KEY_FLAGS_ALL 0x1f

/* "rsa", "rsa_pss", "ec_p256", "ec_p384", "ec_p521"; "unknown_key_type" otherwise. */
const char *moat_ipc_key_type_name(uint8_t key_type);

MOAT_MUST_USE int moat_ipc_list_keys_encode(struct moat_buf *b, uint32_t request_id);
/* The request body must be empty (else MALFORMED). */
MOAT_MUST_USE int moat_ipc_list_keys_decode(struct moat_cursor body, moat_ipc_status *st);
/*
 * Entries that break a rule → MOAT_ERR_INVALID_ARG; more than fit in one
 * packet → MOAT_ERR_BUF_FULL (keyd then answers TOO_LARGE).
 */
MOAT_MUST_USE int moat_ipc_list_keys_reply_encode(struct moat_buf *b, uint32_t request_id,
						  const struct moat_ipc_key_info *keys, size_t count);
/* Fills keys[0..*count); a wire count above cap → TOO_LARGE. */
MOAT_MUST_USE int moat_ipc_list_keys_reply_decode(struct moat_cursor body, struct moat_ipc_key_info *keys,
						  size_t cap, size_t *count, moat_ipc_status *st);

/* ---- STATS 0x11 ---- */

struct moat_ipc_stat {
	char name[MOAT_IPC_STAT_NAME_MAX + 1]; /* NUL-terminated, 1..63 of [a-z0-9_] */
	uint64_t value;
};

MOAT_MUST_USE int moat_ipc_stats_encode(struct moat_buf *b, uint32_t request_id);
MOAT_MUST_USE int moat_ipc_stats_decode(struct moat_cursor body, moat_ipc_status *st);
MOAT_MUST_USE int moat_ipc_stats_reply_encode(struct moat_buf *b, uint32_t request_id,
					      const struct moat_ipc_stat *stats, size_t count);
MOAT_MUST_USE int moat_ipc_stats_reply_decode(struct moat_cursor body, struct moat_ipc_stat *stats, size_t cap,
					      size_t *count, moat_ipc_status *st);

/* ---- KEY_ADD 0x12, KEY_REMOVE 0x13 ---- */

/*
 * What moat-keyctl hands keyd at run time: the key as PKCS#8
 * PrivateKeyInfo DER (the one encoding that needs no guessing; keyctl
 * converts PEM), its name and the options a configuration "key" block
 * gives. Only root and keyd's own user may send them (moat-ipc(7)).
 */
#define MOAT_IPC_ROLE_SERVER 0x01
#define MOAT_IPC_ROLE_CLIENT 0x02
#define MOAT_IPC_KEY_OPT_TLS12 0x01
#define MOAT_IPC_KEY_OPT_TLS10 0x02
#define MOAT_IPC_KEY_OPT_RSA_KEY_EXCHANGE 0x04
#define MOAT_IPC_KEY_OPT_ALL 0x07

struct moat_ipc_key_add {
	struct moat_cursor key;                /* 1..MOAT_IPC_KEY_DER_MAX bytes of DER: a view, wipe the packet */
	char name[MOAT_IPC_KEY_NAME_MAX + 1];  /* 1..255 bytes, no control characters, NUL-terminated */
	uint8_t role;                          /* MOAT_IPC_ROLE_SERVER and/or _CLIENT, not 0 */
	uint8_t options;                       /* MOAT_IPC_KEY_OPT_*, no other bit */
};

MOAT_MUST_USE int moat_ipc_key_add_encode(struct moat_buf *b, uint32_t request_id, const struct moat_ipc_key_add *req);
/* A role of 0 or unknown bits → MALFORMED; a key over the limit → TOO_LARGE. */
MOAT_MUST_USE int moat_ipc_key_add_decode(struct moat_cursor body, struct moat_ipc_key_add *req, moat_ipc_status *st);

/* KEY_REMOVE names the key by id or by name: exactly one of the two. */
typedef enum {
	MOAT_IPC_KEY_BY_ID = 1,
	MOAT_IPC_KEY_BY_NAME = 2,
} moat_ipc_key_by;

struct moat_ipc_key_remove {
	uint8_t by;                            /* moat_ipc_key_by */
	uint8_t key_id[MOAT_IPC_KEY_ID_LEN];   /* by id */
	char name[MOAT_IPC_KEY_NAME_MAX + 1];  /* by name: 1..255 bytes, no control characters */
};

MOAT_MUST_USE int moat_ipc_key_remove_encode(struct moat_buf *b, uint32_t request_id,
					     const struct moat_ipc_key_remove *req);
MOAT_MUST_USE int moat_ipc_key_remove_decode(struct moat_cursor body, struct moat_ipc_key_remove *req,
					     moat_ipc_status *st);

/* Both replies name the key added or removed: its 32-byte key id, nothing else. */
MOAT_MUST_USE int moat_ipc_key_change_reply_encode(struct moat_buf *b, uint8_t request_opcode, uint32_t request_id,
						   const uint8_t key_id[MOAT_IPC_KEY_ID_LEN]);
MOAT_MUST_USE int moat_ipc_key_change_reply_decode(struct moat_cursor body, uint8_t key_id[MOAT_IPC_KEY_ID_LEN],
						   moat_ipc_status *st);

/* ---- Ticket keys 0x20..0x2f (moat-ipc(7), "Session tickets") ----
 *
 * keyd seals session states into tickets and opens them, under ticket keys
 * that never leave it (tls/crypto/ticket_aead.h has the ticket format). The
 * data socket seals and opens; the control socket lists, rotates, adds and
 * removes keys. A key is known on the wire by its 16-byte name only; its
 * secret crosses the control socket once, in TICKET_ADD, and no reply ever
 * carries it.
 */

#define MOAT_IPC_TICKET_NAME_LEN 16
#define MOAT_IPC_TICKET_SECRET_LEN 32
#define MOAT_IPC_TICKET_STATE_MAX 1024 /* state<1..1024>: what frontd asks keyd to seal */
#define MOAT_IPC_TICKET_MAX (16 + 12 + MOAT_IPC_TICKET_STATE_MAX + 16) /* ticket<1..1068> */
_Static_assert(MOAT_IPC_TICKET_OPEN_REQUEST_MAX == MOAT_IPC_HEADER_LEN + 2 + MOAT_IPC_TICKET_MAX, "TICKET_OPEN size");
_Static_assert(MOAT_IPC_SIGN_REQUEST_MAX <= MOAT_IPC_MIN_MAX_MESSAGE, "the largest request sets the minimum");
#define MOAT_IPC_MAX_TICKET_KEYS 32    /* TICKET_LIST reply count: keys keyd holds at most */
#define MOAT_IPC_TICKET_LIFETIME_MAX (30u * 24 * 3600) /* TICKET_ADD lifetimes, seconds */

/* TICKET_OPEN reply flags */
#define MOAT_IPC_TICKET_REISSUE 0x01 /* sealed under a key that no longer seals: issue a new ticket */
#define MOAT_IPC_TICKET_EARLY_DATA_OK 0x02 /* asked FOR_EARLY_DATA: the ticket's first such use (RFC 8446 §8.1) */
#define MOAT_IPC_TICKET_REPLY_FLAGS (MOAT_IPC_TICKET_REISSUE | MOAT_IPC_TICKET_EARLY_DATA_OK)
/* TICKET_OPEN request flags (a trailing byte; absent means 0, as from a frontd older than 0-RTT) */
#define MOAT_IPC_TICKET_FOR_EARLY_DATA 0x01 /* 0-RTT data would ride on this ticket: keep the single-use record */

typedef enum {
	MOAT_IPC_TICKET_PENDING = 1,      /* intro time in the future: opens tickets, does not seal yet */
	MOAT_IPC_TICKET_ENCRYPT = 2,      /* the key SEAL uses: the newest whose intro time passed */
	MOAT_IPC_TICKET_DECRYPT_ONLY = 3, /* opens tickets until it expires; they are re-issued */
} moat_ipc_ticket_state;

typedef enum {
	MOAT_IPC_TICKET_GENERATED = 1, /* made by keyd on its schedule or by TICKET_ROTATE */
	MOAT_IPC_TICKET_IMPORTED = 2,  /* given by an operator with TICKET_ADD */
} moat_ipc_ticket_origin;

/* TICKET_LIST reply mode */
typedef enum {
	MOAT_IPC_TICKETS_OFF = 0,       /* tickets off in the configuration: SEAL and OPEN are NOT_PERMITTED */
	MOAT_IPC_TICKETS_GENERATING = 1, /* no imported key held: keyd makes and rotates its own */
	MOAT_IPC_TICKETS_IMPORTED = 2,  /* an imported key is held: keyd makes none */
} moat_ipc_tickets_mode;

struct moat_ipc_ticket_key_info {
	uint8_t name[MOAT_IPC_TICKET_NAME_LEN];
	uint8_t state;          /* moat_ipc_ticket_state */
	uint8_t origin;         /* moat_ipc_ticket_origin */
	uint64_t intro;         /* Unix time, seconds */
	uint64_t encrypt_until; /* end of the encrypt-decrypt lifetime, Unix time */
	uint64_t expires;       /* end of the decrypt-only lifetime: the key is wiped then */
	uint64_t seals;
	uint64_t opens;
};

struct moat_ipc_ticket_add {
	uint8_t name[MOAT_IPC_TICKET_NAME_LEN];
	struct moat_cursor secret;  /* 32 bytes, a view into the packet: the caller wipes the packet */
	uint64_t intro;             /* Unix time, seconds; 0: now */
	uint32_t encrypt_lifetime;  /* seconds, 0..MOAT_IPC_TICKET_LIFETIME_MAX; 0: keyd's configured one */
	uint32_t decrypt_lifetime;  /* seconds, likewise */
};

/* "pending", "encrypt", "decrypt-only"; "unknown_ticket_state" otherwise. */
const char *moat_ipc_ticket_state_name(uint8_t state);

/* TICKET_SEAL 0x20: state<1..1024> -> ticket<45..1068>. */
MOAT_MUST_USE int moat_ipc_ticket_seal_encode(struct moat_buf *b, uint32_t request_id, const uint8_t *state,
					      size_t len);
MOAT_MUST_USE int moat_ipc_ticket_seal_decode(struct moat_cursor body, struct moat_cursor *state,
					      moat_ipc_status *st);
MOAT_MUST_USE int moat_ipc_ticket_seal_reply_encode(struct moat_buf *b, uint32_t request_id,
						    const uint8_t *ticket, size_t len);
MOAT_MUST_USE int moat_ipc_ticket_seal_reply_decode(struct moat_cursor body, struct moat_cursor *ticket,
						    moat_ipc_status *st);

/*
 * TICKET_OPEN 0x21: ticket<1..1068> [u8 flags] -> flags, state<1..1024>. A
 * ticket of any length in range decodes: whether it is one of keyd's is
 * keyd's answer (UNKNOWN_KEY, BAD_TICKET), not a decoding error. The
 * request's flags byte is sent only when not 0 (a keyd older than 0-RTT
 * answers it MALFORMED: a full handshake); bits other than
 * MOAT_IPC_TICKET_FOR_EARLY_DATA are MALFORMED.
 */
MOAT_MUST_USE int moat_ipc_ticket_open_encode(struct moat_buf *b, uint32_t request_id, const uint8_t *ticket,
					      size_t len);
MOAT_MUST_USE int moat_ipc_ticket_open_flags_encode(struct moat_buf *b, uint32_t request_id, uint8_t flags,
						    const uint8_t *ticket, size_t len);
/* Any flags are dropped: for a reader that has no use for them. */
MOAT_MUST_USE int moat_ipc_ticket_open_decode(struct moat_cursor body, struct moat_cursor *ticket,
					      moat_ipc_status *st);
MOAT_MUST_USE int moat_ipc_ticket_open_flags_decode(struct moat_cursor body, struct moat_cursor *ticket,
						    uint8_t *flags, moat_ipc_status *st);
/* flags: MOAT_IPC_TICKET_REPLY_FLAGS bits; other bits are MALFORMED. */
MOAT_MUST_USE int moat_ipc_ticket_open_reply_encode(struct moat_buf *b, uint32_t request_id, uint8_t flags,
						    const uint8_t *state, size_t len);
/* *state is a view into the packet: the caller wipes the packet. */
MOAT_MUST_USE int moat_ipc_ticket_open_reply_decode(struct moat_cursor body, uint8_t *flags,
						    struct moat_cursor *state, moat_ipc_status *st);

/* TICKET_LIST 0x28: empty -> mode, the keys. */
MOAT_MUST_USE int moat_ipc_ticket_list_encode(struct moat_buf *b, uint32_t request_id);
MOAT_MUST_USE int moat_ipc_ticket_list_decode(struct moat_cursor body, moat_ipc_status *st);
MOAT_MUST_USE int moat_ipc_ticket_list_reply_encode(struct moat_buf *b, uint32_t request_id, uint8_t mode,
						    const struct moat_ipc_ticket_key_info *keys, size_t count);
MOAT_MUST_USE int moat_ipc_ticket_list_reply_decode(struct moat_cursor body, uint8_t *mode,
						    struct moat_ipc_ticket_key_info *keys, size_t cap, size_t *count,
						    moat_ipc_status *st);

/* TICKET_ROTATE 0x29: empty -> the new key's name. */
MOAT_MUST_USE int moat_ipc_ticket_rotate_encode(struct moat_buf *b, uint32_t request_id);
MOAT_MUST_USE int moat_ipc_ticket_rotate_decode(struct moat_cursor body, moat_ipc_status *st);
MOAT_MUST_USE int moat_ipc_ticket_rotate_reply_encode(struct moat_buf *b, uint32_t request_id,
						      const uint8_t name[MOAT_IPC_TICKET_NAME_LEN]);
MOAT_MUST_USE int moat_ipc_ticket_rotate_reply_decode(struct moat_cursor body,
						      uint8_t name[MOAT_IPC_TICKET_NAME_LEN], moat_ipc_status *st);

/* TICKET_ADD 0x2a: name, secret, intro, lifetimes -> empty. Lifetimes over the limit are TOO_LARGE. */
MOAT_MUST_USE int moat_ipc_ticket_add_encode(struct moat_buf *b, uint32_t request_id,
					     const uint8_t name[MOAT_IPC_TICKET_NAME_LEN],
					     const uint8_t secret[MOAT_IPC_TICKET_SECRET_LEN], uint64_t intro,
					     uint32_t encrypt_lifetime, uint32_t decrypt_lifetime);
MOAT_MUST_USE int moat_ipc_ticket_add_decode(struct moat_cursor body, struct moat_ipc_ticket_add *req,
					     moat_ipc_status *st);

/* TICKET_REMOVE 0x2b: name -> empty. */
MOAT_MUST_USE int moat_ipc_ticket_remove_encode(struct moat_buf *b, uint32_t request_id,
						const uint8_t name[MOAT_IPC_TICKET_NAME_LEN]);
MOAT_MUST_USE int moat_ipc_ticket_remove_decode(struct moat_cursor body, uint8_t name[MOAT_IPC_TICKET_NAME_LEN],
						moat_ipc_status *st);

/* The empty replies of TICKET_ADD and TICKET_REMOVE (request_opcode names which). */
MOAT_MUST_USE int moat_ipc_ticket_done_encode(struct moat_buf *b, uint8_t request_opcode, uint32_t request_id);
MOAT_MUST_USE int moat_ipc_ticket_done_decode(struct moat_cursor body, moat_ipc_status *st);

#endif
