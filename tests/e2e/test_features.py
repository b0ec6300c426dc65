"""probekit features and check_kfunc, against the running kernel."""
import os
import re

import pk


def features():
    r = pk.run([pk.tool_path("probekit"), "features", "--json"])
    assert r.returncode == 0, r.stderr
    return {o["feature"]: o for o in pk.json_lines(r.stdout.splitlines())}


def test_every_feature_has_a_state_and_reason():
    pk.need_bpf()
    feats = features()
    assert set(feats) == {"btf", "kfunc", "kprobe", "tracepoint", "raw_tp", "tp_btf",
                          "uprobe", "ringbuf", "perfbuf", "lockdown", "uprobe_multi"}
    for f in feats.values():
        assert f["reason"], f
        assert f["state"] in ("yes", "no") or f["feature"] == "lockdown", f
    for name in ("btf", "tracepoint", "tp_btf", "raw_tp", "uprobe", "ringbuf", "perfbuf"):
        assert feats[name]["available"], feats[name]


def kernel_version():
    rel = os.uname().release
    return tuple(int(x) for x in re.match(r"(\d+)\.(\d+)", rel).groups())


def test_uprobe_multi_follows_the_kernel_version():
    """uprobe_multi links came in Linux 6.6, filtering by process in 6.10:
    the probe's answer agrees with the kernel's version at both ends."""
    pk.need_bpf()
    f = features()["uprobe_multi"]
    if kernel_version() >= (6, 10):
        assert f["available"], f
    elif kernel_version() < (6, 6):
        assert not f["available"], f
        assert "no uprobe_multi links" in f["reason"], f


def test_table_matches_json():
    pk.need_bpf()
    r = pk.run([pk.tool_path("probekit"), "features"])
    rows = r.stdout.splitlines()
    assert rows[0].split() == ["FEATURE", "AVAILABLE", "REASON"]
    feats = features()
    for row in rows[1:]:
        name, state, reason = row.split(None, 2)
        assert feats[name]["state"] == state and feats[name]["reason"] == reason, row


def test_unavailable_mechanisms_explain_themselves():
    pk.need_bpf()
    feats = features()
    kfunc, kprobe = feats["kfunc"], feats["kprobe"]
    if not kfunc["available"]:
        # this development kernel refuses trampolines before verification
        assert "fentry" in kfunc["reason"] and "(E" in kfunc["reason"], kfunc
    if not kprobe["available"]:
        assert "CONFIG_KPROBES" in kprobe["reason"], kprobe


def test_check_kfunc_agrees():
    pk.need_bpf()
    kfunc = features()["kfunc"]
    r = pk.run([pk.tool_path("check_kfunc")])
    if kfunc["available"]:
        assert r.returncode == 0 and r.stdout == "kfunc is supported\n", r
    else:
        assert r.returncode == 1, r
        assert r.stdout == f"kfunc is not supported: {kfunc['reason']}\n", r.stdout


def test_multicall_dispatch():
    r = pk.run([pk.tool_path("probekit"), "--list"])
    names = r.stdout.split()
    assert "opensnoop" in names and "features" in names and "check_kfunc" in names
    r = pk.run([pk.tool_path("probekit"), "no-such-tool"])
    assert r.returncode == 2 and r.stderr.startswith("probekit: unknown tool"), r
    for name in ("opensnoop", "features"):
        r = pk.run([pk.tool_path("probekit"), name, "--version"])
        assert r.returncode == 0 and r.stdout.startswith(f"{name} (probekit) "), r
        r = pk.run([pk.tool_path(name), "--help"])
        assert r.returncode == 0 and r.stdout.startswith(f"Usage: {name} "), r
