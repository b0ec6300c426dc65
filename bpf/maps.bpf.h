/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * bcc's map conveniences for libbpf programs, so that BPF code reads like
 * bcc's without its rewriter:
 *
 *	__u64 zero = 0, *val = pk_lookup_or_try_init(&stats, &key, &zero);
 *	if (val)
 *		(*val)++;
 *	pk_increment(&counts, &uid);		   // bcc's counts.increment(uid)
 *	pk_increment(&dist, &(__u32){ pk_log2l(delta) });  // a print_log2_hist slot
 *
 * and declares maps in one line each, as bcc's BPF_HASH() does:
 *
 *	PK_HASH(start, __u32, __u64, 10240);	// bcc: BPF_HASH(start, u32, u64, 10240)
 *	PK_ARRAY(config, struct cfg, 1);
 *	PK_PERCPU_HASH(calls, __u32, __u64, 1024);
 *	PK_PERCPU_ARRAY(scratch, struct buf, 1);
 *	PK_STACK_TRACE(stacks, 1024);		// for pk_stack_id() (probekit.bpf.h)
 *	PK_HIST(read_usecs, 64);		// a log2 histogram...
 *	PK_HIST_KEYED(read_usecs_by_pid, __u32, 64) PK_HIST_SECTION("pid");  // ...one per pid
 *	PK_HIST_LINEAR(read_kbytes, 100, 4);	// slots 0-3, 4-7... (print_linear_hist)
 *	pk_hist_add(&read_usecs, delta);
 *	pk_hist_add_keyed(&read_usecs_by_pid, &pid, delta);
 *	pk_hist_add_linear(&read_kbytes, size / 1024, 4);
 *
 * Include it after vmlinux.h (or the UAPI headers) and <bpf/bpf_helpers.h>.
 */
#ifndef PROBEKIT_MAPS_BPF_H
#define PROBEKIT_MAPS_BPF_H

#ifndef EEXIST
#define EEXIST 17
#endif

/*
 * The value for @key, created from @init when it is missing (bcc's
 * lookup_or_try_init). NULL when the map is full. Another CPU creating the
 * entry first is fine: the entry it made is returned.
 */
static __always_inline void *pk_lookup_or_try_init(void *map, const void *key, const void *init)
{
	void *val = bpf_map_lookup_elem(map, key);
	long err;

	if (val)
		return val;
	err = bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	if (err && err != -EEXIST)
		return 0;
	return bpf_map_lookup_elem(map, key);
}

/* Adds @n to the u64 counter at @key, creating it at 0 (bcc's increment(key, n)). */
static __always_inline void pk_increment_by(void *map, const void *key, __u64 n)
{
	__u64 zero = 0, *val = pk_lookup_or_try_init(map, key, &zero);

	if (val)
		__sync_fetch_and_add(val, n);
}

#define pk_increment(map, key) pk_increment_by(map, key, 1)

