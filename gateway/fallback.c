/* fallback — see fallback.h. */
#include "fallback.h"

#include "log.h"

int fallback_queue(struct store *s, const char *msisdn, const char *text, int64_t related_id,
		   int64_t now)
{
	struct store_outbound copy = {
	    .msisdn = msisdn,
	    .text = text,
	    .kind = "fallback",
	    .related_id = related_id,
	};
	return store_outbox_add(s, &copy, now);
}

int fallback_due(struct store *s, int64_t now)
{
	struct store_owed owed;
	int rc, queued = 0;
	while ((rc = store_owed_due(s, now, &owed)) == 1) {
		log_msg(LOG_LEVEL_INFO, "fallback_queued", "reason=session_expired channel=%s",
			owed.channel);
		if (fallback_queue(s, owed.msisdn, owed.text, 0, now) < 0 ||
		    store_owed_settle(s, owed.msisdn, owed.channel) < 0)
			return STORE_ERROR;
		queued++;
	}
	return rc < 0 ? STORE_ERROR : queued;
}

int fallback_next_due(struct store *s, int64_t *at)
{
	return store_owed_next_due(s, at);
}

int fallback_recent_abort(struct store *s, const char *msisdn, const char *channel, int64_t since,
			  int64_t now)
{
	int64_t id;
	int found = store_last_confirmation(s, msisdn, channel, since, &id);
	return found <= 0 ? found : fallback_reply_failed(s, id, now);
}

int fallback_reply_failed(struct store *s, int64_t message_id, int64_t now)
{
	struct store_owed owed;
	int64_t in_reply_to;
	int rc = store_reply_failed(s, message_id, &owed, &in_reply_to);
	if (rc != 1)
		return rc;
	log_msg(LOG_LEVEL_INFO, "fallback_queued", "reason=reply_undelivered message=%lld",
		(long long)message_id);
	return fallback_queue(s, owed.msisdn, owed.text, in_reply_to, now) < 0 ? STORE_ERROR : 1;
}
