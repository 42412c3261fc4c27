/*
 * moat-keyd.conf: the config tree (policy/conf.h) turned into one struct of
 * checked values, so nothing after startup looks at text again.
 *
 *	socket "/run/moat/keyd.sock"
 *	control-socket "/run/moat/keyctl.sock"
 *	allow user "moat"            # user NAME | uid N | group NAME | gid N
 *	key "/etc/moat/keys/example.key" { name "example" }
 *	max-inflight 64
 *	workers 2
 *	inline-sign 100              # microseconds; 0: every operation goes to the threads
 *	user "moat-keyd"
 *	max-peers-per-uid 64
 *	hello-timeout 5s
 *	idle-timeout 0               # off
 *	insecure-same-user no        # yes: a served uid may read a key file (no isolation)
 *	insecure-run-as-root no      # yes: started as root without "user", keyd keeps root
 *	tickets {                    # or "tickets off": SEAL and OPEN answer NOT_PERMITTED
 *		encrypt-lifetime 2h      # a key keyd makes seals this long
 *		decrypt-lifetime 13h     # and then opens tickets this much longer
 *		early-data-record 65536  # tickets in the 0-RTT single-use record; 0: no 0-RTT
 *	}
 *	key "/etc/moat/keys/rsa.key" {
 *		role server              # server | client | both: which CertificateVerify contexts
 *		tls12 no                 # TLS 1.2 ServerKeyExchange shapes
 *		tls10 no                 # the same shapes with the TLS 1.0/1.1 schemes (MD5+SHA-1, SHA-1)
 *		rsa-key-exchange no      # RSA_DECRYPT (TLS 1.2 static RSA key exchange)
 *	}
 *
 * Every mistake becomes one "file:line: message" in the moat_conf, which is
 * what `moat-keyd -t` prints. User and group names are resolved here, at
 * config time, so an unknown name is a config error with its line, not a
 * surprise after the keys are loaded. Relative paths are taken relative to
 * the directory of the file that names them, as include does.
 */
#ifndef MOAT_KEYD_KEYD_CONFIG_H
#define MOAT_KEYD_KEYD_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "common/paths.h"
#include "policy/conf.h"

#define KEYD_DEFAULT_CONFIG MOAT_CONFDIR "/moat-keyd.conf"
#define KEYD_DEFAULT_SOCKET MOAT_RUNDIR "/keyd.sock"
#define KEYD_DEFAULT_CONTROL_SOCKET MOAT_RUNDIR "/keyctl.sock"
#define KEYD_DEFAULT_MAX_INFLIGHT 64
#define KEYD_MAX_INFLIGHT_LIMIT 1024
#define KEYD_MAX_WORKERS 64
#define KEYD_MAX_INLINE_SIGN_US 100000
#define KEYD_INLINE_SIGN_AUTO UINT_MAX /* no inline-sign directive: the event loop chooses (schedule.c) */
#define KEYD_MAX_KEY_FILES 256 /* MOAT_IPC_MAX_KEYS: LIST_KEYS cannot name more */
#define KEYD_MAX_PEERS_LIMIT 1000        /* server.h KEYD_MAX_PEERS: the whole table */
#define KEYD_DEFAULT_MAX_PEERS_PER_UID 64
#define KEYD_DEFAULT_HELLO_TIMEOUT_MS 5000
#define KEYD_MAX_TIMEOUT_MS (24ull * 3600 * 1000)
/* s2n's defaults for ticket keys; the limit is what TICKET_ADD may name (MOAT_IPC_TICKET_LIFETIME_MAX). */
#define KEYD_DEFAULT_TICKET_ENCRYPT_S (2u * 3600)
#define KEYD_DEFAULT_TICKET_DECRYPT_S (13u * 3600)
/* The 0-RTT single-use record (early_record.h): 48 bytes an entry, 3 MiB by default. */
#define KEYD_DEFAULT_EARLY_DATA_RECORD 65536u
#define KEYD_MAX_EARLY_DATA_RECORD (1u << 22)
#define KEYD_TICKET_LIFETIME_MAX_S (30u * 24 * 3600)

enum keyd_allow_kind {
	KEYD_ALLOW_UID,
	KEYD_ALLOW_GID,
};

