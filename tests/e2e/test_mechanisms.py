"""Which attach mechanism the tools use on the kernel under test, and that
the events are the same whichever one runs.

These tests adapt to the kernel: on the development machine (no kprobes,
fentry refused) fentry and kprobe must be reported unavailable with their
reasons and tracepoints must carry the tools; on a stock kernel (the QEMU
lane, `make test-kernels`) fentry must be chosen by default and kprobes must
work when forced. The lane sets PK_EXPECT_KFUNC=1 and PK_EXPECT_KPROBE=1 so
that a kernel that should have them cannot quietly pass by falling back.

Every tool offering --mechanism with an fentry or kprobe variant gets a
generic attach check; the tools in SCENARIOS also get an event check: a
child with a known pid does known things, and each usable mechanism must
report the same events with the same fields. Tools not built yet are skipped.
"""
import errno
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pk

# long enough to attach and say how; what the tools see is for their own tests
SHORT = "0.3"

MECHS = ("fentry", "kprobe", "raw_tp", "tracepoint")
FEATURE_OF = {"fentry": "kfunc", "kprobe": "kprobe", "raw_tp": "raw_tp",
              "tracepoint": "tracepoint"}
TRACEPOINT_LIKE = ("tracepoint", "tp_btf", "raw_tp")

# The child waits for a line on stdin, then performs its actions, so that
# the tool is attached before anything happens. Actions: "open:PATH",
# "create:PATH" (O_WRONLY|O_CREAT, 0640), "stat:PATH".
CHILD = r"""
import os, sys
print("ready", flush=True)
sys.stdin.readline()
for a in sys.argv[1:]:
    op, path = a.split(":", 1)
    try:
        if op == "stat":
            os.stat(path)
        else:
            fl = os.O_WRONLY | os.O_CREAT if op == "create" else os.O_RDONLY
            os.close(os.open(path, fl, 0o640))
        print(0, flush=True)
    except OSError as e:
        print(e.errno, flush=True)
"""


def _actions_open(d):
    return [("open", os.path.join(d, "present"), 0),
            ("open", os.path.join(d, "missing"), errno.ENOENT),
            ("create", os.path.join(d, "created"), 0)]


def _actions_stat(d):
    return [("stat", os.path.join(d, "present"), 0),
            ("stat", os.path.join(d, "missing"), errno.ENOENT)]


# tool -> the actions that must each produce one event with their path
SCENARIOS = {
    "opensnoop": _actions_open,
    "statsnoop": _actions_stat,
}

_cache = {}


def features():
    # what the kernel offers depends on the BTF override (test_nobtf reruns
    # suites under PROBEKIT_BTF=none, where fentry is not available)
    key = ("features", os.environ.get("PROBEKIT_BTF"))
    if key not in _cache:
        r = pk.run([pk.tool_path("probekit"), "features", "--json"])
        assert r.returncode == 0, f"features failed: {r.stderr.strip()}"
        _cache[key] = {o["feature"]: o for o in pk.json_lines(r.stdout.splitlines())}
    return _cache[key]


def available(mech):
    return features()[FEATURE_OF[mech]]["available"]


def built_tools():
    if "tools" not in _cache:
        r = pk.run([pk.tool_path("probekit"), "--list"])
        _cache["tools"] = r.stdout.split()
    return _cache["tools"]


def need_tool(name):
    if name not in built_tools():
        raise pk.Skip(f"{name} is not built yet")


def expected_default():
    """The mechanism a tool with all three variants must choose here."""
    for mech in ("fentry", "kprobe"):
        if available(mech):
            return mech
    return "tracepoint"


def mechanism_tools():
    """Tools offering --mechanism, with the forceable mechanisms each has."""
    tools = {}
    for name in built_tools():
        r = pk.run([pk.tool_path(name), "--help"])
        if "--mechanism" not in r.stdout + r.stderr:
            continue
        tools[name] = [m for m in ("fentry", "kprobe")
                       if f"has no {m} variant" not in _forced(name, m).stderr]
    return tools


def missing_target(r):
    """A tool whose target program is not on this machine (bashreadline's
    /bin/bash in the kernel lane's guests): a precondition, not a fault."""
    m = re.search(r": (/\S+): no such file$", r.stderr.strip())
    return r.returncode == 1 and m is not None and not os.path.exists(m[1])


def only_kernel_functions(name, mechs):
    """Whether the tool's every route is fentry or kprobe, and none works here."""
    if any(available(m) for m in mechs):
        return False
    r = pk.run([pk.tool_path(name), "-v", "-d", SHORT], timeout=60)
    return r.returncode == 1 and not any(f"{k}: " in line for line in r.stderr.splitlines()
                                         for k in ("tracepoint", "raw_tp", "tp_btf", "uprobe")
                                         if "not available" not in line)


def _forced(name, mech):
    key = ("forced", name, mech)
    if key not in _cache:
        _cache[key] = pk.run([pk.tool_path(name), "--mechanism", mech, "-v", "-d", SHORT],
                             timeout=60)
    return _cache[key]


