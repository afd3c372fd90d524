/*
 * log — the process-wide logger: key=value lines to stderr or syslog.
 *
 * Lifecycle: log_open() once at start (before that, lines go to stderr at
 * info level), log_set_level() at any time (SIGHUP). The logger is one of
 * the two mutable globals DESIGN.md allows. Loop thread only.
 *
 * Privacy: callers never pass a PIN or a message body above debug level and
 * pass phone numbers only through log_mask_msisdn().
 */
#ifndef CHABAR_LOG_H
#define CHABAR_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };
enum log_target { LOG_TARGET_STDERR, LOG_TARGET_SYSLOG };

/* Space for a masked number: "***" plus the last three characters. */
#define LOG_MASK_SIZE 8

void log_open(enum log_target target, enum log_level level);
void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);
/* With hold on, stderr lines wait (at most 32 KiB) for log_flush(), which
 * the daemon calls before its loop sleeps: one write() a loop turn instead
 * of one a line. A warning or an error flushes at once; info lines held
 * when the process is killed are lost. Off by default. */
void log_hold(bool hold);
void log_flush(void);

/* One line: "<time> level=<l> event=<event> <fields>"; fields is a printf
 * format producing further key=value pairs (may be NULL). */
void log_msg(enum log_level level, const char *event, const char *fields, ...)
    __attribute__((format(printf, 3, 4)));
void log_vmsg(enum log_level level, const char *event, const char *fields, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Logs at error level and exits 1. Only before ev_run (convention 3). */
void fatal(const char *fields, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Writes "***" plus the last three characters of msisdn into out and
 * returns out; "-" for an empty or NULL number. */
const char *log_mask_msisdn(const char *msisdn, char out[LOG_MASK_SIZE]);

#endif
