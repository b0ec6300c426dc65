"""tcprtt: the RTT samples of the accepted sockets of 3 IPv4 sessions a
workload makes in a network namespace of its own (tcpns.py), by local
port (-p): one per segment they receive established (the data, the ACK of
the reply, the FIN: at least 2 each), as many as bpftrace counts on
tcp:tcp_probe over the same window; -m in milliseconds; -a/-A filter."""
import signal

import pk
import tcpns


def _run(*args, more=lambda facts: [], oracle=False):
    w = tcpns.start("sessions")
    bt = None
    if oracle:
        bpftrace = pk.need_host_tool("bpftrace")
        bt = pk.Proc([bpftrace, "-e", "tracepoint:tcp:tcp_probe /args->sport == %d/ "
                      "{ @n = count(); }" % w.facts["port4"]])
        bt.wait_for(lambda l: l.startswith("Attaching"), 60, what="bpftrace attached")
    tool = pk.start_tool("tcprtt", *args, *more(w.facts), "-v", ready="verbose")
    held = pk.bpf_objects(tool.pid)
    facts = tcpns.go(w)
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    counted = None
    if bt:
        bt.stop(signal.SIGINT, 30)
        counted = int(next(l for l in bt.out if l.startswith("@n:")).split()[1])
    return tool, facts, counted


def _hists(tool):
    return {h["map"]: h for h in pk.json_lines(tool.out)}


def _total(h):
    return sum(b["count"] for b in h["buckets"])


@pk.timeout(90)
def test_samples_by_local_port():
    pk.need_bpf()
    tool, f, _ = _run("--json", more=lambda f: ["-p", str(f["port4"])])
    hists = _hists(tool)
    assert list(hists) == ["rtt_usecs"] and hists["rtt_usecs"]["unit"] == "usecs", tool.out
    # each of the 3 accepted sockets gets the data and the FIN at least
    assert _total(hists["rtt_usecs"]) >= 3 * 2, tool.out


@pk.timeout(90)
def test_against_bpftrace():
    pk.need_bpf()
    tool, f, counted = _run("--json", more=lambda f: ["-p", str(f["port4"])], oracle=True)
    assert _total(_hists(tool)["rtt_usecs"]) == counted, (tool.out, counted)


@pk.timeout(90)
def test_millis_and_address_filters():
    pk.need_bpf()
    tool, f, _ = _run("--json", "-m", "-A", "127.0.0.1", more=lambda f: ["-p", str(f["port4"])])
    hists = _hists(tool)
    assert list(hists) == ["rtt_msecs"], tool.out
    assert _total(hists["rtt_msecs"]) >= 6, tool.out
    tool, f, _ = _run("--json", "-a", "127.0.0.2", more=lambda f: ["-p", str(f["port4"])])
    assert sum(_total(h) for h in _hists(tool).values()) == 0, tool.out


@pk.timeout(90)
def test_intervals_clear():
    """-i: each print empties the histogram (PK_TOOL_CLEAR), so the
    intervals add up to what one print at the end counts."""
    pk.need_bpf()
    w = tcpns.start("sessions")
    port = str(w.facts["port4"])
    whole = pk.start_tool("tcprtt", "--json", "-p", port, "-v", ready="verbose")
    parts = pk.start_tool("tcprtt", "--json", "-i", "0.2", "-p", port, "-v", ready="verbose")
    tcpns.go(w)
    assert parts.stop() == 0 and whole.stop() == 0, (parts.err, whole.err)
    prints = [h for h in pk.json_lines(parts.out) if h.get("map") == "rtt_usecs"]
    # an emptied histogram prints nothing: one print when the workload fits in
    # one interval, more when it spans several; never a count twice
    assert len(prints) >= 1 and len([o for o in pk.json_lines(parts.out) if "time" in o]) >= 2, \
        parts.out
    total = _total(_hists(whole)["rtt_usecs"])
    assert total >= 6 and sum(_total(h) for h in prints) == total, (parts.out, whole.out)


