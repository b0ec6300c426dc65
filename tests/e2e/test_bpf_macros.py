"""bpf/maps.bpf.h and bpf/probekit.bpf.h's declaration macros: a BPF file
using every one (tests/bpf/macros.bpf.c) is compiled with clang now, loaded
through libbpf, fed with BPF_PROG_TEST_RUN, attached to a child's exec, and
its maps read back from user space."""
import bisect
import os
import re
import struct
import subprocess

import pk

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


try:
    import ctypes
    import ctypes.util
except ImportError:  # the kernel lane's guests: pk.need_host_tool() skips there
    ctypes = None


def libbpf():
    pk.need_host_tool("py:ctypes")
    pk.need_host_tool("clang")

    class TestRunOpts(ctypes.Structure):
        """struct bpf_test_run_opts of <bpf/bpf.h> (libbpf 1.1)."""
        _fields_ = [("sz", ctypes.c_size_t), ("data_in", ctypes.c_void_p),
                    ("data_out", ctypes.c_void_p), ("data_size_in", ctypes.c_uint32),
                    ("data_size_out", ctypes.c_uint32), ("ctx_in", ctypes.c_void_p),
                    ("ctx_out", ctypes.c_void_p), ("ctx_size_in", ctypes.c_uint32),
                    ("ctx_size_out", ctypes.c_uint32), ("retval", ctypes.c_uint32),
                    ("repeat", ctypes.c_int), ("duration", ctypes.c_uint32),
                    ("flags", ctypes.c_uint32), ("cpu", ctypes.c_uint32),
                    ("batch_size", ctypes.c_uint32)]

    lib = ctypes.CDLL(ctypes.util.find_library("bpf") or "libbpf.so.1", use_errno=True)
    vp, cp = ctypes.c_void_p, ctypes.c_char_p
    for name, res, args in [
            ("bpf_object__open_file", vp, [cp, vp]), ("bpf_object__load", ctypes.c_int, [vp]),
            ("bpf_object__close", None, [vp]),
            ("bpf_object__find_program_by_name", vp, [vp, cp]),
            ("bpf_object__find_map_by_name", vp, [vp, cp]),
            ("bpf_program__fd", ctypes.c_int, [vp]), ("bpf_map__fd", ctypes.c_int, [vp]),
            ("bpf_program__attach", vp, [vp]), ("bpf_link__destroy", ctypes.c_int, [vp]),
            ("bpf_map__initial_value", vp, [vp, ctypes.POINTER(ctypes.c_size_t)]),
            ("bpf_map__set_initial_value", ctypes.c_int, [vp, vp, ctypes.c_size_t]),
            ("bpf_prog_test_run_opts", ctypes.c_int,
             [ctypes.c_int, ctypes.POINTER(TestRunOpts)]),
            ("bpf_map_lookup_elem", ctypes.c_int, [ctypes.c_int, vp, vp]),
            ("bpf_map_get_next_key", ctypes.c_int, [ctypes.c_int, vp, vp]),
            ("libbpf_num_possible_cpus", ctypes.c_int, [])]:
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    lib.TestRunOpts = TestRunOpts
    return lib


def compile_object(out):
    arch = os.uname().machine.replace("x86_64", "x86").replace("aarch64", "arm64")
    multiarch = subprocess.run(["cc", "-dumpmachine"], stdout=subprocess.PIPE,
                               text=True).stdout.strip()
    r = pk.run(["clang", "-g", "-O2", "-target", "bpf", f"-D__TARGET_ARCH_{arch}",
                "-I" + pk.BUILD, "-I" + os.path.join(ROOT, "bpf"),
                "-I" + os.path.join(ROOT, "include"), f"-I/usr/include/{multiarch}",
                "-Wall", "-Werror", "-c", os.path.join(ROOT, "tests", "bpf", "macros.bpf.c"),
                "-o", out], timeout=120)
    assert r.returncode == 0, r.stderr