def used_mechanism(err_lines, tool):
    for line in err_lines:
        if line.startswith(f"{tool}: using "):
            return line.split()[2]
    return None


# The kernel facts ----------------------------------------------------------

def test_features_report_kfunc_and_kprobe():
    pk.need_bpf()
    feats = features()
    for name in ("kfunc", "kprobe", "tracepoint"):
        assert name in feats, f"features has no {name} line: {sorted(feats)}"
        assert feats[name]["reason"], f"{name}: no reason given"
    # kprobes exist exactly when the kernel has a kprobe PMU or kprobe_events
    has_kprobes = os.path.exists("/sys/bus/event_source/devices/kprobe") or \
        any(os.path.exists(f"{t}/kprobe_events")
            for t in ("/sys/kernel/tracing", "/sys/kernel/debug/tracing"))
    assert feats["kprobe"]["available"] == has_kprobes, feats["kprobe"]
    if os.environ.get("PK_EXPECT_KFUNC") == "1":
        assert feats["kfunc"]["available"], f"kfunc expected here: {feats['kfunc']}"
    if os.environ.get("PK_EXPECT_KPROBE") == "1":
        assert feats["kprobe"]["available"], f"kprobe expected here: {feats['kprobe']}"
    assert feats["tracepoint"]["available"], feats["tracepoint"]


def test_check_kfunc_exit_status():
    pk.need_bpf()
    kfunc = features()["kfunc"]
    r = pk.run([pk.tool_path("check_kfunc")])
    if kfunc["available"]:
        assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
        assert r.stdout.strip() == "kfunc is supported", r.stdout
    else:
        assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
        assert r.stdout.strip() == f"kfunc is not supported: {kfunc['reason']}", r.stdout


@pk.timeout(300)
def test_forced_mechanisms_attach_or_say_why():
    """Every tool with an fentry or kprobe variant, forced to it, attaches
    where the kernel has the mechanism or says why it cannot (a function
    a tool needs may be missing from one kernel's BTF: the tools in
    SCENARIOS are held to attaching); where the kernel lacks the mechanism
    it names the features reason. Left to choose, each tool attaches."""
    pk.need_bpf()
    tools = mechanism_tools()
    assert "opensnoop" in tools, f"opensnoop offers no --mechanism: {tools}"
    assert tools["opensnoop"] == ["fentry", "kprobe"], tools["opensnoop"]
    problems = []
    for name, mechs in sorted(tools.items()):
        for mech in mechs:
            r = _forced(name, mech)
            if r.returncode == 2:
                continue  # needs arguments: its own tests cover it
            err = r.stderr.strip()[-300:]
            reason = features()[FEATURE_OF[mech]]["reason"]
            if not available(mech):
                if r.returncode != 1 or f"cannot attach: {mech}: {reason}" not in r.stderr:
                    problems.append(f"{name} --mechanism {mech} should fail with the reason "
                                    f"'{reason}': exit {r.returncode}: {err}")
            elif r.returncode == 0:
                if used_mechanism(r.stderr.splitlines(), name) != mech:
                    problems.append(f"{name} --mechanism {mech} used another: {err}")
            elif name in SCENARIOS or r.returncode != 1 or \
                    f"{name}: cannot attach: {mech}: " not in r.stderr:
                problems.append(f"{name} --mechanism {mech}: exit {r.returncode}: {err}")
        if mechs:
            r = pk.run([pk.tool_path(name), "-d", SHORT], timeout=60)
            if r.returncode == 2 or missing_target(r):
                continue
            if r.returncode == 1 and only_kernel_functions(name, mechs):
                # capable, ext4slower: no route here, said in one line with each reason
                want = [f"{m}: {features()[FEATURE_OF[m]]['reason']}" for m in mechs]
                if r.stderr.count("\n") != 1 or not all(w in r.stderr for w in want):
                    problems.append(f"{name} alone, no mechanism here: {r.stderr!r}")
                continue
            r = pk.run([pk.tool_path(name), "-v", "-d", SHORT], timeout=60)
            if r.returncode != 0 or not used_mechanism(r.stderr.splitlines(), name):
                problems.append(f"{name} alone: exit {r.returncode}: {r.stderr.strip()[-300:]}")
    assert not problems, "\n".join(problems)


# The event matrix ----------------------------------------------------------