def _rtt_run(*args):
    w = tcpns.start("rtt")
    tool = pk.start_tool("tcprtt", "--json", "-p", str(tcpns.RTT_PORT), *args, "-v",
                         ready="verbose")
    held = pk.bpf_objects(tool.pid)
    facts = tcpns.go(w)
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    return pk.json_lines(tool.out), facts


def _check_oracle(f):
    for addr, n in f["samples"].items():
        # ss: segs_in counts the SYN and the handshake's ACK (no samples: the
        # socket is not yet established) and not yet the FIN (one)
        if f["segs_in"][addr] is not None:
            assert f["segs_in"][addr] - 2 + 1 == n, f
    if None in f["segs_in"].values():
        pk.need_host_tool("ss")


@pk.timeout(90)
def test_exact_samples_all_addresses_and_average():
    """bcc's one section, "All Addresses = *******": as many samples as the
    segments the servers received established; -e: their average."""
    pk.need_bpf()
    out, f = _rtt_run("-e")
    hists = {o["map"]: o for o in out if "buckets" in o}
    assert list(hists) == ["rtt_usecs"], out
    assert hists["rtt_usecs"]["key"] == {"All Addresses": "*******"}, out
    assert _total(hists["rtt_usecs"]) == sum(f["samples"].values()), (out, f)
    avg = [o for o in out if o.get("map") == "avg_all"]
    assert len(avg) == 1 and avg[0]["key"] == {"addr": "*******"}, out
    v = avg[0]["value"]
    assert v["count"] == sum(f["samples"].values()) and v["avg"] == v["sum"] // v["count"], avg
    used = [b for b in hists["rtt_usecs"]["buckets"] if b["count"]]
    assert used[0]["low"] <= v["avg"] <= used[-1]["high"], (avg, used)
    _check_oracle(f)


@pk.timeout(90)
def test_exact_samples_by_local_address():
    """-b: a histogram per local address, 127.0.0.1 and ::1, each with the
    samples of its server; -e: an average per address."""
    pk.need_bpf()
    out, f = _rtt_run("-b", "-e")
    hists = {o["key"]["Local Address"]: o for o in out if "buckets" in o}
    assert {h["map"] for h in hists.values()} == {"laddr_usecs", "laddr6_usecs"}, out
    assert {a: _total(h) for a, h in hists.items()} == f["samples"], (out, f)
    avgs = {o["key"]["addr"]: o["value"] for o in out if o.get("map") == "avg_laddr"}
    assert {a: v["count"] for a, v in avgs.items()} == f["samples"], out
    _check_oracle(f)


@pk.timeout(90)
def test_exact_samples_by_remote_address_in_text():
    """-B -m: a section per remote address, in milliseconds (loopback: all 0-1)."""
    pk.need_bpf()
    w = tcpns.start("rtt")
    tool = pk.start_tool("tcprtt", "-p", str(tcpns.RTT_PORT), "-B", "-m", "-T", "-v",
                         ready="verbose")
    f = tcpns.go(w)
    assert tool.stop() == 0, tool.err
    got, section = {}, None
    for line in tool.out:
        if line.startswith("Remote Address = "):
            section = line.split(" = ")[1]
        elif section and line.split()[:3] == ["0", "->", "1"]:
            got[section] = int(line.split(":")[1].split()[0])
    assert got == f["samples"], (tool.out, f)
    assert any(l.split()[:1] == ["msecs"] for l in tool.out), tool.out


@pk.timeout(60)
def test_duration_and_command():
    """-d ends the tool by itself; -c runs the workload (started at once) and
    the tool ends when it exits, its samples counted."""
    pk.need_bpf()
    tool = pk.Proc([pk.tool_path("tcprtt"), "-d", "1", "--json"])
    assert tool.wait(10) == 0, tool.err
    tool = pk.Proc([pk.tool_path("tcprtt"), "--json", "-p", str(tcpns.RTT_PORT), "-c",
                    tcpns.command("rtt")])
    assert tool.wait(40) == 0, tool.err
    f = tcpns.facts_of(tool.out)
    hists = [o for o in pk.json_lines([l for l in tool.out if l.startswith('{"map"')])]
    assert sum(_total(h) for h in hists) == sum(f["samples"].values()), (tool.out, f)
