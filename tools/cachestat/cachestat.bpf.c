// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cachestat: page cache hits, misses and dirtied buffers per interval,
 * bcc's cachestat: HITS MISSES DIRTIES HITRATIO BUFFERS_MB CACHED_MB,
 * `cachestat [-T] [interval [count]]`. The whole tool is this file.
 *
 * bcc's four counts and its arithmetic:
 *   accessed  folio_mark_accessed() (mark_page_accessed() calls it)
 *   added     filemap_add_folio() (add_to_page_cache_lru() before 5.16)
 *   dirtied   folio_account_dirtied(), a page newly dirty
 *   buffers   mark_buffer_dirty()
 *   total = accessed - buffers, misses = added - dirtied,
 *   hits = total - misses (each clamped at 0 as bcc does).
 * accessed and added have no tracepoint: fentry, then kprobe (the kernel
 * lane's 6.1 and 6.12). dirtied and buffers are counted at the tracepoints
 * each function fires first thing, writeback_dirty_folio and
 * block_dirty_buffer (raw_tp): the same counts,
 * and folio_account_dirtied() is static, often inlined. So on a kernel
 * without fentry and kprobes there is no route: no tracepoint marks a page
 * accessed, and without that neither hits nor the ratio can be counted.
 *
 * The counts are per CPU and never cleared; before each print,
 * cachestat__print() (a BPF_PROG_TYPE_SYSCALL program the runtime runs)
 * takes their growth since the last print and fills the row, with
 * /proc/meminfo's Buffers and Cached as the kernel computes them
 * (nr_blockdev_pages(), and NR_FILE_PAGES less the swap cache and the
 * buffers), read through kallsyms' addresses of vm_node_stat and
 * blockdev_superblock: 0 where the kernel does not list them.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "tool.bpf.h"

PK_TOOL_SUMMARY("Count page cache hits, misses and dirtied buffers per interval.");
PK_TOOL_EXAMPLE("cachestat                # every second, until Ctrl-C");
PK_TOOL_EXAMPLE("cachestat -T 5 3         # every 5 seconds, 3 times, with the time");
PK_TOOL_EXAMPLE("cachestat -c 'tar cf /dev/null /usr'  # one command's accesses");
PK_TOOL_INTERVAL_COUNT(1);
PK_PREFER("fentry kprobe");
PK_FILTER_PID;
PK_FILTER_COMM;

const volatile bool show_ts PK_OPTION(T, "timestamp", "",
				      "include a timestamp on each line") = false;

enum { ACCESSED, ADDED, DIRTIED, BUFFERS, NR_COUNTS };

struct counts {
	__u64 n[NR_COUNTS];
};

PK_PERCPU_ARRAY(calls, struct counts, 1) PK_PRIVATE;

struct cachestat_row {
	__u64 hits;
	__u64 misses;
	__u64 dirties;
	/* bcc's "%7.2f%%" (rows print integers and text) */
	char ratio[16];
	__u64 buffers_mb;
	__u64 cached_mb;
};

#define CACHESTAT_ROW	 "{hits:8} {misses:8} {dirties:8} {ratio:8} {buffers_mb:12} {cached_mb:10}"
#define CACHESTAT_HEADER "    HITS   MISSES  DIRTIES HITRATIO   BUFFERS_MB  CACHED_MB"
PK_ARRAY(stats, struct cachestat_row, 1)
PK_TABLE_ROW(CACHESTAT_ROW)
PK_ROW_HEADER(CACHESTAT_HEADER) PK_ROW_HEADER_ONCE PK_TABLE_UNLESS(show_ts) PK_NO_METRIC;
PK_ARRAY(stats_ts, struct cachestat_row, 1)
PK_TABLE_ROW("{time:-8} " CACHESTAT_ROW)
PK_ROW_HEADER("TIME     " CACHESTAT_HEADER) PK_ROW_HEADER_ONCE PK_TABLE_WHEN(show_ts) PK_NO_METRIC;

static __always_inline int count(int what)
{
	__u32 zero = 0;
	struct counts *c;

	if (pk_filtered())
		return 0;
	c = bpf_map_lookup_elem(&calls, &zero);
	/* per CPU: no atomics on a path every cached read takes */
	if (c && what >= 0 && what < NR_COUNTS)
		c->n[what]++;
	return 0;
}

SEC("fentry/folio_mark_accessed")
int BPF_PROG(accessed__fentry)
{
	return count(ACCESSED);
}

SEC("kprobe/folio_mark_accessed")
int BPF_KPROBE(accessed__kprobe)
{
	return count(ACCESSED);
}

SEC("fentry/filemap_add_folio")
int BPF_PROG(added__fentry)
{
	return count(ADDED);
}

SEC("kprobe/filemap_add_folio")
int BPF_KPROBE(added__kprobe)
{
	return count(ADDED);
}

/*
 * Not groups of their own: raw tracepoints work wherever the two above do,
 * and a group of them would add raw_tp and tracepoint routes that cannot
 * count accesses to the refusal.
 */
SEC("raw_tp/writeback_dirty_folio")
int BPF_PROG(count_dirtied)
{
	return count(DIRTIED);
}

SEC("raw_tp/block_dirty_buffer")
int BPF_PROG(count_buffers)
{
	return count(BUFFERS);
}

/* The print program: what the rows show ------------------------------------ */

/* the counts at the last print */
__u64 seen[NR_COUNTS];

/* weak: a kernel whose kallsyms lacks its data symbols gives 0 */
extern const void vm_node_stat __ksym __weak;
extern const void blockdev_superblock __ksym __weak;

#define MAX_CPUS 4096
/* bdev inodes walked at most: disks, partitions, loop devices */
#define MAX_BDEVS 1024
/* x86-64's and most arm64 kernels' */
#define PAGE_KB 4

static __always_inline __s64 node_pages(int item)
{
	long v = 0;

	if (!&vm_node_stat)
		return 0;
	bpf_probe_read_kernel(&v, sizeof(v), (const char *)&vm_node_stat + item * sizeof(long));
	return v < 0 ? 0 : v;
}

/* nr_blockdev_pages(): the pages cached for the block devices' own inodes */
static __always_inline __s64 blockdev_pages(void)
{
	struct super_block *sb = NULL;
	struct list_head *head, *pos;
	__s64 pages = 0;
	int i;

	if (!&blockdev_superblock)
		return 0;
	bpf_probe_read_kernel(&sb, sizeof(sb), &blockdev_superblock);
	if (!sb)
		return 0;
	head = __builtin_preserve_access_index(&sb->s_inodes);
	pos = BPF_CORE_READ(sb, s_inodes.next);
	for (i = 0; i < MAX_BDEVS && pos && pos != head; i++) {
		struct inode *inode = (void *)pos - bpf_core_field_offset(struct inode, i_sb_list);

		pages += BPF_CORE_READ(inode, i_mapping, nrpages);
		pos = BPF_CORE_READ(pos, next);
	}
	return pages;
}

static __always_inline __u64 to_mb(__s64 pages)
{
	/* bcc prints kB / 1024 as "%.0f" */
	return pages > 0 ? ((__u64)pages * PAGE_KB + 512) / 1024 : 0;
}

static __always_inline void fill(struct cachestat_row *row, const __u64 *d)
{
	static const char fmt[] = "%llu.%02llu%%";
	__s64 total = (__s64)(d[ACCESSED] - d[BUFFERS]), misses = (__s64)(d[ADDED] - d[DIRTIED]);
	__s64 hits, buffers, cached;
	__u64 args[2], hundredths;

	if (misses < 0)
		misses = 0;
	if (total < 0)
		total = 0;
	hits = total - misses;
	if (hits < 0) {
		misses = total;
		hits = 0;
	}
	row->hits = hits;
	row->misses = misses;
	row->dirties = d[BUFFERS];
	/* rounded, as "%.2f" rounds */
	hundredths = total > 0 ? ((__u64)hits * 20000 / total + 1) / 2 : 0;
	args[0] = hundredths / 100;
	args[1] = hundredths % 100;
	bpf_snprintf(row->ratio, sizeof(row->ratio), fmt, args, sizeof(args));
	buffers = blockdev_pages();
	cached = node_pages(bpf_core_enum_value(enum node_stat_item, NR_FILE_PAGES)) - buffers;
	if (bpf_core_enum_value_exists(enum node_stat_item, NR_SWAPCACHE))
		cached -= node_pages(bpf_core_enum_value(enum node_stat_item, NR_SWAPCACHE));
	row->buffers_mb = to_mb(buffers);
	row->cached_mb = to_mb(cached);
}

SEC("syscall")
int cachestat__print(void *ctx)
{
	__u64 now[NR_COUNTS] = {}, d[NR_COUNTS];
	struct cachestat_row *row, *row_ts;
	__u32 zero = 0, cpu;
	int i;

	for (cpu = 0; cpu < MAX_CPUS; cpu++) {
		struct counts *c = bpf_map_lookup_percpu_elem(&calls, &zero, cpu);

		if (!c)
			break;
		for (i = 0; i < NR_COUNTS; i++)
			now[i] += c->n[i];
	}
	for (i = 0; i < NR_COUNTS; i++) {
		d[i] = now[i] - seen[i];
		seen[i] = now[i];
	}
	row = bpf_map_lookup_elem(&stats, &zero);
	row_ts = bpf_map_lookup_elem(&stats_ts, &zero);
	if (!row || !row_ts)
		return 0;
	fill(row, d);
	__builtin_memcpy(row_ts, row, sizeof(*row));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