def test_conventions_are_in_btf():
    """PK_EVENT leaves the record type in BTF (VAR pk_event_type -> PTR ->
    struct exec_event), PK_STACK_ID tags the field, and PK_HIST_KEYED's key
    ends with __u32 slot: what a generic printer will look for."""
    pk.need_host_tool("clang")
    obj_path = os.path.join(pk.tempdir("pk-macros-"), "macros.bpf.o")
    compile_object(obj_path)
    r = pk.run(["bpftool", "btf", "dump", "file", obj_path])
    assert r.returncode == 0, r.stderr
    types = {}
    for line in r.stdout.splitlines():
        m = re.match(r"\[(\d+)\] (\w+) '([^']*)'(.*)", line)
        if m:
            types[int(m.group(1))] = (m.group(2), m.group(3), m.group(4))
    var = [t for t in types.values() if t[:2] == ("VAR", "pk_event_type")]
    assert len(var) == 1, var
    ptr = types[int(re.search(r"type_id=(\d+)", var[0][2]).group(1))]
    assert ptr[0] == "PTR", ptr
    target = types[int(re.search(r"type_id=(\d+)", ptr[2]).group(1))]
    assert target[:2] == ("STRUCT", "exec_event"), target
    tag = [t for t in types.values() if t[:2] == ("DECL_TAG", "pk_stack_id")]
    assert tag and "component_idx=1" in tag[0][2], tag  # exec_event's 2nd member, kstack
    key = re.search(r"STRUCT 'values_by_hist_key' size=8 vlen=2\n\t'bucket' type_id=\d+ "
                    r"bits_offset=0\n\t'slot' type_id=\d+ bits_offset=32", r.stdout)
    assert key, r.stdout[:3000]


def hash_items(lib, fd, key_size, value_size):
    items, key, nxt = {}, ctypes.create_string_buffer(key_size), \
        ctypes.create_string_buffer(key_size)
    val = ctypes.create_string_buffer(value_size)
    prev = None
    while lib.bpf_map_get_next_key(fd, prev, nxt) == 0:
        ctypes.memmove(key, nxt, key_size)
        prev = key
        assert lib.bpf_map_lookup_elem(fd, key, val) == 0
        items[key.raw] = val.raw
    return items


def u64s(raw):
    return struct.unpack(f"<{len(raw) // 8}Q", raw)


def test_macros_compile_load_and_count():
    pk.need_bpf()
    lib = libbpf()
    obj_path = os.path.join(pk.tempdir("pk-macros-"), "macros.bpf.o")
    compile_object(obj_path)
    obj = lib.bpf_object__open_file(obj_path.encode(), None)
    assert obj, f"open: errno {ctypes.get_errno()}"
    try:
        run_object(lib, obj, var_offset(obj_path, "targ_pid"))
    finally:
        lib.bpf_object__close(obj)


def map_fd(lib, obj, name):
    m = lib.bpf_object__find_map_by_name(obj, name.encode())
    assert m, name
    return lib.bpf_map__fd(m)


def var_offset(obj_path, name):
    """Where variable @name is in its data section: its symbol's value."""
    r = pk.run(["readelf", "-sW", obj_path])
    m = re.search(r"^\s*\d+: ([0-9a-f]+) .* %s$" % name, r.stdout, re.M)
    assert m, r.stdout[-2000:]
    return int(m.group(1), 16)


def set_target_pid(lib, obj, pid, offset):
    rodata = lib.bpf_object__find_map_by_name(obj, b".rodata")
    size = ctypes.c_size_t()
    init = lib.bpf_map__initial_value(rodata, ctypes.byref(size))
    buf = ctypes.create_string_buffer(ctypes.string_at(init, size.value), size.value)
    struct.pack_into("<I", buf, offset, pid)
    assert lib.bpf_map__set_initial_value(rodata, buf, size.value) == 0


