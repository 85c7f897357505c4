/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The reader's pause while records flow.  The ring's poll returns at once
 * while any record is pending, so a reader that polled after each drain
 * would wake per handful of records; a wake-up cost ~30 us of CPU under
 * redis on the 2-CPU VM, and preempts a traced thread.  So while records
 * flow the reader sleeps, then drains what gathered.  Header-only: the
 * bench's floor reads its ring the same way.
 */
#ifndef PSN_GATHER_H
#define PSN_GATHER_H

#include <stddef.h>
#include <stdint.h>

/* The kernel side wakes the reader once this share of the ring is unread. */
#define PSN_WAKEUP_SHARE 16
#define PSN_GATHER_MAX_NS 10000000ull	/* output stays prompt */
#define PSN_GATHER_MIN_NS 50000ull	/* shorter is not worth a sleep */

/*
 * The pause after `bytes` came in `ns`: long enough to fill half the
 * wake-up threshold at that rate, so a rate twice as high still stays
 * under it; past it every record asks the kernel for a wake-up no one
 * waits for.  0: do not sleep.
 */
static inline uint64_t psn__gather_ns(size_t ringbuf_size, uint64_t bytes,
				      uint64_t ns)
{
	double pause = PSN_GATHER_MAX_NS;

	if (bytes)
		pause = (double)ringbuf_size / (2 * PSN_WAKEUP_SHARE) * ns /
			bytes;
	if (pause < PSN_GATHER_MIN_NS)
		return 0;
	return pause < PSN_GATHER_MAX_NS ? (uint64_t)pause : PSN_GATHER_MAX_NS;
}

#endif /* PSN_GATHER_H */
