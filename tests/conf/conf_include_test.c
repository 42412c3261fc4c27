/*
 * Config files on disk: the main file, include of a missing file, cycles
 * (direct, indirect, and through another spelling of the path), the depth
 * limit, glob order, relative and absolute include paths, includes inside
 * blocks, errors inside included files naming that file and line, size
 * limits, and things that are not regular files. Every case writes its
 * files into the fresh work directory ATF gives it.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "tests/conf/conf_check.h"

#define PARSE_FILE_OK(conf, path) \
	do { \
		moat_error_clear(); \
		int rc_ = moat_conf_parse_file((conf), (path)); \
		ATF_REQUIRE_MSG(rc_ == MOAT_SUCCESS, "parse of %s failed: %s (%s)", (path), moat_conf_error(conf), \
				moat_strerror_name(moat_errno)); \
	} while (0)

static const struct moat_conf_node *child(const struct moat_conf_node *parent, size_t i)
{
	ATF_REQUIRE_MSG(i < parent->child_count, "%zu children, wanted #%zu", parent->child_count, i);
	return &parent->children[i];
}

ATF_TC_WITHOUT_HEAD(main_file);
ATF_TC_BODY(main_file, tc)
{
	struct moat_conf conf;

	write_file("moat.conf", "user \"moat\"\n\nsite a {\n\tbackend 127.0.0.1:8080\n}\n");
	PARSE_FILE_OK(&conf, "moat.conf");
	ATF_CHECK_STREQ("moat.conf", conf.root.file);
	ATF_REQUIRE_EQ(conf.root.child_count, 2);
	ATF_CHECK_STREQ("moat.conf", child(&conf.root, 0)->file);
	ATF_CHECK_EQ(child(&conf.root, 1)->line, 3);
	ATF_CHECK_EQ(child(child(&conf.root, 1), 0)->line, 4);
	ATF_CHECK_STREQ("moat.conf", child(child(&conf.root, 1), 0)->file);
	moat_conf_free(&conf);

	write_file("bad.conf", "a\nb \"x\n");
	expect_file_error("bad.conf", "bad.conf:2: newline in string");
	expect_file_error("nope.conf", "cannot open \"nope.conf\": No such file or directory");
}

ATF_TC_WITHOUT_HEAD(include_missing_file);
ATF_TC_BODY(include_missing_file, tc)
{
	write_file("a.conf", "user x\ninclude \"x.conf\"\n");
	expect_file_error("a.conf", "a.conf:2: cannot open \"x.conf\": No such file or directory");
	write_file("a.conf", "include b.conf\n");
	write_file("b.conf", "include \"x.conf\"\n");
	expect_file_error("a.conf", "b.conf:1: cannot open \"x.conf\": No such file or directory");
}

ATF_TC_WITHOUT_HEAD(include_splices_in_place);
ATF_TC_BODY(include_splices_in_place, tc)
{
	struct moat_conf conf;
	const struct moat_conf_node *site;

	write_file("a.conf", "first\ninclude \"b.conf\"; middle\nsite s {\n\tinclude common.conf\n\town 1\n}\nlast\n");
	write_file("b.conf", "\nfrom_b 1\nfrom_b 2\n");
	write_file("common.conf", "cert \"c.pem\"\nhealth { interval 5s }\n");
	PARSE_FILE_OK(&conf, "a.conf");
	ATF_REQUIRE_EQ(conf.root.child_count, 6);
	ATF_CHECK_STREQ("first", child(&conf.root, 0)->name);
	ATF_CHECK_STREQ("from_b", child(&conf.root, 1)->name);
	ATF_CHECK_STREQ("b.conf", child(&conf.root, 1)->file);
	ATF_CHECK_EQ(child(&conf.root, 1)->line, 2);
	ATF_CHECK_STREQ("2", arg(child(&conf.root, 2), 0));
	ATF_CHECK_EQ(child(&conf.root, 2)->line, 3);
	ATF_CHECK_STREQ("middle", child(&conf.root, 3)->name);
	ATF_CHECK_STREQ("a.conf", child(&conf.root, 3)->file);
	ATF_CHECK_EQ(child(&conf.root, 3)->line, 2);

	/* An include inside a block adds to that block. */
	site = child(&conf.root, 4);
	ATF_REQUIRE_EQ(site->child_count, 3);
	ATF_CHECK_STREQ("cert", child(site, 0)->name);
	ATF_CHECK_STREQ("common.conf", child(site, 0)->file);
	ATF_CHECK_STREQ("health", child(site, 1)->name);
	ATF_CHECK_EQ(child(child(site, 1), 0)->line, 2);
	ATF_CHECK_STREQ("own", child(site, 2)->name);
	ATF_CHECK_STREQ("a.conf", child(site, 2)->file);
	ATF_CHECK_STREQ("last", child(&conf.root, 5)->name);
	/* The include lines count as directives, but are not in the tree. */
	ATF_CHECK_EQ(conf.directive_count, 12);
	ATF_CHECK_EQ(conf.file_count, 3);
	moat_conf_free(&conf);

	/* The same file twice, side by side, is not a cycle. */
	write_file("a.conf", "include b.conf\ninclude b.conf\n");
	PARSE_FILE_OK(&conf, "a.conf");
	ATF_CHECK_EQ(conf.root.child_count, 4);
	ATF_CHECK(child(&conf.root, 0)->file == child(&conf.root, 3)->file);
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(include_cycle);
ATF_TC_BODY(include_cycle, tc)
{
	write_file("a.conf", "include a.conf\n");
	expect_file_error("a.conf", "a.conf:1: include cycle: \"a.conf\" is already being read");
	write_file("a.conf", "x\ninclude b.conf\n");
	write_file("b.conf", "y\n\ninclude \"a.conf\"\n");
	expect_file_error("a.conf", "b.conf:3: include cycle: \"a.conf\" is already being read");
	/* Another spelling of the same file is the same file. */
	make_dir("d");
	write_file("d/a.conf", "include \"../d/./a.conf\"\n");
	expect_file_error("d/a.conf", "d/a.conf:1: include cycle: \"d/../d/./a.conf\" is already being read");
	ATF_REQUIRE_EQ(symlink("a.conf", "d/link.conf"), 0);
	write_file("d/a.conf", "include link.conf\n");
	expect_file_error("d/a.conf", "d/a.conf:1: include cycle: \"d/link.conf\" is already being read");
}

