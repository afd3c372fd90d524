/* gsm — see gsm.h. */
#include "gsm.h"

#include "utf.h"

/* The GSM 7-bit default alphabet (3GPP TS 23.038 6.2.1): the Unicode code
 * point of each septet 0x00-0x7f. 0x1b is the escape to the extension table,
 * not a character; 0 marks it here (U+0000 is not in GSM-7: 0x00 is '@'). */
static const uint16_t gsm_default[128] = {
    0x0040, 0x00a3, 0x0024, 0x00a5, 0x00e8, 0x00e9, 0x00f9, 0x00ec, /* 00: @ £ $ ¥ è é ù ì */
    0x00f2, 0x00c7, 0x000a, 0x00d8, 0x00f8, 0x000d, 0x00c5, 0x00e5, /* 08: ò Ç LF Ø ø CR Å å */
    0x0394, 0x005f, 0x03a6, 0x0393, 0x039b, 0x03a9, 0x03a0, 0x03a8, /* 10: Δ _ Φ Γ Λ Ω Π Ψ */
    0x03a3, 0x0398, 0x039e, 0x0000, 0x00c6, 0x00e6, 0x00df, 0x00c9, /* 18: Σ Θ Ξ ESC Æ æ ß É */
    0x0020, 0x0021, 0x0022, 0x0023, 0x00a4, 0x0025, 0x0026, 0x0027, /* 20: SP ! " # ¤ % & ' */
    0x0028, 0x0029, 0x002a, 0x002b, 0x002c, 0x002d, 0x002e, 0x002f, /* 28: ( ) * + , - . / */
    0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037, /* 30: 0-7 */
    0x0038, 0x0039, 0x003a, 0x003b, 0x003c, 0x003d, 0x003e, 0x003f, /* 38: 8 9 : ; < = > ? */
    0x00a1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047, /* 40: ¡ A-G */
    0x0048, 0x0049, 0x004a, 0x004b, 0x004c, 0x004d, 0x004e, 0x004f, /* 48: H-O */
    0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057, /* 50: P-W */
    0x0058, 0x0059, 0x005a, 0x00c4, 0x00d6, 0x00d1, 0x00dc, 0x00a7, /* 58: X Y Z Ä Ö Ñ Ü § */
    0x00bf, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067, /* 60: ¿ a-g */
    0x0068, 0x0069, 0x006a, 0x006b, 0x006c, 0x006d, 0x006e, 0x006f, /* 68: h-o */
    0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077, /* 70: p-w */
    0x0078, 0x0079, 0x007a, 0x00e4, 0x00f6, 0x00f1, 0x00fc, 0x00e0, /* 78: x y z ä ö ñ ü à */
};

/* The extension table (TS 23.038 6.2.1.1): each goes as the escape 0x1b and
 * then the septet in the comment, so it takes two. None of these is in the
 * default alphabet; the rest of the extension table is unassigned. */
static const uint16_t gsm_extension[] = {
    0x000c, /* 0x0a form feed */
    0x005e, /* 0x14 ^ */
    0x007b, /* 0x28 { */
    0x007d, /* 0x29 } */
    0x005c, /* 0x2f \ */
    0x005b, /* 0x3c [ */
    0x007e, /* 0x3d ~ */
    0x005d, /* 0x3e ] */
    0x007c, /* 0x40 | */
    0x20ac, /* 0x65 € */
};

int gsm_char_septets(uint32_t cp)
{
	/* The common case first: ASCII that the default alphabet has (0x24 '$'
	 * and 0x40 '@' are there, at other septets). The tables decide the rest. */
	if ((cp >= 0x20 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp == 0x5f || cp == 0x0a ||
	    cp == 0x0d)
		return 1;
	if (cp == 0 || cp > 0xffff)
		return 0; /* 0 marks the escape slot; GSM-7 is all in the BMP */
	for (size_t i = 0; i < sizeof gsm_default / sizeof gsm_default[0]; i++)
		if (gsm_default[i] == cp)
			return 1;
	for (size_t i = 0; i < sizeof gsm_extension / sizeof gsm_extension[0]; i++)
		if (gsm_extension[i] == cp)
			return 2;
	return 0;
}

/* Places a character of width units into parts of part units each: it
 * opens a new part rather than straddle two. */
static void place(size_t *parts, size_t *fill, size_t width, size_t part)
{
	if (*fill + width > part) {
		(*parts)++;
		*fill = 0;
	}
	*fill += width;
}

bool gsm_needs_ucs2(const char *utf8, size_t len)
{
	struct gsm_fit fit;
	return gsm_measure(utf8, len, &fit) < 0 || fit.coding == GSM_CODING_UCS2;
}

int gsm_measure(const char *utf8, size_t len, struct gsm_fit *out)
{
	if (len && !utf8)
		return -1;
	if (!utf8_valid(utf8, len))
		return -1;
	/* Both codings are counted in one pass; the first character outside
	 * GSM-7 stops the GSM-7 count, which is then unused. */
	bool gsm7 = true;
	size_t chars = 0, septets = 0, gsm_parts = 1, gsm_fill = 0;
	size_t utf16 = 0, ucs_parts = 1, ucs_fill = 0;
	size_t i = 0;
	while (i < len) {
		uint32_t cp = utf8_next(utf8, &i);
		chars++;
		if (gsm7) {
			int w = gsm_char_septets(cp);
			if (w == 0) {
				gsm7 = false;
			} else {
				septets += (size_t)w;
				place(&gsm_parts, &gsm_fill, (size_t)w, GSM_GSM7_PART);
			}
		}
		size_t u = cp > 0xffff ? 2 : 1;
		utf16 += u;
		place(&ucs_parts, &ucs_fill, u, GSM_UCS2_PART);
	}
	out->chars = chars;
	if (gsm7) {
		out->coding = GSM_CODING_GSM7;
		out->units = septets;
		out->segments = septets <= GSM_GSM7_SINGLE ? 1 : gsm_parts;
	} else {
		out->coding = GSM_CODING_UCS2;
		out->units = utf16;
		out->segments = utf16 <= GSM_UCS2_SINGLE ? 1 : ucs_parts;
	}
	return 0;
}

bool gsm_fits_ussd(const struct gsm_fit *f, const struct gsm_ussd_budget *b)
{
	struct gsm_ussd_budget fallback = GSM_USSD_DEFAULT;
	if (!b)
		b = &fallback;
	if (f->coding == GSM_CODING_GSM7)
		return f->units <= b->gsm7_chars;
	return f->units <= b->ucs2_chars;
}

const char *gsm_coding_name(enum gsm_coding coding)
{
	switch (coding) {
	case GSM_CODING_GSM7: return "gsm7";
	case GSM_CODING_UCS2: return "ucs2";
	}
	return "unknown";
}
