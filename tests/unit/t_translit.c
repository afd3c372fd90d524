/* Unit tests for gateway/translit.c: each language's letters, capitals,
 * pass-through of GSM-7, stand-ins, errors, and that the output always
 * measures as GSM-7 (every code point, every language). */
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "gsm.h"
#include "tap.h"
#include "translit.h"
#include "utf.h"

static char got[4096];

/* The transliteration of s (NUL-terminated) under lang, or "(error)". */
static const char *tr(const char *lang, const char *s)
{
	struct buf b;
	buf_init(&b, sizeof got - 1);
	int rc = translit_to_latin(lang, s, strlen(s), &b);
	snprintf(got, sizeof got, "%s", rc < 0 ? "(error)" : b.data ? b.data : "");
	buf_cleanup(&b);
	return got;
}

struct row {
	const char *in, *want;
};

static void check_rows(const char *lang, const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		is_str(tr(lang, rows[i].in), rows[i].want, "%s: %s", lang ? lang : "NULL",
		       rows[i].in);
}

#define CHECK_ROWS(lang, rows) check_rows(lang, rows, sizeof rows / sizeof rows[0])

static void test_russian(void)
{
	static const struct row rows[] = {
	    {"Привет", "Privet"},
	    {"абвгдеёжзийклмнопрстуфхцчшщъыьэюя", "abvgdeyozhziyklmnoprstufkhtschshshchyeyuya"},
	    {"АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ", "ABVGDEYOZHZIYKLMNOPRSTUFKHTSCHSHSHCHYEYUYA"},
	    {"Щука", "Shchuka"},
	    {"Жёлтый", "Zhyoltyy"},
	    {"ЖЁЛТЫЙ", "ZHYOLTYY"}, /* a word in capitals stays in capitals */
	    {"съешь", "sesh"},
	    {"Объявление", "Obyavlenie"},
	    {"Юлия", "Yuliya"},
	    {"Хорошо", "Khorosho"},
	    {"Цена: 100 руб.", "Tsena: 100 rub."},
	    {"Эй, ты!", "Ey, ty!"},
	    {"Ь", ""},
	};
	CHECK_ROWS("ru", rows);
	is_str(tr("en", "Привет"), "Privet", "en: Russian rules");
	is_str(tr(NULL, "Жизнь"), "Zhizn", "NULL: Russian rules");
	is_str(tr("de", "Жизнь"), "Zhizn", "an unknown language: Russian rules");
	is_str(tr("", "Жизнь"), "Zhizn", "an empty language: Russian rules");
}

static void test_kyrgyz(void)
{
	static const struct row rows[] = {
	    {"Саламатсызбы, ҮЙДӨМҮН", "Salamatsyzby, ÜYDÖMÜN"},
	    {"Жалал-Абад", "Jalal-Abad"},
	    {"Жогорку Кеңеш", "Jogorku Kengesh"},
	    {"Кыргызстан", "Kyrgyzstan"},
	    {"Бишкек", "Bishkek"},
	    {"үй", "üy"}, /* house */
	    {"уй", "uy"}, /* cow */
	    {"Өкмөт", "Ökmöt"},
	    {"Үй-бүлө", "Üy-bülö"},
	    {"жаңылык", "jangylyk"},
	    {"ЖАҢЫ", "JANGY"},
	    {"Ыссык-Көл", "Yssyk-Köl"},
	    {"Ош", "Osh"},
	    {"Чолпон-Ата", "Cholpon-Ata"},
	    {"«Салам»", "\"Salam\""},
	    {"Ә", "A"}, /* a Kazakh letter in Kyrgyz text */
	};
	CHECK_ROWS("ky", rows);
}

static void test_kazakh(void)
{
	static const struct row rows[] = {
	    {"Қазақстан", "Qazaqstan"},
	    {"әке", "ake"},
	    {"Әлем", "Alem"},
	    {"Ғылым", "Gylym"},
	    {"жаңа", "zhanga"},
	    {"Жамбыл", "Zhambyl"},
	    {"өмір", "omir"},
	    {"Ұлы", "Uly"},
	    {"Түркістан", "Turkistan"},
	    {"Һ һ", "H h"},
	    {"Білім", "Bilim"},
	    {"Ақтөбе", "Aqtobe"},
	    {"ӘҒҚҢӨҰҮҺІ", "AGQNGOUUHI"},
	};
	CHECK_ROWS("kk", rows);
}

