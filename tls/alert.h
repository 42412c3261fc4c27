/*
 * Alerts: levels, and what a received alert does to the connection.
 *
 * Alerts are written through the record layer (moat_record_write_alert)
 * with their level. On receipt the meaning depends on the version:
 *
 *  - TLS 1.3 (RFC 8446 §6): "the severity is implicit in the type of alert
 *    being sent, and the 'level' field can safely be ignored".
 *    close_notify closes the peer's direction, user_canceled precedes a
 *    close_notify and ends nothing by itself (§6.1), and every other
 *    alert, whatever its level, is an error alert that ends the connection
 *    (§6.2).
 *  - TLS 1.2 (RFC 5246 §7.2) is where the level matters: "If an alert with
 *    a level of warning is sent and received, generally the connection can
 *    continue normally" — no_renegotiation (§7.2.2) is such a warning.
 *    close_notify still closes, any other warning lets the connection go
 *    on, and a fatal alert ends it (§7.2.2: "the connection MUST be
 *    terminated immediately").
 * The caller picks the function by the negotiated version; before one is
 * negotiated the 1.3 rule (every alert but close_notify and user_canceled
 * ends the handshake) is the stricter and applies.
 */
#ifndef MOAT_TLS_ALERT_H
#define MOAT_TLS_ALERT_H

#include <stdint.h>

/* AlertLevel (RFC 5246 §7.2; RFC 8446 §6 keeps it on the wire). */
#define MOAT_ALERT_LEVEL_WARNING 1
#define MOAT_ALERT_LEVEL_FATAL 2

enum moat_alert_effect {
	MOAT_ALERT_EFFECT_CLOSE,    /* orderly closure of the peer's direction */
	MOAT_ALERT_EFFECT_CONTINUE, /* the connection goes on */
	MOAT_ALERT_EFFECT_FATAL,    /* the connection ends; no alert is sent in reply (RFC 8446 §6.2) */
};

/* RFC 8446 §6: level ignored. */
enum moat_alert_effect moat_alert_effect_tls13(uint8_t level, uint8_t description);
/* RFC 5246 §7.2: the level decides. */
enum moat_alert_effect moat_alert_effect_tls12(uint8_t level, uint8_t description);

#endif
