/* diag — see diag.h. */
#include "diag.h"

#include <stdarg.h>

#include "log.h"

void diag_init(struct diag *d, FILE *out)
{
	d->out = out;
	d->errors = 0;
}

void diag_error(struct diag *d, const char *file, int line, const char *fmt, ...)
{
	char message[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	d->errors++;
	/* Line 0: about the file as a whole (a required key, an open error). */
	if (d->out && line > 0)
		fprintf(d->out, "%s:%d: %s\n", file, line, message);
	else if (d->out)
		fprintf(d->out, "%s: %s\n", file, message);
	else
		log_msg(LOG_LEVEL_WARN, "config_error", "where=%s:%d error=\"%s\"", file, line,
			message);
}