ATF_TC_WITHOUT_HEAD(include_depth);
ATF_TC_BODY(include_depth, tc)
{
	struct moat_conf conf;
	char name[32], text[64];

	/* f0 includes f1 ... includes f8: eight levels of include are allowed. */
	for (unsigned i = 0; i < 8; i++) {
		(void)snprintf(name, sizeof(name), "f%u.conf", i);
		(void)snprintf(text, sizeof(text), "level %u\ninclude \"f%u.conf\"\n", i, i + 1);
		write_file(name, text);
	}
	write_file("f8.conf", "leaf\n");
	PARSE_FILE_OK(&conf, "f0.conf");
	ATF_REQUIRE_EQ(conf.root.child_count, 9);
	ATF_CHECK_STREQ("leaf", child(&conf.root, 8)->name);
	ATF_CHECK_STREQ("f8.conf", child(&conf.root, 8)->file);
	moat_conf_free(&conf);

	/* The ninth fails, at the include line of f8.conf. */
	write_file("f8.conf", "leaf\ninclude \"f9.conf\"\n");
	write_file("f9.conf", "too deep\n");
	expect_file_error("f0.conf", "f8.conf:2: include depth exceeds 8");
	/* Also when the ninth is a glob. */
	write_file("f8.conf", "leaf\n\ninclude \"f9*.conf\"\n");
	expect_file_error("f0.conf", "f8.conf:3: include depth exceeds 8");
	/* Text in memory counts as a level: then f7's include is the ninth. */
	expect_parse_error("include f0.conf\n", "f7.conf:2: include depth exceeds 8");
}

ATF_TC_WITHOUT_HEAD(include_glob_order);
ATF_TC_BODY(include_glob_order, tc)
{
	static const char *const files[] = { "c.conf", "a.conf", "B.conf", "10.conf", "b.conf", "2.conf" };
	static const char *const sorted[] = { "10.conf", "2.conf", "B.conf", "a.conf", "b.conf", "c.conf" };
	struct moat_conf conf;
	char path[64], text[64];

	make_dir("sites.d");
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		(void)snprintf(path, sizeof(path), "sites.d/%s", files[i]);
		(void)snprintf(text, sizeof(text), "site \"%s\"\n", files[i]);
		write_file(path, text);
	}
	write_file("sites.d/ignored.txt", "junk ~~~\n");
	make_dir("empty.d");
	write_file("moat.conf", "before\ninclude \"sites.d/*.conf\"\ninclude \"empty.d/*.conf\"\nafter\n");
	PARSE_FILE_OK(&conf, "moat.conf");
	ATF_REQUIRE_EQ(conf.root.child_count, 8);
	ATF_CHECK_STREQ("before", child(&conf.root, 0)->name);
	for (size_t i = 0; i < 6; i++) {
		(void)snprintf(path, sizeof(path), "sites.d/%s", sorted[i]);
		ATF_CHECK_STREQ(sorted[i], arg(child(&conf.root, i + 1), 0));
		ATF_CHECK_STREQ(path, child(&conf.root, i + 1)->file);
	}
	ATF_CHECK_STREQ("after", child(&conf.root, 7)->name);
	moat_conf_free(&conf);

	/* A pattern may match nothing; a plain path must exist. */
	write_file("moat.conf", "include \"nowhere/*.conf\"\ninclude \"sites.d/?.conf\"\n");
	PARSE_FILE_OK(&conf, "moat.conf");
	ATF_CHECK_EQ(conf.root.child_count, 5); /* "?" matches one character: all but 10.conf */
	moat_conf_free(&conf);

	/* An error in the third file stops there and names it. */
	write_file("sites.d/b.conf", "site\n}\n");
	write_file("moat.conf", "include \"sites.d/*.conf\"\n");
	expect_file_error("moat.conf", "sites.d/b.conf:2: '}' without '{'");
}

