/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Block I/O helpers for tools on the block tracepoints (biolatency,
 * biosnoop, bitesize, biopattern...), reading a struct request with CO-RE.
 * Include after vmlinux.h and <bpf/bpf_core_read.h>.
 */
#ifndef PROBEKIT_BLOCK_BPF_H
#define PROBEKIT_BLOCK_BPF_H

#define PK_DISK_NAME_LEN 32

/* The name of @rq's disk ("vda", "nvme0n1") into @name (PK_DISK_NAME_LEN bytes). */
static __always_inline void pk_rq_disk_name(struct request *rq, char *name)
{
	bpf_probe_read_kernel_str(name, PK_DISK_NAME_LEN, BPF_CORE_READ(rq, q, disk, disk_name));
}

/* Whether disk @name is @want (a --disk option); an empty @want is every disk. */
static __always_inline bool pk_disk_is(const char *name, const volatile char *want)
{
	int i;

	if (!want[0])
		return true;
	for (i = 0; i < PK_DISK_NAME_LEN; i++) {
		if (name[i] != want[i])
			return false;
		if (!name[i])
			break;
	}
	return true;
}

static __always_inline bool pk__req_flag(__u32 cmd_flags, int bit)
{
	return bit >= 0 && (cmd_flags & (1U << bit));
}

/* Appends letter @c to the letters packed in @v (one byte each, first lowest). */
static __always_inline __u64 pk__add_letter(__u64 v, char c)
{
	int i = 0;

	while (i < 7 && (v >> (8 * i)) & 0xff)
		i++;
	return v | ((__u64)(unsigned char)c << (8 * i));
}

/*
 * The kernel's blk_fill_rwbs() letters for request flags @cmd_flags (W, R,
 * S, F, A, M, D...), packed into a u64 that is a NUL-terminated string of
 * up to 7 letters: store it with *(__u64 *)buf = pk_rwbs(...) (the
 * verifier takes no variable index into a map value or record). The flag
 * bits moved between kernels: each is the running kernel's (CO-RE enum
 * value).
 */
static __always_inline __u64 pk_rwbs(__u32 cmd_flags)
{
	__u64 v = 0;

	if (pk__req_flag(cmd_flags, bpf_core_enum_value(enum req_flag_bits, __REQ_PREFLUSH)))
		v = pk__add_letter(v, 'F');
	/* REQ_OP_MASK is a macro, not in vmlinux.h */
	switch (cmd_flags & 0xff) {
	case REQ_OP_WRITE:
	case REQ_OP_WRITE_ZEROES: v = pk__add_letter(v, 'W'); break;
	case REQ_OP_DISCARD: v = pk__add_letter(v, 'D'); break;
	case REQ_OP_SECURE_ERASE: v = pk__add_letter(pk__add_letter(v, 'D'), 'E'); break;
	case REQ_OP_FLUSH: v = pk__add_letter(v, 'F'); break;
	case REQ_OP_READ: v = pk__add_letter(v, 'R'); break;
	default: v = pk__add_letter(v, 'N');
	}
	if (pk__req_flag(cmd_flags, bpf_core_enum_value(enum req_flag_bits, __REQ_FUA)))
		v = pk__add_letter(v, 'F');
	if (pk__req_flag(cmd_flags, bpf_core_enum_value(enum req_flag_bits, __REQ_RAHEAD)))
		v = pk__add_letter(v, 'A');
	if (pk__req_flag(cmd_flags, bpf_core_enum_value(enum req_flag_bits, __REQ_SYNC)))
		v = pk__add_letter(v, 'S');
	if (pk__req_flag(cmd_flags, bpf_core_enum_value(enum req_flag_bits, __REQ_META)))
		v = pk__add_letter(v, 'M');
	return v;
}

#endif