static void test_tajik(void)
{
	static const struct row rows[] = {
	    {"Ҷумҳурии Тоҷикистон", "Jumhurii Tojikiston"},
	    {"Душанбе", "Dushanbe"},
	    {"Хуҷанд", "Khujand"},
	    {"Ғафуров", "Ghafurov"},
	    {"Қӯрғонтеппа", "Qurghonteppa"},
	    {"ҳаёт", "hayot"},
	    {"бародарӣ", "barodari"},
	    {"маъно", "ma'no"},
	    {"Ҷ ҷ Ҳ ҳ Ӯ ӯ Ӣ ӣ Қ қ Ғ ғ", "J j H h U u I i Q q Gh gh"},
	    {"Журнал", "Zhurnal"},
	};
	CHECK_ROWS("tg", rows);
}

static void test_uzbek(void)
{
	static const struct row rows[] = {
	    {"O\xca\xbbzbekiston", "O'zbekiston"},     /* ʻ U+02BB */
	    {"gʻalaba", "g'alaba"},                    /* ʻ U+02BB */
	    {"sanʼat", "san'at"},                      /* ʼ U+02BC */
	    {"O\xe2\x80\x98zbekiston", "O'zbekiston"}, /* ‘ U+2018 */
	    {"Ma\xe2\x80\x99lumot", "Ma'lumot"},       /* ’ U+2019 */
	    {"O'zbekiston", "O'zbekiston"},
	    {"Toshkent shahri", "Toshkent shahri"},
	    {"Ўзбекистон", "O'zbekiston"},
	    {"Ғалаба", "G'alaba"},
	    {"Тошкент", "Toshkent"},
	    {"хабар", "xabar"},
	    {"Ҳа", "Ha"},
	    {"жой", "joy"},
	    {"маъно", "ma'no"},
	    {"Қўқон", "Qo'qon"},
	    {"ЎҒ", "O'G'"},
	};
	CHECK_ROWS("uz", rows);
}

static void test_other_letters(void)
{
	static const struct row rows[] = {
	    {"Қазақстан", "Qazaqstan"}, /* other languages' letters */
	    {"Ўзбек", "Uzbek"},         {"ҳ ҷ ӣ ӯ ғ ң ө ү ұ һ і ә", "h j i u g ng o u u h i a"},
	    {"Європа", "Yevropa"},      {"Її Ґґ", "Yiyi Gg"},
	};
	CHECK_ROWS("ru", rows);
}

static void test_pass_through(void)
{
	static const char *const same[] = {
	    "Hello, world! 0123456789",
	    "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!\"#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà",
	    "^{}\\[~]|€",
	    "line one\r\nline two\nform\ffeed",
	    "Price: £5 or €6, 50% off",
	};
	static const char *const langs[] = {"ky", "kk", "tg", "ru", "uz", "en"};
	for (size_t l = 0; l < sizeof langs / sizeof langs[0]; l++)
		for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
			is_str(tr(langs[l], same[i]), same[i],
			       "%s: GSM-7 text %zu passes unchanged", langs[l], i);
}

