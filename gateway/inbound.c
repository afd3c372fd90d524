/* inbound — see inbound.h. */
#include "inbound.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "daemon.h"
#include "fallback.h"
#include "kannel.h"
#include "log.h"
#include "pin.h"
#include "tip.h"
#include "ussd.h"
#include "utf.h"

/* Where a USSD step stands against the stored session. */
struct standing {
	const char *notice; /* a text key to end the session with, or NULL */
	bool same;          /* it continues the stored session */
	bool late;          /* past the step's timeout */
	bool drop;          /* the stored session is over (replaced, or ended by the notice) */
	struct store_session stored;
};

/* The session id as the store keeps it: as sent if it fits, else a hash
 * of it (an id cut short could be another session's). */
static void session_key(const char *id, char out[sizeof((struct store_session *)0)->ussd_session])
{
	size_t size = sizeof((struct store_session *)0)->ussd_session;
	if (strlen(id) < size) {
		memcpy(out, id, strlen(id) + 1);
		return;
	}
	unsigned char h[16];
	crypto_generichash(h, sizeof h, (const unsigned char *)id, strlen(id), NULL, 0);
	memcpy(out, "h:", 2);
	sodium_bin2hex(out + 2, size - 2, h, sizeof h);
}

/* Where a USSD step stands against the session loaded (found: there is
 * one): fills *input (and *start, the flow a new session starts). Writes
 * nothing: a repeat must change nothing. */
static void stand(struct daemon *d, const struct inbound *in, bool found, int64_t now,
		  struct standing *st, const struct flow **start, const char **input,
		  size_t *input_len)
{
	char session[sizeof st->stored.ussd_session];
	session_key(in->session_id, session);
	st->notice = NULL;
	st->same = found && !in->begin && strcmp(st->stored.ussd_session, session) == 0;
	*start = NULL;
	if (!st->same && in->history && in->len > 0) {
		/* An aggregator's first request has no text: text for a session we
		 * do not hold is a late or lost step (of a session replaced or
		 * ended), and must not touch the one in progress. */
		st->notice = FLOW_KEY_USSD_LOST;
		return;
	}
	st->drop = found && !st->same; /* a new network session replaces what was left */
	if (!st->same) {
		*start = flow_find_ussd(d->flows, in->service_code);
		if (!in->history)
			*input_len = 0; /* the dialled code is no answer */
		if (!*start)
			st->notice = FLOW_KEY_UNAVAILABLE;
		return;
	}
	const struct store_session *s = &st->stored;
	/* An answer after the step's timeout goes to the conversation, which
	 * follows the node's timeout edge (or says the time ran out); a
	 * session too long, or with nothing but pages left, just ends. */
	st->late = s->expires_at < now;
	if (s->started_at + d->cfg->ussd_total_timeout < now || (st->late && !s->flow[0]))
		st->notice = FLOW_KEY_EXPIRED;
	else if (in->history && ussd_at_new_input(d->cfg->keys.ussd_seen, s->ussd_text, in->text,
						  in->len, input, input_len) < 0)
		st->notice = FLOW_KEY_USSD_LOST;
	st->drop = st->notice != NULL; /* it ends with that notice: nothing of it is kept */
}

/* Renders page n of text into reply (localized "More"/"Back"); false if
 * there is no such page. */
static bool page_of(struct daemon *d, const char *lang, const char *text, size_t n, bool ended,
		    struct converse_reply *reply, size_t *pages)
{
	const char *more = locales_text(d->locales, lang, FLOW_KEY_USSD_MORE);
	const char *back = locales_text(d->locales, lang, FLOW_KEY_USSD_BACK);
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
	reply->ucs2 = gsm_needs_ucs2(page.data, page.len);
	return true;
}

/* The answer to "0" (more) or "00" (back) while a long reply is shown page
 * by page; anything else goes on to the conversation, unless it had ended
 * (then the page is shown again). True if this step is a page. */
