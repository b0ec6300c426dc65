"""solisten: three listen() calls a workload makes in a network namespace
of its own (tcpns.py), with backlogs 7, 5 and 3: ports, addresses and
backlogs exact against the workload's and ss's (a listener's Send-Q is its
backlog), the namespace's inode with --show-netns, -n filtering by it."""
import pk
import tcpns


def _run(*args, more=lambda facts: []):
    w = tcpns.start("listen")
    tool = pk.start_tool("solisten", *args, *more(w.facts), "-v", ready="verbose")
    held = pk.bpf_objects(tool.pid)
    facts = tcpns.go(w)
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    return tool, facts


@pk.timeout(60)
def test_listens_json_by_pid():
    pk.need_bpf()
    tool, f = _run("--json", more=lambda f: ["-p", str(f["pid"])])
    got = [r["event"] for r in pk.json_lines(tool.out)]
    assert [(e["port"], e["backlog"], e["proto"]) for e in got] == [
        (l["port"], l["backlog"], "TCPv6" if ":" in l["addr"] else "TCPv4")
        for l in f["listens"]], got
    assert all(e["pid"] == f["pid"] and e["netns"] == f["netns"] for e in got), got
    assert [e["addr"] for e in got] == [l["addr"] for l in f["listens"]], got
    if f["ss"] is None:
        pk.need_host_tool("ss")
    ss = {int(l.split()[3].rsplit(":", 1)[1]): int(l.split()[2]) for l in f["ss"].splitlines()}
    assert {e["port"]: e["backlog"] for e in got} == ss, (got, f["ss"])


@pk.timeout(60)
def test_table_by_netns():
    pk.need_bpf()
    tool, f = _run("--show-netns", more=lambda f: ["-n", str(f["netns"])])
    assert tool.out[0].split() == ["PID", "COMM", "NETNS", "PROTO", "BACKLOG", "PORT", "ADDR"], \
        tool.out
    # bcc's print("%-7s %-12s %-12s %-6s %-8s %-5s %-39s" % (...)), and its
    # rows' printb(b"%-7d %-12.12s %-12d %-6s %-8d %-5d %-39s"), less the pad
    assert tool.out[0] == ("%-7s %-12s %-12s %-6s %-8s %-5s %-39s" % (
        "PID", "COMM", "NETNS", "PROTO", "BACKLOG", "PORT", "ADDR")).rstrip(), tool.out
    rows = [l.split() for l in tool.out[1:]]
    for line, r in zip(tool.out[1:], rows):
        assert line == ("%-7d %-12.12s %-12d %-6s %-8d %-5d %-39s" % (
            int(r[0]), r[1], int(r[2]), r[3], int(r[4]), int(r[5]), r[6])).rstrip(), line
    assert [r[2:] for r in rows] == [
        [str(f["netns"]), "TCPv6" if ":" in l["addr"] else "TCPv4", str(l["backlog"]),
         str(l["port"]), l["addr"]] for l in f["listens"]], tool.out
