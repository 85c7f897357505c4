// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "line.h"

static size_t room(const struct line *l)
{
	return LINE_SIZE - l->len;
}

void line_mem_cut(struct line *l, const char *s, size_t n)
{
	if (n > room(l))
		n = room(l);
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

void line_spaces(struct line *l, size_t n)
{
	if (n > room(l))
		n = room(l);
	memset(l->buf + l->len, ' ', n);
	l->len += n;
}

void line_pad(struct line *l, size_t start, size_t width)
{
	if (l->len - start < width)
		line_spaces(l, width - (l->len - start));
}

void line_align(struct line *l, size_t start, size_t width)
{
	size_t n = l->len - start, shift;

	if (n >= width)
		return;
	shift = width - n;
	if (shift > room(l))
		shift = room(l);
	memmove(l->buf + start + shift, l->buf + start, n);
	memset(l->buf + start, ' ', shift);
	l->len += shift;
}

/* A few bytes: a loop, not a call to memcpy. */
static void line_few(struct line *l, const char *p, const char *end)
{
	while (p < end && room(l))
		l->buf[l->len++] = *p++;
}

/* "00".."99": two digits per divide by a constant (a multiply). */
static const char digit_pairs[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536"
	"37383940414243444546474849505152535455565758596061626364656667686970717273"
	"7475767778798081828384858687888990919293949596979899";

/* v's digits, written back from end; where they begin. */
static char *digits_back(char *end, uint64_t v)
{
	for (; v >= 100; v /= 100) {
		end -= 2;
		memcpy(end, digit_pairs + 2 * (v % 100), 2);
	}
	if (v >= 10) {
		end -= 2;
		memcpy(end, digit_pairs + 2 * v, 2);
	} else {
		*--end = '0' + v;
	}
	return end;
}

size_t line_u64_len(uint64_t v)
{
	size_t n = 1;

	for (uint64_t p = 10; n < 20 && v >= p; p *= 10)
		n++;
	return n;
}

/*
 * Made from the right, in place: a divide by a variable base per digit was
 * a tenth of the tool's CPU time, and a copy from a buffer most of the rest.
 */
static void line_u64_fill(struct line *l, uint64_t v, size_t width, char fill)
{
	size_t n = line_u64_len(v);
	char buf[20];

	for (; width > n && room(l); width--)
		l->buf[l->len++] = fill;
	if (n <= room(l)) {
		l->len += n;
		digits_back(l->buf + l->len, v);
		return;
	}
	line_few(l, digits_back(buf + sizeof(buf), v), buf + sizeof(buf));
}

void line_u64_right(struct line *l, uint64_t v, size_t width)
{
	line_u64_fill(l, v, width, ' ');
}

void line_u64_zeros(struct line *l, uint64_t v, size_t width)
{
	line_u64_fill(l, v, width, '0');
}

void line_u64(struct line *l, uint64_t v)
{
	line_u64_right(l, v, 0);
}

void line_i64(struct line *l, int64_t v)
{
	if (v < 0) {
		line_chr(l, '-');
		line_u64(l, -(uint64_t)v);
		return;
	}
	line_u64(l, v);
}

void line_hex(struct line *l, uint64_t v, size_t min_digits)
{
	char buf[64], *p = buf + sizeof(buf);

	do {
		*--p = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (p > buf && (v || (size_t)(buf + sizeof(buf) - p) < min_digits));
	line_few(l, p, buf + sizeof(buf));
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (len > n)
		return 0;
	cp = s[0] & (0x3f >> (len - 1));
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

#define JSON_ESCAPE_MAX 6	/* \u00XX */

static void line_uescape(struct line *l, unsigned char c)
{
	line_mem(l, "\\u00", 4);
	line_hex(l, c, 2);
}

/* How many bytes from s on need no escape: most of every string. */
static size_t json_plain(const unsigned char *s, size_t n)
{
	size_t k = 0;

	while (k < n && s[k] >= 0x20 && s[k] < 0x7f && s[k] != '"' && s[k] != '\\')
		k++;
	return k;
}

size_t line_json(struct line *l, const char *src, size_t n)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, u;

	while (i < n && room(l) >= JSON_ESCAPE_MAX) {
		/* A run copied at once, as far as byte by byte would have gone. */
		u = json_plain(s + i, n - i);
		if (u) {
			if (u > room(l) - JSON_ESCAPE_MAX + 1)
				u = room(l) - JSON_ESCAPE_MAX + 1;
			line_mem(l, src + i, u);
			i += u;
			continue;
		}
		if (s[i] == '"' || s[i] == '\\') {
			line_chr(l, '\\');
			line_chr(l, s[i]);
		} else if (s[i] == '\n') {
			line_mem(l, "\\n", 2);
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			line_uescape(l, s[i]);
		} else if ((u = utf8_len(s + i, n - i))) {
			line_mem(l, src + i, u);
			i += u;
			continue;
		} else {
			line_uescape(l, s[i]);
		}
		i++;
	}
	return i;
}

int line_write(struct line *l, FILE *f)
{
	size_t n = l->len;

	l->len = 0;
	return fwrite_unlocked(l->buf, 1, n, f) == n ? 0 : EOF;
}
