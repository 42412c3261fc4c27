/*
 * External PSKs, RFC 8446 §2.2: the public objects (moat.h, "external
 * pre-shared keys"), the connection's set of them and the offered-PSK list
 * a server's selection callback walks. The handshake's use of them is
 * tls13_psk_external.c.
 *
 * A PSK's secret lives in the secure heap from the moment it is set, in the
 * application's object and in every connection's copy, and is wiped when
 * they go. Identities are public (they cross the wire in the clear) and
 * live on the ordinary heap.
 */
#include "tls/psk_external.h"

#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"

static void psk_clear(struct moat_psk *p)
{
	free(p->identity);
	moat_secmem_free(p->secret);
	memset(p, 0, sizeof(*p));
}

struct moat_psk *moat_external_psk_new(void)
{
	struct moat_psk *p = calloc(1, sizeof(*p));
	ENSURE_PTR(p != NULL, MOAT_ERR_ALLOC);
	p->hmac = MOAT_PSK_HMAC_SHA256;
	return p;
}

int moat_psk_free(struct moat_psk **psk)
{
	ENSURE_REF(psk);
	if (*psk != NULL) {
		psk_clear(*psk);
		free(*psk);
		*psk = NULL;
	}
	return MOAT_SUCCESS;
}

int moat_psk_set_identity(struct moat_psk *psk, const uint8_t *identity, uint16_t identity_size)
{
	ENSURE_REF(psk);
	ENSURE_REF(identity);
	ENSURE(identity_size > 0 && identity_size <= MOAT_PSK_IDENTITY_MAX, MOAT_ERR_INVALID_ARG);
	uint8_t *copy = malloc(identity_size);
	ENSURE(copy != NULL, MOAT_ERR_ALLOC);
	memcpy(copy, identity, identity_size);
	free(psk->identity);
	psk->identity = copy;
	psk->identity_len = identity_size;
	return MOAT_SUCCESS;
}

int moat_psk_set_secret(struct moat_psk *psk, const uint8_t *secret, uint16_t secret_size)
{
	ENSURE_REF(psk);
	ENSURE_REF(secret);
	ENSURE(secret_size > 0, MOAT_ERR_INVALID_ARG);
	void *copy;
	TRY(moat_secmem_alloc(secret_size, &copy));
	memcpy(copy, secret, secret_size);
	moat_secmem_free(psk->secret);
	psk->secret = copy;
	psk->secret_len = secret_size;
	return MOAT_SUCCESS;
}

int moat_psk_set_hmac(struct moat_psk *psk, moat_psk_hmac hmac)
{
	ENSURE_REF(psk);
	ENSURE(hmac == MOAT_PSK_HMAC_SHA256 || hmac == MOAT_PSK_HMAC_SHA384, MOAT_ERR_INVALID_ARG);
	psk->hmac = hmac;
	return MOAT_SUCCESS;
}

moat_hash_alg moat_psk_hash(const struct moat_psk *psk)
{
	return psk->hmac == MOAT_PSK_HMAC_SHA384 ? MOAT_HASH_SHA384 : MOAT_HASH_SHA256;
}

static int psk_set_get(struct moat_connection *conn, struct moat_psk_set **out)
{
	if (conn->psks == NULL) {
		void *p;
		TRY(moat_secmem_alloc(sizeof(struct moat_psk_set), &p));
		conn->psks = p;
	}
	*out = conn->psks;
	return MOAT_SUCCESS;
}

void moat_psk_set_release(struct moat_connection *conn)
{
	struct moat_psk_set *ps = conn->psks;
	if (ps == NULL)
		return;
	for (size_t i = 0; i < ps->count; i++)
		psk_clear(&ps->list[i]);
	moat_hash_free(&ps->hrr_transcript);
	moat_secmem_free(ps);
	conn->psks = NULL;
}

static bool identity_is(const struct moat_psk *p, const uint8_t *id, size_t len)
{
	return p->identity_len == len && memcmp(p->identity, id, len) == 0;
}

int moat_connection_append_psk(struct moat_connection *conn, struct moat_psk *psk)
{
	ENSURE_REF(conn);
	ENSURE_REF(psk);
	ENSURE(psk->identity != NULL && psk->secret != NULL, MOAT_ERR_INVALID_ARG);
	struct moat_psk_set *ps;
	TRY(psk_set_get(conn, &ps));
	/* Fixed once a ClientHello offered them or a server's selection is over (its callback may still append). */
	ENSURE(!ps->settled, MOAT_ERR_INVALID_STATE);
	ENSURE(ps->count < MOAT_MAX_PSKS, MOAT_ERR_INVALID_ARG);
	for (size_t i = 0; i < ps->count; i++)
		ENSURE(!identity_is(&ps->list[i], psk->identity, psk->identity_len), MOAT_ERR_INVALID_ARG);
	struct moat_psk copy = { .identity_len = psk->identity_len, .secret_len = psk->secret_len, .hmac = psk->hmac };
	copy.identity = malloc(psk->identity_len);
	ENSURE(copy.identity != NULL, MOAT_ERR_ALLOC);
	void *secret;
	if (moat_secmem_alloc(psk->secret_len, &secret) < 0) {
		free(copy.identity);
		return MOAT_FAILURE;
	}
	copy.secret = secret;
	memcpy(copy.identity, psk->identity, psk->identity_len);
	memcpy(copy.secret, psk->secret, psk->secret_len);
	ps->list[ps->count++] = copy;
	return MOAT_SUCCESS;
}