static bool turn_page(struct daemon *d, const struct inbound *in, struct standing *st,
		      const char *input, size_t len, struct converse_reply *reply)
{
	struct store_session *s = &st->stored;
	if (!st->same || st->notice || st->late || !s->pages[0])
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
	if (converse_language(&ctx, in->msisdn, lang) < 0)
		return false;
	memcpy(reply->lang, lang, sizeof lang);
	/* past the last page (or before the first): the same page again */
	if (!page_of(d, lang, s->pages, (size_t)n, s->pages_end, reply, &pages) &&
	    !page_of(d, lang, s->pages, (size_t)(n = s->page), s->pages_end, reply, &pages))
		return false;
	s->page = n;
	reply->key = "ussd.page";
	reply->confirm = s->confirm;
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
	s->confirm = false;
	if (!reply->text.data || (gsm_measure(reply->text.data, reply->text.len, &fit) == 0 &&
				  gsm_fits_ussd(&fit, &budget)))
		return;
	size_t pages;
	snprintf(s->pages, sizeof s->pages, "%s", reply->text.data);
	s->pages_end = !reply->waiting;
	s->confirm = reply->confirm && s->pages_end; /* owed until its last page shows */
	if (!page_of(d, reply->lang, s->pages, 0, s->pages_end, reply, &pages)) {
		s->pages[0] = '\0';
		s->confirm = false;
		log_msg(LOG_LEVEL_ERROR, "ussd_pages", "error=\"cannot paginate\"");
	}
}

/* The session after the message, written once: saved if something waits
 * for the person's next message (a question, a page), else deleted if
 * there is a row. Over USSD with its network id, the text it has seen, and
 * for a session holding only pages the network's step timeout (a flow's
 * expiry is its arm_timer's). */
static int save(struct daemon *d, const struct inbound *in, struct store_session *s, bool row,
		const struct converse_reply *reply, int64_t now)
{
	if (!reply->waiting)
		return row ? store_session_delete(d->store, in->msisdn, in->channel) : 0;
	if (in->session_id) {
		session_key(in->session_id, s->ussd_session);
		s->ussd_text[0] = '\0';
		if (in->history) /* what was answered, as a keyed hash: it holds the PIN */
			ussd_at_seen(d->cfg->keys.ussd_seen, in->text, in->len, s->ussd_text);
		if (!s->flow[0]) /* pages only: a flow's expiry is its timer's */
			s->expires_at = now + d->cfg->ussd_step_timeout;
	}
	return store_session_save(d->store, in->msisdn, in->channel, s, now);
}

/* The message as it may be kept: a PIN typed at the PIN prompt is "****";
 * in a flow that asks for a PIN, every PIN-long run of digits is masked
 * ("CHECKIN 4711"). Either way the row never commits as typed. */
static int redact(struct daemon *d, int64_t id, const char *text, size_t len, bool is_text,
		  const struct converse_reply *reply)
{
	if (reply->secret_input)
		return store_message_redact(d->store, id, "****", 4, true);
	if (!reply->pin_context || len == 0)
		return 0;
	char *masked = malloc(len);
	if (!masked) /* it cannot be masked: it is not kept */
		return store_message_redact(d->store, id, "****", 4, true);
	memcpy(masked, text, len); /* as stored: text, or bytes kept as a BLOB */
	int rc =
	    pin_mask(masked, len) ? store_message_redact(d->store, id, masked, len, is_text) : 0;
	free(masked);
	return rc;
}

/* A message answered before: the reply stored then, sent again. */
static int repeat(struct daemon *d, const struct inbound *in, struct inbound_outcome *out)
{
	struct store_reply earlier;
	int found = store_find_reply(d->store, in->channel, in->msisdn, in->network_id, &earlier);
	if (found != 1)
		return STORE_ERROR; /* a unique key other than the network id */
	buf_append(&out->text, earlier.text, earlier.len);
	out->ucs2 = earlier.coding == KANNEL_CODING_UCS2;
	out->waiting = strcmp(earlier.meta, "CON") == 0;
	out->repeat = true;
	out->key = "repeat";
	out->confirm_id = earlier.confirmation ? earlier.id : 0; /* asked for again */
	return 0;
}

/* Where the session of msisdn on in's channel stands. 0 or STORE_ERROR. */
static int standing(struct daemon *d, const struct inbound *in, const char *msisdn, int64_t now,
		    struct store_session *s, struct converse_standing *out)
{
	int found = store_session_get(d->store, msisdn, in->channel, s);
	if (found < 0)
		return STORE_ERROR;
	out->found = found == 1;
	out->live = out->found && (s->flow[0] || s->pages[0]) && s->expires_at >= now;
	out->updated_at = out->found ? s->updated_at : 0;
	return 0;
}

/* Whether in's sender is hidden (tip.h), decided before anything is
 * written: 1, 0, or STORE_ERROR. Reads only. */
