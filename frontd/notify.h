/*
 * What moat-frontd tells systemd (sd_notify(3), common/sd_notify.h) when a
 * unit with Type=notify started it. The master is the unit's main process
 * (NotifyAccess=main), so the master says it (master.c's event hooks):
 * READY=1 once the first generation serves, RELOADING=1 when a reload
 * begins and READY=1 again when it is done or refused, STOPPING=1 when it
 * stops; each with a STATUS= line for `systemctl status`. Without
 * NOTIFY_SOCKET every call does nothing.
 */
#ifndef MOAT_FRONTD_NOTIFY_H
#define MOAT_FRONTD_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

enum frontd_notify_state {
	FRONTD_NOTIFY_READY,     /* serving: at startup, and when a reload is done or refused */
	FRONTD_NOTIFY_RELOADING, /* a reload begins (SIGHUP) */
	FRONTD_NOTIFY_STOPPING,  /* no longer accepting */
};

/* What STATUS= says of a generation that serves. */
struct frontd_notify_status {
	unsigned generation;
	size_t sites;
	size_t listeners;
	unsigned workers; /* processes of the generation (moat-frontd.conf(5), workers) */
};

/* Connect to NOTIFY_SOCKET, if set, into *fd (else -1). */
MOAT_MUST_USE int frontd_notify_open(int *fd);
/*
 * The message for state, in buf: the assignment, then STATUS=. RELOADING=1
 * carries MONOTONIC_USEC= (monotonic_usec, CLOCK_MONOTONIC in microseconds),
 * which Type=notify-reload requires to tell this reload from an earlier one.
 */
MOAT_MUST_USE int frontd_notify_format(char *buf, size_t len, enum frontd_notify_state state,
				       const struct frontd_notify_status *st, uint64_t monotonic_usec);
/* Send the message for state on fd (-1: nothing); a failure is logged at debug level: systemd may be restarting. */
void frontd_notify(int fd, enum frontd_notify_state state, const struct frontd_notify_status *st);
/* Close *fd and set it to -1. */
void frontd_notify_close(int *fd);

#endif
