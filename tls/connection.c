/*
 * Connection objects: life cycle, transport setters, settings that override
 * the config, and getters.
 *
 * The connection struct itself is small; the handshake state is a separate
 * allocation (struct moat_handshake) freed by free_handshake, and the traffic
 * secrets sit in the secure heap. wipe returns the connection to its freshly
 * created state for reuse with another peer.
 *
 * Why a server allocates late: locked memory is scarce (RLIMIT_MEMLOCK), and
 * a server cannot choose who connects. A new server connection holds no
 * handshake state and no locked memory; the handshake state comes from the
 * ordinary heap when the first negotiate runs (it holds nothing secret while
 * the ClientHello is being reassembled) and moves to the secure heap, with
 * the secrets struct, once the whole ClientHello has arrived
 * (moat_conn_secure_handshake), before any key exchange. Sockets that
 * connect and send nothing, or a part of a ClientHello, then cost no locked
 * memory at all. A client's handshake state is secure from the start: it
 * makes its key share before it sends anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/secmem.h"
#include "tls/conn.h"
#include "tls/psk_external.h"
#include "tls/early_data.h"
#include "tls/tickets.h"

int moat_alpn_wire_from_list(const char *const *protocols, int count, uint8_t *wire, size_t cap, size_t *len);

static int alloc_secrets(struct moat_connection *conn)
{
	if (conn->secrets == NULL)
		TRY(moat_secmem_alloc(sizeof(*conn->secrets), (void **)&conn->secrets));
	return MOAT_SUCCESS;
}

static void handshake_buffers_init(struct moat_handshake *hs)
{
	/*
	 * Caps, not allocations (each grows as needed). The raw transcript holds
	 * the messages before the hash is known: a ClientHello of the largest
	 * size we accept (server), or our ClientHello and the peer's ServerHello
	 * or HelloRetryRequest (client). Reassembly holds one message of that
	 * size and the record that completes it, with the next one's header.
	 */
	moat_buf_init(&hs->transcript_raw, 2 * (MOAT_MAX_HANDSHAKE_MESSAGE + MOAT_HS_HEADER_LEN));
	moat_buf_init(&hs->in, MOAT_MAX_HANDSHAKE_MESSAGE + MOAT_HS_HEADER_LEN + 2 * MOAT_MAX_PLAINTEXT);
	moat_buf_init(&hs->out, 4 * 65536);
	moat_buf_init(&hs->client_hello_raw, MOAT_MAX_HANDSHAKE_MESSAGE);
}

int moat_conn_alloc_handshake(struct moat_connection *conn)
{
	if (conn->hs != NULL)
		return MOAT_SUCCESS;
	struct moat_handshake *hs;
	if (conn->mode == MOAT_SERVER) {
		hs = calloc(1, sizeof(*hs));
		ENSURE(hs != NULL, MOAT_ERR_ALLOC);
		conn->hs_secure = false;
	} else {
		TRY(alloc_secrets(conn));
		TRY(moat_secmem_alloc(sizeof(*hs), (void **)&hs));
		conn->hs_secure = true;
	}
	handshake_buffers_init(hs);
	conn->hs = hs;
	return MOAT_SUCCESS;
}

int moat_conn_secure_handshake(struct moat_connection *conn)
{
	ENSURE(conn->hs != NULL, MOAT_ERR_INTERNAL);
	if (conn->hs_secure)
		return MOAT_SUCCESS;
	/*
	 * From here on the handshake state holds the (EC)DHE output and the
	 * Finished keys between key schedule steps: move it to the secure heap.
	 * Its buffers and cursors point outside the struct, so a copy is enough.
	 */
	TRY(alloc_secrets(conn));
	struct moat_handshake *hs;
	TRY(moat_secmem_alloc(sizeof(*hs), (void **)&hs));
	memcpy(hs, conn->hs, sizeof(*hs));
	moat_wipe(conn->hs, sizeof(*hs));
	free(conn->hs);
	conn->hs = hs;
	conn->hs_secure = true;
	return MOAT_SUCCESS;
}