def run_scenario(tool, mech):
    """Runs tool (forced to mech, or its own choice when mech is None)
    against a fresh child doing the tool's actions. Returns the mechanism
    used, the events, one per action, without the time field, and its stderr."""
    d = pk.tempdir("pk-mech-")
    try:
        with open(os.path.join(d, "present"), "w") as f:
            f.write("x")
        actions = SCENARIOS[tool](d)
        child = pk.Proc([sys.executable, "-c", CHILD] + [f"{op}:{p}" for op, p, _ in actions],
                        stdin=subprocess.PIPE)
        child.wait_for(lambda l: l == "ready", what="child ready")
        args = ["-v", "--json", "-p", str(child.pid)]
        if mech:
            args += ["--mechanism", mech]
        proc = pk.start_tool(tool, *args, ready="verbose")
        held = pk.bpf_objects(proc.pid)
        used = used_mechanism(proc.err, tool)
        child.p.stdin.write(b"go\n")
        child.p.stdin.close()
        assert child.wait() == 0, child.err
        results = [int(l) for l in child.out[1:]]
        assert results == [e for _, _, e in actions], f"the child saw {results}"
        events = []
        for op, path, _ in actions:
            line = proc.wait_for(lambda l: f'"path":"{path}"' in l, what=f"event for {path}")
            ev = pk.json_lines([line])[0]
            events.append({k: v for k, v in ev.items() if k != "time"})
        assert proc.stop() == 0, proc.err
        pk.assert_released(held, f" by {tool} ({used})")
        for (op, path, err), ev in zip(actions, events):
            assert ev["pid"] == child.pid and ev["comm"] == "python3", ev
            got = ev["err"] if "err" in ev else max(0, -ev.get("ret", 0))
            assert got == err, f"{op} {path}: errno {got}, want {err}: {ev}"
            # what differs from run to run by design
            ev["path"] = ev["path"].replace(d, "DIR")
            for k in ("pid", "tid"):
                if ev.get(k) == child.pid:
                    ev[k] = "CHILD"
        return used, events, proc.err
    finally:
        shutil.rmtree(d, ignore_errors=True)


def _default_test(tool):
    """The default is the cheapest mechanism for the syscalls a tool does not
    trace: fentry or kprobes where they work, else the syscall tracepoints
    (each costs other syscalls a bit test), not the raw sys_exit tracepoint
    (a program run on every syscall, +10-17 % on a getppid() here). Of the
    tracepoints, the exits alone where the kernel has its own BTF (half the
    RCU waits at exit). run_scenario checks that nothing is left attached."""
    def test():
        pk.need_bpf()
        need_tool(tool)
        used, _, err = run_scenario(tool, None)
        want = expected_default()
        assert used == want, f"{tool} used {used}, but {want} works here"
        if want == "tracepoint" and not os.environ.get("PROBEKIT_BTF"):
            progs = [l.split()[1] for l in err if l.startswith("  tracepoint: ")
                     and " on tracepoint/" in l]
            assert progs and all(p.startswith("tpx_exit_") for p in progs), \
                f"{tool}: want the exit tracepoints alone, attached {progs}"
    return test


def _same_events_test(tool):
    def test():
        pk.need_bpf()
        need_tool(tool)
        runs = {m: run_scenario(tool, m) for m in MECHS if available(m)}
        if available("tracepoint"):
            # the entry/exit pairs: where the kernel has no BTF of its own
            old = os.environ.get("PROBEKIT_BTF")
            os.environ["PROBEKIT_BTF"] = "none"
            try:
                runs["tracepoint pairs"] = run_scenario(tool, "tracepoint")
            finally:
                if old is None:
                    del os.environ["PROBEKIT_BTF"]
                else:
                    os.environ["PROBEKIT_BTF"] = old
        for mech, (used, _, _) in runs.items():
            assert used == mech.split()[0], f"{tool} --mechanism {mech} used {used}"
        first, (_, want, _) = next(iter(runs.items()))
        for mech, (_, events, _) in runs.items():
            for a, b in zip(want, events):
                assert a == b, f"{tool}: {first} and {mech} disagree:\n{a}\n{b}"
    return test


for _tool in SCENARIOS:
    globals()[f"test_{_tool}_default_mechanism"] = _default_test(_tool)
    globals()[f"test_{_tool}_same_events_every_mechanism"] = _same_events_test(_tool)


def test_raw_tp_leaves_out_i386_syscalls_as_tracepoints_do():
    """A 32-bit process's syscalls reach the raw sys_enter tracepoint with
    i386 numbers (its write is 4, x86_64's stat): the raw_tp variants must
    leave them out, as the classic tracepoints do, not report 50 writes as
    stats. The child's open and stat are i386 calls too."""
    pk.need_bpf()
    helper = pk.need_32bit()
    mark = tempfile.mktemp(prefix="pk-compat32-sentinel-")
    for mech in ("raw_tp", "tracepoint"):
        tools = [pk.start_tool(t, "--json", "-v", "--mechanism", mech, ready="verbose")
                 for t in ("statsnoop", "opensnoop")]
        child = subprocess.Popen([helper], stdin=subprocess.PIPE)
        child.communicate(b"x", timeout=10 * pk.TIMEOUT_SCALE)
        assert child.returncode == 0
        try:
            os.stat(mark)
        except OSError:
            pass
        try:
            os.close(os.open(mark, os.O_RDONLY))
        except OSError:
            pass
        for t in tools:
            t.wait_for(lambda l: mark in l, what="the 64-bit sentinel event")
            assert t.stop() == 0, t.err
            bad = [e for e in pk.json_lines(t.out) if e["pid"] == child.pid]
            assert not bad, f"{t.argv[0]} --mechanism {mech}: {len(bad)} events from i386 " \
                f"syscalls, such as {bad[:2]}"