def run_object(lib, obj, pid_offset):
    child = pk.Proc(["/bin/sh", "-c", "read x; exec /bin/true"], stdin=subprocess.PIPE)
    set_target_pid(lib, obj, child.pid, pid_offset)
    assert lib.bpf_object__load(obj) == 0, f"load: errno {ctypes.get_errno()}"

    # BPF_PROG_TEST_RUN: values with known log2 slots, in buckets 7 and 9
    prog = lib.bpf_object__find_program_by_name(obj, b"hist_feed")
    values = [0, 1, 2, 3, 4, 7, 8, 1000, 1 << 40] + [5] * 10
    sent = []
    for i, v in enumerate(values):
        bucket = 7 if i % 2 else 9
        sent.append((v, bucket))
        ctx = struct.pack("<QQ", v, bucket)
        cbuf = ctypes.create_string_buffer(ctx, len(ctx))
        opts = lib.TestRunOpts(sz=ctypes.sizeof(lib.TestRunOpts),
                               ctx_in=ctypes.addressof(cbuf), ctx_size_in=len(ctx))
        err = lib.bpf_prog_test_run_opts(lib.bpf_program__fd(prog), ctypes.byref(opts))
        assert err == 0, f"test run: {err} errno {ctypes.get_errno()}"

    def slot(v):  # bcc's numbering, as pk_log2l() does it, capped at the last of 16
        return min(max(v.bit_length(), 1), 15)

    want = [0] * 16
    for v, _ in sent:
        want[slot(v)] += 1
    fd = map_fd(lib, obj, "values")
    got = [u64s(v)[0] for k, v in sorted(hash_items(lib, fd, 4, 8).items(),
                                         key=lambda kv: struct.unpack("<I", kv[0]))]
    assert got == want, (got, want)
    assert got[1] == 2 and got[2] == 2 and got[3] == 12 and got[15] == 1, got

    want_keyed = {}
    for v, b in sent:
        want_keyed[(b, slot(v))] = want_keyed.get((b, slot(v)), 0) + 1
    fd = map_fd(lib, obj, "values_by")
    got_keyed = {struct.unpack("<II", k): u64s(v)[0]
                 for k, v in hash_items(lib, fd, 8, 8).items()}
    assert got_keyed == want_keyed, (got_keyed, want_keyed)
    # the bucket totals are the calls made in each bucket
    for b in (7, 9):
        assert sum(n for (kb, _), n in got_keyed.items() if kb == b) == \
            sum(1 for _, sb in sent if sb == b)

    counts = {b: sum(1 for _, sb in sent if sb == b) for b in (7, 9)}
    fd = map_fd(lib, obj, "seen")
    assert {struct.unpack("<I", k)[0]: u64s(v)[0]
            for k, v in hash_items(lib, fd, 4, 8).items()} == counts
    ncpu = lib.libbpf_num_possible_cpus()
    fd = map_fd(lib, obj, "pc_seen")
    per_cpu = {struct.unpack("<I", k)[0]: sum(u64s(v))
               for k, v in hash_items(lib, fd, 4, 8 * ncpu).items()}
    assert per_cpu == counts, per_cpu
    fd = map_fd(lib, obj, "pc_calls")
    assert sum(u64s(hash_items(lib, fd, 4, 8 * ncpu)[struct.pack("<I", 0)])) == len(sent)
    fd = map_fd(lib, obj, "last")
    last = {struct.unpack("<I", k)[0]: u64s(v)[0] for k, v in hash_items(lib, fd, 4, 8).items()}
    assert last == {0: sent[-1][0], 1: sent[-1][1]}, last

    # PK_TRACEPOINT and PK_SYSCALL_ENTER on the child's exec, pk_stack_id's stack
    links = []
    for name in (b"sched__sched_process_exec", b"sys_enter_execve"):
        link = lib.bpf_program__attach(lib.bpf_object__find_program_by_name(obj, name))
        assert link, f"attach {name}: errno {ctypes.get_errno()}"
        links.append(link)
    try:
        child.p.stdin.write(b"go\n")
        child.p.stdin.close()
        assert child.wait() == 0
    finally:
        for link in links:
            lib.bpf_link__destroy(link)
    pid_key = struct.pack("<I", child.pid)
    fd = map_fd(lib, obj, "exec_enter")
    enter = hash_items(lib, fd, 4, 8)
    nr_execve = 59 if os.uname().machine == "x86_64" else None
    assert pid_key in enter, enter
    if nr_execve:
        assert u64s(enter[pid_key])[0] == nr_execve, enter  # args->id: the syscall number
    fd = map_fd(lib, obj, "exec_stack")
    stack = hash_items(lib, fd, 4, 4)
    assert pid_key in stack, stack
    stack_id = struct.unpack("<i", stack[pid_key])[0]
    assert stack_id >= 0, f"pk_stack_id gave {stack_id}"
    fd = map_fd(lib, obj, "stacks")
    frames = u64s(hash_items(lib, fd, 4, 8 * 127)[struct.pack("<I", stack_id)])
    names = symbolize([f for f in frames if f])
    # an exec's kernel stack goes through the exec syscall
    assert any("execve" in n for n in names), names


def symbolize(addrs):
    """Kernel addresses to names with /proc/kallsyms as the oracle."""
    syms = []
    with open("/proc/kallsyms") as f:
        for line in f:
            a, t, name = line.split()[:3]
            if t in "tTwW":
                syms.append((int(a, 16), name))
    syms.sort()
    keys = [a for a, _ in syms]
    return [syms[bisect.bisect_right(keys, a) - 1][1] for a in addrs]
