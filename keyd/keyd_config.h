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
#include "policy/conf.h"

#define KEYD_DEFAULT_CONFIG "/etc/moat/moat-keyd.conf"
#define KEYD_DEFAULT_SOCKET "/run/moat/keyd.sock"
#define KEYD_DEFAULT_CONTROL_SOCKET "/run/moat/keyctl.sock"
#define KEYD_DEFAULT_MAX_INFLIGHT 64
#define KEYD_MAX_INFLIGHT_LIMIT 1024
#define KEYD_MAX_WORKERS 64
#define KEYD_MAX_INLINE_SIGN_US 100000
#define KEYD_INLINE_SIGN_AUTO UINT_MAX /* no inline-sign directive: the event loop chooses (server.c) */
#define KEYD_MAX_KEY_FILES 256 /* MOAT_IPC_MAX_KEYS: LIST_KEYS cannot name more */

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

struct keyd_key_conf {
	char *path;                        /* resolved against the config file's directory */
	char *name;                        /* name "x" in the block, else the file's base name */
	const struct moat_conf_node *node; /* for error messages; owned by the moat_conf */
};

struct keyd_config {
	char *socket_path;
	char *control_path;
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
