/* ussd_step — see ussd_step.h. */
#include "ussd_step.h"

#include <string.h>

#include "kannel.h"
#include "log.h"
#include "ussd.h"

/* What this step does, decided against the stored session. */
struct standing {
	const char *notice; /* a text key to end the session with, or NULL */
	bool same;          /* it continues the stored session */
	struct store_session stored;
};

/* Where the step stands: fills *input (and *start, the flow a new session
 * starts). -1 if the store failed. */
static int stand(struct daemon *d, const struct ussd_step *step, int64_t now, struct standing *st,
		 const struct flow **start, const char **input, size_t *input_len)
{
	memset(&st->stored, 0, sizeof st->stored);
	int found = store_session_get(d->store, step->msisdn, step->channel, &st->stored);
	if (found < 0)
		return -1;
	st->notice = NULL;
	st->same =
	    found == 1 && !step->begin && strcmp(st->stored.ussd_session, step->session_id) == 0;
	*start = NULL;
	*input = step->text;
	*input_len = step->len;
	if (!st->same && step->history && step->len > 0) {
		/* An aggregator's first request has no text: text for a session we
		 * do not hold is a late or lost step (of a session replaced or
		 * ended), and must not touch the one in progress. */
		st->notice = "global.ussd_lost";
		return 0;
	}
	if (found == 1 && !st->same &&
	    store_session_delete(d->store, step->msisdn, step->channel) < 0)
		return -1; /* a new network session replaces what was left */
	if (!st->same) {
		*start = flow_find_ussd(d->flows, step->service_code);
		if (!step->history)
			*input_len = 0; /* the dialled code is no answer */
		if (!*start)
			st->notice = "global.unavailable";
		return 0;
	}
	const struct store_session *s = &st->stored;
	if (s->expires_at < now || s->started_at + d->cfg->ussd_total_timeout < now)
		st->notice = FLOW_KEY_EXPIRED;
	else if (step->history && ussd_at_new_input(d->cfg->pin_key, s->ussd_text, step->text,
						    step->len, input, input_len) < 0)
		st->notice = "global.ussd_lost";
	/* the session ends with that notice: nothing of it is kept */
	if (st->notice && store_session_delete(d->store, step->msisdn, step->channel) < 0)
		return -1;
	return 0;
}

/* Renders page n of text into reply (localized "More"/"Back"); false if
 * there is no such page. */
static bool page_of(struct daemon *d, const char *lang, const char *text, size_t n, bool ended,
		    struct converse_reply *reply, size_t *pages)
{
	const char *more = locales_text(d->locales, lang, "ussd.more");
	const char *back = locales_text(d->locales, lang, "ussd.back");
	struct gsm_ussd_budget budget = GSM_USSD_DEFAULT;
	struct buf page;
	buf_init(&page, CONVERSE_REPLY_MAX);
	if (ussd_page(text, strlen(text), n, ended, more ? more : "More", back ? back : "Back",
		      &budget, &page, pages) < 0) {
		buf_cleanup(&page);
		return false;
	}
	buf_cleanup(&reply->text);
	reply->text = page;
	reply->waiting = !(ended && n + 1 == *pages);
	struct gsm_fit fit;
	reply->ucs2 = gsm_measure(page.data, page.len, &fit) < 0 || fit.coding == GSM_CODING_UCS2;
	return true;
}

/* The answer to "0" (more) or "00" (back) while a long reply is shown page
 * by page; anything else goes on to the conversation, unless it had ended
 * (then the page is shown again). True if this step is a page. */
static bool turn_page(struct daemon *d, const struct ussd_step *step, struct standing *st,
		      const char *input, size_t len, struct converse_reply *reply)
{
	struct store_session *s = &st->stored;
	if (!st->same || st->notice || !s->pages[0])
		return false;
	int64_t n = s->page;
	if (len == 1 && input[0] == '0')
		n++;
	else if (len == 2 && memcmp(input, "00", 2) == 0 && n > 0)
		n--;
	else if (!s->pages_end)
		return false; /* an answer to the conversation */
	size_t pages;
	struct converse_ctx ctx = {d->store, d->cfg, d->flows, d->locales};
	char lang[8];
	if (converse_language(&ctx, step->msisdn, lang) < 0)
		return false;
	memcpy(reply->lang, lang, sizeof lang);
	/* past the last page (or before the first): the same page again */
	if (!page_of(d, lang, s->pages, (size_t)n, s->pages_end, reply, &pages) &&
	    !page_of(d, lang, s->pages, (size_t)(n = s->page), s->pages_end, reply, &pages))
		return false;
	s->page = n;
	reply->key = "ussd.page";
	return true;
}

