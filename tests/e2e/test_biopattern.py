"""biopattern: on a block device only the test uses, 8 contiguous 64 KiB
O_DIRECT writes are 7 sequential (the first only sets where the last
ended, as libbpf-tools counts), 448 kbytes; 8 4 KiB writes 64 KiB apart
are 7 random."""
import blockdev
import pk


def run(sizes):
    pk.need_bpf()
    with blockdev.scratch_device() as (dev, name, _):
        w = blockdev.writer(dev, sizes)
        tool = pk.start_tool("biopattern", "-i", "60", "--json", "-v", "--disk", name,
                             ready="verbose")
        held = pk.bpf_objects(tool.pid)
        blockdev.go(w)
        assert tool.stop() == 0, tool.err
        pk.assert_released(held)
        rows = [r for r in pk.json_lines(tool.out) if "count" in r]
        assert [r["disk"] for r in rows] == [name], tool.out
        return rows[0]


@pk.timeout(90)
def test_sequential():
    r = run([65536] * 8)
    assert (r["pct_seq"], r["pct_rnd"], r["count"], r["kbytes"]) == (100, 0, 7, 448), r


@pk.timeout(90)
def test_random():
    r = run([4096] * 8)
    assert (r["pct_seq"], r["pct_rnd"], r["count"], r["kbytes"]) == (0, 100, 7, 28), r