static void test_stand_ins(void)
{
	static const struct row rows[] = {
	    {"«Привет»", "\"Privet\""},
	    {"„Привет“", "\"Privet\""},
	    {"“quoted”", "\"quoted\""},
	    {"it’s", "it's"},
	    {"`code`", "'code'"},
	    {"a – b — c", "a - b - c"},
	    {"Подождите…", "Podozhdite..."},
	    {"№5", "No5"},
	    {"+5°C", "+5C"},
	    {"100 ₽", "100 RUB"},
	    {"500 ₸", "500 KZT"},
	    {"a\tb", "a b"},
	    {"x\xc2\xa0y", "x y"},                                  /* no-break space */
	    {"x\xe2\x80\xafy", "x y"},                              /* narrow no-break space */
	    {"x\xe2\x80\x8by", "xy"},                               /* zero-width space */
	    {"\xef\xbb\xbfok", "ok"},                               /* byte order mark */
	    {"\xd0\xb8\xcc\x86", "i"},                              /* и + combining breve */
	    {"Ok \xf0\x9f\x98\x80", "Ok ?"},                        /* emoji */
	    {"\xe2\x9d\xa4\xef\xb8\x8f", "?"},                      /* ❤ + variation selector */
	    {"\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9", "??"}, /* man ZWJ woman */
	    {"á í ó ú ç ğ ş ı İ", "a i o u c g s i I"},
	    {"Œuvre ĳ", "OEuvre ij"},
	    {"× ÷ ½", "x / 1/2"},
	    {"中文 α", "?? ?"},
	    {"•", "*"},
	    {"\x01\x7f", "??"},
	    {"© ™", "(c) TM"},
	};
	CHECK_ROWS("ru", rows);
	struct buf b;
	buf_init(&b, 64);
	ok(translit_to_latin("ru", "a\0b", 3, &b) == 0 && b.len == 3 &&
	       memcmp(b.data, "a?b", 3) == 0,
	   "a NUL becomes '?'");
	buf_cleanup(&b);
}

static void test_errors(void)
{
	struct buf b;
	buf_init(&b, 64);
	buf_append(&b, "Hi ", 3);
	is_int(translit_to_latin("ru", "Мир", strlen("Мир"), &b), 0, "appends to what out holds");
	is_str(b.data, "Hi Mir", "... after it");
	is_int(translit_to_latin("ru", "\xd0", 1, &b), -1, "truncated UTF-8 is -1");
	is_int(translit_to_latin("ru", "ok\xff", 3, &b), -1, "byte FF is -1");
	is_int(translit_to_latin("ru", "\xed\xa0\x80", 3, &b), -1, "a surrogate is -1");
	ok(b.len == 6 && !b.overflowed, "invalid UTF-8 leaves out alone");
	is_int(translit_to_latin("ru", NULL, 0, &b), 0, "NULL with length 0 appends nothing");
	is_int(translit_to_latin("ru", NULL, 1, &b), -1, "NULL with a length is -1");
	is_int(translit_to_latin("ru", "x", 1, NULL), -1, "NULL out is -1");
	buf_cleanup(&b);

	buf_init(&b, 3);
	is_int(translit_to_latin("ru", "Привет", strlen("Привет"), &b), -1,
	       "passing out's maximum is -1");
	ok(b.overflowed, "... out is marked overflowed");
	is_str(b.data, "Pri", "... and keeps a prefix");
	buf_cleanup(&b);

	buf_init(&b, 4);
	is_int(translit_to_latin("ru", "Щ", strlen("Щ"), &b), 0, "Shch fits a maximum of 4");
	is_int(translit_to_latin("ru", "", 0, &b), 0, "the empty text appends nothing");
	is_int(translit_to_latin("ru", "a", 1, &b), -1, "one more byte does not fit");
	buf_cleanup(&b);
}

/* Every code point of the BMP and some beyond, one at a time, under every
 * language: the output is GSM-7, at most twice the input's bytes, and a
 * GSM-7 character comes out as itself. */
static void test_every_code_point(void)
{
	static const char *const langs[] = {"ky", "kk", "tg", "ru", "uz", "en", NULL};
	static const uint32_t astral[] = {0x10000, 0x1f600, 0x1f468, 0xe0001, 0x10fffd, 0x10ffff};
	for (size_t l = 0; l < sizeof langs / sizeof langs[0]; l++) {
		size_t bad = 0, tried = 0;
		struct buf b;
		buf_init(&b, 64);
		for (uint32_t cp = 0; cp < 0x10000 + sizeof astral / sizeof astral[0]; cp++) {
			uint32_t c = cp < 0x10000 ? cp : astral[cp - 0x10000];
			if (c >= 0xd800 && c <= 0xdfff)
				continue;
			char in[4];
			size_t n = utf8_put(c, in);
			struct gsm_fit f;
			b.len = 0;
			tried++;
			if (translit_to_latin(langs[l], in, n, &b) < 0 ||
			    gsm_measure(b.data ? b.data : "", b.len, &f) < 0 ||
			    f.coding != GSM_CODING_GSM7 || b.len > 2 * n ||
			    (gsm_char_septets(c) && (b.len != n || memcmp(b.data, in, n) != 0))) {
				if (bad++ < 5)
					printf("#   U+%04X\n", (unsigned)c);
			}
		}
		buf_cleanup(&b);
		ok(bad == 0, "%s: each of %zu code points comes out GSM-7, at most twice as long",
		   langs[l] ? langs[l] : "NULL", tried);
	}
}

