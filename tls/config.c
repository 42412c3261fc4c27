/*
 * Config objects and certificate/key pairs.
 *
 * A config is shared by many connections and never changed by them, so it
 * may be used from several threads at once once it is set up.
 */
#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tls/conn.h"
#include "tls/key_caps.h"
#include "tls/tickets.h"

int moat_init(void)
{
	return MOAT_SUCCESS;
}

int moat_cleanup(void)
{
	return MOAT_SUCCESS;
}

struct moat_cert_chain_and_key *moat_cert_chain_and_key_new(void)
{
	struct moat_cert_chain_and_key *ck = calloc(1, sizeof(*ck));
	ENSURE_PTR(ck != NULL, MOAT_ERR_ALLOC);
	ck->key_caps = MOAT_KEY_CAPS_ALL;
	return ck;
}

int moat_cert_chain_and_key_free(struct moat_cert_chain_and_key *ck)
{
	if (ck == NULL)
		return MOAT_SUCCESS;
	moat_cert_chain_free(&ck->chain);
	moat_pkey_free(&ck->private_key);
	free(ck->ocsp);
	free(ck->sct_list);
	free(ck);
	return MOAT_SUCCESS;
}

int moat_cert_chain_and_key_load_public_pem_bytes(struct moat_cert_chain_and_key *ck, const uint8_t *chain_pem,
						  uint32_t chain_len)
{
	ENSURE_REF(ck);
	ENSURE_REF(chain_pem);
	ENSURE(ck->chain.count == 0, MOAT_ERR_INVALID_STATE);
	TRY(moat_cert_chain_from_pem(&ck->chain, (const char *)chain_pem, chain_len));
	ck->key_type = ck->chain.leaf_key.type;
	switch (ck->key_type) {
	case MOAT_KEY_RSA:
	case MOAT_KEY_RSA_PSS:
	case MOAT_KEY_EC_P256:
	case MOAT_KEY_EC_P384:
		return MOAT_SUCCESS;
	default:
		moat_cert_chain_free(&ck->chain);
		BAIL(MOAT_ERR_NOT_SUPPORTED);
	}
}

int moat_cert_chain_and_key_load_pem_bytes(struct moat_cert_chain_and_key *ck, const uint8_t *chain_pem,
					   uint32_t chain_len, const uint8_t *key_pem, uint32_t key_len)
{
	ENSURE_REF(key_pem);
	TRY(moat_cert_chain_and_key_load_public_pem_bytes(ck, chain_pem, chain_len));
	if (moat_pkey_from_private_pem(&ck->private_key, (const char *)key_pem, key_len) < 0) {
		moat_cert_chain_free(&ck->chain);
		return MOAT_FAILURE;
	}
	if (!moat_pkey_matches(&ck->private_key, &ck->chain.leaf_key)) {
		moat_cert_chain_free(&ck->chain);
		moat_pkey_free(&ck->private_key);
		BAIL(MOAT_ERR_CONFIG);
	}
	return MOAT_SUCCESS;
}

int moat_cert_chain_and_key_get_key_id(const struct moat_cert_chain_and_key *ck, uint8_t out[32])
{
	ENSURE_REF(ck);
	ENSURE(ck->chain.count > 0, MOAT_ERR_INVALID_STATE);
	return moat_cert_spki_sha256(&ck->chain, out);
}

int moat_cert_chain_and_key_set_ctx(struct moat_cert_chain_and_key *ck, void *ctx)
{
	ENSURE_REF(ck);
	ck->ctx = ctx;
	return MOAT_SUCCESS;
}

void *moat_cert_chain_and_key_get_ctx(const struct moat_cert_chain_and_key *ck)
{
	return ck ? ck->ctx : NULL;
}

int moat_cert_chain_and_key_set_key_caps(struct moat_cert_chain_and_key *ck, uint32_t caps)
{
	ENSURE_REF(ck);
	ENSURE((caps & ~MOAT_KEY_CAPS_ALL) == 0, MOAT_ERR_INVALID_ARG);
	ck->key_caps = caps;
	return MOAT_SUCCESS;
}

uint32_t moat_cert_chain_and_key_get_key_caps(const struct moat_cert_chain_and_key *ck)
{
	return ck ? ck->key_caps : 0;
}

int moat_cert_chain_and_key_get_common_name(const struct moat_cert_chain_and_key *ck, char *out, size_t cap)
{
	ENSURE_REF(ck);
	ENSURE_REF(out);
	ENSURE(ck->chain.count > 0, MOAT_ERR_INVALID_STATE);
	return moat_cert_der_common_name(ck->chain.der[0], ck->chain.der_len[0], out, cap);
}

