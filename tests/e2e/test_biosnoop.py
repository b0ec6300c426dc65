"""biosnoop: O_DIRECT writes of known sizes at known offsets to a block
device only the test uses (a loop device it makes, or the lane's scratch
disk); one line each, in order, with the writer's pid and comm, the disk,
W, the sector (offset / 512) and the size the writer wrote."""
import blockdev
import pk

SIZES = [4096, 8192, 16384, 65536, 512 * 3 * 8, 32768] * 3


def expected(sizes):
    off, want = 0, []
    for s in sizes:
        want.append((off // 512, s))
        off += (s + 65535) // 65536 * 65536
    return want


def snoop(*args):
    pk.need_bpf()
    with blockdev.scratch_device() as (dev, name, _):
        w = blockdev.writer(dev, SIZES)
        tool = pk.start_tool("biosnoop", "--json", "-v", "--disk", name, "-p", str(w.pid),
                             *args, ready="verbose")
        held = pk.bpf_objects(tool.pid)
        blockdev.go(w)
        assert tool.stop() == 0, tool.err
        pk.assert_released(held)
        # each line: {"event": the raw record, "named": formatted columns}
        return name, w.pid, [o["event"] for o in pk.json_lines(tool.out)]


@pk.timeout(90)
def test_each_write_its_sector_and_size():
    name, pid, events = snoop()
    assert [(e["sector"], e["bytes"]) for e in events] == expected(SIZES), events
    for e in events:
        assert (e["pid"], e["comm"], e["disk"]) == (pid, "python3", name), e
        assert e["rwbs"].startswith("W"), e
        assert 0 < e["lat"] < 10 ** 10, e


@pk.timeout(90)
def test_queued_time():
    _, _, events = snoop("-Q")
    assert len(events) == len(SIZES), events
    assert all(e["que"] >= 0 and e["lat"] > 0 for e in events), events


@pk.timeout(60)
def test_text_columns():
    pk.need_bpf()
    with blockdev.scratch_device() as (dev, name, _):
        w = blockdev.writer(dev, SIZES[:3])
        tool = pk.start_tool("biosnoop", "-Q", "--disk", name, "-p", str(w.pid))
        blockdev.go(w)
        assert tool.stop() == 0, tool.err
        assert tool.out[0].split() == ["TIME(s)", "COMM", "PID", "DISK", "T", "SECTOR",
                                       "BYTES", "QUE(ms)", "LAT(ms)"], tool.out
        # bcc's header and its rows' "%-11.6f %-14.14s %-7s %-9s %-1s %-10s
        # %-7s" "%7.2f " "%7.2f" of the same values
        assert tool.out[0] == "%-11s %-14s %-7s %-9s %-1s %-10s %-7s%7s %7s" % (
            "TIME(s)", "COMM", "PID", "DISK", "T", "SECTOR", "BYTES", "QUE(ms)", "LAT(ms)")
        rows = [l.split() for l in tool.out[1:]]
        for line, r in zip(tool.out[1:], rows):
            assert line == "%-11.6f %-14.14s %-7s %-9s %-1s %-10s %-7s%7.2f %7.2f" % (
                float(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], float(r[7]), float(r[8])), line
        assert [(r[2], r[3], int(r[5]), int(r[6])) for r in rows] == \
            [(str(w.pid), name, s, b) for s, b in expected(SIZES[:3])], tool.out


@pk.timeout(90)
def test_tp_btf_route_same_events():
    _, pid, events = snoop("--mechanism", "tp_btf")
    assert [(e["sector"], e["bytes"], e["pid"]) for e in events] == \
        [(s, b, pid) for s, b in expected(SIZES)], events
