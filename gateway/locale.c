/* locale — see locale.h. libgettextpo parses each catalog; this file checks
 * what it returns and keeps every text in one sorted array per language.
 * After a load every catalog holds the same keys, so entry i is the same key
 * in every language. */
#include "locale.h"

#include <errno.h>
#include <fcntl.h>
#include <gettext-po.h>
#include <limits.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "utf.h"

#define KEY_MAX 64 /* bytes in a key such as "checkin.ask_pin" */

static const char *const lang_codes[] = {
#define LANG_CODE(code, own_name) #code,
    LOCALE_LANGUAGES(LANG_CODE)
#undef LANG_CODE
};
static const char *const lang_names[] = {
#define LANG_NAME(code, own_name) own_name,
    LOCALE_LANGUAGES(LANG_NAME)
#undef LANG_NAME
};
#define LANG_COUNT (sizeof lang_codes / sizeof lang_codes[0])

static const struct locale_var placeholders[] = {
#define PLACEHOLDER(pname, worst) {#pname, worst},
    LOCALE_PLACEHOLDERS(PLACEHOLDER)
#undef PLACEHOLDER
};
#define PLACEHOLDER_COUNT (sizeof placeholders / sizeof placeholders[0])
_Static_assert(PLACEHOLDER_COUNT <= 32, "a text's placeholders are a 32-bit set");

/* " {tries} {minutes} …", for diagnostics. */
static const char known_placeholders[] =
#define PLACEHOLDER_NAME(pname, worst) " {" #pname "}"
    LOCALE_PLACEHOLDERS(PLACEHOLDER_NAME)
#undef PLACEHOLDER_NAME
    ;

struct entry {
	char *key;
	char *text;
	int line;              /* of its msgid, 0 if not found */
	uint32_t placeholders; /* bit i: placeholders[i] appears in the text */
	unsigned budget;       /* SMS parts from a "#. budget: N" comment, 0: none */
	bool fuzzy;
	bool bad; /* reported already: not compared with en.po */
};

struct catalog {
	char *path;
	struct entry *entries; /* sorted by key */
	size_t count, cap;
	size_t fuzzy;
	bool parsed; /* libgettextpo read it: its keys can be compared */
};

struct locales {
	int refs;
	size_t fuzzy;
	struct catalog cat[LANG_COUNT]; /* in lang_codes order */
};

/* One catalog being read. */
struct parse {
	struct diag *diag;
	const char *path;
	const char *lang; /* what its Language: header must say, or NULL */
	const char *text; /* the file as read, for line numbers */
	size_t len;
	struct catalog *cat;
};

/* libgettextpo's error handlers take no user pointer, so the one parse in
 * progress is here, set and cleared around po_file_read(); a fatal error must
 * not return to the library, so it jumps back to read_po(). */
static struct parse *parsing;
static jmp_buf parse_abort;

#if defined(__SANITIZE_ADDRESS__)
#define LOCALE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LOCALE_LSAN 1
#endif
#endif
#ifdef LOCALE_LSAN
/* Sanitizer builds only. libgettextpo 0.21 (Debian 12) never frees its copy
 * of the name of each file it reads (lex_start), nor the strings of a msgctxt,
 * a domain directive or a few entries it drops after a syntax error: not ours
 * to free. LeakSanitizer's default fast unwinder stops inside the library (it
 * has no frame pointers), so no narrower pattern matches: every block the
 * library allocates is exempt. With ASAN_OPTIONS=fast_unwind_on_malloc=0 and
 * only lex_start, string_list_append and po_gram_lex exempt, the unit test
 * and the fuzz corpus show no other leak. LeakSanitizer reads this at exit,
 * in every program that links this file. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libgettextpo\n";
}

/* Its table of suppressions used, printed at exit, would land among the
 * daemon's log lines (stderr), which must all be its own. */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}
#endif

static int lang_index(const char *lang)
{
	if (!lang)
		return -1;
	for (size_t i = 0; i < LANG_COUNT; i++)
		if (strcmp(lang, lang_codes[i]) == 0)
			return (int)i;
	return -1;
}

/* s made fit for a diagnostic line in out (size >= 8): at most size - 4
 * bytes of it, control bytes (and every byte of broken UTF-8) as '?'. */
