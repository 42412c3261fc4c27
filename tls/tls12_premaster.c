/*
 * The TLS 1.2 premaster version step (see tls12_premaster.h).
 */
#include "tls/tls12_premaster.h"

#include <string.h>

void moat_tls12_premaster_finish(const uint8_t decrypted[MOAT_TLS12_PREMASTER_LEN], uint16_t client_version,
				 uint8_t out[MOAT_TLS12_PREMASTER_LEN])
{
	/* memmove: out may be decrypted. Neither step looks at a secret byte. */
	memmove(out + 2, decrypted + 2, MOAT_TLS12_PREMASTER_LEN - 2);
	out[0] = (uint8_t)(client_version >> 8);
	out[1] = (uint8_t)client_version;
}
