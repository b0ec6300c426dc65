"""softirqs against /proc/softirqs: soft interrupts counted per kind by the
tool and by the kernel's own counters, read before and after the tool
attaches and before and after it stops. A kind's count over the tool's
window lies between the two deltas. The test causes interrupts itself
(irqload.py); the timer's and RCU's run anyway."""
import irqload
import pk

KINDS = {"hi", "timer", "net_tx", "net_rx", "block", "irq_poll", "tasklet", "sched",
         "hrtimer", "rcu"}


def traced(*args):
    before = irqload.softirqs()
    tool = pk.start_tool("softirqs", "--json", "-v", *args, ready="verbose")
    held = pk.bpf_objects(tool.pid)
    inner_a = irqload.softirqs()
    how = irqload.cause()
    irqload.churn()
    inner_b = irqload.softirqs()
    assert tool.stop() == 0, tool.err
    after = irqload.softirqs()
    pk.assert_released(held)
    assert set(after) == KINDS, after
    bounds = irqload.bracket(before, inner_a, inner_b, after)
    return tool, {k: (irqload.lowest(lo), hi) for k, (lo, hi) in bounds.items()}, how


def busiest(bounds):
    name = max(bounds, key=lambda k: bounds[k][0])
    assert bounds[name][0] >= 5, (bounds, "no softirq ran 10 times in the window")
    return name


def check(rows, bounds, what):
    assert busiest(bounds) in rows, (what, bounds, rows)
    assert set(rows) <= KINDS, rows
    for n, total in rows.items():
        lo, hi = bounds[n]
        assert lo <= total <= hi, (what, n, total, bounds[n])


def test_counts_match_proc_softirqs():
    pk.need_bpf()
    for mech in ("raw_tp", "tp_btf", "tracepoint"):
        tool, bounds, how = traced("-C", "--mechanism", mech)
        assert f"using {mech} " in "\n".join(tool.err), tool.err
        check({r["name"]: r["total"] for r in pk.json_lines(tool.out)}, bounds, (mech, how))


def test_times_per_kind():
    pk.need_bpf()
    tool, bounds, how = traced("-N")
    rows = {r["name"]: r["total"] for r in pk.json_lines(tool.out)}
    name = busiest(bounds)
    # nanoseconds: five runs of anything take more than 1 us
    assert rows.get(name, 0) > 1000, (how, name, rows)
    assert set(rows) <= KINDS, rows


def test_histograms_count_every_run():
    pk.need_bpf()
    tool, bounds, how = traced("-D")
    hists = [h for h in pk.json_lines(tool.out) if h.get("map") == "dist_usecs"]
    runs = {h["key"]["softirq"]: sum(b["count"] for b in h["buckets"]) for h in hists}
    # a run that began before the tool attached is not timed: one per CPU at most
    ncpu = len(open("/proc/softirqs").readline().split())
    widened = {k: (lo - ncpu, hi) for k, (lo, hi) in bounds.items()}
    check(runs, widened, how)
    assert not [l for l in tool.out if '"total"' in l], tool.out
