"""runqslower: the sleeping child of test_runqlat, woken SLEEPS + 1 times.
At threshold 0 every switch-in of the child is a line, as many as
/proc/PID/status counts switches (bounded as in test_runqlat) and as
runqlat counts at the same time; at a threshold, only waits as long;
-P names the task that had the CPU."""
import pk
from test_runqlat import Sleeper, hist_total, near


def lines_of(tool, pid):
    return [o["event"] for o in pk.json_lines(tool.out)
            if "event" in o and o["event"]["tid"] == pid]


def test_every_wait_at_threshold_zero():
    pk.need_bpf()
    child = Sleeper()
    lat = pk.start_tool("runqlat", "-p", str(child.pid), "--json", "-v", ready="verbose")
    tool = pk.start_tool("runqslower", "-p", str(child.pid), "--json", "-v", "-P", "0",
                         ready="verbose")
    held = pk.bpf_objects(tool.pid)
    child.run()
    assert tool.stop() == 0, tool.err
    assert lat.stop() == 0, lat.err
    pk.assert_released(held)
    vol, invol = child.end()
    events = lines_of(tool, child.pid)
    assert len(events) == hist_total(pk.json_lines(lat.out)), (events, lat.out)
    assert near(len(events), vol, invol), (len(events), vol, invol)
    assert all(e["comm"] == "python3" or e["comm"].startswith("python") for e in events), events
    assert all(e["prev_tid"] != child.pid for e in events), events
    assert any("runqslower: using raw_tp" in l for l in tool.err), tool.err


def test_threshold():
    pk.need_bpf()
    child = Sleeper()
    tool = pk.start_tool("runqslower", "-p", str(child.pid), "--json", "-v", "--min-us", "500",
                         ready="verbose")
    never = pk.start_tool("runqslower", "-p", str(child.pid), "--json", "-v", "10000000",
                          ready="verbose")
    child.run()
    assert tool.stop() == 0 and never.stop() == 0, tool.err
    child.end()
    assert all(e["lat_us"] >= 500 for e in lines_of(tool, child.pid)), tool.out
    assert not lines_of(never, child.pid), never.out


def test_text_columns():
    pk.need_bpf()
    child = Sleeper()
    tool = pk.start_tool("runqslower", "-p", str(child.pid), "-P", "0")
    child.run()
    assert tool.stop() == 0, tool.err
    child.end()
    # bcc's order: its banner, then the header
    assert tool.out[0].startswith("Tracing run queue latency higher than"), tool.out[:2]
    header = tool.out[1].split()
    assert header[:4] == ["TIME", "COMM", "TID", "LAT(us)"], tool.out[:2]
    # bcc's print("%-8s %-16s %-6s %14s" % ("TIME", "COMM", "TID", "LAT(us)"))
    # with -P: "%-16s %-6s" % ("PREV COMM", "PREV TID") after it
    assert tool.out[1] == "%-8s %-16s %-6s %14s %-16s %s" % (
        "TIME", "COMM", "TID", "LAT(us)", "PREV COMM", "PREV TID"), tool.out[:2]
    rows = [l.split() for l in tool.out if l.split()[2:3] == [str(child.pid)]]
    for line in [l for l in tool.out if l.split()[2:3] == [str(child.pid)]]:
        r = line.split()
        assert line.startswith("%-8s %-16s %-6s %14s " % (r[0], r[1], int(r[2]), int(r[3]))), line
    assert rows and all(r[3].isdigit() for r in rows), tool.out


def test_usage_errors():
    for args in (["-p", "notapid"], ["-x"], ["notanumber"]):
        r = pk.run([pk.tool_path("runqslower"), *args])
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.startswith("runqslower: ") and r.stderr.count("\n") == 1, r.stderr
