/*
 * moat-frontd.conf interpretation (format: moat-frontd.conf(5)).
 *
 * The parser (policy/conf.h) gives a tree of directives with file:line;
 * this file walks it once, top level then each site block, and stops at
 * the first mistake with one message at the directive that caused it.
 * Checks that involve several directives (duplicate names, two default
 * sites, a site without a backend) name the later directive and, where it
 * helps, the place of the earlier one.
 *
 * Relative paths (certificates, the keyd socket, Unix backends) are taken
 * from the directory of the file that names them, like the parser's
 * include: frontd changes to / when it daemonizes, so a path that depends
 * on the starting directory would break at the first keyd reconnect.
 */
#include "frontd/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/session_cache.h"
#include "frontd/client_cert.h"
#include "frontd/config_files.h"
#include "frontd/ocsp.h"
#include "tls/config_policy.h"

#define MAX_CERT_FILE (1024u * 1024u)
#define MAX_TIMEOUT_MS (24u * 3600u * 1000u)

static const char *const top_directives[] = {
	"user", "group", "keyd", "keyd-timeout", "listen", "handshake-timeout", "idle-timeout", "site",
	"first-byte-timeout", "client-hello-timeout", "max-connections", "max-handshakes",
	"max-handshakes-per-source", "handshake-buffer-budget", "access-log", "policy", "drain-timeout", "drain-quiet", "tickets",
	"workers", "worker-cpu-affinity", "metrics", "session-cache", "ticket-lifetime", "tickets-per-handshake",
};
static const char *const site_directives[] = {
	"name", "certificate", "policy", "alpn", "default", "proxy-protocol", "tickets", "early-data",
	"early-data-max", "ticket-lifetime", "tickets-per-handshake",
	/* config_backends.c reads these once the rest of the site is loaded. */
	"backend", "balance", "backend-connect-timeout", "backend-failures",
	/* client_cert.c reads these once the rest of the site is loaded. */
	"client-auth", "client-ca", "client-crl", "client-verify-depth", "client-name",
};

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

void frontd_sockaddr_format(const struct sockaddr_storage *ss, socklen_t len, char *out, size_t out_size)
{
	char host[INET6_ADDRSTRLEN];
	if (ss->ss_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(out, out_size, "%s:%u", host, ntohs(in->sin_port));
	} else if (ss->ss_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(out, out_size, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else if (ss->ss_family == AF_UNIX) {
		const struct sockaddr_un *un = (const struct sockaddr_un *)ss;
		snprintf(out, out_size, "unix:%.*s", (int)sizeof(un->sun_path), un->sun_path);
	} else {
		snprintf(out, out_size, "?");
	}
}

/* Where a missing directive is reported: line 1 of the main file. */
static int fail_missing(struct moat_conf *conf, const char *what)
{
	struct moat_conf_node at = { .file = conf->root.file, .line = 1 };
	return moat_conf_fail(conf, &at, "%s", what);
}

/* path as given when absolute, else joined to the directory of the file the directive is in. */
int frontd_conf_resolve_path(struct moat_conf *conf, const struct moat_conf_node *n, const char *path, char *out,
			     size_t out_size)
{
	int len;
	const char *slash = strrchr(n->file, '/');
	if (path[0] == '\0')
		return moat_conf_fail(conf, n, "\"%s\": empty path", n->name);
	if (path[0] == '/' || slash == NULL)
		len = snprintf(out, out_size, "%s", path);
	else
		len = snprintf(out, out_size, "%.*s/%s", (int)(slash - n->file), n->file, path);
	if (len < 0 || (size_t)len >= out_size)
		return moat_conf_fail(conf, n, "\"%s\": path is too long", n->name);
	return MOAT_SUCCESS;
}

/* resolve_path, then absolute: what is opened again after the daemon changed to / (sockets, the access log). */
static int absolute_path(struct moat_conf *conf, const struct moat_conf_node *n, const char *path, char *full,
			 size_t full_size)
{
	char rel[PATH_MAX], cwd[PATH_MAX];
	TRY(frontd_conf_resolve_path(conf, n, path, rel, sizeof(rel)));
	if (rel[0] == '/') {
		if (strlen(rel) >= full_size)
			return moat_conf_fail(conf, n, "\"%s\": path is too long", n->name);
		memcpy(full, rel, strlen(rel) + 1);
	} else {
		int n_out = getcwd(cwd, sizeof(cwd)) != NULL ? snprintf(full, full_size, "%s/%s", cwd, rel) : -1;
		if (n_out < 0 || (size_t)n_out >= full_size)
			return moat_conf_fail(conf, n, "\"%s\": cannot make \"%s\" an absolute path", n->name, rel);
	}
	return MOAT_SUCCESS;
}

int frontd_conf_unix_sockaddr(struct moat_conf *conf, const struct moat_conf_node *n, const char *path,
			      struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_un *un = (struct sockaddr_un *)ss;
	char full[PATH_MAX];
	TRY(absolute_path(conf, n, path, full, sizeof(full)));
	if (strlen(full) >= sizeof(un->sun_path))
		return moat_conf_fail(conf, n, "\"%s\": socket path is longer than %zu bytes", n->name,
				      sizeof(un->sun_path) - 1);
	memset(ss, 0, sizeof(*ss));
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path, full, strlen(full) + 1);
	*len = (socklen_t)sizeof(*un);
	return MOAT_SUCCESS;
}

/* A duration from min_ms (0 or 1) to 24 hours. */
static int duration_arg(struct moat_conf *conf, const struct moat_conf_node *n, uint64_t min_ms, uint32_t *out)
{
	uint64_t ms;
	TRY(moat_conf_expect_args(conf, n, 1, 1));
	TRY(moat_conf_expect_no_block(conf, n));
	TRY(moat_conf_arg_duration_ms(conf, n, 0, &ms));
	if (ms < min_ms || ms > MAX_TIMEOUT_MS)
		return moat_conf_fail(conf, n, "\"%s\": %s is out of range (%s..24h)", n->name, n->args[0].text,
				      min_ms == 0 ? "0" : "1ms");
	*out = (uint32_t)ms;
	return MOAT_SUCCESS;
}

static int timeout_arg(struct moat_conf *conf, const struct moat_conf_node *n, uint32_t *out)
{
	return duration_arg(conf, n, 1, out);
}

static int count_arg(struct moat_conf *conf, const struct moat_conf_node *n, size_t *out)
{
	uint64_t v;
	TRY(moat_conf_expect_args(conf, n, 1, 1));
	TRY(moat_conf_expect_no_block(conf, n));
	TRY(moat_conf_arg_uint(conf, n, 0, 1, 10000000u, &v));
	*out = (size_t)v;
	return MOAT_SUCCESS;
}

static int string_arg(struct moat_conf *conf, const struct moat_conf_node *n, char **out)
{
	const char *text;
	TRY(moat_conf_expect_args(conf, n, 1, 1));
	TRY(moat_conf_expect_no_block(conf, n));
	TRY(moat_conf_arg_text(conf, n, 0, &text));
	free(*out);
	*out = dup_str(text);
	ENSURE(*out != NULL, MOAT_ERR_ALLOC);
	return MOAT_SUCCESS;
}

/* The whole file, or NULL with *why saying what went wrong. */
uint8_t *frontd_conf_read_file(const char *path, size_t *len, const char **why)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*why = strerror(errno);
		return NULL;
	}
	struct stat st;
	uint8_t *buf = NULL;
	size_t size = 0, got = 0;
	if (fstat(fd, &st) < 0) {
		*why = strerror(errno);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		goto fail;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > MAX_CERT_FILE) {
		*why = "larger than 1 MiB";
		goto fail;
	}
	size = (size_t)st.st_size;
	buf = malloc(size + 1);
	if (buf == NULL) {
		*why = strerror(ENOMEM);
		goto fail;
	}
	while (got < size) {
		ssize_t r = read(fd, buf + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*why = r == 0 ? "file shrank while being read" : strerror(errno);
			goto fail;
		}
		got += (size_t)r;
	}
	close(fd);
	buf[size] = '\0';
	*len = size;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

