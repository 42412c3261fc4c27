/*
 * What keyd holds, against what frontd serves (issues of a certificate
 * whose key keyd lacks, or whose key keyd limits).
 *
 * keyd's answer to LIST_KEYS names each key it holds and the switches of
 * its configuration (moat-keyd.conf(5): role, tls12, tls10,
 * rsa-key-exchange). frontd hands them to the TLS library as the
 * certificate's key caps (tls/key_caps.h), so it never negotiates a version
 * or a key exchange keyd will refuse: the client gets protocol_version or
 * another suite, not internal_error after keyd said no. A certificate whose
 * key keyd does not hold is an error said once, at start and at each
 * reconnection, not one info line per failed handshake.
 */
#ifndef MOAT_FRONTD_KEYD_KEYS_H
#define MOAT_FRONTD_KEYD_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "frontd/config.h"
#include "frontd/sites.h"
#include "ipc/ipc.h"

/* The TLS library's caps (MOAT_KEY_CAP_*) for a key with LIST_KEYS entry k. */
uint32_t frontd_key_caps(const struct moat_ipc_key_info *k);

/*
 * Set every site certificate's caps from keyd's list (a key keyd does not
 * hold: no restriction, every handshake with it fails at keyd as before)
 * and log an error per certificate whose key keyd lacks and a warning per
 * certificate whose key's switches cut what its site's policy allows.
 * Returns the number of certificates whose key keyd lacks.
 */
size_t frontd_keys_apply(const struct frontd_sites *sites, const struct moat_ipc_key_info *keys, size_t count);

/*
 * moat-frontd -t: a keyd socket in a directory that does not exist is an
 * error at the keyd directive. Otherwise ask keyd (connect, HELLO,
 * LIST_KEYS, within keyd-timeout) and print to err one "file:line: ..."
 * error per certificate whose key it does not hold; keyd not reachable (or
 * not answering LIST_KEYS) is one warning line. Run as root with a "user",
 * keyd is asked as that user (keyd admits frontd's user, not root).
 * Returns the number of errors printed.
 */
size_t frontd_keys_check(const struct frontd_config *cfg, FILE *err);

#endif
