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
 *    a message that starts with the directive's file:line.
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
	};
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
		(void)LLVMFuzzerTestOneInput((const uint8_t *)inputs[i], strlen(inputs[i]));
	return 0;
}
#endif
