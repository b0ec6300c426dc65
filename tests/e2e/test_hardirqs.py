"""hardirqs against the kernel's own records: interrupts the test causes
itself (irqload.py), counted per handler by the tool and by two ftrace
instances recording irq_handler_entry, one from before the tool starts to
after it stops, one from after it attaches to before it stops. A handler's
count over the tool's window lies between the two. /proc/interrupts counts
arrivals, at least as many as the handler's runs."""
import irqload
import pk


def traced(*args):
    outer, inner = irqload.handler_runs("outer"), irqload.handler_runs("inner")
    try:
        before = irqload.interrupts()
        outer.start()
        tool = pk.start_tool("hardirqs", "--json", "-v", *args, ready="verbose")
        held = pk.bpf_objects(tool.pid)
        inner.start()
        how = irqload.cause()
        inner_runs = inner.stop()
        assert tool.stop() == 0, tool.err
        outer_runs = outer.stop()
        after = irqload.interrupts()
    finally:
        outer.close()
        inner.close()
    pk.assert_released(held)
    bounds = {k: (irqload.lowest(inner_runs.get(k, 0)), outer_runs.get(k, 0))
              for k in outer_runs}
    assert before and after
    return tool, bounds, how


def busiest(bounds):
    name = max(bounds, key=lambda k: bounds[k][0])
    assert bounds[name][0] >= 100, (bounds, "no handler ran 100 times in the window")
    return name


def test_counts_match_proc_interrupts():
    pk.need_bpf()
    # each route: the raw tracepoints (the default), tp_btf, the classic ones
    for mech in ("raw_tp", "tp_btf", "tracepoint"):
        tool, bounds, how = traced("-C", "--mechanism", mech)
        assert f"using {mech} " in "\n".join(tool.err), tool.err
        rows = {r["name"]: r["total"] for r in pk.json_lines(tool.out)}
        name = busiest(bounds)
        assert name in rows, (mech, how, name, rows)
        for n, total in rows.items():
            lo, hi = bounds.get(n, (0, 0))
            assert lo <= total <= hi, (mech, how, n, total, bounds.get(n))


def test_times_per_handler():
    pk.need_bpf()
    tool, bounds, how = traced()
    rows = {r["name"]: r["total"] for r in pk.json_lines(tool.out)}
    name = busiest(bounds)
    # microseconds: a hundred handler runs take some
    assert rows.get(name, 0) > 0, (how, name, rows)
    tool, bounds, how = traced("-N")
    rows_ns = {r["name"]: r["total"] for r in pk.json_lines(tool.out)}
    assert rows_ns.get(name, 0) > 1000, (how, name, rows_ns)


def test_histograms_count_every_run():
    pk.need_bpf()
    tool, bounds, how = traced("-D")
    hists = [h for h in pk.json_lines(tool.out) if h.get("map") == "dist_usecs"]
    runs = {h["key"]["hardirq"]: sum(b["count"] for b in h["buckets"]) for h in hists}
    name = busiest(bounds)
    assert name in runs, (how, name, runs)
    for n, total in runs.items():
        lo, hi = bounds.get(n, (0, 0))
        # a run that began before the tool attached is not timed
        assert lo - 2 <= total <= hi, (how, n, total, bounds.get(n))
    # the tables are not printed with -D
    assert not [l for l in tool.out if '"total"' in l], tool.out


def test_other_cpu_sees_nothing_of_it():
    pk.need_bpf()
    tool = pk.run([pk.tool_path("hardirqs"), "-c", "4095", "-C", "-d", "0.5", "--json"])
    assert tool.returncode == 0, tool.stderr
    assert tool.stdout == "", tool.stdout
