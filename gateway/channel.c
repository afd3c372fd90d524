/* channel — see channel.h. */
#include "channel.h"

#include <string.h>
#include <strings.h>

#include "log.h"

/* post-url mode: the body is the text and Kannel's headers carry the rest.
 * Query fields (from the post-url itself) come first, so they win. */
static int add_post_url_fields(struct form *f, struct http_exchange *ex, char *body,
			       size_t body_len)
{
	static const struct {
		const char *header, *field;
	} kannel_headers[] = {
	    {"X-Kannel-From", "from"},     {"X-Kannel-To", "to"},   {"X-Kannel-SMSC", "smsc"},
	    {"X-Kannel-Coding", "coding"}, {"X-Kannel-Time", "ts"}, {"X-Kannel-Meta-Data", "meta"},
	};
	if (form_add(f, "text", body, body_len) < 0)
		return -1;
	for (size_t i = 0; i < sizeof kannel_headers / sizeof kannel_headers[0]; i++) {
		const char *v = http_header_value(ex, kannel_headers[i].header);
		if (v && form_add(f, kannel_headers[i].field, v, strlen(v)) < 0)
			return -1;
	}
	return 0;
}

int channel_read_fields(struct form *f, struct http_exchange *ex)
{
	size_t len;
	char *query = http_query(ex, &len);
	form_init(f);
	if (form_parse(f, query, len) < 0)
		return -1;
	if (http_method(ex) != HTTP_POST)
		return 0;
	char *body = http_body(ex, &len);
	if (!body)
		return -1;
	const char *type = http_header_value(ex, "Content-Type");
	static const char form_type[] = "application/x-www-form-urlencoded";
	if (type && strncasecmp(type, form_type, sizeof form_type - 1) == 0)
		return form_parse(f, body, len);
	return add_post_url_fields(f, ex, body, len);
}

bool channel_settled(struct daemon *d, struct http_exchange *ex, int rc,
		     const struct inbound_outcome *out)
{
	http_log_field(ex, "from=%s", out->from[0] ? out->from : "-");
	if (rc < 0) {
		d->metrics.store_errors++;
		http_log_field(ex, "reason=store_error");
		http_reply_text(ex, 503, "temporarily unavailable\n");
		return false;
	}
	if (out->repeat)
		http_log_field(ex, "repeat=1");
	else
		http_log_field(ex, "key=%s", out->key ? out->key : "-");
	channel_count(d, out);
	return true;
}

void channel_count(struct daemon *d, const struct inbound_outcome *out)
{
	if (out->repeat)
		d->metrics.inbound_repeats++;
	else
		d->metrics.inbound++;
	d->metrics.replies++;
}
