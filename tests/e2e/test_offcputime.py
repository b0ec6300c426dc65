"""offcputime: a napper that sleeps 3 x 100 ms in nap_long() and 4 x 20 ms
in nap_short(), timing each function itself (its "napped LONG_NS SHORT_NS"
line). The off-CPU totals of the stacks under each match its own times
within a few ms, under every mechanism; -m/-M drop blocks by length; -U
has no kernel frames, -K no user ones; the flame graph renders in headless
Chromium."""
import os
import re
import subprocess
import time

import pk
from test_flamegraph import bcc_entries, check_renders_and_zooms, check_svg, folded_stacks
from test_profile import folded_from_text

# a few ms: the on-CPU time in the functions between their sleeps, and the
# switches at their edges; in the kernel lane's emulated guests that time
# (and the preemptions in it, counted under other stacks) came to 7-22 ms
SLACK_US = 30000 if os.environ.get("PK_EXAMPLES_PREBUILT") == "1" else 4000


class Napper:
    def __init__(self):
        self.p = subprocess.Popen([pk.helper_path("napper")], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        self.pid = self.p.pid
        assert self.p.stdout.readline() == f"ready {self.pid}\n"

    def nap(self):
        # a settle after the 'using' line: in the 6.12 guest the first
        # switch-out right after it was seen missed (a 100 ms nap uncounted),
        # as on this host under tp_btf and tracepoint (see test_runqlat)
        time.sleep(0.3)
        self.p.stdin.write("go\n")
        self.p.stdin.flush()
        m = re.fullmatch(r"napped (\d+) (\d+)\n", self.p.stdout.readline())
        assert m
        self.long_us, self.short_us = int(m[1]) // 1000, int(m[2]) // 1000

    def end(self):
        self.p.stdin.close()
        assert self.p.wait(10) == 0


def traced(*args):
    n = Napper()
    tool = pk.start_tool("offcputime", "-p", str(n.pid), "-v", *args, ready="verbose")
    held = pk.bpf_objects(tool.pid)
    n.nap()
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    n.end()
    return n, tool


def split(stacks):
    return (sum(c for s, c in stacks.items() if "nap_long" in s),
            sum(c for s, c in stacks.items() if "nap_short" in s))


def check_totals(n, stacks):
    long_us, short_us = split(stacks)
    assert n.long_us - SLACK_US <= long_us <= n.long_us, (long_us, n.long_us, stacks)
    assert n.short_us - SLACK_US <= short_us <= n.short_us, (short_us, n.short_us, stacks)
    # the sleeps themselves: 300 and 80 ms, less what preemptions in the
    # functions put under other stacks
    assert long_us >= 300000 - SLACK_US and short_us >= 80000 - SLACK_US, (long_us, short_us)


def test_folded_totals_match_the_workloads_own():
    pk.need_bpf()
    n, tool = traced("-f")
    stacks = folded_stacks(tool.out)
    check_totals(n, stacks)
    naps = [s for s in stacks if "nap_long" in s]
    assert all(s[0] == "napper" for s in naps), naps
    # the sleeps, under nanosleep (a preemption elsewhere in nap_long, as in a
    # page fault, is a stack of its own)
    slept = sum(stacks[s] for s in naps if "nanosleep" in ";".join(s))
    assert slept >= 300000 - SLACK_US, (slept, naps)
    assert any("schedule" in s for s in naps), naps
    # raw_tp first: tp_btf would have libbpf parse the whole kernel BTF
    assert any("offcputime: using raw_tp" in l for l in tool.err), tool.err


SCHEDULER = ("__schedule", "schedule")


def starts_in_scheduler(stacks):
    """Every napper stack's innermost frame is the scheduler's: not our
    program, bpf_trace_run4 or a tracepoint's glue (left out in printing)."""
    naps = [s for s in stacks if s[0] == "napper" and "schedule" in ";".join(s)]
    assert naps, stacks
    for s in naps:
        assert s[-1] in SCHEDULER, s
        assert not any(f.startswith(("bpf_prog_", "bpf_trace_run", "__traceiter_",
                                     "__bpf_trace_", "perf_trace_")) for f in s), s


def test_every_mechanism():
    """The totals, and the kernel stacks starting at the scheduler (the
    first kernel frame is __schedule) under raw_tp, tp_btf and tracepoint."""
    pk.need_bpf()
    feats = {o["feature"]: o["available"] for o in pk.json_lines(
        pk.run([pk.tool_path("probekit"), "features", "--json"]).stdout.splitlines())}
    for mech in [m for m in ("raw_tp", "tp_btf") if feats.get(m)] + ["tracepoint"]:
        n, tool = traced("-f", "--mechanism", mech)
        assert any(f"using {mech}" in l for l in tool.err), tool.err
        check_totals(n, folded_stacks(tool.out))
        starts_in_scheduler(folded_stacks(tool.out))


def test_min_and_max_block_time():
    """-m 50000: the 100 ms naps, and a 20 ms one only if it waited 30 ms
    more for a CPU (a busy machine); -M 50000: never a 100 ms one."""
    pk.need_bpf()
    n, tool = traced("-f", "-m", "50000")
    stacks = folded_stacks(tool.out)
    long_us, short_us = split(stacks)
    assert n.long_us - SLACK_US <= long_us <= n.long_us, (long_us, n.long_us, stacks)
    # seen once in the 6.12 guest: 877 us under nap_short; the stacks say where
    assert short_us == 0 or 50000 <= short_us <= n.short_us, (short_us, n.short_us, stacks,
                                                              tool.out[-20:])
    n, tool = traced("-f", "-M", "50000")
    stacks = folded_stacks(tool.out)
    long_us, short_us = split(stacks)
    # no 100 ms nap under nap_long; what may be there is a preemption between
    # the naps (1.5 ms seen once in CI's 6.1 guest), within the slack
    naps = [s for s in stacks if "nap_long" in s and "nanosleep" in ";".join(s)]
    assert not naps and long_us <= SLACK_US, (long_us, stacks)
    assert 0 < short_us <= n.short_us, (long_us, short_us)


def test_user_and_kernel_stacks_only():
    pk.need_bpf()
    n, tool = traced("-f", "-U")
    stacks = folded_stacks(tool.out)
    assert not any("schedule" in f for s in stacks for f in s), stacks
    check_totals(n, stacks)
    n, tool = traced("-f", "-K")
    stacks = folded_stacks(tool.out)
    assert not any("nap_" in f or f == "main" for s in stacks for f in s[1:]), stacks
    assert any("schedule" in s for s in stacks), stacks
    # -k: kernel threads only, and the napper is none
    n, tool = traced("-f", "-k")
    assert not split(folded_stacks(tool.out))[0]


def test_json():
    pk.need_bpf()
    n, tool = traced("--json")
    rows = [o for o in pk.json_lines(tool.out) if o.get("map") == "usecs"]
    assert rows and all(r["key"]["pid"] == n.pid for r in rows), rows[:3]
    # JSON's frames start at the traced code too
    firsts = {r["key"]["kstack"]["frames"][0].split("+")[0] for r in rows
              if r["key"]["kstack"]["frames"]}
    assert firsts and firsts <= set(SCHEDULER), firsts



def test_text_in_bccs_layout():
    """offcputime's text is bcc's (PK_STACK_ROWS_FORMAT), whose print loop is
        for k, v in sorted(counts.items(), key=lambda counts: counts[1].value):
            ...
                    for addr in kernel_stack:
                        print("    %s" % b.ksym(addr).decode('utf-8', 'replace'))
            ...
                    print("    --")
            ...
                    for addr in user_stack:
                        print("    %s" % b.sym(addr, k.tgid).decode('utf-8', 'replace'))
            print("    %-16s %s (%d)" % ("-", k.name.decode('utf-8', 'replace'), k.pid))
            print("        %d\n" % v.value)
    (k.pid the thread's id). Each entry ends in the napper's exact comm and
    id line; its stacks, folded from the text, total its own times as -f's
    do, and each kernel stack starts at the scheduler."""
    pk.need_bpf()
    n, tool = traced()
    entries = bcc_entries(tool.out, 8)
    assert all(lines[-1] == f"    -                napper ({n.pid})" for lines, _ in entries), \
        entries
    stacks = folded_from_text([(lines[:-1], c) for lines, c in entries], "napper")
    check_totals(n, stacks)
    starts_in_scheduler(stacks)


def test_svg_renders():
    pk.need_bpf()
    svg = os.path.join(pk.tempdir("pk-offcpu-"), "offcpu.svg")
    n, tool = traced("-f", "--svg", svg)
    stacks = folded_stacks(tool.out)
    got = check_svg(svg, stacks)
    assert "nap_long" in [name for name, *_ in got]
    check_renders_and_zooms(svg, "nap_short", 1200 - 2 * 10)


def test_usage_errors():
    for args in (["-p", "notapid"], ["-m", "x"], ["-x"]):
        r = pk.run([pk.tool_path("offcputime"), *args])
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.startswith("offcputime: ") and r.stderr.count("\n") == 1, r.stderr
