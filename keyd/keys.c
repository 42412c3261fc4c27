/*
 * Key loading and lookup (see keys.h).
 *
 * Files are read with plain read(2) into secure memory rather than through
 * stdio, whose buffer would hold a copy of the PEM text nobody wipes.
 */
#include "keyd/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/secmem.h"
#include "keyd/crypto_rsa_decrypt.h"
#include "keyd/names.h"
#include "tls/crypto/key_id.h"
#include "tls/crypto/signed_content.h"

_Static_assert(MOAT_IPC_KEY_ID_LEN == MOAT_KEY_ID_LEN, "the ipc key id is the crypto layer's");

__attribute__((format(printf, 3, 4)))
static void say(char *why, size_t why_len, const char *fmt, ...)
{
	if (why == NULL || why_len == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
}

static int ipc_type_of(moat_key_type t, uint8_t *out)
{
	switch (t) {
	case MOAT_KEY_RSA: *out = MOAT_IPC_KEY_RSA; return MOAT_SUCCESS;
	case MOAT_KEY_RSA_PSS: *out = MOAT_IPC_KEY_RSA_PSS; return MOAT_SUCCESS;
	case MOAT_KEY_EC_P256: *out = MOAT_IPC_KEY_EC_P256; return MOAT_SUCCESS;
	case MOAT_KEY_EC_P384: *out = MOAT_IPC_KEY_EC_P384; return MOAT_SUCCESS;
	case MOAT_KEY_EC_P521: *out = MOAT_IPC_KEY_EC_P521; return MOAT_SUCCESS;
	default: BAIL(MOAT_ERR_NOT_SUPPORTED);
	}
}

/*
 * Sign and verify once: the key can make this scheme (an RSA-PSS key's
 * parameters may forbid a hash). The input is a TLS 1.3 server
 * CertificateVerify content (SHA-256 transcript hash), made by the builder
 * the handshake uses.
 */
static bool scheme_works(const struct moat_pkey *pkey, uint16_t scheme)
{
	uint8_t hash[32], msg_mem[MOAT_CV_CONTENT_MAX], sig[MOAT_IPC_SIGNATURE_MAX];
	struct moat_buf msg;
	size_t sig_len = sizeof(sig);
	for (size_t i = 0; i < sizeof(hash); i++)
		hash[i] = (uint8_t)i;
	moat_buf_init_fixed(&msg, msg_mem, sizeof(msg_mem));
	if (moat_cv_content_build(true, hash, sizeof(hash), &msg) != MOAT_SUCCESS)
		return false;
	if (moat_sig_sign(pkey, scheme, msg.data, msg.len, sig, &sig_len) != MOAT_SUCCESS)
		return false;
	return moat_sig_verify(pkey, scheme, msg.data, msg.len, sig, sig_len) == MOAT_SUCCESS;
}

static bool scheme_fits(uint16_t scheme, moat_key_type type)
{
	return (moat_ipc_scheme_allowed(MOAT_IPC_SIGN_TLS13_CV, scheme) && moat_sig_scheme_usable_tls13(scheme, type)) ||
	       (moat_ipc_scheme_allowed(MOAT_IPC_SIGN_TLS12_SKE, scheme) &&
		(moat_sig_scheme_usable_tls12(scheme, type) || moat_sig_scheme_usable_tls12_sha1(scheme, type) ||
		 moat_sig_scheme_usable_legacy(scheme, type)));
}

static int check_key(struct keyd_key *k, char *why, size_t why_len)
{
	if (k->pkey.type == MOAT_KEY_ED25519) {
		say(why, why_len, "Ed25519 keys are not served (moat-ipc(7) has no EdDSA scheme)");
		BAIL(MOAT_ERR_NOT_SUPPORTED);
	}
	if (ipc_type_of(k->pkey.type, &k->ipc_type) != MOAT_SUCCESS) {
		say(why, why_len, "keyd serves RSA, RSA-PSS and EC P-256, P-384 or P-521 keys only");
		return MOAT_FAILURE;
	}
	size_t bits = moat_pkey_bits(&k->pkey);
	if ((k->pkey.type == MOAT_KEY_RSA || k->pkey.type == MOAT_KEY_RSA_PSS) &&
	    (bits < KEYD_RSA_MIN_BITS || bits > KEYD_RSA_MAX_BITS)) {
		say(why, why_len, "RSA key of %zu bits; keyd serves %d to %d bits", bits, KEYD_RSA_MIN_BITS,
		    KEYD_RSA_MAX_BITS);
		BAIL(MOAT_ERR_NOT_SUPPORTED);
	}
	k->bits = (uint16_t)bits;
	return MOAT_SUCCESS;
}

_Static_assert(MOAT_IPC_MAX_KEY_SCHEMES <= MOAT_SIGNER_MAX_SCHEMES, "a signer holds every scheme a key may have");

static int fill_schemes(struct keyd_key *k, char *why, size_t why_len)
{
	k->scheme_count = 0;
	size_t at = 0;
	for (uint16_t s; (s = keyd_ipc_scheme_at(&at)) != 0 && k->scheme_count < MOAT_IPC_MAX_KEY_SCHEMES;) {
		if (!scheme_fits(s, k->pkey.type))
			continue;
		if (scheme_works(&k->pkey, s))
			k->schemes[k->scheme_count++] = s;
		else
			k->unusable[k->unusable_count++] = s;
	}
	if (k->scheme_count == 0) {
		say(why, why_len, "the key cannot sign with any scheme keyd offers");
		BAIL(MOAT_ERR_CRYPTO);
	}
	return MOAT_SUCCESS;
}

/*
 * RSA_DECRYPT serves rsaEncryption keys: derive the implicit-rejection
 * secret and try a round trip now rather than on the first client.
 */
static int rsa_kex_setup(struct keyd_key *k, char *why, size_t why_len)
{
	if (k->ipc_type != MOAT_IPC_KEY_RSA)
		return MOAT_SUCCESS;
	if (keyd_rsa_kex_new(&k->rsa_kex, k->pkey.pkey) != MOAT_SUCCESS) {
		say(why, why_len, "RSA decryption self-test failed");
		return MOAT_FAILURE;
	}
	return MOAT_SUCCESS;
}

/* The checks and set-up every key gets after it is parsed, whatever its encoding. */
static int key_setup(struct keyd_key *k, char *why, size_t why_len)
{
	if (check_key(k, why, why_len) != MOAT_SUCCESS || fill_schemes(k, why, why_len) != MOAT_SUCCESS ||
	    rsa_kex_setup(k, why, why_len) != MOAT_SUCCESS || moat_pkey_spki_sha256(&k->pkey, k->id) != MOAT_SUCCESS) {
		int err = moat_errno;
		keyd_rsa_kex_free(k->rsa_kex);
		k->rsa_kex = NULL;
		moat_pkey_free(&k->pkey);
		moat_error_raise(err, MOAT_HERE);
		return MOAT_FAILURE;
	}
	/* Only a speed-up: without it, each signature sets up its context itself (ops.c). */
	if (moat_signer_new(&k->pkey, k->schemes, k->scheme_count, &k->signer) != MOAT_SUCCESS) {
		moat_error_clear();
		k->signer = NULL;
	}
	return MOAT_SUCCESS;
}

static int key_start(struct keyd_key *k, const char *name, char *why, size_t why_len)
{
	ENSURE_REF(k);
	ENSURE_REF(name);
	memset(k, 0, sizeof(*k));
	say(why, why_len, "internal error");
	ENSURE(strlen(name) <= MOAT_IPC_KEY_NAME_MAX, MOAT_ERR_INVALID_ARG);
	memcpy(k->name, name, strlen(name) + 1);
	k->policy = keyd_key_policy_default;
	return MOAT_SUCCESS;
}

static void say_parse_error(char *why, size_t why_len, const char *what)
{
	if (moat_errno == MOAT_ERR_NOT_SUPPORTED)
		say(why, why_len, "keyd serves RSA, RSA-PSS and EC P-256, P-384 or P-521 keys only");
	else
		say(why, why_len, "%s", what);
}

int keyd_key_from_pem(struct keyd_key *k, const char *pem, size_t len, const char *name, char *why, size_t why_len)
{
	TRY(key_start(k, name, why, why_len));
	if (moat_pkey_from_private_pem(&k->pkey, pem, len) != MOAT_SUCCESS) {
		say_parse_error(why, why_len, "no unencrypted PEM private key found");
		return MOAT_FAILURE;
	}
	return key_setup(k, why, why_len);
}

int keyd_key_from_der(struct keyd_key *k, const uint8_t *der, size_t len, const char *name, char *why,
		      size_t why_len)
{
	TRY(key_start(k, name, why, why_len));
	if (moat_pkey_from_private_der(&k->pkey, der, len) != MOAT_SUCCESS) {
		say_parse_error(why, why_len, "not a DER PKCS#8 private key");
		return MOAT_FAILURE;
	}
	return key_setup(k, why, why_len);
}

void keyd_key_free(struct keyd_key *k)
{
	if (k == NULL)
		return;
	keyd_rsa_kex_free(k->rsa_kex);
	moat_signer_free(k->signer);
	moat_pkey_free(&k->pkey);
	memset(k, 0, sizeof(*k));
}

int keyd_key_file_read(const char *path, char **out, size_t *out_len, struct stat *st_out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ENSURE(fd >= 0, MOAT_ERR_FILE);
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int err = 0;

	if (fstat(fd, &st) != 0) {
		err = errno;
	} else if (!S_ISREG(st.st_mode)) {
		err = EINVAL;
	} else if (st.st_size <= 0 || st.st_size > KEYD_KEY_FILE_MAX) {
		err = EFBIG;
	} else if (moat_secmem_alloc((size_t)st.st_size, (void **)&buf) != MOAT_SUCCESS) {
		err = ENOMEM;
	} else {
		if (st_out != NULL)
			*st_out = st;
		while (len < (size_t)st.st_size) {
			ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				err = n < 0 ? errno : EIO;
				break;
			}
			len += (size_t)n;
		}
	}
	close(fd);
	if (err != 0) {
		moat_secmem_free(buf);
		errno = err;
		BAIL(MOAT_ERR_FILE);
	}
	*out = buf;
	*out_len = len;
	return MOAT_SUCCESS;
}