static int load_certificate(struct moat_conf *conf, const struct moat_conf_node *n, struct frontd_site *site)
{
	const char *arg;
	char path[PATH_MAX];
	uint8_t *pem;
	size_t len;
	TRY(moat_conf_expect_args(conf, n, 1, 3));
	TRY(moat_conf_expect_no_block(conf, n));
	TRY(moat_conf_arg_text(conf, n, 0, &arg));
	if (n->argc > 1 && (n->argc != 3 || strcmp(n->args[1].text, "ocsp-staple") != 0))
		return moat_conf_fail(conf, n, "\"certificate\": after the file, only ocsp-staple \"file\"");
	TRY(frontd_conf_resolve_path(conf, n, arg, path, sizeof(path)));
	const char *why = "";
	pem = frontd_conf_read_file(path, &len, &why);
	if (pem == NULL)
		return moat_conf_fail(conf, n, "cannot read certificate \"%s\": %s", path, why);
	int rc = frontd_site_add_cert_pem(site, pem, len);
	int err = moat_errno;
	free(pem);
	if (rc == MOAT_SUCCESS) {
		/* -t names the directive of a certificate whose key keyd lacks (keyd_keys.h). */
		char origin[PATH_MAX + 16];
		snprintf(origin, sizeof(origin), "%s:%u", n->file, n->line);
		site->certs[site->cert_count - 1].origin = dup_str(origin);
		ENSURE(site->certs[site->cert_count - 1].origin != NULL, MOAT_ERR_ALLOC);
		if (n->argc < 3)
			return MOAT_SUCCESS;
		TRY(frontd_conf_resolve_path(conf, n, n->args[2].text, path, sizeof(path)));
		return frontd_ocsp_load(conf, n, &site->certs[site->cert_count - 1], path, (uint64_t)time(NULL));
	}
	if (err == MOAT_ERR_INVALID_STATE)
		return moat_conf_fail(conf, n, "certificate \"%s\": site \"%s\" already has a certificate for this key type",
				      path, site->name);
	if (err == MOAT_ERR_UNSUPPORTED_CERTIFICATE || err == MOAT_ERR_NOT_SUPPORTED)
		return moat_conf_fail(conf, n, "certificate \"%s\": unsupported key type (RSA, RSA-PSS, ECDSA P-256 or P-384)",
				      path);
	if (err == MOAT_ERR_ALLOC)
		BAIL(MOAT_ERR_ALLOC);
	return moat_conf_fail(conf, n, "certificate \"%s\" is not a PEM certificate chain", path);
}

static int site_names(struct moat_conf *conf, const struct moat_conf_node *n, struct frontd_site *site,
		      const struct frontd_sites *sites)
{
	char name[FRONTD_MAX_NAME + 2];
	TRY(moat_conf_expect_args(conf, n, 1, MOAT_CONF_MAX_ARGS));
	TRY(moat_conf_expect_no_block(conf, n));
	for (size_t i = 0; i < n->argc; i++) {
		const char *text = n->args[i].text;
		if (frontd_name_normalize(text, name, sizeof(name)) < 0)
			return moat_conf_fail(conf, n, "\"%s\" is not a valid server name", text);
		struct frontd_site *other = frontd_sites_find_exact(sites, name);
		if (other == NULL) {
			for (size_t j = 0; j < site->name_count && other == NULL; j++)
				if (strcmp(site->names[j], name) == 0)
					other = site;
		}
		if (other != NULL)
			return moat_conf_fail(conf, n, "duplicate site name \"%s\" (already used by site \"%s\")", name,
					      other->name);
		TRY(frontd_site_add_name(site, name));
	}
	return MOAT_SUCCESS;
}

