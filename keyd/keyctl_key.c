/*
 * moat-keyctl key add / key remove: the keys of a running keyd changed
 * without a restart (KEY_ADD, KEY_REMOVE, moat-ipc(7)).
 *
 * keyd's sandbox cannot open files, so keyctl reads the key file (as root,
 * or as keyd's own user) and sends the key itself: as PKCS#8 DER, the one
 * encoding keyd accepts, converted here from PEM (or taken as it is when
 * the file is DER already). Every copy keyctl makes of the key is in
 * secure memory or wiped once sent. The key is parsed here first, so a
 * file that holds no usable key is reported with its name before keyd is
 * asked; keyd then makes the checks it makes at startup.
 *
 * The options are the configuration's "key" block (moat-keyd.conf(5)),
 * with the same defaults: role server, tls12 yes for a server-only key and
 * no once the key may sign as a client, tls10 and rsa-key-exchange no.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/secmem.h"
#include "keyd/keyctl.h"
#include "keyd/names.h"
#include "tls/crypto/sig.h"

void keyctl_key_options_init(struct keyctl_key_options *o)
{
	memset(o, 0, sizeof(*o));
	o->role = MOAT_IPC_ROLE_SERVER;
	o->tls12 = -1;
}

static int yes_no(const char *value)
{
	if (strcmp(value, "yes") == 0)
		return 1;
	if (strcmp(value, "no") == 0)
		return 0;
	return -1;
}

bool keyctl_key_option(struct keyctl_key_options *o, const char *option, const char *value)
{
	if (strcmp(option, "name") == 0) {
		o->name = value;
		return true;
	}
	if (strcmp(option, "role") == 0) {
		if (strcmp(value, "server") == 0)
			o->role = MOAT_IPC_ROLE_SERVER;
		else if (strcmp(value, "client") == 0)
			o->role = MOAT_IPC_ROLE_CLIENT;
		else if (strcmp(value, "both") == 0)
			o->role = MOAT_IPC_ROLE_SERVER | MOAT_IPC_ROLE_CLIENT;
		else {
			fprintf(stderr, "moat-keyctl: --role: \"%s\" is not one of server, client, both\n", value);
			return false;
		}
		return true;
	}
	int v = yes_no(value);
	if (v < 0) {
		fprintf(stderr, "moat-keyctl: --%s: \"%s\" is not yes or no\n", option, value);
		return false;
	}
	if (strcmp(option, "tls12") == 0)
		o->tls12 = v;
	else if (strcmp(option, "tls10") == 0)
		o->tls10 = v == 1;
	else
		o->rsa_key_exchange = v == 1;
	return true;
}

/* As keyd reads its configured key files (keys.h): at most 1 MiB. */
#define KEY_FILE_MAX (1024 * 1024)

