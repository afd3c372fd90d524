/* notice — see notice.h. */
#include "notice.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gsm.h"
#include "log.h"
#include "translit.h"
#include "utf.h"

#define NOTICE_TEXT_MAX 2048
#define CUT_MARK        "..."
#define WORD_BACK       24 /* characters a cut may step back to end on a word */

static int render(const struct locales *l, const char *lang, const struct notice *n,
		  const struct locale_var *vars, struct buf *text)
{
	buf_cleanup(text);
	buf_init(text, NOTICE_TEXT_MAX);
	int rc = locales_render(l, lang, n->key, vars, n->var_count, text);
	translit_if_asked(n->latin, lang, text, NOTICE_TEXT_MAX);
	return rc < 0 || text->overflowed || !text->data ? -1 : 0;
}

/* Cuts value (len bytes of UTF-8) by at least drop characters, at a word
 * end if one is near, and marks the cut. */
static void cut(char *value, size_t *len, size_t drop)
{
	size_t end = *len;
	while (end > 0 && drop > 0) {
		end--;
		if (((unsigned char)value[end] & 0xc0) != 0x80)
			drop--;
	}
	for (size_t back = 0, at = end; at > 0 && back < WORD_BACK; at--, back++)
		if (value[at - 1] == ' ') {
			end = at - 1;
			break;
		}
	*len = end;
	snprintf(value + end, sizeof CUT_MARK, "%s", end ? CUT_MARK : "");
	*len += end ? strlen(CUT_MARK) : 0;
}

/* Renders n, cutting vars[n->fit] until the text fits n->fit_segments. */
static int render_fitted(const struct locales *l, const char *lang, const struct notice *n,
			 struct buf *text)
{
	if (!n->fit_segments)
		return render(l, lang, n, n->vars, text);
	struct locale_var vars[16];
	size_t count = n->var_count < 16 ? n->var_count : 16;
	memcpy(vars, n->vars, count * sizeof *vars);
	size_t len = strlen(vars[n->fit].value);
	char *value = malloc(len + sizeof CUT_MARK);
	if (!value)
		return -1;
	memcpy(value, vars[n->fit].value, len + 1);
	vars[n->fit].value = value;
	/* never more than the parts could hold: the render stays in bounds */
	size_t keep = utf8_prefix(value, len, n->fit_segments * GSM_GSM7_PART, len);
	if (keep < len) {
		len = keep;
		cut(value, &len, 0);
	}
	struct gsm_fit fit;
	int rc;
	while ((rc = render(l, lang, n, vars, text)) == 0 &&
	       gsm_measure(text->data, text->len, &fit) == 0 && fit.segments > n->fit_segments &&
	       len > 0) {
		size_t per_part = fit.coding == GSM_CODING_UCS2 ? GSM_UCS2_PART : GSM_GSM7_PART;
		size_t over = fit.units - per_part * n->fit_segments;
		cut(value, &len, over + strlen(CUT_MARK));
	}
	free(value);
	return rc;
}

int notice_queue(struct store *s, const struct locales *l, const struct cfg *cfg,
		 const struct notice *n, int64_t now)
{
	const char *lang = locales_has_language(l, n->lang) ? n->lang : cfg_default_language(cfg);
	struct buf text;
	buf_init(&text, NOTICE_TEXT_MAX);
	int rc = render_fitted(l, lang, n, &text);
	if (rc < 0) {
		log_msg(LOG_LEVEL_ERROR, "notice_unsaid", "key=%s lang=%s", n->key, lang);
		buf_cleanup(&text);
		return 1;
	}
	struct store_outbound out = {
	    .msisdn = n->msisdn,
	    .text = text.data,
	    .kind = n->kind,
	    .related_id = n->related_id,
	    .officer_id = n->officer_id,
	    .text_key = n->officer_id ? n->key : NULL,
	    .chain_id = n->chain_id,
	    .text_vars = n->text_vars,
	    .sealed = n->sealed,
	};
	rc = store_outbox_add(s, &out, now) < 0 ? STORE_ERROR : 0;
	buf_cleanup(&text);
	return rc;
}