/* tickets on|off (top level or in a site). */
static int tickets_arg(struct moat_conf *conf, const struct moat_conf_node *n, bool *on)
{
	TRY(moat_conf_expect_args(conf, n, 1, 1));
	TRY(moat_conf_expect_no_block(conf, n));
	return moat_conf_arg_bool(conf, n, 0, on);
}

/* "workers N|auto": auto is 0, resolved when the generation starts (frontd_config_workers). */
static int workers_arg(struct moat_conf *conf, const struct moat_conf_node *n, unsigned *out)
{
	const char *text;
	uint64_t v;
	TRY(moat_conf_expect_args(conf, n, 1, 1));
	TRY(moat_conf_expect_no_block(conf, n));
	TRY(moat_conf_arg_text(conf, n, 0, &text));
	if (strcmp(text, "auto") == 0) {
		*out = 0;
		return MOAT_SUCCESS;
	}
	TRY(moat_conf_arg_uint(conf, n, 0, 1, FRONTD_MAX_WORKERS, &v));
	*out = (unsigned)v;
	return MOAT_SUCCESS;
}

/* ticket-lifetime DURATION: whole seconds, 1 s to 7 days (RFC 8446 §4.6.1). */
static int ticket_lifetime_arg(struct moat_conf *conf, const struct moat_conf_node *n, uint32_t *out)
{
	uint64_t ms;
	TRY(moat_conf_expect_args(conf, n, 1, 1));
	TRY(moat_conf_expect_no_block(conf, n));
	TRY(moat_conf_arg_duration_ms(conf, n, 0, &ms));
	if (ms % 1000 != 0 || ms < 1000 || ms / 1000 > MOAT_TICKET_LIFETIME_MAX_S)
		return moat_conf_fail(conf, n, "\"%s\": whole seconds from 1s to 7 days (604800s)", n->name);
	*out = (uint32_t)(ms / 1000);
	return MOAT_SUCCESS;
}

/* tickets-per-handshake N: NewSessionTickets after each TLS 1.3 handshake, 0 to 16. */
static int tickets_per_handshake_arg(struct moat_conf *conf, const struct moat_conf_node *n, int *out)
{
	uint64_t v;
	TRY(moat_conf_expect_args(conf, n, 1, 1));
	TRY(moat_conf_expect_no_block(conf, n));
	TRY(moat_conf_arg_uint(conf, n, 0, 0, 16, &v));
	*out = (int)v;
	return MOAT_SUCCESS;
}

static int site_directive(struct moat_conf *conf, const struct moat_conf_node *n, const struct frontd_config *cfg,
			  struct frontd_site *site, const struct frontd_sites *sites)
{
	if (strncmp(n->name, "client-", 7) == 0)
		return MOAT_SUCCESS; /* client_cert.c */
	if (frontd_config_is_backend_directive(n->name))
		return MOAT_SUCCESS; /* config_backends.c */
	if (strcmp(n->name, "name") == 0)
		return site_names(conf, n, site, sites);
	if (strcmp(n->name, "certificate") == 0)
		return load_certificate(conf, n, site);
	if (strcmp(n->name, "default") == 0) {
		TRY(moat_conf_expect_args(conf, n, 0, 0));
		TRY(moat_conf_expect_no_block(conf, n));
		site->is_default = true;
		return MOAT_SUCCESS;
	}
	if (strcmp(n->name, "proxy-protocol") == 0) {
		static const char *const words[] = { "v1", "v2" };
		size_t w;
		TRY(moat_conf_expect_args(conf, n, 1, 1));
		TRY(moat_conf_expect_no_block(conf, n));
		TRY(moat_conf_arg_choice(conf, n, 0, words, 2, &w));
		site->proxy_protocol = w == 0 ? FRONTD_PP_V1 : FRONTD_PP_V2;
		return MOAT_SUCCESS;
	}
	if (strcmp(n->name, "tickets") == 0) {
		bool on;
		TRY(tickets_arg(conf, n, &on));
		site->tickets = on ? FRONTD_TICKETS_ON : FRONTD_TICKETS_OFF;
		return MOAT_SUCCESS;
	}
	if (strcmp(n->name, "ticket-lifetime") == 0)
		return ticket_lifetime_arg(conf, n, &site->ticket_lifetime_s);
	if (strcmp(n->name, "tickets-per-handshake") == 0)
		return tickets_per_handshake_arg(conf, n, &site->tickets_per_handshake);
	/* early-data on|off (0-RTT, moat-frontd.conf(5) "Early data"); early-data-max SIZE. */
	if (strcmp(n->name, "early-data") == 0)
		return tickets_arg(conf, n, &site->early_data);
	if (strcmp(n->name, "early-data-max") == 0) {
		uint64_t bytes;
		TRY(moat_conf_expect_args(conf, n, 1, 1));
		TRY(moat_conf_expect_no_block(conf, n));
		TRY(moat_conf_arg_size(conf, n, 0, 1, FRONTD_EARLY_DATA_MAX, &bytes));
		site->early_data_max = (uint32_t)bytes;
		return MOAT_SUCCESS;
	}
	if (strcmp(n->name, "alpn") == 0) {
		const char *protocols[MOAT_CONF_MAX_ARGS];
		TRY(moat_conf_expect_args(conf, n, 1, MOAT_CONF_MAX_ARGS));
		TRY(moat_conf_expect_no_block(conf, n));
		for (size_t i = 0; i < n->argc; i++)
			protocols[i] = n->args[i].text;
		if (frontd_site_set_alpn(site, protocols, n->argc) < 0)
			return moat_conf_fail(conf, n, "\"alpn\": each protocol name must be 1 to 255 bytes");
		return MOAT_SUCCESS;
	}
	/* policy: the one directive left, the names were checked before. */
	const char *name;
	TRY(moat_conf_expect_args(conf, n, 1, 1));
	TRY(moat_conf_expect_no_block(conf, n));
	TRY(moat_conf_arg_text(conf, n, 0, &name));
	const struct moat_security_policy *p = frontd_config_find_policy(cfg, name);
	if (p == NULL)
		return moat_conf_fail(conf, n,
				      "unknown security policy \"%s\" (a built-in name, see moat-frontd.conf(5), or a "
				      "policy block)",
				      name);
	TRY(frontd_site_set_policy(site, p));
	return MOAT_SUCCESS;
}