static const char *file_error(int err)
{
	switch (err) {
	case EINVAL: return "not a regular file";
	case EFBIG: return "empty or larger than 1 MiB";
	default: return strerror(err);
	}
}

static int load_one(struct keyd_keyset *ks, const struct keyd_key_conf *kc, struct moat_conf *conf)
{
	char *pem = NULL;
	size_t len = 0;
	struct stat st;
	char why[160];

	if (keyd_key_file_read(kc->path, &pem, &len, &st) != MOAT_SUCCESS) {
		int err = errno;
		return moat_conf_fail(conf, kc->node, "cannot read key \"%.200s\": %s", kc->path, file_error(err));
	}
	struct keyd_key k;
	int rc = keyd_key_from_pem(&k, pem, len, kc->name, why, sizeof(why));
	moat_secmem_free(pem);
	if (rc != MOAT_SUCCESS)
		return moat_conf_fail(conf, kc->node, "key \"%.200s\": %s", kc->path, why);

	const struct keyd_key *twin = keyd_keys_find(ks, k.id);
	if (twin != NULL) {
		keyd_key_free(&k);
		return moat_conf_fail(conf, kc->node, "key \"%.200s\" is the same key as \"%.200s\" listed before",
				      kc->path, twin->name);
	}
	/* moat-ipc(7): only rsaEncryption keys decrypt; an RSA-PSS key is for signatures alone (RFC 4055 §1.2). */
	if (kc->policy.rsa_key_exchange && k.ipc_type != MOAT_IPC_KEY_RSA) {
		const char *type = moat_ipc_key_type_name(k.ipc_type);
		keyd_key_free(&k);
		return moat_conf_fail(conf, kc->node,
				      "key \"%.200s\": rsa-key-exchange needs an RSA (rsaEncryption) key, this is %s",
				      kc->path, type);
	}
	k.world_readable = (st.st_mode & S_IROTH) != 0;
	k.has_file = true;
	k.file_uid = st.st_uid;
	k.file_gid = st.st_gid;
	k.file_mode = st.st_mode;
	k.policy = kc->policy;
	return keyd_keys_add(ks, &k);
}

