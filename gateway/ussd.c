/* ussd — see ussd.h. */
#include "ussd.h"

#include <sodium.h>
#include <string.h>

/* A required field: present and not empty. */
static const char *required(const struct form *f, const char *name, const char **missing)
{
	size_t len;
	const char *v = form_get(f, name, &len);
	if ((!v || len == 0) && !*missing)
		*missing = name;
	return v;
}

int ussd_at_parse(const struct form *f, struct ussd_at_request *req, const char **missing)
{
	*missing = NULL;
	memset(req, 0, sizeof *req);
	req->session_id = required(f, "sessionId", missing);
	req->service_code = required(f, "serviceCode", missing);
	req->phone = required(f, "phoneNumber", missing);
	req->network = form_get(f, "networkCode", NULL);
	req->text = form_get(f, "text", &req->text_len);
	if (!req->network)
		req->network = "";
	if (!req->text) {
		req->text = "";
		req->text_len = 0;
	}
	return *missing ? -1 : 0;
}

int ussd_at_new_input(const char *seen, const char *text, size_t len, const char **input,
		      size_t *input_len)
{
	size_t seen_len = seen ? strlen(seen) : 0;
	if (seen && len == seen_len && memcmp(text, seen, len) == 0)
		return USSD_REPEAT;
	if (seen_len == 0) {
		*input = text;
		*input_len = len;
		return 0;
	}
	if (len <= seen_len || memcmp(text, seen, seen_len) != 0 || text[seen_len] != '*')
		return USSD_LOST;
	*input = text + seen_len + 1;
	*input_len = len - seen_len - 1;
	return 0;
}

void ussd_at_message_id(const struct ussd_at_request *req, char out[USSD_ID_SIZE])
{
	unsigned char h[16];
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const unsigned char *)req->session_id,
				  strlen(req->session_id) + 1);
	crypto_generichash_update(&st, (const unsigned char *)req->text, req->text_len);
	crypto_generichash_final(&st, h, sizeof h);
	memcpy(out, "at:", 3);
	sodium_bin2hex(out + 3, USSD_ID_SIZE - 3, h, sizeof h);
}
