/*
 * OCSP stapling in moat-frontd (moat-frontd.conf(5): certificate "file"
 * ocsp-staple "file"). The response is read and judged with the
 * configuration (tls/crypto/ocsp.h: successful, for this certificate, good,
 * signed by its issuer, current); a defect is a configuration error, but a
 * response that is merely past its nextUpdate is logged and not stapled,
 * so an operator late with a refresh loses the staple, not the site. While
 * frontd runs, a timer takes each staple away when its nextUpdate passes
 * and logs it; a reload (SIGHUP) reads the files again.
 */
#ifndef MOAT_FRONTD_OCSP_H
#define MOAT_FRONTD_OCSP_H

#include <stdint.h>

#include "frontd/sites.h"
#include "policy/conf.h"

struct frontd_server;

/* Read path (already resolved) for fc's chain; n is the certificate directive, for errors. */
MOAT_MUST_USE int frontd_ocsp_load(struct moat_conf *conf, const struct moat_conf_node *n, struct frontd_cert *fc,
				   const char *path, uint64_t now_sec);

/* Arm the expiry timer for every stapled response of srv's sites; stop frees it. */
MOAT_MUST_USE int frontd_ocsp_start(struct frontd_server *srv);
void frontd_ocsp_stop(struct frontd_server *srv);
/* Take away every staple whose nextUpdate is at or before now_sec (the timer's work; tests call it). */
void frontd_ocsp_expire(struct frontd_server *srv, uint64_t now_sec);

#endif
