/* Unit tests for gateway/pin.c: the stored form of a PIN is 64 hex
 * characters, the same for the same inputs and different when the number,
 * the PIN or the key differs; a comparison accepts only the right PIN for
 * the right number and refuses a stored hash that is not one. */
#include <sodium.h>
#include <stdlib.h>

#include "pin.h"
#include "tap.h"

static const unsigned char key_a[CFG_PIN_KEY_SIZE] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};

static bool all_hex(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static void test_hash(void)
{
	unsigned char key_b[CFG_PIN_KEY_SIZE];
	memcpy(key_b, key_a, sizeof key_b);
	key_b[31] ^= 1;

	char h1[PIN_HASH_SIZE], h2[PIN_HASH_SIZE], other[PIN_HASH_SIZE];
	memset(h1, 'x', sizeof h1);
	pin_hash(key_a, "996555123456", "1234", h1);
	is_int(strlen(h1), 64, "a hash is 64 characters");
	ok(all_hex(h1), "of lower-case hex");
	pin_hash(key_a, "996555123456", "1234", h2);
	is_str(h2, h1, "the same inputs give the same hash");

	pin_hash(key_a, "996555123457", "1234", other);
	ok(strcmp(other, h1) != 0, "another number gives another hash");
	pin_hash(key_a, "996555123456", "1235", other);
	ok(strcmp(other, h1) != 0, "another PIN gives another hash");
	pin_hash(key_b, "996555123456", "1234", other);
	ok(strcmp(other, h1) != 0, "another key gives another hash");
	/* The number and the PIN are separated: "9965551234561" + "234" is not
	 * "996555123456" + "1234". */
	pin_hash(key_a, "9965551234561", "234", other);
	ok(strcmp(other, h1) != 0, "number and PIN cannot be shifted into each other");
	pin_hash(key_a, "996555123456", "", other);
	is_int(strlen(other), 64, "an empty PIN still hashes");
}

static void test_matches(void)
{
	unsigned char key_b[CFG_PIN_KEY_SIZE];
	memcpy(key_b, key_a, sizeof key_b);
	key_b[0] ^= 0x80;
	char stored[PIN_HASH_SIZE];
	pin_hash(key_a, "996555123456", "1234", stored);

	ok(pin_matches(key_a, "996555123456", "1234", stored), "the right PIN matches");
	ok(!pin_matches(key_a, "996555123456", "1243", stored), "a wrong PIN does not");
	ok(!pin_matches(key_a, "996555123456", "", stored), "an empty PIN does not");
	ok(!pin_matches(key_a, "996555123456", "12345", stored), "a longer PIN does not");
	ok(!pin_matches(key_a, "996555654321", "1234", stored), "the right PIN from another number "
								"does not");
	ok(!pin_matches(key_b, "996555123456", "1234", stored), "under another key it does not");

	char upper[PIN_HASH_SIZE];
	for (size_t i = 0; i < sizeof upper; i++)
		upper[i] =
		    stored[i] >= 'a' && stored[i] <= 'f' ? (char)(stored[i] - 32) : stored[i];
	ok(pin_matches(key_a, "996555123456", "1234", upper), "upper-case hex is the same hash");

	char shorter[PIN_HASH_SIZE];
	memcpy(shorter, stored, sizeof shorter);
	shorter[62] = '\0';
	ok(!pin_matches(key_a, "996555123456", "1234", shorter), "a short stored hash is refused");
	shorter[63] = '\0';
	shorter[0] = '\0';
	ok(!pin_matches(key_a, "996555123456", "1234", shorter), "an empty stored hash is refused");
	ok(!pin_matches(key_a, "996555123456", "", ""), "an empty PIN against an empty hash too");

	char odd[PIN_HASH_SIZE];
	memcpy(odd, stored, sizeof odd);
	odd[63] = '\0';
	ok(!pin_matches(key_a, "996555123456", "1234", odd), "an odd number of digits is refused");

	char nonhex[PIN_HASH_SIZE];
	memcpy(nonhex, stored, sizeof nonhex);
	nonhex[10] = 'g';
	ok(!pin_matches(key_a, "996555123456", "1234", nonhex), "a non-hex stored hash is refused");
	nonhex[10] = stored[10];
	nonhex[0] = ' ';
	ok(!pin_matches(key_a, "996555123456", "1234", nonhex), "a space in it too");

	char longer[PIN_HASH_SIZE + 2];
	memcpy(longer, stored, 64);
	memcpy(longer + 64, "00", 3);
	ok(!pin_matches(key_a, "996555123456", "1234", longer), "a longer stored hash is refused");

	char flipped[PIN_HASH_SIZE];
	memcpy(flipped, stored, sizeof flipped);
	flipped[63] = flipped[63] == '0' ? '1' : '0';
	ok(!pin_matches(key_a, "996555123456", "1234", flipped), "one changed digit is refused");
}

/* The policy with a controlled clock: 3 in a row, 6 a day, 30 minutes
 * doubling. */
static void test_policy(void)
{
	const struct pin_policy p = {3, 6, 30};
	struct pin_state s = {0};
	int64_t t = 1800000000;
	ok(!pin_wrong(&p, &s, t) && !pin_wrong(&p, &s, t + 1), "two wrong PINs: no lock");
	ok(pin_wrong(&p, &s, t + 2), "the third locks");
	is_int((int)(s.locked_until - (t + 2)), 30 * 60, "for 30 minutes");
	t = s.locked_until;
	ok(!pin_wrong(&p, &s, t) && !pin_wrong(&p, &s, t) && pin_wrong(&p, &s, t),
	   "three more after the lock: locked again");
	ok(s.locked_until >= s.day_start + 86400,
	   "six in a day: locked until the day is over, whatever the doubling says");

	/* two guesses, a right PIN, two guesses ... : the run never reaches 3 */
	struct pin_state g = {0};
	int64_t u = 1800000000;
	bool locked = false;
	for (int cycle = 0; cycle < 3 && !locked; cycle++) {
		locked |= pin_wrong(&p, &g, u++);
		locked |= pin_wrong(&p, &g, u++);
		pin_right(&g, u++);
	}
	ok(locked && g.day_failures == 6,
	   "two guesses between right PINs: the sixth of the day locks");

	/* the doubling, and a day without a lock starting it again */
	struct pin_state d = {0};
	int64_t v = 1800000000, first, second;
	for (int i = 0; i < 3; i++)
		pin_wrong(&p, &d, v);
	first = d.locked_until - v;
	v = d.locked_until + 60;
	d.day_start = v; /* a new day of failures, so the daily cap stays out of it */
	d.day_failures = 0;
	for (int i = 0; i < 3; i++)
		pin_wrong(&p, &d, v);
	second = d.locked_until - v;
	is_int((int)second, (int)first * 2, "the next lock lasts twice as long");
	v = d.locked_until + 86400;
	pin_right(&d, v);
	is_int(d.locks, 0, "a day without a lock: the doubling starts again");
}

int main(void)
{
	if (sodium_init() < 0) {
		printf("Bail out! sodium_init failed\n");
		return 1;
	}
	test_hash();
	test_matches();
	test_policy();
	return tap_done();
}