const struct moat_security_policy *frontd_config_find_policy(const struct frontd_config *cfg, const char *name)
{
	if (cfg == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < cfg->policy_count; i++)
		if (strcmp(cfg->policies[i].name, name) == 0)
			return &cfg->policies[i].policy;
	return moat_security_policy_find(name);
}

/* Every policy block, before any site names one (a block may use an earlier one as its base). */
static int load_policies(struct moat_conf *conf, struct frontd_config *cfg)
{
	const struct moat_conf_node *root = &conf->root;
	size_t count = 0;
	for (size_t i = 0; i < root->child_count; i++)
		count += strcmp(root->children[i].name, "policy") == 0;
	if (count == 0)
		return MOAT_SUCCESS;
	cfg->policies = calloc(count, sizeof(*cfg->policies));
	ENSURE(cfg->policies != NULL, MOAT_ERR_ALLOC);
	for (size_t i = 0; i < root->child_count; i++) {
		const struct moat_conf_node *n = &root->children[i];
		if (strcmp(n->name, "policy") != 0)
			continue;
		TRY(moat_policy_block_load(conf, n, cfg->policies, cfg->policy_count, &cfg->policies[cfg->policy_count]));
		cfg->policy_count++;
	}
	return MOAT_SUCCESS;
}

/* The site's policy must be able to use one of its certificates (at the policy line, or the site's if none). */
static int check_site_policy(struct moat_conf *conf, const struct moat_conf_node *n, const struct frontd_site *site)
{
	char why[256];
	if (moat_config_check_server_policy(site->tls, why, sizeof(why)) == MOAT_SUCCESS)
		return MOAT_SUCCESS;
	const struct moat_conf_node *at = moat_conf_find(n, "policy");
	return moat_conf_fail(conf, at != NULL ? at : n, "site \"%s\": %s", site->name, why);
}

static int load_site(struct moat_conf *conf, const struct moat_conf_node *n, const struct frontd_config *cfg,
		     struct frontd_sites *sites)
{
	char name[FRONTD_MAX_NAME + 2];
	const char *text;
	const struct moat_conf_node *dup;
	TRY(moat_conf_expect_args(conf, n, 1, 1));
	TRY(moat_conf_expect_block(conf, n));
	TRY(moat_conf_arg_text(conf, n, 0, &text));
	if (frontd_name_normalize(text, name, sizeof(name)) < 0)
		return moat_conf_fail(conf, n, "\"%s\" is not a valid server name", text);
	struct frontd_site *other = frontd_sites_find_exact(sites, name);
	if (other != NULL)
		return moat_conf_fail(conf, n, "duplicate site name \"%s\" (already used by site \"%s\")", name,
				      other->name);
	TRY(moat_conf_check_names(conf, n, site_directives, sizeof(site_directives) / sizeof(site_directives[0])));
	/* Single-valued directives: a second one is a mistake, not an override. */
	static const char *const once[] = { "policy", "alpn", "default", "proxy-protocol", "tickets", "early-data",
					    "early-data-max", "ticket-lifetime", "tickets-per-handshake" };
	for (size_t i = 0; i < sizeof(once) / sizeof(once[0]); i++)
		TRY(moat_conf_find_unique(conf, n, once[i], &dup));

	struct frontd_site *site = frontd_site_new(name);
	ENSURE(site != NULL, MOAT_ERR_ALLOC);
	for (size_t i = 0; i < n->child_count; i++) {
		if (site_directive(conf, &n->children[i], cfg, site, sites) < 0) {
			frontd_site_free(site);
			return MOAT_FAILURE;
		}
	}
	int rc = frontd_config_backends_load(conf, n, site);
	if (rc < 0)
		goto out;
	if (site->cert_count == 0)
		rc = moat_conf_fail(conf, n, "site \"%s\" has no certificate", site->name);
	else if (site->backend_set_count == 0)
		rc = moat_conf_fail(conf, n, "site \"%s\" has no backend", site->name);
	else if (site->is_default && sites->fallback != NULL && sites->fallback->is_default)
		rc = moat_conf_fail(conf, n, "site \"%s\" is marked default, but site \"%s\" already is", site->name,
				    sites->fallback->name);
	else
		rc = check_site_policy(conf, n, site);
	if (rc == MOAT_SUCCESS)
		rc = frontd_client_cert_load(conf, n, site);
	if (rc == MOAT_SUCCESS && frontd_sites_add(sites, site) == MOAT_SUCCESS)
		return MOAT_SUCCESS;
out:
	frontd_site_free(site);
	return MOAT_FAILURE;
}

