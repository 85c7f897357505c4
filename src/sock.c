// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The socket probe points' settings, filtered in the kernel. */
#include "session.h"
#include "sock.skel.h"

void psn__sock_configure(struct sock_bpf__rodata *ro,
			 const struct psn_session_opts *o)
{
	ro->probe_mask = o->sock_probes ? o->sock_probes : PSN_SOCK_DEFAULT_PROBES;
	ro->filt_family = o->sock_family > 0 ? o->sock_family : -1;
	ro->filt_protocol = o->sock_protocol > 0 ? o->sock_protocol : -1;
	ro->filt_type = o->sock_type > 0 ? o->sock_type : -1;
	ro->failed_only = o->failed_only;
}
