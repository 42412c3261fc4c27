/*
 * keyd's key list against the sites' certificates (see keyd_keys.h).
 */
#include "frontd/keyd_keys.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/log.h"
#include "policy/security_policy.h"
#include "tls/config_policy.h"
#include "tls/key_caps.h"

/* -t's requests: any ids will do on a connection of its own. */
#define CHECK_HELLO_ID 1u
#define CHECK_LIST_ID 2u

uint32_t frontd_key_caps(const struct moat_ipc_key_info *k)
{
	uint32_t caps = 0;
	/* keyd signs a TLS 1.3 server CertificateVerify for role server or both only. */
	if ((k->flags & MOAT_IPC_KEY_FLAG_SERVER) != 0)
		caps |= MOAT_KEY_CAP_TLS13;
	if ((k->flags & MOAT_IPC_KEY_FLAG_TLS12) != 0)
		caps |= MOAT_KEY_CAP_TLS12;
	if ((k->flags & MOAT_IPC_KEY_FLAG_TLS10) != 0)
		caps |= MOAT_KEY_CAP_TLS10_11;
	if ((k->flags & MOAT_IPC_KEY_FLAG_RSA_KX) != 0)
		caps |= MOAT_KEY_CAP_RSA_KX;
	return caps;
}

static const struct moat_ipc_key_info *find_key(const struct moat_ipc_key_info *keys, size_t count,
						const uint8_t id[FRONTD_KEY_ID_LEN])
{
	for (size_t i = 0; i < count; i++)
		if (memcmp(keys[i].key_id, id, FRONTD_KEY_ID_LEN) == 0)
			return &keys[i];
	return NULL;
}

static void hex_id(const uint8_t id[FRONTD_KEY_ID_LEN], char out[2 * FRONTD_KEY_ID_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < FRONTD_KEY_ID_LEN; i++) {
		out[2 * i] = digits[id[i] >> 4];
		out[2 * i + 1] = digits[id[i] & 0x0f];
	}
	out[2 * FRONTD_KEY_ID_LEN] = '\0';
}

static bool policy_has_static_rsa(const struct moat_security_policy *p)
{
	for (size_t i = 0; i < p->cipher_suites_count; i++)
		if (p->cipher_suites[i]->kx == MOAT_KX_RSA)
			return true;
	return false;
}

static bool policy_allows_any(const struct moat_security_policy *p, uint16_t lo, uint16_t hi)
{
	for (uint16_t v = lo; v <= hi; v++)
		if (moat_security_policy_supports_version(p, v))
			return true;
	return false;
}