/* After the conversation: a reply longer than a page is shown page by
 * page, the first now. */
static void paginate(struct daemon *d, struct standing *st, struct converse_reply *reply)
{
	struct gsm_fit fit;
	struct gsm_ussd_budget budget = GSM_USSD_DEFAULT;
	struct store_session *s = &st->stored;
	s->pages[0] = '\0';
	s->page = 0;
	s->pages_end = false;
	if (!reply->text.data || (gsm_measure(reply->text.data, reply->text.len, &fit) == 0 &&
				  gsm_fits_ussd(&fit, &budget)))
		return;
	size_t pages;
	snprintf(s->pages, sizeof s->pages, "%s", reply->text.data);
	s->pages_end = !reply->waiting;
	if (!page_of(d, reply->lang, s->pages, 0, s->pages_end, reply, &pages)) {
		s->pages[0] = '\0';
		log_msg(LOG_LEVEL_ERROR, "ussd_pages", "error=\"cannot paginate\"");
	}
}

/* The session after the reply: its network id and text seen, its pages. */
static int keep(struct daemon *d, const struct ussd_step *step, struct standing *st,
		const struct converse_reply *reply, int64_t now)
{
	struct store_session *s = &st->stored;
	if (!reply->waiting)
		return store_session_delete(d->store, step->msisdn, step->channel);
	snprintf(s->ussd_session, sizeof s->ussd_session, "%s", step->session_id);
	s->ussd_text[0] = '\0';
	if (step->history) /* what was answered, as a keyed hash: it holds the PIN */
		ussd_at_seen(d->cfg->pin_key, step->text, step->len, s->ussd_text);
	s->expires_at = now + d->cfg->ussd_step_timeout;
	return store_session_pages(d->store, step->msisdn, step->channel, s, now);
}

int ussd_step_run(struct daemon *d, const struct ussd_step *step, struct converse_reply *reply)
{
	int64_t now = (int64_t)ev_now(d->loop);
	struct converse_ctx conversation = {d->store, d->cfg, d->flows, d->locales};
	struct converse_input input = {.msisdn = step->msisdn,
				       .channel = step->channel,
				       .now = now,
				       .idle = d->cfg->ussd_step_timeout};
	struct standing st;
	int rc = store_begin(d->store);
	if (rc == 0 && stand(d, step, now, &st, &input.start, &input.text, &input.len) < 0)
		rc = STORE_ERROR;
	struct store_message in = {
	    .kannel_id = step->message_id,
	    .channel = step->channel,
	    .msisdn = step->msisdn,
	    .peer = step->service_code,
	    /* only the new input: an aggregator's whole text holds every
	     * answer so far, a PIN among them */
	    .text = st.notice ? "" : input.text,
	    .text_len = st.notice ? 0 : input.len,
	    .text_is_utf8 = true,
	    .status = "received",
	    .created_at = now,
	};
	if (rc == 0)
		rc = store_add_message(d->store, &in, &input.message_id);
	bool page = rc == 0 && turn_page(d, step, &st, input.text, input.len, reply);
	if (rc == 0 && !page) {
		if ((st.notice ? converse_say(&conversation, &input, st.notice, reply)
			       : converse(&conversation, &input, reply)) < 0)
			rc = STORE_ERROR;
		if (rc == 0 && reply->secret_input)
			rc = store_message_redact(d->store, input.message_id);
		/* the whole text by SMS, before it is cut into pages */
		if (rc == 0 && reply->sms_copy)
			rc = store_outbox_add(d->store, step->msisdn,
					      reply->text.data ? reply->text.data : "",
					      reply->ucs2 ? KANNEL_CODING_UCS2 : KANNEL_CODING_7BIT,
					      "fallback", input.message_id, now);
		if (rc == 0)
			paginate(d, &st, reply);
	}
	if (rc == 0 && (reply->waiting || page))
		rc = keep(d, step, &st, reply, now);
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
