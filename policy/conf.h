/*
 * The configuration file format shared by moat-frontd and moat-keyd, in the
 * manner of OpenBSD relayd/httpd: directives made of a name and arguments,
 * ended by a newline or ';', optionally opening a { } block of directives.
 *
 *	# comment
 *	user "moat"
 *	listen 0.0.0.0:8443; listen "[::]:8443"
 *	site "example.com" {
 *		certificate "/etc/moat/example.pem"
 *		alpn "h2" "http/1.1"
 *	}
 *	include "/etc/moat/sites.d/site-*.conf"
 *
 * The parser knows no directive but include: it turns text into a tree that
 * keeps every argument as text, with the file and line it came from. Each
 * daemon walks the tree itself and reads arguments through the typed helpers
 * below, which fail with one "file:line: message" stored in the conf, so a
 * config check (-n) prints exactly one clear line.
 *
 * Lexical rules: bare words are runs of letters, digits and _ . : / * @ + - [ ]
 * (so numbers and addresses are words); strings are in double quotes with
 * the escapes \" \\ \n \t only and no newline inside; '#' starts a comment;
 * a backslash at the very end of a line continues it; spaces and tabs
 * separate; a CR before LF is ignored.
 * Bytes outside printable ASCII may appear only inside strings and comments.
 *
 * include "pattern": the pattern (a glob) is taken relative to the directory
 * of the including file unless absolute; matches are read in strcmp order, a
 * pattern with no glob characters must name an existing file, a pattern
 * with glob characters may match nothing. Includes may appear inside blocks;
 * the included directives join the enclosing list. Nesting of includes is
 * at most MOAT_CONF_MAX_INCLUDE_DEPTH and a file that includes itself,
 * directly or not, is an error.
 *
 * Limits, each an error naming the place it is exceeded: a file of at most
 * MOAT_CONF_MAX_FILE_SIZE bytes, MOAT_CONF_MAX_DIRECTIVES directives in all
 * (include lines count, which bounds the work a web of includes can cause),
 * MOAT_CONF_MAX_ARGS arguments per directive, MOAT_CONF_MAX_STRING bytes per
 * word or string, MOAT_CONF_MAX_BLOCK_DEPTH nested blocks.
 */
#ifndef MOAT_POLICY_CONF_H
#define MOAT_POLICY_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/error.h"

#define MOAT_CONF_MAX_FILE_SIZE (1024u * 1024u)
#define MOAT_CONF_MAX_DIRECTIVES 10000u
#define MOAT_CONF_MAX_ARGS 64u
#define MOAT_CONF_MAX_STRING 4096u
#define MOAT_CONF_MAX_BLOCK_DEPTH 4u
#define MOAT_CONF_MAX_INCLUDE_DEPTH 8u
#define MOAT_CONF_ERROR_MAX 1024u

/* moat_conf_parse_string_flags: reject include (for fuzzing and for text that must not reach the filesystem). */
#define MOAT_CONF_NO_INCLUDE 0x1u

struct moat_conf_arg {
	char *text;     /* NUL-terminated; escapes already decoded */
	bool quoted;    /* written as "string" rather than as a bare word */
};

struct moat_conf_node {
	char *name;                     /* directive name; NULL for the root */
	struct moat_conf_arg *args;
	size_t argc;
	struct moat_conf_node *children;  /* a block's directives, or none */
	size_t child_count;
	bool has_block;                 /* written with { }, even an empty one */
	const char *file;               /* interned path of the file it came from */
	unsigned line;                  /* line of its name; 0 for the root */
};

struct moat_conf {
	struct moat_conf_node root;     /* root.children = top-level directives; root.file = the main file */
	size_t directive_count;         /* directives read, include lines counted */
	char **files;                   /* interned file names (owned) */
	size_t file_count;
	char error[MOAT_CONF_ERROR_MAX]; /* "" or "path:line: message" */
};

/*
 * Parse a file, following includes. conf need not be initialised; call
 * moat_conf_free when done with it, whatever the result. On failure the
 * tree is empty, moat_errno is MOAT_ERR_CONFIG (MOAT_ERR_ALLOC when memory
 * runs out) and moat_conf_error(conf) says where and why:
 *   "moat.conf:12: unterminated string"
 *   "a.conf:5: include depth exceeds 8"
 *   "b.conf:1: cannot open \"x.conf\": No such file or directory"
 * An error about the main file itself carries no line:
 *   "cannot open \"moat.conf\": No such file or directory"
 */
