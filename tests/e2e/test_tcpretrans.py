"""tcpretrans: a workload in a network namespace of its own (tcpns.py)
sends 500 bytes on an IPv4 and an IPv6 connection while the receiving
sockets drop all input (a socket filter) for 0.7 s: the retransmits the
tool prints per flow are exactly those ss counts (retrans:N/TOTAL), and
their sum is the namespace's RetransSegs (/proc/net/snmp) over the same
time. The namespace has no other TCP, so its counters are the test's."""
import re

import pk
import tcpns


def _run(*args):
    w = tcpns.start("retrans")
    tool = pk.start_tool("tcpretrans", *args, "-v", ready="verbose")
    held = pk.bpf_objects(tool.pid)
    facts = tcpns.go(w)
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    return tool, facts


def _ss_retrans(ss, lport):
    lines = ss.splitlines()
    for line, info in zip(lines[::2], lines[1::2]):
        if line.split()[3].endswith(f":{lport}"):
            m = re.search(r"retrans:\d+/(\d+)", info)
            return int(m.group(1)) if m else 0
    raise AssertionError(f"no socket of port {lport} in ss: {ss}")


@pk.timeout(60)
def test_retransmits_json():
    pk.need_bpf()
    tool, f = _run("--json", "-s")
    events = [r["event"] for r in pk.json_lines(tool.out)]
    per_flow = []
    for flow in f["flows"]:
        ours = [e for e in events if (e["lport"], e["rport"]) == (flow["lport"], flow["rport"])]
        assert ours and all(e["state"] == "ESTABLISHED" and e["type"] == "R>" for e in ours), ours
        assert all(e["ip"] == (6 if flow["v6"] else 4) for e in ours), ours
        assert all((e["laddr"], e["raddr"]) == (tcpns.addr(flow["v6"]),) * 2 for e in ours), ours
        # the same 500 bytes each time: one sequence number
        assert len({e["seq"] for e in ours}) == 1, ours
        per_flow.append(len(ours))
        if f["ss"] is not None:
            assert len(ours) == _ss_retrans(f["ss"], flow["lport"]), (ours, f["ss"])
    assert sum(per_flow) == f["retrans"], (per_flow, f["retrans"], events)
    if f["ss"] is None:
        pk.need_host_tool("ss")


@pk.timeout(60)
def test_text_as_bcc():
    """bcc's header, print("%-8s %-7s %-2s %-20s %1s> %-20s" % ("TIME", "PID",
    "IP", "LADDR:LPORT", "T", "RADDR:RPORT"), end='') and with -s print("
    %-12s %-10s" % ("STATE", "SEQ")), and its rows, "%-8s %-7d %-2d %-20s
    %1s> %-20s" and " %-12s %s", of the same values (the trailing pad left
    off)."""
    pk.need_bpf()
    tool, f = _run("-s")
    assert tool.out[1] == ("%-8s %-7s %-2s %-20s %1s> %-20s %-12s %-10s" % (
        "TIME", "PID", "IP", "LADDR:LPORT", "T", "RADDR:RPORT", "STATE", "SEQ")).rstrip(), tool.out
    lines = [l for l in tool.out[2:] if re.match(r"\d\d:\d\d:\d\d ", l)]
    assert len(lines) >= f["retrans"], tool.out
    for line in lines:
        r = line.split()
        assert line == "%-8s %-7d %-2d %-20s %1s> %-20s %-12s %s" % (
            r[0], int(r[1]), int(r[2]), r[3], r[4][0], r[5], r[6], r[7]), line


@pk.timeout(60)
def test_count_table():
    pk.need_bpf()
    tool, f = _run("-c")
    rows = {}
    for l in tool.out:
        m = re.match(r"(\S+):(\d+)\s+(\S+):(\d+)\s+(\d+)$", l.strip())
        if m:
            rows[(int(m.group(2)), int(m.group(4)))] = (m.group(1), m.group(3), int(m.group(5)))
    v4, v6 = f["flows"]
    assert rows[(v4["lport"], v4["rport"])][:2] == ("127.0.0.1", "127.0.0.1"), rows
    assert rows[(v6["lport"], v6["rport"])][:2] == ("[::1]", "[::1]"), rows
    ours = rows[(v4["lport"], v4["rport"])][2] + rows[(v6["lport"], v6["rport"])][2]
    assert ours == f["retrans"], (rows, f["retrans"])
    # -c prints no event header, only the counts
    assert not any("STATE" in l for l in tool.out), tool.out


@pk.timeout(60)
def test_loss_probes():
    """-l: each tail loss probe is an L> line before the R> of the segment
    it resends, as many as the namespace's TCPLossProbes (/proc/net/netstat)
    counts; -l -c counts them beside the retransmits, as bcc's does."""
    pk.need_bpf()
    tool, f = _run("--json", "-l", "-s")
    ports = {flow["lport"] for flow in f["flows"]}
    ours = [r["event"] for r in pk.json_lines(tool.out) if r["event"]["lport"] in ports]
    types = [e["type"] for e in ours]
    assert f["probes"] >= 1 and types.count("L>") == f["probes"], (types, f)
    assert types.count("R>") == f["retrans"], (types, f)
    for i, e in enumerate(ours):
        if e["type"] == "L>":
            nxt = ours[i + 1]
            assert nxt["type"] == "R>" and (nxt["lport"], nxt["rport"]) == (e["lport"],
                                                                            e["rport"]), ours
            assert e["seq"] == 0 and e["state"] == "ESTABLISHED", e
    tool, f = _run("-l", "-c")
    counts = [int(l.split()[-1]) for l in tool.out
              if any(f":{flow['lport']} " in l for flow in f["flows"])]
    assert len(counts) == 2 and sum(counts) == f["retrans"] + f["probes"], (tool.out, f)


@pk.timeout(60)
def test_command_lifetime():
    """--command (-c is bcc's count): the workload runs as the tool's child,
    which traces (system-wide: retransmits come from timers) until it exits."""
    pk.need_bpf()
    tool = pk.Proc([pk.tool_path("tcpretrans"), "--json", "--command", tcpns.command("retrans")])
    assert tool.wait(40) == 0, tool.err
    f = tcpns.facts_of(tool.out)
    ports = {flow["lport"] for flow in f["flows"]}
    ours = [r["event"] for r in pk.json_lines([l for l in tool.out if l.startswith('{"event"')])
            if r["event"]["lport"] in ports]
    assert len(ours) == f["retrans"] and all(e["type"] == "R>" for e in ours), (ours, f)
