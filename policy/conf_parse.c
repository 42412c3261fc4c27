/*
 * The grammar, by recursive descent over one token of lookahead:
 *
 *	list      := { NEWLINE | ';' | directive }
 *	directive := WORD { WORD | STRING } [ '{' list '}' ] ( NEWLINE | ';' | '}' | EOF )
 *
 * A directive is built in a node of its own and moved into its parent's
 * list only when complete, so on any error everything it owns is freed in
 * one place and the tree never holds a half-read directive. The '{' must
 * be on the directive's line (a continuation counts), as in relayd: a '{'
 * at the start of a statement names no directive and is an error rather
 * than a guess. The directive that closes with '}' must be followed by a
 * newline, ';' or another '}', never by more arguments.
 *
 * include is the one directive the parser itself acts on: its files are
 * parsed into the list the include stands in, so a block may include too.
 * Each file has its own lexer and its own top-level list, so a '}' in an
 * included file cannot close a block of the file that includes it.
 *
 * Arrays grow by doubling, with the capacity implied by the count (the next
 * power of two), so the public node struct needs no capacity fields.
 */
#include <stdlib.h>
#include <string.h>

#include "policy/conf_internal.h"

struct reader {
	struct moat_conf_parse *p;
	struct moat_conf_lexer lx;
	struct moat_conf_token tok;
};

static int next(struct reader *r)
{
	return moat_conf_lex_next(&r->lx, &r->tok);
}

static bool is_end_of_directive(enum moat_conf_tok t)
{
	return t == MOAT_CONF_TOK_NEWLINE || t == MOAT_CONF_TOK_SEMI || t == MOAT_CONF_TOK_RBRACE ||
	       t == MOAT_CONF_TOK_EOF;
}

/* Make room for one more element in an array of count elements (capacity: next power of two, at least 4). */
static bool grow(void **array, size_t count, size_t elem)
{
	void *bigger;
	if (count != 0 && (count < 4 || (count & (count - 1)) != 0))
		return true;
	size_t cap = count == 0 ? 4 : count * 2;
	if (cap > SIZE_MAX / elem)
		return false;
	if ((bigger = realloc(*array, cap * elem)) == NULL)
		return false;
	*array = bigger;
	return true;
}

static int add_arg(struct reader *r, struct moat_conf_node *n)
{
	char *text;
	void *args = n->args;
	if (!grow(&args, n->argc, sizeof(*n->args)))
		CONF_FAIL_ALLOC(r->p->conf, r->lx.file, r->tok.line);
	n->args = args;
	if ((text = malloc(r->tok.len + 1)) == NULL)
		CONF_FAIL_ALLOC(r->p->conf, r->lx.file, r->tok.line);
	memcpy(text, r->tok.text, r->tok.len + 1);
	n->args[n->argc].text = text;
	n->args[n->argc].quoted = r->tok.type == MOAT_CONF_TOK_STRING;
	n->argc++;
	return MOAT_SUCCESS;
}

/* Move *child to the end of parent's list; on success *child is left zeroed. */
static int add_child(struct reader *r, struct moat_conf_node *parent, struct moat_conf_node *child)
{
	void *children = parent->children;
	if (!grow(&children, parent->child_count, sizeof(*parent->children)))
		CONF_FAIL_ALLOC(r->p->conf, child->file, child->line);
	parent->children = children;
	parent->children[parent->child_count++] = *child;
	memset(child, 0, sizeof(*child));
	return MOAT_SUCCESS;
}

static int parse_list(struct reader *r, struct moat_conf_node *parent, unsigned depth, unsigned open_line);

