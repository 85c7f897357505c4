// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "line.h"

static size_t room(const struct line *l)
{
	return LINE_SIZE - l->len;
}

void line_mem(struct line *l, const char *s, size_t n)
{
	if (n > room(l))
		n = room(l);
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

void line_str(struct line *l, const char *s)
{
	if (!s)
		s = "?";
	line_mem(l, s, strlen(s));
}

void line_chr(struct line *l, char c)
{
	if (room(l))
		l->buf[l->len++] = c;
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

/* v's digits in base (10 or 16), at least min of them. */
static void line_digits(struct line *l, uint64_t v, unsigned base, size_t min)
{
	static const char digit[] = "0123456789abcdef";
	char rev[64];
	size_t n = 0;

	do {
		rev[n++] = digit[v % base];
		v /= base;
	} while (v || (n < min && n < sizeof(rev)));
	while (n && room(l))
		l->buf[l->len++] = rev[--n];
}

void line_u64(struct line *l, uint64_t v)
{
	line_digits(l, v, 10, 1);
}

void line_i64(struct line *l, int64_t v)
{
	if (v < 0) {
		line_chr(l, '-');
		line_digits(l, -(uint64_t)v, 10, 1);
		return;
	}
	line_digits(l, v, 10, 1);
}

void line_hex(struct line *l, uint64_t v, size_t min_digits)
{
	line_digits(l, v, 16, min_digits);
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

size_t line_json(struct line *l, const char *src, size_t n)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, u;

	while (i < n && room(l) >= JSON_ESCAPE_MAX) {
		if (s[i] == '"' || s[i] == '\\') {
			line_chr(l, '\\');
			line_chr(l, s[i]);
		} else if (s[i] == '\n') {
			line_mem(l, "\\n", 2);
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			line_uescape(l, s[i]);
		} else if (s[i] < 0x80) {
			line_chr(l, s[i]);
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
