/* notice — see notice.h. */
#include "notice.h"

#include "buf.h"
#include "log.h"
#include "translit.h"

#define NOTICE_TEXT_MAX 1024

int notice_queue(struct store *s, const struct locales *l, const struct cfg *cfg,
		 const struct notice *n, int64_t now)
{
	const char *lang = locales_has_language(l, n->lang) ? n->lang : cfg_default_language(cfg);
	struct buf text;
	buf_init(&text, NOTICE_TEXT_MAX);
	int rc = locales_render(l, lang, n->key, n->vars, n->var_count, &text);
	translit_if_asked(n->latin, lang, &text, NOTICE_TEXT_MAX);
	if (rc < 0 || text.overflowed || !text.data) {
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
	};
	rc = store_outbox_add(s, &out, now) < 0 ? STORE_ERROR : 0;
	buf_cleanup(&text);
	return rc;
}
