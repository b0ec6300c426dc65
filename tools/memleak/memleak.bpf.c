// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * memleak: bcc's memleak for user space. Uprobes on libc's allocators
 * (malloc, calloc, realloc, posix_memalign, aligned_alloc, valloc,
 * memalign, pvalloc, mmap) record each block the process still holds, by
 * address, with the user stack that allocated it; uprobes on free and
 * munmap forget it. What is left, summed per stack, is printed every
 * interval and at the end: the outstanding bytes and allocations per
 * stack, largest first, as bcc's "N bytes in M allocations from stack".
 *
 * The allocation is recorded when the allocator returns (a uretprobe): its
 * address is known only then, and the user stack taken there starts at the
 * return address, in the function that called the allocator.
 *
 * The process is -p's or -c's: the uprobes are attached for it alone.
 * Without -p or -c, as bcc's, it traces the kernel's allocations instead:
 * the kmem tracepoints kmalloc, kmem_cache_alloc and mm_page_alloc record
 * a block (a page by its frame number, as bcc), kfree, kmem_cache_free and
 * mm_page_free forget it, and the stacks are kernel stacks. The records of
 * kmalloc and kmem_cache_alloc differ before 6.2 (trace_event_raw_kmem_alloc)
 * and since (their own); CO-RE reads either. PK_WITH_PID/PK_WITHOUT_PID
 * attach the one set of programs or the other.
 *
 * The totals per stack are made before each print, as bcc's Python makes
 * them, by memleak__combine() (a BPF_PROG_TYPE_SYSCALL program the runtime
 * runs): from the outstanding blocks at least -o milliseconds old (bcc's
 * --older, 500: a block younger than that may well be freed soon).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "probekit.bpf.h"

PK_TOOL_SUMMARY("Outstanding (not yet freed) allocations per stack, as bcc's memleak.");
PK_TOOL_EXAMPLE("memleak                     # the kernel's, every 5 s, the top 10 stacks");
PK_TOOL_EXAMPLE("memleak -p 181              # every 5 s, the top 10 stacks of process 181");
PK_TOOL_EXAMPLE("memleak -c ./prog -T 3      # a command's leaks, the top 3 stacks");
PK_TOOL_EXAMPLE("memleak -p 181 -z 4096      # only allocations of 4096 bytes or more");
PK_TOOL_EXAMPLE("memleak -p 181 -t           # every allocation and free as it happens");
PK_TOOL_EXAMPLE("memleak -p 181 -a           # and each outstanding block's address and size");
PK_TOOL_BANNER("Attaching to the allocators... Hit Ctrl-C to end.");
/* bcc's [INTERVAL] [COUNT], every 5 s unless given */
PK_TOOL_INTERVAL_COUNT(5);
PK_FILTER_PID;
/* uprobes in every process would tax the whole machine: a process's with a
 * pid, the kernel's kmem tracepoints without one */
PK_WITH_PID("*_enter *_exit free_enter_prog");
PK_WITHOUT_PID("kmem_*");

const volatile __u64 min_size PK_OPTION(z, "min-size", "BYTES",
					"only allocations of at least BYTES") = 0;
const volatile __u64 max_size PK_OPTION(Z, "max-size", "BYTES",
					"only allocations of at most BYTES") = 0;
const volatile __u32 top PK_OPTION(T, "top", "N", "the N stacks with the most outstanding bytes")
    PK_OPTION_RANGE(1, 1000000) = 10;
const volatile bool trace_all PK_OPTION(t, "trace", "",
					"print every allocation and free as it happens") = false;
const volatile __u64 older_ms PK_OPTION(o, "older", "AGE",
					"prune allocations younger than AGE milliseconds") = 500;

const volatile bool show_allocs
    PK_OPTION(a, "show-allocs", "", "show each outstanding allocation's address and size") = false;

/* bcc's stack_traces */
PK_STACK_TRACE(stack_traces, 16384);

/* the size asked for, from the allocator's entry to its return, by thread */
PK_HASH(pk_sizes, __u32, __u64, 10240) PK_NO_METRIC;
/* posix_memalign()'s memptr, from its entry to its return */
PK_HASH(pk_memptrs, __u32, __u64, 10240) PK_NO_METRIC;

