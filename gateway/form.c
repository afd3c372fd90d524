/* form — see form.h. */
#include "form.h"

#include <stdbool.h>
#include <string.h>

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t form_decode(char *s, size_t len)
{
	size_t out = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%' && i + 2 < len) {
			int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
			if (hi >= 0 && lo >= 0) {
				c = (char)(hi << 4 | lo);
				i += 2;
			}
		}
		s[out++] = c;
	}
	return out;
}

void form_init(struct form *f)
{
	f->count = 0;
}

int form_add(struct form *f, const char *name, const char *value, size_t value_len)
{
	if (f->count == FORM_FIELDS_MAX)
		return -1;
	f->fields[f->count++] = (struct form_field){name, value, value_len};
	return 0;
}

int form_parse(struct form *f, char *buf, size_t len)
{
	size_t start = 0;
	while (start < len) {
		char *field = buf + start;
		char *amp = memchr(field, '&', len - start);
		size_t field_len = amp ? (size_t)(amp - field) : len - start;
		start += field_len + 1;
		if (field_len == 0)
			continue;
		if (f->count == FORM_FIELDS_MAX)
			return -1;
		char *eq = memchr(field, '=', field_len);
		size_t name_len = eq ? (size_t)(eq - field) : field_len;
		struct form_field *out = &f->fields[f->count++];
		/* Decoding only shrinks, so the separator after each part is free
		 * to become its terminator (buf[len] for the last one). */
		name_len = form_decode(field, name_len);
		field[name_len] = '\0';
		out->name = field;
		if (eq) {
			char *value = eq + 1;
			size_t value_len = form_decode(value, field_len - (size_t)(value - field));
			value[value_len] = '\0';
			out->value = value;
			out->value_len = value_len;
		} else {
			out->value = field + name_len; /* the empty string just written */
			out->value_len = 0;
		}
	}
	return 0;
}

const char *form_get(const struct form *f, const char *name, size_t *len)
{
	for (size_t i = 0; i < f->count; i++) {
		if (strcmp(f->fields[i].name, name) == 0) {
			if (len)
				*len = f->fields[i].value_len;
			return f->fields[i].value;
		}
	}
	return NULL;
}

/* Puts c at out[*used] if a terminator still fits after it. */
static bool put(char *out, size_t size, size_t *used, char c)
{
	if (*used + 1 >= size)
		return false;
	out[(*used)++] = c;
	return true;
}

/* Percent-encodes s into out at *used; false if it does not fit. */
static bool encode(char *out, size_t size, size_t *used, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
		if (plain ? !put(out, size, used, (char)c)
			  : !put(out, size, used, '%') || !put(out, size, used, hex[c >> 4]) ||
				!put(out, size, used, hex[c & 15]))
			return false;
	}
	return true;
}

int form_append(char *out, size_t size, const char *name, const char *value, size_t value_len)
{
	size_t start = strlen(out), used = start;
	if ((start == 0 || put(out, size, &used, '&')) &&
	    encode(out, size, &used, name, strlen(name)) && put(out, size, &used, '=') &&
	    encode(out, size, &used, value, value_len)) {
		out[used] = '\0';
		return 0;
	}
	out[start] = '\0'; /* it does not fit: leave out as it was */
	return -1;
}

bool form_token(const char *value, size_t len, size_t max)
{
	if (len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)value[i] <= ' ' || (unsigned char)value[i] >= 0x7f)
			return false;
	return true;
}
