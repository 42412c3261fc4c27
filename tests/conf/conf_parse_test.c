/*
 * The config grammar from text in memory: every construct builds the tree
 * it should (names, bare and quoted arguments, escapes, ';', continuation
 * lines, nested and empty blocks, comments, CRLF, empty input), and every
 * syntax error and limit fails with the exact "file:line: message" a person
 * would read, leaving an empty tree behind.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/conf/conf_check.h"

static const struct moat_conf_node *child(const struct moat_conf_node *parent, size_t i)
{
	ATF_REQUIRE_MSG(i < parent->child_count, "%zu children, wanted #%zu", parent->child_count, i);
	return &parent->children[i];
}

/* A string of n copies of c, NUL-terminated; the caller frees it. */
static char *repeat(const char *prefix, char c, size_t n, const char *suffix)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);
	char *s = malloc(pl + n + sl + 1);
	ATF_REQUIRE(s != NULL);
	memcpy(s, prefix, pl);
	memset(s + pl, c, n);
	memcpy(s + pl + n, suffix, sl + 1);
	return s;
}

ATF_TC_WITHOUT_HEAD(directives_and_arguments);
ATF_TC_BODY(directives_and_arguments, tc)
{
	struct moat_conf conf;
	const struct moat_conf_node *n;

	PARSE_OK(&conf, "user \"moat\"\n"
			"listen 0.0.0.0:8443\n"
			"listen \"[::]:8443\"   # v6\n"
			"handshake-timeout 10s\n"
			"\tflag\n"
			"w a_b.c:d/e*f@g+h-i[j]k 0123 -1\n");
	ATF_REQUIRE_EQ(conf.root.child_count, 6);
	ATF_CHECK(conf.root.name == NULL);
	ATF_CHECK_STREQ("t.conf", conf.root.file);
	ATF_CHECK_EQ(conf.directive_count, 6);

	n = child(&conf.root, 0);
	ATF_CHECK_STREQ("user", n->name);
	ATF_REQUIRE_EQ(n->argc, 1);
	ATF_CHECK_STREQ("moat", arg(n, 0));
	ATF_CHECK(n->args[0].quoted);
	ATF_CHECK(!n->has_block);
	ATF_CHECK_EQ(n->child_count, 0);
	ATF_CHECK_STREQ("t.conf", n->file);
	ATF_CHECK(n->file == conf.root.file); /* interned: one copy per file name */
	ATF_CHECK_EQ(n->line, 1);

	n = child(&conf.root, 1);
	ATF_CHECK_STREQ("listen", n->name);
	ATF_CHECK_STREQ("0.0.0.0:8443", arg(n, 0));
	ATF_CHECK(!n->args[0].quoted);
	ATF_CHECK_EQ(n->line, 2);

	n = child(&conf.root, 2);
	ATF_CHECK_STREQ("[::]:8443", arg(n, 0));
	ATF_CHECK(n->args[0].quoted);
	ATF_CHECK_EQ(n->argc, 1);
	ATF_CHECK_EQ(n->line, 3);

	n = child(&conf.root, 3);
	ATF_CHECK_STREQ("handshake-timeout", n->name);
	ATF_CHECK_STREQ("10s", arg(n, 0));

	n = child(&conf.root, 4);
	ATF_CHECK_STREQ("flag", n->name);
	ATF_CHECK_EQ(n->argc, 0);
	ATF_CHECK(n->args == NULL);
	ATF_CHECK_EQ(n->line, 5);

	n = child(&conf.root, 5);
	ATF_REQUIRE_EQ(n->argc, 3);
	ATF_CHECK_STREQ("a_b.c:d/e*f@g+h-i[j]k", arg(n, 0));
	ATF_CHECK_STREQ("0123", arg(n, 1));
	ATF_CHECK_STREQ("-1", arg(n, 2));
	moat_conf_free(&conf);
	ATF_CHECK_EQ(conf.root.child_count, 0);
	moat_conf_free(&conf); /* a second free is harmless */
}

