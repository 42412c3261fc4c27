/*
 * Whether a served peer could read a key file itself.
 *
 * keyd isolates keys only if the processes it serves cannot read the key
 * files: frontd running under the same uid as the file's owner (or in a
 * group that may read it, or as root) could simply open the file, and a
 * compromise of frontd would leak the key that keyd exists to protect.
 * keyd therefore refuses to start when a key file is readable by a uid or
 * group that an allow rule serves, unless the operator says
 * "insecure-same-user yes" (or --insecure-same-user), as a demo on one
 * account does.
 *
 * "Readable" is judged from the file's owner, group and mode as keyd found
 * them at load: the owner can always read (it may chmod the file), root
 * can always read, a group member if the group bit is set, everybody if the
 * other bit is set. Group membership comes from the user and group
 * databases, as the allow rules' names do.
 */
#ifndef MOAT_KEYD_KEY_EXPOSURE_H
#define MOAT_KEYD_KEY_EXPOSURE_H

#include <stdbool.h>
#include <stddef.h>

#include "keyd/keyd_config.h"
#include "keyd/keys.h"

/* True when a peer matching allow rule a could read k's file; why gets "owner", "group", "other" or "root". */
bool keyd_key_readable_by(const struct keyd_key *k, const struct keyd_allow *a, const char **why);

#endif
