/* Unit tests for gateway/log.c: masking numbers, levels, and the line
 * log_msg writes to stderr (captured through a temporary file). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"

static void test_mask(void)
{
	char out[LOG_MASK_SIZE];
	is_str(log_mask_msisdn("996555123456", out), "***456", "a number keeps its last three");
	ok(log_mask_msisdn("996555123456", out) == out, "returns out");
	is_str(log_mask_msisdn("12", out), "***12", "a short number is all tail");
	is_str(log_mask_msisdn("123", out), "***123", "three digits");
	is_str(log_mask_msisdn("1234", out), "***234", "four digits");
	is_str(log_mask_msisdn("Beeline", out), "***ine", "a sender name");
	is_str(log_mask_msisdn(NULL, out), "-", "NULL is -");
	is_str(log_mask_msisdn("", out), "-", "empty is -");
}

static void test_levels(void)
{
	ok(!log_enabled(LOG_LEVEL_DEBUG), "debug is off by default");
	ok(log_enabled(LOG_LEVEL_INFO), "info is on by default");
	log_set_level(LOG_LEVEL_WARN);
	ok(!log_enabled(LOG_LEVEL_DEBUG), "warn level: debug off");
	ok(!log_enabled(LOG_LEVEL_INFO), "warn level: info off");
	ok(log_enabled(LOG_LEVEL_WARN), "warn level: warn on");
	ok(log_enabled(LOG_LEVEL_ERROR), "warn level: error on");
	log_set_level(LOG_LEVEL_ERROR);
	ok(!log_enabled(LOG_LEVEL_WARN), "error level: warn off");
	ok(log_enabled(LOG_LEVEL_ERROR), "error level: error on");
	log_set_level(LOG_LEVEL_DEBUG);
	ok(log_enabled(LOG_LEVEL_DEBUG), "debug level: debug on");
	ok(log_enabled(LOG_LEVEL_INFO), "debug level: info on");
	log_set_level(LOG_LEVEL_INFO);
}

/* stderr goes to a temporary file while the logger writes to it. */
static FILE *capture;
static int saved_stderr = -1;

static void capture_start(void)
{
	fflush(stderr);
	capture = tmpfile();
	saved_stderr = dup(STDERR_FILENO);
	if (!capture || saved_stderr < 0 || dup2(fileno(capture), STDERR_FILENO) < 0) {
		printf("Bail out! cannot redirect stderr\n");
		exit(1);
	}
}

/* Restores stderr and returns what was written (NUL-terminated; *len is set to
 * the length). */
static char *capture_end(size_t *len)
{
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	static char text[64 * 1024];
	rewind(capture);
	*len = fread(text, 1, sizeof text - 1, capture);
	text[*len] = '\0';
	fclose(capture);
	return text;
}

static size_t count_lines(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n';
	return n;
}