ATF_TC_WITHOUT_HEAD(strings_and_escapes);
ATF_TC_BODY(strings_and_escapes, tc)
{
	struct moat_conf conf;
	const struct moat_conf_node *n;

	PARSE_OK(&conf, "s \"a\\\"b\\\\c\\nd\\te\" \"\" \"caf\xc3\xa9\" \"# not a comment; {}\" \"tab\there\"\n"
			"adjacent word\"string\"\n");
	n = child(&conf.root, 0);
	ATF_REQUIRE_EQ(n->argc, 5);
	ATF_CHECK_STREQ("a\"b\\c\nd\te", arg(n, 0));
	ATF_CHECK_STREQ("", arg(n, 1));
	ATF_CHECK(n->args[1].quoted);
	ATF_CHECK_STREQ("caf\xc3\xa9", arg(n, 2));
	ATF_CHECK_STREQ("# not a comment; {}", arg(n, 3));
	ATF_CHECK_STREQ("tab\there", arg(n, 4));
	/* A word and a string side by side are two arguments. */
	n = child(&conf.root, 1);
	ATF_REQUIRE_EQ(n->argc, 2);
	ATF_CHECK_STREQ("word", arg(n, 0));
	ATF_CHECK(!n->args[0].quoted);
	ATF_CHECK_STREQ("string", arg(n, 1));
	ATF_CHECK(n->args[1].quoted);
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(semicolons_separate);
ATF_TC_BODY(semicolons_separate, tc)
{
	struct moat_conf conf;

	PARSE_OK(&conf, ";;a 1; b 2;c;;\n;d\"x\";\n");
	ATF_REQUIRE_EQ(conf.root.child_count, 4);
	ATF_CHECK_STREQ("a", child(&conf.root, 0)->name);
	ATF_CHECK_STREQ("1", arg(child(&conf.root, 0), 0));
	ATF_CHECK_EQ(child(&conf.root, 0)->argc, 1);
	ATF_CHECK_STREQ("b", child(&conf.root, 1)->name);
	ATF_CHECK_STREQ("2", arg(child(&conf.root, 1), 0));
	ATF_CHECK_STREQ("c", child(&conf.root, 2)->name);
	ATF_CHECK_EQ(child(&conf.root, 2)->argc, 0);
	ATF_CHECK_EQ(child(&conf.root, 2)->line, 1);
	ATF_CHECK_STREQ("d", child(&conf.root, 3)->name);
	ATF_CHECK_STREQ("x", arg(child(&conf.root, 3), 0));
	ATF_CHECK_EQ(child(&conf.root, 3)->line, 2);
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(continuation_lines);
ATF_TC_BODY(continuation_lines, tc)
{
	struct moat_conf conf;
	const struct moat_conf_node *n;

	PARSE_OK(&conf, "alpn \"h2\" \\\n"
			"     \"http/1.1\"\\\n"
			"\tlast\n"
			"next # comment \\\n"
			"after \\\r\n"
			"  crlf\r\n"
			"x\\\n");
	ATF_REQUIRE_EQ(conf.root.child_count, 4);
	n = child(&conf.root, 0);
	ATF_REQUIRE_EQ(n->argc, 3);
	ATF_CHECK_STREQ("h2", arg(n, 0));
	ATF_CHECK_STREQ("http/1.1", arg(n, 1));
	ATF_CHECK_STREQ("last", arg(n, 2));
	ATF_CHECK_EQ(n->line, 1);
	/* A backslash in a comment is part of the comment, not a continuation. */
	n = child(&conf.root, 1);
	ATF_CHECK_STREQ("next", n->name);
	ATF_CHECK_EQ(n->argc, 0);
	ATF_CHECK_EQ(n->line, 4);
	n = child(&conf.root, 2);
	ATF_CHECK_STREQ("after", n->name);
	ATF_CHECK_STREQ("crlf", arg(n, 0));
	ATF_CHECK_EQ(n->line, 5);
	n = child(&conf.root, 3);
	ATF_CHECK_STREQ("x", n->name);
	ATF_CHECK_EQ(n->line, 7);
	moat_conf_free(&conf);

	/* Lines are still counted right after continuations. */
	expect_parse_error("a \\\n b \\\n c\nd \"x", "t.conf:4: unterminated string");
}

ATF_TC_WITHOUT_HEAD(nested_blocks);
ATF_TC_BODY(nested_blocks, tc)
{
	struct moat_conf conf;
	const struct moat_conf_node *site, *n;

	PARSE_OK(&conf, "site \"example.com\" {\n"
			"\tcertificate \"/etc/moat/example.pem\"\n"
			"\talpn \"h2\" \"http/1.1\"\n"
			"\tbackend 127.0.0.1:8080 {\n"
			"\t\tweight 3\n"
			"\t\thealth {\n"
			"\t\t\tcheck { interval 5s; path \"/\" }\n"
			"\t\t}\n"
			"\t}\n"
			"\tempty {}\n"
			"\tempty2 {\n"
			"\t}\n"
			"}\n"
			"after 1\n");
	ATF_REQUIRE_EQ(conf.root.child_count, 2);
	site = child(&conf.root, 0);
	ATF_CHECK_STREQ("site", site->name);
	ATF_CHECK_STREQ("example.com", arg(site, 0));
	ATF_CHECK(site->has_block);
	ATF_CHECK_EQ(site->line, 1);
	ATF_REQUIRE_EQ(site->child_count, 5);
	ATF_CHECK_STREQ("certificate", child(site, 0)->name);
	ATF_CHECK_EQ(child(site, 0)->line, 2);
	ATF_CHECK_EQ(child(site, 1)->argc, 2);

	n = child(site, 2);
	ATF_CHECK_STREQ("backend", n->name);
	ATF_CHECK_STREQ("127.0.0.1:8080", arg(n, 0));
	ATF_CHECK_EQ(n->line, 4);
	ATF_REQUIRE_EQ(n->child_count, 2);
	ATF_CHECK_STREQ("weight", child(n, 0)->name);
	n = child(n, 1);
	ATF_CHECK_STREQ("health", n->name);
	ATF_CHECK_EQ(n->argc, 0);
	ATF_REQUIRE_EQ(n->child_count, 1);
	n = child(n, 0);
	ATF_CHECK_STREQ("check", n->name);
	ATF_CHECK_EQ(n->line, 7);
	ATF_REQUIRE_EQ(n->child_count, 2);
	ATF_CHECK_STREQ("interval", child(n, 0)->name);
	ATF_CHECK_STREQ("5s", arg(child(n, 0), 0));
	ATF_CHECK_STREQ("path", child(n, 1)->name);
	ATF_CHECK_STREQ("/", arg(child(n, 1), 0));
	ATF_CHECK_EQ(child(n, 1)->line, 7);

	ATF_CHECK(child(site, 3)->has_block);
	ATF_CHECK_EQ(child(site, 3)->child_count, 0);
	ATF_CHECK(child(site, 4)->has_block);
	ATF_CHECK_EQ(child(site, 4)->child_count, 0);
	ATF_CHECK_STREQ("after", child(&conf.root, 1)->name);
	ATF_CHECK_EQ(child(&conf.root, 1)->line, 14);
	moat_conf_free(&conf);

	/* Four levels on one line, closed together, then a ';' and more. */
	PARSE_OK(&conf, "a { b { c { d { e 1 } } } }; f");
	ATF_REQUIRE_EQ(conf.root.child_count, 2);
	n = child(&conf.root, 0);
	for (const char *name = "bcde"; *name != '\0'; name++) {
		ATF_REQUIRE_EQ(n->child_count, 1);
		n = child(n, 0);
		ATF_CHECK_EQ(n->name[0], *name);
	}
	ATF_CHECK(!n->has_block);
	ATF_CHECK_STREQ("1", arg(n, 0));
	ATF_CHECK_STREQ("f", child(&conf.root, 1)->name);
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(comments_everywhere);
ATF_TC_BODY(comments_everywhere, tc)
{
	struct moat_conf conf;
	const struct moat_conf_node *site;

	PARSE_OK(&conf, "# leading comment\n"
			"   # indented comment with \xc3\xa9 and \x01 bytes\n"
			"site \"a\" { # after the brace\n"
			"\t# only a comment\n"
			"\tcert \"x\" # trailing\n"
			"\t#}\n"
			"} # after the close\n"
			"#last line without newline");
	ATF_REQUIRE_EQ(conf.root.child_count, 1);
	site = child(&conf.root, 0);
	ATF_REQUIRE_EQ(site->child_count, 1);
	ATF_CHECK_STREQ("cert", child(site, 0)->name);
	ATF_CHECK_EQ(child(site, 0)->argc, 1);
	ATF_CHECK_EQ(child(site, 0)->line, 5);
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(empty_inputs);
ATF_TC_BODY(empty_inputs, tc)
{
	static const char *const empties[] = { "", "\n\n\n", "   \t  ", "# c", ";;;", "\r\n", "\\\n" };
	struct moat_conf conf;

	for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		PARSE_OK(&conf, empties[i]);
		ATF_CHECK_EQ(conf.root.child_count, 0);
		ATF_CHECK_STREQ("", moat_conf_error(&conf));
		moat_conf_free(&conf);
	}
	/* NULL text with length 0 is an empty file too. */
	EXPECT_OK(moat_conf_parse_string(&conf, "t.conf", NULL, 0));
	ATF_CHECK_EQ(conf.root.child_count, 0);
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(crlf_and_no_final_newline);
ATF_TC_BODY(crlf_and_no_final_newline, tc)
{
	struct moat_conf conf;

	PARSE_OK(&conf, "a 1\r\nsite x {\r\n\tb \"2\"\r\n}\r\nc");
	ATF_REQUIRE_EQ(conf.root.child_count, 3);
	ATF_CHECK_STREQ("1", arg(child(&conf.root, 0), 0));
	ATF_CHECK_STREQ("2", arg(child(child(&conf.root, 1), 0), 0));
	ATF_CHECK_EQ(child(child(&conf.root, 1), 0)->line, 3);
	ATF_CHECK_STREQ("c", child(&conf.root, 2)->name);
	ATF_CHECK_EQ(child(&conf.root, 2)->line, 5);
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(string_errors);
ATF_TC_BODY(string_errors, tc)
{
	expect_parse_error("a \"abc", "t.conf:1: unterminated string");
	expect_parse_error("x\ny\na \"abc", "t.conf:3: unterminated string");
	expect_parse_error("a \"abc\\", "t.conf:1: unterminated string");
	expect_parse_error("a \"abc\nd\"", "t.conf:1: newline in string");
	expect_parse_error("\na \"abc\r\nd\"", "t.conf:2: newline in string");
	expect_parse_error("a \"abc\\\nd\"", "t.conf:1: newline in string");
	expect_parse_error("a \"x\\qy\"", "t.conf:1: bad escape '\\q' in string");
	expect_parse_error("a\nb \"\\x41\"", "t.conf:2: bad escape '\\x' in string");
	expect_parse_error("a \"\\'\"", "t.conf:1: bad escape '\\'' in string");
	expect_parse_error("a \"\\ \"", "t.conf:1: bad escape '\\' + byte 0x20 in string");
	expect_parse_error("a \"\\\xc3\xa9\"", "t.conf:1: bad escape '\\' + byte 0xc3 in string");
	expect_parse_error("a \"x\x01\"", "t.conf:1: invalid byte 0x01 in string");
	expect_parse_error("a \"x\x7f\"", "t.conf:1: invalid byte 0x7f in string");
	expect_parse_error("a \"x\rb\"", "t.conf:1: invalid byte 0x0d in string");
	expect_parse_error_len("a \"x\0\"", 6, "t.conf:1: invalid byte 0x00 in string");
}

ATF_TC_WITHOUT_HEAD(brace_errors);
ATF_TC_BODY(brace_errors, tc)
{
	expect_parse_error("a 1\n}\n", "t.conf:2: '}' without '{'");
	expect_parse_error("a { }\n}", "t.conf:2: '}' without '{'");
	expect_parse_error("a { } }", "t.conf:1: '}' without '{'");
	expect_parse_error("x\nsite \"a\" {\n b 1\n", "t.conf:2: missing '}' for the \"site\" block opened here");
	expect_parse_error("a {\n b {\n c\n}\n", "t.conf:1: missing '}' for the \"a\" block opened here");
	expect_parse_error("a {\n b {\n", "t.conf:2: missing '}' for the \"b\" block opened here");
	expect_parse_error("\n{\n}", "t.conf:2: '{' without a directive name");
	expect_parse_error("a;{ b }", "t.conf:1: '{' without a directive name");
	/* The '{' must be on the directive's line. */
	expect_parse_error("site x\n{\n}", "t.conf:2: '{' without a directive name");
	expect_parse_error("a { } b", "t.conf:1: expected a newline or ';' after '}'");
	expect_parse_error("a {\n} \"s\"", "t.conf:2: expected a newline or ';' after '}'");
	expect_parse_error("a { } {", "t.conf:1: expected a newline or ';' after '}'");
	expect_parse_error("\"user\" moat", "t.conf:1: expected a directive name, got the string \"user\"");
	expect_parse_error("a {\n\"b\\n\"\n}", "t.conf:2: expected a directive name, got the string \"b\\n\"");
}

ATF_TC_WITHOUT_HEAD(nesting_limit);
ATF_TC_BODY(nesting_limit, tc)
{
	struct moat_conf conf;

	PARSE_OK(&conf, "a {\n b {\n  c {\n   d {\n    leaf\n   }\n  }\n }\n}\n");
	moat_conf_free(&conf);
	expect_parse_error("a {\n b {\n  c {\n   d {\n    e {\n    }\n   }\n  }\n }\n}\n",
			   "t.conf:5: blocks nested deeper than 4");
	expect_parse_error("a { b { c { d { e { } } } } }", "t.conf:1: blocks nested deeper than 4");
}

ATF_TC_WITHOUT_HEAD(argument_limit);
ATF_TC_BODY(argument_limit, tc)
{
	struct moat_conf conf;
	char text[1024];
	size_t len;

	len = (size_t)snprintf(text, sizeof(text), "x\nd");
	for (unsigned i = 0; i < 64; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%u", i % 10 == 9 ? " \\\n" : " ", i);
	PARSE_OK(&conf, text);
	ATF_REQUIRE_EQ(child(&conf.root, 1)->argc, 64);
	ATF_CHECK_STREQ("63", arg(child(&conf.root, 1), 63));
	moat_conf_free(&conf);
	/* The 65th argument fails, reported at the directive's first line. */
	(void)snprintf(text + len, sizeof(text) - len, " \"64\"");
	expect_parse_error(text, "t.conf:2: \"d\" has more than 64 arguments");
}

ATF_TC_WITHOUT_HEAD(length_limits);
ATF_TC_BODY(length_limits, tc)
{
	struct moat_conf conf;
	char *s;

	s = repeat("a \"", 'x', 4096, "\"");
	PARSE_OK(&conf, s);
	ATF_CHECK_EQ(strlen(arg(child(&conf.root, 0), 0)), 4096);
	moat_conf_free(&conf);
	free(s);
	s = repeat("a\nb \"", 'x', 4097, "\"");
	expect_parse_error(s, "t.conf:2: string longer than 4096 bytes");
	free(s);
	/* The limit is on the decoded string: 2048 escapes are 2048 bytes. */
	s = repeat("a \"", '\\', 4096, "\"");
	PARSE_OK(&conf, s);
	ATF_CHECK_EQ(strlen(arg(child(&conf.root, 0), 0)), 2048);
	moat_conf_free(&conf);
	free(s);

	s = repeat("a ", 'w', 4096, "");
	PARSE_OK(&conf, s);
	moat_conf_free(&conf);
	free(s);
	s = repeat("a ", 'w', 4097, "");
	expect_parse_error(s, "t.conf:1: word longer than 4096 bytes");
	free(s);
	s = repeat("", 'n', 4097, " 1");
	expect_parse_error(s, "t.conf:1: word longer than 4096 bytes");
	free(s);
}

ATF_TC_WITHOUT_HEAD(directive_limit);
ATF_TC_BODY(directive_limit, tc)
{
	struct moat_conf conf;
	char *s;

	s = malloc(2 * 10001 + 1);
	ATF_REQUIRE(s != NULL);
	for (size_t i = 0; i < 10001; i++)
		memcpy(s + 2 * i, "d\n", 2);
	s[2 * 10000] = '\0';
	PARSE_OK(&conf, s);
	ATF_CHECK_EQ(conf.root.child_count, 10000);
	ATF_CHECK_EQ(conf.directive_count, 10000);
	moat_conf_free(&conf);
	s[2 * 10000] = 'd';
	s[2 * 10001] = '\0';
	expect_parse_error(s, "t.conf:10001: more than 10000 directives");
	free(s);

	/* Directives inside blocks count too. */
	s = malloc(2 * 10000 + 16);
	ATF_REQUIRE(s != NULL);
	memcpy(s, "b {\n", 4);
	for (size_t i = 0; i < 10000; i++)
		memcpy(s + 4 + 2 * i, "d\n", 2);
	memcpy(s + 4 + 2 * 10000, "}\n", 3);
	expect_parse_error(s, "t.conf:10001: more than 10000 directives");
	free(s);
}

ATF_TC_WITHOUT_HEAD(file_size_limit);
ATF_TC_BODY(file_size_limit, tc)
{
	struct moat_conf conf;
	char *s = repeat("#", 'x', MOAT_CONF_MAX_FILE_SIZE - 3, "\na");

	ATF_REQUIRE_EQ(strlen(s), MOAT_CONF_MAX_FILE_SIZE);
	PARSE_OK(&conf, s);
	ATF_CHECK_EQ(conf.root.child_count, 1);
	moat_conf_free(&conf);
	free(s);
	s = repeat("#", 'x', MOAT_CONF_MAX_FILE_SIZE - 2, "\na");
	expect_parse_error(s, "\"t.conf\" is larger than 1 MiB");
	free(s);
}

ATF_TC_WITHOUT_HEAD(bytes_outside_strings);
ATF_TC_BODY(bytes_outside_strings, tc)
{
	expect_parse_error("a \x01", "t.conf:1: invalid byte 0x01");
	expect_parse_error("a\n\xc3\xa9t\xc3\xa9 1", "t.conf:2: invalid byte 0xc3");
	expect_parse_error("a b\xff", "t.conf:1: invalid byte 0xff");
	expect_parse_error_len("a\0b", 3, "t.conf:1: invalid byte 0x00");
	expect_parse_error_len("# c\0\n", 5, "t.conf:1: invalid byte 0x00 in comment");
	expect_parse_error("a\rb", "t.conf:1: invalid byte 0x0d");
	expect_parse_error("a\x7f", "t.conf:1: invalid byte 0x7f");
	expect_parse_error("a\x0b", "t.conf:1: invalid byte 0x0b");
	expect_parse_error("a = b", "t.conf:1: unexpected character '='");
	expect_parse_error("a 1, 2", "t.conf:1: unexpected character ','");
	expect_parse_error("x\na 'b'", "t.conf:2: unexpected character '''");
	expect_parse_error("a \\ b", "t.conf:1: '\\' outside a string must end the line");
	expect_parse_error("a b\\ \nc", "t.conf:1: '\\' outside a string must end the line");
	expect_parse_error("a b\\", "t.conf:1: '\\' outside a string must end the line");
}

ATF_TC_WITHOUT_HEAD(include_syntax);
ATF_TC_BODY(include_syntax, tc)
{
	struct moat_conf conf;
	const char *text = "a\ninclude \"x.conf\"\n";

	expect_parse_error("include x { }", "t.conf:1: include takes no block");
	expect_parse_error("include", "t.conf:1: include takes exactly 1 argument (a path or pattern), got 0");
	expect_parse_error("\ninclude a b", "t.conf:2: include takes exactly 1 argument (a path or pattern), got 2");
	expect_parse_error("include \"\"", "t.conf:1: include path is empty");

	moat_error_clear();
	ATF_REQUIRE_EQ(moat_conf_parse_string_flags(&conf, "t.conf", text, strlen(text), MOAT_CONF_NO_INCLUDE),
		       MOAT_FAILURE);
	ATF_CHECK_EQ(moat_errno, MOAT_ERR_CONFIG);
	ATF_CHECK_STREQ("t.conf:2: include is not allowed here", moat_conf_error(&conf));
	moat_conf_free(&conf);
	EXPECT_ERR(moat_conf_parse_string_flags(&conf, "t.conf", "", 0, 0x80), MOAT_ERR_INVALID_ARG);
}

ATF_TC_WITHOUT_HEAD(api_edges);
ATF_TC_BODY(api_edges, tc)
{
	struct moat_conf conf;

	EXPECT_ERR(moat_conf_parse_string(NULL, "t.conf", "", 0), MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_conf_parse_string(&conf, NULL, "", 0), MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_conf_parse_string(&conf, "t.conf", NULL, 1), MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_conf_parse_file(NULL, "t.conf"), MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_conf_parse_file(&conf, NULL), MOAT_ERR_NULL_ARG);
	ATF_CHECK_STREQ("", moat_conf_error(NULL));
	moat_conf_free(NULL);

	/* A struct full of garbage is fine to parse into: parsing starts from nothing. */
	memset(&conf, 0xa5, sizeof(conf));
	PARSE_OK(&conf, "a 1");
	ATF_CHECK_EQ(conf.root.child_count, 1);
	/* Parsing again into a freed conf works, and a failure then a success leaves no stale error. */
	moat_conf_free(&conf);
	ATF_REQUIRE_EQ(moat_conf_parse_string(&conf, "t.conf", "}", 1), MOAT_FAILURE);
	ATF_CHECK_STREQ("t.conf:1: '}' without '{'", moat_conf_error(&conf));
	moat_conf_free(&conf);
	ATF_CHECK_STREQ("", moat_conf_error(&conf));
	PARSE_OK(&conf, "b");
	ATF_CHECK_STREQ("", moat_conf_error(&conf));
	moat_conf_free(&conf);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, directives_and_arguments);
	ATF_TP_ADD_TC(tp, strings_and_escapes);
	ATF_TP_ADD_TC(tp, semicolons_separate);
	ATF_TP_ADD_TC(tp, continuation_lines);
	ATF_TP_ADD_TC(tp, nested_blocks);
	ATF_TP_ADD_TC(tp, comments_everywhere);
	ATF_TP_ADD_TC(tp, empty_inputs);
	ATF_TP_ADD_TC(tp, crlf_and_no_final_newline);
	ATF_TP_ADD_TC(tp, string_errors);
	ATF_TP_ADD_TC(tp, brace_errors);
	ATF_TP_ADD_TC(tp, nesting_limit);
	ATF_TP_ADD_TC(tp, argument_limit);
	ATF_TP_ADD_TC(tp, length_limits);
	ATF_TP_ADD_TC(tp, directive_limit);
	ATF_TP_ADD_TC(tp, file_size_limit);
	ATF_TP_ADD_TC(tp, bytes_outside_strings);
	ATF_TP_ADD_TC(tp, include_syntax);
	ATF_TP_ADD_TC(tp, api_edges);
	return atf_no_error();
}