int keyd_keys_load(struct keyd_keyset *ks, const struct keyd_config *cfg, struct moat_conf *conf)
{
	ENSURE_REF(ks);
	ENSURE_REF(cfg);
	ENSURE_REF(conf);
	memset(ks, 0, sizeof(*ks));
	for (size_t i = 0; i < cfg->key_count; i++)
		TRY(load_one(ks, &cfg->keys[i], conf));
	return MOAT_SUCCESS;
}

int keyd_keys_add(struct keyd_keyset *ks, struct keyd_key *k)
{
	ENSURE_REF(ks);
	ENSURE_REF(k);
	ENSURE(ks->count < MOAT_IPC_MAX_KEYS, MOAT_ERR_INVALID_ARG);
	struct keyd_key **grown = realloc(ks->keys, (ks->count + 1) * sizeof(*ks->keys));
	ENSURE(grown != NULL, MOAT_ERR_ALLOC);
	ks->keys = grown;
	struct keyd_key *held = malloc(sizeof(*held));
	ENSURE(held != NULL, MOAT_ERR_ALLOC);
	*held = *k;
	memset(k, 0, sizeof(*k));
	atomic_init(&held->refs, 1);
	held->fastest_ns = 0;
	ks->keys[ks->count++] = held;
	return MOAT_SUCCESS;
}

