"""taskswitch: a child that sleeps 100 times for 10 ms shows up in >= 90
switches away from it and >= 90 back to it."""
import os
import subprocess
import sys

import pk

SLEEPER = "import sys, time\nsys.stdin.readline()\nfor _ in range(100):\n    time.sleep(0.01)\n"


def sleeper():
    return pk.Proc([sys.executable, "-c", SLEEPER], stdin=subprocess.PIPE)


def run_sleeps(child):
    child.p.stdin.write(b"go\n")
    child.p.stdin.flush()
    assert child.wait(20) == 0


def pairs_of(lines):
    return [o for o in pk.json_lines(lines) if "count" in o]


def check_child_pairs(pairs, pid):
    away = sum(p["count"] for p in pairs if p["prev_pid"] == pid)
    back = sum(p["count"] for p in pairs if p["next_pid"] == pid)
    assert away >= 90, f"only {away} switches away from {pid}: {pairs[:5]}"
    assert back >= 90, f"only {back} switches to {pid}: {pairs[:5]}"
    comms = {p["prev_comm"] for p in pairs if p["prev_pid"] == pid}
    assert comms & {"python3", os.path.basename(sys.executable)[:15]}, comms


def test_sleeping_child_pid_filter():
    pk.need_bpf()
    child = sleeper()
    tool = pk.start_tool("taskswitch", "-p", str(child.pid), "--json", "-v", ready="verbose")
    held = pk.bpf_objects(tool.pid)
    run_sleeps(child)
    assert tool.stop() == 0, tool.err
    pairs = pairs_of(tool.out)
    assert pairs, tool.err
    assert all(child.pid in (p["prev_pid"], p["next_pid"]) for p in pairs), pairs[:5]
    check_child_pairs(pairs, child.pid)
    counts = [p["count"] for p in pairs]
    assert counts == sorted(counts, reverse=True), "pairs not sorted by count"
    pk.assert_released(held)


def test_text_output_and_top():
    pk.need_bpf()
    child = sleeper()
    tool = pk.start_tool("taskswitch", "-t", "5")
    run_sleeps(child)
    assert tool.stop() == 0, tool.err
    header = [l for l in tool.out if l.split()[:2] == ["PREV", "PREV_COMM"]]
    assert header, tool.out
    rows = tool.out[tool.out.index(header[0]) + 1:]
    assert 1 <= len(rows) <= 5, rows
    for row in rows:
        f = row.split()
        assert f[2] == "->" and f[0].isdigit() and f[-1].isdigit(), row


def test_raw_tp_is_the_default():
    """raw_tp first: the same CO-RE program as tp_btf, which, unlike tp_btf
    and fentry, needs no kernel BTF ids to attach (nor the whole kernel BTF)."""
    pk.need_bpf()
    tool = pk.start_tool("taskswitch", "-v", "--json", ready="verbose")
    assert tool.stop() == 0, tool.err
    assert any("taskswitch: using raw_tp" in l for l in tool.err), tool.err


def test_other_mechanisms():
    pk.need_bpf()
    feats = {o["feature"]: o["available"] for o in pk.json_lines(
        pk.run([pk.tool_path("probekit"), "features", "--json"]).stdout.splitlines())}
    # fentry and kprobes where the kernel has them (the QEMU lane's kernels);
    # fentry and tp_btf need the kernel's own BTF (not under PROBEKIT_BTF=FILE)
    mechs = [m for m, f in (("fentry", "kfunc"), ("kprobe", "kprobe"), ("tp_btf", "tp_btf"))
             if feats.get(f)]
    # fentry needs finish_task_switch in the kernel's BTF: Debian's kernels have
    # only its .isra clone there, which kprobes reach and fentry cannot
    listed = pk.run([pk.tool_path("probekit"), "list", "f:finish_task_switch"]).stdout.split()
    if "fentry" in mechs and "f:finish_task_switch" not in listed:
        mechs.remove("fentry")
        r = pk.run([pk.tool_path("taskswitch"), "--mechanism", "fentry", "-d", "1"])
        assert r.returncode == 1 and r.stderr.count("\n") == 1 \
            and "finish_task_switch is not in the kernel's BTF" in r.stderr, r
    for mech in mechs + ["tracepoint"]:
        child = sleeper()
        tool = pk.start_tool("taskswitch", "--mechanism", mech, "-p", str(child.pid), "--json",
                             "-v", ready="verbose")
        run_sleeps(child)
        assert tool.stop() == 0, tool.err
        assert any(f"using {mech}" in l for l in tool.err), tool.err
        check_child_pairs(pairs_of(tool.out), child.pid)


def test_usage_errors():
    for args in (["-t", "0"], ["-p", "notapid"], ["-x"]):
        r = pk.run([pk.tool_path("taskswitch"), *args])
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.startswith("taskswitch: "), r.stderr
