/* log — see log.h. Lines are formatted into one buffer and written with
 * one write(); with log_hold() on, the lines of one loop turn share it
 * (past PIPE_BUF another process's lines on the same pipe may interleave
 * with them, a line at a time at most: chabard writes whole lines). */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX    2048
#define LOG_ESCAPED_MAX (4 * LOG_LINE_MAX + 2) /* a line escaped, and its newline */
#define LOG_HELD_MAX    (32 * 1024)

static struct {
	enum log_target target;
	enum log_level level;
	time_t stamp_second; /* the second stamp[] was formatted for */
	char stamp[32];
	bool hold; /* lines wait in held[] for log_flush() */
	size_t held_len;
	char held[LOG_HELD_MAX];
} logger = {LOG_TARGET_STDERR, LOG_LEVEL_INFO, 0, "", false, 0, ""};

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_open(enum log_target target, enum log_level level)
{
	if (target == LOG_TARGET_SYSLOG && logger.target != LOG_TARGET_SYSLOG)
		openlog("chabard", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	logger.target = target;
	logger.level = level;
}

void log_set_level(enum log_level level)
{
	logger.level = level;
}

bool log_enabled(enum log_level level)
{
	return level >= logger.level;
}

void log_flush(void)
{
	/* Whole lines, even if a write is cut short; nothing useful can be
	 * done if stderr is gone. */
	for (size_t done = 0; done < logger.held_len;) {
		ssize_t n = write(STDERR_FILENO, logger.held + done, logger.held_len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	logger.held_len = 0;
}

void log_hold(bool hold)
{
	log_flush();
	logger.hold = hold;
}

/* The timestamp changes once a second; formatting it per line would be
 * per-message work that can be shared. */
static const char *timestamp(void)
{
	time_t now = time(NULL);
	if (now != logger.stamp_second) {
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(logger.stamp, sizeof logger.stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
		logger.stamp_second = now;
	}
	return logger.stamp;
}

/* A control byte from a request (a newline in a field) would start a
 * forged line: each becomes \n, \r, \t or \xNN, so that one call is
 * always one line. out holds 4 * len bytes and one more. */
static size_t escape_controls(const char *in, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c >= 0x20 && c != 0x7f) {
			out[n++] = (char)c;
			continue;
		}
		out[n++] = '\\';
		if (c == '\n' || c == '\r' || c == '\t') {
			out[n++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
			continue;
		}
		out[n++] = 'x';
		out[n++] = hex[c >> 4];
		out[n++] = hex[c & 15];
	}
	return n;
}

void log_vmsg(enum log_level level, const char *event, const char *fields, va_list ap)
{
	if (!log_enabled(level))
		return;
	char line[LOG_LINE_MAX];
	int used;
	if (logger.target == LOG_TARGET_STDERR)
		used = snprintf(line, sizeof line, "%s level=%s event=%s", timestamp(),
				level_names[level], event);
	else
		used = snprintf(line, sizeof line, "level=%s event=%s", level_names[level], event);
	if (fields && used > 0 && (size_t)used < sizeof line - 1) {
		line[used++] = ' ';
		int more = vsnprintf(line + used, sizeof line - (size_t)used, fields, ap);
		if (more > 0)
			used += more;
	}
	if (used < 0)
		return;
	if ((size_t)used >= sizeof line - 1)
		used = sizeof line - 2; /* truncated: with its newline, under LOG_LINE_MAX */
	char escaped[LOG_ESCAPED_MAX];
	size_t len = escape_controls(line, (size_t)used, escaped);
	if (logger.target == LOG_TARGET_SYSLOG) {
		static const int prio[] = {LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR};
		escaped[len] = '\0';
		syslog(prio[level], "%s", escaped);
		return;
	}
	escaped[len++] = '\n';
	if (logger.held_len + len > sizeof logger.held)
		log_flush();
	memcpy(logger.held + logger.held_len, escaped, len);
	logger.held_len += len;
	if (!logger.hold || level >= LOG_LEVEL_WARN)
		log_flush(); /* a problem is seen at once */
}

void log_msg(enum log_level level, const char *event, const char *fields, ...)
{
	va_list ap;
	va_start(ap, fields);
	log_vmsg(level, event, fields, ap);
	va_end(ap);
}

void fatal(const char *fields, ...)
{
	va_list ap;
	va_start(ap, fields);
	log_vmsg(LOG_LEVEL_ERROR, "fatal", fields, ap);
	va_end(ap);
	exit(1);
}

const char *log_mask_msisdn(const char *msisdn, char out[LOG_MASK_SIZE])
{
	size_t n = msisdn ? strlen(msisdn) : 0;
	if (n == 0) {
		memcpy(out, "-", 2);
		return out;
	}
	const char *tail = n > 3 ? msisdn + n - 3 : msisdn;
	snprintf(out, LOG_MASK_SIZE, "***%s", tail);
	return out;
}
