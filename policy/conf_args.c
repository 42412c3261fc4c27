/*
 * Typed readers for directive arguments, used by the daemons as they walk
 * the tree. Each one fails with a single message at the directive's
 * file:line naming the directive and the offending text, so `moat-frontd
 * -n` prints one line a person can act on.
 *
 * Numbers are plain decimal digits: no sign, no hex, no spaces, so "010"
 * is ten and "-1" is not a huge number. Overflow is checked before each
 * multiplication. Addresses are numeric (inet_pton) because a config check
 * must not depend on DNS, and an IPv6 address must be in brackets, since
 * "::1:443" could be read two ways.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "policy/conf_internal.h"

int moat_conf_fail(struct moat_conf *conf, const struct moat_conf_node *n, const char *fmt, ...)
{
	va_list ap;
	ENSURE_REF(conf);
	ENSURE_REF(fmt);
	va_start(ap, fmt);
	moat_conf_set_verror_(conf, n != NULL ? n->file : NULL, n != NULL ? n->line : 0, fmt, ap);
	va_end(ap);
	BAIL(MOAT_ERR_CONFIG);
}

int moat_conf_expect_args(struct moat_conf *conf, const struct moat_conf_node *n, size_t min, size_t max)
{
	char q[MOAT_CONF_QUOTE_MAX];
	ENSURE_REF(conf);
	ENSURE_REF(n);
	if (n->argc >= min && n->argc <= max)
		return MOAT_SUCCESS;
	if (min == max && min == 0)
		return moat_conf_fail(conf, n, "%s takes no arguments, got %zu", QUOTE(q, n->name), n->argc);
	if (min == max)
		return moat_conf_fail(conf, n, "%s takes exactly %zu argument%s, got %zu", QUOTE(q, n->name), min,
				      moat_plural(min), n->argc);
	if (n->argc < min)
		return moat_conf_fail(conf, n, "%s takes at least %zu argument%s, got %zu", QUOTE(q, n->name), min,
				      moat_plural(min), n->argc);
	return moat_conf_fail(conf, n, "%s takes at most %zu argument%s, got %zu", QUOTE(q, n->name), max, moat_plural(max),
			      n->argc);
}

int moat_conf_expect_block(struct moat_conf *conf, const struct moat_conf_node *n)
{
	char q[MOAT_CONF_QUOTE_MAX];
	ENSURE_REF(conf);
	ENSURE_REF(n);
	if (!n->has_block)
		return moat_conf_fail(conf, n, "%s needs a { } block", QUOTE(q, n->name));
	return MOAT_SUCCESS;
}

int moat_conf_expect_no_block(struct moat_conf *conf, const struct moat_conf_node *n)
{
	char q[MOAT_CONF_QUOTE_MAX];
	ENSURE_REF(conf);
	ENSURE_REF(n);
	if (n->has_block)
		return moat_conf_fail(conf, n, "%s takes no block", QUOTE(q, n->name));
	return MOAT_SUCCESS;
}

int moat_conf_arg_text(struct moat_conf *conf, const struct moat_conf_node *n, size_t i, const char **out)
{
	char q[MOAT_CONF_QUOTE_MAX];
	ENSURE_REF(conf);
	ENSURE_REF(n);
	ENSURE_REF(out);
	if (i >= n->argc)
		return moat_conf_fail(conf, n, "%s is missing argument %zu", QUOTE(q, n->name), i + 1);
	*out = n->args[i].text;
	return MOAT_SUCCESS;
}

/*
 * Leading decimal digits of s into *v; *end points past them. Fails on no
 * digits; sets *overflow (and keeps going) when the value passes UINT64_MAX.
 */
static bool digits(const char *s, uint64_t *v, const char **end, bool *overflow)
{
	*v = 0;
	*overflow = false;
	for (*end = s; **end >= '0' && **end <= '9'; (*end)++) {
		uint64_t d = (uint64_t)(**end - '0');
		if (*v > (UINT64_MAX - d) / 10)
			*overflow = true;
		else
			*v = *v * 10 + d;
	}
	return *end != s;
}

