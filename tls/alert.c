/*
 * What a received alert does: see tls/alert.h for the rules per version.
 */
#include "tls/alert.h"

#include "common/error.h"

enum moat_alert_effect moat_alert_effect_tls13(uint8_t level, uint8_t description)
{
	(void)level; /* RFC 8446 §6: "the 'level' field can safely be ignored" */
	if (description == MOAT_ALERT_CLOSE_NOTIFY)
		return MOAT_ALERT_EFFECT_CLOSE;
	/* §6.1: user_canceled is followed by close_notify; it ends nothing by itself. */
	if (description == MOAT_ALERT_USER_CANCELED)
		return MOAT_ALERT_EFFECT_CONTINUE;
	return MOAT_ALERT_EFFECT_FATAL;
}

enum moat_alert_effect moat_alert_effect_tls12(uint8_t level, uint8_t description)
{
	if (description == MOAT_ALERT_CLOSE_NOTIFY)
		return MOAT_ALERT_EFFECT_CLOSE;
	return level == MOAT_ALERT_LEVEL_WARNING ? MOAT_ALERT_EFFECT_CONTINUE : MOAT_ALERT_EFFECT_FATAL;
}
