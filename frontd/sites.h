/*
 * Sites: what frontd serves, and which site a client gets.
 *
 * A site is one TLS identity (its certificate chains, one per key type, a
 * security policy and an ALPN list, all held by one moat_config) in front
 * of its backends: a list per negotiated ALPN protocol and a default one
 * (backends.h). Clients pick a site with SNI; a client without SNI, or
 * with a name no site carries, gets the default site (the one marked
 * `default`, else the first), as nginx does.
 *
 * Names are compared without regard to case (RFC 4343) and a trailing dot
 * is ignored. "*.example.test" matches exactly one more label in front
 * ("a.example.test", not "example.test" nor "a.b.example.test", as in
 * RFC 6125 §6.4.3); an exact name wins over a wildcard.
 *
 * frontd never holds a private key: every chain is loaded public only and
 * carries its key id (SHA-256 of the SubjectPublicKeyInfo), which is what
 * moat-keyd knows the key by.
 */
#ifndef MOAT_FRONTD_SITES_H
#define MOAT_FRONTD_SITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/error.h"
#include "frontd/proxy_protocol.h"
#include "policy/security_policy.h"
#include "tls/moat.h"

#define FRONTD_MAX_CERTS 4      /* one per key type: RSA, RSA-PSS, ECDSA P-256, ECDSA P-384 */
#define FRONTD_MAX_NAME 253     /* a DNS name (RFC 1035 §2.3.4) */
#define FRONTD_KEY_ID_LEN 32
/* Backend defaults (moat-frontd.conf(5): backend-connect-timeout, backend-failures). */
#define FRONTD_DEFAULT_BACKEND_CONNECT_TIMEOUT_MS 5000u
#define FRONTD_DEFAULT_BACKEND_FAIL_LIMIT 3u
#define FRONTD_DEFAULT_BACKEND_SKIP_MS 10000u

/* A certificate chain and the id of the key keyd signs with for it. */
struct frontd_cert {
	struct moat_cert_chain_and_key *ck;
	uint8_t key_id[FRONTD_KEY_ID_LEN];
	/* ocsp-staple (ocsp.h): the file, and when the stapled response stops being valid (0: none stapled, or no end). */
	char *ocsp_path;
	uint64_t ocsp_next_update;
	/* For messages about the key (keyd_keys.h): the leaf's commonName, and "file:line" of the directive. */
	char cn[65];
	char *origin;
};

/*
 * Where a site's plaintext goes: TCP host:port or a Unix stream socket,
 * and (backends.h) how its connects have gone lately in this worker.
 */
struct frontd_backend {
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char desc[128];          /* for logs: "127.0.0.1:8080", "unix:/run/app.sock" */
	unsigned failures;       /* connects that failed in a row */
	uint64_t down_until_ms;  /* skipped until then (frontd_backends_clock_ms); 0: not skipped */
};

/* `balance`: where a connection starts in a backend list. */
enum frontd_balance { FRONTD_BALANCE_ROUND_ROBIN = 0, FRONTD_BALANCE_FIRST };

/* The backends of one `backend` line: for one ALPN protocol, or (alpn NULL) the default. */
struct frontd_backend_set {
	char *alpn;
	struct frontd_backend *v;
	size_t n;
	size_t next; /* round robin: the backend the next connection starts at */
};

/* ticket-lifetime's bound, RFC 8446 §4.6.1. */
#define MOAT_TICKET_LIFETIME_MAX_S 604800u
/* early-data-max: the default (one record, as OpenSSL servers offer) and the most a connection may buffer. */
#define FRONTD_EARLY_DATA_DEFAULT 16384u
#define FRONTD_EARLY_DATA_MAX (256u * 1024u)

/* A site's "tickets" directive; INHERIT is resolved to the top-level one when the configuration is loaded. */
enum frontd_tickets { FRONTD_TICKETS_INHERIT = 0, FRONTD_TICKETS_ON, FRONTD_TICKETS_OFF };

