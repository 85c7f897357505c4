// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: the name parsers take user input (-e, --family, masks). */
#include <stdlib.h>
#include <string.h>
#include "portsnoop.h"

static void check_round_trip(uint32_t mask)
{
	char buf[512];
	uint32_t back;

	if (psn_epoll_events_str(mask, buf, sizeof(buf)) >= (int)sizeof(buf))
		abort();
	if (psn_epoll_events_parse(buf, &back) || back != mask)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	uint64_t probes;
	uint32_t mask;
	char buf[64];

	memcpy(s, data, size);
	s[size] = '\0';
	if (!psn_epoll_events_parse(s, &mask))
		check_round_trip(mask);
	psn_sock_probe_parse(s, &probes);
	psn_sock_prot_str2num(s);
	psn_sock_fam_str2num(s);
	psn_sock_state_str2num(s);
	psn_sock_type_str2num(s);
	psn_epoll_op_parse(s);
	if (size >= 8) {
		uint64_t v;

		memcpy(&v, data, sizeof(v));
		psn_sock_flags_num2str(v, buf, sizeof(buf));
		psn_msg_flags_num2str((uint32_t)v, buf, sizeof(buf));
		psn_epoll_events_str((uint32_t)v, buf, sizeof(buf));
		check_round_trip((uint32_t)v);
	}
	free(s);
	return 0;
}