static void test_msg(void)
{
	size_t len;
	log_set_level(LOG_LEVEL_INFO);

	capture_start();
	log_msg(LOG_LEVEL_INFO, "test", "a=%d b=%s", 1, "x");
	char *text = capture_end(&len);
	ok(strstr(text, "level=info event=test a=1 b=x") != NULL, "the line has its key=values");
	ok(len > 0 && text[len - 1] == '\n', "the line ends with a newline");
	is_int(count_lines(text, len), 1, "exactly one line");
	/* 2024-01-02T03:04:05Z level=... */
	ok(len > 21 && text[4] == '-' && text[10] == 'T' && text[19] == 'Z' && text[20] == ' ',
	   "the line starts with a UTC timestamp");
	ok(strncmp(text + 21, "level=info", 10) == 0, "then the level");
	if (!strstr(text, "level=info event=test a=1"))
		printf("#   got: %s", text);

	capture_start();
	log_msg(LOG_LEVEL_DEBUG, "hidden", "a=%d", 2);
	text = capture_end(&len);
	is_int(len, 0, "a debug line is not written at info level");

	capture_start();
	log_msg(LOG_LEVEL_WARN, "bare", NULL);
	log_msg(LOG_LEVEL_ERROR, "second", "n=%u", 7u);
	text = capture_end(&len);
	is_int(count_lines(text, len), 2, "two calls, two lines");
	ok(strstr(text, "level=warn event=bare\n") != NULL, "no fields: no trailing space");
	ok(strstr(text, "level=error event=second n=7\n") != NULL, "error line");

	log_set_level(LOG_LEVEL_DEBUG);
	capture_start();
	log_msg(LOG_LEVEL_DEBUG, "shown", "a=%d", 3);
	text = capture_end(&len);
	ok(strstr(text, "level=debug event=shown a=3\n") != NULL, "debug written at debug level");

	log_set_level(LOG_LEVEL_ERROR);
	capture_start();
	log_msg(LOG_LEVEL_WARN, "quiet", NULL);
	text = capture_end(&len);
	is_int(len, 0, "warn not written at error level");

	log_set_level(LOG_LEVEL_INFO);
	static char big[3000];
	memset(big, 'v', sizeof big - 1);
	capture_start();
	log_msg(LOG_LEVEL_INFO, "long", "x=%s", big);
	text = capture_end(&len);
	ok(len > 1000 && len < 2048, "a long line is cut to the line buffer");
	ok(len > 0 && text[len - 1] == '\n', "a cut line still ends with a newline");
	is_int(count_lines(text, len), 1, "a cut line is one line");

	/* a value from a request cannot start a line of its own */
	capture_start();
	log_msg(LOG_LEVEL_INFO, "http", "code=%s",
		"*384#\n2026-01-01T00:00:00Z level=error event=fake");
	log_msg(LOG_LEVEL_INFO, "http", "text=\"%s\"",
		"a\rb\tc\x01"
		"d\x7f");
	text = capture_end(&len);
	is_int(count_lines(text, len), 2, "two calls, two lines, whatever the values hold");
	ok(len && strstr(text, "code=*384#\\n2026-01-01T00:00:00Z level=error event=fake\n"),
	   "a newline in a value is written as \\n");
	ok(len && strstr(text, "text=\"a\\rb\\tc\\x01d\\x7f\"\n"),
	   "other control bytes as \\r, \\t, \\xNN");
}

/* log_hold: the lines of a loop turn wait for one write; a warning does not. */
static void test_hold(void)
{
	size_t len;
	log_set_level(LOG_LEVEL_INFO);
	capture_start();
	log_hold(true);
	log_msg(LOG_LEVEL_INFO, "one", NULL);
	log_msg(LOG_LEVEL_INFO, "two", NULL);
	fseek(capture, 0, SEEK_END);
	is_int(ftell(capture), 0, "held info lines are not written yet");
	log_flush();
	log_msg(LOG_LEVEL_INFO, "three", NULL);
	log_msg(LOG_LEVEL_WARN, "problem", NULL);
	log_hold(false);
	char *text = capture_end(&len);
	is_int(count_lines(text, len), 4, "flushed, every line is there");
	const char *one = strstr(text, "event=one"), *two = strstr(text, "event=two");
	const char *three = strstr(text, "event=three"), *problem = strstr(text, "event=problem");
	ok(one && two && three && problem && one < two && two < three && three < problem,
	   "in the order they were logged: a warning writes what was held before it");

	static char line[1500];
	memset(line, 'h', sizeof line - 1);
	capture_start();
	log_hold(true);
	for (int i = 0; i < 40; i++) /* 40 lines of about 1.5 KiB: past the 32 KiB held */
		log_msg(LOG_LEVEL_INFO, "many", "x=%s", line);
	fseek(capture, 0, SEEK_END);
	ok(ftell(capture) > 0, "a full hold is written before it overflows");
	log_hold(false);
	text = capture_end(&len);
	is_int(count_lines(text, len), 40, "and no line is lost");
}

int main(void)
{
	test_mask();
	test_levels();
	test_msg();
	test_hold();
	return tap_done();
}