MOAT_MUST_USE int moat_conf_parse_file(struct moat_conf *conf, const char *path);
/* Parse text in memory; name stands for the file in messages and relative includes. */
MOAT_MUST_USE int moat_conf_parse_string(struct moat_conf *conf, const char *name, const char *text, size_t len);
/* Same with flags (MOAT_CONF_NO_INCLUDE). */
MOAT_MUST_USE int moat_conf_parse_string_flags(struct moat_conf *conf, const char *name, const char *text, size_t len,
					       unsigned flags);
/* The last error recorded in conf, or "" (also for a NULL conf). */
const char *moat_conf_error(const struct moat_conf *conf);
/* Release the tree and the interned names; the struct may be parsed into again. NULL is allowed. */
void moat_conf_free(struct moat_conf *conf);

/*
 * Helpers the daemons use to interpret the tree. Each failure stores
 * "file:line: message" in conf (the line of node n) and raises
 * MOAT_ERR_CONFIG. Argument indexes i count from 0; messages count from 1.
 * Argument text quoted in messages is escaped and shortened, so a hostile
 * file cannot put control bytes or kilobytes into a log line.
 */

/* Always fails: MOAT_ERR_CONFIG with "file:line: " and the formatted message. n may be NULL (no location). */
MOAT_MUST_USE int moat_conf_fail(struct moat_conf *conf, const struct moat_conf_node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* min <= argc <= max, e.g. "\"listen\" takes exactly 1 argument, got 2". */
MOAT_MUST_USE int moat_conf_expect_args(struct moat_conf *conf, const struct moat_conf_node *n, size_t min, size_t max);
/* The directive must have (or must not have) a { } block. */
MOAT_MUST_USE int moat_conf_expect_block(struct moat_conf *conf, const struct moat_conf_node *n);
MOAT_MUST_USE int moat_conf_expect_no_block(struct moat_conf *conf, const struct moat_conf_node *n);

/* Argument i as text (fails only when it is missing). */
MOAT_MUST_USE int moat_conf_arg_text(struct moat_conf *conf, const struct moat_conf_node *n, size_t i, const char **out);
/* Decimal digits only, min <= value <= max. */
MOAT_MUST_USE int moat_conf_arg_uint(struct moat_conf *conf, const struct moat_conf_node *n, size_t i, uint64_t min,
				     uint64_t max, uint64_t *out);
/* "250ms", "10s", "5m", "1h"; a bare number is seconds. */
MOAT_MUST_USE int moat_conf_arg_duration_ms(struct moat_conf *conf, const struct moat_conf_node *n, size_t i,
					    uint64_t *ms);
/*
 * One of count keywords (count >= 2): *out is its index. Anything else is
 * "NAME": "TEXT" is not A, B or C at its line.
 */
MOAT_MUST_USE int moat_conf_arg_choice(struct moat_conf *conf, const struct moat_conf_node *n, size_t i,
				       const char *const *words, size_t count, size_t *out);
/* yes/no, on/off, true/false (lower case). */
MOAT_MUST_USE int moat_conf_arg_bool(struct moat_conf *conf, const struct moat_conf_node *n, size_t i, bool *out);
/* Bytes: a bare number, or with k, m or g (powers of 1024, either case): "64k", "16m". min <= bytes <= max. */
MOAT_MUST_USE int moat_conf_arg_size(struct moat_conf *conf, const struct moat_conf_node *n, size_t i, uint64_t min,
				     uint64_t max, uint64_t *out);
/*
 * "a.b.c.d:port", "[v6]:port", "*:port" (0.0.0.0, as nginx reads it; write
 * "[::]:port" for IPv6) or "localhost:port" (127.0.0.1). Port 1..65535.
 * Numeric hosts only: no DNS at config time.
 */
MOAT_MUST_USE int moat_conf_arg_sockaddr(struct moat_conf *conf, const struct moat_conf_node *n, size_t i,
					 struct sockaddr_storage *ss, socklen_t *len);

/* Every directive directly under parent must be one of allowed[0..n_allowed). */
MOAT_MUST_USE int moat_conf_check_names(struct moat_conf *conf, const struct moat_conf_node *parent,
					const char *const *allowed, size_t n_allowed);
/* The first directive named name directly under parent, or NULL. */
const struct moat_conf_node *moat_conf_find(const struct moat_conf_node *parent, const char *name);
/* Like moat_conf_find (*out NULL when absent) but a second one is an error naming both places. */
MOAT_MUST_USE int moat_conf_find_unique(struct moat_conf *conf, const struct moat_conf_node *parent, const char *name,
					const struct moat_conf_node **out);

#endif