int moat_hs_kex_buffers(struct moat_handshake *hs, uint16_t group, uint8_t **share, uint8_t **secret)
{
	ENSURE_REF(hs);
	ENSURE(moat_kex_group_supported(group), MOAT_ERR_NOT_SUPPORTED);
	uint8_t *s = hs->our_share, *z = hs->shared_secret;
	if (moat_kex_share_len(group) > sizeof(hs->our_share) || moat_kex_secret_len(group) > sizeof(hs->shared_secret)) {
		if (hs->kex_large == NULL)
			TRY(moat_secmem_alloc(MOAT_KEX_MAX_SHARE_LEN + MOAT_KEX_MAX_SECRET_LEN, (void **)&hs->kex_large));
		s = hs->kex_large;
		z = hs->kex_large + MOAT_KEX_MAX_SHARE_LEN;
	}
	if (share != NULL)
		*share = s;
	if (secret != NULL)
		*secret = z;
	return MOAT_SUCCESS;
}

void moat_hs_kex_release(struct moat_handshake *hs)
{
	moat_secmem_free(hs->kex_large);
	hs->kex_large = NULL;
}

void moat_conn_free_handshake_state(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	if (hs == NULL)
		return;
	moat_async_pkey_detach(conn);
	moat_async_pkey_release_premaster(hs);
	moat_buf_free(&hs->transcript_raw);
	moat_hash_free(&hs->transcript);
	moat_buf_free(&hs->in);
	moat_buf_free(&hs->out);
	moat_kex_free(&hs->kex);
	moat_kex_free(&hs->kex_second);
	moat_hs_kex_release(hs);
	moat_buf_free(&hs->client_hello_raw);
	if (conn->hs_secure) {
		moat_secmem_free(hs);
	} else {
		moat_wipe(hs, sizeof(*hs));
		free(hs);
	}
	conn->hs = NULL;
	conn->hs_secure = false;
}

static void conn_init(struct moat_connection *conn, moat_mode mode)
{
	memset(conn, 0, sizeof(*conn));
	conn->mode = mode;
	conn->read_fd = -1;
	conn->write_fd = -1;
	conn->alert_received = -1;
	conn->max_record_out = MOAT_MAX_PLAINTEXT;
	moat_record_layer_init(&conn->rl);
	conn->rl.accept_plaintext_alerts = true;
	/* §5.1: only a client's first ClientHello may carry 0x0301; a server always writes 0x0303. */
	if (mode == MOAT_SERVER)
		conn->rl.write_version = MOAT_TLS12;
	moat_record_io_init(&conn->io);
	moat_buf_init(&conn->post_hs, MOAT_MAX_POST_HANDSHAKE_MESSAGE + 2 * MOAT_HS_HEADER_LEN);
}

static void conn_release(struct moat_connection *conn)
{
	moat_conn_free_handshake_state(conn);
	moat_record_layer_free(&conn->rl);
	moat_record_io_free(&conn->io);
	moat_buf_free(&conn->post_hs);
	moat_tickets_release(conn);
	moat_psk_set_release(conn);
	moat_secmem_free(conn->secrets);
	conn->secrets = NULL;
	if (conn->peer_chain_loaded)
		moat_cert_chain_free(&conn->peer_chain);
	conn->peer_chain_loaded = false;
}

struct moat_connection *moat_connection_new(moat_mode mode)
{
	ENSURE_PTR(mode == MOAT_SERVER || mode == MOAT_CLIENT, MOAT_ERR_INVALID_ARG);
	struct moat_connection *conn = malloc(sizeof(*conn));
	ENSURE_PTR(conn != NULL, MOAT_ERR_ALLOC);
	conn_init(conn, mode);
	return conn;
}

int moat_connection_free(struct moat_connection *conn)
{
	if (conn == NULL)
		return MOAT_SUCCESS;
	conn_release(conn);
	moat_wipe(conn, sizeof(*conn));
	free(conn);
	return MOAT_SUCCESS;
}

int moat_connection_wipe(struct moat_connection *conn)
{
	ENSURE_REF(conn);
	moat_mode mode = conn->mode;
	struct moat_config *config = conn->config;
	conn_release(conn);
	conn_init(conn, mode);
	conn->config = config;
	return MOAT_SUCCESS;
}

int moat_connection_free_handshake(struct moat_connection *conn)
{
	ENSURE_REF(conn);
	ENSURE(conn->handshake_complete, MOAT_ERR_INVALID_STATE);
	moat_conn_free_handshake_state(conn);
	return MOAT_SUCCESS;
}

int moat_connection_release_buffers(struct moat_connection *conn)
{
	ENSURE_REF(conn);
	TRY(moat_record_io_release(&conn->io));
	if (conn->post_hs.len == 0)
		moat_buf_free(&conn->post_hs);
	return MOAT_SUCCESS;
}

