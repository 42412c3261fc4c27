/*
 * How moat-frontd.conf names files, for the parts of the configuration read
 * outside config.c (client_cert.c, config_backends.c): a relative path is taken from the
 * directory of the file that names it, and a file is read whole at load
 * time (the sandbox opens nothing later).
 */
#ifndef MOAT_FRONTD_CONFIG_FILES_H
#define MOAT_FRONTD_CONFIG_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "frontd/sites.h"

#include "policy/conf.h"

/* path as given when absolute, else joined to the directory of n's file; a file:line error if too long or empty. */
MOAT_MUST_USE int frontd_conf_resolve_path(struct moat_conf *conf, const struct moat_conf_node *n, const char *path,
					   char *out, size_t out_size);
/* The whole regular file (at most 1 MiB), NUL-terminated, to free(); NULL with *why saying what went wrong. */
uint8_t *frontd_conf_read_file(const char *path, size_t *len, const char **why);
/* A Unix socket address for path (resolved as above, then made absolute); a file:line error if too long. */
MOAT_MUST_USE int frontd_conf_unix_sockaddr(struct moat_conf *conf, const struct moat_conf_node *n, const char *path,
					    struct sockaddr_storage *ss, socklen_t *len);

/*
 * config_backends.c: a site's backend lines, balance, backend-connect-timeout
 * and backend-failures, read once the rest of the site (its alpn) is
 * loaded (before the checks of the whole site); the ALPN list the site
 * offers follows its backend lines when it has no alpn line.
 */
bool frontd_config_is_backend_directive(const char *name);
MOAT_MUST_USE int frontd_config_backends_load(struct moat_conf *conf, const struct moat_conf_node *site_node,
					      struct frontd_site *site);

#endif
