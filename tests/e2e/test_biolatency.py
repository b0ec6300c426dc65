"""biolatency: N O_DIRECT writes to a block device only the test uses (a
loop device it makes, or the lane's scratch disk); that disk's histogram
counts exactly N, per disk (-D), per type (-F: all W...), in ms (-m), and
from the queue (-Q)."""
import blockdev
import pk

SIZES = [4096, 8192, 16384, 65536] * 5


def run(*args):
    pk.need_bpf()
    with blockdev.scratch_device() as (dev, name, _):
        w = blockdev.writer(dev, SIZES)
        tool = pk.start_tool("biolatency", "--json", "-v", "--disk", name, *args,
                             ready="verbose")
        held = pk.bpf_objects(tool.pid)
        blockdev.go(w)
        assert tool.stop() == 0, tool.err
        pk.assert_released(held)
        return name, [h for h in pk.json_lines(tool.out) if "buckets" in h]


def total(h):
    return sum(b["count"] for b in h["buckets"])


@pk.timeout(90)
def test_per_disk_counts_every_write():
    name, hists = run("-D")
    assert [h["key"]["disk"] for h in hists] == [name], hists
    assert hists[0]["unit"] == "usecs", hists
    assert total(hists[0]) == len(SIZES), hists


@pk.timeout(90)
def test_per_flag_in_msecs():
    _, hists = run("-F", "-m")
    assert all(h["unit"] == "msecs" for h in hists), hists
    # O_DIRECT writes: W, with S(ync) on some kernels; never a read
    assert all(h["key"]["flags"].startswith("W") for h in hists), hists
    assert sum(total(h) for h in hists) == len(SIZES), hists


@pk.timeout(90)
def test_queued_plain():
    _, hists = run("-Q")
    assert [h["map"] for h in hists] == ["usecs"], hists
    assert total(hists[0]) == len(SIZES), hists


@pk.timeout(60)
def test_other_disk_filtered_out():
    pk.need_bpf()
    with blockdev.scratch_device() as (dev, name, _):
        w = blockdev.writer(dev, SIZES[:4])
        tool = pk.start_tool("biolatency", "--json", "-v", "--disk", name + "x",
                             ready="verbose")
        blockdev.go(w)
        assert tool.stop() == 0, tool.err
        assert [h for h in pk.json_lines(tool.out) if "buckets" in h] == [], tool.out


@pk.timeout(90)
def test_intervals_clear_histograms():
    """PK_CLEAR: each -i print holds only its interval's writes, so the
    prints add up to the writes made (without it, the first ones again)."""
    pk.need_bpf()
    with blockdev.scratch_device() as (dev, name, _):
        tool = pk.start_tool("biolatency", "--json", "-v", "-i", "0.4", "--disk", name,
                             ready="verbose")
        for n in (4, 3):
            blockdev.go(blockdev.writer(dev, SIZES[:n]))
            tool.wait_for(lambda l: '"buckets"' in l, what="a histogram")
            pk.time.sleep(1)
        assert tool.stop() == 0, tool.err
        hists = [h for h in pk.json_lines(tool.out) if "buckets" in h]
        assert len(hists) >= 2, tool.out
        assert sum(total(h) for h in hists) == 7, hists


@pk.timeout(90)
def test_tp_btf_route():
    _, hists = run("--mechanism", "tp_btf")
    assert sum(total(h) for h in hists) == len(SIZES), hists
