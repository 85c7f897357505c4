// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Names: syscalls, errno values, epoll ops and masks, the socket probe points
 * and the socket tapset's name tables (protocol, family, state, type, flags).
 *
 * Every table is a list of {number, name}.  One lookup goes number -> name,
 * one goes name -> number (case-insensitively, also after stripping a C
 * prefix such as "AF_"), and one writes a bit mask as "A|B|0x..".
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "portsnoop.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct name_ent {
	uint64_t num;
	const char *name;
};

struct name_table {
	const struct name_ent *ent;
	size_t n;
	const char *const *pfx;		/* C prefixes str2num strips, NULL-ended */
	const struct name_table *c_only; /* names valid only after a prefix */
	const char *out_pfx;		/* mask strings: put before each name */
};

#define TABLE(ents, pfxs, conly, outp)                                        \
	{ .ent = (ents), .n = ARRAY_SIZE(ents), .pfx = (pfxs),                \
	  .c_only = (conly), .out_pfx = (outp) }

/* ---- syscalls, errno ---------------------------------------------------- */

static const char *const syscall_names[PSN_SYS__MAX] = {
	[PSN_SYS_UNKNOWN] = "unknown",
	[PSN_SYS_EPOLL_WAIT] = "epoll_wait",
	[PSN_SYS_EPOLL_PWAIT] = "epoll_pwait",
	[PSN_SYS_EPOLL_PWAIT2] = "epoll_pwait2",
	[PSN_SYS_EPOLL_CTL] = "epoll_ctl",
	[PSN_SYS_EPOLL_CREATE] = "epoll_create",
	[PSN_SYS_EPOLL_CREATE1] = "epoll_create1",
	[PSN_SYS_READ] = "read",
	[PSN_SYS_READV] = "readv",
	[PSN_SYS_RECVFROM] = "recvfrom",
	[PSN_SYS_RECVMSG] = "recvmsg",
	[PSN_SYS_RECVMMSG] = "recvmmsg",
	[PSN_SYS_WRITE] = "write",
	[PSN_SYS_WRITEV] = "writev",
	[PSN_SYS_SENDTO] = "sendto",
	[PSN_SYS_SENDMSG] = "sendmsg",
	[PSN_SYS_SENDMMSG] = "sendmmsg",
	[PSN_SYS_ACCEPT] = "accept",
	[PSN_SYS_ACCEPT4] = "accept4",
	[PSN_SYS_CONNECT] = "connect",
	[PSN_SYS_SHUTDOWN] = "shutdown",
	[PSN_SYS_CLOSE] = "close",
	[PSN_SYS_PREAD64] = "pread64",
	[PSN_SYS_PWRITE64] = "pwrite64",
	[PSN_SYS_PREADV] = "preadv",
	[PSN_SYS_PWRITEV] = "pwritev",
	[PSN_SYS_PREADV2] = "preadv2",
	[PSN_SYS_PWRITEV2] = "pwritev2",
	[PSN_SYS_SOCKET] = "socket",
	[PSN_SYS_SOCKETPAIR] = "socketpair",
	[PSN_SYS_CLOSE_RANGE] = "close_range",
	[PSN_SYS_DUP2] = "dup2",
	[PSN_SYS_DUP3] = "dup3",
	[PSN_SYS_IO_URING] = "io_uring",
};

