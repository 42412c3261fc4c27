/*
 * What the pieces of the config parser share and nobody else needs: the
 * token stream (conf_lex.c), the parse state threaded through the grammar
 * (conf_parse.c) and the include machinery (conf_include.c), and the one
 * way an error is recorded. Not installed, not for the daemons.
 */
#ifndef MOAT_POLICY_CONF_INTERNAL_H
#define MOAT_POLICY_CONF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <sys/types.h>

#include "common/cursor.h"
#include "common/error.h"
#include "policy/conf.h"

enum moat_conf_tok {
	MOAT_CONF_TOK_EOF,
	MOAT_CONF_TOK_NEWLINE,
	MOAT_CONF_TOK_SEMI,
	MOAT_CONF_TOK_LBRACE,
	MOAT_CONF_TOK_RBRACE,
	MOAT_CONF_TOK_WORD,
	MOAT_CONF_TOK_STRING,
};

struct moat_conf_token {
	enum moat_conf_tok type;
	unsigned line;                          /* where the token starts */
	size_t len;                             /* of text, for WORD and STRING */
	char text[MOAT_CONF_MAX_STRING + 1];    /* decoded, NUL-terminated */
};

struct moat_conf_lexer {
	struct moat_conf *conf;  /* where errors go */
	const char *file;        /* interned name, for messages */
	struct moat_cursor in;
	unsigned line;
};

void moat_conf_lex_init(struct moat_conf_lexer *lx, struct moat_conf *conf, const char *file, const void *data,
			size_t len);
/* The next token; a lexical error is recorded in conf at the offending line. */
MOAT_MUST_USE int moat_conf_lex_next(struct moat_conf_lexer *lx, struct moat_conf_token *tok);

/* A file being read: identified by device and inode, so a cycle is found however its path is spelt. */
struct moat_conf_open_file {
	dev_t dev;
	ino_t ino;
};

struct moat_conf_parse {
	struct moat_conf *conf;
	unsigned flags;
	/* Files being read, outermost first; text parsed from memory takes a slot with no identity. */
	struct moat_conf_open_file open[MOAT_CONF_MAX_INCLUDE_DEPTH + 1];
	bool open_known[MOAT_CONF_MAX_INCLUDE_DEPTH + 1];
	size_t open_count;
};

/* Parse the text of one file (name already interned) into parent's list, at block depth depth. */
MOAT_MUST_USE int moat_conf_parse_text_(struct moat_conf_parse *p, const char *file, const void *data, size_t len,
					struct moat_conf_node *parent, unsigned depth);
/* Read the file at path and parse it into parent; inc is the include directive, or NULL for the main file. */
MOAT_MUST_USE int moat_conf_read_file_(struct moat_conf_parse *p, const struct moat_conf_node *inc, const char *path,
				       struct moat_conf_node *parent, unsigned depth);
/* Carry out the include directive inc into parent. */
MOAT_MUST_USE int moat_conf_include_(struct moat_conf_parse *p, const struct moat_conf_node *inc,
				     struct moat_conf_node *parent, unsigned depth);

/* The stored copy of name (one per distinct name), or NULL when out of memory. */
const char *moat_conf_intern_(struct moat_conf *conf, const char *name);
/* Free what a node owns (not the node itself) and zero it. */
void moat_conf_node_free_(struct moat_conf_node *n);

/* Record "file:line: message" ("file: message" when line is 0, "message" when file is NULL). */
void moat_conf_set_error_(struct moat_conf *conf, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void moat_conf_set_verror_(struct moat_conf *conf, const char *file, unsigned line, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

/*
 * s in double quotes, escaped (\" \\ \n \t, \xNN for other bytes outside
 * printable ASCII) and cut to fit size with "..." after the closing quote,
 * for putting file contents into an error message. size must be at least
 * 16. QUOTE(buf, s) for a char array buf: MOAT_CONF_QUOTE_MAX for words and
 * strings (about 50 characters shown), MOAT_CONF_QUOTE_PATH for file names.
 */
#define MOAT_CONF_QUOTE_MAX 64
#define MOAT_CONF_QUOTE_PATH 512
const char *moat_conf_quote_(char *out, size_t size, const char *s);
#define QUOTE(buf, s) moat_conf_quote_((buf), sizeof(buf), (s))

/* Record the error and return MOAT_FAILURE with MOAT_ERR_CONFIG raised here. */
#define CONF_FAIL(conf, file, line, ...) \
	do { \
		moat_conf_set_error_((conf), (file), (line), __VA_ARGS__); \
		BAIL(MOAT_ERR_CONFIG); \
	} while (0)
/* Out of memory: still say where, but raise MOAT_ERR_ALLOC. */
#define CONF_FAIL_ALLOC(conf, file, line) \
	do { \
		moat_conf_set_error_((conf), (file), (line), "out of memory"); \
		BAIL(MOAT_ERR_ALLOC); \
	} while (0)

#endif
