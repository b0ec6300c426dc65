"""tcpstates: the state changes of 4 sessions a workload makes in a network
namespace of its own (tcpns.py): each connecting and each accepted socket
goes through TCP's states in the order its calls make (connect, close
first on the connecting side), with the time in ESTABLISHED at least the
workload's 50 ms sleep; ss saw the first session ESTAB."""
import re

import pk
import tcpns

CLIENT = [("CLOSE", "SYN_SENT"), ("SYN_SENT", "ESTABLISHED"), ("ESTABLISHED", "FIN_WAIT1"),
          ("FIN_WAIT1", "FIN_WAIT2"), ("FIN_WAIT2", "CLOSE")]
SERVER = [("LISTEN", "SYN_RECV"), ("SYN_RECV", "ESTABLISHED"), ("ESTABLISHED", "CLOSE_WAIT"),
          ("CLOSE_WAIT", "LAST_ACK"), ("LAST_ACK", "CLOSE")]


def _run(*args, more=lambda facts: []):
    w = tcpns.start("sessions")
    tool = pk.start_tool("tcpstates", *args, *more(w.facts), "-v", ready="verbose")
    held = pk.bpf_objects(tool.pid)
    facts = tcpns.go(w)
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    return tool, facts


def _changes(events, lport, rport):
    """A socket's changes. Its first may lack a port: a connecting socket
    enters SYN_SENT before its local port is chosen (lport 0), and before
    Linux 6.13 or so an accepted one's LISTEN -> SYN_RECV has no remote
    (rport 0): that one is the socket's last SYN_SENT or SYN_RECV before."""
    ours = [i for i, e in enumerate(events) if (e["lport"], e["rport"]) == (lport, rport)]
    assert ours, (lport, rport, events)
    sk = events[ours[0]]["skaddr"]
    if events[ours[0]]["newstate"] in ("SYN_SENT", "SYN_RECV"):
        return [events[i] for i in ours]
    before = [i for i in range(ours[0]) if events[i]["skaddr"] == sk and
              events[i]["newstate"] in ("SYN_SENT", "SYN_RECV")]
    return [events[i] for i in before[-1:] + ours]


@pk.timeout(60)
def test_state_sequences():
    pk.need_bpf()
    tool, f = _run("--json")
    events = [r["event"] for r in pk.json_lines(tool.out)]
    for s in f["sessions"]:
        client = _changes(events, s["lport"], s["dport"])
        server = _changes(events, s["dport"], s["lport"])
        assert [(e["oldstate"], e["newstate"]) for e in client] == CLIENT, client
        assert [(e["oldstate"], e["newstate"]) for e in server] == SERVER, server
        for side in (client, server):
            assert len({e["skaddr"] for e in side}) == 1, side
            assert side[0]["in_state"] == 0 and side[0]["ip"] == (6 if s["v6"] else 4), side
            # raddr is the unspecified address until the connect sets it
            assert all(e["laddr"] == tcpns.addr(s["v6"]) for e in side), side
            assert all(e["raddr"] == tcpns.addr(s["v6"]) for e in side[1:]), side
        # the workload sleeps 50 ms with the session open
        assert client[2]["in_state"] >= 50e6 and server[2]["in_state"] >= 50e6, (client, server)
        # the connect and the close run in the workload
        assert client[0]["pid"] == f["pid"] and client[2]["pid"] == f["pid"], client
    if f["ss"] is None:
        pk.need_host_tool("ss")
    first = f["sessions"][0]
    assert any(l.startswith("ESTAB") and l.split()[3] == f"127.0.0.1:{first['lport']}"
               for l in f["ss"].splitlines()), f["ss"]


@pk.timeout(60)
def test_table_local_port():
    pk.need_bpf()
    tool, f = _run("-T", "-w", more=lambda f: ["-L", str(f["port6"])])
    # bcc's "%-8s " then -w's header_string "%-16s %-5s %-16.16s %-2s %-26s
    # %-5s %-26s %-5s %-11s -> %-11s %s", and its format_string's rows
    assert tool.out[0] == ("%-8s %-16s %-5s %-16.16s %-2s %-26s %-5s %-26s %-5s %-11s -> %-11s "
                           "%s") % ("TIME", "SKADDR", "C-PID", "C-COMM", "IP", "LADDR", "LPORT",
                                    "RADDR", "RPORT", "OLDSTATE", "NEWSTATE", "MS"), tool.out
    lines = [l for l in tool.out[1:] if re.match(r"\d\d:\d\d:\d\d ", l)]
    rows = [l.split() for l in lines]
    for line, r in zip(lines, rows):
        assert line == ("%-8s %-16x %-5d %-16.16s %-2s %-26s %-5s %-26s %-5d %-11s -> %-11s "
                        "%.3f") % (r[0], int(r[1], 16), int(r[2]), r[3], r[4], r[5], r[6], r[7],
                                   int(r[8]), r[9], r[11], float(r[12])), line
    v6 = f["sessions"][3]
    sk = next(r[1] for r in rows if r[8] == str(v6["lport"]))
    ours = [r for r in rows if r[1] == sk and r[9] != "LISTEN" or r[1] == sk and r[11] == "SYN_RECV"]
    assert [(r[9], r[11]) for r in ours] == SERVER, tool.out
    assert all(r[4:7] == ["6", "::1", str(v6["dport"])] for r in ours), ours
    # the first change's remote is not set before Linux 6.13 or so (see _changes)
    assert all(r[7:9] == ["::1", str(v6["lport"])] for r in ours[1:]), ours
    # the listener itself, closed when the workload exits
    assert [r[9:12] for r in rows if r not in ours] == [["LISTEN", "->", "CLOSE"]], tool.out
