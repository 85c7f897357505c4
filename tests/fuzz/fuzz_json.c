// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer: a traced process names itself anything; the JSON string we
 * write for it must stay valid: no raw control bytes, only valid UTF-8.
 */
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0x80 ? 1 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;

	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	json_write_str(f, (const char *)data, size);
	fclose(f);
	for (size_t i = 0; i < len;) {
		unsigned char c = out[i];
		size_t n;

		if (c < 0x20 || c == 0x7f || (c == '"' && (!i || out[i - 1] != '\\')))
			abort();
		n = utf8_seq((const unsigned char *)out + i, len - i);
		if (!n || (c >= 0x80 && c < 0xc2))
			abort();
		i += n;
	}
	free(out);
	return 0;
}