/* "10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "::1": an address, optionally /prefix. */
static int parse_cidr(struct moat_conf *conf, const struct moat_conf_node *n, const char *text, struct frontd_cidr *out)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t hlen = slash != NULL ? (size_t)(slash - text) : strlen(text);
	memset(out, 0, sizeof(*out));
	if (hlen == 0 || hlen >= sizeof(host))
		goto bad;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, host, out->addr) == 1)
		out->family = AF_INET6;
	else
		goto bad;
	unsigned max = out->family == AF_INET ? 32u : 128u;
	out->prefix = max;
	if (slash != NULL) {
		const char *p = slash + 1;
		unsigned v = 0;
		if (*p == '\0' || strlen(p) > 3 || (p[0] == '0' && p[1] != '\0'))
			goto bad;
		for (; *p != '\0'; p++) {
			if (*p < '0' || *p > '9')
				goto bad;
			v = v * 10u + (unsigned)(*p - '0');
		}
		if (v > max)
			goto bad;
		out->prefix = v;
	}
	return MOAT_SUCCESS;
bad:
	return moat_conf_fail(conf, n, "\"listen\": \"%s\" is not an address or address/prefix", text);
}

static bool cidr_contains(const struct frontd_cidr *c, int family, const uint8_t *addr)
{
	if (c->family != family)
		return false;
	unsigned full = c->prefix / 8u, rest = c->prefix % 8u;
	if (memcmp(c->addr, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xffu << (8u - rest));
	return (c->addr[full] & mask) == (addr[full] & mask);
}

bool frontd_listen_trusts(const struct frontd_listen *l, const struct sockaddr_storage *peer, socklen_t len)
{
	uint8_t v4[4];
	const uint8_t *addr;
	int family = peer->ss_family;
	if (family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		addr = (const uint8_t *)&((const struct sockaddr_in *)peer)->sin_addr;
	} else if (family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)peer)->sin6_addr;
		addr = a6->s6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			memcpy(v4, a6->s6_addr + 12, 4);
			addr = v4;
			family = AF_INET;
		}
	} else {
		return false;
	}
	for (size_t i = 0; i < l->trusted_count; i++)
		if (cidr_contains(&l->trusted[i], family, addr))
			return true;
	return false;
}

/* The port of an IPv4 or IPv6 listen address, and whether the address is the wildcard. */
static uint16_t listen_port(const struct frontd_listen *l, bool *wildcard)
{
	if (l->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&l->addr;
		*wildcard = IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);
		return ntohs(in6->sin6_port);
	}
	const struct sockaddr_in *in = (const struct sockaddr_in *)&l->addr;
	*wildcard = in->sin_addr.s_addr == htonl(INADDR_ANY);
	return ntohs(in->sin_port);
}

/*
 * Two listeners the kernel will not both bind: the same family and port,
 * one of them the wildcard address ("*:443" and "127.0.0.1:443"; IPv6
 * sockets are V6ONLY, so "[::]:443" and "*:443" may coexist). Found here so
 * that -t reports it, instead of start-up failing on EADDRINUSE.
 */
static bool listen_overlaps(const struct frontd_listen *a, const struct frontd_listen *b)
{
	bool wa, wb;
	if (a->addr.ss_family != b->addr.ss_family)
		return false;
	return listen_port(a, &wa) == listen_port(b, &wb) && (wa || wb);
}

