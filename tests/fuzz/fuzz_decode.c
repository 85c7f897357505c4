// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: any bytes as a ring-buffer record must decode or be refused. */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct psn_epoll_item items[PSN_MAX_EVENTS_PER_WAIT];
	struct psn_event ev;
	void *rec = malloc(size ? size : 1);	/* records arrive 8-byte aligned */
	int r;

	memcpy(rec, data, size);
	r = psn__decode(rec, size, &ev, items);
	if (r == 1 && ev.type == PSN_EVENT_EPOLL_WAIT) {
		uint64_t sum = 0;

		for (uint32_t i = 0; i < ev.epoll_wait.nevents; i++)
			sum += ev.epoll_wait.events[i].data;
		(void)sum;
	}
	free(rec);
	return 0;
}
