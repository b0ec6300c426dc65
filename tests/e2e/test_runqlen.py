"""runqlen: four spinners pinned to one CPU keep at least three tasks
waiting there: nearly every sample of that CPU (-C) says 3 or more. And
the mean length over all CPUs agrees with the kernel's own count of
runnable tasks (/proc/loadavg's fourth field, read at the same time) within
a factor of two."""
import os
import re
import subprocess
import sys
import threading
import time

import pk

SPINNERS = 4


def spinners(cpu):
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"],
                             preexec_fn=lambda: os.sched_setaffinity(0, {cpu}))
            for _ in range(SPINNERS)]


def buckets(hist):
    return {b["low"]: b["count"] for b in hist["buckets"]}


def test_pinned_spinners_queue_on_their_cpu():
    pk.need_bpf()
    cpu = max(os.sched_getaffinity(0))
    procs = spinners(cpu)
    try:
        time.sleep(0.3)
        r = pk.run([pk.tool_path("runqlen"), "-C", "--json", "-d", "2"], timeout=60)
    finally:
        for p in procs:
            p.kill()
            p.wait()
    assert r.returncode == 0, r.stderr
    hists = {h["key"]["cpu"]: buckets(h) for h in pk.json_lines(r.stdout.splitlines())
             if "buckets" in h}
    mine = hists[cpu]
    n = sum(mine.values())
    assert n >= 50, mine
    assert sum(c for low, c in mine.items() if low >= SPINNERS - 1) >= 0.9 * n, mine


def test_mean_agrees_with_loadavg():
    pk.need_bpf()
    seen, stop = [], threading.Event()

    def sample():
        while not stop.is_set():
            with open("/proc/loadavg") as f:
                seen.append(int(f.read().split()[3].split("/")[0]))
            time.sleep(0.02)

    t = threading.Thread(target=sample)
    t.start()
    try:
        r = pk.run([pk.tool_path("runqlen"), "--json", "-d", "2"], timeout=60)
    finally:
        stop.set()
        t.join()
    assert r.returncode == 0, r.stderr
    hist = [buckets(h) for h in pk.json_lines(r.stdout.splitlines()) if "buckets" in h][0]
    n = sum(hist.values())
    mean_waiting = sum(low * c for low, c in hist.items()) / n
    ncpu = os.cpu_count()
    # runnable tasks: the waiting ones, and one running on each CPU that is busy
    ours = ncpu * mean_waiting + min(ncpu, sum(seen) / len(seen))
    theirs = sum(seen) / len(seen)
    assert theirs / 2 - 1 <= ours <= theirs * 2 + 1, (ours, theirs, hist)


def test_usage_errors():
    for args in (["-F", "0"], ["-x"], ["-i", "0"]):
        r = pk.run([pk.tool_path("runqlen"), *args])
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.startswith("runqlen: ") and r.stderr.count("\n") == 1, r.stderr


def spinning(procs):
    """Waits until each spinner has run its loop a while (python started)."""
    deadline = time.monotonic() + 30 * pk.TIMEOUT_SCALE
    tick = os.sysconf("SC_CLK_TCK")
    for p in procs:
        while time.monotonic() < deadline:
            with open(f"/proc/{p.pid}/stat") as f:
                utime = int(f.read().rsplit(")", 1)[1].split()[11])
            if utime >= tick // 5:
                break
            time.sleep(0.05)


def test_occupancy_of_a_cpu_with_pinned_spinners():
    """-O (bcc's --runqocc): the share of samples that found a task waiting.
    With -C, the CPU that four pinned spinners share had one at every sample:
    exactly 100.00%; over all CPUs, at least that CPU's share of the samples.
    -T dates each print (bcc's HH:MM:SS line)."""
    pk.need_bpf()
    cpu = max(os.sched_getaffinity(0))
    procs = spinners(cpu)
    try:
        spinning(procs)
        r = pk.run([pk.tool_path("runqlen"), "-O", "-C", "-T", "--json", "-d", "2"], timeout=60)
        a = pk.run([pk.tool_path("runqlen"), "-O", "-T", "-d", "2"], timeout=60)
    finally:
        for p in procs:
            p.kill()
            p.wait()
    assert r.returncode == 0 and a.returncode == 0, (r.stderr, a.stderr)
    rows = pk.json_lines(r.stdout.splitlines())
    assert re.fullmatch(r"\d\d:\d\d:\d\d", rows[0]["time"]), rows
    per = {row["cpu"]: row["pct"] for row in rows[1:]}
    assert len(per) == len(rows) - 1 and not any("buckets" in row for row in rows), rows
    assert per[cpu] == "100.00%", per
    assert all(re.fullmatch(r"\d+\.\d\d%", v) and float(v[:-1]) <= 100 for v in per.values()), per
    lines = a.stdout.splitlines()
    assert lines[0].startswith("Sampling") and re.fullmatch(r"\d\d:\d\d:\d\d", lines[1]), lines
    m = re.fullmatch(r"runqocc: (\d+\.\d\d)%", lines[2])
    assert m and len(lines) == 3, lines
    assert 100 / len(os.sched_getaffinity(0)) - 1 <= float(m.group(1)) <= 100, lines