int moat_connection_set_config(struct moat_connection *conn, struct moat_config *config)
{
	ENSURE_REF(conn);
	ENSURE_REF(config);
	/* The client hello callback may switch configs; after the ServerHello it is too late. */
	ENSURE(!conn->handshake_complete && conn->suite == NULL, MOAT_ERR_INVALID_STATE);
	conn->config = config;
	return MOAT_SUCCESS;
}

int moat_connection_set_read_fd(struct moat_connection *conn, int fd)
{
	ENSURE_REF(conn);
	ENSURE(fd >= 0, MOAT_ERR_INVALID_ARG);
	conn->read_fd = fd;
	conn->io.recv = moat_fd_recv;
	conn->io.recv_ctx = &conn->read_fd;
	return MOAT_SUCCESS;
}

int moat_connection_set_write_fd(struct moat_connection *conn, int fd)
{
	ENSURE_REF(conn);
	ENSURE(fd >= 0, MOAT_ERR_INVALID_ARG);
	conn->write_fd = fd;
	conn->io.send = moat_fd_send;
	conn->io.send_ctx = &conn->write_fd;
	return MOAT_SUCCESS;
}

int moat_connection_set_fd(struct moat_connection *conn, int fd)
{
	TRY(moat_connection_set_read_fd(conn, fd));
	return moat_connection_set_write_fd(conn, fd);
}

int moat_connection_set_recv_cb(struct moat_connection *conn, moat_recv_fn fn)
{
	ENSURE_REF(conn);
	ENSURE_REF(fn);
	conn->io.recv = fn;
	return MOAT_SUCCESS;
}

int moat_connection_set_send_cb(struct moat_connection *conn, moat_send_fn fn)
{
	ENSURE_REF(conn);
	ENSURE_REF(fn);
	conn->io.send = fn;
	return MOAT_SUCCESS;
}

int moat_connection_set_recv_ctx(struct moat_connection *conn, void *ctx)
{
	ENSURE_REF(conn);
	conn->io.recv_ctx = ctx;
	return MOAT_SUCCESS;
}

int moat_connection_set_send_ctx(struct moat_connection *conn, void *ctx)
{
	ENSURE_REF(conn);
	conn->io.send_ctx = ctx;
	return MOAT_SUCCESS;
}

int moat_connection_set_ctx(struct moat_connection *conn, void *ctx)
{
	ENSURE_REF(conn);
	conn->ctx = ctx;
	return MOAT_SUCCESS;
}

void *moat_connection_get_ctx(const struct moat_connection *conn)
{
	return conn ? conn->ctx : NULL;
}

int moat_set_server_name(struct moat_connection *conn, const char *server_name)
{
	ENSURE_REF(conn);
	ENSURE_REF(server_name);
	ENSURE(conn->mode == MOAT_CLIENT, MOAT_ERR_INVALID_STATE);
	size_t n = strlen(server_name);
	ENSURE(n >= 1 && n <= MOAT_MAX_SERVER_NAME, MOAT_ERR_INVALID_ARG);
	/* A host name or an IP literal: printable ASCII, no spaces or control bytes. */
	for (size_t i = 0; i < n; i++)
		ENSURE(server_name[i] > 0x20 && server_name[i] < 0x7f, MOAT_ERR_INVALID_ARG);
	memcpy(conn->server_name, server_name, n + 1);
	return MOAT_SUCCESS;
}

const char *moat_get_server_name(struct moat_connection *conn)
{
	if (conn == NULL || conn->server_name[0] == '\0')
		return NULL;
	return conn->server_name;
}

int moat_connection_set_verify_host_callback(struct moat_connection *conn, moat_verify_host_fn fn, void *data)
{
	ENSURE_REF(conn);
	conn->verify_host = fn;
	conn->verify_host_data = data;
	conn->verify_host_set = true;
	return MOAT_SUCCESS;
}

int moat_connection_set_client_auth_type(struct moat_connection *conn, moat_cert_auth_type type)
{
	ENSURE_REF(conn);
	ENSURE(type == MOAT_CERT_AUTH_NONE || type == MOAT_CERT_AUTH_REQUIRED || type == MOAT_CERT_AUTH_OPTIONAL,
	       MOAT_ERR_INVALID_ARG);
	conn->client_auth = type;
	conn->client_auth_set = true;
	return MOAT_SUCCESS;
}