static void test_long_text(void)
{
	static const struct {
		const char *lang, *text;
	} texts[] = {
	    {"ky", "Саламатсызбы! Эртең саат 10:00дө Бишкектеги ооруканада дарыгердин "
		   "кабыл алуусу бар. Паспортуңузду жана медициналык картаңызды ала "
		   "келиңиз. Суроолоруңуз болсо, «1» деп жооп бериңиз — биз сизге "
		   "чалабыз. Ден соолугуңуз чың болсун! 😀 №5, Жалал-Абад."},
	    {"kk", "Сәлеметсіз бе! Ертең сағат 10:00-де Қарағандыдағы емханада дәрігердің "
		   "қабылдауы бар. Төлқұжатыңызды алыңыз. Сұрақтарыңыз болса, «1» деп "
		   "жауап беріңіз. Денсаулығыңыз мықты болсын! Өскемен, Үржар, Һ."},
	    {"tg", "Ассалому алейкум! Фардо соати 10:00 дар беморхонаи Душанбе қабули "
		   "духтур аст. Шиносномаатонро гиред. Агар савол дошта бошед, «1» "
		   "нависед — мо ба шумо занг мезанем. Ҷумҳурии Тоҷикистон, Хуҷанд, Ӯ, Ӣ."},
	    {"ru", "Здравствуйте! Завтра в 10:00 у вас приём у врача в больнице Бишкека. "
		   "Возьмите паспорт и медицинскую карту. Если есть вопросы, ответьте «1» "
		   "— мы вам позвоним. Будьте здоровы! Щёкотно, съешь, ЪЫЬЭЮЯ…"},
	    {"uz", "Assalomu alaykum! Ertaga soat 10:00 da Toshkentdagi shifoxonada "
		   "shifokor qabuli bor. Pasportingizni olib keling. Oʻzbekiston, "
		   "gʻalaba, sanʼat, O‘zbek, Ўзбекистон, Ғалаба, Қўқон, хабар — «1»."},
	    {"en", "Hello! Your appointment is tomorrow at 10:00 in Bishkek hospital. "
		   "Bring your passport — reply “1” if you have questions… Привет, "
		   "Қазақстан, Ҷумҳурӣ, €5, {ok}, [x], ~y, |z|, ^, \\."},
	};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct buf b, again;
		struct gsm_fit before, after;
		buf_init(&b, 4096);
		buf_init(&again, 4096);
		size_t len = strlen(texts[i].text);
		int rc = translit_to_latin(texts[i].lang, texts[i].text, len, &b);
		ok(rc == 0 && gsm_measure(b.data, b.len, &after) == 0 &&
		       after.coding == GSM_CODING_GSM7,
		   "%s: a long mixed text comes out GSM-7", texts[i].lang);
		rc = gsm_measure(texts[i].text, len, &before);
		ok(rc == 0 && before.coding == GSM_CODING_UCS2 && after.segments < before.segments,
		   "%s: %zu UCS-2 parts become %zu GSM-7 parts", texts[i].lang, before.segments,
		   after.segments);
		ok(translit_to_latin(texts[i].lang, b.data, b.len, &again) == 0 &&
		       again.len == b.len && memcmp(again.data, b.data, b.len) == 0,
		   "%s: transliterating the result again changes nothing", texts[i].lang);
		buf_cleanup(&b);
		buf_cleanup(&again);
	}
}

int main(void)
{
	test_russian();
	test_kyrgyz();
	test_kazakh();
	test_tajik();
	test_uzbek();
	test_other_letters();
	test_pass_through();
	test_stand_ins();
	test_errors();
	test_every_code_point();
	test_long_text();
	return tap_done();
}