/* floor(log2(v)) for v > 0, 0 for 0. */
static __always_inline __u32 pk_log2(__u32 v)
{
	__u32 r, shift;

	r = (v > 0xFFFF) << 4;
	v >>= r;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

/*
 * The log2 histogram slot of @v as bcc numbers them: 1 for 0 and 1, 2 for
 * 2-3, 3 for 4-7... (pk_print_log2_hist() prints these slots).
 */
static __always_inline __u32 pk_log2l(__u64 v)
{
	__u32 hi = v >> 32;

	return hi ? pk_log2(hi) + 32 + 1 : pk_log2((__u32)v) + 1;
}

/* Map declarations ---------------------------------------------------------- */

#define PK__MAP(name, map_type, key_t, value_t, max)                                               \
	struct {                                                                                   \
		__uint(type, map_type);                                                            \
		__uint(max_entries, max);                                                          \
		__type(key, key_t);                                                                \
		__type(value, value_t);                                                            \
	} name SEC(".maps")

#define PK_HASH(name, key_t, value_t, max) PK__MAP(name, BPF_MAP_TYPE_HASH, key_t, value_t, max)
#define PK_PERCPU_HASH(name, key_t, value_t, max)                                                  \
	PK__MAP(name, BPF_MAP_TYPE_PERCPU_HASH, key_t, value_t, max)
/* Arrays are indexed by a __u32. */
#define PK_ARRAY(name, value_t, max) PK__MAP(name, BPF_MAP_TYPE_ARRAY, __u32, value_t, max)
#define PK_PERCPU_ARRAY(name, value_t, max)                                                        \
	PK__MAP(name, BPF_MAP_TYPE_PERCPU_ARRAY, __u32, value_t, max)

/*
 * A map printed as a table of rows, each formatted by the file as bcc's
 * tools format theirs: {member:WIDTH} for a member of the key or the value
 * (a struct's, top level; "key" and "value" for plain ones; "time" for the
 * print's HH:MM:SS), WIDTH negative to align left, text between as it is
 * (PK_TABLE_* below is the other table: columns from BTF with their
 * declared formats; a row format is for a tool that lays out its own):
 *
 *	PK_HASH(stats, struct pair, struct pair_count, 10240)
 *		PK_TABLE_ROW("{prev_pid:7} {prev_comm:-16} -> {next_pid:7} {next_comm:-16} "
 *			     "{count:8}")
 *		PK_ROW_HEADER("\n   PREV PREV_COMM           NEXT NEXT_COMM           COUNT")
 *		PK_ROW_SORT("-count prev_pid next_pid") PK_ROW_TOP(top);
 *
 * A member with a declared integer format (pk_syscall_t, pk_errno_t,
 * PK_DURATION(ns, us)... of probekit.bpf.h) prints in it, as in an event
 * table: "openat", "12.345".
 * PK_ROW_SORT: members, '-' for descending. PK_ROW_TOP(var): only the
 * first var rows (a const volatile global, an option; 0 is all).
 * PK_TABLE_WHEN(var) / PK_TABLE_UNLESS(var) (below; any map) print it
 * only while options are set or not: given several times, all of them
 * must hold (one table per combination of options: syscount's -P, -L and
 * -m). PK_CLEAR (below): each print empties the map (counts per
 * interval). PK_ROW_HEADER_ONCE: the header is printed once, when
 * the tool starts, rather than before each print. With --json each row is
 * an object of the row's members, in the row's order, raw values, and the
 * declared formats' text beside them: "named":{"nr":"getppid"}.
 */
#define PK__ROW_TAG(s) __attribute__((btf_decl_tag(s)))
#define PK_TABLE_ROW(fmt) PK__ROW_TAG("pk_row:" fmt)
#define PK_ROW_HEADER(text) PK__ROW_TAG("pk_row_header:" text)
#define PK_ROW_HEADER_ONCE PK__ROW_TAG("pk_row_header_once")
#define PK_ROW_SORT(members) PK__ROW_TAG("pk_row_sort:" members)
#define PK_ROW_TOP(var) PK__ROW_TAG("pk_row_top:" #var)

/* the kernel's PERF_MAX_STACK_DEPTH: the deepest stack bpf_get_stackid() takes */
#define PK_STACK_DEPTH 127

/* Stacks by id, for pk_stack_id(); user space reads them with pk_stack_read(). */
#define PK_STACK_TRACE(name, max)                                                                  \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_STACK_TRACE);                                            \
		__uint(max_entries, max);                                                          \
		__uint(key_size, sizeof(__u32));                                                   \
		__uint(value_size, PK_STACK_DEPTH * sizeof(__u64));                                \
	} name SEC(".maps")

/*
 * Histograms, in the two shapes printers recognise by BTF (probekit run
 * prints them as bcc's print_log2_hist()/print_linear_hist() do; see
 * include/probekit/hist.h for the rules):
 *
 * - PK_HIST(name, slots): an array of __u64 counts indexed by slot. The
 *   map variable carries the BTF decl tag "pk_hist", which is what tells
 *   it from a plain PK_ARRAY of counters;
 * - PK_HIST_KEYED(name, keytype, slots): a hash from
 *	struct name_hist_key { keytype bucket; __u32 slot; }
 *   (keytype may be an array: PK_HIST_KEYED(by_comm, char[16], 64), filled
 *   with pk_hist_add_keyed(&by_comm, &comm, delta): a pointer to the array)
 *   to __u64 counts, one histogram per bucket key. The key's last member
 *   is always "__u32 slot"; everything before it is the bucket key (bcc's
 *   section_header). It holds up to PK_HIST_MAX_KEYS buckets. Any hash
 *   keyed by a struct whose last member is an integer "slot", with integer
 *   values, is printed the same way, tagged or not (bcc tools' shape).
 *
 * pk_hist_add() and pk_hist_add_keyed() count a value in its log2 slot as
 * bcc numbers them (pk_log2l(): slot 1 holds 0 and 1, slot k >= 2 holds
 * 2^(k-1) to 2^k - 1; slot 0 stays empty). Values past the last slot count
 * in it.
 *
 * Linear histograms: PK_HIST_LINEAR(name, slots, step) and
 * PK_HIST_LINEAR_KEYED(name, keytype, slots, step), filled by
 * pk_hist_add_linear(map, value, step) and pk_hist_add_linear_keyed(map,
 * bucket_ptr, value, step) with the same step: slot value / step. The tag
 * is "pk_hist:linear:STEP", so @step must be an integer literal (or a
 * macro that expands to one). Rows print as print_linear_hist(): the
 * slot's lowest value, slot * step.
 *
 * The unit label comes from the map's name (a word of it: usecs, us,
 * nsecs, ns, msecs, ms, secs, bytes, kbytes, pages, sectors...), else
 * "value", or from an annotation after the declaration; and a one-member
 * bucket's section header is its member's name ("bucket" for
 * PK_HIST_KEYED) unless PK_HIST_SECTION() names it:
 *
 *	PK_HIST(read_lat, 64) PK_HIST_UNIT("usecs");
 *	PK_HIST_KEYED(lat_by_pid, __u32, 64) PK_HIST_SECTION("pid");
 *
 * Without the btf_decl_tag attribute (clang < 14) the annotations and the
 * marks of unkeyed histograms are lost: those print as plain maps. The
 * tags are read from the object's own BTF (bpf_object__btf()), which
 * libbpf keeps as compiled: for a kernel without decl tags (before 5.16)
 * it sanitizes a copy it loads, so the marks work on every kernel.
 */
