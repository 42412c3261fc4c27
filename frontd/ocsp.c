/*
 * OCSP stapling in moat-frontd (ocsp.h).
 */
#include "frontd/ocsp.h"

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "frontd/config_files.h"
#include "frontd/server.h"
#include "tls/ocsp_staple.h"

int frontd_ocsp_load(struct moat_conf *conf, const struct moat_conf_node *n, struct frontd_cert *fc, const char *path,
		     uint64_t now_sec)
{
	const char *why = "";
	size_t len;
	uint8_t *der = frontd_conf_read_file(path, &len, &why);
	if (der == NULL)
		return moat_conf_fail(conf, n, "cannot read OCSP staple \"%s\": %s", path, why);
	uint64_t next = 0;
	int rc = moat_cert_chain_and_key_staple_checked(fc->ck, der, len, now_sec, &next, &why);
	int err = moat_errno;
	free(der);
	fc->ocsp_path = strdup(path);
	ENSURE(fc->ocsp_path != NULL, MOAT_ERR_ALLOC);
	if (rc == MOAT_SUCCESS) {
		fc->ocsp_next_update = next;
		return MOAT_SUCCESS;
	}
	if (err == MOAT_ERR_CERTIFICATE_EXPIRED) {
		/* Not worth refusing the configuration over: the site serves, without a staple. */
		moat_log(MOAT_LOG_WARNING, "%s:%u: OCSP staple \"%s\" is past its nextUpdate: not stapled", n->file,
			 n->line, path);
		return MOAT_SUCCESS;
	}
	if (err == MOAT_ERR_ALLOC)
		BAIL(MOAT_ERR_ALLOC);
	return moat_conf_fail(conf, n, "OCSP staple \"%s\": %s", path, why);
}

/* The earliest nextUpdate of a stapled response, 0 if none. */
static uint64_t next_expiry(const struct frontd_server *srv)
{
	uint64_t next = 0;
	for (size_t i = 0; i < srv->cfg->sites.n; i++) {
		const struct frontd_site *site = srv->cfg->sites.v[i];
		for (size_t c = 0; c < site->cert_count; c++) {
			uint64_t t = site->certs[c].ocsp_next_update;
			if (t != 0 && (next == 0 || t < next))
				next = t;
		}
	}
	return next;
}

static void arm(struct frontd_server *srv)
{
	uint64_t next = next_expiry(srv);
	if (next == 0)
		return;
	time_t now = time(NULL);
	uint64_t wait = next > (uint64_t)now ? next - (uint64_t)now : 0;
	/* libevent's timers take at most a few years; a response valid longer is re-armed when this fires. */
	if (wait > 30u * 86400u)
		wait = 30u * 86400u;
	struct timeval tv = { .tv_sec = (time_t)wait, .tv_usec = 0 };
	if (event_add(srv->ev_ocsp, &tv) < 0)
		moat_log(MOAT_LOG_ERR, "cannot arm the OCSP staple timer: stapled responses will not be withdrawn");
}

void frontd_ocsp_expire(struct frontd_server *srv, uint64_t now_sec)
{
	for (size_t i = 0; i < srv->cfg->sites.n; i++) {
		struct frontd_site *site = srv->cfg->sites.v[i];
		for (size_t c = 0; c < site->cert_count; c++) {
			struct frontd_cert *fc = &site->certs[c];
			if (fc->ocsp_next_update == 0 || fc->ocsp_next_update > now_sec)
				continue;
			if (moat_cert_chain_and_key_set_ocsp_data(fc->ck, NULL, 0) < 0)
				moat_error_clear();
			fc->ocsp_next_update = 0;
			moat_log(MOAT_LOG_WARNING,
				 "site %s: OCSP staple \"%s\" reached its nextUpdate: no longer stapled (replace the "
				 "file and reload)",
				 site->name, fc->ocsp_path != NULL ? fc->ocsp_path : "?");
		}
	}
}

static void expire_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct frontd_server *srv = arg;
	frontd_ocsp_expire(srv, (uint64_t)time(NULL));
	arm(srv);
}

int frontd_ocsp_start(struct frontd_server *srv)
{
	ENSURE_REF(srv);
	srv->ev_ocsp = evtimer_new(srv->base, expire_cb, srv);
	ENSURE(srv->ev_ocsp != NULL, MOAT_ERR_ALLOC);
	/* A response that expired between the configuration's reading and now goes at once. */
	frontd_ocsp_expire(srv, (uint64_t)time(NULL));
	arm(srv);
	return MOAT_SUCCESS;
}

void frontd_ocsp_stop(struct frontd_server *srv)
{
	if (srv == NULL || srv->ev_ocsp == NULL)
		return;
	event_free(srv->ev_ocsp);
	srv->ev_ocsp = NULL;
}