/* an outstanding block, by address */
struct alloc_info {
	__u64 size;
	__u64 ts;
	/* a user stack with -p/-c, a kernel stack without (its addresses say) */
	pk_stack_id_t stack_id;
};

struct addr_key {
	__u64 address PK_FMT("hex");
};

PK_HASH(pk_allocs, struct addr_key, struct alloc_info, 1000000) PK_NO_METRIC;

/* bcc's combined_allocs: the outstanding total per stack, as of the last print */
struct combined {
	__u64 bytes;
	__u64 allocations;
};

PK_HASH(combined_allocs, pk_stack_id_t, struct combined, 10240) PK_GAUGE;

/*
 * bcc's -a: the outstanding blocks counted in the totals, as of the last
 * print, by address; with the id of their stack in combined_allocs
 */
struct shown_alloc {
	__u64 size;
	__s32 stack;
};

PK_HASH(allocs, struct addr_key, struct shown_alloc, 65536) PK_GAUGE PK_TABLE_WHEN(show_allocs);

enum memleak_op {
	ALLOC = 1,
	FREE = 2,
};

struct memleak_event {
	__u64 ts PK_FMT("clock");
	__u32 pid;
	char comm[16];
	enum memleak_op op;
	__u64 address PK_FMT("hex");
	__u64 size;
};

PK_EVENT(struct memleak_event);
/* records (and their header) only with -t */
PK_EVENTS_WHEN(trace_all);

static __always_inline void trace_event(void *ctx, enum memleak_op op, __u64 address, __u64 size)
{
	struct memleak_event *e;

	if (!trace_all)
		return;
	e = pk_reserve(struct memleak_event);
	if (!e)
		return;
	e->ts = bpf_ktime_get_ns();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->op = op;
	e->address = address;
	e->size = size;
	pk_submit(ctx, e);
}

static __always_inline int alloc_enter(__u64 size)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (pk_filtered())
		return 0;
	if (min_size && size < min_size)
		return 0;
	if (max_size && size > max_size)
		return 0;
	bpf_map_update_elem(&pk_sizes, &tid, &size, BPF_ANY);
	return 0;
}

static __always_inline int alloc_exit(struct pt_regs *ctx, __u64 address)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct alloc_info info = {};
	struct addr_key key = {.address = address};
	__u64 *size = bpf_map_lookup_elem(&pk_sizes, &tid);

	if (!size)
		return 0; /* filtered out at entry, or entered before we attached */
	info.size = *size;
	bpf_map_delete_elem(&pk_sizes, &tid);
	/* a failed allocation holds nothing; mmap fails with MAP_FAILED (-1) */
	if (address == 0 || address == (__u64)-1)
		return 0;
	info.ts = bpf_ktime_get_ns();
	info.stack_id = pk_stack_id(ctx, &stack_traces, true);
	bpf_map_update_elem(&pk_allocs, &key, &info, BPF_ANY);
	trace_event(ctx, ALLOC, address, info.size);
	return 0;
}

static __always_inline int free_enter(void *ctx, __u64 address)
{
	struct addr_key key = {.address = address};
	struct alloc_info *info;

	if (pk_filtered())
		return 0;
	info = bpf_map_lookup_elem(&pk_allocs, &key);
	if (!info)
		return 0; /* allocated before we attached, or left out by -z/-Z */
	trace_event(ctx, FREE, address, info->size);
	bpf_map_delete_elem(&pk_allocs, &key);
	return 0;
}

/* (BPF_KPROBE is the uprobe accessor too: libbpf 1.1 has no BPF_UPROBE) */
SEC("uprobe/c:malloc")
int BPF_KPROBE(malloc_enter, size_t size)
{
	return alloc_enter(size);
}

SEC("uretprobe/c:malloc")
int BPF_KRETPROBE(malloc_exit, void *address)
{
	return alloc_exit(ctx, (__u64)address);
}

SEC("uprobe/c:calloc")
int BPF_KPROBE(calloc_enter, size_t nmemb, size_t size)
{
	/* an overflowing calloc() fails; its uretprobe then sees NULL */
	return alloc_enter(nmemb * size);
}

SEC("uretprobe/c:calloc")
int BPF_KRETPROBE(calloc_exit, void *address)
{
	return alloc_exit(ctx, (__u64)address);
}

