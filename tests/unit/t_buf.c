/* Unit tests for gateway/buf.c: growth, the hard maximum, the sticky
 * overflowed flag, printf and the terminator after the data. */
#include <stdlib.h>

#include "buf.h"
#include "tap.h"

static void test_init(void)
{
	struct buf b;
	buf_init(&b, 100);
	is_int(b.len, 0, "a new buffer is empty");
	is_int(b.max, 100, "init keeps the maximum");
	ok(!b.overflowed, "a new buffer is not overflowed");
	is_int(buf_append(&b, "", 0), 0, "appending nothing succeeds");
	ok(b.data != NULL, "appending nothing still allocates the terminator");
	is_str(b.data, "", "and the data is the empty string");
	buf_cleanup(&b);
	ok(b.data == NULL && b.len == 0 && b.cap == 0, "cleanup resets the buffer");
	buf_cleanup(&b); /* twice is harmless */
	ok(1, "cleanup twice is harmless");
}

static void test_append(void)
{
	struct buf b;
	buf_init(&b, 1000);
	is_int(buf_append(&b, "abc", 3), 0, "append abc");
	is_int(b.len, 3, "length 3");
	is_str(b.data, "abc", "data is abc");
	is_int(b.data[3], '\0', "NUL after the data");
	is_int(buf_append(&b, "de\0f", 4), 0, "append bytes with a NUL");
	is_int(b.len, 7, "length counts the NUL");
	is_mem(b.data, b.len, "abcde\0f", 7, "binary data kept");
	is_int(b.data[7], '\0', "NUL after binary data");
	buf_cleanup(&b);
}

static void test_growth(void)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	char chunk[100];
	memset(chunk, 'x', sizeof chunk);
	int failed = 0;
	for (int i = 0; i < 50; i++) {
		chunk[0] = (char)('A' + i % 26);
		failed |= buf_append(&b, chunk, sizeof chunk);
	}
	is_int(failed, 0, "50 appends of 100 bytes succeed");
	is_int(b.len, 5000, "length 5000");
	ok(b.cap > b.len, "capacity grew past the length");
	int same = 1;
	for (int i = 0; i < 50; i++)
		same &= b.data[i * 100] == (char)('A' + i % 26) && b.data[i * 100 + 99] == 'x';
	ok(same, "every chunk is where it was appended");
	is_int(b.data[5000], '\0', "NUL after grown data");

	char *big = malloc(300000);
	memset(big, 'y', 300000);
	is_int(buf_append(&b, big, 300000), 0, "one large append");
	is_int(b.len, 305000, "length after the large append");
	ok(b.cap >= 305001, "capacity covers data and terminator");
	is_int(b.data[305000], '\0', "NUL after the large append");
	free(big);
	buf_cleanup(&b);
}

static void test_max(void)
{
	struct buf b;
	buf_init(&b, 10);
	is_int(buf_append(&b, "0123456789", 10), 0, "exactly max bytes fit");
	is_int(b.len, 10, "length is max");
	ok(b.cap <= 11, "capacity never passes max + 1");
	ok(!b.overflowed, "not overflowed at exactly max");
	is_int(buf_append(&b, "x", 1), -1, "one byte past max fails");
	ok(b.overflowed, "overflowed is set");
	is_int(b.len, 10, "the data is kept");
	is_str(b.data, "0123456789", "and unchanged");
	is_int(buf_append(&b, "", 0), -1, "overflowed is sticky: even an empty append fails");
	is_int(buf_printf(&b, "%s", ""), -1, "overflowed is sticky for printf");
	buf_cleanup(&b);

	buf_init(&b, 10);
	is_int(buf_append(&b, "0123", 4), 0, "4 bytes into max 10");
	is_int(buf_append(&b, "0123456", 7), -1, "7 more would pass max");
	ok(b.overflowed, "overflowed after a too-large append");
	is_str(b.data, "0123", "what was there is kept");
	is_int(buf_append(&b, "ab", 2), -1, "a later append that would fit is ignored");
	is_str(b.data, "0123", "still only the first data");
	buf_cleanup(&b);

	buf_init(&b, 0);
	is_int(buf_append(&b, "", 0), 0, "max 0 takes an empty append");
	is_str(b.data, "", "max 0 buffer is the empty string");
	is_int(buf_append(&b, "a", 1), -1, "max 0 rejects one byte");
	buf_cleanup(&b);

	buf_init(&b, 1000);
	char big[1001];
	memset(big, 'z', sizeof big);
	is_int(buf_append(&b, big, sizeof big), -1, "an append larger than max fails at once");
	ok(b.overflowed, "overflowed on the first append");
	is_int(b.len, 0, "nothing was kept");
	buf_cleanup(&b);
}

static void test_printf(void)
{
	struct buf b;
	buf_init(&b, 64);
	is_int(buf_printf(&b, "%d-%s", 42, "x"), 0, "printf");
	is_str(b.data, "42-x", "printf output");
	is_int(b.len, 4, "printf length");
	is_int(buf_printf(&b, " %05.1f|%c", 3.14159, 'q'), 0, "second printf appends");
	is_str(b.data, "42-x 003.1|q", "both outputs");
	is_int(b.len, strlen("42-x 003.1|q"), "length after two printfs");
	is_int(buf_printf(&b, "%s", ""), 0, "empty printf");
	is_int(b.len, 12, "empty printf adds nothing");
	buf_cleanup(&b);

	buf_init(&b, 5);
	is_int(buf_printf(&b, "%s", "12345"), 0, "printf of exactly max");
	is_str(b.data, "12345", "exact output");
	is_int(buf_printf(&b, "%d", 6), -1, "printf past max fails");
	ok(b.overflowed, "printf sets overflowed");
	is_str(b.data, "12345", "data unchanged after a failed printf");
	buf_cleanup(&b);

	buf_init(&b, 8);
	is_int(buf_printf(&b, "%s", "abc"), 0, "printf abc");
	is_int(buf_printf(&b, "%s", "defghij"), -1, "printf that would pass max fails");
	is_str(b.data, "abc", "the partial output is not kept");
	is_int(b.len, 3, "length unchanged");
	is_int(buf_append(&b, "d", 1), -1, "append after a failed printf fails");
	buf_cleanup(&b);

	buf_init(&b, 100000);
	char word[1000];
	memset(word, 'w', sizeof word - 1);
	word[sizeof word - 1] = '\0';
	int failed = 0;
	for (int i = 0; i < 20; i++)
		failed |= buf_printf(&b, "%s\n", word);
	is_int(failed, 0, "printf grows the buffer");
	is_int(b.len, 20000, "20 lines of 1000 bytes");
	is_int(b.data[b.len], '\0', "NUL after printf output");
	ok(b.data[999] == '\n' && b.data[19999] == '\n', "lines in place");
	buf_cleanup(&b);
}

int main(void)
{
	test_init();
	test_append();
	test_growth();
	test_max();
	test_printf();
	return tap_done();
}
