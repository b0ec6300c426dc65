"""bitesize: O_DIRECT writes of known sizes (5 of 4 KiB, 3 of 8 KiB, 2 of
64 KiB) to a block device only the test uses; the writer's histogram has
exactly those counts in the slots 4-7, 8-15 and 64-127 kbytes."""
import blockdev
import pk

SIZES = [4096] * 5 + [8192] * 3 + [65536] * 2


def run(*args):
    pk.need_bpf()
    with blockdev.scratch_device() as (dev, name, _):
        w = blockdev.writer(dev, SIZES)
        tool = pk.start_tool("bitesize", "--json", "-v", "--disk", name, "-p", str(w.pid),
                             *args, ready="verbose")
        held = pk.bpf_objects(tool.pid)
        blockdev.go(w)
        assert tool.stop() == 0, tool.err
        pk.assert_released(held)
        return [h for h in pk.json_lines(tool.out) if "buckets" in h]


def slots(h):
    return {b["low"]: b["count"] for b in h["buckets"] if b["count"]}


@pk.timeout(90)
def test_sizes_of_one_writer():
    hists = run()
    assert len(hists) == 1, hists
    assert hists[0]["unit"] == "kbytes", hists
    assert slots(hists[0]) == {4: 5, 8: 3, 64: 2}, hists


@pk.timeout(90)
def test_tp_btf_route():
    hists = run("--mechanism", "tp_btf")
    # Once in the 6.1 guest the writer's histogram came in two prints (1 write,
    # then 9), each emptied by PK_CLEAR: the counts, added up, are still exact.
    # Why a second print came before the stop is not known yet.
    total = {}
    for h in hists:
        assert h["key"] == {"Process Name": "python3"}, hists
        for low, n in slots(h).items():
            total[low] = total.get(low, 0) + n
    assert total == {4: 5, 8: 3, 64: 2}, hists