struct keyd_allow {
	enum keyd_allow_kind kind;
	uint32_t id;
	bool has_group;  /* group: the gid itself, or the user's primary group if the uid has a passwd entry */
	gid_t group;
	char what[96];   /* for logs: "user moat (uid 999)" */
};

/*
 * What a key may be used for beyond its type (moat-keyd.conf(5)). The
 * defaults are the narrowest that serve moat's TLS 1.3 server: a
 * compromised frontd must not get a client CertificateVerify signature (to
 * log in as this certificate to a mutual-TLS service), a TLS 1.2 signature
 * or an RSA decryption from a key the operator never meant for that.
 */
struct keyd_key_policy {
	bool server;           /* TLS 1.3 "server CertificateVerify" content (role server or both) */
	bool client;           /* TLS 1.3 "client CertificateVerify" content (role client or both) */
	bool tls12;            /* TLS 1.2 ServerKeyExchange shapes (server-only by their nature) */
	bool tls10;            /* the same shapes signed with the TLS 1.0/1.1 legacy schemes */
	bool rsa_key_exchange; /* RSA_DECRYPT: TLS 1.2 static RSA key exchange */
};
/* role server, tls12 no, tls10 no, rsa-key-exchange no */
extern const struct keyd_key_policy keyd_key_policy_default;

struct keyd_key_conf {
	char *path;                        /* resolved against the config file's directory */
	char *name;                        /* name "x" in the block, else the file's base name */
	struct keyd_key_policy policy;
	const struct moat_conf_node *node; /* for error messages; owned by the moat_conf */
};

struct keyd_config {
	char *socket_path;
	char *control_path;
	char *metrics_path; /* metrics listen PATH; NULL: no metrics endpoint */
	struct keyd_allow *allow;
	size_t allow_count;
	struct keyd_key_conf *keys;
	size_t key_count;
	unsigned max_inflight;
	unsigned workers; /* 0: one per online CPU, at most 8 */
	unsigned inline_sign_us; /* the event loop signs itself what takes at most this long; 0: never */
	bool has_user;
	char *user_name;
	uid_t user_uid;
	gid_t user_gid;
	unsigned max_peers_per_uid;  /* data-socket connections one uid may hold */
	uint64_t hello_timeout_ms;   /* a peer that has not completed HELLO by then is closed */
	uint64_t idle_timeout_ms;    /* a peer that sent no request for that long is closed; 0: never */
	bool insecure_same_user;     /* start although a served uid can read a key file */
	bool insecure_run_as_root;   /* started as root without "user": keep root instead of refusing */
	bool tickets;                /* session-ticket keys (ticket_keys.h); off: SEAL and OPEN are NOT_PERMITTED */
	uint32_t ticket_encrypt_s;   /* encrypt-decrypt lifetime of the keys keyd makes, seconds */
	uint32_t ticket_decrypt_s;   /* decrypt-only lifetime after it */
	uint32_t early_data_record;  /* entries of the 0-RTT single-use record (early_record.h); 0: none granted */
};

/*
 * Parse path into conf and interpret it into cfg (zeroed first). On failure
 * (MOAT_ERR_CONFIG, or MOAT_ERR_ALLOC) moat_conf_error(conf) is the one line
 * to print. cfg->keys[i].node points into conf: keep conf until the keys are
 * loaded. Free both whatever the result.
 */
MOAT_MUST_USE int keyd_config_read(struct moat_conf *conf, const char *path, struct keyd_config *cfg);
/* Same from text (tests); name stands for the file. */
MOAT_MUST_USE int keyd_config_read_string(struct moat_conf *conf, const char *name, const char *text,
					  struct keyd_config *cfg);
void keyd_config_free(struct keyd_config *cfg);

/* Whether a data-socket peer with this uid and these gids (primary first) matches an allow rule. */
bool keyd_config_allows(const struct keyd_config *cfg, uint32_t uid, const uint32_t *gids, size_t gid_count);

/*
 * The group the data socket file gets, so that allowed peers can connect to
 * it (mode 0660): the first group or gid rule's, else the primary group of
 * the first allowed user that has a passwd entry. False when there is none.
 */
bool keyd_config_socket_group(const struct keyd_config *cfg, gid_t *gid);

#endif