ATF_TC_WITHOUT_HEAD(include_relative_path);
ATF_TC_BODY(include_relative_path, tc)
{
	struct moat_conf conf;
	char cwd[PATH_MAX], text[PATH_MAX + 64], abs_path[PATH_MAX + 32];

	make_dir("etc");
	make_dir("etc/sub");
	make_dir("sub");
	write_file("etc/moat.conf", "include \"sub/x.conf\"\n");
	write_file("etc/sub/x.conf", "right x\ninclude y.conf\n");
	write_file("etc/sub/y.conf", "right y\n");
	/* Decoys relative to the working directory: must not be read. */
	write_file("sub/x.conf", "wrong\n");
	write_file("y.conf", "wrong\n");
	PARSE_FILE_OK(&conf, "etc/moat.conf");
	ATF_REQUIRE_EQ(conf.root.child_count, 2);
	ATF_CHECK_STREQ("right", child(&conf.root, 0)->name);
	ATF_CHECK_STREQ("x", arg(child(&conf.root, 0), 0));
	ATF_CHECK_STREQ("etc/sub/x.conf", child(&conf.root, 0)->file);
	ATF_CHECK_STREQ("y", arg(child(&conf.root, 1), 0));
	ATF_CHECK_STREQ("etc/sub/y.conf", child(&conf.root, 1)->file);
	moat_conf_free(&conf);

	/* An absolute path is taken as it is. */
	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	(void)snprintf(abs_path, sizeof(abs_path), "%s/y.conf", cwd);
	(void)snprintf(text, sizeof(text), "include \"%s\"\n", abs_path);
	write_file("etc/abs.conf", text);
	PARSE_FILE_OK(&conf, "etc/abs.conf");
	ATF_REQUIRE_EQ(conf.root.child_count, 1);
	ATF_CHECK_STREQ("wrong", child(&conf.root, 0)->name);
	ATF_CHECK_STREQ(abs_path, child(&conf.root, 0)->file);
	moat_conf_free(&conf);

	/* The including file's directory is taken literally, not as a glob pattern. */
	make_dir("odd[1]*");
	make_dir("odd[1]*/sites");
	make_dir("odd1*");
	make_dir("odd1*/sites");
	write_file("odd[1]*/sites/a.conf", "right\n");
	write_file("odd1*/sites/a.conf", "wrong\n");
	write_file("odd[1]*/moat.conf", "include \"sites/*.conf\"\n");
	PARSE_FILE_OK(&conf, "odd[1]*/moat.conf");
	ATF_REQUIRE_EQ(conf.root.child_count, 1);
	ATF_CHECK_STREQ("right", child(&conf.root, 0)->name);
	ATF_CHECK_STREQ("odd[1]*/sites/a.conf", child(&conf.root, 0)->file);
	moat_conf_free(&conf);

	/* Text in memory: relative to the directory in its name, or to the cwd when it has none. */
	PARSE_OK(&conf, "include y.conf");
	ATF_CHECK_STREQ("y.conf", child(&conf.root, 0)->file);
	moat_conf_free(&conf);
	EXPECT_OK(moat_conf_parse_string(&conf, "etc/sub/mem.conf", "include y.conf", 14));
	ATF_CHECK_STREQ("right", child(&conf.root, 0)->name);
	ATF_CHECK_STREQ("etc/sub/y.conf", child(&conf.root, 0)->file);
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(errors_in_included_files);
ATF_TC_BODY(errors_in_included_files, tc)
{
	write_file("a.conf", "a\ninclude b.conf\n");
	write_file("b.conf", "x\ny\nz \"open");
	expect_file_error("a.conf", "b.conf:3: unterminated string");

	/* A '}' in an included file cannot close the including file's block... */
	write_file("a.conf", "site a {\n\tinclude \"close.conf\"\n}\n");
	write_file("close.conf", "\n}\n");
	expect_file_error("a.conf", "close.conf:2: '}' without '{'");
	/* ...nor can an included file leave a block open. */
	write_file("close.conf", "open {\n");
	expect_file_error("a.conf", "close.conf:1: missing '}' for the \"open\" block opened here");
	/* Block depth carries into included files. */
	write_file("a.conf", "a { b { c {\ninclude deep.conf\n} } }\n");
	write_file("deep.conf", "d {\n\te {\n\t}\n}\n");
	expect_file_error("a.conf", "deep.conf:2: blocks nested deeper than 4");
	/* The directive limit counts every file and the include lines. */
	{
		char *s = malloc(2 * 5000 + 1);
		ATF_REQUIRE(s != NULL);
		for (size_t i = 0; i < 5000; i++)
			memcpy(s + 2 * i, "d\n", 2);
		s[2 * 5000] = '\0';
		write_file("b.conf", s);
		write_file("a.conf", "include b.conf\ninclude b.conf\n");
		expect_file_error("a.conf", "b.conf:4999: more than 10000 directives");
		free(s);
	}
}

ATF_TC_WITHOUT_HEAD(not_regular_or_too_big);
ATF_TC_BODY(not_regular_or_too_big, tc)
{
	struct moat_conf conf;
	char *s;

	make_dir("d");
	write_file("a.conf", "include d\n");
	expect_file_error("a.conf", "a.conf:1: \"d\" is not a regular file");
	expect_file_error("d", "\"d\" is not a regular file");
	/* A FIFO must be refused, not waited on. */
	ATF_REQUIRE_EQ(mkfifo("fifo", 0600), 0);
	write_file("a.conf", "\ninclude fifo\n");
	expect_file_error("a.conf", "a.conf:2: \"fifo\" is not a regular file");

	s = malloc(MOAT_CONF_MAX_FILE_SIZE + 2);
	ATF_REQUIRE(s != NULL);
	memset(s, '\n', MOAT_CONF_MAX_FILE_SIZE + 1);
	s[0] = 'x';
	write_file_len("big.conf", s, MOAT_CONF_MAX_FILE_SIZE);
	write_file("a.conf", "include big.conf\n");
	PARSE_FILE_OK(&conf, "a.conf");
	ATF_CHECK_EQ(conf.root.child_count, 1);
	moat_conf_free(&conf);
	write_file_len("big.conf", s, MOAT_CONF_MAX_FILE_SIZE + 1);
	expect_file_error("a.conf", "a.conf:1: \"big.conf\" is larger than 1 MiB");
	expect_file_error("big.conf", "\"big.conf\" is larger than 1 MiB");
	free(s);
}

ATF_TC_WITHOUT_HEAD(unreadable);
ATF_TC_BODY(unreadable, tc)
{
	if (geteuid() == 0)
		atf_tc_skip("root reads files whatever their mode");
	make_dir("locked.d");
	write_file("locked.d/a.conf", "x\n");
	write_file("secret.conf", "x\n");
	ATF_REQUIRE_EQ(chmod("secret.conf", 0), 0);
	write_file("a.conf", "include secret.conf\n");
	expect_file_error("a.conf", "a.conf:1: cannot open \"secret.conf\": Permission denied");
	/* A directory the pattern must read but cannot is an error, not "no match". */
	ATF_REQUIRE_EQ(chmod("locked.d", 0), 0);
	write_file("a.conf", "\ninclude \"locked.d/*.conf\"\n");
	expect_file_error("a.conf", "a.conf:2: cannot expand \"locked.d/*.conf\": Permission denied");
	ATF_REQUIRE_EQ(chmod("locked.d", 0755), 0); /* so the work directory can be cleaned up */
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, main_file);
	ATF_TP_ADD_TC(tp, include_missing_file);
	ATF_TP_ADD_TC(tp, include_splices_in_place);
	ATF_TP_ADD_TC(tp, include_cycle);
	ATF_TP_ADD_TC(tp, include_depth);
	ATF_TP_ADD_TC(tp, include_glob_order);
	ATF_TP_ADD_TC(tp, include_relative_path);
	ATF_TP_ADD_TC(tp, errors_in_included_files);
	ATF_TP_ADD_TC(tp, not_regular_or_too_big);
	ATF_TP_ADD_TC(tp, unreadable);
	return atf_no_error();
}
