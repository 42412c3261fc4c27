/*
 * frontd's readiness messages (see notify.h).
 */
#include "frontd/notify.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/sd_notify.h"

int frontd_notify_open(int *fd)
{
	ENSURE_REF(fd);
	return moat_sd_notify_open(-1, fd);
}

int frontd_notify_format(char *buf, size_t len, enum frontd_notify_state state,
			 const struct frontd_notify_status *st, uint64_t monotonic_usec)
{
	ENSURE_REF(buf);
	ENSURE_REF(st);
	int n = -1;
	switch (state) {
	case FRONTD_NOTIFY_READY:
		n = snprintf(buf, len, "READY=1\nSTATUS=serving %zu site%s on %zu listener%s, %u worker%s (generation %u)",
			     st->sites, st->sites == 1 ? "" : "s", st->listeners, st->listeners == 1 ? "" : "s",
			     st->workers, st->workers == 1 ? "" : "s", st->generation);
		break;
	case FRONTD_NOTIFY_RELOADING:
		n = snprintf(buf, len, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading the configuration",
			     (unsigned long long)monotonic_usec);
		break;
	case FRONTD_NOTIFY_STOPPING:
		n = snprintf(buf, len, "STOPPING=1\nSTATUS=stopping: the workers drain their connections");
		break;
	}
	ENSURE(n >= 0 && (size_t)n < len, MOAT_ERR_INVALID_ARG);
	return MOAT_SUCCESS;
}

void frontd_notify(int fd, enum frontd_notify_state state, const struct frontd_notify_status *st)
{
	char msg[256];
	if (fd < 0)
		return;
	struct timespec ts = { 0, 0 };
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t usec = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	if (frontd_notify_format(msg, sizeof(msg), state, st, usec) != MOAT_SUCCESS || moat_sd_notify(fd, msg) != MOAT_SUCCESS) {
		moat_log_error(MOAT_LOG_DEBUG, "systemd notify socket");
		moat_error_clear();
	}
}

void frontd_notify_close(int *fd)
{
	if (fd == NULL || *fd < 0)
		return;
	close(*fd);
	*fd = -1;
}
