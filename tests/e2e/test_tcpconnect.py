"""tcpconnect: the connects a workload makes in a network namespace of its
own (tcpns.py), filtered by its pid: 2 IPv4 and 1 IPv6 that succeed and 1
IPv4 refused, with exact addresses and ports against the workload's own
getsockname() and ss; -c counts them; -P keeps only the given ports."""
import os

import pk
import tcpns


def _run(*args, more=lambda facts: []):
    w = tcpns.start("connect")
    tool = pk.start_tool("tcpconnect", "-p", str(w.pid), *args, *more(w.facts), "-v",
                         ready="verbose")
    held = pk.bpf_objects(tool.pid)
    facts = tcpns.go(w)
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    return tool, facts


def _events(tool):
    return [r["event"] for r in pk.json_lines(tool.out)]


@pk.timeout(60)
def test_connects_json():
    pk.need_bpf()
    tool, f = _run("--json", "-L", "-U", "-t")
    got = _events(tool)
    assert len(got) == 4, tool.out
    want = [(2, "127.0.0.1", f["port4"], f["lports"][0]),
            (2, "127.0.0.1", f["port4"], f["lports"][1]),
            (10, "::1", f["port6"], f["lports"][2])]
    for e, (af, addr, dport, lport) in zip(got, want):
        assert (e["af"], e["dport"], e["lport"]) == (af, dport, lport), e
        assert e["ip"] == (6 if af == 10 else 4) and e["pid"] == f["pid"], e
        assert e["uid"] == os.getuid() and e["comm"].startswith("python"), e
        # --json: the addresses as text, the ports as numbers
        assert (e["saddr"], e["daddr"]) == (addr, addr), e
    refused = got[3]
    assert (refused["af"], refused["dport"], f["refused"]) == (2, f["refused_port"], 1), refused
    assert refused["lport"] != 0, refused
    assert (refused["saddr"], refused["daddr"]) == ("127.0.0.1", "127.0.0.1"), refused
    assert "tracepoint" in "\n".join(tool.err), tool.err


@pk.timeout(60)
def test_connects_table_against_ss():
    pk.need_bpf()
    tool, f = _run("-L")
    # bcc's order: its banner, then the header
    assert tool.out[0] == "Tracing connect ... Hit Ctrl-C to end", tool.out
    assert tool.out[1].split() == ["PID", "COMM", "IP", "SADDR", "LPORT", "DADDR", "DPORT"], \
        tool.out
    # -c's table (PK_TABLE_WHEN(count)) is not printed without -c
    assert not any("CONNECTS" in l for l in tool.out), tool.out
    # bcc's print("%-7s %-12s %-2s %-16s %-6s %-16s %-6s" % ("PID", "COMM",
    # "IP", "SADDR", "LPORT", "DADDR", "DPORT")), and its rows' printb(b"%-7d
    # %-12.12s %-2d %-16s %-6d %-16s %-6d %s") of the same values, the
    # trailing pad (and the empty DNS name) left off
    assert tool.out[1] == ("%-7s %-12s %-2s %-16s %-6s %-16s %-6s" % (
        "PID", "COMM", "IP", "SADDR", "LPORT", "DADDR", "DPORT")).rstrip(), tool.out
    rows = [l.split() for l in tool.out[2:]]
    for line, r in zip(tool.out[2:], rows):
        assert line == ("%-7d %-12.12s %-2d %-16s %-6d %-16s %-6d" % (
            int(r[0]), r[1], int(r[2]), r[3], int(r[4]), r[5], int(r[6]))).rstrip(), line
    assert [r[2:] for r in rows] == [
        ["4", "127.0.0.1", str(f["lports"][0]), "127.0.0.1", str(f["port4"])],
        ["4", "127.0.0.1", str(f["lports"][1]), "127.0.0.1", str(f["port4"])],
        ["6", "::1", str(f["lports"][2]), "::1", str(f["port6"])],
        ["4", "127.0.0.1", rows[3][4], "127.0.0.1", str(f["refused_port"])],
    ], tool.out
    if f["ss"] is not None:
        # ss's view of the three connections while they were open
        for lport, peer in ((f["lports"][0], f"127.0.0.1:{f['port4']}"),
                            (f["lports"][2], f"[::1]:{f['port6']}")):
            assert any(l.split()[3:5] in ([f"127.0.0.1:{lport}", peer],
                                          [f"[::1]:{lport}", peer])
                       and l.startswith("ESTAB") for l in f["ss"].splitlines()), f["ss"]
    else:
        pk.need_host_tool("ss")


@pk.timeout(60)
def test_count_and_ports():
    pk.need_bpf()
    # -c is bcc's count: the common --command keeps its long name only. It
    # prints bcc's table only (PK_EVENTS_UNLESS(count)): no event header
    tool, f = _run("-c")
    # counted at the state change: connect(2)'s tracepoint is not attached for -c
    assert not any("sys_exit_connect" in l for l in tool.err), tool.err
    assert any("sys_exit_connect" in l for l in _run("-6")[0].err)
    lines = [l for l in tool.out if l.strip() and not l.startswith("Tracing connect")]
    assert lines[0].split() == ["LADDR", "RADDR", "RPORT", "CONNECTS"], tool.out
    rows = [l.split() for l in lines[1:]]
    # bcc's order: most connects first
    assert rows[0] == ["127.0.0.1", "127.0.0.1", str(f["port4"]), "2"], tool.out
    assert sorted(rows[1:]) == sorted([["::1", "::1", str(f["port6"]), "1"],
                                       ["127.0.0.1", "127.0.0.1", str(f["refused_port"]), "1"]]), \
        tool.out
    tool, f = _run("-c", "--json")
    rows = sorted((r["key"]["saddr"], r["key"]["daddr"], r["key"]["dport"], r["value"])
                  for r in pk.json_lines(tool.out) if r.get("map") == "connects")
    assert rows == sorted([("127.0.0.1", "127.0.0.1", f["port4"], 2), ("::1", "::1", f["port6"], 1),
                           ("127.0.0.1", "127.0.0.1", f["refused_port"], 1)]), tool.out
    tool, f = _run("--json", "-6")
    assert [e["dport"] for e in _events(tool)] == [f["port6"]], tool.out
    tool, f = _run("--json", more=lambda f: ["-P", f"1,{f['refused_port']},{f['port6']}"])
    assert [e["dport"] for e in _events(tool)] == [f["port6"], f["refused_port"]], \
        tool.out
