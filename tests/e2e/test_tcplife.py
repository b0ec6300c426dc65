"""tcplife: 4 sessions a workload makes in a network namespace of its own
(tcpns.py), 3 IPv4 and 1 IPv6, each sending and receiving known bytes:
two lines each (the connecting and the accepted socket), ports and bytes
exact against the workload's counts, and against ss (bytes_acked and
bytes_received while the first session is open; its FIN adds one)."""
import re
import time

import pk
import tcpns


def _run(*args, more=lambda facts: []):
    w = tcpns.start("sessions")
    tool = pk.start_tool("tcplife", "-p", str(w.pid), *args, *more(w.facts), "-v",
                         ready="verbose")
    held = pk.bpf_objects(tool.pid)
    t0 = time.monotonic()
    facts = tcpns.go(w)
    took = time.monotonic() - t0
    # the last CLOSE comes with the final ACK, after the workload's exit
    time.sleep(0.3)
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    return tool, facts, took


def _ss_bytes(ss, lport):
    for line, info in zip(ss.splitlines()[::2], ss.splitlines()[1::2]):
        if line.split()[3].endswith(f":{lport}"):
            return (int(re.search(r"bytes_acked:(\d+)", info).group(1)),
                    int(re.search(r"bytes_received:(\d+)", info).group(1)))
    raise AssertionError(f"no socket of port {lport} in ss: {ss}")


@pk.timeout(60)
def test_sessions_json():
    pk.need_bpf()
    tool, f, took = _run("--json")
    got = {(e["lport"], e["rport"]): e for e in
           (r["event"] for r in pk.json_lines(tool.out))}
    assert len(got) == 8, tool.out
    for s in f["sessions"]:
        client, server = got[(s["lport"], s["dport"])], got[(s["dport"], s["lport"])]
        for e in (client, server):
            assert e["pid"] == f["pid"] and e["ip"] == (6 if s["v6"] else 4), e
            assert (e["laddr"], e["raddr"]) == (tcpns.addr(s["v6"]),) * 2, e
            assert 0 < e["span"] < took * 1e9, e
        # the connecting side's bytes_acked counts its SYN and FIN, bytes_received the FIN
        assert (client["tx_b"], client["rx_b"]) == (s["tx"] + 2, s["rx"] + 1), client
        assert (server["tx_b"], server["rx_b"]) == (s["rx"] + 1, s["tx"] + 1), server
        assert (client["tx_kb"], client["rx_kb"]) == ((s["tx"] + 2) // 1024,
                                                      (s["rx"] + 1) // 1024), client
    first = f["sessions"][0]
    if f["ss"] is None:
        pk.need_host_tool("ss")
    acked, received = _ss_bytes(f["ss"], first["lport"])
    client = got[(first["lport"], first["dport"])]
    assert (client["tx_b"], client["rx_b"]) == (acked + 1, received + 1), (client, f["ss"])


@pk.timeout(60)
def test_table_and_port_filters():
    pk.need_bpf()
    tool, f, _ = _run("-T", "-t", "-w", more=lambda f: ["-D", str(f["port6"])])
    # bcc's -w header_string "%-5s %-16.16s %-2s %-26s %-5s %-26s %-5s %6s %6s
    # %s" after "%-8s " and "%-9s ", and its format_string's rows
    assert tool.out[0] == "%-8s %-9s %-5s %-16.16s %-2s %-26s %-5s %-26s %-5s %6s %6s %s" % (
        "TIME", "TIME(s)", "PID", "COMM", "IP", "LADDR", "LPORT", "RADDR", "RPORT", "TX_KB",
        "RX_KB", "MS"), tool.out
    lines = [l for l in tool.out[1:] if re.match(r"\d\d:\d\d:\d\d ", l)]
    rows = [l.split() for l in lines]
    for line, r in zip(lines, rows):
        assert line == "%-8s %-9.6f %-5d %-16.16s %-2s %-26s %-5s %-26s %-5d %6d %6d %.2f" % (
            r[0], float(r[1]), int(r[2]), r[3], r[4], r[5], r[6], r[7], int(r[8]), int(r[9]),
            int(r[10]), float(r[11])), line
    v6 = f["sessions"][3]
    # -D: the remote port is the listener's: only the IPv6 client's line
    assert [r[4:11] for r in rows] == [["6", "::1", str(v6["lport"]), "::1", str(v6["dport"]),
                                        "3", "1"]], tool.out
    # without -w: bcc's "%-5s %-10.10s %s%-15s %-5s %-15s %-5s %5s %5s %s",
    # no IP column
    tool, f, _ = _run(more=lambda f: ["-D", str(f["port6"])])
    assert tool.out[0] == "%-5s %-10.10s %s%-15s %-5s %-15s %-5s %5s %5s %s" % (
        "PID", "COMM", "", "LADDR", "LPORT", "RADDR", "RPORT", "TX_KB", "RX_KB", "MS"), tool.out
    r = tool.out[1].split()
    assert tool.out[1] == "%-5d %-10.10s %s%-15s %-5d %-15s %-5d %5d %5d %.2f" % (
        int(r[0]), r[1], "", r[2], int(r[3]), r[4], int(r[5]), int(r[6]), int(r[7]),
        float(r[8])), tool.out
    tool, f, _ = _run("--json", more=lambda f: ["-L", str(f["port4"])])
    got = [r["event"] for r in pk.json_lines(tool.out)]
    assert sorted(e["rport"] for e in got) == sorted(s["lport"] for s in f["sessions"][:3]), got


@pk.timeout(60)
def test_csv():
    """-s: bcc's comma-separated header and rows, -T and -t first; each of
    the 8 session ends with its addresses, ports and KB."""
    pk.need_bpf()
    tool, f, took = _run("-s", "-T", "-t")
    assert tool.out[0] == "TIME,TIME(s),PID,COMM,IP,LADDR,LPORT,RADDR,RPORT,TX_KB,RX_KB,MS", \
        tool.out
    rows = {(int(r[6]), int(r[8])): r for r in (l.split(",") for l in tool.out[1:])}
    assert len(rows) == 8 and all(len(r) == 12 for r in rows.values()), tool.out
    for s in f["sessions"]:
        addr, ip = tcpns.addr(s["v6"]), "6" if s["v6"] else "4"
        client, server = rows[(s["lport"], s["dport"])], rows[(s["dport"], s["lport"])]
        assert client[2:6] == [str(f["pid"]), client[3], ip, addr] and client[7] == addr, client
        assert client[3].startswith("python"), client
        # bytes_acked counts the SYN and FIN, bytes_received the FIN (test_sessions_json)
        assert client[9:11] == [str((s["tx"] + 2) // 1024), str((s["rx"] + 1) // 1024)], client
        assert server[9:11] == [str((s["rx"] + 1) // 1024), str((s["tx"] + 1) // 1024)], server
        for r in (client, server):
            assert re.fullmatch(r"\d\d:\d\d:\d\d", r[0]) and 0 < float(r[11]) < took * 1e3, r
            assert float(r[1]) >= 0, r
