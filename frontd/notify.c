/*
 * frontd's readiness messages (see notify.h).
 */
#include "frontd/notify.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/sd_notify.h"

int frontd_notify_open(struct frontd_server *srv)
{
	ENSURE_REF(srv);
	return moat_sd_notify_open(-1, &srv->notify_fd);
}

int frontd_notify_format(char *buf, size_t len, enum frontd_notify_state state, const struct frontd_server *srv,
			 uint64_t monotonic_usec)
{
	ENSURE_REF(buf);
	ENSURE_REF(srv);
	size_t sites = srv->cfg != NULL ? srv->cfg->sites.n : 0;
	int n = -1;
	switch (state) {
	case FRONTD_NOTIFY_READY:
		n = snprintf(buf, len, "READY=1\nSTATUS=serving %zu site%s on %zu listener%s", sites,
			     sites == 1 ? "" : "s", srv->listener_count, srv->listener_count == 1 ? "" : "s");
		break;
	case FRONTD_NOTIFY_RELOADING:
		n = snprintf(buf, len, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading the configuration",
			     (unsigned long long)monotonic_usec);
		break;
	case FRONTD_NOTIFY_STOPPING:
		n = snprintf(buf, len, "STOPPING=1\nSTATUS=stopping, %zu connection%s open", srv->conn_count,
			     srv->conn_count == 1 ? "" : "s");
		break;
	}
	ENSURE(n >= 0 && (size_t)n < len, MOAT_ERR_INVALID_ARG);
	return MOAT_SUCCESS;
}

void frontd_notify(const struct frontd_server *srv, enum frontd_notify_state state)
{
	char msg[256];
	if (srv->notify_fd < 0)
		return;
	struct timespec ts = { 0, 0 };
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t usec = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	if (frontd_notify_format(msg, sizeof(msg), state, srv, usec) != MOAT_SUCCESS ||
	    moat_sd_notify(srv->notify_fd, msg) != MOAT_SUCCESS) {
		moat_log_error(MOAT_LOG_DEBUG, "systemd notify socket");
		moat_error_clear();
	}
}

void frontd_notify_close(struct frontd_server *srv)
{
	if (srv->notify_fd >= 0)
		close(srv->notify_fd);
	srv->notify_fd = -1;
}