static int decide(struct daemon *d, const struct inbound *in, const char *alias, int64_t now)
{
	struct converse_ctx c = {d->store, d->cfg, d->flows, d->locales};
	struct store_session s;
	struct converse_standing hidden, number;
	if (standing(d, in, alias, now, &s, &hidden) < 0)
		return STORE_ERROR;
	if (in->session_id) {
		/* USSD: the code's flow decides every step of its sessions; a
		 * step with no code chabar knows (an SMSC's short number) goes
		 * on with the alias's session if it is that one and live */
		const struct flow *f = flow_find_ussd(d->flows, in->service_code);
		char key[sizeof s.ussd_session];
		session_key(in->session_id, key);
		return f ? f->hidden : hidden.live && strcmp(s.ussd_session, key) == 0;
	}
	struct store_session mine;
	number = (struct converse_standing){0};
	if (hidden.found && standing(d, in, in->msisdn, now, &mine, &number) < 0)
		return STORE_ERROR;
	return converse_hides_sender(&c, NULL, in->text_is_utf8 ? in->text : NULL, in->len, &hidden,
				     &number);
}

/* Whether the sender of in is hidden, with their alias: 1, 0, or
 * STORE_ERROR. A retry goes where the message was first kept, whatever
 * has changed since (the conversation it ended, a reload of the flows). */
static int hide(struct daemon *d, const struct inbound *in, int64_t now, char alias[MSISDN_SIZE])
{
	tip_alias(d->cfg->keys.tipster, in->msisdn, alias);
	int hidden = d->flows->any_hidden ? decide(d, in, alias, now) : 0;
	if (hidden < 0 || !in->network_id)
		return hidden;
	struct store_reply earlier;
	int kept = store_find_reply(d->store, in->channel, hidden ? in->msisdn : alias,
				    in->network_id, &earlier);
	return kept < 0 ? STORE_ERROR : kept == 1 ? !hidden : hidden;
}

/* The rows of the exchange and the conversation between them; reporter:
 * a hidden sender's number, in being under their alias. */
static int exchange(struct daemon *d, const struct inbound *in, const char *reporter, int64_t now,
		    struct converse_reply *reply, int64_t *confirm_id)
{
	bool ussd = in->session_id != NULL;
	struct converse_ctx conversation = {d->store, d->cfg, d->flows, d->locales};
	struct converse_input input = {
	    .msisdn = in->msisdn,
	    .reporter = reporter,
	    .channel = in->channel,
	    .ussd = ussd,
	    .now = now,
	    .idle = ussd ? d->cfg->ussd_step_timeout : d->cfg->session_idle,
	};
	/* What this message says: over USSD only the new input (an
	 * aggregator's whole text holds every answer so far, a PIN among
	 * them), nothing if the step ends the session with a notice. */
	const char *text = in->abort ? "" : in->text;
	size_t len = in->abort ? 0 : in->len;
	struct standing st = {0}; /* the session, read once */
	int found = store_session_get(d->store, in->msisdn, in->channel, &st.stored);
	if (found < 0)
		return STORE_ERROR;
	if (ussd && !in->abort)
		stand(d, in, found == 1, now, &st, &input.start, &text, &len);
	if (st.notice) {
		text = "";
		len = 0;
	}
	bool is_text = ussd ? utf8_valid(text, len) : in->text_is_utf8;
	input.text = is_text ? text : NULL; /* bytes that are not text match nothing */
	input.len = is_text ? len : 0;
	struct store_message mo = {
	    .network_id = in->network_id,
	    .channel = in->channel,
	    .msisdn = in->msisdn,
	    .peer = in->peer,
	    .text = text,
	    .text_len = len,
	    .text_is_utf8 = is_text,
	    .coding = in->coding,
	    .smsc = in->smsc,
	    .meta = reporter ? NULL : in->meta, /* an SMSC's TLVs may name the subscriber */
	    .sent_at = in->sent_at,
	    .status = in->abort ? "aborted" : "received",
	    .created_at = now,
	};
	int rc = store_add_message(d->store, &mo, &input.message_id);
	if (rc < 0)
		return rc; /* STORE_DUPLICATE before anything was changed */
	bool drop = found == 1 && (in->abort || st.drop);
	/* a session that ends before the last page of its confirmation showed
	 * (the network's abort, a new session, too late) owes it by SMS */
	if (drop && st.stored.confirm &&
	    fallback_queue(d->store, in->msisdn, st.stored.pages, input.message_id, now) < 0)
		return STORE_ERROR;
	if (drop && store_session_delete(d->store, in->msisdn, in->channel) < 0)
		return STORE_ERROR;
	/* an abort for a session that had just ended on a confirmation: the
	 * network may not have shown it (its failure report may never come) */
	if (in->abort && found != 1 &&
	    fallback_recent_abort(d->store, in->msisdn, in->channel,
				  now - (int64_t)d->cfg->ussd_step_timeout, now) < 0)
		return STORE_ERROR;
	if (in->abort) /* the network ended the session: an empty answer ends it */
		return 0;
	if (drop) /* what follows starts afresh */
		memset(&st.stored, 0, sizeof st.stored);
	input.session = &st.stored;
	bool page = ussd && turn_page(d, in, &st, text, len, reply);
	if (page) /* the person is there: another step's time to answer */
		st.stored.expires_at = now + d->cfg->ussd_step_timeout;
	if (!page) {
		if ((st.notice ? converse_say(&conversation, &input, st.notice, reply)
			       : converse(&conversation, &input, reply)) < 0 ||
		    redact(d, input.message_id, text, len, is_text, reply) < 0)
			return STORE_ERROR;
		if (ussd)
			paginate(d, &st, reply);
	}
	/* a notice ends no conversation but the one it dropped: a lost step
	 * leaves the session in progress alone */
	if (!st.notice && save(d, in, &st.stored, found == 1 && !drop, reply, now) < 0)
		return STORE_ERROR;
	struct store_message answer = {
	    .outbound = true,
	    .channel = in->channel,
	    .msisdn = in->msisdn,
	    .peer = in->peer,
	    .text = reply->text.data ? reply->text.data : "",
	    .text_len = reply->text.len,
	    .text_is_utf8 = true,
	    .coding = reply->ucs2 ? KANNEL_CODING_UCS2 : KANNEL_CODING_7BIT,
	    .smsc = ussd ? NULL : in->smsc,
	    .meta = ussd ? (reply->waiting ? "CON" : "END") : NULL,
	    /* a confirmation's last page: the network may still drop it */
	    .status = ussd && reply->confirm && !reply->waiting ? "confirmation" : "replied",
	    .in_reply_to = input.message_id,
	    .created_at = now,
	};
	/* only the MO's own insert may say STORE_DUPLICATE (a repeat) */
	int64_t answer_id;
	bool confirmation = strcmp(answer.status, "confirmation") == 0;
	if (store_add_message(d->store, &answer, confirmation ? &answer_id : NULL) < 0)
		return STORE_ERROR;
	if (confirmation)
		*confirm_id = answer_id;
	return 0;
}