/* Linux's errno values; aliases (EWOULDBLOCK, EDEADLOCK, ENOTSUP) left out. */
static const struct name_ent errno_ents[] = {
	{ 1, "EPERM" }, { 2, "ENOENT" }, { 3, "ESRCH" }, { 4, "EINTR" },
	{ 5, "EIO" }, { 6, "ENXIO" }, { 7, "E2BIG" }, { 8, "ENOEXEC" },
	{ 9, "EBADF" }, { 10, "ECHILD" }, { 11, "EAGAIN" }, { 12, "ENOMEM" },
	{ 13, "EACCES" }, { 14, "EFAULT" }, { 15, "ENOTBLK" }, { 16, "EBUSY" },
	{ 17, "EEXIST" }, { 18, "EXDEV" }, { 19, "ENODEV" }, { 20, "ENOTDIR" },
	{ 21, "EISDIR" }, { 22, "EINVAL" }, { 23, "ENFILE" }, { 24, "EMFILE" },
	{ 25, "ENOTTY" }, { 26, "ETXTBSY" }, { 27, "EFBIG" }, { 28, "ENOSPC" },
	{ 29, "ESPIPE" }, { 30, "EROFS" }, { 31, "EMLINK" }, { 32, "EPIPE" },
	{ 33, "EDOM" }, { 34, "ERANGE" }, { 35, "EDEADLK" },
	{ 36, "ENAMETOOLONG" }, { 37, "ENOLCK" }, { 38, "ENOSYS" },
	{ 39, "ENOTEMPTY" }, { 40, "ELOOP" }, { 42, "ENOMSG" }, { 43, "EIDRM" },
	{ 44, "ECHRNG" }, { 45, "EL2NSYNC" }, { 46, "EL3HLT" }, { 47, "EL3RST" },
	{ 48, "ELNRNG" }, { 49, "EUNATCH" }, { 50, "ENOCSI" }, { 51, "EL2HLT" },
	{ 52, "EBADE" }, { 53, "EBADR" }, { 54, "EXFULL" }, { 55, "ENOANO" },
	{ 56, "EBADRQC" }, { 57, "EBADSLT" }, { 59, "EBFONT" }, { 60, "ENOSTR" },
	{ 61, "ENODATA" }, { 62, "ETIME" }, { 63, "ENOSR" }, { 64, "ENONET" },
	{ 65, "ENOPKG" }, { 66, "EREMOTE" }, { 67, "ENOLINK" }, { 68, "EADV" },
	{ 69, "ESRMNT" }, { 70, "ECOMM" }, { 71, "EPROTO" },
	{ 72, "EMULTIHOP" }, { 73, "EDOTDOT" }, { 74, "EBADMSG" },
	{ 75, "EOVERFLOW" }, { 76, "ENOTUNIQ" }, { 77, "EBADFD" },
	{ 78, "EREMCHG" }, { 79, "ELIBACC" }, { 80, "ELIBBAD" },
	{ 81, "ELIBSCN" }, { 82, "ELIBMAX" }, { 83, "ELIBEXEC" },
	{ 84, "EILSEQ" }, { 85, "ERESTART" }, { 86, "ESTRPIPE" },
	{ 87, "EUSERS" }, { 88, "ENOTSOCK" }, { 89, "EDESTADDRREQ" },
	{ 90, "EMSGSIZE" }, { 91, "EPROTOTYPE" }, { 92, "ENOPROTOOPT" },
	{ 93, "EPROTONOSUPPORT" }, { 94, "ESOCKTNOSUPPORT" },
	{ 95, "EOPNOTSUPP" }, { 96, "EPFNOSUPPORT" }, { 97, "EAFNOSUPPORT" },
	{ 98, "EADDRINUSE" }, { 99, "EADDRNOTAVAIL" }, { 100, "ENETDOWN" },
	{ 101, "ENETUNREACH" }, { 102, "ENETRESET" }, { 103, "ECONNABORTED" },
	{ 104, "ECONNRESET" }, { 105, "ENOBUFS" }, { 106, "EISCONN" },
	{ 107, "ENOTCONN" }, { 108, "ESHUTDOWN" }, { 109, "ETOOMANYREFS" },
	{ 110, "ETIMEDOUT" }, { 111, "ECONNREFUSED" }, { 112, "EHOSTDOWN" },
	{ 113, "EHOSTUNREACH" }, { 114, "EALREADY" }, { 115, "EINPROGRESS" },
	{ 116, "ESTALE" }, { 117, "EUCLEAN" }, { 118, "ENOTNAM" },
	{ 119, "ENAVAIL" }, { 120, "EISNAM" }, { 121, "EREMOTEIO" },
	{ 122, "EDQUOT" }, { 123, "ENOMEDIUM" }, { 124, "EMEDIUMTYPE" },
	{ 125, "ECANCELED" }, { 126, "ENOKEY" }, { 127, "EKEYEXPIRED" },
	{ 128, "EKEYREVOKED" }, { 129, "EKEYREJECTED" }, { 130, "EOWNERDEAD" },
	{ 131, "ENOTRECOVERABLE" }, { 132, "ERFKILL" }, { 133, "EHWPOISON" },
};