bool moat_key_caps_allow(uint32_t caps, uint16_t version, bool rsa_kx)
{
	if (version >= MOAT_TLS13)
		return (caps & MOAT_KEY_CAP_TLS13) != 0;
	/* Static RSA signs nothing: only the decryption switch counts, at every version it exists in. */
	if (rsa_kx)
		return (caps & MOAT_KEY_CAP_RSA_KX) != 0;
	return (caps & (version == MOAT_TLS12 ? MOAT_KEY_CAP_TLS12 : MOAT_KEY_CAP_TLS10_11)) != 0;
}

bool moat_config_key_caps_allow_version(const struct moat_config *config, uint16_t version)
{
	/* No certificate: the machine's own checks give the error they always gave. */
	if (config->cert_count == 0)
		return true;
	for (size_t c = 0; c < config->cert_count; c++) {
		uint32_t caps = config->certs[c]->key_caps;
		if (moat_key_caps_allow(caps, version, false) ||
		    (version < MOAT_TLS13 && moat_key_caps_allow(caps, version, true)))
			return true;
	}
	return false;
}

struct moat_config *moat_config_new(void)
{
	struct moat_config *config = calloc(1, sizeof(*config));
	ENSURE_PTR(config != NULL, MOAT_ERR_ALLOC);
	config->policy = moat_security_policy_find("default_tls13");
	config->verify_x509 = true;
	config->client_auth = MOAT_CERT_AUTH_NONE;
	config->client_hello_mode = MOAT_CLIENT_HELLO_CB_BLOCKING;
	config->async_pkey_validation = MOAT_ASYNC_PKEY_VALIDATION_FAST;
	moat_tickets_config_defaults(config);
	if (config->policy == NULL || moat_trust_store_init(&config->trust) < 0) {
		free(config);
		BAIL_PTR(MOAT_ERR_INTERNAL);
	}
	/* The guide's default: the system's trust locations. A machine without them just starts empty. */
	if (moat_trust_store_load_system(&config->trust) < 0)
		moat_error_clear();
	config->trust_digest_ok = true;
	moat_config_trust_changed(config, "system", NULL, 0);
	return config;
}

int moat_config_free(struct moat_config *config)
{
	if (config == NULL)
		return MOAT_SUCCESS;
	moat_trust_store_free(&config->trust);
	free(config);
	return MOAT_SUCCESS;
}

int moat_config_set_cipher_preferences(struct moat_config *config, const char *version)
{
	ENSURE_REF(config);
	ENSURE_REF(version);
	const struct moat_security_policy *p = moat_security_policy_find(version);
	ENSURE(p != NULL, MOAT_ERR_NO_SUCH_POLICY);
	config->policy = p;
	return MOAT_SUCCESS;
}

int moat_config_add_cert_chain_and_key_to_store(struct moat_config *config, struct moat_cert_chain_and_key *ck)
{
	ENSURE_REF(config);
	ENSURE_REF(ck);
	ENSURE(ck->chain.count > 0, MOAT_ERR_INVALID_STATE);
	ENSURE(config->cert_count < MOAT_MAX_CERTS_PER_CONFIG, MOAT_ERR_INVALID_STATE);
	/* One chain per key type: the choice between them is made by signature scheme. */
	for (size_t i = 0; i < config->cert_count; i++)
		ENSURE(config->certs[i]->key_type != ck->key_type, MOAT_ERR_INVALID_STATE);
	config->certs[config->cert_count++] = ck;
	return MOAT_SUCCESS;
}

int moat_config_wipe_trust_store(struct moat_config *config)
{
	ENSURE_REF(config);
	moat_trust_store_wipe(&config->trust);
	moat_config_trust_changed(config, "wipe", NULL, 0);
	return MOAT_SUCCESS;
}

int moat_config_set_verification_ca_location(struct moat_config *config, const char *ca_pem_filename,
					     const char *ca_dir)
{
	ENSURE_REF(config);
	ENSURE(ca_pem_filename != NULL || ca_dir != NULL, MOAT_ERR_NULL_ARG);
	TRY(moat_trust_store_load_location(&config->trust, ca_pem_filename, ca_dir));
	if (ca_pem_filename != NULL)
		moat_config_trust_changed(config, "file", ca_pem_filename, strlen(ca_pem_filename));
	if (ca_dir != NULL)
		moat_config_trust_changed(config, "dir", ca_dir, strlen(ca_dir));
	return MOAT_SUCCESS;
}

int moat_config_add_pem_to_trust_store(struct moat_config *config, const char *pem)
{
	ENSURE_REF(config);
	ENSURE_REF(pem);
	TRY(moat_trust_store_add_pem(&config->trust, pem, strlen(pem)));
	moat_config_trust_changed(config, "pem", pem, strlen(pem));
	return MOAT_SUCCESS;
}

