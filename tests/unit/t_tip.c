/* Unit tests for tips (gateway/tip.c, refcode.c, seal.c, roster.c): tip
 * references unique and well-formed over 100,000 stored, read as people
 * type them; the alias of a number; a sealed number opened only with its
 * key; roster days and hours, and who is on call when. */
#define _GNU_SOURCE /* memmem */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "refcode.h"
#include "roster.h"
#include "seal.h"
#include "tap.h"
#include "log.h"
#include "tip.h"
#include "utf.h"

#define PIN_KEY  "cf8eae15079f264d10c9569fcb2c27621a6e1a727bfaf1719b799da438d66b90"
#define REFS     100000
#define ALPHABET "3479ACDEFHJKMNPRTUVWXY"

static char dir[] = "/tmp/t_tip.XXXXXX";

static bool well_formed(const char *ref)
{
	return strlen(ref) == 7 && ref[3] == '-' && strspn(ref, ALPHABET "-") == 7 &&
	       strpbrk(ref, "3479") && strpbrk(ref, "ACDEFHJKMNPRTUVWXY");
}

/* 100,000 tips stored through tip_create: every reference well formed,
 * none twice (the store's UNIQUE would refuse it; a clash is drawn
 * again). */
static void test_references(struct cfg *cfg)
{
	char path[300], ref[TIP_REF_SIZE];
	snprintf(path, sizeof path, "%s/chabar.db", dir);
	char err[512] = "";
	struct store *s = store_open(path, CFG_SYNC_NORMAL, err, sizeof err);
	if (!s) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
	unsigned char sealed[SEAL_SIZE];
	seal_number(cfg->keys.seal, "996555000001", sealed);
	struct tip_ctx c = {s, cfg, NULL, 1800000000};
	int created = 0, shaped = 0;
	store_begin(s);
	for (int i = 0; i < REFS; i++) {
		struct store_new_tip t = {.category = "other",
					  .body = "x",
					  .place = "",
					  .channel = "sms",
					  .language = "en",
					  .tipster = "~00",
					  .sealed = sealed,
					  .now = c.now};
		created += tip_create(&c, &t, ref) == 0;
		shaped += well_formed(ref);
	}
	store_commit(s);
	is_int(created, REFS, "100,000 tips stored");
	is_int(shaped, REFS, "every reference: XXX-XXX of the alphabet, a digit and a letter");
	struct store_tip t;
	is_int(store_tip_find(s, ref, 0, &t), 1, "found by its reference");
	store_free(s);
	unlink(path);
	char side[320];
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
}

static void test_reading(void)
{
	char out[TIP_REF_SIZE];
	ok(tip_ref_read("k7m 4tx hello", 13, out) == 7 && strcmp(out, "K7M-4TX") == 0,
	   "small letters, a space between the groups, then the text");
	ok(tip_ref_read("K7M4TX", 6, out) == 6 && strcmp(out, "K7M-4TX") == 0, "no dash");
	is_int((long)tip_ref_read("  К7М-4ТХ: text", strlen("  К7М-4ТХ: text"), out),
	       (long)strlen("  К7М-4ТХ"), "Cyrillic look-alikes, spaces before");
	is_str(out, "K7M-4TX", "read as Latin");
	ok(!tip_ref_read("MATTER of fact", 14, out),
	   "a word of the alphabet's letters, no digit: none");
	ok(!tip_ref_read("347 934", 7, out), "digits only: none");
	ok(!tip_ref_read("K7M-4TXA", 8, out), "a word goes on: none");
	ok(!tip_ref_read("K7M-4T", 6, out), "too short: none");
	ok(!tip_ref_read("K0M-4TX", 7, out), "a character outside the alphabet: none");
	ok(!tip_ref_read("K7M-4TXЖ", strlen("K7M-4TXЖ"), out), "a letter right after: none");
}

static void test_alias(const struct cfg *cfg)
{
	char a[MSISDN_SIZE], b[MSISDN_SIZE], c[MSISDN_SIZE];
	tip_alias(cfg->keys.tipster, "996555123456", a);
	tip_alias(cfg->keys.tipster, "996555123456", b);
	tip_alias(cfg->keys.tipster, "996555123457", c);
	ok(a[0] == '~' && strlen(a) == 15 && strspn(a + 1, "0123456789abcdef") == 14,
	   "an alias: ~ and 14 hex digits, no phone number");
	ok(strcmp(a, b) == 0 && strcmp(a, c) != 0,
	   "the same for the same number, another for another");
	ok(!strstr(a, "123456"), "it holds nothing of the number");
}

