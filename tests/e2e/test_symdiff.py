"""Differential tests of the symbolizers against references nobody on the
project wrote the rules of: ksyms against a lookup over /proc/kallsyms
written here, usyms against eu-addr2line (elfutils)."""
import bisect
import os
import random
import subprocess

import pk

# ksyms ----------------------------------------------------------------------
#
# The reference rule, from the kernel's own kallsyms_lookup() (kernel/kallsyms.c)
# with what user space can see:
# - only code symbols name an address: types t, T, w and W; _etext and
#   _einittext are the ends of the kernel's text and init text, not code;
# - an address belongs to the code symbol at or below it, up to the next
#   symbol of any type at a higher address (a data symbol ends code too);
# - the last symbol of the kernel or of a module (the next symbol is in
#   another module, or there is none) ends at the end of its page at the
#   latest: kallsyms gives no sizes, and module text, bpf programs, ftrace
#   trampolines and kprobe slots are allocated by pages;
# - alias choice: several code symbols at one address answer with the first
#   listed in the file, as the kernel's %pS does.
CODE = set("tTwW")
END_MARKERS = {"_etext", "_einittext"}
PAGE = os.sysconf("SC_PAGESIZE")


def read_kallsyms(path):
    syms = []
    with open(path) as f:
        for order, line in enumerate(f):
            parts = line.rstrip("\n").split("\t")
            fields = parts[0].split(" ")
            if len(fields) != 3:
                continue
            module = parts[1][1:-1] if len(parts) > 1 else None
            syms.append((int(fields[0], 16), order, fields[1], fields[2], module))
    syms.sort()
    return syms