/* Name, arguments and block of the directive at the current token, into n. */
static int parse_directive_body(struct reader *r, struct moat_conf_node *n, unsigned depth)
{
	struct moat_conf *conf = r->p->conf;
	char q[MOAT_CONF_QUOTE_MAX];

	n->file = r->lx.file;
	n->line = r->tok.line;
	if (conf->directive_count == MOAT_CONF_MAX_DIRECTIVES)
		CONF_FAIL(conf, n->file, n->line, "more than %u directives", MOAT_CONF_MAX_DIRECTIVES);
	conf->directive_count++;
	if ((n->name = strdup(r->tok.text)) == NULL)
		CONF_FAIL_ALLOC(conf, n->file, n->line);
	TRY(next(r));

	while (r->tok.type == MOAT_CONF_TOK_WORD || r->tok.type == MOAT_CONF_TOK_STRING) {
		if (n->argc == MOAT_CONF_MAX_ARGS)
			CONF_FAIL(conf, n->file, n->line, "%s has more than %u arguments", QUOTE(q, n->name),
				  MOAT_CONF_MAX_ARGS);
		TRY(add_arg(r, n));
		TRY(next(r));
	}

	if (r->tok.type == MOAT_CONF_TOK_LBRACE) {
		unsigned open_line = r->tok.line;
		if (strcmp(n->name, "include") == 0)
			CONF_FAIL(conf, n->file, open_line, "include takes no block");
		if (depth == MOAT_CONF_MAX_BLOCK_DEPTH)
			CONF_FAIL(conf, n->file, open_line, "blocks nested deeper than %u", MOAT_CONF_MAX_BLOCK_DEPTH);
		n->has_block = true;
		TRY(next(r));
		TRY(parse_list(r, n, depth + 1, open_line));
	}
	if (!is_end_of_directive(r->tok.type))
		CONF_FAIL(conf, n->file, r->tok.line, "expected a newline or ';' after '}'");
	return MOAT_SUCCESS;
}

static int parse_directive(struct reader *r, struct moat_conf_node *parent, unsigned depth)
{
	struct moat_conf_node n;
	int rc;

	memset(&n, 0, sizeof(n));
	rc = parse_directive_body(r, &n, depth);
	if (rc == MOAT_SUCCESS) {
		if (strcmp(n.name, "include") == 0)
			rc = moat_conf_include_(r->p, &n, parent, depth);
		else
			rc = add_child(r, parent, &n);
	}
	moat_conf_node_free_(&n);
	return rc;
}

/*
 * Directives up to the end of the file (open_line 0) or up to the '}' that
 * closes the block opened on open_line, which is consumed.
 */
static int parse_list(struct reader *r, struct moat_conf_node *parent, unsigned depth, unsigned open_line)
{
	struct moat_conf *conf = r->p->conf;
	char q[MOAT_CONF_QUOTE_MAX];

	for (;;) {
		switch (r->tok.type) {
		case MOAT_CONF_TOK_EOF:
			if (open_line != 0)
				CONF_FAIL(conf, r->lx.file, open_line, "missing '}' for the %s block opened here",
					  QUOTE(q, parent->name));
			return MOAT_SUCCESS;
		case MOAT_CONF_TOK_NEWLINE:
		case MOAT_CONF_TOK_SEMI:
			TRY(next(r));
			break;
		case MOAT_CONF_TOK_RBRACE:
			if (open_line == 0)
				CONF_FAIL(conf, r->lx.file, r->tok.line, "'}' without '{'");
			return next(r);
		case MOAT_CONF_TOK_LBRACE:
			CONF_FAIL(conf, r->lx.file, r->tok.line, "'{' without a directive name");
		case MOAT_CONF_TOK_STRING:
			CONF_FAIL(conf, r->lx.file, r->tok.line, "expected a directive name, got the string %s",
				  QUOTE(q, r->tok.text));
		case MOAT_CONF_TOK_WORD:
			TRY(parse_directive(r, parent, depth));
			break;
		}
	}
}

int moat_conf_parse_text_(struct moat_conf_parse *p, const char *file, const void *data, size_t len,
			  struct moat_conf_node *parent, unsigned depth)
{
	/* The token buffer is MOAT_CONF_MAX_STRING bytes: on the heap, since includes nest. */
	struct reader *r;
	int rc;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		CONF_FAIL_ALLOC(p->conf, file, 0);
	r->p = p;
	moat_conf_lex_init(&r->lx, p->conf, file, data, len);
	rc = next(r);
	if (rc == MOAT_SUCCESS)
		rc = parse_list(r, parent, depth, 0);
	free(r);
	return rc;
}