int moat_config_set_verify_host_callback(struct moat_config *config, moat_verify_host_fn fn, void *data)
{
	ENSURE_REF(config);
	config->verify_host = fn;
	config->verify_host_data = data;
	return MOAT_SUCCESS;
}

int moat_config_disable_x509_verification(struct moat_config *config)
{
	ENSURE_REF(config);
	config->verify_x509 = false;
	moat_config_trust_changed(config, "no-verify", NULL, 0);
	return MOAT_SUCCESS;
}

int moat_config_set_client_auth_type(struct moat_config *config, moat_cert_auth_type type)
{
	ENSURE_REF(config);
	ENSURE(type == MOAT_CERT_AUTH_NONE || type == MOAT_CERT_AUTH_REQUIRED || type == MOAT_CERT_AUTH_OPTIONAL,
	       MOAT_ERR_INVALID_ARG);
	config->client_auth = type;
	return MOAT_SUCCESS;
}

/* RFC 7301 §3.1: ProtocolNameList of non-empty names of at most 255 bytes. */
int moat_alpn_wire_from_list(const char *const *protocols, int count, uint8_t *wire, size_t cap, size_t *len);
int moat_alpn_wire_from_list(const char *const *protocols, int count, uint8_t *wire, size_t cap, size_t *len)
{
	struct moat_buf b;
	ENSURE(count >= 0, MOAT_ERR_INVALID_ARG);
	ENSURE(count == 0 || protocols != NULL, MOAT_ERR_NULL_ARG);
	moat_buf_init_fixed(&b, wire, cap);
	for (int i = 0; i < count; i++) {
		ENSURE_REF(protocols[i]);
		size_t n = strlen(protocols[i]);
		ENSURE(n >= 1 && n <= 255, MOAT_ERR_INVALID_ARG);
		if (moat_buf_put_prefixed(&b, 1, protocols[i], n) < 0)
			BAIL(MOAT_ERR_INVALID_ARG);
	}
	*len = b.len;
	return MOAT_SUCCESS;
}

int moat_config_set_protocol_preferences(struct moat_config *config, const char *const *protocols,
					 int protocol_count)
{
	ENSURE_REF(config);
	return moat_alpn_wire_from_list(protocols, protocol_count, config->alpn_wire, sizeof(config->alpn_wire),
					&config->alpn_wire_len);
}

int moat_config_set_client_hello_cb(struct moat_config *config, moat_client_hello_fn fn, void *ctx)
{
	ENSURE_REF(config);
	config->client_hello_cb = fn;
	config->client_hello_ctx = ctx;
	return MOAT_SUCCESS;
}

int moat_config_set_client_hello_cb_mode(struct moat_config *config, moat_client_hello_cb_mode mode)
{
	ENSURE_REF(config);
	ENSURE(mode == MOAT_CLIENT_HELLO_CB_BLOCKING || mode == MOAT_CLIENT_HELLO_CB_NONBLOCKING, MOAT_ERR_INVALID_ARG);
	config->client_hello_mode = mode;
	return MOAT_SUCCESS;
}

int moat_config_set_async_pkey_callback(struct moat_config *config, moat_async_pkey_fn fn)
{
	ENSURE_REF(config);
	config->async_pkey_cb = fn;
	return MOAT_SUCCESS;
}

int moat_config_set_async_pkey_validation_mode(struct moat_config *config, moat_async_pkey_validation_mode mode)
{
	ENSURE_REF(config);
	ENSURE(mode == MOAT_ASYNC_PKEY_VALIDATION_FAST || mode == MOAT_ASYNC_PKEY_VALIDATION_STRICT,
	       MOAT_ERR_INVALID_ARG);
	config->async_pkey_validation = mode;
	return MOAT_SUCCESS;
}

int moat_config_set_wall_clock(struct moat_config *config, moat_clock_time_nanoseconds fn, void *ctx)
{
	ENSURE_REF(config);
	ENSURE_REF(fn);
	config->wall_clock = fn;
	config->wall_clock_ctx = ctx;
	return MOAT_SUCCESS;
}

int moat_config_set_monotonic_clock(struct moat_config *config, moat_clock_time_nanoseconds fn, void *ctx)
{
	ENSURE_REF(config);
	ENSURE_REF(fn);
	config->monotonic_clock = fn;
	config->monotonic_clock_ctx = ctx;
	return MOAT_SUCCESS;
}

int moat_config_accept_max_fragment_length(struct moat_config *config)
{
	ENSURE_REF(config);
	config->accept_mfl = true;
	return MOAT_SUCCESS;
}

int moat_config_set_ctx(struct moat_config *config, void *ctx)
{
	ENSURE_REF(config);
	config->ctx = ctx;
	return MOAT_SUCCESS;
}

void *moat_config_get_ctx(const struct moat_config *config)
{
	return config ? config->ctx : NULL;
}