int moat_connection_set_protocol_preferences(struct moat_connection *conn, const char *const *protocols,
					     int protocol_count)
{
	ENSURE_REF(conn);
	TRY(moat_alpn_wire_from_list(protocols, protocol_count, conn->alpn_wire, sizeof(conn->alpn_wire),
				     &conn->alpn_wire_len));
	conn->alpn_set = true;
	return MOAT_SUCCESS;
}

int moat_connection_prefer_throughput(struct moat_connection *conn)
{
	ENSURE_REF(conn);
	conn->max_record_out = MOAT_MAX_PLAINTEXT;
	return MOAT_SUCCESS;
}

int moat_connection_prefer_low_latency(struct moat_connection *conn)
{
	ENSURE_REF(conn);
	conn->max_record_out = MOAT_LOW_LATENCY_RECORD;
	return MOAT_SUCCESS;
}

/* ---- shared helpers ---- */

const struct moat_security_policy *moat_conn_policy(const struct moat_connection *conn)
{
	return conn->config->policy;
}

size_t moat_verify_schemes(const struct moat_security_policy *p, bool (*usable)(uint16_t scheme, moat_key_type type),
			   uint16_t *out, size_t cap)
{
	static const moat_key_type types[] = { MOAT_KEY_RSA, MOAT_KEY_RSA_PSS, MOAT_KEY_EC_P256, MOAT_KEY_EC_P384,
					       MOAT_KEY_EC_P521, MOAT_KEY_ED25519 };
	size_t n = 0;
	for (size_t i = 0; i < p->sig_schemes_count && n < cap; i++) {
		bool ok = false;
		for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
			ok |= usable(p->sig_schemes[i], types[t]);
		if (ok)
			out[n++] = p->sig_schemes[i];
	}
	return n;
}

moat_cert_auth_type moat_conn_client_auth(const struct moat_connection *conn)
{
	return conn->client_auth_set ? conn->client_auth : conn->config->client_auth;
}

int moat_conn_now_ns(const struct moat_connection *conn, uint64_t *ns)
{
	if (conn->config->wall_clock != NULL) {
		ENSURE(conn->config->wall_clock(conn->config->wall_clock_ctx, ns) == 0, MOAT_ERR_CALLBACK_FAILED);
		return MOAT_SUCCESS;
	}
	*ns = moat_clock_wall_ns();
	return MOAT_SUCCESS;
}

const uint8_t *moat_conn_alpn(const struct moat_connection *conn, size_t *len)
{
	*len = conn->alpn_set ? conn->alpn_wire_len : conn->config->alpn_wire_len;
	return conn->alpn_set ? conn->alpn_wire : conn->config->alpn_wire;
}

size_t moat_conn_record_limit(const struct moat_connection *conn)
{
	size_t limit = conn->max_record_out;
	if (conn->peer_record_limit > 0 && conn->peer_record_limit < limit)
		limit = conn->peer_record_limit;
	if (conn->rl.max_plaintext_out < limit)
		limit = conn->rl.max_plaintext_out;
	return limit;
}

/*
 * The budget for skipping rejected 0-RTT data: what our tickets allow
 * (tls/early_data.c), and at least one full record of plaintext, for
 * clients whose tickets came from elsewhere (another server of the same
 * name): that is what OpenSSL servers offer by default (and what they skip
 * when rejecting), so a client resuming a ticket from such a server fits.
 */
#define DEFAULT_MAX_EARLY_DATA_SIZE MOAT_MAX_PLAINTEXT

uint32_t moat_conn_max_early_data_size(const struct moat_connection *conn)
{
	uint32_t ours = moat_early_data_server_max(conn);
	return ours > DEFAULT_MAX_EARLY_DATA_SIZE ? ours : DEFAULT_MAX_EARLY_DATA_SIZE;
}

/* ---- getters ---- */

int moat_connection_get_client_protocol_version(struct moat_connection *conn)
{
	return conn ? conn->client_version : -1;
}

int moat_connection_get_server_protocol_version(struct moat_connection *conn)
{
	if (conn == NULL || conn->config == NULL)
		return -1;
	return conn->mode == MOAT_SERVER ? conn->config->policy->max_version : conn->version;
}

int moat_connection_get_actual_protocol_version(struct moat_connection *conn)
{
	return conn ? conn->version : -1;
}

