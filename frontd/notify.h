/*
 * What moat-frontd tells systemd (sd_notify(3), common/sd_notify.h) when a
 * unit with Type=notify started it: READY=1 once it serves, RELOADING=1
 * when a reload begins and READY=1 again when it is done, STOPPING=1 when
 * it stops; each with a STATUS= line for `systemctl status`. Without
 * NOTIFY_SOCKET every call does nothing.
 */
#ifndef MOAT_FRONTD_NOTIFY_H
#define MOAT_FRONTD_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "frontd/server.h"

enum frontd_notify_state {
	FRONTD_NOTIFY_READY,     /* serving: at startup, and when a reload is done */
	FRONTD_NOTIFY_RELOADING, /* a reload begins (SIGHUP) */
	FRONTD_NOTIFY_STOPPING,  /* no longer accepting */
};

/* Connect to NOTIFY_SOCKET, if set, into srv->notify_fd (else -1): before the sandbox, which forbids it. */
MOAT_MUST_USE int frontd_notify_open(struct frontd_server *srv);
/*
 * The message for state, in buf: the assignment, then STATUS= with the
 * sites and listeners srv serves. RELOADING=1 carries MONOTONIC_USEC=
 * (monotonic_usec, CLOCK_MONOTONIC in microseconds), which
 * Type=notify-reload requires to tell this reload from an earlier one.
 */
MOAT_MUST_USE int frontd_notify_format(char *buf, size_t len, enum frontd_notify_state state,
				       const struct frontd_server *srv, uint64_t monotonic_usec);
/* Send the message for state; a failure is logged once at debug level: systemd may be restarting. */
void frontd_notify(const struct frontd_server *srv, enum frontd_notify_state state);
/* Close srv->notify_fd. */
void frontd_notify_close(struct frontd_server *srv);

#endif