static const char *shown(const char *s, char *out, size_t size)
{
	size_t len = strlen(s), cut = len;
	bool valid = utf8_valid(s, len);
	if (cut > size - 4) {
		cut = size - 4;
		while (valid && cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
	}
	for (size_t i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)s[i];
		out[i] = c < 0x20 || c == 0x7f || (c >= 0x80 && !valid) ? '?' : (char)c;
	}
	if (cut < len) {
		memcpy(out + cut, "...", 3);
		cut += 3;
	}
	out[cut] = '\0';
	return out;
}

/* The line of the msgid "key" line in the file, 0 if there is none (a msgid
 * split over several lines, or one with escapes). */
static int find_line(const struct parse *p, const char *key)
{
	size_t key_len = strlen(key);
	const char *s = p->text, *end = p->text + p->len;
	for (int line = 1; s < end; line++) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end;
		const char *c = s;
		while (c < e && (*c == ' ' || *c == '\t'))
			c++;
		if (e - c > 5 && memcmp(c, "msgid", 5) == 0 && (c[5] == ' ' || c[5] == '\t')) {
			c += 5;
			while (c < e && (*c == ' ' || *c == '\t'))
				c++;
			if (c < e && *c == '"' && (size_t)(e - c - 1) > key_len &&
			    memcmp(c + 1, key, key_len) == 0 && c[1 + key_len] == '"')
				return line;
		}
		if (!nl)
			break;
		s = nl + 1;
	}
	return 0;
}