static int load_listen(struct moat_conf *conf, const struct moat_conf_node *n, struct frontd_config *cfg)
{
	TRY(moat_conf_expect_args(conf, n, 1, 2 + FRONTD_MAX_TRUSTED));
	TRY(moat_conf_expect_no_block(conf, n));
	if (cfg->listen_count == FRONTD_MAX_LISTEN)
		return moat_conf_fail(conf, n, "more than %d listen directives", FRONTD_MAX_LISTEN);
	struct frontd_listen *l = &cfg->listen[cfg->listen_count];
	TRY(moat_conf_arg_sockaddr(conf, n, 0, &l->addr, &l->addr_len));
	frontd_sockaddr_format(&l->addr, l->addr_len, l->desc, sizeof(l->desc));
	if (n->argc > 1) {
		if (strcmp(n->args[1].text, "proxy-protocol") != 0)
			return moat_conf_fail(conf, n, "\"listen\": unknown option \"%s\" (proxy-protocol)", n->args[1].text);
		if (n->argc == 2)
			return moat_conf_fail(conf, n, "\"listen\": proxy-protocol needs the addresses it is accepted from");
		l->accept_proxy = true;
		for (size_t i = 2; i < n->argc; i++)
			TRY(parse_cidr(conf, n, n->args[i].text, &l->trusted[l->trusted_count++]));
	}
	for (size_t i = 0; i < cfg->listen_count; i++)
		if (cfg->listen[i].addr_len == l->addr_len && memcmp(&cfg->listen[i].addr, &l->addr, l->addr_len) == 0)
			return moat_conf_fail(conf, n, "duplicate listen address %s", l->desc);
	for (size_t i = 0; i < cfg->listen_count; i++)
		if (listen_overlaps(&cfg->listen[i], l))
			return moat_conf_fail(conf, n,
					      "listen address %s overlaps %s: a wildcard address takes its port for "
					      "every address of the family",
					      l->desc, cfg->listen[i].desc);
	cfg->listen_count++;
	return MOAT_SUCCESS;
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const uint8_t *a = (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
		return a[0] == 127;
	}
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

/*
 * metrics listen ADDR (moat-frontd.conf(5), METRICS): a Unix socket path
 * (anything with a '/' or without a ':') or a loopback address:port. The counters say what
 * the daemon serves and how busy it is, and the endpoint has no
 * authentication: it is never offered beyond the host.
 */
static int load_metrics(struct moat_conf *conf, const struct moat_conf_node *n, struct frontd_config *cfg)
{
	const char *what, *text;
	TRY(moat_conf_expect_args(conf, n, 2, 2));
	TRY(moat_conf_expect_no_block(conf, n));
	TRY(moat_conf_arg_text(conf, n, 0, &what));
	if (strcmp(what, "listen") != 0)
		return moat_conf_fail(conf, n, "\"metrics\": unknown option \"%s\" (metrics listen ADDRESS)", what);
	if (cfg->listen_count == FRONTD_MAX_LISTEN)
		return moat_conf_fail(conf, n, "more than %d listen directives", FRONTD_MAX_LISTEN);
	struct frontd_listen *l = &cfg->listen[cfg->listen_count];
	TRY(moat_conf_arg_text(conf, n, 1, &text));
	if (strchr(text, '/') != NULL || strchr(text, ':') == NULL) {
		TRY(frontd_conf_unix_sockaddr(conf, n, text, &l->addr, &l->addr_len));
	} else {
		TRY(moat_conf_arg_sockaddr(conf, n, 1, &l->addr, &l->addr_len));
		if (!is_loopback(&l->addr))
			return moat_conf_fail(conf, n,
					      "\"metrics\": %s is not a loopback address: the endpoint has no "
					      "authentication (use 127.0.0.1, [::1] or a Unix socket path)",
					      text);
	}
	frontd_sockaddr_format(&l->addr, l->addr_len, l->desc, sizeof(l->desc));
	l->metrics = true;
	for (size_t i = 0; i < cfg->listen_count; i++)
		if ((cfg->listen[i].addr_len == l->addr_len && memcmp(&cfg->listen[i].addr, &l->addr, l->addr_len) == 0) ||
		    (l->addr.ss_family != AF_UNIX && listen_overlaps(&cfg->listen[i], l)))
			return moat_conf_fail(conf, n, "\"metrics\": %s is a TLS listen address too", l->desc);
	cfg->listen_count++;
	return MOAT_SUCCESS;
}

/* access-log off | syslog | PATH [plain | json] (moat-frontd.conf(5)). */
static int load_access_log(struct moat_conf *conf, const struct moat_conf_node *n, struct frontd_config *cfg)
{
	const char *where, *format = "plain";
	TRY(moat_conf_expect_args(conf, n, 1, 2));
	TRY(moat_conf_expect_no_block(conf, n));
	TRY(moat_conf_arg_text(conf, n, 0, &where));
	if (n->argc == 2)
		TRY(moat_conf_arg_text(conf, n, 1, &format));
	if (strcmp(format, "plain") == 0)
		cfg->access_log_format = FRONTD_ACCESSLOG_PLAIN;
	else if (strcmp(format, "json") == 0)
		cfg->access_log_format = FRONTD_ACCESSLOG_JSON;
	else
		return moat_conf_fail(conf, n, "\"access-log\": unknown format \"%s\" (plain or json)", format);
	/* The words are keywords only unquoted: "syslog" in quotes is a file of that name. */
	if (!n->args[0].quoted && strcmp(where, "off") == 0) {
		if (n->argc == 2)
			return moat_conf_fail(conf, n, "\"access-log off\" takes no format");
		cfg->access_log = FRONTD_ACCESSLOG_OFF;
		return MOAT_SUCCESS;
	}
	if (!n->args[0].quoted && strcmp(where, "syslog") == 0) {
		cfg->access_log = FRONTD_ACCESSLOG_SYSLOG;
		return MOAT_SUCCESS;
	}
	char full[PATH_MAX];
	TRY(absolute_path(conf, n, where, full, sizeof(full)));
	if (full[strlen(full) - 1] == '/')
		return moat_conf_fail(conf, n, "\"access-log\": \"%s\" names a directory, not a file", full);
	cfg->access_log = FRONTD_ACCESSLOG_FILE;
	cfg->access_log_path = dup_str(full);
	ENSURE(cfg->access_log_path != NULL, MOAT_ERR_ALLOC);
	return MOAT_SUCCESS;
}

static int load_user(struct moat_conf *conf, const struct moat_conf_node *user, const struct moat_conf_node *group,
		     struct frontd_config *cfg)
{
	if (user == NULL) {
		if (group != NULL)
			return moat_conf_fail(conf, group, "\"group\" needs a \"user\" directive");
		return MOAT_SUCCESS;
	}
	TRY(string_arg(conf, user, &cfg->user));
	/* Looked up now, so that -t catches a typo and a chroot later cannot hide the databases. */
	struct passwd *pw = getpwnam(cfg->user);
	if (pw == NULL)
		return moat_conf_fail(conf, user, "unknown user \"%s\"", cfg->user);
	cfg->uid = pw->pw_uid;
	cfg->gid = pw->pw_gid;
	if (group != NULL) {
		TRY(string_arg(conf, group, &cfg->group));
		struct group *gr = getgrnam(cfg->group);
		if (gr == NULL)
			return moat_conf_fail(conf, group, "unknown group \"%s\"", cfg->group);
		cfg->gid = gr->gr_gid;
	}
	return MOAT_SUCCESS;
}

static int load_tree(struct frontd_config *cfg, struct moat_conf *conf)
{
	const struct moat_conf_node *root = &conf->root;
	const struct moat_conf_node *user, *group, *keyd, *n;

	TRY(moat_conf_check_names(conf, root, top_directives, sizeof(top_directives) / sizeof(top_directives[0])));
	TRY(moat_conf_find_unique(conf, root, "user", &user));
	TRY(moat_conf_find_unique(conf, root, "group", &group));
	TRY(moat_conf_find_unique(conf, root, "keyd", &keyd));
	TRY(load_user(conf, user, group, cfg));

	TRY(moat_conf_find_unique(conf, root, "keyd-timeout", &n));
	if (n != NULL)
		TRY(timeout_arg(conf, n, &cfg->keyd_timeout_ms));
	TRY(moat_conf_find_unique(conf, root, "handshake-timeout", &n));
	if (n != NULL)
		TRY(timeout_arg(conf, n, &cfg->handshake_timeout_ms));
	TRY(moat_conf_find_unique(conf, root, "idle-timeout", &n));
	if (n != NULL)
		TRY(timeout_arg(conf, n, &cfg->idle_timeout_ms));
	/* 0 is allowed: stop at once, closing every connection with close_notify. */
	TRY(moat_conf_find_unique(conf, root, "drain-timeout", &n));
	if (n != NULL)
		TRY(duration_arg(conf, n, 0, &cfg->drain_timeout_ms));
	TRY(moat_conf_find_unique(conf, root, "drain-quiet", &n));
	if (n != NULL)
		TRY(timeout_arg(conf, n, &cfg->drain_quiet_ms));
	TRY(moat_conf_find_unique(conf, root, "first-byte-timeout", &n));
	if (n != NULL)
		TRY(timeout_arg(conf, n, &cfg->first_byte_timeout_ms));
	TRY(moat_conf_find_unique(conf, root, "client-hello-timeout", &n));
	if (n != NULL)
		TRY(timeout_arg(conf, n, &cfg->client_hello_timeout_ms));
	TRY(moat_conf_find_unique(conf, root, "max-connections", &n));
	if (n != NULL)
		TRY(count_arg(conf, n, &cfg->max_connections));
	TRY(moat_conf_find_unique(conf, root, "max-handshakes", &n));
	if (n != NULL)
		TRY(count_arg(conf, n, &cfg->max_handshakes));
	TRY(moat_conf_find_unique(conf, root, "max-handshakes-per-source", &n));
	if (n != NULL)
		TRY(count_arg(conf, n, &cfg->max_handshakes_per_source));
	TRY(moat_conf_find_unique(conf, root, "handshake-buffer-budget", &n));
	if (n != NULL) {
		uint64_t bytes;
		TRY(moat_conf_expect_args(conf, n, 1, 1));
		TRY(moat_conf_expect_no_block(conf, n));
		/* Room for one whole ClientHello of the largest size the TLS library takes (128 KiB) in its records. */
		TRY(moat_conf_arg_size(conf, n, 0, 256u * 1024u, 64ull * 1024u * 1024u * 1024u, &bytes));
		cfg->handshake_buffer_budget = (size_t)bytes;
	}

	TRY(moat_conf_find_unique(conf, root, "tickets", &n));
	if (n != NULL)
		TRY(tickets_arg(conf, n, &cfg->tickets));
	TRY(moat_conf_find_unique(conf, root, "workers", &n));
	if (n != NULL)
		TRY(workers_arg(conf, n, &cfg->workers));
	TRY(moat_conf_find_unique(conf, root, "worker-cpu-affinity", &n));
	if (n != NULL)
		TRY(tickets_arg(conf, n, &cfg->worker_cpu_affinity));
	TRY(moat_conf_find_unique(conf, root, "session-cache", &n));
	if (n != NULL) {
		uint64_t entries;
		TRY(moat_conf_expect_args(conf, n, 1, 1));
		TRY(moat_conf_expect_no_block(conf, n));
		/* 0 switches the cache off; the most is the cache's own limit. */
		TRY(moat_conf_arg_uint(conf, n, 0, 0, MOAT_SESSION_CACHE_ENTRIES_MAX, &entries));
		cfg->session_cache = (size_t)entries;
	}
	TRY(moat_conf_find_unique(conf, root, "ticket-lifetime", &n));
	if (n != NULL)
		TRY(ticket_lifetime_arg(conf, n, &cfg->ticket_lifetime_s));
	TRY(moat_conf_find_unique(conf, root, "tickets-per-handshake", &n));
	if (n != NULL)
		TRY(tickets_per_handshake_arg(conf, n, &cfg->tickets_per_handshake));

	TRY(moat_conf_find_unique(conf, root, "access-log", &n));
	if (n != NULL)
		TRY(load_access_log(conf, n, cfg));

	if (keyd != NULL) {
		struct sockaddr_storage ss;
		socklen_t len;
		const char *text;
		TRY(moat_conf_expect_args(conf, keyd, 1, 1));
		TRY(moat_conf_expect_no_block(conf, keyd));
		TRY(moat_conf_arg_text(conf, keyd, 0, &text));
		TRY(frontd_conf_unix_sockaddr(conf, keyd, text, &ss, &len));
		cfg->keyd_path = dup_str(((struct sockaddr_un *)&ss)->sun_path);
		ENSURE(cfg->keyd_path != NULL, MOAT_ERR_ALLOC);
		char origin[PATH_MAX + 16];
		snprintf(origin, sizeof(origin), "%s:%u", keyd->file, keyd->line);
		cfg->keyd_origin = dup_str(origin);
		ENSURE(cfg->keyd_origin != NULL, MOAT_ERR_ALLOC);
	}

	TRY(load_policies(conf, cfg));
	for (size_t i = 0; i < root->child_count; i++) {
		n = &root->children[i];
		if (strcmp(n->name, "listen") == 0)
			TRY(load_listen(conf, n, cfg));
		else if (strcmp(n->name, "site") == 0)
			TRY(load_site(conf, n, cfg, &cfg->sites));
	}
	/* A site without its own ticket directives takes the top-level ones. */
	for (size_t i = 0; i < cfg->sites.n; i++) {
		struct frontd_site *site = cfg->sites.v[i];
		if (site->tickets == FRONTD_TICKETS_INHERIT)
			site->tickets = cfg->tickets ? FRONTD_TICKETS_ON : FRONTD_TICKETS_OFF;
		if (site->ticket_lifetime_s == 0)
			site->ticket_lifetime_s = cfg->ticket_lifetime_s;
		if (site->tickets_per_handshake < 0)
			site->tickets_per_handshake = cfg->tickets_per_handshake;
	}
	if (cfg->keyd_path == NULL)
		return fail_missing(conf, "no \"keyd\" directive: frontd needs moat-keyd's socket");
	if (cfg->listen_count == 0)
		return fail_missing(conf, "no \"listen\" directive");
	if (cfg->sites.n == 0)
		return fail_missing(conf, "no \"site\" block");
	/* After the TLS listeners: "no listen directive" above counts those only. */
	TRY(moat_conf_find_unique(conf, root, "metrics", &n));
	if (n != NULL)
		TRY(load_metrics(conf, n, cfg));
	return MOAT_SUCCESS;
}

static void config_init(struct frontd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->keyd_timeout_ms = FRONTD_DEFAULT_KEYD_TIMEOUT_MS;
	cfg->handshake_timeout_ms = FRONTD_DEFAULT_HANDSHAKE_TIMEOUT_MS;
	cfg->idle_timeout_ms = FRONTD_DEFAULT_IDLE_TIMEOUT_MS;
	cfg->drain_timeout_ms = FRONTD_DEFAULT_DRAIN_TIMEOUT_MS;
	cfg->drain_quiet_ms = FRONTD_DEFAULT_DRAIN_QUIET_MS;
	cfg->first_byte_timeout_ms = FRONTD_DEFAULT_FIRST_BYTE_TIMEOUT_MS;
	cfg->client_hello_timeout_ms = FRONTD_DEFAULT_CLIENT_HELLO_TIMEOUT_MS;
	cfg->max_connections = FRONTD_DEFAULT_MAX_CONNECTIONS;
	cfg->max_handshakes = FRONTD_DEFAULT_MAX_HANDSHAKES;
	cfg->max_handshakes_per_source = FRONTD_DEFAULT_MAX_HANDSHAKES_PER_SOURCE;
	cfg->handshake_buffer_budget = FRONTD_DEFAULT_HANDSHAKE_BUFFER_BUDGET;
	cfg->tickets = true;
	cfg->session_cache = FRONTD_DEFAULT_SESSION_CACHE;
	cfg->tickets_per_handshake = -1;
}

int frontd_config_load(struct frontd_config *cfg, struct moat_conf *conf, const char *path)
{
	ENSURE_REF(cfg);
	ENSURE_REF(conf);
	ENSURE_REF(path);
	config_init(cfg);
	TRY(moat_conf_parse_file(conf, path));
	if (load_tree(cfg, conf) < 0) {
		int err = moat_errno;
		frontd_config_free(cfg);
		moat_error_raise(err, MOAT_HERE);
		return MOAT_FAILURE;
	}
	return MOAT_SUCCESS;
}

int frontd_config_load_string(struct frontd_config *cfg, struct moat_conf *conf, const char *name, const char *text)
{
	ENSURE_REF(cfg);
	ENSURE_REF(conf);
	ENSURE_REF(text);
	config_init(cfg);
	TRY(moat_conf_parse_string(conf, name, text, strlen(text)));
	if (load_tree(cfg, conf) < 0) {
		int err = moat_errno;
		frontd_config_free(cfg);
		moat_error_raise(err, MOAT_HERE);
		return MOAT_FAILURE;
	}
	return MOAT_SUCCESS;
}

unsigned frontd_config_workers(const struct frontd_config *cfg)
{
	if (cfg->workers > 0)
		return cfg->workers;
	/* The CPUs frontd may run on (taskset, systemd CPUAffinity=), not every CPU online: more would only queue. */
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	long n = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 ? CPU_COUNT(&cpus) : sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n > FRONTD_MAX_WORKERS ? FRONTD_MAX_WORKERS : (unsigned)n;
}

static size_t share(size_t v, unsigned n)
{
	return (v + n - 1) / n;
}

void frontd_config_share_limits(struct frontd_config *cfg, unsigned n)
{
	if (n <= 1)
		return;
	cfg->max_connections = share(cfg->max_connections, n);
	cfg->max_handshakes = share(cfg->max_handshakes, n);
	cfg->max_handshakes_per_source = share(cfg->max_handshakes_per_source, n);
	/* Each worker still takes one whole ClientHello of the largest size (the directive's minimum). */
	size_t budget = share(cfg->handshake_buffer_budget, n);
	cfg->handshake_buffer_budget = budget < 256u * 1024u ? 256u * 1024u : budget;
}

void frontd_config_free(struct frontd_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->user);
	free(cfg->group);
	free(cfg->keyd_path);
	free(cfg->keyd_origin);
	free(cfg->access_log_path);
	/* Sites first: their TLS configs point into the policies. */
	frontd_sites_free(&cfg->sites);
	free(cfg->policies);
	config_init(cfg);
}
