/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * fd names (-y), part of the epoll object: the first time a record names an
 * fd (per open file), a PSN_REC_FDNAME record before it says what the fd is:
 * a socket's addresses, a pipe, an anon inode's name, a file's name.  Read
 * then, so the name survives the fd's close.
 */
#ifndef PSN_FDNAME_BPF_H
#define PSN_FDNAME_BPF_H

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10

const volatile bool fd_names = false;

/* The file each (process, fd) was last described as. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__uint(max_entries, 65536);
	__type(key, struct psn_fd_key);
	__type(value, __u64);
} described SEC(".maps");

static __always_inline void describe_inet(struct psn_rec_fdname *r,
					  struct sock *sk)
{
	int err;

	/* Unreadable, the addresses stay zeroed: shown as 0.0.0.0 or ::. */
	if (r->family == AF_INET) {
		err = bpf_probe_read_kernel(r->saddr, 4, &sk->__sk_common.skc_rcv_saddr) ||
		      bpf_probe_read_kernel(r->daddr, 4, &sk->__sk_common.skc_daddr);
	} else {
		err = bpf_probe_read_kernel(r->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr) ||
		      bpf_probe_read_kernel(r->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
	if (err) {
		__builtin_memset(r->saddr, 0, sizeof(r->saddr));
		__builtin_memset(r->daddr, 0, sizeof(r->daddr));
	}
	r->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	r->dport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
}

static __always_inline void describe_unix(struct psn_rec_fdname *r,
					  struct sock *sk)
{
	struct unix_address *addr = BPF_CORE_READ((struct unix_sock *)sk, addr);
	struct sockaddr_un *sun;

	if (!addr)
		return;
	sun = (void *)__builtin_preserve_access_index(&addr->name);
	/* An abstract name starts with a NUL: keep its bytes, user space shows @. */
	if (bpf_probe_read_kernel(r->name, sizeof(r->name), sun->sun_path))
		r->name[0] = r->name[1] = 0;
}

static __always_inline void describe_socket(struct psn_rec_fdname *r,
					    struct socket *sock)
{
	struct sock *sk = BPF_CORE_READ(sock, sk);

	r->kind = PSN_FD_SOCKET;
	r->type = BPF_CORE_READ(sock, type);
	if (!sk)
		return;
	r->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	r->protocol = BPF_CORE_READ(sk, sk_protocol);
	if (r->family == AF_INET || r->family == AF_INET6)
		describe_inet(r, sk);
	else if (r->family == AF_UNIX)
		describe_unix(r, sk);
}

static __always_inline void describe_file(struct psn_rec_fdname *r,
					  struct file *f)
{
	unsigned short mode = BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT;
	const unsigned char *name;

	if (mode == S_IFSOCK) {
		describe_socket(r, BPF_CORE_READ(f, private_data));
		return;
	}
	r->kind = mode == S_IFIFO ? PSN_FD_PIPE : mode ? PSN_FD_FILE : PSN_FD_ANON;
	name = BPF_CORE_READ(f, f_path.dentry, d_name.name);
	if (!name || bpf_probe_read_kernel_str(r->name, sizeof(r->name), name) < 0)
		r->name[0] = 0;
}

/*
 * Say what fd is, unless this open file was already described.  ts: the
 * time of the record that names the fd, when that was taken before this
 * (a wait's), so that the name is not put after it; 0: now.  Global: verified
 * once, not again at every state of every caller.
 */
__noinline int describe_fd_now(__u64 pid_tgid, __s32 fd, __u64 ts)
{
	struct psn_fd_key k = { .tgid = pid_tgid >> 32, .fd = fd };
	struct psn_rec_fdname *r;
	struct file *f;
	__u64 *seen, fp;

	f = fd_file(fd);
	if (!f)
		return 0;
	fp = (__u64)f;
	seen = bpf_map_lookup_elem(&described, &k);
	if (seen && *seen == fp)
		return 0;
	r = reserve(sizeof(*r), PSN_REC_FDNAME, 0, pid_tgid);
	if (!r)
		return 0;
	if (ts)
		r->hdr.ts = ts;
	__builtin_memset((char *)r + sizeof(r->hdr), 0, sizeof(*r) - sizeof(r->hdr));
	r->fd = fd;
	describe_file(r, f);
	submit(r);
	bpf_map_update_elem(&described, &k, &fp, BPF_ANY);
	return 0;
}

static __always_inline void describe_fd(__u64 pid_tgid, __s32 fd, __u64 ts)
{
	if (fd_names && fd >= 0)
		describe_fd_now(pid_tgid, fd, ts);
}

#endif /* PSN_FDNAME_BPF_H */
