/*
 * form — application/x-www-form-urlencoded decoding (query strings and form
 * bodies), binary-safe: a value may hold NUL bytes and keeps its length.
 *
 * Lifecycle: a struct form on the stack, form_init(), then form_parse()
 * over caller-owned buffers that it decodes in place (fields point into
 * them) and form_add() for fields from elsewhere. Pure.
 */
#ifndef CHABAR_FORM_H
#define CHABAR_FORM_H

#include <stdbool.h>
#include <stddef.h>

#define FORM_FIELDS_MAX 32

struct form_field {
	const char *name;  /* NUL-terminated */
	const char *value; /* NUL-terminated, but may hold NULs: use value_len */
	size_t value_len;
};

struct form {
	struct form_field fields[FORM_FIELDS_MAX];
	size_t count;
};

void form_init(struct form *f);

/* Decodes buf[0..len) in place ('+' is a space, %XX a byte; a malformed
 * escape stays as it is) and appends its fields to f. buf must have room
 * for len + 1 bytes. Returns 0, or -1 if f would hold more than
 * FORM_FIELDS_MAX fields (the first ones are kept). Fields without '=' have
 * an empty value. */
int form_parse(struct form *f, char *buf, size_t len);

/* Appends one field whose strings outlive f. -1 if f is full. */
int form_add(struct form *f, const char *name, const char *value, size_t value_len);

/* True if value (len bytes) is a token as networks send ids and names: 1
 * to max printable ASCII bytes, no space, no control or 8-bit byte. */
bool form_token(const char *value, size_t len, size_t max);

/* The first field called name, or NULL; *len gets its length if len. */
const char *form_get(const struct form *f, const char *name, size_t *len);

/* Appends name=value (with '&' before it if out is not empty), both
 * percent-encoded, to out (size bytes, kept NUL-terminated). Returns 0, or
 * -1 if it does not fit (out is then unchanged). */
int form_append(char *out, size_t size, const char *name, const char *value, size_t value_len);

/* Decodes s[0..len) in place; returns the decoded length. */
size_t form_decode(char *s, size_t len);

#endif