int moat_connection_get_client_hello_version(struct moat_connection *conn)
{
	return conn ? conn->client_hello_version : -1;
}

const char *moat_connection_get_cipher(struct moat_connection *conn)
{
	return conn && conn->suite ? conn->suite->name : "NONE";
}

int moat_connection_get_cipher_iana_value(struct moat_connection *conn, uint8_t *first, uint8_t *second)
{
	ENSURE_REF(conn);
	ENSURE_REF(first);
	ENSURE_REF(second);
	ENSURE(conn->suite != NULL, MOAT_ERR_INVALID_STATE);
	*first = (uint8_t)(conn->suite->iana >> 8);
	*second = (uint8_t)(conn->suite->iana & 0xff);
	return MOAT_SUCCESS;
}

const char *moat_connection_get_curve(struct moat_connection *conn)
{
	const char *name = conn != NULL ? moat_kex_group_name(conn->group) : NULL;
	return name != NULL ? name : "NONE";
}

uint16_t moat_connection_get_server_sig_scheme(struct moat_connection *conn)
{
	return conn ? conn->server_sig_scheme : 0;
}

uint16_t moat_connection_get_client_sig_scheme(struct moat_connection *conn)
{
	return conn ? conn->client_sig_scheme : 0;
}

const char *moat_get_application_protocol(struct moat_connection *conn)
{
	if (conn == NULL || conn->alpn[0] == '\0')
		return NULL;
	return conn->alpn;
}

struct moat_cert_chain_and_key *moat_connection_get_selected_cert(struct moat_connection *conn)
{
	return conn ? conn->selected_cert : NULL;
}

int moat_connection_get_peer_cert_der(struct moat_connection *conn, const uint8_t **der, uint32_t *len)
{
	ENSURE_REF(conn);
	ENSURE_REF(der);
	ENSURE_REF(len);
	ENSURE(conn->peer_chain_loaded && conn->peer_chain.count > 0, MOAT_ERR_INVALID_STATE);
	*der = conn->peer_chain.der[0];
	*len = (uint32_t)conn->peer_chain.der_len[0];
	return MOAT_SUCCESS;
}

const char *moat_connection_get_handshake_type_name(struct moat_connection *conn)
{
	static _Thread_local char name[128];
	if (conn == NULL)
		return "NONE";
	uint32_t flags = conn->hs != NULL ? conn->hs->flags : conn->hs_flags;
	if (!conn->handshake_complete && conn->suite == NULL)
		return "INITIAL";
	snprintf(name, sizeof(name), "NEGOTIATED%s%s%s%s%s%s%s",
		 (flags & MOAT_HS_F_PSK) ? "" : "|FULL_HANDSHAKE",
		 (flags & MOAT_HS_F_EARLY_DATA) ? "|WITH_EARLY_DATA" : "",
		 (flags & MOAT_HS_F_HRR) ? "|HELLO_RETRY_REQUEST" : "",
		 (flags & MOAT_HS_F_CLIENT_AUTH) ? "|CLIENT_AUTH" : "",
		 (flags & MOAT_HS_F_NO_CLIENT_CERT) ? "|NO_CLIENT_CERT" : "",
		 (flags & MOAT_HS_F_MIDDLEBOX) ? "|MIDDLEBOX_COMPAT" : "",
		 (flags & MOAT_HS_F_TICKET) ? "|WITH_SESSION_TICKET" : "");
	return name;
}

int moat_connection_is_hello_retried(struct moat_connection *conn)
{
	if (conn == NULL)
		return 0;
	uint32_t flags = conn->hs != NULL ? conn->hs->flags : conn->hs_flags;
	return (flags & MOAT_HS_F_HRR) ? 1 : 0;
}

int moat_connection_is_handshake_complete(struct moat_connection *conn)
{
	return conn && conn->handshake_complete ? 1 : 0;
}

int moat_connection_get_alert(struct moat_connection *conn)
{
	if (conn == NULL || conn->alert_received < 0) {
		moat_error_raise(MOAT_ERR_INVALID_STATE, MOAT_HERE);
		return -1;
	}
	return conn->alert_received;
}

int moat_connection_server_name_extension_used(struct moat_connection *conn)
{
	ENSURE_REF(conn);
	ENSURE(conn->mode == MOAT_SERVER && conn->hs != NULL, MOAT_ERR_INVALID_STATE);
	conn->hs->server_name_used = true;
	return MOAT_SUCCESS;
}