static void test_seal(const struct cfg *cfg)
{
	unsigned char one[SEAL_SIZE], two[SEAL_SIZE], other[crypto_secretbox_KEYBYTES];
	char out[MSISDN_SIZE];
	seal_number(cfg->keys.seal, "996555123456", one);
	seal_number(cfg->keys.seal, "996555123456", two);
	ok(memcmp(one, two, SEAL_SIZE) != 0, "the same number sealed twice looks different");
	ok(seal_open(cfg->keys.seal, one, SEAL_SIZE, out) == 0 && strcmp(out, "996555123456") == 0,
	   "opened with its key");
	memset(other, 7, sizeof other);
	ok(seal_open(other, one, SEAL_SIZE, out) < 0, "not with another key");
	one[SEAL_SIZE - 1] ^= 1;
	ok(seal_open(cfg->keys.seal, one, SEAL_SIZE, out) < 0, "not once altered");
	ok(seal_open(cfg->keys.seal, two, SEAL_SIZE - 1, out) < 0, "not cut");
	ok(memmem(two, SEAL_SIZE, "555123456", 9) == NULL, "the number is not in it");
}

static void test_roster(void)
{
	int days, from, to;
	ok(roster_parse_days("mon-fri", &days) == 0 && days == 0x1f, "mon-fri");
	ok(roster_parse_days("sat,sun", &days) == 0 && days == 0x60, "sat,sun");
	ok(roster_parse_days("fri-mon", &days) == 0 && days == 0x71, "fri-mon wraps");
	ok(roster_parse_days("daily", &days) == 0 && days == 0x7f, "daily");
	ok(roster_parse_days("mon,xyz", &days) < 0 && roster_parse_days("", &days) < 0,
	   "a day that is none: refused");
	ok(roster_parse_hours("08:00-18:00", &from, &to) == 0 && from == 480 && to == 1080,
	   "08:00-18:00");
	ok(roster_parse_hours("00:00-24:00", &from, &to) == 0 && to == 1440, "a whole day");
	ok(roster_parse_hours("25:00-26:00", &from, &to) < 0 &&
	       roster_parse_hours("08:00-08:00", &from, &to) < 0 &&
	       roster_parse_hours("8-18", &from, &to) < 0,
	   "hours that are none: refused");
	char d[32], h[24];
	roster_format(0x1f, 480, 1080, d, h);
	ok(strcmp(d, "mon,tue,wed,thu,fri") == 0 && strcmp(h, "08:00-18:00") == 0, "listed back");
	/* Asia/Bishkek, UTC+6; 2027-01-15 is a Friday */
	struct store_tip_officer night = {.weekdays = 0x10, .from_min = 22 * 60, .to_min = 6 * 60};
	snprintf(night.timezone, sizeof night.timezone, "Asia/Bishkek");
	int64_t friday = 1799971200; /* 2027-01-15 00:00 UTC = 06:00 Bishkek, Friday */
	ok(!roster_on_call(&night, friday + 10 * 3600),
	   "Friday 16:00 local: a night shift of Fridays is not on");
	ok(roster_on_call(&night, friday + 17 * 3600), "Friday 23:00 local: on");
	ok(roster_on_call(&night, friday + 23 * 3600), "Saturday 05:00 local: still on");
	ok(!roster_on_call(&night, friday + 24 * 3600 + 17 * 3600), "Saturday 23:00: not on");
}

static void test_prefix(void)
{
	is_int((long)utf8_prefix("Ош шаары", strlen("Ош шаары"), 2, 100), 4,
	       "two Cyrillic letters: 4 bytes");
	is_int((long)utf8_prefix("Ош", 4, 10, 100), 4, "fewer characters: all of it");
	is_int((long)utf8_prefix("Ош", 4, 10, 3), 2, "at most 3 bytes: one letter, never half");
}

int main(void)
{
	if (sodium_init() < 0 || !mkdtemp(dir))
		return 1;
	log_open(LOG_TARGET_STDERR, LOG_LEVEL_WARN); /* not a line per tip */
	struct diag diag;
	diag_init(&diag, stdout);
	struct cfg *cfg = cfg_load_string("[kannel]\nkey = b3671098ae14e76e0656\n"
					  "[conversation]\npin_key = " PIN_KEY "\n",
					  "t.conf", &diag);
	if (!cfg) {
		printf("Bail out! config\n");
		return 1;
	}
	test_reading();
	test_alias(cfg);
	test_seal(cfg);
	test_roster();
	test_prefix();
	test_references(cfg);
	cfg_unref(cfg);
	rmdir(dir);
	return tap_done();
}
