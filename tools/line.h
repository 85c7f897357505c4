/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * An output line built in memory and written with one fwrite.  printf's
 * format parsing was four fifths of the tools' own time at a million
 * records a second; these appends are what the lines need and no more.
 * What does not fit in the line is cut, never written past its end.
 */
#ifndef PSN_LINE_H
#define PSN_LINE_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define LINE_SIZE 4096

struct line {
	size_t len;
	char buf[LINE_SIZE];
};

/* What does not fit, cut; line_mem's slow path. */
void line_mem_cut(struct line *l, const char *s, size_t n);

/*
 * Inline: most appends are literal keys and short names, whose strlen and
 * memcpy the compiler then makes a few moves (they were a fifth of -j's time).
 */
static inline void line_mem(struct line *l, const char *s, size_t n)
{
	if (n > LINE_SIZE - l->len) {
		line_mem_cut(l, s, n);
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

/* A name table's NULL (a number it does not know) is written "?". */
static inline void line_str(struct line *l, const char *s)
{
	if (!s)
		s = "?";
	line_mem(l, s, strlen(s));
}

static inline void line_chr(struct line *l, char c)
{
	if (l->len < LINE_SIZE)
		l->buf[l->len++] = c;
}

void line_spaces(struct line *l, size_t n);
/* Pad what was appended since start with spaces to width, as "%-*s". */
void line_pad(struct line *l, size_t start, size_t width);
/* Move what was appended since start right, to end at width, as "%*s". */
void line_align(struct line *l, size_t start, size_t width);
/* As "%" PRIu64, "%" PRId64 and "%" PRIx64 (at least min_digits digits). */
void line_u64(struct line *l, uint64_t v);
/* As "%*" PRIu64 and "%0*" PRIu64. */
void line_u64_right(struct line *l, uint64_t v, size_t width);
void line_u64_zeros(struct line *l, uint64_t v, size_t width);
/* How many digits line_u64 writes for v. */
size_t line_u64_len(uint64_t v);
void line_i64(struct line *l, int64_t v);
void line_hex(struct line *l, uint64_t v, size_t min_digits);
/*
 * Append src (at most n bytes) as the inside of a JSON string: quotes,
 * backslashes and control bytes escaped, bytes that are not UTF-8 as
 * \u00XX.  Returns the bytes of src taken: it stops before a character
 * whose escape would not fit.
 */
size_t line_json(struct line *l, const char *src, size_t n);
/* Write the line to f and empty it; 0, or EOF as fwrite's error. */
int line_write(struct line *l, FILE *f);

#endif /* PSN_LINE_H */
