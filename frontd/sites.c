/*
 * Sites and SNI routing (see sites.h for the rules).
 *
 * The table is small and read-only once frontd runs, so lookup is a linear
 * scan over normalised names: two passes (exact, then wildcard) keep the
 * "exact beats wildcard" rule obvious. A hash can replace it when
 * configurations with thousands of names show up in a profile.
 *
 * Each site gets its own moat_config. Its trust store is emptied at once:
 * frontd never verifies peers, and the system store the library loads by
 * default would only cost memory per site.
 */
#include "frontd/sites.h"

#include <stdlib.h>
#include <string.h>

#include "tls/config_policy.h"
#include "tls/key_caps.h"

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

static bool label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

int frontd_name_normalize(const char *in, char *out, size_t out_size)
{
	ENSURE_REF(in);
	ENSURE_REF(out);
	size_t n = strlen(in);
	if (n > 0 && in[n - 1] == '.')
		n--;
	ENSURE(n > 0 && n <= FRONTD_MAX_NAME && n < out_size, MOAT_ERR_INVALID_ARG);
	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[n] = '\0';

	const char *p = out;
	/* A wildcard is a whole first label "*", with at least one label after it. */
	if (p[0] == '*') {
		ENSURE(p[1] == '.' && p[2] != '\0', MOAT_ERR_INVALID_ARG);
		p += 2;
	}
	size_t label = 0;
	for (; *p != '\0'; p++) {
		if (*p == '.') {
			ENSURE(label > 0, MOAT_ERR_INVALID_ARG);
			label = 0;
			continue;
		}
		ENSURE(label_char(*p), MOAT_ERR_INVALID_ARG);
		ENSURE(++label <= 63, MOAT_ERR_INVALID_ARG);
	}
	ENSURE(label > 0, MOAT_ERR_INVALID_ARG);
	return MOAT_SUCCESS;
}

bool frontd_name_matches(const char *pattern, const char *host)
{
	if (pattern[0] != '*')
		return strcmp(pattern, host) == 0;
	/* "*.example.test": host = one non-empty label without dots, then ".example.test". */
	const char *dot = strchr(host, '.');
	return dot != NULL && dot != host && strcmp(dot, pattern + 1) == 0;
}

struct frontd_site *frontd_site_new(const char *name)
{
	struct frontd_site *site = calloc(1, sizeof(*site));
	if (site == NULL)
		return NULL;
	site->tls = moat_config_new();
	if (site->tls == NULL || moat_config_wipe_trust_store(site->tls) < 0 || moat_config_set_ctx(site->tls, site) < 0 ||
	    frontd_site_add_name(site, name) < 0) {
		frontd_site_free(site);
		return NULL;
	}
	site->name = site->names[0];
	site->backend_connect_timeout_ms = FRONTD_DEFAULT_BACKEND_CONNECT_TIMEOUT_MS;
	site->backend_fail_limit = FRONTD_DEFAULT_BACKEND_FAIL_LIMIT;
	site->backend_skip_ms = FRONTD_DEFAULT_BACKEND_SKIP_MS;
	site->early_data_max = FRONTD_EARLY_DATA_DEFAULT;
	site->tickets_per_handshake = -1;
	return site;
}

void frontd_site_free(struct frontd_site *site)
{
	if (site == NULL)
		return;
	if (moat_config_free(site->tls) < 0)
		moat_error_clear();
	for (size_t i = 0; i < site->cert_count; i++) {
		if (moat_cert_chain_and_key_free(site->certs[i].ck) < 0)
			moat_error_clear();
		free(site->certs[i].ocsp_path);
		free(site->certs[i].origin);
	}
	for (size_t i = 0; i < site->name_count; i++)
		free(site->names[i]);
	free(site->names);
	for (size_t i = 0; i < site->client_name_count; i++)
		free(site->client_names[i]);
	free(site->client_names);
	for (size_t i = 0; i < site->backend_set_count; i++) {
		free(site->backends[i].alpn);
		free(site->backends[i].v);
	}
	free(site->backends);
	free(site);
}

int frontd_site_add_name(struct frontd_site *site, const char *name)
{
	ENSURE_REF(site);
	ENSURE_REF(name);
	char **v = realloc(site->names, (site->name_count + 1) * sizeof(*v));
	ENSURE(v != NULL, MOAT_ERR_ALLOC);
	site->names = v;
	v[site->name_count] = dup_str(name);
	ENSURE(v[site->name_count] != NULL, MOAT_ERR_ALLOC);
	site->name_count++;
	return MOAT_SUCCESS;
}

int frontd_site_add_cert_pem(struct frontd_site *site, const uint8_t *pem, size_t len)
{
	ENSURE_REF(site);
	ENSURE_REF(pem);
	ENSURE(len <= UINT32_MAX, MOAT_ERR_INVALID_ARG);
	ENSURE(site->cert_count < FRONTD_MAX_CERTS, MOAT_ERR_INVALID_STATE);
	struct moat_cert_chain_and_key *ck = moat_cert_chain_and_key_new();
	ENSURE(ck != NULL, MOAT_ERR_ALLOC);
	struct frontd_cert *fc = &site->certs[site->cert_count];
	/* Public only: the private key stays in moat-keyd. */
	if (moat_cert_chain_and_key_load_public_pem_bytes(ck, pem, (uint32_t)len) < 0 ||
	    moat_cert_chain_and_key_get_key_id(ck, fc->key_id) < 0 || moat_cert_chain_and_key_set_ctx(ck, fc) < 0 ||
	    moat_config_add_cert_chain_and_key_to_store(site->tls, ck) < 0) {
		int err = moat_errno;
		const char *where = moat_debug_str;
		if (moat_cert_chain_and_key_free(ck) < 0)
			moat_error_clear();
		moat_error_raise(err, where);
		return MOAT_FAILURE;
	}
	/* A commonName longer than 64 bytes (RFC 5280's ub-common-name) is only a worse log line. */
	if (moat_cert_chain_and_key_get_common_name(ck, fc->cn, sizeof(fc->cn)) < 0) {
		moat_error_clear();
		fc->cn[0] = '\0';
	}
	fc->ck = ck;
	site->cert_count++;
	return MOAT_SUCCESS;
}

