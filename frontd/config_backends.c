/*
 * A site's backends in moat-frontd.conf (moat-frontd.conf(5), backends.h):
 *
 *	backend [alpn "protocol"] address...
 *	balance round-robin | first
 *	backend-connect-timeout duration
 *	backend-failures count duration
 *
 * An address is host:port, [v6]:port, unix:path, or `unix "path"` (two
 * arguments, as before lists existed). One line per protocol and one
 * default line: a list goes on one line, so a second line for the same
 * protocol is a mistake, not an addition.
 *
 * The ALPN list the site offers: its alpn line if it has one, else the
 * protocols of its backend lines in file order (none: ALPN is ignored).
 * With an alpn line, a protocol with no backend line of its own goes to
 * the default line, so a site without one must give each listed protocol
 * its line; and a backend line for a protocol the alpn line leaves out
 * could never be chosen. Both are errors here rather than surprises later.
 * Only a client that negotiates no protocol at all can then find no
 * backend (a site with ALPN lines and no default line): it is closed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontd/config.h"
#include "frontd/config_files.h"

#define MAX_TIMEOUT_MS (24u * 3600u * 1000u)
#define MAX_FAIL_LIMIT 1000u
#define MAX_ALPN 64 /* frontd_site_set_alpn's limit */

bool frontd_config_is_backend_directive(const char *name)
{
	return strcmp(name, "backend") == 0 || strcmp(name, "balance") == 0 ||
	       strcmp(name, "backend-connect-timeout") == 0 || strcmp(name, "backend-failures") == 0;
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

/* The address at argument *i (one or two arguments), into b; *i moves past it. */
static int parse_address(struct moat_conf *conf, const struct moat_conf_node *n, size_t *i, struct frontd_backend *b)
{
	const struct moat_conf_arg *a = &n->args[*i];
	memset(b, 0, sizeof(*b));
	if (!a->quoted && strcmp(a->text, "unix") == 0) {
		if (*i + 1 >= n->argc)
			return moat_conf_fail(conf, n, "\"backend\": \"unix\" needs the socket's path after it");
		TRY(frontd_conf_unix_sockaddr(conf, n, n->args[*i + 1].text, &b->addr, &b->addr_len));
		*i += 2;
	} else if (strncmp(a->text, "unix:", 5) == 0) {
		TRY(frontd_conf_unix_sockaddr(conf, n, a->text + 5, &b->addr, &b->addr_len));
		*i += 1;
	} else {
		TRY(moat_conf_arg_sockaddr(conf, n, *i, &b->addr, &b->addr_len));
		*i += 1;
	}
	frontd_sockaddr_format(&b->addr, b->addr_len, b->desc, sizeof(b->desc));
	return MOAT_SUCCESS;
}

/* The set for alpn (NULL: the default) among the first count sets, or NULL. */
static struct frontd_backend_set *find_set(struct frontd_site *site, size_t count, const char *alpn)
{
	for (size_t i = 0; i < count; i++) {
		const char *have = site->backends[i].alpn;
		if ((have == NULL && alpn == NULL) || (have != NULL && alpn != NULL && strcmp(have, alpn) == 0))
			return &site->backends[i];
	}
	return NULL;
}

/* One backend line into set (zeroed); lines[] holds the node of every set before it, for messages. */
static int load_line(struct moat_conf *conf, const struct moat_conf_node *n, struct frontd_site *site,
		     struct frontd_backend_set *set, const struct moat_conf_node *const *lines, size_t before)
{
	size_t i = 0;
	const char *alpn = NULL;
	TRY(moat_conf_expect_no_block(conf, n));
	TRY(moat_conf_expect_args(conf, n, 1, MOAT_CONF_MAX_ARGS));
	if (!n->args[0].quoted && strcmp(n->args[0].text, "alpn") == 0) {
		if (n->argc < 2)
			return moat_conf_fail(conf, n, "\"backend alpn\" needs a protocol name, then addresses");
		alpn = n->args[1].text;
		size_t len = strlen(alpn);
		if (len < 1 || len > 255)
			return moat_conf_fail(conf, n, "\"backend alpn\": a protocol name is 1 to 255 bytes");
		i = 2;
	}
	if (i >= n->argc)
		return moat_conf_fail(conf, n, "\"backend\": no address");
	struct frontd_backend_set *other = find_set(site, before, alpn);
	if (other != NULL) {
		const struct moat_conf_node *at = lines[other - site->backends];
		if (alpn != NULL)
			return moat_conf_fail(conf, n,
					      "site \"%s\" has a backend line for ALPN \"%s\" already (%s:%u): list every "
					      "address on one line",
					      site->name, alpn, at->file, at->line);
		return moat_conf_fail(conf, n,
				      "site \"%s\" has a default backend line already (%s:%u): list every address on "
				      "one line",
				      site->name, at->file, at->line);
	}
	if (alpn != NULL) {
		set->alpn = dup_str(alpn);
		ENSURE(set->alpn != NULL, MOAT_ERR_ALLOC);
	}
	set->v = calloc(n->argc - i, sizeof(*set->v));
	ENSURE(set->v != NULL, MOAT_ERR_ALLOC);
	while (i < n->argc) {
		struct frontd_backend *b = &set->v[set->n];
		TRY(parse_address(conf, n, &i, b));
		for (size_t k = 0; k < set->n; k++)
			if (set->v[k].addr_len == b->addr_len && memcmp(&set->v[k].addr, &b->addr, b->addr_len) == 0)
				return moat_conf_fail(conf, n, "\"backend\": %s is listed twice", b->desc);
		set->n++;
	}
	return MOAT_SUCCESS;
}

/* Every backend line of the site, in file order. */
static int load_lines(struct moat_conf *conf, const struct moat_conf_node *site_node, struct frontd_site *site)
{
	size_t count = 0;
	for (size_t i = 0; i < site_node->child_count; i++)
		count += strcmp(site_node->children[i].name, "backend") == 0;
	if (count == 0)
		return MOAT_SUCCESS; /* config.c says so, after the certificates */
	site->backends = calloc(count, sizeof(*site->backends));
	const struct moat_conf_node **lines = calloc(count, sizeof(*lines));
	if (site->backends == NULL || lines == NULL) {
		free(lines);
		BAIL(MOAT_ERR_ALLOC);
	}
	int rc = MOAT_SUCCESS;
	for (size_t i = 0; i < site_node->child_count && rc == MOAT_SUCCESS; i++) {
		const struct moat_conf_node *n = &site_node->children[i];
		if (strcmp(n->name, "backend") != 0)
			continue;
		lines[site->backend_set_count] = n;
		/* Counted even when it fails: the site's free releases what it holds. */
		rc = load_line(conf, n, site, &site->backends[site->backend_set_count], lines, site->backend_set_count);
		site->backend_set_count++;
	}
	free(lines);
	return rc;
}

/* The alpn line and the backend lines agree (the head of this file); without an alpn line, derive it. */
static int check_alpn(struct moat_conf *conf, const struct moat_conf_node *site_node, struct frontd_site *site)
{
	const struct moat_conf_node *alpn = moat_conf_find(site_node, "alpn");
	bool have_default = find_set(site, site->backend_set_count, NULL) != NULL;
	if (alpn == NULL) {
		const char *names[MAX_ALPN];
		size_t count = 0;
		for (size_t i = 0; i < site->backend_set_count; i++) {
			if (site->backends[i].alpn == NULL)
				continue;
			if (count == MAX_ALPN)
				return moat_conf_fail(conf, site_node, "site \"%s\": more than %d ALPN backend lines",
						      site->name, MAX_ALPN);
			names[count++] = site->backends[i].alpn;
		}
		if (count > 0 && frontd_site_set_alpn(site, names, count) < 0)
			return moat_conf_fail(conf, site_node, "site \"%s\": cannot set its ALPN list", site->name);
		return MOAT_SUCCESS;
	}
	for (size_t i = 0; i < site->backend_set_count; i++) {
		const char *p = site->backends[i].alpn;
		bool listed = p == NULL;
		for (size_t k = 0; k < alpn->argc && !listed; k++)
			listed = strcmp(alpn->args[k].text, p) == 0;
		if (!listed) {
			const struct moat_conf_node *at = NULL;
			for (size_t k = 0, seen = 0; k < site_node->child_count; k++)
				if (strcmp(site_node->children[k].name, "backend") == 0 && seen++ == i)
					at = &site_node->children[k];
			return moat_conf_fail(conf, at != NULL ? at : site_node,
					      "backend for ALPN \"%s\": the site's alpn line (line %u) does not offer it, so "
					      "no client would get this backend",
					      p, alpn->line);
		}
	}
	if (have_default)
		return MOAT_SUCCESS;
	for (size_t k = 0; k < alpn->argc; k++)
		if (find_set(site, site->backend_set_count, alpn->args[k].text) == NULL)
			return moat_conf_fail(conf, alpn,
					      "\"alpn\": \"%s\" has no backend line of its own and site \"%s\" has no "
					      "default backend",
					      alpn->args[k].text, site->name);
	return MOAT_SUCCESS;
}

static int duration(struct moat_conf *conf, const struct moat_conf_node *n, size_t i, uint32_t *out)
{
	uint64_t ms;
	TRY(moat_conf_arg_duration_ms(conf, n, i, &ms));
	if (ms < 1 || ms > MAX_TIMEOUT_MS)
		return moat_conf_fail(conf, n, "\"%s\": a duration from 1ms to 24h", n->name);
	*out = (uint32_t)ms;
	return MOAT_SUCCESS;
}

static int load_settings(struct moat_conf *conf, const struct moat_conf_node *site_node, struct frontd_site *site)
{
	const struct moat_conf_node *balance, *timeout, *failures;
	TRY(moat_conf_find_unique(conf, site_node, "balance", &balance));
	TRY(moat_conf_find_unique(conf, site_node, "backend-connect-timeout", &timeout));
	TRY(moat_conf_find_unique(conf, site_node, "backend-failures", &failures));
	if (balance != NULL) {
		static const char *const words[] = { "round-robin", "first" };
		size_t w;
		TRY(moat_conf_expect_args(conf, balance, 1, 1));
		TRY(moat_conf_expect_no_block(conf, balance));
		TRY(moat_conf_arg_choice(conf, balance, 0, words, 2, &w));
		site->balance = w == 0 ? FRONTD_BALANCE_ROUND_ROBIN : FRONTD_BALANCE_FIRST;
	}
	if (timeout != NULL) {
		TRY(moat_conf_expect_args(conf, timeout, 1, 1));
		TRY(moat_conf_expect_no_block(conf, timeout));
		TRY(duration(conf, timeout, 0, &site->backend_connect_timeout_ms));
	}
	if (failures != NULL) {
		uint64_t count;
		TRY(moat_conf_expect_args(conf, failures, 2, 2));
		TRY(moat_conf_expect_no_block(conf, failures));
		TRY(moat_conf_arg_uint(conf, failures, 0, 1, MAX_FAIL_LIMIT, &count));
		TRY(duration(conf, failures, 1, &site->backend_skip_ms));
		site->backend_fail_limit = (unsigned)count;
	}
	return MOAT_SUCCESS;
}

int frontd_config_backends_load(struct moat_conf *conf, const struct moat_conf_node *site_node,
				struct frontd_site *site)
{
	TRY(load_lines(conf, site_node, site));
	TRY(check_alpn(conf, site_node, site));
	return load_settings(conf, site_node, site);
}