class KallsymsReference:
    def __init__(self, syms):
        self.starts, self.spans = [], []
        # group the symbols by address, in address order
        groups = []
        for addr, _, typ, name, module in syms:
            if groups and groups[-1][0] == addr:
                groups[-1][1].append((typ, name, module))
            else:
                groups.append((addr, [(typ, name, module)]))
        for i, (addr, members) in enumerate(groups):
            code = [m for m in members if m[0] in CODE and m[1] not in END_MARKERS]
            if not code:
                continue
            _, name, module = code[0]
            page_end = (addr // PAGE + 1) * PAGE
            if i + 1 == len(groups):
                end = page_end
            else:
                nxt = groups[i + 1]
                end = nxt[0]
                if nxt[1][0][2] != module:
                    end = min(end, page_end)
            self.starts.append(addr)
            self.spans.append((addr, end, name, module))

    def lookup(self, addr):
        i = bisect.bisect_right(self.starts, addr) - 1
        if i < 0:
            return "[unknown]"
        start, end, name, module = self.spans[i]
        if addr >= end:
            return "[unknown]"
        text = f"{name}+{addr - start:#x}"
        return f"{text} [{module}]" if module else text


def sample_kernel_addresses(syms, ref, rnd, n=4000):
    addrs = {0, 1, 2**64 - 1, 2**63, 0xffffffff80000000}
    for name in END_MARKERS | {"_stext", "_sinittext"}:
        for addr, _, _, nm, _ in syms:
            if nm == name:
                addrs.update({addr - 1, addr, addr + 1, addr + 0x1000})
    spans = ref.spans
    for start, end, _, module in rnd.sample(spans, min(len(spans), n // 2)):
        addrs.update({start, start + rnd.randrange(max(end - start, 1)), end - 1, end})
    for start, end, _, module in spans:
        if module:  # every module symbol, its page, and past its page
            addrs.update({start, end - 1, end, end + rnd.randrange(1, 1 << 20)})
    for _ in range(n // 4):
        addrs.add(rnd.randrange(0xffffffff80000000, 2**64))
        addrs.add(rnd.randrange(2**64))
    return sorted(addrs)


def test_ksyms_against_kallsyms_reference():
    # bpf programs show in kallsyms as [bpf] module symbols: load some
    pk.need_bpf()
    tool = pk.start_tool("opensnoop")
    try:
        snapshot = os.path.join(pk.BUILD, "tests", "kallsyms.snapshot")
        with open("/proc/kallsyms") as src, open(snapshot, "w") as dst:
            dst.write(src.read())
    finally:
        tool.stop()
    syms = read_kallsyms(snapshot)
    if not any(addr for addr, *_ in syms):
        raise pk.Skip("kernel addresses are hidden (kptr_restrict): nothing to compare")
    ref = KallsymsReference(syms)
    addrs = sample_kernel_addresses(syms, ref, random.Random(15))
    r = subprocess.run([pk.helper_path("symlookup"), "ksyms", snapshot],
                       input="".join(f"{a:x}\n" for a in addrs), capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    got = r.stdout.splitlines()
    assert len(got) == len(addrs), (len(got), len(addrs))
    wrong = [(f"{a:#x}", g, ref.lookup(a)) for a, g in zip(addrs, got) if g != ref.lookup(a)]
    unknown = sum(g == "[unknown]" for g in got)
    modules = sum(g.endswith("]") and g != "[unknown]" for g in got)
    print(f"  ksyms: {len(addrs) - len(wrong)} of {len(addrs)} addresses agree with the "
          f"reference ({unknown} unknown, {modules} in modules)")
    assert not wrong, f"{len(wrong)} disagree, e.g. (address, ksyms, reference): {wrong[:10]}"
    assert modules > 0 and unknown > 0


# The kernel's own lookup (pk_kframes: bpf_snprintf "%pS", kallsyms' code) ---
#
# Asked while the BPF programs it names are loaded, on code addresses (the
# starts, middles and last bytes of functions, every module and BPF program
# symbol) and on others. It must answer as the reference and the table do,
# except where the kernel knows more than /proc/kallsyms shows:
# - around the end of a BPF program or of a module's last function, which the
#   reference bounds by its page: the kernel knows the real size, so it says
#   unknown inside the page, or names the program past the page (BPF programs
#   are packed, not page-aligned);
# - ftrace trampolines and kprobe slots ([__builtin__ftrace/kprobes]): %pS
#   does not name them (unknown);
# - a data address (CONFIG_KALLSYMS_ALL): %pS names the data symbol below it,
#   which must then be a symbol of the snapshot that is not code;
# - at or past _etext, where a label of the end of a section may share the
#   address (6.1's __indirect_thunk_end): the reference and the table name the
#   label, %pS _etext, which pk_kframes calls unknown.
# Stacks hold return addresses, always code, where nothing may differ.
KERNEL_KNOWS_MORE = ("a BPF program's or module's true end", "trampolines and kprobe slots",
                     "data symbols", "the end of text")


def kframes(backend, addrs, *table_out):
    return subprocess.run([pk.helper_path("symlookup"), "kframes", backend, *table_out],
                          input="".join(f"{a:x}\n" for a in addrs), capture_output=True,
                          text=True, timeout=120)


def kernel_difference(addr, kernel, ref, ref_span, syms_by_name, spans):
    """Which allowed difference explains kernel != ref, or None."""
    ends = {a for name in END_MARKERS for a, _, _ in syms_by_name.get(name, ())}
    if kernel == "[unknown]" and ref_span and ref_span[0] in ends:
        return KERNEL_KNOWS_MORE[3]
    if kernel == "[unknown]" and ref_span:
        start, end, _, module = ref_span
        if module and module.startswith("__builtin__"):
            return KERNEL_KNOWS_MORE[1]
        if module and addr > start:
            return KERNEL_KNOWS_MORE[0]
    if ref == "[unknown]" and kernel.endswith("]"):
        start = symbol_start(addr, kernel)
        span = spans.get(start[0]) if start else None
        if span and span[2] == start[1] and span[3] and span[1] <= addr:
            return KERNEL_KNOWS_MORE[0]
    if ref == "[unknown]" and kernel != "[unknown]":
        name, _, off = kernel.partition(" [")[0].rpartition("+0x")
        for sym_addr, typ, module in syms_by_name.get(name, ()):
            if (typ not in CODE or name in END_MARKERS) and sym_addr + int(off, 16) == addr:
                return KERNEL_KNOWS_MORE[2]
    return None


def symbol_start(addr, answer):
    """(address, name) of the symbol a "name+0xoff [module]" answer for addr names."""
    name, _, off = answer.partition(" [")[0].rpartition("+0x")
    return (addr - int(off, 16), name) if name else None


def held_program_symbols(pid):
    """The start addresses of the JITed functions of every BPF program @pid
    holds: symbols that stay in kallsyms while it runs."""
    ids = [str(i) for kind, i in pk.bpf_objects(pid) if kind == "prog"]
    r = subprocess.run([pk.helper_path("symlookup"), "progs", *ids], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return {int(x, 16) for x in r.stdout.split()}


def churns(module):
    """Symbols that come and go while the test runs, as other processes load
    and unload BPF programs (and ftrace trampolines with them)."""
    return module == "bpf" or (module or "").startswith("__builtin__")


@pk.timeout(300)
def test_kframes_kernel_against_kallsyms_and_table():
    """Other processes load and unload BPF programs meanwhile (other tests,
    other tracers): the table is compared with the kallsyms it read itself
    (its [bpf] symbols, in our snapshot's place), and the kernel's lookup,
    which answers live, on every address but those of programs this test
    does not hold loaded throughout (its opensnoop's)."""
    pk.need_bpf()
    d = pk.tempdir("pk-kframes-")
    snapshot, table_view = os.path.join(d, "kallsyms"), os.path.join(d, "table")
    tool = pk.start_tool("opensnoop")
    try:
        ours = held_program_symbols(tool.pid)
        with open("/proc/kallsyms") as src, open(snapshot, "w") as dst:
            dst.write(src.read())
        syms = read_kallsyms(snapshot)
        if not any(addr for addr, *_ in syms):
            raise pk.Skip("kernel addresses are hidden (kptr_restrict): nothing to compare")
        ref = KallsymsReference(syms)
        rnd = random.Random(14)
        addrs = set(sample_kernel_addresses(syms, ref, rnd, n=3000))
        for start, end, _, module in ref.spans:
            if module == "bpf":  # the running tool's programs, and everyone's
                addrs.update({start, start + 1, start + rnd.randrange(max(end - start, 1))})
        addrs = sorted(addrs)
        kernel = kframes("kernel", addrs)
        table = kframes("table", addrs, table_view)
        assert held_program_symbols(tool.pid) == ours, "opensnoop's programs changed"
    finally:
        tool.stop()
    assert kernel.returncode == 0, f"the kernel's lookup cannot be used: {kernel.stderr}"
    assert table.returncode == 0, table.stderr
    got, tab = kernel.stdout.splitlines(), table.stdout.splitlines()
    assert len(got) == len(addrs) and len(tab) == len(addrs), (len(got), len(tab), len(addrs))
    assert ours and ours <= {addr for addr, _, _, _, module in syms if module == "bpf"}, \
        "opensnoop's programs are not in /proc/kallsyms"
    # the table's view: our snapshot, with the programs and trampolines it read
    seen = read_kallsyms(table_view)
    table_ref = KallsymsReference(sorted(
        [s for s in syms if not churns(s[4])]
        + [(addr, len(syms) + order, typ, name, module)
           for addr, order, typ, name, module in seen if churns(module)]))
    by_name = {}
    for addr, _, typ, name, module in syms:
        by_name.setdefault(name, []).append((addr, typ, module))
    spans = {start: span for start, span in zip(ref.starts, ref.spans)}
    wrong, allowed, code, bpf, skipped = [], {k: 0 for k in KERNEL_KNOWS_MORE}, 0, 0, 0
    for a, k, t in zip(addrs, got, tab):
        # pk_kframes' table answers as the reference over what it read, everywhere
        tr = table_ref.lookup(a)
        assert t == tr, (f"{a:#x}", "table", t, "reference over the table's kallsyms", tr)
        r = ref.lookup(a)
        i = bisect.bisect_right(ref.starts, a) - 1
        span = spans[ref.starts[i]] if i >= 0 and a < ref.spans[i][1] else None
        # the kernel answers now: a program not held throughout may have gone,
        # or come, or gone and come back at the same place
        named = symbol_start(a, k) if k.endswith(" [bpf]") else None
        if (span and churns(span[3]) and span[0] not in ours) or (named and named[0] not in ours):
            skipped += 1
            continue
        code += span is not None
        bpf += k.endswith(" [bpf]")
        if k == r:
            continue
        why = kernel_difference(a, k, r, span, by_name, spans)
        if why:
            allowed[why] += 1
        else:
            wrong.append((f"{a:#x}", k, r))
    print(f"  kframes: {len(addrs) - len(wrong) - sum(allowed.values()) - skipped} of "
          f"{len(addrs) - skipped} addresses agree ({code} code, {bpf} in BPF programs; "
          f"{skipped} in programs of other processes left out); the kernel knows more on "
          + ", ".join(f"{n} ({why})" for why, n in allowed.items()))
    assert not wrong, f"{len(wrong)} disagree, e.g. (address, kernel, reference): {wrong[:10]}"
    # the code addresses of the core kernel and of our BPF programs were there
    assert code > 2000 and bpf > 0


# usyms ----------------------------------------------------------------------
#
# eu-addr2line -S (elfutils' libdwfl) names each address from the symbol
# tables, as usyms does. They must agree on every address, except:
# - alias choices: several symbols start at the address's function (eu-
#   addr2line's symbol starts where ours does, at the same offset). usyms
#   takes, in order: a symbol with a size over one without, code over data,
#   a name without a leading underscore (calloc over __libc_calloc), then
#   global over weak over local; libdwfl decides otherwise at times.
# - PLT stubs: eu-addr2line names none; usyms says "printf@plt" as gdb and
#   objdump do (the unit tests check those names against objdump).
# - past the end of every section: a symbol without a size (_fini) reaches
#   the next symbol or its section's end in usyms; eu-addr2line also names
#   the padding after the last section of the executable segment.
# Nothing else may differ: no other name, no other offset, and no address
# named by one and unknown to the other.
ALIAS_CHOICES = ("same-address aliases", "PLT stubs (name@plt, unnamed by eu-addr2line)",
                 "outside every section (eu-addr2line names the segment's padding)")


def exec_mappings(pid):
    out = []
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and parts[1] == "r-xp" and parts[5].startswith("/"):
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                out.append((lo, hi, parts[5]))
    return out


def sample_user_addresses(pid, rnd, big=700):
    addrs = []
    for lo, hi, path in exec_mappings(pid):
        if hi - lo <= 0x4000:  # the test's own code: nearly every byte
            addrs += range(lo, hi, 5)
        else:
            addrs += [rnd.randrange(lo, hi) for _ in range(big)]
    return addrs


def parse_sym(text):
    """'name+0x1f' -> ('name', 0x1f), 'name' -> ('name', 0) (eu-addr2line
    at a symbol's start); None when nothing names the address."""
    if text.startswith(("[unknown]", "??", "()", "0x")):
        return None
    if "+0x" not in text:
        return text, 0
    name, _, off = text.rpartition("+0x")
    return name, int(off, 16)


def eu_addr2line(pid, addrs):
    r = subprocess.run(["eu-addr2line", f"--pid={pid}", "-S"],
                       input="".join(f"{a:#x}\n" for a in addrs), capture_output=True,
                       text=True, timeout=120)
    lines = r.stdout.splitlines()
    # each address: "symbol+0xoff" (or "()+0x..." when none), then "file:line"
    assert len(lines) == 2 * len(addrs), (r.returncode, r.stderr[-500:], len(lines))
    return [parse_sym(lines[2 * i]) for i in range(len(addrs))]


def usyms_lookup(pid, addrs):
    r = subprocess.run([pk.helper_path("symlookup"), "usyms", str(pid)],
                       input="".join(f"{a:x}\n" for a in addrs), capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = [line.split("\t") for line in r.stdout.splitlines()]
    assert len(lines) == len(addrs) and all(len(f) == 3 for f in lines)
    return [(parse_sym(f[0]), f[1], int(f[2], 16)) for f in lines]


_sections = {}


def in_a_section(path, vaddr):
    """Whether an allocated section of @path holds @vaddr, by readelf."""
    if path not in _sections:
        r = subprocess.run(["readelf", "-SW", path], capture_output=True, text=True)
        spans = []
        for line in r.stdout.splitlines():
            f = line.replace("[ ", "[").split()
            if len(f) > 7 and f[0].startswith("[") and "A" in f[7] and f[2] != "NULL":
                spans.append((int(f[3], 16), int(f[5], 16)))
        _sections[path] = spans
    return any(lo <= vaddr < lo + size for lo, size in _sections[path])


def compare(what, addrs, ours, theirs, tally):
    bad = []
    for a, (o, module, vaddr), t in zip(addrs, ours, theirs):
        if o == t:
            tally["agree"] += 1
        elif o and not t and o[0].endswith("@plt"):
            tally["plt"] += 1
        elif o and t and o[1] == t[1]:
            tally["alias"] += 1  # both symbols start at a - offset
        elif not o and t and module and not in_a_section(module, vaddr):
            tally["outside"] += 1
        else:
            bad.append((what, f"{a:#x}", o, t))
    return bad


def test_usyms_against_eu_addr2line():
    fixtures = os.path.join(pk.BUILD, "tests", "fixtures")
    if not os.path.exists(os.path.join(fixtures, ".stamp")):
        raise AssertionError("no fixtures: run `make test`")
    rnd = random.Random(15)
    tally = {"agree": 0, "plt": 0, "alias": 0, "outside": 0}
    bad = []
    # PIE, non-PIE, stripped with a debuglink, IBT stubs, -z now, C++
    for prog in ("pie", "nopie", "debuglink", "ibt", "now", "cxx"):
        proc = subprocess.Popen([os.path.join(fixtures, prog), "serve"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            proc.stdout.readline()  # mapped and running
            addrs = sample_user_addresses(proc.pid, rnd, big=700 if prog == "pie" else 60)
            bad += compare(prog, addrs, usyms_lookup(proc.pid, addrs),
                           eu_addr2line(proc.pid, addrs), tally)
        finally:
            proc.stdin.close()
            proc.wait(10)
    total = sum(tally.values()) + len(bad)
    print(f"  usyms: {tally['agree']} of {total} addresses agree with eu-addr2line exactly, "
          f"{tally['alias']} alias choices, {tally['plt']} PLT stubs, {tally['outside']} "
          f"outside every section, {len(bad)} disagree")
    assert not bad, f"{len(bad)} disagree, e.g. (program, address, usyms, eu-addr2line): " \
                    f"{bad[:10]}"
    assert tally["agree"] > 2000 and tally["plt"] > 0