/* realloc() frees the old block and allocates the new one */
SEC("uprobe/c:realloc")
int BPF_KPROBE(realloc_enter, void *ptr, size_t size)
{
	if (ptr)
		free_enter(ctx, (__u64)ptr);
	return alloc_enter(size);
}

SEC("uretprobe/c:realloc")
int BPF_KRETPROBE(realloc_exit, void *address)
{
	return alloc_exit(ctx, (__u64)address);
}

SEC("uprobe/c:posix_memalign")
int BPF_KPROBE(posix_memalign_enter, void **memptr, size_t alignment, size_t size)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 p = (__u64)memptr;

	bpf_map_update_elem(&pk_memptrs, &tid, &p, BPF_ANY);
	return alloc_enter(size);
}

SEC("uretprobe/c:posix_memalign")
int BPF_KRETPROBE(posix_memalign_exit, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *memptr = bpf_map_lookup_elem(&pk_memptrs, &tid);
	__u64 address = 0;

	if (!memptr)
		return 0;
	/* on failure *memptr is untouched: 0 drops the recorded size */
	if (ret == 0 && bpf_probe_read_user(&address, sizeof(address), (void *)*memptr))
		address = 0;
	bpf_map_delete_elem(&pk_memptrs, &tid);
	return alloc_exit(ctx, ret == 0 ? address : 0);
}

SEC("uprobe/c:aligned_alloc")
int BPF_KPROBE(aligned_alloc_enter, size_t alignment, size_t size)
{
	return alloc_enter(size);
}

SEC("uretprobe/c:aligned_alloc")
int BPF_KRETPROBE(aligned_alloc_exit, void *address)
{
	return alloc_exit(ctx, (__u64)address);
}

SEC("uprobe/c:valloc")
int BPF_KPROBE(valloc_enter, size_t size)
{
	return alloc_enter(size);
}

SEC("uretprobe/c:valloc")
int BPF_KRETPROBE(valloc_exit, void *address)
{
	return alloc_exit(ctx, (__u64)address);
}

SEC("uprobe/c:memalign")
int BPF_KPROBE(memalign_enter, size_t alignment, size_t size)
{
	return alloc_enter(size);
}

SEC("uretprobe/c:memalign")
int BPF_KRETPROBE(memalign_exit, void *address)
{
	return alloc_exit(ctx, (__u64)address);
}

SEC("uprobe/c:pvalloc")
int BPF_KPROBE(pvalloc_enter, size_t size)
{
	return alloc_enter(size);
}

SEC("uretprobe/c:pvalloc")
int BPF_KRETPROBE(pvalloc_exit, void *address)
{
	return alloc_exit(ctx, (__u64)address);
}

SEC("uprobe/c:mmap")
int BPF_KPROBE(mmap_enter, void *addr, size_t length)
{
	return alloc_enter(length);
}

SEC("uretprobe/c:mmap")
int BPF_KRETPROBE(mmap_exit, void *address)
{
	return alloc_exit(ctx, (__u64)address);
}

SEC("uprobe/c:free")
int BPF_KPROBE(free_enter_prog, void *address)
{
	return free_enter(ctx, (__u64)address);
}

SEC("uprobe/c:munmap")
int BPF_KPROBE(munmap_enter, void *address)
{
	return free_enter(ctx, (__u64)address);
}

/* The kernel's allocators (no -p, no -c) ----------------------------------- */

/* 6.1's record of kmalloc and kmem_cache_alloc (6.2 gave each its own) */
struct trace_event_raw_kmem_alloc___pk61 {
	const void *ptr;
	size_t bytes_alloc;
} __attribute__((preserve_access_index));

static __always_inline int kernel_alloc(void *ctx, __u64 address, __u64 size)
{
	struct alloc_info info = {.size = size};
	struct addr_key key = {.address = address};

	if (!address || (min_size && size < min_size) || (max_size && size > max_size))
		return 0;
	info.ts = bpf_ktime_get_ns();
	info.stack_id = pk_stack_id(ctx, &stack_traces, false);
	bpf_map_update_elem(&pk_allocs, &key, &info, BPF_ANY);
	trace_event(ctx, ALLOC, address, size);
	return 0;
}

