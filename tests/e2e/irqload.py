"""Interrupts the tests cause themselves, and /proc's counts of them.

Reads of a file with O_DIRECT each wait for the disk's completion
interrupt (a hard IRQ, then the block softirq); where the directory cannot
do O_DIRECT (a tmpfs in the kernel lane's guests), lines written to the
console make the serial port's interrupts instead."""
import collections
import mmap
import os
import re
import time

import pk


def _table(path, hardirqs):
    """/proc/interrupts' handlers (not the architecture's own vectors, LOC
    and the like, which no handler runs) or /proc/softirqs' kinds: {name:
    total over the CPUs}."""
    out = {}
    with open(path) as f:
        ncpu = len(f.readline().split())
        for line in f:
            fields = line.split()
            label = fields[0].rstrip(":")
            counts = [int(x) for x in fields[1:1 + ncpu] if x.isdigit()]
            rest = fields[1 + ncpu:]
            if label.isdigit() and hardirqs:
                # the handler's name is the last column; shared lines
                # ("a, b") count both handlers together: left out
                if not rest or "," in line.split(None, 1 + ncpu + 2)[-1]:
                    continue
                out[rest[-1]] = sum(counts)
            elif not hardirqs:
                out[label.lower()] = sum(counts)
    return out


def interrupts():
    return _table("/proc/interrupts", True)


def softirqs():
    return _table("/proc/softirqs", False)


def cause(n=200):
    """Causes at least @n interrupts of one kind; returns how (for messages)."""
    # the build tree: the tests' /tmp is a tmpfs. A block device's file
    # system has a device major other than 0 (tmpfs and the like: no disk)
    path = os.path.join(pk.BUILD, "tests", f"irqload-{os.getpid()}")
    if os.major(os.stat(os.path.dirname(path)).st_dev) != 0:
        with open(path, "wb") as f:
            f.write(os.urandom(1 << 20))
            f.flush()
            os.fsync(f.fileno())
        fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
        buf = mmap.mmap(-1, 4096)
        try:
            # O_DIRECT: each read reaches the disk, past the page cache
            for i in range(n):
                os.preadv(fd, [buf], (i % 256) * 4096)
        finally:
            os.close(fd)
            os.unlink(path)
        return "O_DIRECT reads"
    with open("/dev/console", "w") as con:
        for i in range(n):
            con.write(f"irq test line {i}\n")
            con.flush()
    return "console lines"


def churn(seconds=1.0):
    """A second of files made and removed, with short sleeps between: RCU
    callbacks (freed files) and timers, whose softirqs run even in the
    kernel lane's quiet guests."""
    d = pk.tempdir("pk-churn")
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        path = os.path.join(d, f"f{i % 64}")
        with open(path, "w") as f:
            f.write("x")
        os.unlink(path)
        i += 1
        if i % 50 == 0:
            time.sleep(0.005)


def bracket(before, inner_a, inner_b, after):
    """{name: (lowest, highest)} a tool's count over the window may be."""
    return {k: (inner_b.get(k, 0) - inner_a.get(k, 0), after[k] - before.get(k, 0))
            for k in after}


TRACEFS = "/sys/kernel/tracing"


class EventRecord:
    """The kernel's own record of a trace event: an ftrace instance of the
    test's own recording @event ("category/name") between start() and
    stop(), counted by the key @key_of(line) gives (the pid of the task it
    fired in unless told)."""

    def __init__(self, tag, event, key_of=None):
        self.dir = os.path.join(TRACEFS, "instances", f"pk-{tag}-{os.getpid()}")
        self.event = event
        name = event.split("/")[1]
        self.key_of = key_of or (lambda line: _pid_of(line, name))
        os.mkdir(self.dir)
        self._write("buffer_size_kb", "8192")
        self._write(f"events/{event}/enable", "1")

    def _write(self, name, value):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(value)

    def start(self):
        self._write("tracing_on", "1")

    def stop(self):
        self._write("tracing_on", "0")
        runs = collections.Counter()
        with open(os.path.join(self.dir, "trace")) as f:
            for line in f:
                key = self.key_of(line)
                if key is not None:
                    runs[key] += 1
        lost = 0
        for cpu in os.listdir(os.path.join(self.dir, "per_cpu")):
            with open(os.path.join(self.dir, "per_cpu", cpu, "stats")) as f:
                lost += sum(int(l.split()[-1]) for l in f if l.startswith("overrun"))
        assert lost == 0, f"ftrace lost {lost} events"
        return runs

    def close(self):
        self._write(f"events/{self.event}/enable", "0")
        os.rmdir(self.dir)


def _pid_of(line, name):
    m = re.search(r"-(\d+)\s+\[\d+\].* %s:" % name, line)
    return int(m.group(1)) if m else None


def _handler_of(line):
    m = re.search(r"irq_handler_entry: irq=\d+ name=(\S+)", line)
    return m.group(1) if m else None


def handler_runs(tag):
    """The kernel's own count of hard interrupt handler runs, by name
    (irq:irq_handler_entry). /proc/interrupts counts interrupts arriving:
    an edge interrupt that arrives while its handler runs is handled by the
    same run."""
    return EventRecord(tag, "irq/irq_handler_entry", _handler_of)


def lowest(n):
    """The fewest runs of a handler a tool may see of @n in its window.
    On the shared development VM (6.18, other tools' BPF programs loaded
    and running at the same time) the kernel ran programs on the irq
    tracepoints fewer times than ftrace recorded the events: 203 of 206
    by the program's own run_cnt on a quiet machine, up to a fifth fewer
    under the other tests' load, in hard and soft interrupt context alike,
    with no recursion misses reported. Half is allowed; the upper bound
    (what the kernel recorded over the whole run) is exact."""
    return n // 2