int frontd_site_set_policy(struct frontd_site *site, const struct moat_security_policy *policy)
{
	ENSURE_REF(site);
	return moat_config_set_security_policy(site->tls, policy);
}

int frontd_site_set_alpn(struct frontd_site *site, const char *const *protocols, size_t count)
{
	ENSURE_REF(site);
	ENSURE(count > 0 && count <= 64, MOAT_ERR_INVALID_ARG);
	for (size_t i = 0; i < count; i++) {
		size_t n = strlen(protocols[i]);
		ENSURE(n >= 1 && n <= 255, MOAT_ERR_INVALID_ARG);
	}
	return moat_config_set_protocol_preferences(site->tls, protocols, (int)count);
}

int frontd_sites_add(struct frontd_sites *sites, struct frontd_site *site)
{
	ENSURE_REF(sites);
	ENSURE_REF(site);
	struct frontd_site **v = realloc(sites->v, (sites->n + 1) * sizeof(*v));
	ENSURE(v != NULL, MOAT_ERR_ALLOC);
	sites->v = v;
	v[sites->n++] = site;
	if (site->is_default || sites->fallback == NULL)
		sites->fallback = site;
	return MOAT_SUCCESS;
}

struct frontd_site *frontd_sites_find_exact(const struct frontd_sites *sites, const char *name)
{
	for (size_t s = 0; s < sites->n; s++)
		for (size_t i = 0; i < sites->v[s]->name_count; i++)
			if (strcmp(sites->v[s]->names[i], name) == 0)
				return sites->v[s];
	return NULL;
}

struct frontd_site *frontd_sites_lookup(const struct frontd_sites *sites, const char *sni, bool *matched)
{
	char host[FRONTD_MAX_NAME + 2];
	*matched = false;
	/* A name we could not have configured (bad syntax) matches nothing. */
	if (sni == NULL || frontd_name_normalize(sni, host, sizeof(host)) < 0 || host[0] == '*') {
		moat_error_clear();
		return sites->fallback;
	}
	for (size_t s = 0; s < sites->n; s++)
		for (size_t i = 0; i < sites->v[s]->name_count; i++)
			if (sites->v[s]->names[i][0] != '*' && strcmp(sites->v[s]->names[i], host) == 0) {
				*matched = true;
				return sites->v[s];
			}
	for (size_t s = 0; s < sites->n; s++)
		for (size_t i = 0; i < sites->v[s]->name_count; i++)
			if (sites->v[s]->names[i][0] == '*' && frontd_name_matches(sites->v[s]->names[i], host)) {
				*matched = true;
				return sites->v[s];
			}
	return sites->fallback;
}

int frontd_sites_set_callbacks(struct frontd_sites *sites, moat_client_hello_fn hello, void *hello_ctx,
			       moat_async_pkey_fn pkey)
{
	ENSURE_REF(sites);
	for (size_t s = 0; s < sites->n; s++) {
		struct moat_config *c = sites->v[s]->tls;
		TRY(moat_config_set_client_hello_cb(c, hello, hello_ctx));
		TRY(moat_config_set_client_hello_cb_mode(c, MOAT_CLIENT_HELLO_CB_BLOCKING));
		TRY(moat_config_set_async_pkey_callback(c, pkey));
	}
	return MOAT_SUCCESS;
}

int frontd_sites_set_ticket_cb(struct frontd_sites *sites, moat_ticket_crypto_fn fn, void *ticket_ctx)
{
	ENSURE_REF(sites);
	for (size_t s = 0; s < sites->n; s++) {
		struct moat_config *c = sites->v[s]->tls;
		if (sites->v[s]->tickets == FRONTD_TICKETS_OFF) {
			TRY(moat_config_set_session_tickets_onoff(c, 0));
		} else {
			TRY(moat_config_set_ticket_crypto_cb(c, fn, ticket_ctx));
			if (sites->v[s]->ticket_lifetime_s > 0)
				TRY(moat_config_set_session_state_lifetime(c, sites->v[s]->ticket_lifetime_s));
			if (sites->v[s]->tickets_per_handshake >= 0)
				TRY(moat_config_set_initial_ticket_count(c, (uint8_t)sites->v[s]->tickets_per_handshake));
			/* 0-RTT rides on tickets; keyd's single-use record guards it (conn_tickets.c). */
			if (sites->v[s]->early_data)
				TRY(moat_config_set_server_max_early_data_size(c, sites->v[s]->early_data_max));
		}
	}
	return MOAT_SUCCESS;
}

void frontd_sites_free(struct frontd_sites *sites)
{
	if (sites == NULL)
		return;
	for (size_t s = 0; s < sites->n; s++)
		frontd_site_free(sites->v[s]);
	free(sites->v);
	sites->v = NULL;
	sites->n = 0;
	sites->fallback = NULL;
}