/* ---- epoll -------------------------------------------------------------- */

static const char *const epoll_op_pfx[] = { "EPOLL_CTL_", NULL };
static const struct name_ent epoll_op_ents[] = {
	{ 1, "ADD" }, { 2, "DEL" }, { 3, "MOD" },
};

/* In ascending bit order: the mask writer prints them in table order. */
static const char *const epoll_pfx[] = { "EPOLL", NULL };
static const struct name_ent epoll_ents[] = {
	{ 0x1, "IN" }, { 0x2, "PRI" }, { 0x4, "OUT" }, { 0x8, "ERR" },
	{ 0x10, "HUP" }, { 0x20, "NVAL" }, { 0x40, "RDNORM" },
	{ 0x80, "RDBAND" }, { 0x100, "WRNORM" }, { 0x200, "WRBAND" },
	{ 0x400, "MSG" }, { 0x2000, "RDHUP" }, { 1u << 28, "EXCLUSIVE" },
	{ 1u << 29, "WAKEUP" }, { 1u << 30, "ONESHOT" }, { 1u << 31, "ET" },
};

/* ---- socket probe points ------------------------------------------------ */

static const char *const sock_probe_names[PSN_SOCK__MAX] = {
	[PSN_SOCK_SEND] = "socket.send",
	[PSN_SOCK_RECEIVE] = "socket.receive",
	[PSN_SOCK_SENDMSG] = "socket.sendmsg",
	[PSN_SOCK_SENDMSG_RETURN] = "socket.sendmsg.return",
	[PSN_SOCK_RECVMSG] = "socket.recvmsg",
	[PSN_SOCK_RECVMSG_RETURN] = "socket.recvmsg.return",
	[PSN_SOCK_AIO_WRITE] = "socket.aio_write",
	[PSN_SOCK_AIO_WRITE_RETURN] = "socket.aio_write.return",
	[PSN_SOCK_AIO_READ] = "socket.aio_read",
	[PSN_SOCK_AIO_READ_RETURN] = "socket.aio_read.return",
	[PSN_SOCK_WRITEV] = "socket.writev",
	[PSN_SOCK_WRITEV_RETURN] = "socket.writev.return",
	[PSN_SOCK_READV] = "socket.readv",
	[PSN_SOCK_READV_RETURN] = "socket.readv.return",
	[PSN_SOCK_CREATE] = "socket.create",
	[PSN_SOCK_CREATE_RETURN] = "socket.create.return",
	[PSN_SOCK_CLOSE] = "socket.close",
	[PSN_SOCK_CLOSE_RETURN] = "socket.close.return",
};

/* ---- the tapset's tables ------------------------------------------------ */

