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