/* What the key's switches take away from what the policy allows, as "; "-separated phrases ("" if nothing). */
static void cuts(const struct moat_security_policy *p, const struct moat_ipc_key_info *k,
		 char *out, size_t cap)
{
	size_t used = 0;
	out[0] = '\0';
	struct {
		bool cut;
		const char *what;
	} const rows[] = {
		{ policy_allows_any(p, MOAT_TLS13, MOAT_TLS13) && (k->flags & MOAT_IPC_KEY_FLAG_SERVER) == 0,
		  "TLS 1.3 disabled: key whose role is client" },
		{ policy_allows_any(p, MOAT_TLS12, MOAT_TLS12) && (k->flags & MOAT_IPC_KEY_FLAG_TLS12) == 0,
		  "TLS 1.2 signatures disabled: key without tls12" },
		{ policy_allows_any(p, MOAT_TLS10, MOAT_TLS11) && (k->flags & MOAT_IPC_KEY_FLAG_TLS10) == 0,
		  "TLS 1.0/1.1 signatures disabled: key without tls10" },
		{ k->key_type == MOAT_IPC_KEY_RSA && policy_has_static_rsa(p) && (k->flags & MOAT_IPC_KEY_FLAG_RSA_KX) == 0,
		  "static RSA key exchange disabled: key without rsa-key-exchange" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (!rows[i].cut)
			continue;
		int n = snprintf(out + used, cap - used, "%s%s", used > 0 ? "; " : "", rows[i].what);
		if (n < 0 || (size_t)n >= cap - used)
			return;
		used += (size_t)n;
	}
}

size_t frontd_keys_apply(const struct frontd_sites *sites, const struct moat_ipc_key_info *keys, size_t count)
{
	size_t missing = 0;
	for (size_t s = 0; s < sites->n; s++) {
		const struct frontd_site *site = sites->v[s];
		const struct moat_security_policy *p = moat_config_get_security_policy(site->tls);
		for (size_t c = 0; c < site->cert_count; c++) {
			const struct frontd_cert *fc = &site->certs[c];
			const struct moat_ipc_key_info *k = find_key(keys, count, fc->key_id);
			char id[2 * FRONTD_KEY_ID_LEN + 1];
			hex_id(fc->key_id, id);
			if (k == NULL) {
				missing++;
				/* Nothing to restrict: keyd refuses every operation with it (unknown_key). */
				if (moat_cert_chain_and_key_set_key_caps(fc->ck, MOAT_KEY_CAPS_ALL) < 0)
					moat_error_clear();
				moat_log(MOAT_LOG_ERR, "site %s: keyd holds no key for certificate %s (id %s): handshakes with it fail",
					 site->name, fc->cn, id);
				continue;
			}
			if (moat_cert_chain_and_key_set_key_caps(fc->ck, frontd_key_caps(k)) < 0)
				moat_error_clear();
			char why[256];
			if (p != NULL)
				cuts(p, k, why, sizeof(why));
			else
				why[0] = '\0';
			if (why[0] != '\0')
				moat_log(MOAT_LOG_WARNING, "site %s: certificate %s (key \"%s\"): %s", site->name, fc->cn,
					 k->name, why);
		}
	}
	return missing;
}

/* ---- -t ---- */

static int check_send(int fd, uint8_t opcode, uint32_t id)
{
	uint8_t mem[64];
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	if (opcode == MOAT_IPC_HELLO) {
		struct moat_ipc_hello hello = { .min_version = MOAT_IPC_VERSION, .max_version = MOAT_IPC_VERSION };
		TRY(moat_ipc_hello_encode(&b, id, &hello));
	} else {
		TRY(moat_ipc_list_keys_encode(&b, id));
	}
	ENSURE(send(fd, b.data, b.len, MSG_NOSIGNAL) == (ssize_t)b.len, MOAT_ERR_IPC_IO);
	return MOAT_SUCCESS;
}

/* The reply to (opcode, id) within the deadline, into pkt; fails on anything else. */
static int check_recv(int fd, uint8_t opcode, uint32_t id, uint64_t deadline_ms, uint8_t *pkt,
		      struct moat_ipc_header *h, struct moat_cursor *body)
{
	for (;;) {
		uint64_t now = moat_clock_monotonic_ns() / 1000000u;
		ENSURE(now < deadline_ms, MOAT_ERR_KEYD_UNAVAILABLE);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, (int)(deadline_ms - now));
		if (r < 0 && errno == EINTR)
			continue;
		ENSURE(r > 0, r == 0 ? MOAT_ERR_KEYD_UNAVAILABLE : MOAT_ERR_IPC_IO);
		ssize_t n = recv(fd, pkt, MOAT_IPC_MAX_MESSAGE, MSG_TRUNC);
		ENSURE(n > 0 && (size_t)n <= MOAT_IPC_MAX_MESSAGE, MOAT_ERR_IPC_IO);
		TRY(moat_ipc_header_decode(pkt, (size_t)n, h, body));
		TRY(moat_ipc_reply_check(h, body, opcode));
		if (h->request_id == id)
			return MOAT_SUCCESS;
	}
}

/* keyd's keys into keys[0..*count); false with why when keyd could not be asked. */
static bool ask_keyd(const struct frontd_config *cfg, struct moat_ipc_key_info *keys, size_t *count, char *why,
		     size_t why_size)
{
	struct sockaddr_un sun;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(cfg->keyd_path) >= sizeof(sun.sun_path)) {
		snprintf(why, why_size, "path too long");
		return false;
	}
	memcpy(sun.sun_path, cfg->keyd_path, strlen(cfg->keyd_path) + 1);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		snprintf(why, why_size, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	uint8_t *pkt = malloc(MOAT_IPC_MAX_MESSAGE);
	struct moat_ipc_header h;
	struct moat_cursor body;
	struct moat_ipc_hello_reply hello;
	uint64_t deadline = moat_clock_monotonic_ns() / 1000000u + cfg->keyd_timeout_ms;
	bool ok = false;
	if (pkt == NULL) {
		snprintf(why, why_size, "out of memory");
	} else if (check_send(fd, MOAT_IPC_HELLO, CHECK_HELLO_ID) < 0 ||
		   check_recv(fd, MOAT_IPC_HELLO, CHECK_HELLO_ID, deadline, pkt, &h, &body) < 0) {
		/* keyd closes the connection of a peer it does not admit (moat-keyd.conf(5), allow). */
		snprintf(why, why_size, "no answer to HELLO (%s); keyd logs why it refuses a peer",
			 moat_strerror(moat_errno, NULL));
	} else if (h.status != MOAT_IPC_OK || moat_ipc_hello_reply_decode(body, &hello, NULL) < 0) {
		snprintf(why, why_size, "HELLO refused (%s)", moat_ipc_status_name(h.status));
	} else if (check_send(fd, MOAT_IPC_LIST_KEYS, CHECK_LIST_ID) < 0 ||
		   check_recv(fd, MOAT_IPC_LIST_KEYS, CHECK_LIST_ID, deadline, pkt, &h, &body) < 0) {
		snprintf(why, why_size, "no answer to LIST_KEYS (%s)", moat_strerror(moat_errno, NULL));
	} else if (h.status != MOAT_IPC_OK) {
		snprintf(why, why_size, "LIST_KEYS refused (%s)", moat_ipc_status_name(h.status));
	} else if (moat_ipc_list_keys_reply_decode(body, keys, MOAT_IPC_MAX_KEYS, count, NULL) < 0) {
		snprintf(why, why_size, "malformed LIST_KEYS reply");
	} else {
		ok = true;
	}
	moat_error_clear();
	free(pkt);
	close(fd);
	return ok;
}

