/*
 * How moat-frontd.conf names files, for the parts of the configuration read
 * outside config.c (client_cert.c): a relative path is taken from the
 * directory of the file that names it, and a file is read whole at load
 * time (the sandbox opens nothing later).
 */
#ifndef MOAT_FRONTD_CONFIG_FILES_H
#define MOAT_FRONTD_CONFIG_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "policy/conf.h"

/* path as given when absolute, else joined to the directory of n's file; a file:line error if too long or empty. */
MOAT_MUST_USE int frontd_conf_resolve_path(struct moat_conf *conf, const struct moat_conf_node *n, const char *path,
					   char *out, size_t out_size);
/* The whole regular file (at most 1 MiB), NUL-terminated, to free(); NULL with *why saying what went wrong. */
uint8_t *frontd_conf_read_file(const char *path, size_t *len, const char **why);

#endif
