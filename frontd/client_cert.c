/*
 * Client certificates per site (client_cert.h).
 */
#include "frontd/client_cert.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "frontd/config_files.h"
#include "frontd/sites.h"
#include "tls/crypto/cert.h"

const char *const frontd_client_cert_directives[] = {
	"client-auth", "client-ca", "client-crl", "client-verify-depth", "client-name",
};
const size_t frontd_client_cert_directive_count =
	sizeof(frontd_client_cert_directives) / sizeof(frontd_client_cert_directives[0]);

/* The library offers each DNS name of the client's leaf (dNSName, else CN): accept one of the site's client-name. */
static uint8_t name_allowed(const char *name, size_t len, void *data)
{
	const struct frontd_site *site = data;
	for (size_t i = 0; i < site->client_name_count; i++)
		if (strlen(site->client_names[i]) == len && strncasecmp(site->client_names[i], name, len) == 0)
			return 1;
	return 0;
}

/* A whole PEM file into the site's config through add(), with the directive's file:line on failure. */
static int load_pem(struct moat_conf *conf, const struct moat_conf_node *n, struct frontd_site *site, const char *what,
		    int (*add)(struct moat_config *, const char *))
{
	const char *arg;
	char path[PATH_MAX];
	TRY(moat_conf_expect_args(conf, n, 1, 1));
	TRY(moat_conf_expect_no_block(conf, n));
	TRY(moat_conf_arg_text(conf, n, 0, &arg));
	TRY(frontd_conf_resolve_path(conf, n, arg, path, sizeof(path)));
	const char *why = "";
	size_t len;
	uint8_t *pem = frontd_conf_read_file(path, &len, &why);
	if (pem == NULL)
		return moat_conf_fail(conf, n, "cannot read %s \"%s\": %s", what, path, why);
	int rc = add(site->tls, (const char *)pem);
	int err = moat_errno;
	free(pem);
	if (rc == MOAT_SUCCESS)
		return MOAT_SUCCESS;
	if (err == MOAT_ERR_ALLOC)
		BAIL(MOAT_ERR_ALLOC);
	return moat_conf_fail(conf, n, "%s \"%s\" holds no PEM %s", what, path,
			      add == moat_config_add_crl_pem ? "certificate revocation list" : "certificate");
}

static int load_names(struct moat_conf *conf, const struct moat_conf_node *n, struct frontd_site *site)
{
	TRY(moat_conf_expect_args(conf, n, 1, MOAT_CONF_MAX_ARGS));
	TRY(moat_conf_expect_no_block(conf, n));
	site->client_names = calloc(n->argc, sizeof(*site->client_names));
	ENSURE(site->client_names != NULL, MOAT_ERR_ALLOC);
	for (size_t i = 0; i < n->argc; i++) {
		const char *name = n->args[i].text;
		if (name[0] == '\0' || strlen(name) > 253)
			return moat_conf_fail(conf, n, "\"client-name\": a name has 1 to 253 bytes");
		site->client_names[i] = strdup(name);
		ENSURE(site->client_names[i] != NULL, MOAT_ERR_ALLOC);
		site->client_name_count++;
	}
	return moat_config_set_verify_host_callback(site->tls, name_allowed, site);
}

int frontd_client_cert_load(struct moat_conf *conf, const struct moat_conf_node *site_node, struct frontd_site *site)
{
	const struct moat_conf_node *d[sizeof(frontd_client_cert_directives) / sizeof(frontd_client_cert_directives[0])];
	for (size_t i = 0; i < frontd_client_cert_directive_count; i++)
		TRY(moat_conf_find_unique(conf, site_node, frontd_client_cert_directives[i], &d[i]));
	const struct moat_conf_node *auth = d[0], *ca = d[1], *crl = d[2], *depth = d[3], *names = d[4];
	if (auth == NULL) {
		for (size_t i = 1; i < frontd_client_cert_directive_count; i++)
			if (d[i] != NULL)
				return moat_conf_fail(conf, d[i], "\"%s\" needs \"client-auth\" in the same site",
						      frontd_client_cert_directives[i]);
		return MOAT_SUCCESS;
	}
	static const char *const modes[] = { "require", "request" };
	size_t mode;
	TRY(moat_conf_expect_args(conf, auth, 1, 1));
	TRY(moat_conf_expect_no_block(conf, auth));
	TRY(moat_conf_arg_choice(conf, auth, 0, modes, 2, &mode));
	moat_cert_auth_type type = mode == 0 ? MOAT_CERT_AUTH_REQUIRED : MOAT_CERT_AUTH_OPTIONAL;
	if (ca == NULL)
		return moat_conf_fail(conf, auth, "\"client-auth\" needs \"client-ca\": the certificates clients are checked against");
	/* Only the operator's anchors: the system's are for servers, and read lazily from a directory. */
	TRY(moat_config_wipe_trust_store(site->tls));
	TRY(load_pem(conf, ca, site, "client CA file", moat_config_add_pem_to_trust_store));
	if (crl != NULL)
		TRY(load_pem(conf, crl, site, "CRL file", moat_config_add_crl_pem));
	if (depth != NULL) {
		uint64_t v;
		TRY(moat_conf_expect_args(conf, depth, 1, 1));
		TRY(moat_conf_expect_no_block(conf, depth));
		TRY(moat_conf_arg_uint(conf, depth, 0, 1, 100, &v));
		TRY(moat_config_set_max_cert_chain_depth(site->tls, (uint16_t)v));
	}
	if (names != NULL)
		TRY(load_names(conf, names, site));
	site->client_auth = type;
	return moat_config_set_client_auth_type(site->tls, type);
}

bool frontd_client_cert_get(struct moat_connection *tls, char subject[FRONTD_CLIENT_SUBJECT_MAX],
			    char cn[FRONTD_CLIENT_CN_MAX])
{
	const uint8_t *der;
	uint32_t len;
	subject[0] = cn[0] = '\0';
	if (tls == NULL || !moat_connection_is_handshake_complete(tls))
		return false;
	if (moat_connection_get_peer_cert_der(tls, &der, &len) < 0) {
		moat_error_clear();
		/* A resumed session: the certificate its ticket recorded when it was verified. */
		if (moat_connection_get_client_cert_identity(tls, NULL, subject, FRONTD_CLIENT_SUBJECT_MAX, cn,
							     FRONTD_CLIENT_CN_MAX) == MOAT_SUCCESS)
			return true;
		moat_error_clear();
		subject[0] = cn[0] = '\0';
		return false;
	}
	/* A subject too long for the buffer is logged as "": the certificate was still verified. */
	if (moat_cert_der_names(der, len, subject, FRONTD_CLIENT_SUBJECT_MAX, cn, FRONTD_CLIENT_CN_MAX) < 0)
		moat_error_clear();
	return true;
}