#ifndef PK_HIST_MAX_KEYS
#define PK_HIST_MAX_KEYS 1024
#endif

#if __has_attribute(btf_decl_tag)
#define PK__HIST_TAG(s) __attribute__((btf_decl_tag(s)))
#else
#define PK__HIST_TAG(s)
#endif
#define PK__HIST_STR2(x) #x
#define PK__HIST_STR(x)	 PK__HIST_STR2(x)

#define PK_HIST_UNIT(unit)     PK__HIST_TAG("pk_hist_unit:" unit)
#define PK_HIST_SECTION(label) PK__HIST_TAG("pk_hist_section:" label)

#define PK__HIST_ARRAY(name, slots) PK__MAP(name, BPF_MAP_TYPE_ARRAY, __u32, __u64, slots)

#define PK__HIST_HASH(name, keytype, slots)                                                        \
	struct name##_hist_key {                                                                   \
		__typeof__(keytype) bucket;                                                        \
		__u32 slot;                                                                        \
	};                                                                                         \
	/* not preallocated: room for every key is megabytes the kernel would zero at load */ \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_HASH);                                                   \
		__uint(map_flags, BPF_F_NO_PREALLOC);                                              \
		__uint(max_entries, (slots)*PK_HIST_MAX_KEYS);                                     \
		__type(key, struct name##_hist_key);                                               \
		__type(value, __u64);                                                              \
	} name SEC(".maps")

#define PK_HIST(name, slots) PK__HIST_ARRAY(name, slots) PK__HIST_TAG("pk_hist")
#define PK_HIST_KEYED(name, keytype, slots)                                                        \
	PK__HIST_HASH(name, keytype, slots) PK__HIST_TAG("pk_hist")
#define PK_HIST_LINEAR(name, slots, step)                                                          \
	_Static_assert((step) > 0, "a linear histogram's step must be > 0");                       \
	PK__HIST_ARRAY(name, slots) PK__HIST_TAG("pk_hist:linear:" PK__HIST_STR(step))
#define PK_HIST_LINEAR_KEYED(name, keytype, slots, step)                                           \
	_Static_assert((step) > 0, "a linear histogram's step must be > 0");                       \
	PK__HIST_HASH(name, keytype, slots) PK__HIST_TAG("pk_hist:linear:" PK__HIST_STR(step))