/* All of fd into secure memory, at most KEY_FILE_MAX bytes; what names it in messages. */
static char *read_all(int fd, const char *what, size_t *len)
{
	size_t cap = 16 * 1024, n = 0;
	char *buf = NULL;
	if (moat_secmem_alloc(cap, (void **)&buf) != MOAT_SUCCESS)
		keyctl_fail("no memory for the key");
	for (;;) {
		if (n == cap) {
			if (cap >= KEY_FILE_MAX) {
				moat_secmem_free(buf);
				keyctl_fail("%s: larger than 1 MiB, not a key", what);
			}
			cap *= 2;
			if (moat_secmem_realloc((void **)&buf, cap) != MOAT_SUCCESS)
				keyctl_fail("no memory for the key");
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = errno;
			moat_secmem_free(buf);
			keyctl_fail("reading %s: %s", what, strerror(err));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n == 0) {
		moat_secmem_free(buf);
		keyctl_fail("%s is empty: no key", what);
	}
	*len = n;
	return buf;
}

/* The name keyd gets: --name, else the file's base name (as a configuration "key" line without one). */
static void choose_name(struct keyctl_key_options *o, const char *file)
{
	const char *name = o->name;
	if (name == NULL) {
		if (strcmp(file, "-") == 0)
			keyctl_fail("a key read from standard input needs --name");
		const char *slash = strrchr(file, '/');
		name = slash != NULL ? slash + 1 : file;
	}
	size_t n = strlen(name);
	if (n < 1 || n > MOAT_IPC_KEY_NAME_MAX)
		keyctl_fail("key name \"%.40s\": 1 to %d bytes", name, MOAT_IPC_KEY_NAME_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			keyctl_fail("key name: contains a control character");
	memcpy(o->key_name, name, n + 1);
}

/* The DER key, for the exit handler: a refusal ends keyctl through exit(3), and the key is wiped even then. */
static uint8_t *der_held;

static void wipe_der(void)
{
	moat_secmem_free(der_held);
	der_held = NULL;
}

void keyctl_key_add_prepare(struct keyctl_client *c, char **args)
{
	struct keyctl_key_options *o = &c->key;
	const char *file = args[0];
	choose_name(o, file);
	char *text = NULL;
	size_t len = 0;
	if (strcmp(file, "-") == 0) {
		text = read_all(STDIN_FILENO, "standard input", &len);
	} else {
		struct stat st;
		int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			keyctl_fail("cannot read key \"%s\": %s", file, strerror(errno));
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
			keyctl_fail("cannot read key \"%s\": not a regular file", file);
		/* keyd's startup warning for a configured key file, made here since keyd never sees this one. */
		if (st.st_mode & S_IROTH)
			fprintf(stderr, "moat-keyctl: warning: %s is readable by every user; chmod o-r it\n", file);
		text = read_all(fd, file, &len);
		close(fd);
	}
	/* PEM (any form keyd reads from its configuration), else DER PKCS#8 as it is. */
	struct moat_pkey pkey;
	int rc = moat_pkey_from_private_pem(&pkey, text, len);
	if (rc != MOAT_SUCCESS && moat_errno == MOAT_ERR_INVALID_PEM)
		rc = moat_pkey_from_private_der(&pkey, (const uint8_t *)text, len);
	moat_secmem_free(text);
	if (rc != MOAT_SUCCESS)
		keyctl_fail("%s: %s", file,
			    moat_errno == MOAT_ERR_NOT_SUPPORTED
				    ? "keyd serves RSA, RSA-PSS and EC P-256, P-384 or P-521 keys only"
				    : "no unencrypted private key found (PEM, or DER PKCS#8)");
	if (o->rsa_key_exchange && pkey.type != MOAT_KEY_RSA) {
		moat_pkey_free(&pkey);
		keyctl_fail("%s: rsa-key-exchange needs an RSA (rsaEncryption) key", file);
	}
	if (moat_secmem_alloc(MOAT_IPC_KEY_DER_MAX, (void **)&o->der) != MOAT_SUCCESS) {
		moat_pkey_free(&pkey);
		keyctl_fail("no memory for the key");
	}
	der_held = o->der;
	(void)atexit(wipe_der);
	rc = moat_pkey_private_der(&pkey, o->der, MOAT_IPC_KEY_DER_MAX, &o->der_len);
	moat_pkey_free(&pkey);
	if (rc != MOAT_SUCCESS)
		keyctl_fail("%s: %s", file,
			    moat_errno == MOAT_ERR_BUF_FULL ? "the key is larger than KEY_ADD carries"
							    : "cannot encode the key as PKCS#8");
}

static int encode_key_add(struct moat_buf *b, uint32_t id, void *arg)
{
	const struct keyctl_key_options *o = arg;
	struct moat_ipc_key_add req;
	memset(&req, 0, sizeof(req));
	moat_cursor_init(&req.key, o->der, o->der_len);
	memcpy(req.name, o->key_name, sizeof(req.name));
	req.role = o->role;
	/* moat-keyd.conf(5): tls12 defaults to yes for a server-only key. */
	bool tls12 = o->tls12 >= 0 ? o->tls12 == 1 : o->role == MOAT_IPC_ROLE_SERVER;
	req.options = (uint8_t)((tls12 ? MOAT_IPC_KEY_OPT_TLS12 : 0) | (o->tls10 ? MOAT_IPC_KEY_OPT_TLS10 : 0) |
				(o->rsa_key_exchange ? MOAT_IPC_KEY_OPT_RSA_KEY_EXCHANGE : 0));
	return moat_ipc_key_add_encode(b, id, &req);
}

static void print_change(struct keyctl_client *c, const char *what, uint8_t opcode, const char *name)
{
	uint8_t id[MOAT_IPC_KEY_ID_LEN];
	char hex[2 * MOAT_IPC_KEY_ID_LEN + 1];
	if (moat_ipc_key_change_reply_decode(c->body, id, NULL) != MOAT_SUCCESS)
		keyctl_fail("keyd sent a malformed %s reply", moat_ipc_opcode_name(opcode));
	keyd_hex(hex, id, sizeof(id));
	if (name != NULL)
		printf("%s %s %s\n", what, hex, name);
	else
		printf("%s %s\n", what, hex);
}

void keyctl_key_add(struct keyctl_client *c, char **args)
{
	(void)args;
	struct keyctl_key_options *o = &c->key;
	keyctl_request(c, MOAT_IPC_KEY_ADD, encode_key_add, o);
	wipe_der();
	o->der = NULL;
	print_change(c, "added", MOAT_IPC_KEY_ADD, o->key_name);
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* ID (64 hex digits, as list prints it) or NAME. */
void keyctl_key_remove_prepare(struct keyctl_client *c, char **args)
{
	struct keyctl_key_options *o = &c->key;
	const char *arg = args[0];
	size_t n = strlen(arg);
	o->remove_by_id = n == 2 * MOAT_IPC_KEY_ID_LEN;
	for (size_t i = 0; o->remove_by_id && i < n; i += 2) {
		int hi = hex_digit(arg[i]), lo = hex_digit(arg[i + 1]);
		if (hi < 0 || lo < 0)
			o->remove_by_id = false;
		else
			o->remove_id[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	if (o->remove_by_id)
		return;
	if (n < 1 || n > MOAT_IPC_KEY_NAME_MAX)
		keyctl_fail("\"%.40s\" is neither a key id (64 hex digits) nor a key name (1 to %d bytes)", arg,
			    MOAT_IPC_KEY_NAME_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)arg[i] < 0x20 || arg[i] == 0x7f)
			keyctl_fail("key name: contains a control character");
	memcpy(o->key_name, arg, n + 1);
}

static int encode_key_remove(struct moat_buf *b, uint32_t id, void *arg)
{
	const struct keyctl_key_options *o = arg;
	struct moat_ipc_key_remove req;
	memset(&req, 0, sizeof(req));
	req.by = o->remove_by_id ? MOAT_IPC_KEY_BY_ID : MOAT_IPC_KEY_BY_NAME;
	memcpy(req.key_id, o->remove_id, sizeof(req.key_id));
	memcpy(req.name, o->key_name, sizeof(req.name));
	return moat_ipc_key_remove_encode(b, id, &req);
}

void keyctl_key_remove(struct keyctl_client *c, char **args)
{
	(void)args;
	keyctl_request(c, MOAT_IPC_KEY_REMOVE, encode_key_remove, &c->key);
	print_change(c, "removed", MOAT_IPC_KEY_REMOVE, c->key.remove_by_id ? NULL : c->key.key_name);
}
