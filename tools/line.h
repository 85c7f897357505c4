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

#define LINE_SIZE 4096

struct line {
	size_t len;
	char buf[LINE_SIZE];
};

void line_mem(struct line *l, const char *s, size_t n);
/* A name table's NULL (a number it does not know) is written "?". */
void line_str(struct line *l, const char *s);
void line_chr(struct line *l, char c);
void line_spaces(struct line *l, size_t n);
/* Pad what was appended since start with spaces to width, as "%-*s". */
void line_pad(struct line *l, size_t start, size_t width);
/* Move what was appended since start right, to end at width, as "%*s". */
void line_align(struct line *l, size_t start, size_t width);
/* As "%" PRIu64, "%" PRId64 and "%" PRIx64 (at least min_digits digits). */
void line_u64(struct line *l, uint64_t v);
/* As "%*" PRIu64. */
void line_u64_right(struct line *l, uint64_t v, size_t width);
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