int moat_conf_arg_uint(struct moat_conf *conf, const struct moat_conf_node *n, size_t i, uint64_t min, uint64_t max,
		       uint64_t *out)
{
	char qn[MOAT_CONF_QUOTE_MAX], qa[MOAT_CONF_QUOTE_MAX];
	const char *text, *end;
	bool overflow;
	uint64_t v;

	ENSURE_REF(out);
	TRY(moat_conf_arg_text(conf, n, i, &text));
	if (!digits(text, &v, &end, &overflow) || *end != '\0')
		return moat_conf_fail(conf, n, "%s: %s is not a number", QUOTE(qn, n->name), QUOTE(qa, text));
	if (overflow || v < min || v > max)
		return moat_conf_fail(conf, n, "%s: %s is out of range (%llu..%llu)", QUOTE(qn, n->name),
				      QUOTE(qa, text), (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return MOAT_SUCCESS;
}

struct unit {
	const char *suffix;
	uint64_t factor;
};

/* A number with one of units' suffixes; *bad_syntax tells a malformed text from one too large. */
static bool scaled(const char *text, const struct unit *units, size_t n_units, uint64_t *out, bool *bad_syntax)
{
	const char *end;
	bool overflow;
	uint64_t v;

	*bad_syntax = true;
	if (!digits(text, &v, &end, &overflow))
		return false;
	for (size_t u = 0; u < n_units; u++) {
		if (strcmp(end, units[u].suffix) != 0)
			continue;
		*bad_syntax = false;
		if (overflow || v > UINT64_MAX / units[u].factor)
			return false;
		*out = v * units[u].factor;
		return true;
	}
	return false;
}

int moat_conf_arg_duration_ms(struct moat_conf *conf, const struct moat_conf_node *n, size_t i, uint64_t *ms)
{
	static const struct unit units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60 * 1000 }, { "h", 60 * 60 * 1000 },
	};
	char qn[MOAT_CONF_QUOTE_MAX], qa[MOAT_CONF_QUOTE_MAX];
	const char *text;
	bool bad_syntax;

	ENSURE_REF(ms);
	TRY(moat_conf_arg_text(conf, n, i, &text));
	if (scaled(text, units, sizeof(units) / sizeof(units[0]), ms, &bad_syntax))
		return MOAT_SUCCESS;
	if (bad_syntax)
		return moat_conf_fail(conf, n, "%s: %s is not a duration (a number with ms, s, m or h)",
				      QUOTE(qn, n->name), QUOTE(qa, text));
	return moat_conf_fail(conf, n, "%s: %s is too long a duration", QUOTE(qn, n->name), QUOTE(qa, text));
}

int moat_conf_arg_size(struct moat_conf *conf, const struct moat_conf_node *n, size_t i, uint64_t min, uint64_t max,
		       uint64_t *out)
{
	static const struct unit units[] = {
		{ "", 1 },
		{ "k", UINT64_C(1) << 10 }, { "K", UINT64_C(1) << 10 },
		{ "m", UINT64_C(1) << 20 }, { "M", UINT64_C(1) << 20 },
		{ "g", UINT64_C(1) << 30 }, { "G", UINT64_C(1) << 30 },
	};
	char qn[MOAT_CONF_QUOTE_MAX], qa[MOAT_CONF_QUOTE_MAX];
	const char *text;
	bool bad_syntax;
	uint64_t v = 0;

	ENSURE_REF(out);
	TRY(moat_conf_arg_text(conf, n, i, &text));
	if (scaled(text, units, sizeof(units) / sizeof(units[0]), &v, &bad_syntax) && v >= min && v <= max) {
		*out = v;
		return MOAT_SUCCESS;
	}
	if (bad_syntax)
		return moat_conf_fail(conf, n, "%s: %s is not a size (bytes, or a number with k, m or g)",
				      QUOTE(qn, n->name), QUOTE(qa, text));
	return moat_conf_fail(conf, n, "%s: %s is out of range (%llu..%llu bytes)", QUOTE(qn, n->name),
			      QUOTE(qa, text), (unsigned long long)min, (unsigned long long)max);
}

int moat_conf_arg_choice(struct moat_conf *conf, const struct moat_conf_node *n, size_t i, const char *const *words,
			 size_t count, size_t *out)
{
	char qn[MOAT_CONF_QUOTE_MAX], qa[MOAT_CONF_QUOTE_MAX], list[256];
	const char *text;

	ENSURE_REF(words);
	ENSURE_REF(out);
	ENSURE(count >= 2, MOAT_ERR_INVALID_ARG);
	TRY(moat_conf_arg_text(conf, n, i, &text));
	for (size_t w = 0; w < count; w++) {
		if (strcmp(text, words[w]) == 0) {
			*out = w;
			return MOAT_SUCCESS;
		}
	}
	/* "a or b", "a, b or c" */
	size_t at = 0;
	list[0] = '\0';
	for (size_t w = 0; w < count && at < sizeof(list); w++) {
		const char *sep = w == 0 ? "" : w + 1 == count ? " or " : ", ";
		int k = snprintf(list + at, sizeof(list) - at, "%s%s", sep, words[w]);
		if (k < 0)
			break;
		at += (size_t)k;
	}
	return moat_conf_fail(conf, n, "%s: %s is not %s", QUOTE(qn, n->name), QUOTE(qa, text), list);
}

int moat_conf_arg_bool(struct moat_conf *conf, const struct moat_conf_node *n, size_t i, bool *out)
{
	static const struct {
		const char *word;
		bool value;
	} words[] = {
		{ "yes", true }, { "no", false }, { "on", true }, { "off", false }, { "true", true }, { "false", false },
	};
	char qn[MOAT_CONF_QUOTE_MAX], qa[MOAT_CONF_QUOTE_MAX];
	const char *text;

	ENSURE_REF(out);
	TRY(moat_conf_arg_text(conf, n, i, &text));
	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		if (strcmp(text, words[w].word) == 0) {
			*out = words[w].value;
			return MOAT_SUCCESS;
		}
	}
	return moat_conf_fail(conf, n, "%s: %s is not yes/no, on/off or true/false", QUOTE(qn, n->name),
			      QUOTE(qa, text));
}

