// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The socket probe points' settings, filtered in the kernel. */
#include "session.h"
#include "sock.skel.h"

void psn__sock_configure(struct sock_bpf__rodata *ro,
			 const struct psn_session_opts *o)
{
	ro->probe_mask = o->sock_probes ? o->sock_probes : PSN_SOCK_DEFAULT_PROBES;
	ro->filt_family = o->sock_family;
	ro->filt_protocol = o->sock_protocol;
	ro->filt_type = o->sock_type;
	ro->failed_only = o->failed_only;
}