struct frontd_site {
	char *name;                  /* primary name, as configured (lower case) */
	char **names;                /* every SNI name: the primary one first */
	size_t name_count;
	struct moat_config *tls;     /* the site's chains, policy, ALPN; ctx = this site */
	struct frontd_cert certs[FRONTD_MAX_CERTS];
	size_t cert_count;
	/* backend lines (backends.h), in file order; the default one, if any, is where alpn is NULL. */
	struct frontd_backend_set *backends;
	size_t backend_set_count;
	enum frontd_balance balance;
	uint32_t backend_connect_timeout_ms;
	unsigned backend_fail_limit;    /* connects failed in a row before a backend is skipped */
	uint32_t backend_skip_ms;       /* for this long */
	enum frontd_pp_version proxy_protocol; /* header sent first (`proxy-protocol v1|v2`), or OFF */
	bool is_default;
	enum frontd_tickets tickets; /* ON: TLS 1.3 session tickets sealed and opened by keyd (conn_tickets.c) */
	bool early_data;             /* "early-data on": 0-RTT accepted on its tickets (needs tickets on) */
	uint32_t early_data_max;     /* "early-data-max": bytes of it per connection */
	uint32_t ticket_lifetime_s;  /* "ticket-lifetime" in seconds; 0: the top level's (resolved at load) */
	int tickets_per_handshake;   /* "tickets-per-handshake"; -1: the top level's (resolved at load) */
	/* client-auth (client_cert.h): NONE unless configured; the names a client certificate must carry, if any. */
	moat_cert_auth_type client_auth;
	char **client_names;
	size_t client_name_count;
};

struct frontd_sites {
	struct frontd_site **v;
	size_t n;
	struct frontd_site *fallback; /* the default site, or the first */
};

/*
 * Normalise a configured name into out (lower case, no trailing dot) and
 * check its syntax: labels of letters, digits and '-', 1..63 bytes each,
 * optionally "*." in front. Fails with MOAT_ERR_INVALID_ARG.
 */
MOAT_MUST_USE int frontd_name_normalize(const char *in, char *out, size_t out_size);
/* True when host (normalised) is matched by pattern (normalised; may be "*.x"). */
bool frontd_name_matches(const char *pattern, const char *host);

/* A new, empty site named name (normalised by the caller). NULL on allocation failure. */
struct frontd_site *frontd_site_new(const char *name);
void frontd_site_free(struct frontd_site *site);

MOAT_MUST_USE int frontd_site_add_name(struct frontd_site *site, const char *name);
/*
 * Load a PEM chain (leaf first), public part only, and add it to the site.
 * MOAT_ERR_INVALID_PEM (or the library's error) for a file that is not a
 * chain; MOAT_ERR_INVALID_STATE when the site already has a chain for that
 * key type or FRONTD_MAX_CERTS chains.
 */
MOAT_MUST_USE int frontd_site_add_cert_pem(struct frontd_site *site, const uint8_t *pem, size_t len);
/* The site's security policy (built in, or a policy block's: the caller keeps it alive as long as the site). */
MOAT_MUST_USE int frontd_site_set_policy(struct frontd_site *site, const struct moat_security_policy *policy);
/* Protocols in preference order; each 1..255 bytes (else MOAT_ERR_INVALID_ARG). */
MOAT_MUST_USE int frontd_site_set_alpn(struct frontd_site *site, const char *const *protocols, size_t count);

/* Takes ownership of site. */
MOAT_MUST_USE int frontd_sites_add(struct frontd_sites *sites, struct frontd_site *site);
/* The site holding exactly name (normalised), or NULL: to find duplicates. */
struct frontd_site *frontd_sites_find_exact(const struct frontd_sites *sites, const char *name);
/*
 * The site for the SNI name sni (NULL: no SNI): exact names first, then
 * wildcards, else the fallback. *matched says whether a name matched, i.e.
 * whether the server acknowledges server_name.
 */
struct frontd_site *frontd_sites_lookup(const struct frontd_sites *sites, const char *sni, bool *matched);
/*
 * The same client hello and async pkey callbacks on every site's config
 * (the connection starts on the fallback's config; the client hello
 * callback moves it to the chosen site's).
 */
MOAT_MUST_USE int frontd_sites_set_callbacks(struct frontd_sites *sites, moat_client_hello_fn hello, void *hello_ctx,
					     moat_async_pkey_fn pkey);
/*
 * TLS 1.3 session tickets: every site with tickets ON gets the ticket
 * crypto callback (ctx: ticket_ctx), every site with tickets OFF has them
 * switched off in its moat_config (it issues none and resumes none).
 */
MOAT_MUST_USE int frontd_sites_set_ticket_cb(struct frontd_sites *sites, moat_ticket_crypto_fn fn, void *ticket_ctx);
void frontd_sites_free(struct frontd_sites *sites);

#endif
