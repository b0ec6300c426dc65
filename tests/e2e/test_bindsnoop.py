"""bindsnoop: the binds a workload makes in a network namespace of its own
(tcpns.py), filtered by its pid: 4 that succeed (TCP with SO_REUSEADDR,
TCP over IPv6 with SO_REUSEPORT, UDP bound to lo, plain TCP), each with
the port the kernel chose as getsockname() gives it, and with -E the one
that fails with the errno the workload saw; --count counts them."""
import errno

import pk
import tcpns


def _run(*args):
    w = tcpns.start("bind")
    tool = pk.start_tool("bindsnoop", "-p", str(w.pid), *args, "-v", ready="verbose")
    held = pk.bpf_objects(tool.pid)
    facts = tcpns.go(w)
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    return tool, facts


OPTS = {"R": "...R.", "r": "....r", "lo": ".....", "": "....."}


@pk.timeout(60)
def test_binds_json_with_errors():
    pk.need_bpf()
    tool, f = _run("--json", "-E", "-U")
    got = [r["event"] for r in pk.json_lines(tool.out)]
    assert len(got) == 5, tool.out
    for e, b in zip(got, f["binds"]):
        assert (e["ret"], e["proto"], e["opts"], e["port"]) == (0, b["proto"], OPTS[b["opt"]],
                                                                b["port"]), (e, b)
        assert e["bound_if"] == (f["lo_index"] if b["opt"] == "lo" else 0), e
        assert e["af"] == (10 if ":" in b["addr"] else 2) and e["pid"] == f["pid"], e
        assert e["addr"] == b["addr"], e
    failed = got[4]
    assert f["failed"]["errno"] == errno.EADDRINUSE, f
    assert (failed["ret"], failed["port"]) == (-errno.EADDRINUSE, f["failed"]["port"]), failed


@pk.timeout(60)
def test_table_and_count():
    pk.need_bpf()
    tool, f = _run("-t")
    # bcc's print("%-9s " % ("TIME(s)"), end=""); print(header_fmt % ("PID",
    # "COMM", "PROT", "ADDR", "PORT", "OPTS", "IF")), header_fmt "%8s
    # %-12.12s %-4s %-15s %-5s %5s %2s", and its rows' output_fmt "%8d
    # %-12.12s %-4.4s %-15.15s %5d %-5s %2d" of the same values
    # (bcc aligns PORT and OPTS one way in the header and the other in the
    # rows; ours aligns headers as their rows)
    assert tool.out[0] == "%-9s %8s %-12.12s %-4s %-15s %5s %-5s %2s" % (
        "TIME(s)", "PID", "COMM", "PROT", "ADDR", "PORT", "OPTS", "IF"), tool.out
    rows = [l.split() for l in tool.out[1:]]
    for line, r in zip(tool.out[1:], rows):
        assert line == "%-9.6f %8d %-12.12s %-4.4s %-15.15s %5d %-5s %2d" % (
            float(r[0]), int(r[1]), r[2], r[3], r[4], int(r[5]), r[6], int(r[7])), line
    # without -E the failed bind is not there
    assert [r[3:] for r in rows] == [
        [b["proto"], b["addr"], str(b["port"]), OPTS[b["opt"]],
         str(f["lo_index"] if b["opt"] == "lo" else 0)] for b in f["binds"]], tool.out
    tool, f = _run("--count")
    counts = {tuple(l.split()) for l in tool.out if l.split()[-1:] != [] and
              l.split()[-1].isdigit()}
    # binds count under the address and port asked for (0: the kernel's choice)
    assert counts == {("127.0.0.1", "0", "3"), ("::1", "0", "1")}, tool.out
    # the count table only: no event header (PK_EVENTS_UNLESS(count)); most binds first, as bcc
    assert not any("PROTO" in l for l in tool.out), tool.out
    assert [l.split()[0] for l in tool.out if l.split()[-1:] and l.split()[-1].isdigit()] == \
        ["127.0.0.1", "::1"], tool.out


@pk.timeout(60)
def test_opts_column():
    """bcc's OPTS: F(reebind) T(ransparent) N(o port) R(euseaddr) r(euseport),
    each set alone on a socket the workload binds, then all five, then none;
    getsockopt()'s reading of each socket is the oracle."""
    pk.need_bpf()
    w = tcpns.start("bindopts")
    tool = pk.start_tool("bindsnoop", "-p", str(w.pid), "--json", "-v", ready="verbose")
    held = pk.bpf_objects(tool.pid)
    f = tcpns.go(w)
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    got = [(r["event"]["port"], r["event"]["opts"]) for r in pk.json_lines(tool.out)]
    want = [(b["port"], b["opts"]) for b in f["binds"]]
    assert [o for _, o in want] == ["F....", ".T...", "..N..", "...R.", "....r", "FTNRr",
                                    "....."], f
    assert got == want, (got, want)