static __always_inline int kernel_free(void *ctx, __u64 address)
{
	struct addr_key key = {.address = address};
	struct alloc_info *info = bpf_map_lookup_elem(&pk_allocs, &key);

	if (!info)
		return 0; /* allocated before we attached, or left out by -z/-Z */
	trace_event(ctx, FREE, address, info->size);
	bpf_map_delete_elem(&pk_allocs, &key);
	return 0;
}

/* kmalloc's and kmem_cache_alloc's record, 6.1's or 6.2+'s */
#define KMEM_ALLOC(ctx, type)                                                                      \
	(bpf_core_type_exists(struct type)                                                         \
	     ? kernel_alloc(ctx, (__u64)BPF_CORE_READ((struct type *)(ctx), ptr),                  \
			    BPF_CORE_READ((struct type *)(ctx), bytes_alloc))                      \
	     : kernel_alloc(                                                                       \
		   ctx,                                                                            \
		   (__u64)BPF_CORE_READ((struct trace_event_raw_kmem_alloc___pk61 *)(ctx), ptr),   \
		   BPF_CORE_READ((struct trace_event_raw_kmem_alloc___pk61 *)(ctx), bytes_alloc)))

SEC("tracepoint/kmem/kmalloc")
int kmem_kmalloc(void *ctx)
{
	return KMEM_ALLOC(ctx, trace_event_raw_kmalloc);
}

SEC("tracepoint/kmem/kmem_cache_alloc")
int kmem_cache_alloc(void *ctx)
{
	return KMEM_ALLOC(ctx, trace_event_raw_kmem_cache_alloc);
}

SEC("tracepoint/kmem/kfree")
int kmem_kfree(struct trace_event_raw_kfree *ctx)
{
	return kernel_free(ctx, (__u64)BPF_CORE_READ(ctx, ptr));
}

SEC("tracepoint/kmem/kmem_cache_free")
int kmem_cache_free(struct trace_event_raw_kmem_cache_free *ctx)
{
	return kernel_free(ctx, (__u64)BPF_CORE_READ(ctx, ptr));
}

/* a page by its frame number, as bcc (4 KiB pages: x86-64's, arm64's usual) */
SEC("tracepoint/kmem/mm_page_alloc")
int kmem_page_alloc(struct trace_event_raw_mm_page_alloc *ctx)
{
	return kernel_alloc(ctx, BPF_CORE_READ(ctx, pfn), 4096ULL << BPF_CORE_READ(ctx, order));
}

SEC("tracepoint/kmem/mm_page_free")
int kmem_page_free(struct trace_event_raw_mm_page_free *ctx)
{
	return kernel_free(ctx, BPF_CORE_READ(ctx, pfn));
}

/* The totals per stack, before each print ---------------------------------- */

static long forget(struct bpf_map *map, pk_stack_id_t *stack, struct combined *c, void *unused)
{
	bpf_map_delete_elem(map, stack);
	return 0;
}

static long forget_alloc(struct bpf_map *map, struct addr_key *key, struct shown_alloc *a,
			 void *unused)
{
	bpf_map_delete_elem(map, key);
	return 0;
}

/* @alloc into its stack's total, if old enough (@now is then the print's time) */
static long combine(struct bpf_map *map, struct addr_key *key, struct alloc_info *alloc, __u64 *now)
{
	struct combined one = {.bytes = alloc->size, .allocations = 1}, *c;

	if (*now - alloc->ts < older_ms * 1000000)
		return 0;
	if (show_allocs) {
		struct shown_alloc shown = {.size = alloc->size, .stack = alloc->stack_id};

		/* past 65536 of them the rest are left out of -a's list alone */
		bpf_map_update_elem(&allocs, key, &shown, BPF_ANY);
	}
	c = bpf_map_lookup_elem(&combined_allocs, &alloc->stack_id);
	if (!c) {
		bpf_map_update_elem(&combined_allocs, &alloc->stack_id, &one, BPF_NOEXIST);
		return 0;
	}
	c->bytes += alloc->size;
	c->allocations++;
	return 0;
}

SEC("syscall")
int memleak__combine(void *ctx)
{
	__u64 now = bpf_ktime_get_ns();

	bpf_for_each_map_elem(&combined_allocs, forget, NULL, 0);
	if (show_allocs)
		bpf_for_each_map_elem(&allocs, forget_alloc, NULL, 0);
	bpf_for_each_map_elem(&pk_allocs, combine, &now, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
