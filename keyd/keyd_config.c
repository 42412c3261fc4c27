/*
 * moat-keyd.conf interpreter (see config.h). One function per directive; the
 * walk checks names first, so a misspelt directive is reported at its own
 * line before anything else is judged.
 */
#include "keyd/keyd_config.h"

#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

static const char *const top_directives[] = {
	"metrics", "socket", "control-socket", "allow", "key", "max-inflight", "workers", "inline-sign", "user",
	"max-peers-per-uid", "hello-timeout", "idle-timeout", "insecure-same-user", "insecure-run-as-root",
	"tickets",
};
static const char *const key_directives[] = { "name", "role", "tls12", "tls10", "rsa-key-exchange" };
static const char *const ticket_directives[] = { "encrypt-lifetime", "decrypt-lifetime", "early-data-record" };

const struct keyd_key_policy keyd_key_policy_default = {
	.server = true, .client = false, .tls12 = true, .tls10 = false, .rsa_key_exchange = false,
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static int dup_string(const char *s, char **out)
{
	char *p = strdup(s);
	ENSURE(p != NULL, MOAT_ERR_ALLOC);
	*out = p;
	return MOAT_SUCCESS;
}

/* path as written, or joined to the directory of the file the directive came from. */
static int resolve_path(struct moat_conf *conf, const struct moat_conf_node *n, const char *path, char **out)
{
	if (path[0] == '\0')
		return moat_conf_fail(conf, n, "empty path");
	if (path[0] == '/' || n->file == NULL || strchr(n->file, '/') == NULL)
		return dup_string(path, out);
	const char *slash = strrchr(n->file, '/');
	size_t dir_len = (size_t)(slash - n->file);
	size_t len = dir_len + 1 + strlen(path) + 1;
	if (len > PATH_MAX)
		return moat_conf_fail(conf, n, "path is longer than %d bytes", PATH_MAX);
	char *p = malloc(len);
	ENSURE(p != NULL, MOAT_ERR_ALLOC);
	memcpy(p, n->file, dir_len);
	p[dir_len] = '/';
	memcpy(p + dir_len + 1, path, strlen(path) + 1);
	*out = p;
	return MOAT_SUCCESS;
}

static int socket_path(struct moat_conf *conf, const struct moat_conf_node *n, char **out)
{
	const char *text;
	TRY(moat_conf_expect_args(conf, n, 1, 1));
	TRY(moat_conf_expect_no_block(conf, n));
	TRY(moat_conf_arg_text(conf, n, 0, &text));
	char *p = NULL;
	TRY(resolve_path(conf, n, text, &p));
	/* sun_path holds the path and its NUL. */
	if (strlen(p) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		size_t len = strlen(p);
		free(p);
		return moat_conf_fail(conf, n, "socket path is %zu bytes long, at most %zu fit a Unix socket address",
				      len, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	}
	*out = p;
	return MOAT_SUCCESS;
}

/*
 * metrics listen PATH (moat-keyd.conf(5), METRICS): a Unix socket only.
 * keyd's every way in is a socket file whose mode and owner decide who
 * connects; a TCP port, even on loopback, would let any local process
 * reach the one process that holds the private keys, with nothing for keyd
 * to check.
 */
static int read_metrics(struct moat_conf *conf, struct keyd_config *cfg)
{
	const struct moat_conf_node *n = NULL;
	const char *what, *text;
	TRY(moat_conf_find_unique(conf, &conf->root, "metrics", &n));
	if (n == NULL)
		return MOAT_SUCCESS;
	TRY(moat_conf_expect_args(conf, n, 2, 2));
	TRY(moat_conf_expect_no_block(conf, n));
	TRY(moat_conf_arg_text(conf, n, 0, &what));
	if (strcmp(what, "listen") != 0)
		return moat_conf_fail(conf, n, "metrics: unknown option \"%.64s\" (metrics listen PATH)", what);
	TRY(moat_conf_arg_text(conf, n, 1, &text));
	if (strchr(text, '/') == NULL && strchr(text, ':') != NULL)
		return moat_conf_fail(conf, n, "metrics: \"%.64s\": keyd serves its metrics on a Unix socket path only",
				      text);
	char *p = NULL;
	TRY(resolve_path(conf, n, text, &p));
	if (strlen(p) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		size_t len = strlen(p);
		free(p);
		return moat_conf_fail(conf, n, "socket path is %zu bytes long, at most %zu fit a Unix socket address",
				      len, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	}
	cfg->metrics_path = p;
	if (strcmp(p, cfg->socket_path) == 0 || strcmp(p, cfg->control_path) == 0)
		return moat_conf_fail(conf, n, "metrics: the metrics socket must not be the data or control socket");
	return MOAT_SUCCESS;
}

static int unique_socket(struct moat_conf *conf, const char *name, char **out, const char *dflt)
{
	const struct moat_conf_node *n = NULL;
	TRY(moat_conf_find_unique(conf, &conf->root, name, &n));
	if (n == NULL)
		return dup_string(dflt, out);
	return socket_path(conf, n, out);
}

static int parse_id(const char *text, uint32_t *out)
{
	/* Decimal digits only; uid_t -1 is "no uid" to setresuid and never a peer. */
	if (text[0] == '\0' || strlen(text) > 10)
		return MOAT_FAILURE;
	uint64_t v = 0;
	for (const char *p = text; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return MOAT_FAILURE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v >= UINT32_MAX)
		return MOAT_FAILURE;
	*out = (uint32_t)v;
	return MOAT_SUCCESS;
}

static int one_allow(struct moat_conf *conf, const struct moat_conf_node *n, struct keyd_allow *a)
{
	const char *kind, *value;
	TRY(moat_conf_expect_args(conf, n, 2, 2));
	TRY(moat_conf_expect_no_block(conf, n));
	TRY(moat_conf_arg_text(conf, n, 0, &kind));
	TRY(moat_conf_arg_text(conf, n, 1, &value));
	memset(a, 0, sizeof(*a));

	if (strcmp(kind, "user") == 0) {
		struct passwd *pw = getpwnam(value);
		if (pw == NULL)
			return moat_conf_fail(conf, n, "allow: unknown user \"%.64s\"", value);
		a->kind = KEYD_ALLOW_UID;
		a->id = pw->pw_uid;
		a->has_group = true;
		a->group = pw->pw_gid;
		snprintf(a->what, sizeof(a->what), "user %.40s (uid %u)", value, (unsigned)pw->pw_uid);
	} else if (strcmp(kind, "uid") == 0) {
		if (parse_id(value, &a->id) != MOAT_SUCCESS)
			return moat_conf_fail(conf, n, "allow uid: \"%.64s\" is not a number from 0 to 4294967294", value);
		a->kind = KEYD_ALLOW_UID;
		struct passwd *pw = getpwuid(a->id);
		if (pw != NULL) {
			a->has_group = true;
			a->group = pw->pw_gid;
		}
		snprintf(a->what, sizeof(a->what), "uid %u", (unsigned)a->id);
	} else if (strcmp(kind, "group") == 0) {
		struct group *gr = getgrnam(value);
		if (gr == NULL)
			return moat_conf_fail(conf, n, "allow: unknown group \"%.64s\"", value);
		a->kind = KEYD_ALLOW_GID;
		a->id = gr->gr_gid;
		a->has_group = true;
		a->group = gr->gr_gid;
		snprintf(a->what, sizeof(a->what), "group %.40s (gid %u)", value, (unsigned)gr->gr_gid);
	} else if (strcmp(kind, "gid") == 0) {
		if (parse_id(value, &a->id) != MOAT_SUCCESS)
			return moat_conf_fail(conf, n, "allow gid: \"%.64s\" is not a number from 0 to 4294967294", value);
		a->kind = KEYD_ALLOW_GID;
		a->has_group = true;
		a->group = a->id;
		snprintf(a->what, sizeof(a->what), "gid %u", (unsigned)a->id);
	} else {
		return moat_conf_fail(conf, n, "allow: \"%.32s\" is not one of user, uid, group, gid", kind);
	}
	return MOAT_SUCCESS;
}

/* A key name goes on the wire (LIST_KEYS) and into logs: no control bytes, at most 255 bytes. */
static int check_key_name(struct moat_conf *conf, const struct moat_conf_node *n, const char *name)
{
	if (strlen(name) > 255)
		return moat_conf_fail(conf, n, "key name is %zu bytes long, at most 255 are allowed", strlen(name));
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return moat_conf_fail(conf, n, "key name contains a control character");
	return MOAT_SUCCESS;
}

/* A yes/no directive in a block: *out keeps its default when the directive is absent. */
static int block_bool(struct moat_conf *conf, const struct moat_conf_node *parent, const char *name, bool *out)
{
	const struct moat_conf_node *n = NULL;
	TRY(moat_conf_find_unique(conf, parent, name, &n));
	if (n == NULL)
		return MOAT_SUCCESS;
	TRY(moat_conf_expect_args(conf, n, 1, 1));
	TRY(moat_conf_expect_no_block(conf, n));
	return moat_conf_arg_bool(conf, n, 0, out);
}

static int key_role(struct moat_conf *conf, const struct moat_conf_node *block, struct keyd_key_policy *p)
{
	const struct moat_conf_node *n = NULL;
	const char *role;
	TRY(moat_conf_find_unique(conf, block, "role", &n));
	if (n == NULL)
		return MOAT_SUCCESS;
	TRY(moat_conf_expect_args(conf, n, 1, 1));
	TRY(moat_conf_expect_no_block(conf, n));
	TRY(moat_conf_arg_text(conf, n, 0, &role));
	if (strcmp(role, "server") == 0) {
		p->server = true;
		p->client = false;
	} else if (strcmp(role, "client") == 0) {
		p->server = false;
		p->client = true;
	} else if (strcmp(role, "both") == 0) {
		p->server = true;
		p->client = true;
	} else {
		return moat_conf_fail(conf, n, "role: \"%.32s\" is not one of server, client, both", role);
	}
	return MOAT_SUCCESS;
}

static int one_key(struct moat_conf *conf, const struct moat_conf_node *n, struct keyd_key_conf *k)
{
	const char *path;
	TRY(moat_conf_expect_args(conf, n, 1, 1));
	TRY(moat_conf_arg_text(conf, n, 0, &path));
	k->node = n;
	k->policy = keyd_key_policy_default;
	TRY(resolve_path(conf, n, path, &k->path));

	const struct moat_conf_node *name_node = NULL;
	if (n->has_block) {
		TRY(moat_conf_check_names(conf, n, key_directives, N_OF(key_directives)));
		TRY(moat_conf_find_unique(conf, n, "name", &name_node));
		TRY(key_role(conf, n, &k->policy));
		/*
		 * tls12 defaults to yes for a server key only: with the client
		 * role it also lets the key sign TLS 1.2 CertificateVerify
		 * digests, any hash frontd names (moat-ipc(7), kind 4), which
		 * an operator must ask for in writing.
		 */
		if (k->policy.client)
			k->policy.tls12 = false;
		TRY(block_bool(conf, n, "tls12", &k->policy.tls12));
		TRY(block_bool(conf, n, "tls10", &k->policy.tls10));
		TRY(block_bool(conf, n, "rsa-key-exchange", &k->policy.rsa_key_exchange));
	}
	const char *name;
	if (name_node != NULL) {
		TRY(moat_conf_expect_args(conf, name_node, 1, 1));
		TRY(moat_conf_expect_no_block(conf, name_node));
		TRY(moat_conf_arg_text(conf, name_node, 0, &name));
		TRY(check_key_name(conf, name_node, name));
	} else {
		const char *slash = strrchr(path, '/');
		name = slash != NULL ? slash + 1 : path;
		TRY(check_key_name(conf, n, name));
	}
	return dup_string(name, &k->name);
}

static size_t count_named(const struct moat_conf_node *root, const char *name)
{
	size_t count = 0;
	for (size_t i = 0; i < root->child_count; i++)
		if (strcmp(root->children[i].name, name) == 0)
			count++;
	return count;
}

/*
 * A directive that is missing has no line of its own; the error names line 1
 * of the main file, so every config error has the one "file:line: message"
 * form tools and the tests expect.
 */
static int fail_missing(struct moat_conf *conf, const char *message)
{
	struct moat_conf_node start;
	memset(&start, 0, sizeof(start));
	start.file = conf->root.file;
	start.line = 1;
	return moat_conf_fail(conf, &start, "%s", message);
}

static int read_allows(struct moat_conf *conf, struct keyd_config *cfg)
{
	size_t count = count_named(&conf->root, "allow");
	if (count == 0)
		return fail_missing(conf, "no \"allow\" directive: name at least one user or group that may use keyd");
	cfg->allow = calloc(count, sizeof(*cfg->allow));
	ENSURE(cfg->allow != NULL, MOAT_ERR_ALLOC);
	for (size_t i = 0; i < conf->root.child_count; i++) {
		const struct moat_conf_node *n = &conf->root.children[i];
		if (strcmp(n->name, "allow") == 0)
			TRY(one_allow(conf, n, &cfg->allow[cfg->allow_count++]));
	}
	return MOAT_SUCCESS;
}

static int read_keys(struct moat_conf *conf, struct keyd_config *cfg)
{
	size_t count = count_named(&conf->root, "key");
	if (count == 0)
		return fail_missing(conf, "no \"key\" directive: keyd needs at least one key to serve");
	cfg->keys = calloc(count, sizeof(*cfg->keys));
	ENSURE(cfg->keys != NULL, MOAT_ERR_ALLOC);
	for (size_t i = 0; i < conf->root.child_count; i++) {
		const struct moat_conf_node *n = &conf->root.children[i];
		if (strcmp(n->name, "key") != 0)
			continue;
		if (cfg->key_count == KEYD_MAX_KEY_FILES)
			return moat_conf_fail(conf, n, "more than %u keys: LIST_KEYS cannot name them all",
					      KEYD_MAX_KEY_FILES);
		TRY(one_key(conf, n, &cfg->keys[cfg->key_count++]));
	}
	return MOAT_SUCCESS;
}

static int read_uint(struct moat_conf *conf, const char *name, uint64_t min, uint64_t max, unsigned dflt,
		     unsigned *out)
{
	const struct moat_conf_node *n = NULL;
	uint64_t v = dflt;
	TRY(moat_conf_find_unique(conf, &conf->root, name, &n));
	if (n != NULL) {
		TRY(moat_conf_expect_args(conf, n, 1, 1));
		TRY(moat_conf_expect_no_block(conf, n));
		TRY(moat_conf_arg_uint(conf, n, 0, min, max, &v));
	}
	*out = (unsigned)v;
	return MOAT_SUCCESS;
}

static int read_duration(struct moat_conf *conf, const char *name, uint64_t min_ms, uint64_t max_ms, uint64_t dflt,
			 uint64_t *out)
{
	const struct moat_conf_node *n = NULL;
	uint64_t v = dflt;
	TRY(moat_conf_find_unique(conf, &conf->root, name, &n));
	if (n != NULL) {
		TRY(moat_conf_expect_args(conf, n, 1, 1));
		TRY(moat_conf_expect_no_block(conf, n));
		TRY(moat_conf_arg_duration_ms(conf, n, 0, &v));
		if (v < min_ms || v > max_ms)
			return moat_conf_fail(conf, n, "%s: from %llu ms to %llu seconds", name,
					      (unsigned long long)min_ms, (unsigned long long)(max_ms / 1000));
	}
	*out = v;
	return MOAT_SUCCESS;
}

/* A lifetime in a tickets block, in whole seconds. */
static int ticket_lifetime(struct moat_conf *conf, const struct moat_conf_node *block, const char *name,
			   uint64_t min_s, uint32_t *out)
{
	const struct moat_conf_node *n = NULL;
	uint64_t ms;
	TRY(moat_conf_find_unique(conf, block, name, &n));
	if (n == NULL)
		return MOAT_SUCCESS;
	TRY(moat_conf_expect_args(conf, n, 1, 1));
	TRY(moat_conf_expect_no_block(conf, n));
	TRY(moat_conf_arg_duration_ms(conf, n, 0, &ms));
	if (ms % 1000 != 0 || ms / 1000 < min_s || ms / 1000 > KEYD_TICKET_LIFETIME_MAX_S)
		return moat_conf_fail(conf, n, "%s: whole seconds from %llus to %us", name, (unsigned long long)min_s,
				      KEYD_TICKET_LIFETIME_MAX_S);
	*out = (uint32_t)(ms / 1000);
	return MOAT_SUCCESS;
}

/* tickets [on|off] [{ encrypt-lifetime D  decrypt-lifetime D }] */
static int read_tickets(struct moat_conf *conf, struct keyd_config *cfg)
{
	const struct moat_conf_node *n = NULL;
	cfg->tickets = true;
	cfg->ticket_encrypt_s = KEYD_DEFAULT_TICKET_ENCRYPT_S;
	cfg->ticket_decrypt_s = KEYD_DEFAULT_TICKET_DECRYPT_S;
	cfg->early_data_record = KEYD_DEFAULT_EARLY_DATA_RECORD;
	TRY(moat_conf_find_unique(conf, &conf->root, "tickets", &n));
	if (n == NULL)
		return MOAT_SUCCESS;
	TRY(moat_conf_expect_args(conf, n, n->has_block ? 0 : 1, 1));
	if (n->argc == 1)
		TRY(moat_conf_arg_bool(conf, n, 0, &cfg->tickets));
	if (!n->has_block)
		return MOAT_SUCCESS;
	if (!cfg->tickets)
		return moat_conf_fail(conf, n, "tickets off takes no block");
	TRY(moat_conf_check_names(conf, n, ticket_directives, N_OF(ticket_directives)));
	TRY(ticket_lifetime(conf, n, "encrypt-lifetime", 1, &cfg->ticket_encrypt_s));
	TRY(ticket_lifetime(conf, n, "decrypt-lifetime", 0, &cfg->ticket_decrypt_s));
	/* early-data-record N: tickets kept in the single-use record of 0-RTT (keyd/early_record.h); 0: none. */
	const struct moat_conf_node *e = NULL;
	TRY(moat_conf_find_unique(conf, n, "early-data-record", &e));
	if (e == NULL)
		return MOAT_SUCCESS;
	uint64_t v;
	TRY(moat_conf_expect_args(conf, e, 1, 1));
	TRY(moat_conf_expect_no_block(conf, e));
	TRY(moat_conf_arg_uint(conf, e, 0, 0, KEYD_MAX_EARLY_DATA_RECORD, &v));
	cfg->early_data_record = (uint32_t)v;
	return MOAT_SUCCESS;
}

static int read_user(struct moat_conf *conf, struct keyd_config *cfg)
{
	const struct moat_conf_node *n = NULL;
	const char *name;
	TRY(moat_conf_find_unique(conf, &conf->root, "user", &n));
	if (n == NULL)
		return MOAT_SUCCESS;
	TRY(moat_conf_expect_args(conf, n, 1, 1));
	TRY(moat_conf_expect_no_block(conf, n));
	TRY(moat_conf_arg_text(conf, n, 0, &name));
	struct passwd *pw = getpwnam(name);
	if (pw == NULL)
		return moat_conf_fail(conf, n, "user: unknown user \"%.64s\"", name);
	if (pw->pw_uid == 0)
		return moat_conf_fail(conf, n, "user: \"%.64s\" is root; name an unprivileged user to run as", name);
	cfg->has_user = true;
	cfg->user_uid = pw->pw_uid;
	cfg->user_gid = pw->pw_gid;
	return dup_string(name, &cfg->user_name);
}

static int interpret(struct moat_conf *conf, struct keyd_config *cfg)
{
	TRY(moat_conf_check_names(conf, &conf->root, top_directives, N_OF(top_directives)));
	for (size_t i = 0; i < conf->root.child_count; i++) {
		const struct moat_conf_node *n = &conf->root.children[i];
		if (strcmp(n->name, "key") != 0 && strcmp(n->name, "tickets") != 0 && n->has_block)
			TRY(moat_conf_expect_no_block(conf, n));
	}
	TRY(unique_socket(conf, "socket", &cfg->socket_path, KEYD_DEFAULT_SOCKET));
	TRY(unique_socket(conf, "control-socket", &cfg->control_path, KEYD_DEFAULT_CONTROL_SOCKET));
	if (strcmp(cfg->socket_path, cfg->control_path) == 0) {
		const struct moat_conf_node *n = moat_conf_find(&conf->root, "control-socket");
		if (n == NULL)
			n = moat_conf_find(&conf->root, "socket");
		return moat_conf_fail(conf, n, "the data socket and the control socket must be different paths");
	}
	TRY(read_metrics(conf, cfg));
	TRY(read_allows(conf, cfg));
	TRY(read_keys(conf, cfg));
	TRY(read_uint(conf, "max-inflight", 1, KEYD_MAX_INFLIGHT_LIMIT, KEYD_DEFAULT_MAX_INFLIGHT, &cfg->max_inflight));
	TRY(read_uint(conf, "workers", 1, KEYD_MAX_WORKERS, 0, &cfg->workers));
	TRY(read_uint(conf, "inline-sign", 0, KEYD_MAX_INLINE_SIGN_US, KEYD_INLINE_SIGN_AUTO, &cfg->inline_sign_us));
	TRY(read_user(conf, cfg));
	TRY(read_uint(conf, "max-peers-per-uid", 1, KEYD_MAX_PEERS_LIMIT, KEYD_DEFAULT_MAX_PEERS_PER_UID,
		      &cfg->max_peers_per_uid));
	TRY(read_duration(conf, "hello-timeout", 1, KEYD_MAX_TIMEOUT_MS, KEYD_DEFAULT_HELLO_TIMEOUT_MS,
			  &cfg->hello_timeout_ms));
	TRY(read_duration(conf, "idle-timeout", 0, KEYD_MAX_TIMEOUT_MS, 0, &cfg->idle_timeout_ms));
	TRY(block_bool(conf, &conf->root, "insecure-same-user", &cfg->insecure_same_user));
	TRY(block_bool(conf, &conf->root, "insecure-run-as-root", &cfg->insecure_run_as_root));
	TRY(read_tickets(conf, cfg));
	return MOAT_SUCCESS;
}

static int finish(int parsed, struct moat_conf *conf, struct keyd_config *cfg)
{
	if (parsed != MOAT_SUCCESS)
		return MOAT_FAILURE;
	if (interpret(conf, cfg) != MOAT_SUCCESS) {
		/* Allocation failures carry no conf message: give them one, the caller prints only that. */
		if (moat_conf_error(conf)[0] == '\0') {
			int err = moat_errno;
			if (moat_conf_fail(conf, NULL, "%s", moat_strerror(err, NULL)) != MOAT_SUCCESS)
				moat_error_raise(err, MOAT_HERE);
		}
		return MOAT_FAILURE;
	}
	return MOAT_SUCCESS;
}

int keyd_config_read(struct moat_conf *conf, const char *path, struct keyd_config *cfg)
{
	ENSURE_REF(conf);
	ENSURE_REF(path);
	ENSURE_REF(cfg);
	memset(cfg, 0, sizeof(*cfg));
	return finish(moat_conf_parse_file(conf, path), conf, cfg);
}

int keyd_config_read_string(struct moat_conf *conf, const char *name, const char *text, struct keyd_config *cfg)
{
	ENSURE_REF(conf);
	ENSURE_REF(text);
	ENSURE_REF(cfg);
	memset(cfg, 0, sizeof(*cfg));
	return finish(moat_conf_parse_string(conf, name, text, strlen(text)), conf, cfg);
}

void keyd_config_free(struct keyd_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->socket_path);
	free(cfg->control_path);
	free(cfg->metrics_path);
	free(cfg->allow);
	for (size_t i = 0; i < cfg->key_count; i++) {
		free(cfg->keys[i].path);
		free(cfg->keys[i].name);
	}
	free(cfg->keys);
	free(cfg->user_name);
	memset(cfg, 0, sizeof(*cfg));
}

bool keyd_config_allows(const struct keyd_config *cfg, uint32_t uid, const uint32_t *gids, size_t gid_count)
{
	for (size_t i = 0; i < cfg->allow_count; i++) {
		const struct keyd_allow *a = &cfg->allow[i];
		if (a->kind == KEYD_ALLOW_UID && a->id == uid)
			return true;
		if (a->kind == KEYD_ALLOW_GID)
			for (size_t g = 0; g < gid_count; g++)
				if (gids[g] == a->id)
					return true;
	}
	return false;
}

bool keyd_config_socket_group(const struct keyd_config *cfg, gid_t *gid)
{
	/* A group rule says who is meant to connect; a user's primary group is the fallback. */
	for (size_t i = 0; i < cfg->allow_count; i++) {
		if (cfg->allow[i].kind == KEYD_ALLOW_GID) {
			*gid = cfg->allow[i].group;
			return true;
		}
	}
	for (size_t i = 0; i < cfg->allow_count; i++) {
		if (cfg->allow[i].has_group) {
			*gid = cfg->allow[i].group;
			return true;
		}
	}
	return false;
}