/*
 * A hash or array printed as a table (include/probekit/mapprint.h), as
 * bcc's syscount prints its counts:
 *
 *	struct comm_key { char comm[16]; };	// not "key": vmlinux.h has one
 *	PK_HASH(syscalls, struct comm_key, __u64, 1024) PK_TABLE_VALUE("COUNT")
 *		PK_TABLE_TOP(10);
 *
 *	COMM             COUNT
 *	wl_hog           12346
 *
 * Members of a struct key or value are columns, with the formats of
 * PK_EVENT records (probekit.bpf.h: pk_ipv4_t, PK_DURATION()...). A scalar
 * key or value is one column: PK_TABLE_KEY("NAME") / PK_TABLE_VALUE("NAME")
 * name it (else KEY, VALUE). PK_TABLE_SORT("NAME") sorts by that column,
 * largest first as bcc's counts are ("-NAME": smallest first; PK_ROW_SORT's
 * '-' is the other way round, as its default is ascending), else by the
 * value's first; PK_TABLE_TOP(N)
 * prints the first N (run's --top overrides). PK_TABLE alone asks for a
 * table with none of these.
 * For any map (either table, a histogram, a plain one): PK_TABLE_WHEN(var)
 * / PK_TABLE_UNLESS(var) print it only when the const volatile global var
 * is non-zero / zero (an option: bcc's tcpconnect -c, tcprtt -m), each
 * any number of times, all of which must hold; PK_CLEAR empties it at
 * each print (per-interval counts and histograms; PK_TOOL_CLEAR does it
 * for every printed map but the PK_PRIVATE ones).
 */
#define PK_TABLE PK__HIST_TAG("pk_table")
#define PK_TABLE_KEY(name) PK__HIST_TAG("pk_table_key:" name)
#define PK_TABLE_VALUE(name) PK__HIST_TAG("pk_table_value:" name)
#define PK_TABLE_SORT(name) PK__HIST_TAG("pk_table_sort:" name)
#define PK_TABLE_TOP(n) PK__HIST_TAG("pk_table_top:" PK__HIST_STR(n))
#define PK_TABLE_WHEN(var) PK__HIST_TAG("pk_table_when:" #var)
#define PK_TABLE_UNLESS(var) PK__HIST_TAG("pk_table_unless:" #var)
/* each print (each -i interval, and the last) empties this map, any kind (bcc's dist.clear()) */
#define PK_CLEAR PK__HIST_TAG("pk_clear")

/*
 * Metrics (--metrics; include/probekit/metrics.h): with no annotation, a
 * hash or array of integer values is a counter and a histogram a
 * histogram. After the declaration, as the histogram annotations:
 *
 *	PK_HASH(queued, __u32, __s64, 1024) PK_GAUGE;	   // goes up and down
 *	PK_HASH(start, __u32, __u64, 10240) PK_NO_METRIC;  // timestamps, not counts
 *	PK_HASH(calls, __u32, __u64, 1024) PK_METRIC_NAME("myapp_calls_total");
 *	PK_HIST(read_usecs, 64);
 *	PK_ARRAY(read_usecs_sum, __u64, 1) PK_HIST_SUM_OF(read_usecs);
 *	pk_hist_add(&read_usecs, delta);
 *	pk_increment_by(&read_usecs_sum, &(__u32){ 0 }, delta);
 *
 * A histogram's _sum comes only from its PK_HIST_SUM_OF() map (log2 slots
 * cannot give one): an array of one __u64 for PK_HIST, a hash keyed by the
 * bucket type for PK_HIST_KEYED.
 */
/*
 * A count map keyed by stacks (PK_STACK_ID members, a PK_STACK_TRACE map)
 * prints as text in bcc's items() form ("name[key] = value", then the
 * frames after a tab) unless declared. PK_STACK_ROWS after its declaration
 * prints it as bcc's profile does: a blank line, then each entry, smallest
 * count first, as the kernel frames, "    --" (-d, when both stacks were
 * taken), the user frames (each four spaces in, no offsets), then
 * "    -                COMM (PID)" when the key has a comm and a pid,
 * then "        COUNT" and a blank line.
 *
 *	PK_HASH(samples, struct sample_key, __u64, 16384) PK_STACK_ROWS;
 *
 * PK_STACK_ROWS_FORMAT("...") lays an entry out as its lines ('\n' apart;
 * a final "\n" is the blank line after each entry). In a line, {NAME} is
 * a member of the key or value (a number, or a char array as text),
 * {value} the count; {kernel}, {user} or {NAME} of a stack id makes the
 * line repeat for each frame of those stacks (a missed stack's line says
 * "[Missed Kernel Stack]"; a stack not taken, -EFAULT, prints no line);
 * {NAME:rev} gives them outermost first; {addr} is the frame's address
 * ("%-16llx"). {?NAME} prints the line only when member NAME is non-zero
 * (a string: not empty), {?delimit} only under -d with a kernel and a user
 * stack taken. "{{" is a '{'. bcc's offcputime, wakeuptime:
 *
 *	PK_STACK_ROWS_FORMAT("    {kernel}\n{?delimit}    --\n    {user}\n"
 *			     "    -                {comm} ({tid})\n        {value}\n")
 *	PK_STACK_ROWS_FORMAT("    target:          {comm}\n    {addr} {kstack:rev}\n"
 *			     "    waker:           {waker}\n        {value}\n")
 *
 * A format that names what the map has not is said on stderr, and the map
 * prints as items(). Folded (-f), --svg and --json output are the same
 * either way.
 */