static bool socket_dir_exists(const char *path, char *dir, size_t dir_size)
{
	snprintf(dir, dir_size, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		return true; /* config.c made the path absolute */
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	struct stat st;
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The check itself, as whoever this process is. */
static size_t check_keys(const struct frontd_config *cfg, FILE *err)
{
	struct moat_ipc_key_info *keys = calloc(MOAT_IPC_MAX_KEYS, sizeof(*keys));
	size_t count = 0;
	char why[160];
	if (keys == NULL) {
		fprintf(err, "moat-frontd: out of memory\n");
		return 1;
	}
	if (!ask_keyd(cfg, keys, &count, why, sizeof(why))) {
		fprintf(err, "moat-frontd: warning: keyd not reachable at %s (%s): keys not checked\n", cfg->keyd_path,
			why);
		free(keys);
		return 0;
	}
	size_t errors = 0;
	for (size_t s = 0; s < cfg->sites.n; s++) {
		const struct frontd_site *site = cfg->sites.v[s];
		for (size_t c = 0; c < site->cert_count; c++) {
			const struct frontd_cert *fc = &site->certs[c];
			if (find_key(keys, count, fc->key_id) != NULL)
				continue;
			char id[2 * FRONTD_KEY_ID_LEN + 1];
			hex_id(fc->key_id, id);
			fprintf(err, "%s: site \"%s\": keyd at %s holds no key for certificate %s (id %s)\n",
				fc->origin != NULL ? fc->origin : site->name, site->name, cfg->keyd_path, fc->cn, id);
			errors++;
		}
	}
	free(keys);
	return errors;
}

/*
 * keyd admits frontd's user on its data socket, not root: run as root with
 * a "user", the check runs in a child that becomes that user, as the
 * workers do (master.c), so it asks exactly what they will. The child's
 * exit status is its count of errors.
 */
static size_t check_as_user(const struct frontd_config *cfg, FILE *err)
{
	fflush(err);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(err, "moat-frontd: cannot fork to ask keyd as %s: %s\n", cfg->user, strerror(errno));
		return 1;
	}
	if (pid == 0) {
		if (setgroups(1, &cfg->gid) < 0 || setgid(cfg->gid) < 0 || setuid(cfg->uid) < 0) {
			fprintf(err, "moat-frontd: cannot become %s to ask keyd: %s\n", cfg->user, strerror(errno));
			_exit(1);
		}
		size_t n = check_keys(cfg, err);
		fflush(err);
		_exit(n > 100 ? 100 : (int)n);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	return WIFEXITED(status) ? (size_t)WEXITSTATUS(status) : 1;
}

size_t frontd_keys_check(const struct frontd_config *cfg, FILE *err)
{
	char dir[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
	if (!socket_dir_exists(cfg->keyd_path, dir, sizeof(dir))) {
		fprintf(err, "%s: keyd socket \"%s\": directory %s does not exist\n",
			cfg->keyd_origin != NULL ? cfg->keyd_origin : "keyd", cfg->keyd_path, dir);
		return 1;
	}
	if (geteuid() == 0 && cfg->user != NULL && cfg->uid != 0)
		return check_as_user(cfg, err);
	return check_keys(cfg, err);
}