/* A libgettextpo message on one line: newlines and control bytes as spaces. */
static void flatten(const char *text, char *out, size_t size)
{
	size_t n = 0;
	for (const char *s = text ? text : "error"; *s && n + 1 < size; s++)
		out[n++] = (unsigned char)*s < 0x20 ? ' ' : *s;
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

static int where(const struct parse *p, po_message_t message, const char *file, size_t lineno)
{
	if (file && lineno != (size_t)-1 && lineno <= INT_MAX)
		return (int)lineno;
	if (message)
		return find_line(p, po_message_msgid(message));
	return 0;
}

static void on_xerror(int severity, po_message_t message, const char *file, size_t lineno,
		      size_t column, int multiline, const char *text)
{
	struct parse *p = parsing;
	if (p) {
		char flat[256];
		flatten(text, flat, sizeof flat);
		diag_error(p->diag, p->path, where(p, message, file, lineno), "%s%s",
			   severity == PO_SEVERITY_WARNING ? "warning: " : "", flat);
	}
	if (severity == PO_SEVERITY_FATAL_ERROR && p)
		longjmp(parse_abort, 1);
}

static void on_xerror2(int severity, po_message_t message1, const char *file1, size_t lineno1,
		       size_t column1, int multiline1, const char *text1, po_message_t message2,
		       const char *file2, size_t lineno2, size_t column2, int multiline2,
		       const char *text2)
{
	struct parse *p = parsing;
	if (p) {
		char flat1[256], flat2[256];
		flatten(text1, flat1, sizeof flat1);
		flatten(text2, flat2, sizeof flat2);
		int line2 = where(p, message2, file2, lineno2);
		if (line2 > 0)
			diag_error(p->diag, p->path, where(p, message1, file1, lineno1),
				   "%s%s (%s: line %d)",
				   severity == PO_SEVERITY_WARNING ? "warning: " : "", flat1, flat2,
				   line2);
		else
			diag_error(p->diag, p->path, where(p, message1, file1, lineno1), "%s%s",
				   severity == PO_SEVERITY_WARNING ? "warning: " : "", flat1);
	}
	if (severity == PO_SEVERITY_FATAL_ERROR && p)
		longjmp(parse_abort, 1);
}

static const struct po_xerror_handler handler = {on_xerror, on_xerror2};

/* po_file_read() with the handlers reporting to p. A fatal error (only a
 * read error after the file was checked) leaves what libgettextpo had
 * allocated for this file behind: better than exiting. */
static po_file_t read_po(struct parse *p)
{
	parsing = p;
	if (setjmp(parse_abort) != 0) {
		parsing = NULL;
		return NULL;
	}
	/* libgettextpo reads standard input for these two names. */
	const char *name = strcmp(p->path, "-") == 0            ? "./-"
			   : strcmp(p->path, "/dev/stdin") == 0 ? "/dev/./stdin"
								: p->path;
	po_file_t f = po_file_read(name, &handler);
	int saved = errno;
	parsing = NULL;
	if (!f)
		diag_error(p->diag, p->path, 0, "cannot open: %s", strerror(saved));
	return f;
}

/* The whole file into a new NUL-terminated buffer; NULL (reported) if it
 * cannot be read, is not a regular file or is too large. */
static char *read_text(const char *path, size_t *len, struct diag *d)
{
	/* O_NONBLOCK: a FIFO in the catalog directory must not block the start. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		diag_error(d, path, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	struct stat st;
	const char *why = NULL;
	char *text = NULL;
	size_t n = 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_size > LOCALES_FILE_MAX)
		why = "larger than 256 KiB";
	else if (!(text = malloc(LOCALES_FILE_MAX + 1)))
		why = "out of memory";
	while (!why && n <= LOCALES_FILE_MAX) {
		ssize_t got = read(fd, text + n, LOCALES_FILE_MAX + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			why = "read error";
		else if (got == 0)
			break;
		else
			n += (size_t)got;
	}
	close(fd);
	if (!why && n > LOCALES_FILE_MAX)
		why = "larger than 256 KiB";
	if (why) {
		diag_error(d, path, 0, "%s", why);
		free(text);
		return NULL;
	}
	text[n] = '\0';
	*len = n;
	return text;
}

/* What libgettextpo should not see: NUL bytes, broken UTF-8 (the header must
 * say UTF-8 anyway), a byte order mark (it calls that a syntax error), a file
 * with nothing in it. 0, or -1 (reported). */
static int precheck(const struct parse *p)
{
	int errors = 0;
	const char *s = p->text, *end = p->text + p->len;
	bool blank = true;
	if (p->len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		diag_error(p->diag, p->path, 1, "starts with a byte order mark: save it without");
		errors++;
	}
	for (int line = 1; s < end; line++) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = (size_t)((nl ? nl : end) - s);
		if (memchr(s, '\0', len)) {
			diag_error(p->diag, p->path, line, "contains a NUL byte");
			errors++;
		} else if (!utf8_valid(s, len)) {
			diag_error(p->diag, p->path, line, "not valid UTF-8");
			errors++;
		}
		for (size_t i = 0; i < len && blank; i++)
			blank = s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\f';
		if (!nl)
			break;
		s = nl + 1;
	}
	if (!errors && blank) {
		diag_error(p->diag, p->path, 0, "empty: a catalog needs a header entry and texts");
		errors++;
	}
	return errors ? -1 : 0;
}

static bool valid_key(const char *key)
{
	size_t len = strlen(key);
	if (len == 0 || len > KEY_MAX || key[0] == '.' || key[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = key[i];
		if (c == '.' && key[i + 1] == '.')
			return false;
		if (c != '.' && c != '_' && !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9'))
			return false;
	}
	return true;
}

static int placeholder_index(const char *name, size_t len)
{
	for (size_t i = 0; i < PLACEHOLDER_COUNT; i++)
		if (strlen(placeholders[i].name) == len &&
		    memcmp(placeholders[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

/* Reports every brace problem in one text and returns how many there were;
 * *set gets the placeholders it uses. */
static int check_braces(const struct parse *p, int line, const char *key, const char *text,
			uint32_t *set)
{
	int errors = 0;
	*set = 0;
	for (const char *s = text; *s; s++) {
		if (*s == '}') {
			diag_error(p->diag, p->path, line, "%s: '}' without '{'", key);
			errors++;
			continue;
		}
		if (*s != '{')
			continue;
		const char *close = strpbrk(s + 1, "{}");
		if (!close || *close == '{') {
			diag_error(p->diag, p->path, line, "%s: '{' without '}'", key);
			errors++;
			continue;
		}
		size_t len = (size_t)(close - s - 1);
		int i = placeholder_index(s + 1, len);
		if (i < 0) {
			char name[48], copy[48];
			size_t n = len < sizeof copy - 1 ? len : sizeof copy - 1;
			memcpy(copy, s + 1, n);
			copy[n] = '\0';
			diag_error(p->diag, p->path, line,
				   "%s: unknown placeholder {%s} (known:%s)", key,
				   shown(copy, name, sizeof name), known_placeholders);
			errors++;
		} else {
			*set |= 1u << i;
		}
		s = close;
	}
	return errors;
}

static int add_entry(struct catalog *c, const struct entry *e)
{
	if (c->count == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct entry *more = realloc(c->entries, cap * sizeof *more);
		if (!more)
			return -1;
		c->entries = more;
		c->cap = cap;
	}
	c->entries[c->count++] = *e;
	return 0;
}

/* The SMS parts a "budget: N" line of the extracted comments allows (N in
 * 1..LOCALES_BUDGET_MAX), 0 if no line speaks of a budget, -1 if one does
 * but not in that form. */
static int read_budget(const char *comments)
{
	const char *line = comments;
	while (line && strncasecmp(line + strspn(line, " \t"), "budget", 6) != 0) {
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	if (!line)
		return 0;
	if (strncmp(line, "budget:", 7) != 0)
		return -1; /* " budget: 1", "Budget: 1": meant as one, and would be lost */
	char *end;
	unsigned long n = strtoul(line + 7, &end, 10);
	if (end == line + 7 || n < 1 || n > LOCALES_BUDGET_MAX || (*end != '\0' && *end != '\n'))
		return -1;
	return (int)n;
}

/* Checks one message and keeps it in the catalog if its key is usable. */
static void check_message(struct parse *p, po_message_t m)
{
	const char *key = po_message_msgid(m);
	const char *ctxt = po_message_msgctxt(m);
	if (po_message_is_obsolete(m) || (key[0] == '\0' && !ctxt))
		return; /* #~ entries, and the header */
	char shown_key[64];
	int line = find_line(p, key);
	shown(key, shown_key, sizeof shown_key);
	if (ctxt) {
		diag_error(p->diag, p->path, line,
			   "msgid \"%s\" has a msgctxt: not used (keys are unique)", shown_key);
		return;
	}
	if (po_message_msgid_plural(m)) {
		diag_error(p->diag, p->path, line,
			   "%s: plural forms are not used (write \"Tries left: {tries}\")",
			   shown_key);
		return;
	}
	if (!valid_key(key)) {
		diag_error(p->diag, p->path, line,
			   "\"%s\" is not a key (lowercase words joined by dots, like "
			   "checkin.ask_pin)",
			   shown_key);
		return;
	}
	const char *text = po_message_msgstr(m);
	struct entry e = {.line = line, .fuzzy = po_message_is_fuzzy(m) != 0};
	int budget = read_budget(po_message_extracted_comments(m));
	if (budget < 0)
		diag_error(p->diag, p->path, line,
			   "%s: write the budget as \"#. budget: N\", N in 1..%d", key,
			   LOCALES_BUDGET_MAX);
	else
		e.budget = (unsigned)budget;
	if (text[0] == '\0') {
		diag_error(p->diag, p->path, line, "%s: the text (msgstr) is empty", key);
		e.bad = true;
	} else if (!utf8_valid(text, strlen(text))) {
		diag_error(p->diag, p->path, line, "%s: the text is not valid UTF-8", key);
		e.bad = true;
	} else {
		for (const char *s = text; *s; s++) {
			if (((unsigned char)*s < 0x20 && *s != '\n') || *s == 0x7f) {
				diag_error(p->diag, p->path, line,
					   "%s: the text has a control character", key);
				e.bad = true;
				break;
			}
		}
		if (check_braces(p, line, key, text, &e.placeholders) > 0)
			e.bad = true;
	}
	e.key = strdup(key);
	e.text = strdup(text);
	if (!e.key || !e.text || add_entry(p->cat, &e) < 0) {
		free(e.key);
		free(e.text);
		diag_error(p->diag, p->path, line, "out of memory");
		return;
	}
	if (e.fuzzy)
		p->cat->fuzzy++;
}

/* The header must say UTF-8 and, when the file name says, the language. */
static void check_header(const struct parse *p, po_file_t f)
{
	/* Declared const, but every libgettextpo returns a copy (xstrdup). */
	char *header = (char *)po_file_domain_header(f, NULL);
	if (!header) {
		diag_error(p->diag, p->path, 0,
			   "no header entry (msgid \"\" with Content-Type: text/plain; "
			   "charset=UTF-8)");
		return;
	}
	int line = find_line(p, "");
	char *type = po_header_field(header, "Content-Type");
	const char *charset = type ? strstr(type, "charset=") : NULL;
	if (!charset || strncasecmp(charset + 8, "UTF-8", 5) != 0 ||
	    (charset[13] != '\0' && charset[13] != ' ' && charset[13] != ';'))
		diag_error(p->diag, p->path, line,
			   "the header must say Content-Type: text/plain; charset=UTF-8");
	free(type);
	char *lang = p->lang ? po_header_field(header, "Language") : NULL;
	if (p->lang && (!lang || strcmp(lang, p->lang) != 0)) {
		char said[32];
		diag_error(p->diag, p->path, line, "the header says Language: %s, not %s",
			   lang ? shown(lang, said, sizeof said) : "(nothing)", p->lang);
	}
	free(lang);
	free(header);
}

static int compare_entries(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->key, ((const struct entry *)b)->key);
}

/* Reads and checks one catalog into cat (its path set); every problem to d. */
static void parse_catalog(struct catalog *cat, const char *lang, struct diag *d)
{
	struct parse p = {.diag = d, .path = cat->path, .lang = lang, .cat = cat};
	char *text = read_text(cat->path, &p.len, d);
	if (!text)
		return;
	p.text = text;
	po_file_t f = precheck(&p) == 0 ? read_po(&p) : NULL;
	if (f) {
		cat->parsed = true;
		const char *const *domains = po_file_domains(f);
		for (size_t i = 0; domains && domains[i]; i++) {
			char name[48];
			if (strcmp(domains[i], "messages") != 0)
				diag_error(d, cat->path, 0, "domain \"%s\": domains are not used",
					   shown(domains[i], name, sizeof name));
		}
		check_header(&p, f);
		po_message_iterator_t it = po_message_iterator(f, NULL);
		po_message_t m;
		while ((m = po_next_message(it)))
			check_message(&p, m);
		po_message_iterator_free(it);
		po_file_free(f);
	}
	free(text);
	if (cat->count > 1)
		qsort(cat->entries, cat->count, sizeof *cat->entries, compare_entries);
	for (size_t i = 1; i < cat->count; i++)
		if (strcmp(cat->entries[i - 1].key, cat->entries[i].key) == 0)
			diag_error(d, cat->path, cat->entries[i].line, "%s is defined twice",
				   cat->entries[i].key);
}

static void catalog_cleanup(struct catalog *c)
{
	for (size_t i = 0; i < c->count; i++) {
		free(c->entries[i].key);
		free(c->entries[i].text);
	}
	free(c->entries);
	free(c->path);
	memset(c, 0, sizeof *c);
}

/* " {a} {b}", or " none". */
static const char *set_text(uint32_t set, char *out, size_t size)
{
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; i < PLACEHOLDER_COUNT; i++) {
		if (!(set & (1u << i)))
			continue;
		int w = snprintf(out + n, size - n, " {%s}", placeholders[i].name);
		if (w < 0 || (size_t)w >= size - n)
			break;
		n += (size_t)w;
	}
	return n ? out : " none";
}

/* Every catalog against the reference: the same keys, the same placeholders. */
static void compare_with_reference(const struct locales *l, struct diag *d)
{
	const struct catalog *ref = &l->cat[lang_index(LOCALE_REFERENCE)];
	if (!ref->parsed)
		return; /* its problem is reported; nothing to compare with */
	for (size_t k = 0; k < LANG_COUNT; k++) {
		const struct catalog *c = &l->cat[k];
		if (c == ref || !c->parsed)
			continue;
		size_t i = 0, j = 0;
		while (i < ref->count || j < c->count) {
			const struct entry *a = i < ref->count ? &ref->entries[i] : NULL;
			const struct entry *b = j < c->count ? &c->entries[j] : NULL;
			int cmp = !a ? 1 : !b ? -1 : strcmp(a->key, b->key);
			if (cmp < 0) {
				diag_error(d, c->path, 0, "%s is missing (%s.po has it)", a->key,
					   LOCALE_REFERENCE);
				i++;
			} else if (cmp > 0) {
				diag_error(d, c->path, b->line, "%s is not in %s.po", b->key,
					   LOCALE_REFERENCE);
				j++;
			} else {
				if (!a->bad && !b->bad && a->placeholders != b->placeholders) {
					char want[160], got[160];
					diag_error(d, c->path, b->line,
						   "%s: placeholders%s, but %s.po has%s", b->key,
						   set_text(b->placeholders, got, sizeof got),
						   LOCALE_REFERENCE,
						   set_text(a->placeholders, want, sizeof want));
				}
				i++;
				j++;
			}
		}
	}
}

struct locales *locales_load(const char *dir, struct diag *d)
{
	int before = d->errors;
	struct locales *l = calloc(1, sizeof *l);
	if (!l) {
		diag_error(d, dir, 0, "out of memory");
		return NULL;
	}
	l->refs = 1;
	for (size_t i = 0; i < LANG_COUNT; i++) {
		char path[4096];
		int n = snprintf(path, sizeof path, "%s/%s.po", dir, lang_codes[i]);
		if (n < 0 || (size_t)n >= sizeof path) {
			diag_error(d, dir, 0, "directory name too long");
			break;
		}
		l->cat[i].path = strdup(path);
		if (!l->cat[i].path) {
			diag_error(d, path, 0, "out of memory");
			break;
		}
		parse_catalog(&l->cat[i], lang_codes[i], d);
		l->fuzzy += l->cat[i].fuzzy;
	}
	/* Even after errors: every problem at once, not one per attempt. */
	compare_with_reference(l, d);
	if (d->errors != before) {
		locales_unref(l);
		return NULL;
	}
	return l;
}

int locales_check_catalog(const char *path, struct diag *d)
{
	int before = d->errors;
	struct catalog c = {.path = strdup(path)};
	if (!c.path) {
		diag_error(d, path, 0, "out of memory");
		return -1;
	}
	parse_catalog(&c, NULL, d);
	catalog_cleanup(&c);
	return d->errors == before ? 0 : -1;
}

struct locales *locales_ref(struct locales *l)
{
	l->refs++;
	return l;
}

void locales_unref(struct locales *l)
{
	if (!l || --l->refs > 0)
		return;
	for (size_t i = 0; i < LANG_COUNT; i++)
		catalog_cleanup(&l->cat[i]);
	free(l);
}

size_t locales_fuzzy_count(const struct locales *l)
{
	return l->fuzzy;
}

static int compare_key(const void *key, const void *e)
{
	return strcmp(key, ((const struct entry *)e)->key);
}

static const struct entry *lookup(const struct locales *l, const char *lang, const char *key)
{
	int i = lang_index(lang);
	if (i < 0 || !key || l->cat[i].count == 0)
		return NULL;
	return bsearch(key, l->cat[i].entries, l->cat[i].count, sizeof(struct entry), compare_key);
}

unsigned locales_budget(const struct locales *l, const char *key)
{
	const struct entry *e = lookup(l, LOCALE_REFERENCE, key);
	return e ? e->budget : 0;
}

bool locales_is_fuzzy(const struct locales *l, const char *lang, const char *key)
{
	const struct entry *e = lookup(l, lang, key);
	return e && e->fuzzy;
}

const char *locales_text(const struct locales *l, const char *lang, const char *key)
{
	const struct entry *e = lookup(l, lang, key);
	return e ? e->text : NULL;
}

bool locales_has_language(const struct locales *l, const char *lang)
{
	int i = lang_index(lang);
	return i >= 0 && l->cat[i].count > 0;
}

size_t locales_key_count(const struct locales *l)
{
	return l->cat[lang_index(LOCALE_REFERENCE)].count;
}

const char *locales_key(const struct locales *l, size_t i)
{
	const struct catalog *ref = &l->cat[lang_index(LOCALE_REFERENCE)];
	return i < ref->count ? ref->entries[i].key : NULL;
}

size_t locales_language_count(void)
{
	return LANG_COUNT;
}

const char *locales_language_code(size_t i)
{
	return i < LANG_COUNT ? lang_codes[i] : NULL;
}

const char *locales_language_name(const char *lang)
{
	int i = lang_index(lang);
	return i < 0 ? NULL : lang_names[i];
}

const char *locales_language_find(const char *name, size_t len)
{
	for (size_t i = 0; i < LANG_COUNT; i++)
		if (strlen(lang_codes[i]) == len && strncasecmp(name, lang_codes[i], len) == 0)
			return lang_codes[i];
	return NULL;
}

int locales_render(const struct locales *l, const char *lang, const char *key,
		   const struct locale_var *vars, size_t n, struct buf *out)
{
	const char *s = locales_text(l, lang, key);
	if (!s)
		return -1;
	bool missing = false;
	for (;;) {
		const char *open = strchr(s, '{');
		const char *close = open ? strchr(open + 1, '}') : NULL;
		if (!close) { /* the loader let no stray brace through */
			buf_append(out, s, strlen(s));
			break;
		}
		buf_append(out, s, (size_t)(open - s));
		size_t len = (size_t)(close - open - 1);
		const struct locale_var *v = NULL;
		for (size_t i = 0; i < n && !v; i++)
			if (vars[i].name && strncmp(vars[i].name, open + 1, len) == 0 &&
			    vars[i].name[len] == '\0')
				v = &vars[i];
		if (v && v->value)
			buf_append(out, v->value, strlen(v->value));
		else
			missing = true;
		s = close + 1;
	}
	if (out->overflowed)
		return -1;
	return missing ? LOCALES_MISSING_VAR : 0;
}

int locales_render_worst(const struct locales *l, const char *lang, const char *key,
			 struct buf *out)
{
	return locales_render(l, lang, key, placeholders, PLACEHOLDER_COUNT, out);
}
