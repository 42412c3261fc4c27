/*
 * Client certificates per site (moat-frontd.conf(5), "client-auth"): the
 * site's directives, read into its TLS config at load time (frontd's
 * sandbox opens no file later, so trust anchors and CRLs are read whole
 * then, never looked up in a directory during a handshake), and what a
 * finished handshake says about the client's certificate, for the access
 * log and the backend's PROXY v2 header.
 */
#ifndef MOAT_FRONTD_CLIENT_CERT_H
#define MOAT_FRONTD_CLIENT_CERT_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/conf.h"

struct frontd_site;
struct moat_connection;

#define FRONTD_CLIENT_SUBJECT_MAX 1024
#define FRONTD_CLIENT_CN_MAX 256

/* The site block's client-* directives, found by name; a site without client-auth and without them is left as is. */
MOAT_MUST_USE int frontd_client_cert_load(struct moat_conf *conf, const struct moat_conf_node *site_node,
					  struct frontd_site *site);

/* Names of the site directives this module reads (for the site block's list). */
extern const char *const frontd_client_cert_directives[];
extern const size_t frontd_client_cert_directive_count;

/*
 * The client's certificate after a completed handshake: false if it sent
 * none. subject is RFC 2253 text, cn the last commonName ("" without one);
 * both escaped to printable ASCII. A certificate the handshake accepted
 * was verified against the site's client-ca; on a resumed connection, the
 * one its ticket recorded when it was verified (the library resumes such a
 * ticket only under the same client-ca and CRLs, and not on a site with
 * client-name, whose check needs the certificate itself).
 */
bool frontd_client_cert_get(struct moat_connection *tls, char subject[FRONTD_CLIENT_SUBJECT_MAX],
			    char cn[FRONTD_CLIENT_CN_MAX]);

#endif