#define PK_STACK_ROWS		   PK__HIST_TAG("pk_stack_rows")
#define PK_STACK_ROWS_FORMAT(fmt) PK__HIST_TAG("pk_stack_rows:" fmt)

/*
 * A map of the file's working state (start times in flight, scratch):
 * PK_PRIVATE after its declaration keeps it out of the printed maps, out
 * of -i's clearing (PK_TOOL_CLEAR, --clear) and out of the metrics.
 *
 *	PK_HASH(start, __u64, __u64, 10240) PK_PRIVATE;
 */
#define PK_PRIVATE PK__HIST_TAG("pk_print:none") PK__HIST_TAG("pk_metric:none")
#define PK_GAUGE	     PK__HIST_TAG("pk_metric:gauge")
#define PK_NO_METRIC	     PK__HIST_TAG("pk_metric:none")
#define PK_METRIC_NAME(name) PK__HIST_TAG("pk_metric_name:" name)
#define PK_HIST_SUM_OF(hist) PK__HIST_TAG("pk_hist_sum:" #hist)

/*
 * A map's max_entries, known at compile time: libbpf's __uint() declares
 * it as a pointer to an array of that many ints.
 */
#define pk__max_entries(map) (sizeof(*(map)->max_entries) / sizeof(int))

static __always_inline __u32 pk__hist_slot(__u64 value, __u32 slots)
{
	__u32 slot = pk_log2l(value);

	return slot < slots ? slot : slots - 1;
}

static __always_inline __u32 pk__hist_linear_slot(__u64 value, __u64 step, __u32 slots)
{
	__u64 slot = value / step;

	return slot < slots ? slot : slots - 1;
}

/* Adds one to @slot of the PK_HIST array @map (a pointer). */
#define pk__hist_add_slot(map, slot_nr)                                                            \
	({                                                                                         \
		__u32 pk__slot = (slot_nr);                                                        \
		__u64 *pk__n = bpf_map_lookup_elem(map, &pk__slot);                                \
		if (pk__n)                                                                         \
			__sync_fetch_and_add(pk__n, 1);                                            \
	})

/* Adds one to @slot of @bucket's histogram in the PK_HIST_KEYED @map. */
#define pk__hist_add_keyed_slot(map, bucket_ptr, slot_nr)                                          \
	({                                                                                         \
		__typeof__(*(map)->key) pk__key;                                                   \
		__builtin_memset(&pk__key, 0, sizeof(pk__key));                                    \
		/* copied, so that a char comm[16] bucket works as a number does (a */         \
		/* narrower number is widened, on these little-endian targets) */             \
		__builtin_memcpy(&pk__key.bucket, (bucket_ptr),                                    \
				 sizeof(pk__key.bucket) < sizeof(*(bucket_ptr))                     \
					 ? sizeof(pk__key.bucket)                                   \
					 : sizeof(*(bucket_ptr)));                                  \
		pk__key.slot = (slot_nr);                                                          \
		pk_increment(map, &pk__key);                                                       \
	})

#define pk__hist_keyed_slots(map) (pk__max_entries(map) / PK_HIST_MAX_KEYS)

/* Counts @value in its log2 slot of the PK_HIST array @map (a pointer). */
#define pk_hist_add(map, value) pk__hist_add_slot(map, pk__hist_slot(value, pk__max_entries(map)))

/* Counts @value in its log2 slot of @bucket's histogram in the PK_HIST_KEYED @map. */
#define pk_hist_add_keyed(map, bucket_ptr, value)                                                  \
	pk__hist_add_keyed_slot(map, bucket_ptr, pk__hist_slot(value, pk__hist_keyed_slots(map)))

/* Counts @value in slot value / @step of the PK_HIST_LINEAR array @map. */
#define pk_hist_add_linear(map, value, step)                                                       \
	pk__hist_add_slot(map, pk__hist_linear_slot(value, step, pk__max_entries(map)))

/* Counts @value in slot value / @step of @bucket's histogram in PK_HIST_LINEAR_KEYED @map. */
#define pk_hist_add_linear_keyed(map, bucket_ptr, value, step)                                     \
	pk__hist_add_keyed_slot(map, bucket_ptr,                                                   \
				pk__hist_linear_slot(value, step, pk__hist_keyed_slots(map)))

#endif