int moat_config_set_psk_mode(struct moat_config *config, moat_psk_mode mode)
{
	ENSURE_REF(config);
	ENSURE(mode == MOAT_PSK_MODE_RESUMPTION || mode == MOAT_PSK_MODE_EXTERNAL, MOAT_ERR_INVALID_ARG);
	config->psk_mode = mode;
	return MOAT_SUCCESS;
}

int moat_connection_set_psk_mode(struct moat_connection *conn, moat_psk_mode mode)
{
	ENSURE_REF(conn);
	ENSURE(mode == MOAT_PSK_MODE_RESUMPTION || mode == MOAT_PSK_MODE_EXTERNAL, MOAT_ERR_INVALID_ARG);
	struct moat_psk_set *ps;
	TRY(psk_set_get(conn, &ps));
	ps->mode = mode;
	ps->mode_set = true;
	return MOAT_SUCCESS;
}

moat_psk_mode moat_conn_psk_mode(const struct moat_connection *conn)
{
	if (conn->psks != NULL && conn->psks->mode_set)
		return conn->psks->mode;
	return conn->config != NULL ? conn->config->psk_mode : MOAT_PSK_MODE_RESUMPTION;
}

const struct moat_psk *moat_psk_ext_chosen(const struct moat_connection *conn)
{
	const struct moat_psk_set *ps = conn->psks;
	return ps != NULL && ps->chosen ? &ps->list[ps->chosen_index] : NULL;
}

int moat_config_set_psk_selection_callback(struct moat_config *config, moat_psk_selection_callback cb, void *context)
{
	ENSURE_REF(config);
	config->psk_select_cb = cb;
	config->psk_select_ctx = context;
	return MOAT_SUCCESS;
}

/* ---- the offered list (server, selection callback) -------------------- */

struct moat_offered_psk *moat_offered_psk_new(void)
{
	struct moat_offered_psk *p = calloc(1, sizeof(*p));
	ENSURE_PTR(p != NULL, MOAT_ERR_ALLOC);
	return p;
}

int moat_offered_psk_free(struct moat_offered_psk **psk)
{
	ENSURE_REF(psk);
	free(*psk);
	*psk = NULL;
	return MOAT_SUCCESS;
}

bool moat_offered_psk_list_has_next(struct moat_offered_psk_list *psk_list)
{
	return psk_list != NULL && moat_cursor_remaining(&psk_list->next_id) > 0;
}

int moat_offered_psk_list_next(struct moat_offered_psk_list *psk_list, struct moat_offered_psk *psk)
{
	ENSURE_REF(psk_list);
	ENSURE_REF(psk);
	/* The whole offer was validated when it was decoded: this fails only past the end. */
	ENSURE(moat_cursor_remaining(&psk_list->next_id) > 0, MOAT_ERR_INVALID_STATE);
	TRY(moat_psk_identity_next(&psk_list->next_id, &psk->identity, NULL));
	psk->wire_index = psk_list->next_index++;
	psk->valid = true;
	return MOAT_SUCCESS;
}

int moat_offered_psk_list_reread(struct moat_offered_psk_list *psk_list)
{
	ENSURE_REF(psk_list);
	psk_list->next_id = psk_list->offer.identities;
	psk_list->next_index = 0;
	return MOAT_SUCCESS;
}

int moat_offered_psk_get_identity(struct moat_offered_psk *psk, uint8_t **identity, uint16_t *size)
{
	ENSURE_REF(psk);
	ENSURE_REF(identity);
	ENSURE_REF(size);
	ENSURE(psk->valid, MOAT_ERR_INVALID_STATE);
	*identity = (uint8_t *)moat_cursor_data(&psk->identity);
	*size = (uint16_t)moat_cursor_remaining(&psk->identity);
	return MOAT_SUCCESS;
}

int moat_offered_psk_list_choose_psk(struct moat_offered_psk_list *psk_list, struct moat_offered_psk *psk)
{
	ENSURE_REF(psk_list);
	psk_list->chosen = false;
	if (psk == NULL)
		return MOAT_SUCCESS;
	ENSURE(psk->valid, MOAT_ERR_INVALID_STATE);
	const struct moat_psk_set *ps = psk_list->conn->psks;
	/* As the guide says: the server must have appended the PSK of the identity it chooses. */
	for (size_t i = 0; ps != NULL && i < ps->count; i++) {
		if (identity_is(&ps->list[i], moat_cursor_data(&psk->identity), moat_cursor_remaining(&psk->identity))) {
			psk_list->chosen = true;
			psk_list->chosen_wire = psk->wire_index;
			psk_list->chosen_local = i;
			return MOAT_SUCCESS;
		}
	}
	BAIL(MOAT_ERR_INVALID_ARG);
}

int moat_connection_get_negotiated_psk_identity_length(struct moat_connection *conn, uint16_t *identity_length)
{
	ENSURE_REF(conn);
	ENSURE_REF(identity_length);
	const struct moat_psk *p = moat_psk_ext_chosen(conn);
	*identity_length = p != NULL ? p->identity_len : 0;
	return MOAT_SUCCESS;
}

int moat_connection_get_negotiated_psk_identity(struct moat_connection *conn, uint8_t *identity,
						uint16_t max_identity_length)
{
	ENSURE_REF(conn);
	const struct moat_psk *p = moat_psk_ext_chosen(conn);
	if (p == NULL)
		return MOAT_SUCCESS;
	ENSURE_REF(identity);
	ENSURE(max_identity_length >= p->identity_len, MOAT_ERR_INVALID_ARG);
	memcpy(identity, p->identity, p->identity_len);
	return MOAT_SUCCESS;
}
