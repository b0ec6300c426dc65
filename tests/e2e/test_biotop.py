"""biotop: O_DIRECT writes of known sizes to a block device only the test
uses; -p gives one row: the writer's pid and comm, W, the device's major
and minor and name, I/O = the writes, Kbytes = their sum."""
import blockdev
import pk

SIZES = [4096, 8192, 16384, 65536] * 4


@pk.timeout(90)
def test_one_writer_row():
    pk.need_bpf()
    with blockdev.scratch_device() as (dev, name, (major, minor)):
        w = blockdev.writer(dev, SIZES)
        tool = pk.start_tool("biotop", "-i", "60", "--json", "-v", "-p", str(w.pid),
                             ready="verbose")
        held = pk.bpf_objects(tool.pid)
        blockdev.go(w)
        assert tool.stop() == 0, tool.err
        pk.assert_released(held)
        rows = [r for r in pk.json_lines(tool.out) if "io" in r]
        assert len(rows) == 1, tool.out
        r = rows[0]
        assert (r["pid"], r["comm"], r["rw"], r["disk"]) == (w.pid, "python3", "W", name), r
        assert (r["major"], r["minor"]) == (major, minor), r
        assert (r["io"], r["kbytes"]) == (len(SIZES), sum(SIZES) // 1024), r
        assert float(r["avg"]) > 0, r


@pk.timeout(60)
def test_text_header_and_maxrows():
    pk.need_bpf()
    r = pk.run([pk.tool_path("biotop"), "-i", "0.3", "-d", "1", "-r", "1"])
    assert r.returncode == 0, r.stderr
    lines = [l for l in r.stdout.splitlines() if l]
    heads = [l for l in lines if l.startswith("PID")]
    assert heads and heads[0].split() == ["PID", "COMM", "D", "MAJ", "MIN", "DISK", "I/O",
                                          "Kbytes", "AVGms"], lines
    # -r 1: at most one row after each header
    assert len(lines) <= 2 * len(heads), lines