int moat_conf_arg_sockaddr(struct moat_conf *conf, const struct moat_conf_node *n, size_t i,
			   struct sockaddr_storage *ss, socklen_t *len)
{
	char qn[MOAT_CONF_QUOTE_MAX], qa[MOAT_CONF_QUOTE_MAX];
	char host[INET6_ADDRSTRLEN + 1];
	const char *text, *port_text, *host_start, *host_end, *end;
	bool overflow, v6;
	uint64_t port;

	ENSURE_REF(ss);
	ENSURE_REF(len);
	TRY(moat_conf_arg_text(conf, n, i, &text));
	QUOTE(qn, n->name);
	QUOTE(qa, text);

	if (text[0] == '[') {
		v6 = true;
		host_start = text + 1;
		if ((host_end = strchr(host_start, ']')) == NULL)
			return moat_conf_fail(conf, n, "%s: %s has '[' without ']'", qn, qa);
		if (host_end[1] != ':')
			return moat_conf_fail(conf, n, "%s: %s has no port (write [address]:port)", qn, qa);
		port_text = host_end + 2;
	} else {
		v6 = false;
		host_start = text;
		if ((host_end = strrchr(text, ':')) == NULL)
			return moat_conf_fail(conf, n, "%s: %s has no port (write host:port)", qn, qa);
		if (memchr(host_start, ':', (size_t)(host_end - host_start)) != NULL)
			return moat_conf_fail(conf, n, "%s: %s: an IPv6 address must be in brackets ([address]:port)",
					      qn, qa);
		port_text = host_end + 1;
	}

	if (!digits(port_text, &port, &end, &overflow) || *end != '\0')
		return moat_conf_fail(conf, n, "%s: %s has no valid port (a number 1..65535)", qn, qa);
	if (overflow || port < 1 || port > 65535)
		return moat_conf_fail(conf, n, "%s: %s: port is out of range (1..65535)", qn, qa);

	if ((size_t)(host_end - host_start) >= sizeof(host))
		return moat_conf_fail(conf, n, "%s: %s is not a numeric address, '*' or localhost", qn, qa);
	memcpy(host, host_start, (size_t)(host_end - host_start));
	host[host_end - host_start] = '\0';

	memset(ss, 0, sizeof(*ss));
	if (v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return moat_conf_fail(conf, n, "%s: %s is not a numeric IPv6 address", qn, qa);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = (socklen_t)sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		if (strcmp(host, "*") == 0)
			sin->sin_addr.s_addr = htonl(INADDR_ANY);
		else if (strcmp(host, "localhost") == 0)
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		else if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return moat_conf_fail(conf, n,
					      "%s: %s is not a numeric address, '*' or localhost (no DNS at config time)",
					      qn, qa);
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = (socklen_t)sizeof(*sin);
	}
	return MOAT_SUCCESS;
}

int moat_conf_check_names(struct moat_conf *conf, const struct moat_conf_node *parent, const char *const *allowed,
			  size_t n_allowed)
{
	char qn[MOAT_CONF_QUOTE_MAX], qp[MOAT_CONF_QUOTE_MAX];
	ENSURE_REF(conf);
	ENSURE_REF(parent);
	ENSURE(allowed != NULL || n_allowed == 0, MOAT_ERR_NULL_ARG);
	for (size_t c = 0; c < parent->child_count; c++) {
		const struct moat_conf_node *child = &parent->children[c];
		bool known = false;
		for (size_t a = 0; a < n_allowed && !known; a++)
			known = strcmp(child->name, allowed[a]) == 0;
		if (known)
			continue;
		if (parent->name != NULL)
			return moat_conf_fail(conf, child, "unknown directive %s in the %s block", QUOTE(qn, child->name),
					      QUOTE(qp, parent->name));
		return moat_conf_fail(conf, child, "unknown directive %s", QUOTE(qn, child->name));
	}
	return MOAT_SUCCESS;
}

const struct moat_conf_node *moat_conf_find(const struct moat_conf_node *parent, const char *name)
{
	if (parent == NULL || name == NULL)
		return NULL;
	for (size_t c = 0; c < parent->child_count; c++)
		if (strcmp(parent->children[c].name, name) == 0)
			return &parent->children[c];
	return NULL;
}

int moat_conf_find_unique(struct moat_conf *conf, const struct moat_conf_node *parent, const char *name,
			  const struct moat_conf_node **out)
{
	char qn[MOAT_CONF_QUOTE_MAX];
	const struct moat_conf_node *first;
	ENSURE_REF(conf);
	ENSURE_REF(parent);
	ENSURE_REF(name);
	ENSURE_REF(out);
	*out = first = moat_conf_find(parent, name);
	if (first == NULL)
		return MOAT_SUCCESS;
	for (const struct moat_conf_node *c = first + 1; c < parent->children + parent->child_count; c++) {
		if (strcmp(c->name, name) == 0) {
			*out = NULL;
			return moat_conf_fail(conf, c, "%s given twice (first at %s:%u)", QUOTE(qn, name), first->file,
					      first->line);
		}
	}
	return MOAT_SUCCESS;
}