void inbound_prefetch(struct daemon *d, const struct inbound *in)
{
	char alias[MSISDN_SIZE];
	tip_alias(d->cfg->keys.tipster, in->msisdn, alias);
	store_prefetch_sender(d->store, in->msisdn, alias, d->flows->any_hidden, in->channel,
			      in->network_id);
}

int inbound_apply(struct daemon *d, const struct inbound *in, struct inbound_outcome *out)
{
	int64_t now = (int64_t)clock_now(d->loop);
	char alias[MSISDN_SIZE];
	int hidden = hide(d, in, now, alias);
	if (hidden < 0)
		return STORE_ERROR;
	struct inbound stored = *in; /* as it is kept: a hidden sender is their alias */
	if (hidden) {
		stored.msisdn = alias;
		snprintf(out->from, sizeof out->from, "hidden");
	} else {
		log_mask_msisdn(in->msisdn, out->from);
	}
	if (log_enabled(LOG_LEVEL_DEBUG))
		log_msg(LOG_LEVEL_DEBUG, "mo_text", "from=%s text=\"%.*s\"",
			hidden ? "hidden" : in->msisdn, (int)(in->len > 160 ? 160 : in->len),
			in->text ? in->text : "");
	struct converse_reply reply = {0};
	buf_init(&reply.text, CONVERSE_REPLY_MAX);
	int rc = exchange(d, &stored, hidden ? in->msisdn : NULL, now, &reply, &out->confirm_id);
	if (rc == STORE_DUPLICATE && in->network_id) {
		rc = repeat(d, &stored, out);
	} else if (rc == 0) {
		buf_append(&out->text, reply.text.data ? reply.text.data : "", reply.text.len);
		out->ucs2 = reply.ucs2;
		out->waiting = reply.waiting;
		out->key = reply.key ? reply.key : "-";
	}
	buf_cleanup(&reply.text);
	return rc < 0 ? STORE_ERROR : 0;
}
