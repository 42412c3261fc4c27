/*
 * Tokenizer for the config format (see policy/conf.h).
 *
 * The file is read through a moat_cursor one byte at a time, like any other
 * untrusted input: a config may come from an include directory that other
 * people write to. Every byte is accounted for: whitespace, a comment, a
 * line continuation, a token, or an error naming the line it is on. Words
 * and strings are decoded into the token's fixed buffer, so the limit on
 * their length is checked where the byte would be stored.
 *
 * Bytes outside printable ASCII are refused outside strings and comments
 * (a binary file, or a non-breaking space pasted from a web page, should
 * fail loudly rather than become part of a word). A CR before LF is taken
 * as part of the newline so files edited on other systems still parse.
 */
#include <string.h>

#include "policy/conf_internal.h"

#define END (-1)

void moat_conf_lex_init(struct moat_conf_lexer *lx, struct moat_conf *conf, const char *file, const void *data,
			size_t len)
{
	lx->conf = conf;
	lx->file = file;
	moat_cursor_init(&lx->in, data, len);
	lx->line = 1;
}

/* The byte `ahead` positions on, or END. */
static int peek(const struct moat_conf_lexer *lx, size_t ahead)
{
	struct moat_cursor c = lx->in;
	uint8_t b;
	if (moat_cursor_remaining(&c) <= ahead)
		return END;
	if (moat_cursor_skip(&c, ahead) != MOAT_SUCCESS || moat_cursor_peek_u8(&c, &b) != MOAT_SUCCESS)
		return END;
	return b;
}

/* Consume n bytes the caller has already peeked. */
static void advance(struct moat_conf_lexer *lx, size_t n)
{
	if (moat_cursor_remaining(&lx->in) < n)
		n = moat_cursor_remaining(&lx->in);
	if (moat_cursor_skip(&lx->in, n) != MOAT_SUCCESS)
		moat_cursor_init(&lx->in, NULL, 0);
}

static bool is_word_byte(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && c != END && strchr("_.:/*@+-[]", c) != NULL;
}

/* Length of the newline at the cursor: 1 for LF, 2 for CR LF, 0 if none. */
static size_t newline_len(const struct moat_conf_lexer *lx, size_t ahead)
{
	int c = peek(lx, ahead);
	if (c == '\n')
		return 1;
	if (c == '\r' && peek(lx, ahead + 1) == '\n')
		return 2;
	return 0;
}

static int bad_byte(struct moat_conf_lexer *lx, int c, const char *where)
{
	if (c > ' ' && c < 0x7f)
		CONF_FAIL(lx->conf, lx->file, lx->line, "unexpected character '%c'%s", c, where);
	CONF_FAIL(lx->conf, lx->file, lx->line, "invalid byte 0x%02x%s", (unsigned)c, where);
}

static int put(struct moat_conf_lexer *lx, struct moat_conf_token *tok, int c)
{
	if (tok->len == MOAT_CONF_MAX_STRING)
		CONF_FAIL(lx->conf, lx->file, tok->line, "%s longer than %u bytes",
			  tok->type == MOAT_CONF_TOK_STRING ? "string" : "word", MOAT_CONF_MAX_STRING);
	tok->text[tok->len++] = (char)c;
	tok->text[tok->len] = '\0';
	return MOAT_SUCCESS;
}

/* A comment runs to the newline, which stays for the caller: it ends the directive. */
static int skip_comment(struct moat_conf_lexer *lx)
{
	int c;
	while ((c = peek(lx, 0)) != END && c != '\n') {
		if (c == '\0')
			return bad_byte(lx, c, " in comment");
		advance(lx, 1);
	}
	return MOAT_SUCCESS;
}

/* Spaces, tabs, comments and continuations; stops at a token or a newline. */
static int skip_blank(struct moat_conf_lexer *lx)
{
	for (;;) {
		int c = peek(lx, 0);
		size_t nl;
		if (c == ' ' || c == '\t') {
			advance(lx, 1);
		} else if (c == '#') {
			TRY(skip_comment(lx));
		} else if (c == '\\') {
			if ((nl = newline_len(lx, 1)) == 0)
				CONF_FAIL(lx->conf, lx->file, lx->line, "'\\' outside a string must end the line");
			advance(lx, 1 + nl);
			lx->line++;
		} else {
			return MOAT_SUCCESS;
		}
	}
}

static int lex_string(struct moat_conf_lexer *lx, struct moat_conf_token *tok)
{
	tok->type = MOAT_CONF_TOK_STRING;
	advance(lx, 1);
	for (;;) {
		int c = peek(lx, 0);
		if (c == END)
			CONF_FAIL(lx->conf, lx->file, tok->line, "unterminated string");
		if (newline_len(lx, 0) != 0)
			CONF_FAIL(lx->conf, lx->file, lx->line, "newline in string");
		advance(lx, 1);
		if (c == '"')
			return MOAT_SUCCESS;
		if (c == '\\') {
			int e = peek(lx, 0);
			if (e == END)
				CONF_FAIL(lx->conf, lx->file, tok->line, "unterminated string");
			if (newline_len(lx, 0) != 0)
				CONF_FAIL(lx->conf, lx->file, lx->line, "newline in string");
			if (e == '"' || e == '\\')
				c = e;
			else if (e == 'n')
				c = '\n';
			else if (e == 't')
				c = '\t';
			else if (e > ' ' && e < 0x7f)
				CONF_FAIL(lx->conf, lx->file, lx->line, "bad escape '\\%c' in string", e);
			else
				CONF_FAIL(lx->conf, lx->file, lx->line, "bad escape '\\' + byte 0x%02x in string",
					  (unsigned)e);
			advance(lx, 1);
		} else if ((c < ' ' && c != '\t') || c == 0x7f) {
			/* Bytes from 0x80 up are kept: UTF-8 names and paths are fine inside quotes. */
			return bad_byte(lx, c, " in string");
		}
		TRY(put(lx, tok, c));
	}
}

int moat_conf_lex_next(struct moat_conf_lexer *lx, struct moat_conf_token *tok)
{
	size_t nl;
	int c;

	tok->len = 0;
	tok->text[0] = '\0';
	TRY(skip_blank(lx));
	tok->line = lx->line;
	c = peek(lx, 0);
	if (c == END) {
		tok->type = MOAT_CONF_TOK_EOF;
		return MOAT_SUCCESS;
	}
	if ((nl = newline_len(lx, 0)) != 0) {
		tok->type = MOAT_CONF_TOK_NEWLINE;
		advance(lx, nl);
		lx->line++;
		return MOAT_SUCCESS;
	}
	switch (c) {
	case ';':
		tok->type = MOAT_CONF_TOK_SEMI;
		advance(lx, 1);
		return MOAT_SUCCESS;
	case '{':
		tok->type = MOAT_CONF_TOK_LBRACE;
		advance(lx, 1);
		return MOAT_SUCCESS;
	case '}':
		tok->type = MOAT_CONF_TOK_RBRACE;
		advance(lx, 1);
		return MOAT_SUCCESS;
	case '"':
		return lex_string(lx, tok);
	default:
		break;
	}
	if (!is_word_byte(c))
		return bad_byte(lx, c, "");
	tok->type = MOAT_CONF_TOK_WORD;
	while (is_word_byte(c = peek(lx, 0))) {
		TRY(put(lx, tok, c));
		advance(lx, 1);
	}
	return MOAT_SUCCESS;
}
