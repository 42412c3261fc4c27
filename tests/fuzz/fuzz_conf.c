/*
 * libFuzzer target for the config parser (policy/conf.h).
 *
 * The input is parsed as a config file with include turned off (the fuzzer
 * must not read the filesystem). Then:
 *  - a failure must be MOAT_ERR_CONFIG with a message that names the file
 *    and an empty tree;
 *  - a success must give a tree within every documented limit, with lines
 *    that never go backwards in document order;
 *  - the tree, written back out as text, must parse to the same tree (the
 *    printer quotes the way the lexer unquotes, so this checks both);
 *  - every typed helper runs on every argument and, when it fails, leaves
 *    a message that starts with the directive's file:line;
 *  - every top-level `policy` block is read as a security policy
 *    (policy/policy_block.h): a failure has its file:line, a success stays
 *    within the limits and prints as a block that reads back the same.
 *
 * Built with -DMOAT_FUZZ_STANDALONE it gets a main() that runs a few built-in
 * inputs, so the target can be compiled and exercised without libFuzzer.
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "policy/conf.h"
#include "policy/policy_block.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.conf"

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void check_helper(struct moat_conf *conf, const struct moat_conf_node *n, int rc)
{
	char where[64];
	if (rc == MOAT_SUCCESS)
		return;
	check(moat_errno == MOAT_ERR_CONFIG);
	(void)snprintf(where, sizeof(where), "%s:%u: ", NAME, n->line);
	check(starts_with(moat_conf_error(conf), where));
	check(strlen(moat_conf_error(conf)) < MOAT_CONF_ERROR_MAX);
}

static void run_helpers(struct moat_conf *conf, const struct moat_conf_node *n)
{
	static const char *const names[] = { "user", "listen", "site" };
	struct sockaddr_storage ss;
	socklen_t len;
	uint64_t v;
	bool b;

	for (size_t i = 0; i <= n->argc; i++) {
		check_helper(conf, n, moat_conf_arg_uint(conf, n, i, 1, 65535, &v));
		check_helper(conf, n, moat_conf_arg_duration_ms(conf, n, i, &v));
		check_helper(conf, n, moat_conf_arg_size(conf, n, i, 0, UINT64_MAX, &v));
		check_helper(conf, n, moat_conf_arg_bool(conf, n, i, &b));
		if (moat_conf_arg_sockaddr(conf, n, i, &ss, &len) == MOAT_SUCCESS)
			check((ss.ss_family == AF_INET && len == sizeof(struct sockaddr_in)) ||
			      (ss.ss_family == AF_INET6 && len == sizeof(struct sockaddr_in6)));
		else
			check_helper(conf, n, MOAT_FAILURE);
	}
	check_helper(conf, n, moat_conf_expect_args(conf, n, 1, 2));
	check_helper(conf, n, moat_conf_expect_block(conf, n));
	if (moat_conf_check_names(conf, n, names, 3) != MOAT_SUCCESS) {
		/* The message is at the offending child's line, which we do not know here. */
		check(moat_errno == MOAT_ERR_CONFIG);
		check(starts_with(moat_conf_error(conf), NAME ":"));
	}
}

/*
 * Limits, names and lines of every node under parent, whose children sit
 * inside depth blocks; returns how many nodes there are.
 */
static size_t walk(struct moat_conf *conf, const struct moat_conf_node *parent, unsigned depth, unsigned *line)
{
	size_t count = 0;
	check(parent->child_count == 0 || depth <= MOAT_CONF_MAX_BLOCK_DEPTH);
	check(parent->child_count == 0 || parent->children != NULL);
	for (size_t c = 0; c < parent->child_count; c++) {
		const struct moat_conf_node *n = &parent->children[c];
		check(n->name != NULL && n->name[0] != '\0' && strlen(n->name) <= MOAT_CONF_MAX_STRING);
		check(n->file == conf->root.file);
		check(n->line >= *line);
		*line = n->line;
		check(n->argc <= MOAT_CONF_MAX_ARGS);
		for (size_t i = 0; i < n->argc; i++)
			check(strlen(n->args[i].text) <= MOAT_CONF_MAX_STRING);
		check(n->has_block || n->child_count == 0);
		run_helpers(conf, n);
		count += 1 + walk(conf, n, depth + 1, line);
	}
	return count;
}

static int put_str(struct moat_buf *b, const char *s)
{
	return moat_buf_put_bytes(b, s, strlen(s));
}

/* The list under parent as config text; only ", \ and newline need escapes (a raw tab is allowed). */
static int print(struct moat_buf *b, const struct moat_conf_node *parent)
{
	for (size_t c = 0; c < parent->child_count; c++) {
		const struct moat_conf_node *n = &parent->children[c];
		TRY(put_str(b, n->name));
		for (size_t i = 0; i < n->argc; i++) {
			TRY(put_str(b, " "));
			if (!n->args[i].quoted) {
				TRY(put_str(b, n->args[i].text));
				continue;
			}
			TRY(put_str(b, "\""));
			for (const char *p = n->args[i].text; *p != '\0'; p++) {
				if (*p == '"' || *p == '\\')
					TRY(moat_buf_put_u8(b, '\\'));
				if (*p == '\n')
					TRY(put_str(b, "\\n"));
				else
					TRY(moat_buf_put_u8(b, (uint8_t)*p));
			}
			TRY(put_str(b, "\""));
		}
		if (n->has_block) {
			TRY(put_str(b, " {\n"));
			TRY(print(b, n));
			TRY(put_str(b, "}"));
		}
		TRY(put_str(b, "\n"));
	}
	return MOAT_SUCCESS;
}

