/*
 * TLS 1.2 (1.1, 1.0) secrets, the same for a client and a server
 * (tls12_keys.h): each role calls these at its own place in the handshake.
 */
#include "tls/tls12_keys.h"

#include "common/secmem.h"
#include "tls/crypto/prf.h"
#include "tls/handshake_tables.h"
#include "tls/record_tls12.h"

int moat_tls12_master_secret(struct moat_connection *conn, const uint8_t *pms, size_t pms_len)
{
	uint8_t session_hash[MOAT_HASH_MAX_DIGEST_LEN];
	TRY(moat_hs_transcript_hash(conn, session_hash));
	return moat_prf_extended_master_secret(conn->version, conn->suite->prf_hash, pms, pms_len, session_hash,
					       moat_hash_len(conn->hs->transcript.alg),
					       conn->secrets->tls12.master_secret);
}

int moat_tls12_install_keys(struct moat_connection *conn, bool write)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_tls12_key_layout layout;
	uint8_t block[MOAT_TLS12_MAX_KEY_BLOCK_LEN];
	TRY(moat_tls12_key_layout(conn->suite, conn->version, &layout));
	size_t len = moat_tls12_key_block_len(&layout);
	ENSURE(len <= sizeof(block), MOAT_ERR_INTERNAL);
	int rc = moat_prf_key_block(conn->version, conn->suite->prf_hash, conn->secrets->tls12.master_secret,
				    hs->client_random, hs->server_random, block, len);
	if (rc == MOAT_SUCCESS)
		rc = moat_record_set_tls12_keys(&conn->rl, write, conn->mode == MOAT_CLIENT, conn->suite, conn->version,
						block, len);
	moat_wipe(block, sizeof(block));
	return rc;
}

int moat_tls12_verify_data(struct moat_connection *conn, bool from_client, const uint8_t *hash,
			   uint8_t out[MOAT_TLS12_VERIFY_DATA_LEN])
{
	return moat_prf_finished(conn->version, conn->suite->prf_hash, conn->secrets->tls12.master_secret, from_client,
				 hash, moat_hash_len(conn->hs->transcript.alg), out);
}