/* The tapset's 133 IANA names, then what it lacks (143, 255, 262). */
static const struct name_ent prot_ents[] = {
	{ 0, "IP" }, { 1, "ICMP" }, { 2, "IGMP" }, { 3, "GGP" },
	{ 4, "IPENCAP" }, { 5, "ST" }, { 6, "TCP" }, { 7, "CBT" },
	{ 8, "EGP" }, { 9, "IGP" }, { 10, "BBN-RCC" }, { 11, "NVP" },
	{ 12, "PUP" }, { 13, "ARGUS" }, { 14, "EMCON" }, { 15, "XNET" },
	{ 16, "CHAOS" }, { 17, "UDP" }, { 18, "MUX" }, { 19, "DCN" },
	{ 20, "HMP" }, { 21, "PRM" }, { 22, "XNS-IDP" }, { 23, "TRUNK-1" },
	{ 24, "TRUNK-2" }, { 25, "LEAF-1" }, { 26, "LEAF-2" }, { 27, "RDP" },
	{ 28, "IRTP" }, { 29, "ISO-TP4" }, { 30, "NETBLT" }, { 31, "MFE-NSP" },
	{ 32, "MERIT-INP" }, { 33, "SEP" }, { 34, "3PC" }, { 35, "IDPR" },
	{ 36, "XTP" }, { 37, "DDP" }, { 38, "IDPR-CMTP" }, { 39, "TP++" },
	{ 40, "IL" }, { 41, "IPV6" }, { 42, "SDRP" }, { 43, "IPV6-ROUTE" },
	{ 44, "IPV6-FRAG" }, { 45, "IDRP" }, { 46, "RSVP" }, { 47, "GRE" },
	{ 48, "MHRP" }, { 49, "BNA" }, { 50, "IPV6-CRYPT" },
	{ 51, "IPV6-AUTH" }, { 52, "I-NLSP" }, { 53, "SWIPE" }, { 54, "NARP" },
	{ 55, "MOBILE" }, { 56, "TLSP" }, { 57, "SKIP" }, { 58, "IPV6-ICMP" },
	{ 59, "IPV6-NONXT" }, { 60, "IPV6-OPTS" }, { 62, "CFTP" },
	{ 64, "SAT-EXPAK" }, { 65, "KRYPTOLAN" }, { 66, "RVD" }, { 67, "IPPC" },
	{ 69, "SAT-MON" }, { 70, "VISA" }, { 71, "IPCV" }, { 72, "CPNX" },
	{ 73, "CPHB" }, { 74, "WSN" }, { 75, "PVP" }, { 76, "BR-SAT-MON" },
	{ 77, "SUN-ND" }, { 78, "WB-MON" }, { 79, "WB-EXPAK" },
	{ 80, "ISO-IP" }, { 81, "VMTP" }, { 82, "SECURE-VMTP" },
	{ 83, "VINES" }, { 84, "TTP" }, { 85, "NSFNET-IGP" }, { 86, "DGP" },
	{ 87, "TCF" }, { 88, "EIGRP" }, { 89, "OSPF" }, { 90, "SPRITE-RPC" },
	{ 91, "LARP" }, { 92, "MTP" }, { 93, "AX.25" }, { 94, "IPIP" },
	{ 95, "MICP" }, { 96, "SCC-SP" }, { 97, "ETHERIP" }, { 98, "ENCAP" },
	{ 100, "GMTP" }, { 101, "IFMP" }, { 102, "PNNI" }, { 103, "PIM" },
	{ 104, "ARIS" }, { 105, "SCPS" }, { 106, "QNX" }, { 107, "A/N" },
	{ 108, "IPCOMP" }, { 109, "SNP" }, { 110, "COMPAQ-PEER" },
	{ 111, "IPX-IN-IP" }, { 112, "VRRP" }, { 113, "PGM" }, { 115, "L2TP" },
	{ 116, "DDX" }, { 117, "IATP" }, { 118, "STP" }, { 119, "SRP" },
	{ 120, "UTI" }, { 121, "SMP" }, { 122, "SM" }, { 123, "PTP" },
	{ 124, "ISIS" }, { 125, "FIRE" }, { 126, "CRTP" }, { 127, "CRDUP" },
	{ 128, "SSCOPMCE" }, { 129, "IPLT" }, { 130, "SPS" }, { 131, "PIPE" },
	{ 132, "SCTP" }, { 133, "FC" }, { 134, "RSVP-E2E-IGNORE" },
	{ 135, "Mobility-Header" }, { 136, "UDPLite" }, { 137, "MPLS-IN-IP" },
	{ 143, "ETHERNET" }, { 255, "RAW" }, { 262, "MPTCP" },
};

/*
 * IPPROTO_ spellings of Linux's netinet/in.h and in6.h whose rest is not the
 * table's name for that number.  Looked at first after "IPPROTO_": Linux's
 * IPPROTO_IPIP is 4, while the table's "IPIP" is IANA's 94.
 */
static const struct name_ent prot_c_ents[] = {
	{ 0, "HOPOPTS" }, { 4, "IPIP" }, { 22, "IDP" }, { 29, "TP" },
	{ 33, "DCCP" }, { 43, "ROUTING" }, { 44, "FRAGMENT" }, { 50, "ESP" },
	{ 51, "AH" }, { 58, "ICMPV6" }, { 59, "NONE" }, { 60, "DSTOPTS" },
	{ 94, "BEETPH" }, { 108, "COMP" }, { 135, "MH" }, { 137, "MPLS" },
};