void keyd_key_ref(struct keyd_key *k)
{
	/* Relaxed: the caller already holds a reference (the keyset's), so the key cannot go meanwhile. */
	atomic_fetch_add_explicit(&k->refs, 1, memory_order_relaxed);
}

void keyd_key_unref(struct keyd_key *k)
{
	if (k == NULL)
		return;
	/* Release, then acquire before freeing: every use of the key by another thread happens before the free. */
	if (atomic_fetch_sub_explicit(&k->refs, 1, memory_order_acq_rel) != 1)
		return;
	keyd_key_free(k);
	free(k);
}

void keyd_keys_remove(struct keyd_keyset *ks, size_t i)
{
	if (ks == NULL || i >= ks->count)
		return;
	struct keyd_key *k = ks->keys[i];
	/* Keep the order: LIST_KEYS shows the keys as they were added. */
	memmove(&ks->keys[i], &ks->keys[i + 1], (ks->count - i - 1) * sizeof(*ks->keys));
	ks->count--;
	keyd_key_unref(k);
}

void keyd_keys_free(struct keyd_keyset *ks)
{
	if (ks == NULL)
		return;
	for (size_t i = 0; i < ks->count; i++)
		keyd_key_unref(ks->keys[i]);
	free(ks->keys);
	memset(ks, 0, sizeof(*ks));
}

struct keyd_key *keyd_keys_find(const struct keyd_keyset *ks, const uint8_t id[MOAT_IPC_KEY_ID_LEN])
{
	/* Key ids are public (frontd computes them from certificates): a plain comparison is fine. */
	for (size_t i = 0; i < ks->count; i++)
		if (memcmp(ks->keys[i]->id, id, MOAT_IPC_KEY_ID_LEN) == 0)
			return ks->keys[i];
	return NULL;
}

