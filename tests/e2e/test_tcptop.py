"""tcptop: 4 sessions a workload makes in a network namespace of its own
(tcpns.py), each sending and receiving known bytes, filtered by its pid:
one row per socket, the bytes exact against the workload's own counts
(the connecting side sends what it sent, the accepted side the reply);
-i's prints add up, each emptying the table."""
import pk
import tcpns


def _run(*args):
    w = tcpns.start("sessions")
    tool = pk.start_tool("tcptop", "-p", str(w.pid), *args, "-v", ready="verbose")
    held = pk.bpf_objects(tool.pid)
    facts = tcpns.go(w)
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    return tool, facts


def _bytes(tool, addrs=None):
    got = {}
    addrs = {} if addrs is None else addrs
    for r in pk.json_lines(tool.out):
        if r.get("map") == "connections":
            k, v = r["key"], r["value"]
            rx, tx = got.get((k["lport"], k["rport"]), (0, 0))
            got[(k["lport"], k["rport"])] = (rx + v["rx_b"], tx + v["tx_b"])
            assert k["pid"] > 0 and k["comm"].startswith("python"), r
            addrs[(k["lport"], k["rport"])] = (k["laddr"], k["raddr"])
    return got


@pk.timeout(60)
def test_bytes_per_connection():
    pk.need_bpf()
    tool, f = _run("--json", "-i", "30")
    addrs = {}
    got = _bytes(tool, addrs)
    want = {}
    for s in f["sessions"]:
        want[(s["lport"], s["dport"])] = (s["rx"], s["tx"])
        want[(s["dport"], s["lport"])] = (s["tx"], s["rx"])
    assert got == want, (got, want)
    # --json: the addresses as text
    assert addrs == {k: (tcpns.addr(s["v6"]),) * 2 for s in f["sessions"]
                     for k in ((s["lport"], s["dport"]), (s["dport"], s["lport"]))}, addrs


@pk.timeout(60)
def test_intervals_and_table():
    pk.need_bpf()
    tool, f = _run("--json", "-i", "0.1")
    assert len([r for r in pk.json_lines(tool.out) if "time" in r]) >= 2, tool.out
    total = sum(rx + tx for rx, tx in _bytes(tool).values())
    assert total == 2 * sum(s["tx"] + s["rx"] for s in f["sessions"]), tool.out
    tool, f = _run("-i", "30")
    assert tool.out[1].split() == ["PID", "COMM", "LADDR", "RADDR", "RX_KB", "TX_KB"], tool.out
    v6 = f["sessions"][3]
    row = next(l.split() for l in tool.out if l.split()[2:3] == [f"[::1]:{v6['lport']}"])
    assert row[2:] == [f"[::1]:{v6['lport']}", f"[::1]:{v6['dport']}",
                       str(v6["rx"] // 1024), str(v6["tx"] // 1024)], tool.out
    # bcc's order: the most received first
    rx = [int(l.split()[4]) for l in tool.out[2:] if len(l.split()) == 6]
    assert rx == sorted(rx, reverse=True) and len(rx) == 8, tool.out