static const struct name_ent fam_ents[] = {
	{ 0, "UNSPEC" }, { 1, "LOCAL" }, { 1, "UNIX" }, { 2, "INET" },
	{ 3, "AX25" }, { 4, "IPX" }, { 5, "APPLETALK" }, { 6, "NETROM" },
	{ 7, "BRIDGE" }, { 8, "ATMPVC" }, { 9, "X25" }, { 10, "INET6" },
	{ 11, "ROSE" }, { 12, "DECNET" }, { 13, "NETBEUI" },
	{ 14, "SECURITY" }, { 15, "KEY" }, { 16, "NETLINK" }, { 17, "PACKET" },
	{ 18, "ASH" }, { 19, "ECONET" }, { 20, "ATMSVC" }, { 21, "RDS" },
	{ 22, "SNA" }, { 23, "IRDA" }, { 24, "PPPOX" }, { 25, "WANPIPE" },
	{ 26, "LLC" }, { 27, "IB" }, { 28, "MPLS" }, { 29, "CAN" },
	{ 30, "TIPC" }, { 31, "BLUETOOTH" }, { 32, "IUCV" }, { 33, "RXRPC" },
	{ 34, "ISDN" }, { 35, "PHONET" }, { 36, "IEEE802154" }, { 37, "CAIF" },
	{ 38, "ALG" }, { 39, "NFC" }, { 40, "VSOCK" }, { 41, "KCM" },
	{ 42, "QIPCRTR" }, { 43, "SMC" }, { 44, "XDP" }, { 45, "MCTP" },
};

static const struct name_ent state_ents[] = {
	{ 0, "FREE" }, { 1, "UNCONNECTED" }, { 2, "CONNECTING" },
	{ 3, "CONNECTED" }, { 4, "DISCONNECTING" },
};

static const struct name_ent type_ents[] = {
	{ 1, "STREAM" }, { 2, "DGRAM" }, { 3, "RAW" }, { 4, "RDM" },
	{ 5, "SEQPACKET" }, { 6, "DCCP" }, { 10, "PACKET" },
};

/*
 * sock->flags bits, enum socket_flags of Linux's include/linux/net.h as of
 * 6.16 (checked against a 6.18 kernel's BTF).  Before 6.16 bit 3 was PASSCRED,
 * 4 PASSSEC, 5 SUPPORT_ZC, 6 CUSTOM_SOCKOPT, 7 PASSPIDFD; bits 0 and 1 have
 * lived in sk->sk_wq->flags since 4.4.
 */
static const struct name_ent sock_flag_ents[] = {
	{ 1ull << 0, "ASYNC_NOSPACE" }, { 1ull << 1, "ASYNC_WAITDATA" },
	{ 1ull << 2, "NOSPACE" }, { 1ull << 3, "SUPPORT_ZC" },
	{ 1ull << 4, "CUSTOM_SOCKOPT" },
};

static const struct name_ent msg_ents[] = {
	{ 0x1, "OOB" }, { 0x2, "PEEK" }, { 0x4, "DONTROUTE" },
	{ 0x8, "CTRUNC" }, { 0x10, "PROBE" }, { 0x20, "TRUNC" },
	{ 0x40, "DONTWAIT" }, { 0x80, "EOR" }, { 0x100, "WAITALL" },
	{ 0x200, "FIN" }, { 0x400, "SYN" }, { 0x800, "CONFIRM" },
	{ 0x1000, "RST" }, { 0x2000, "ERRQUEUE" }, { 0x4000, "NOSIGNAL" },
	{ 0x8000, "MORE" }, { 0x10000, "WAITFORONE" }, { 0x40000, "BATCH" },
	{ 0x4000000, "ZEROCOPY" }, { 0x20000000, "FASTOPEN" },
	{ 0x40000000, "CMSG_CLOEXEC" },
};

static const char *const prot_pfx[] = { "IPPROTO_", NULL };
static const char *const fam_pfx[] = { "AF_", "PF_", NULL };
static const char *const state_pfx[] = { "SS_", NULL };
static const char *const type_pfx[] = { "SOCK_", NULL };

static const struct name_table errno_tab = TABLE(errno_ents, NULL, NULL, "");
static const struct name_table epoll_op_tab =
	TABLE(epoll_op_ents, epoll_op_pfx, NULL, "");