long keyd_keys_index(const struct keyd_keyset *ks, const uint8_t *id, const char *name)
{
	long found = -1;
	for (size_t i = 0; i < ks->count; i++) {
		if (id != NULL && memcmp(ks->keys[i]->id, id, MOAT_IPC_KEY_ID_LEN) == 0)
			return (long)i;
		if (name != NULL && strcmp(ks->keys[i]->name, name) == 0) {
			if (found >= 0)
				return -2;
			found = (long)i;
		}
	}
	return found;
}

void keyd_key_log(const struct keyd_key *k)
{
	char id[2 * MOAT_IPC_KEY_ID_LEN + 1];
	char schemes[MOAT_IPC_MAX_KEY_SCHEMES * 24] = "";
	size_t used = 0;
	keyd_hex(id, k->id, sizeof(k->id));
	for (size_t i = 0; i < k->scheme_count; i++) {
		int n = snprintf(schemes + used, sizeof(schemes) - used, "%s%s", i > 0 ? "," : "",
				 keyd_scheme_name(k->schemes[i]));
		if (n < 0 || (size_t)n >= sizeof(schemes) - used)
			break;
		used += (size_t)n;
	}
	moat_log(MOAT_LOG_INFO, "key %s: id %s, %s %u bits, schemes %s", k->name, id,
		 moat_ipc_key_type_name(k->ipc_type), (unsigned)k->bits, schemes);
	moat_log(MOAT_LOG_INFO, "key %s: role %s, tls12 %s%s", k->name,
		 k->policy.server ? (k->policy.client ? "both" : "server") : (k->policy.client ? "client" : "none"),
		 k->policy.tls12 ? "yes" : "no",
		 k->ipc_type != MOAT_IPC_KEY_RSA ? "" : k->policy.rsa_key_exchange ? ", rsa-key-exchange yes"
										     : ", rsa-key-exchange no");
	for (size_t i = 0; i < k->unusable_count; i++)
		moat_log(MOAT_LOG_WARNING, "key %s: cannot sign with %s (its parameters forbid it), not offered", k->name,
			 keyd_scheme_name(k->unusable[i]));
	if (k->world_readable)
		moat_log(MOAT_LOG_WARNING, "key %s: its file is readable by every user; chmod o-r it", k->name);
}

bool keyd_key_scheme_ok(const struct keyd_key *k, uint8_t kind, uint16_t scheme)
{
	bool listed = false;
	for (size_t i = 0; i < k->scheme_count; i++)
		listed = listed || k->schemes[i] == scheme;
	if (!listed || !moat_ipc_scheme_allowed(kind, scheme))
		return false;
	if (kind == MOAT_IPC_SIGN_TLS13_CV)
		return moat_sig_scheme_usable_tls13(scheme, k->pkey.type);
	/*
	 * ServerKeyExchange: the TLS 1.2 rules, the TLS 1.2 SHA-1 defaults
	 * (RFC 5246 §7.4.1.4.1; ops.c asks for the key's tls10 switch) or, with
	 * a legacy scheme, the TLS 1.0/1.1 ones. The client digest: the same
	 * without the SHA-1 defaults, which RFC 9155 keeps out of CertificateVerify.
	 */
	if (MOAT_IPC_SIGN_KIND_IS_SKE(kind) && moat_sig_scheme_usable_tls12_sha1(scheme, k->pkey.type))
		return true;
	if (MOAT_IPC_SIGN_KIND_IS_SKE(kind) || kind == MOAT_IPC_SIGN_TLS12_CLIENT_CV)
		return moat_sig_scheme_usable_tls12(scheme, k->pkey.type) ||
		       moat_sig_scheme_usable_legacy(scheme, k->pkey.type);
	return false;
}