static void same_tree(const struct moat_conf_node *a, const struct moat_conf_node *b)
{
	check(a->child_count == b->child_count);
	for (size_t c = 0; c < a->child_count; c++) {
		const struct moat_conf_node *x = &a->children[c], *y = &b->children[c];
		check(strcmp(x->name, y->name) == 0);
		check(x->argc == y->argc && x->has_block == y->has_block);
		for (size_t i = 0; i < x->argc; i++)
			check(strcmp(x->args[i].text, y->args[i].text) == 0 && x->args[i].quoted == y->args[i].quoted);
		same_tree(x, y);
	}
}

/* A loaded policy, printed, renamed and read again, is the same policy. */
static void policy_round_trip(const struct moat_custom_policy *cp)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	check(f != NULL);
	check(moat_policy_print(f, &cp->policy) == MOAT_SUCCESS);
	check(fclose(f) == 0);
	const char *brace = strchr(text, '{');
	check(brace != NULL);
	size_t n = strlen(brace) + 32;
	char *renamed = malloc(n);
	check(renamed != NULL);
	(void)snprintf(renamed, n, "policy \"again\" %s", brace);
	struct moat_conf conf;
	static struct moat_custom_policy again;
	check(moat_conf_parse_string_flags(&conf, NAME, renamed, strlen(renamed), MOAT_CONF_NO_INCLUDE) == MOAT_SUCCESS);
	check(conf.root.child_count == 1);
	check(moat_policy_block_load(&conf, &conf.root.children[0], NULL, 0, &again) == MOAT_SUCCESS);
	check(moat_security_policy_equal(&cp->policy, &again.policy));
	moat_conf_free(&conf);
	free(renamed);
	free(text);
}

static void load_policies(struct moat_conf *conf)
{
	/* Static: a custom policy is a few hundred bytes, and a fuzz input may hold many. */
	static struct moat_custom_policy loaded[8];
	size_t n = 0;
	for (size_t c = 0; c < conf->root.child_count && n < 8; c++) {
		const struct moat_conf_node *node = &conf->root.children[c];
		if (strcmp(node->name, "policy") != 0)
			continue;
		if (moat_policy_block_load(conf, node, loaded, n, &loaded[n]) != MOAT_SUCCESS) {
			check(moat_errno == MOAT_ERR_CONFIG);
			check(starts_with(moat_conf_error(conf), NAME ":"));
			continue;
		}
		const struct moat_security_policy *p = &loaded[n].policy;
		check(p->cipher_suites_count >= 1 && p->cipher_suites_count <= MOAT_POLICY_MAX_SUITES);
		check(p->groups_count <= MOAT_POLICY_MAX_GROUPS && p->sig_schemes_count <= MOAT_POLICY_MAX_SCHEMES);
		check(p->min_version <= p->max_version && strcmp(p->name, node->args[0].text) == 0);
		policy_round_trip(&loaded[n]);
		n++;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_conf conf, again;
	struct moat_buf text;
	unsigned line = 1;

	moat_error_clear();
	if (moat_conf_parse_string_flags(&conf, NAME, (const char *)data, size, MOAT_CONF_NO_INCLUDE) !=
	    MOAT_SUCCESS) {
		check(moat_errno == MOAT_ERR_CONFIG);
		check(starts_with(moat_conf_error(&conf), NAME ":") ||
		      starts_with(moat_conf_error(&conf), "\"" NAME "\" is larger"));
		check(conf.root.child_count == 0 && conf.root.children == NULL);
		moat_conf_free(&conf);
		return 0;
	}
	check(moat_conf_error(&conf)[0] == '\0');
	check(walk(&conf, &conf.root, 0, &line) == conf.directive_count); /* no includes: every directive is a node */
	check(conf.directive_count <= MOAT_CONF_MAX_DIRECTIVES);
	load_policies(&conf);

	moat_buf_init(&text, MOAT_CONF_MAX_FILE_SIZE);
	if (print(&text, &conf.root) == MOAT_SUCCESS) {
		if (moat_conf_parse_string_flags(&again, NAME, (const char *)text.data, text.len, MOAT_CONF_NO_INCLUDE) !=
		    MOAT_SUCCESS) {
			fprintf(stderr, "reparse failed: %s\n%.*s\n", moat_conf_error(&again), (int)text.len,
				(const char *)text.data);
			abort();
		}
		same_tree(&conf.root, &again.root);
		check(again.directive_count == conf.directive_count);
		moat_conf_free(&again);
	}
	moat_buf_free(&text);
	moat_conf_free(&conf);
	return 0;
}

#ifdef MOAT_FUZZ_STANDALONE
int main(void)
{
	static const char *const inputs[] = {
		"",
		"user \"moat\"\nlisten 0.0.0.0:8443; listen \"[::]:8443\"\n",
		"site \"a\\\"b\" {\n\tcert \"x\\n\\t\\\\\"\n\talpn h2 \\\n http/1.1\n\tb { c { d 1 } }\n}\n",
		"a { b { c { d { e { } } } } }",
		"\"unterminated",
		"}\n{",
		"include \"x.conf\"",
		"t 10s 250ms 5m 1h 64k 16m yes off *:80 localhost:1 [::1]:443 1.2.3.4:0",
		"a \x01\n",
		"policy \"p\" {\n\tbase \"default_tls13\"\n\tmin-version tls1.2\n\tciphers TLS_AES_128_GCM_SHA256 "
		"ECDHE-RSA-AES128-GCM-SHA256\n\tgroups x25519\n}\npolicy \"q\" {\n\tbase \"p\"\n\tgroups x448\n}\n",
		"policy \"p\" {\n\tciphers RC4\n}\npolicy \"default\" { }\npolicy p\n",
	};
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
		(void)LLVMFuzzerTestOneInput((const uint8_t *)inputs[i], strlen(inputs[i]));
	return 0;
}
#endif