static const struct name_table epoll_tab =
	TABLE(epoll_ents, epoll_pfx, NULL, "EPOLL");
static const struct name_table prot_c_tab = TABLE(prot_c_ents, NULL, NULL, "");
static const struct name_table prot_tab =
	TABLE(prot_ents, prot_pfx, &prot_c_tab, "");
static const struct name_table fam_tab = TABLE(fam_ents, fam_pfx, NULL, "");
static const struct name_table state_tab =
	TABLE(state_ents, state_pfx, NULL, "");
static const struct name_table type_tab = TABLE(type_ents, type_pfx, NULL, "");
static const struct name_table sock_flag_tab =
	TABLE(sock_flag_ents, NULL, NULL, "");
static const struct name_table msg_tab = TABLE(msg_ents, NULL, NULL, "MSG_");

/* ---- the lookups -------------------------------------------------------- */

/* The first name for num, or NULL. */
static const char *find_name(const struct name_table *t, uint64_t num)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->ent[i].num == num)
			return t->ent[i].name;
	return NULL;
}

/* The number of a name as it stands (any case), or -1. */
static int64_t match_name(const struct name_table *t, const char *s)
{
	for (size_t i = 0; t && i < t->n; i++)
		if (!strcasecmp(t->ent[i].name, s))
			return (int64_t)t->ent[i].num;
	return -1;
}

/* The number of a name, or of its rest after one of the C prefixes; or -1. */
static int64_t find_num(const struct name_table *t, const char *s)
{
	int64_t v;

	if (!s)
		return -1;
	v = match_name(t, s);
	for (const char *const *p = t->pfx; v < 0 && p && *p; p++) {
		size_t n = strlen(*p);

		if (strncasecmp(s, *p, n))
			continue;
		v = match_name(t->c_only, s + n);
		if (v < 0)
			v = match_name(t, s + n);
	}
	return v;
}

static const char *num2str(const struct name_table *t, long num)
{
	const char *s = num < 0 ? NULL : find_name(t, (uint64_t)num);

	return s ? s : "UNDEF";
}

/* ---- writing masks ------------------------------------------------------ */

/* A string being written as snprintf would: pos counts what was wanted. */
struct sbuf {
	char *buf;
	size_t len, pos;
};

static void sb_put(struct sbuf *sb, const char *s)
{
	size_t n = strlen(s);

	if (sb->pos + 1 < sb->len) {
		size_t room = sb->len - sb->pos - 1;

		memcpy(sb->buf + sb->pos, s, n < room ? n : room);
	}
	sb->pos += n;
}

/* Write mask as "PFXA|PFXB|0x..", "0" for 0, as snprintf. */
static int mask_str(const struct name_table *t, uint64_t mask, char *buf,
		    size_t len)
{
	struct sbuf sb = { .buf = buf, .len = len };
	const char *sep = "";
	char hex[24];

	if (!mask)
		sb_put(&sb, "0");
	for (size_t i = 0; i < t->n && mask; i++) {
		if (!(mask & t->ent[i].num))
			continue;
		sb_put(&sb, sep);
		sb_put(&sb, t->out_pfx);
		sb_put(&sb, t->ent[i].name);
		mask &= ~t->ent[i].num;
		sep = "|";
	}
	if (mask) {
		snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)mask);
		sb_put(&sb, sep);
		sb_put(&sb, hex);
	}
	if (len)
		buf[sb.pos < len ? sb.pos : len - 1] = '\0';
	return (int)sb.pos;
}

/* ---- parsing lists ------------------------------------------------------ */

#define ELEM_MAX 64

/*
 * Copy the next sep-separated element of *s, without surrounding spaces, into
 * tok; set *s past it, or to NULL after the last.  Its length, or -EINVAL if
 * it does not fit.
 */
static int next_elem(const char **s, int sep, char *tok)
{
	const char *b = *s, *e = strchr(b, sep);

	if (!e)
		e = b + strlen(b);
	*s = *e ? e + 1 : NULL;
	while (b < e && isspace((unsigned char)*b))
		b++;
	while (e > b && isspace((unsigned char)e[-1]))
		e--;
	if (e - b >= ELEM_MAX)
		return -EINVAL;
	memcpy(tok, b, (size_t)(e - b));
	tok[e - b] = '\0';
	return (int)(e - b);
}

