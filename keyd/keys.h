/*
 * The keys keyd serves: loaded from PEM files once at startup, each named by
 * its key id (SHA-256 of the DER SubjectPublicKeyInfo, tls/crypto/key_id.h) and
 * carrying the fixed facts every request is checked against: its ipc key
 * type, its size and the schemes it may sign with.
 *
 * Why the scheme list is computed once: a SIGN is refused unless its scheme
 * fits the key by the rules of the TLS version of its kind (tls/crypto/sig.h),
 * and LIST_KEYS must tell frontd the same list keyd enforces. Each scheme is
 * also tried (sign and verify) at load, which proves the key works, drops
 * schemes an RSA-PSS key's own parameters forbid, and makes libcrypto do its
 * lazy initialisation (which opens files) before the sandbox is on.
 *
 * Keys can also come and go while keyd serves (KEY_ADD, KEY_REMOVE from
 * moat-keyctl), while signing threads use them. Each key is therefore its
 * own allocation with a reference count: the keyset holds one reference,
 * each key operation in flight another (keyd_op_prepare takes it,
 * keyd_op_wipe drops it), and the key is freed when the last one goes. So
 * a removal never waits for, or locks out, a signature being made with
 * the key, and the signing path takes no lock: the count is touched only
 * when an operation is prepared and freed, by the event loop, and is
 * atomic so that a job freed by any other thread stays correct.
 *
 * The key material is libcrypto's EVP_PKEY; keyd initialises libcrypto's
 * secure heap first (crypto_secure_heap.h), so the private numbers are held
 * in locked memory excluded from core dumps. The PEM text is read into
 * moat_secmem memory and wiped.
 */
#ifndef MOAT_KEYD_KEYS_H
#define MOAT_KEYD_KEYS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "common/error.h"
#include "ipc/ipc.h"
#include "keyd/crypto_rsa_decrypt.h"
#include "keyd/keyd_config.h"
#include "tls/crypto/sig.h"
#include "tls/crypto/signer.h"

#define KEYD_RSA_MIN_BITS 2048
#define KEYD_RSA_MAX_BITS 4096 /* RSA_DECRYPT ciphertext<1..512> */
#define KEYD_KEY_FILE_MAX (1024 * 1024)

struct keyd_key {
	uint8_t id[MOAT_IPC_KEY_ID_LEN];
	struct moat_pkey pkey;
	/* A signing context per scheme in schemes, set up once (tls/crypto/signer.h); NULL if it could not be made. */
	struct moat_signer *signer;
	struct keyd_rsa_kex *rsa_kex; /* rsaEncryption keys: RSA_DECRYPT state (crypto_rsa_decrypt.h); else NULL */
	uint8_t ipc_type; /* moat_ipc_key_type */
	uint16_t bits;
	uint16_t schemes[MOAT_IPC_MAX_KEY_SCHEMES];
	size_t scheme_count;
	char name[MOAT_IPC_KEY_NAME_MAX + 1];
	/* For the operator (logged once loading is over, so a config error stays one line): */
	uint16_t unusable[MOAT_IPC_MAX_KEY_SCHEMES]; /* schemes of its type the key failed to make */
	size_t unusable_count;
	bool world_readable; /* its file is readable by every user */
	/* Its file's owner, group and mode, for the check that no served uid can read it (key_exposure.h). */
	bool has_file;
	uid_t file_uid;
	gid_t file_gid;
	mode_t file_mode;
	/* Operations done with it since it was loaded (the event loop's; metrics.c). */
	uint64_t signs, decrypts;
	/* What the configuration lets it be used for; keyd_key_from_pem sets the default. */
	struct keyd_key_policy policy;
	/* Set by the keyset (keyd_keys_add): */
	atomic_uint refs;
	uint64_t fastest_ns; /* its fastest operation so far, 0 if none (schedule.c, the event loop's alone) */
};

/* The keys served, in the order they were added; each entry holds one reference. */
struct keyd_keyset {
	struct keyd_key **keys;
	size_t count;
};

/*
 * Load one private key from PEM into k (overwritten) and compute its id,
 * type and tested scheme list. Failures: MOAT_ERR_INVALID_PEM (no key, or an
 * encrypted one), MOAT_ERR_NOT_SUPPORTED (a type or size keyd does not
 * serve), MOAT_ERR_CRYPTO (no scheme works with it); why (may be NULL) gets
 * a sentence for the operator. name must pass the LIST_KEYS name rules.
 */
MOAT_MUST_USE int keyd_key_from_pem(struct keyd_key *k, const char *pem, size_t len, const char *name, char *why,
				    size_t why_len);
/*
 * The same from a DER PKCS#8 PrivateKeyInfo (KEY_ADD): MOAT_ERR_INVALID_PEM
 * when der is not one, otherwise as keyd_key_from_pem.
 */
MOAT_MUST_USE int keyd_key_from_der(struct keyd_key *k, const uint8_t *der, size_t len, const char *name,
				    char *why, size_t why_len);
/* Free what a loaded k holds (not k itself; not for a key of a keyset, see keyd_key_unref). */
void keyd_key_free(struct keyd_key *k);
/* Log the lines keyd logs for each key it serves (id, type, schemes, policy, warnings). */
void keyd_key_log(const struct keyd_key *k);
/*
 * Read a whole key file into secure memory (*out, freed with
 * moat_secmem_free); errno explains a failure. st (may be NULL) gets the
 * file's fstat.
 */
MOAT_MUST_USE int keyd_key_file_read(const char *path, char **out, size_t *out_len, struct stat *st);

/*
 * Load every key of cfg into ks (zeroed first). A failure is a config error
 * at the key's line in conf ("file:line: cannot read key ..."), including a
 * key listed twice (same key id).
 */
MOAT_MUST_USE int keyd_keys_load(struct keyd_keyset *ks, const struct keyd_config *cfg, struct moat_conf *conf);
/*
 * Append an already loaded key, as ks->keys[ks->count - 1]; ks takes
 * ownership of k's contents (k is zeroed). At most MOAT_IPC_MAX_KEYS keys
 * (else MOAT_ERR_INVALID_ARG, k untouched).
 */
MOAT_MUST_USE int keyd_keys_add(struct keyd_keyset *ks, struct keyd_key *k);
/* Take the key at index i out of the set and drop the set's reference: freed once no operation holds it. */
void keyd_keys_remove(struct keyd_keyset *ks, size_t i);
void keyd_keys_free(struct keyd_keyset *ks);

struct keyd_key *keyd_keys_find(const struct keyd_keyset *ks, const uint8_t id[MOAT_IPC_KEY_ID_LEN]);
/* Index of the key with that id, or of the only key with that name; -1 if none, -2 if the name is not unique. */
long keyd_keys_index(const struct keyd_keyset *ks, const uint8_t *id, const char *name);
/* A reference for an operation in flight; keyd_key_unref drops it and frees the key after the last. */
void keyd_key_ref(struct keyd_key *k);
void keyd_key_unref(struct keyd_key *k);
/* scheme is in k's list and usable for kind by that kind's TLS rules (1: TLS 1.3, 2: TLS 1.2). */
bool keyd_key_scheme_ok(const struct keyd_key *k, uint8_t kind, uint16_t scheme);

#endif
