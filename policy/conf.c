/*
 * The config parser's entry points and the bookkeeping around the tree:
 * starting a parse, recording the one error message, interning file names
 * and freeing.
 *
 * A failed parse leaves an empty tree and the message, never half a tree: a
 * daemon that reloads its config cannot pick up a prefix of a broken file
 * by mistake. The message lives in a fixed array inside struct moat_conf so
 * that recording it can never fail, not even when memory has run out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/conf_internal.h"

void moat_conf_set_verror_(struct moat_conf *conf, const char *file, unsigned line, const char *fmt, va_list ap)
{
	int n = 0;
	if (file != NULL && line != 0)
		n = snprintf(conf->error, sizeof(conf->error), "%s:%u: ", file, line);
	else if (file != NULL)
		n = snprintf(conf->error, sizeof(conf->error), "%s: ", file);
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof(conf->error))
		(void)vsnprintf(conf->error + n, sizeof(conf->error) - (size_t)n, fmt, ap);
}

void moat_conf_set_error_(struct moat_conf *conf, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	moat_conf_set_verror_(conf, file, line, fmt, ap);
	va_end(ap);
}

const char *moat_conf_quote_(char *out, size_t size, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	out[o++] = '"';
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		/* Worst case per byte is 4 ("\xNN"); keep room for the closing quote, "..." and NUL. */
		if (o + 4 + 5 > size) {
			memcpy(out + o, "\"...", 5);
			return out;
		}
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c == '\t') {
			out[o++] = '\\';
			out[o++] = 't';
		} else if (c < ' ' || c >= 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

const char *moat_conf_intern_(struct moat_conf *conf, const char *name)
{
	char **files, *copy;
	for (size_t i = 0; i < conf->file_count; i++)
		if (strcmp(conf->files[i], name) == 0)
			return conf->files[i];
	if ((copy = strdup(name)) == NULL)
		return NULL;
	files = realloc(conf->files, (conf->file_count + 1) * sizeof(*files));
	if (files == NULL) {
		free(copy);
		return NULL;
	}
	conf->files = files;
	conf->files[conf->file_count++] = copy;
	return copy;
}

void moat_conf_node_free_(struct moat_conf_node *n)
{
	for (size_t i = 0; i < n->argc; i++)
		free(n->args[i].text);
	free(n->args);
	for (size_t i = 0; i < n->child_count; i++)
		moat_conf_node_free_(&n->children[i]);
	free(n->children);
	free(n->name);
	memset(n, 0, sizeof(*n));
}

static void free_tree(struct moat_conf *conf)
{
	moat_conf_node_free_(&conf->root);
	for (size_t i = 0; i < conf->file_count; i++)
		free(conf->files[i]);
	free(conf->files);
	conf->files = NULL;
	conf->file_count = 0;
	conf->directive_count = 0;
}

void moat_conf_free(struct moat_conf *conf)
{
	if (conf == NULL)
		return;
	free_tree(conf);
	conf->error[0] = '\0';
}

const char *moat_conf_error(const struct moat_conf *conf)
{
	return conf == NULL ? "" : conf->error;
}

/* Start from nothing, name the root after the main file, parse, and drop the tree if that failed. */
static int parse_start(struct moat_conf *conf, const char *name)
{
	memset(conf, 0, sizeof(*conf));
	if ((conf->root.file = moat_conf_intern_(conf, name)) == NULL)
		CONF_FAIL_ALLOC(conf, NULL, 0);
	return MOAT_SUCCESS;
}

static int parse_finish(struct moat_conf *conf, int rc)
{
	if (rc != MOAT_SUCCESS) {
		free_tree(conf);
		return MOAT_FAILURE;
	}
	return MOAT_SUCCESS;
}

int moat_conf_parse_file(struct moat_conf *conf, const char *path)
{
	struct moat_conf_parse p;
	ENSURE_REF(conf);
	ENSURE_REF(path);
	TRY(parse_start(conf, path));
	memset(&p, 0, sizeof(p));
	p.conf = conf;
	return parse_finish(conf, moat_conf_read_file_(&p, NULL, path, &conf->root, 0));
}

int moat_conf_parse_string_flags(struct moat_conf *conf, const char *name, const char *text, size_t len,
				 unsigned flags)
{
	struct moat_conf_parse p;
	int rc;
	ENSURE_REF(conf);
	ENSURE_REF(name);
	ENSURE(text != NULL || len == 0, MOAT_ERR_NULL_ARG);
	ENSURE((flags & ~MOAT_CONF_NO_INCLUDE) == 0, MOAT_ERR_INVALID_ARG);
	TRY(parse_start(conf, name));
	memset(&p, 0, sizeof(p));
	p.conf = conf;
	p.flags = flags;
	if (len > MOAT_CONF_MAX_FILE_SIZE) {
		char q[MOAT_CONF_QUOTE_PATH];
		moat_conf_set_error_(conf, NULL, 0, "%s is larger than 1 MiB", QUOTE(q, name));
		moat_error_raise(MOAT_ERR_CONFIG, MOAT_HERE);
		return parse_finish(conf, MOAT_FAILURE);
	}
	/* Text in memory has no inode: it takes a slot on the include stack but can be in no cycle. */
	p.open_known[0] = false;
	p.open_count = 1;
	rc = moat_conf_parse_text_(&p, conf->root.file, text, len, &conf->root, 0);
	return parse_finish(conf, rc);
}

int moat_conf_parse_string(struct moat_conf *conf, const char *name, const char *text, size_t len)
{
	return moat_conf_parse_string_flags(conf, name, text, len, 0);
}