typedef int (*elem_fn)(const char *tok, uint64_t *acc);

/* OR into *out what elem makes of each element; -EINVAL for an empty one. */
static int parse_list(const char *s, int sep, elem_fn elem, uint64_t *out)
{
	char tok[ELEM_MAX];
	uint64_t acc = 0;
	int err;

	if (!s || !out)
		return -EINVAL;
	while (s) {
		err = next_elem(&s, sep, tok);
		if (err <= 0)
			return -EINVAL;
		err = elem(tok, &acc);
		if (err)
			return err;
	}
	*out = acc;
	return 0;
}

static int epoll_elem(const char *tok, uint64_t *acc)
{
	unsigned long long v;
	char *end;
	int64_t bit;

	if (isdigit((unsigned char)tok[0])) {
		errno = 0;
		v = strtoull(tok, &end, 0);
		if (errno || *end || v > UINT32_MAX)
			return -EINVAL;
		*acc |= v;
		return 0;
	}
	bit = find_num(&epoll_tab, tok);
	if (bit < 0)
		return -EINVAL;
	*acc |= (uint64_t)bit;
	return 0;
}

static int probe_elem(const char *tok, uint64_t *acc)
{
	uint64_t m = 0;

	for (int i = 0; i < PSN_SOCK__MAX; i++)
		if (!strcasecmp(tok, "all") || !fnmatch(tok, sock_probe_names[i], 0))
			m |= 1ull << i;
	if (!m)
		return -EINVAL;
	*acc |= m;
	return 0;
}

/* ---- the API ------------------------------------------------------------ */

const char *psn_syscall_name(int sys)
{
	if (sys < 0 || sys >= PSN_SYS__MAX)
		return NULL;
	return syscall_names[sys];
}

const char *psn_errno_name(int err)
{
	long long e = err;

	return find_name(&errno_tab, (uint64_t)(e < 0 ? -e : e));
}

const char *psn_epoll_op_name(int op)
{
	return op < 0 ? NULL : find_name(&epoll_op_tab, (uint64_t)op);
}

int psn_epoll_op_parse(const char *name)
{
	return (int)find_num(&epoll_op_tab, name);
}

int psn_epoll_events_str(uint32_t mask, char *buf, size_t len)
{
	return mask_str(&epoll_tab, mask, buf, len);
}

int psn_epoll_events_parse(const char *s, uint32_t *mask)
{
	uint64_t m;
	int err;

	if (!mask)
		return -EINVAL;
	err = parse_list(s, '|', epoll_elem, &m);
	if (!err)
		*mask = (uint32_t)m;
	return err;
}

const char *psn_sock_probe_name(int probe)
{
	if (probe < 0 || probe >= PSN_SOCK__MAX)
		return NULL;
	return sock_probe_names[probe];
}

int psn_sock_probe_parse(const char *list, uint64_t *mask)
{
	return parse_list(list, ',', probe_elem, mask);
}

const char *psn_sock_prot_num2str(long proto)
{
	return num2str(&prot_tab, proto);
}

long psn_sock_prot_str2num(const char *name)
{
	return (long)find_num(&prot_tab, name);
}

const char *psn_sock_fam_num2str(long family)
{
	return num2str(&fam_tab, family);
}

long psn_sock_fam_str2num(const char *name)
{
	return (long)find_num(&fam_tab, name);
}

const char *psn_sock_state_num2str(long state)
{
	return num2str(&state_tab, state);
}

long psn_sock_state_str2num(const char *name)
{
	return (long)find_num(&state_tab, name);
}

const char *psn_sock_type_num2str(long type)
{
	return num2str(&type_tab, type);
}

long psn_sock_type_str2num(const char *name)
{
	return (long)find_num(&type_tab, name);
}

int psn_sock_flags_num2str(uint64_t flags, char *buf, size_t len)
{
	return mask_str(&sock_flag_tab, flags, buf, len);
}

int psn_msg_flags_num2str(uint32_t flags, char *buf, size_t len)
{
	return mask_str(&msg_tab, flags, buf, len);
}
