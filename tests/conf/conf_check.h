/*
 * Helpers for the config parser tests: parse text that must parse, parse
 * text that must fail with one exact message, and write files into the
 * test's work directory (ATF runs every test case in a fresh cwd, so plain
 * relative paths are private to the case).
 */
#ifndef MOAT_TESTS_CONF_CONF_CHECK_H
#define MOAT_TESTS_CONF_CONF_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "policy/conf.h"
#include "tests/moat_test.h"

/* Parse text named "t.conf"; it must succeed. */
#define PARSE_OK(conf, text) \
	do { \
		moat_error_clear(); \
		int rc_ = moat_conf_parse_string((conf), "t.conf", (text), strlen(text)); \
		ATF_REQUIRE_MSG(rc_ == MOAT_SUCCESS, "parse failed: %s (%s)", moat_conf_error(conf), \
				moat_strerror_name(moat_errno)); \
	} while (0)

/* Parse len bytes named "t.conf"; it must fail with MOAT_ERR_CONFIG, message msg and an empty tree. */
static inline void expect_parse_error_len(const char *text, size_t len, const char *msg)
{
	struct moat_conf conf;
	moat_error_clear();
	int rc = moat_conf_parse_string(&conf, "t.conf", text, len);
	ATF_CHECK_MSG(rc == MOAT_FAILURE, "parsed, expected \"%s\"", msg);
	ATF_CHECK_MSG(moat_errno == MOAT_ERR_CONFIG, "got %s, expected MOAT_ERR_CONFIG for \"%s\"",
		      moat_strerror_name(moat_errno), msg);
	ATF_CHECK_STREQ(msg, moat_conf_error(&conf));
	ATF_CHECK_EQ(conf.root.child_count, 0);
	ATF_CHECK(conf.root.children == NULL);
	moat_conf_free(&conf);
}

static inline void expect_parse_error(const char *text, const char *msg)
{
	expect_parse_error_len(text, strlen(text), msg);
}

/* Parse the file at path; it must fail with MOAT_ERR_CONFIG and message msg. */
static inline void expect_file_error(const char *path, const char *msg)
{
	struct moat_conf conf;
	moat_error_clear();
	int rc = moat_conf_parse_file(&conf, path);
	ATF_CHECK_MSG(rc == MOAT_FAILURE, "%s parsed, expected \"%s\"", path, msg);
	ATF_CHECK_MSG(moat_errno == MOAT_ERR_CONFIG, "got %s, expected MOAT_ERR_CONFIG for \"%s\"",
		      moat_strerror_name(moat_errno), msg);
	ATF_CHECK_STREQ(msg, moat_conf_error(&conf));
	ATF_CHECK_EQ(conf.root.child_count, 0);
	moat_conf_free(&conf);
}

static inline void write_file_len(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");
	ATF_REQUIRE_MSG(f != NULL, "fopen %s: %s", path, strerror(errno));
	ATF_REQUIRE_EQ(fwrite(text, 1, len, f), len);
	ATF_REQUIRE_EQ(fclose(f), 0);
}

static inline void write_file(const char *path, const char *text)
{
	write_file_len(path, text, strlen(text));
}

static inline void make_dir(const char *path)
{
	ATF_REQUIRE_MSG(mkdir(path, 0755) == 0, "mkdir %s: %s", path, strerror(errno));
}

/* The i-th argument's text of node n, checked to exist. */
static inline const char *arg(const struct moat_conf_node *n, size_t i)
{
	ATF_REQUIRE_MSG(i < n->argc, "%s has %zu args, wanted #%zu", n->name, n->argc, i);
	return n->args[i].text;
}

#endif
