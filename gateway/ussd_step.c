/* ussd_step — see ussd_step.h. */
#include "ussd_step.h"

#include <string.h>

#include "kannel.h"
#include "ussd.h"

/* Where the step stands against the stored session: NULL to go on with
 * *input (and *start, the flow a new session starts), a text key to end the
 * session with, or "" if the store failed. */
static const char *standing(struct daemon *d, const struct ussd_step *step, int64_t now,
			    const struct flow **start, const char **input, size_t *input_len)
{
	struct store_session stored;
	int found = store_session_get(d->store, step->msisdn, step->channel, &stored);
	if (found < 0)
		return "";
	bool same =
	    found == 1 && !step->begin && strcmp(stored.ussd_session, step->session_id) == 0;
	if (found == 1 && !same && store_session_delete(d->store, step->msisdn, step->channel) < 0)
		return ""; /* a new network session replaces what was left */
	*start = NULL;
	*input = step->text;
	*input_len = step->len;
	if (!same) {
		*start = flow_find_ussd(d->flows, step->service_code);
		if (!step->history)
			*input_len = 0; /* the dialled code is no answer */
		return *start ? NULL : "global.unavailable";
	}
	const char *end = NULL;
	if (stored.expires_at < now || stored.started_at + d->cfg->ussd_total_timeout < now)
		end = FLOW_KEY_EXPIRED;
	else if (step->history &&
		 ussd_at_new_input(stored.ussd_text, step->text, step->len, input, input_len) < 0)
		end = "global.ussd_lost";
	/* the session ends with that notice: nothing of it is kept */
	if (end && store_session_delete(d->store, step->msisdn, step->channel) < 0)
		return "";
	return end;
}

int ussd_step_run(struct daemon *d, const struct ussd_step *step, struct converse_reply *reply)
{
	int64_t now = (int64_t)ev_now(d->loop);
	struct converse_ctx conversation = {d->store, d->cfg, d->flows, d->locales};
	struct converse_input input = {.msisdn = step->msisdn,
				       .channel = step->channel,
				       .now = now,
				       .idle = d->cfg->ussd_step_timeout};
	int rc = store_begin(d->store);
	const char *notice =
	    rc == 0 ? standing(d, step, now, &input.start, &input.text, &input.len) : NULL;
	if (notice && !*notice)
		rc = STORE_ERROR;
	struct store_message in = {
	    .kannel_id = step->message_id,
	    .channel = step->channel,
	    .msisdn = step->msisdn,
	    .peer = step->service_code,
	    .text = notice ? step->text : input.text,
	    .text_len = notice ? step->len : input.len,
	    .text_is_utf8 = true,
	    .status = "received",
	    .created_at = now,
	};
	if (rc == 0)
		rc = store_add_message(d->store, &in, &input.message_id);
	if (rc == 0 && (notice ? converse_say(&conversation, &input, notice, reply)
			       : converse(&conversation, &input, reply)) < 0)
		rc = STORE_ERROR;
	if (rc == 0 && reply->sms_copy)
		rc = store_outbox_add(d->store, step->msisdn,
				      reply->text.data ? reply->text.data : "",
				      reply->ucs2 ? KANNEL_CODING_UCS2 : KANNEL_CODING_7BIT,
				      "fallback", input.message_id, now);
	if (rc == 0 && reply->waiting)
		rc = store_session_ussd(d->store, step->msisdn, step->channel, step->session_id,
					step->history ? step->text : "");
	if (rc == 0) {
		struct store_message out = {
		    .outbound = true,
		    .channel = step->channel,
		    .msisdn = step->msisdn,
		    .peer = step->service_code,
		    .text = reply->text.data ? reply->text.data : "",
		    .text_len = reply->text.len,
		    .text_is_utf8 = true,
		    .coding = reply->ucs2 ? KANNEL_CODING_UCS2 : KANNEL_CODING_7BIT,
		    .meta = reply->waiting ? "CON" : "END",
		    .status = "replied",
		    .in_reply_to = input.message_id,
		    .created_at = now,
		};
		rc = store_add_message(d->store, &out, NULL);
	}
	return daemon_commit(d, rc);
}
