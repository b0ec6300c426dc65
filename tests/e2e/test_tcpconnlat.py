"""tcpconnlat: the connects a workload makes in a network namespace of its
own (tcpns.py), filtered by its pid: the 3 that succeed (2 IPv4, 1 IPv6)
with their ports, each latency within the connect() call the workload
timed around it; the refused one is not printed, as in bcc."""
import pk
import tcpns


def _run(*args):
    w = tcpns.start("connect")
    tool = pk.start_tool("tcpconnlat", "-p", str(w.pid), *args, "-v", ready="verbose")
    held = pk.bpf_objects(tool.pid)
    facts = tcpns.go(w)
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    return tool, facts


@pk.timeout(60)
def test_latencies_json():
    pk.need_bpf()
    tool, f = _run("--json", "-L")
    got = [r["event"] for r in pk.json_lines(tool.out)]
    want = [(4, f["port4"]), (4, f["port4"]), (6, f["port6"])]
    assert [(e["ip"], e["dport"]) for e in got] == want, got
    assert [e["lport"] for e in got] == f["lports"], got
    assert [(e["saddr"], e["daddr"]) for e in got] == [("127.0.0.1", "127.0.0.1")] * 2 + [
        ("::1", "::1")], got
    for e, took in zip(got, f["connect_ns"]):
        assert e["pid"] == f["pid"] and 0 < e["lat"] <= took, (e, took)


@pk.timeout(60)
def test_table_and_min_ms():
    pk.need_bpf()
    tool, f = _run("-t")
    assert tool.out[0].split() == ["TIME(s)", "PID", "COMM", "IP", "SADDR", "DADDR", "DPORT",
                                   "LAT(ms)"], tool.out
    # bcc's print("%-9s" % ("TIME(s)"), end=""); print("%-7s %-12s %-2s %-16s
    # %-16s %-5s %s" % ("PID", "COMM", "IP", "SADDR", "DADDR", "DPORT",
    # "LAT(ms)")), and its rows' "%-9.3f" "%-7d %-12.12s %-2d %-16s %-16s
    # %-5d %.2f" of the same values
    assert tool.out[0] == "%-9s%-7s %-12s %-2s %-16s %-16s %-5s %s" % (
        "TIME(s)", "PID", "COMM", "IP", "SADDR", "DADDR", "DPORT", "LAT(ms)"), tool.out
    rows = [l.split() for l in tool.out[1:]]
    for line, r in zip(tool.out[1:], rows):
        assert line == "%-9.3f%-7d %-12.12s %-2d %-16s %-16s %-5d %.2f" % (
            float(r[0]), int(r[1]), r[2], int(r[3]), r[4], r[5], int(r[6]), float(r[7])), line
    assert [r[3:7] for r in rows] == [["4", "127.0.0.1", "127.0.0.1", str(f["port4"])],
                                      ["4", "127.0.0.1", "127.0.0.1", str(f["port4"])],
                                      ["6", "::1", "::1", str(f["port6"])]], tool.out
    # no loopback handshake takes 10 s: a minimum as the positional argument
    tool, f = _run("--json", "10000")
    assert pk.json_lines(tool.out) == [], tool.out
