"""Helpers for probekit's end-to-end tests: start a tool, wait until it is
attached, make a child with a known pid do things, read the tool's output,
and check that nothing stays loaded afterwards."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

BUILD = os.environ.get("PK_BUILD", os.path.abspath("build"))
REQUIRE_BPF = os.environ.get("PROBEKIT_REQUIRE_BPF") == "1"
# Slow kernels (the QEMU lane emulates the CPU: BPF loads 5-10x slower)
# stretch every timeout here by this factor.
TIMEOUT_SCALE = float(os.environ.get("PK_TIMEOUT_SCALE", "1"))
# The default time a test may take (tests/run.py), before PK_TIMEOUT_SCALE.
DEFAULT_TIMEOUT = 120
_procs = []
_tempdirs = []
_session_tempdirs = []


class Skip(Exception):
    """A test's precondition is missing here (32-bit execution, Chromium, a
    kernel feature...): the test skips with the reason, also under
    PROBEKIT_REQUIRE_BPF=1, which turns only a missing BPF (need_bpf())
    into a failure."""


def timeout(seconds):
    """Decorator: the test may take @seconds (times PK_TIMEOUT_SCALE) instead
    of DEFAULT_TIMEOUT; tests/run.py fails it, naming it, past that."""
    def mark(fn):
        fn.pk_timeout = seconds
        return fn
    return mark


def tempdir(prefix):
    """A new directory under $TMPDIR, removed when the test ends, pass or
    fail (tests/run.py calls cleanup())."""
    d = tempfile.mkdtemp(prefix=prefix)
    _tempdirs.append(d)
    return d


def session_tempdir(prefix):
    """A directory for the whole run (a cache several tests share), removed
    when the run ends (tests/run.py calls cleanup_session())."""
    d = tempfile.mkdtemp(prefix=prefix)
    _session_tempdirs.append(d)
    return d


def _remove_dirs(dirs):
    while dirs:
        shutil.rmtree(dirs.pop(), ignore_errors=True)


def cleanup():
    """After each test: its processes killed, its tempdir()s removed."""
    cleanup_processes()
    _remove_dirs(_tempdirs)


def cleanup_session():
    cleanup()
    _remove_dirs(_session_tempdirs)


def tool_path(name):
    return os.path.join(BUILD, name)


def helper_path(name):
    return os.path.join(BUILD, "tests", name)


_bpf_reason = None


def need_bpf():
    """Skips the test when BPF cannot be used here, loudly; fails instead
    when PROBEKIT_REQUIRE_BPF=1."""
    global _bpf_reason
    if _bpf_reason is None:
        if os.geteuid() != 0:
            _bpf_reason = "not root: BPF tests need root"
        else:
            r = subprocess.run([tool_path("probekit"), "features", "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            feats = {}
            for line in r.stdout.splitlines():
                try:
                    obj = json.loads(line)
                    feats[obj["feature"]] = obj
                except (ValueError, KeyError):
                    pass
            tp = feats.get("tracepoint")
            _bpf_reason = "" if tp and tp["available"] else \
                f"tracepoints unusable: {tp['reason'] if tp else r.stdout.strip()}"
    if _bpf_reason:
        if REQUIRE_BPF:
            raise AssertionError(f"PROBEKIT_REQUIRE_BPF=1 but {_bpf_reason}")
        raise Skip(_bpf_reason)


_no32_reason = None


def probe_32bit(path):
    """None when the i386 test program at @path runs here, otherwise why it
    cannot. A kernel with IA32 emulation built in may still refuse 32-bit
    programs (ia32_emulation=0, CONFIG_IA32_EMULATION_DEFAULT_DISABLED):
    exec fails with ENOEXEC, which subprocess raises as OSError."""
    try:
        r = subprocess.run([path], input=b"x", stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=10 * TIMEOUT_SCALE)
    except OSError as e:
        return (f"the kernel does not execute 32-bit programs ({path}: {e.strerror}; "
                "IA32 emulation is off or absent)")
    if r.returncode == 77:
        return "no -m32 compiler at build time: the 32-bit test program is a stand-in"
    if r.returncode < 0:
        return (f"the 32-bit test program was killed by "
                f"{signal.Signals(-r.returncode).name} (int $0x80 disabled?)")
    if r.returncode != 0:
        return f"the 32-bit test program exited with {r.returncode}: {r.stderr[-200:]!r}"
    return None


def need_32bit():
    """The path of the i386 test program (tests/helpers/compat32.c) when
    32-bit programs run here; a skip with the reason otherwise."""
    global _no32_reason
    if os.uname().machine != "x86_64":
        raise Skip(f"{os.uname().machine}: i386 syscalls exist on x86_64 only")
    path = helper_path("compat32")
    if _no32_reason is None:
        _no32_reason = probe_32bit(path) or ""
    if _no32_reason:
        raise Skip(_no32_reason)
    return path


def need_host_tool(name):
    """The path of a program (or, for "py:MODULE", the module) a test uses
    as an oracle. The kernel lane's guests carry no toolchain and a trimmed
    stdlib (they set PK_EXAMPLES_PREBUILT=1): there the test skips. Anywhere
    else a missing one fails it: scripts/install-deps.sh installs them."""
    import importlib
    import shutil
    found = None
    if name.startswith("py:"):
        try:
            found = importlib.import_module(name[3:])
        except ImportError:
            pass
    else:
        found = shutil.which(name)
    if found is None:
        if os.environ.get("PK_EXAMPLES_PREBUILT") == "1":
            raise Skip(f"{name} is not in the kernel lane's guests")
        raise AssertionError(f"{name} is needed (scripts/install-deps.sh installs it)")
    return found


class Proc:
    """A process whose stdout and stderr lines are collected as they come."""

    def __init__(self, argv, stdin=None, env=None, preexec_fn=None):
        self.argv = argv
        self.p = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env, preexec_fn=preexec_fn)
        self.pid = self.p.pid
        self.out, self.err = [], []
        self.cond = threading.Condition()
        self.threads = [threading.Thread(target=self._read, args=(self.p.stdout, self.out),
                                         daemon=True),
                        threading.Thread(target=self._read, args=(self.p.stderr, self.err),
                                         daemon=True)]
        for t in self.threads:
            t.start()
        _procs.append(self)

    def _read(self, stream, lines):
        for raw in iter(stream.readline, b""):
            with self.cond:
                lines.append(raw.rstrip(b"\n").decode("utf-8", "surrogateescape"))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_for(self, pred, timeout=10, stream="out", what="a matching line"):
        """Returns the first line of stdout (or stderr) that pred accepts."""
        lines = self.out if stream == "out" else self.err
        deadline = time.monotonic() + timeout * TIMEOUT_SCALE
        seen = 0
        with self.cond:
            while True:
                for line in lines[seen:]:
                    if pred(line):
                        return line
                seen = len(lines)
                left = deadline - time.monotonic()
                if left <= 0 or (self.p.poll() is not None and not any(
                        t.is_alive() for t in self.threads)):
                    raise AssertionError(
                        f"{os.path.basename(self.argv[0])}: no {what} within {timeout}s "
                        f"(exit {self.p.poll()}); stdout: {self.out[-8:]!r} "
                        f"stderr: {self.err[-8:]!r}")
                self.cond.wait(min(left, 0.2))

    def stop(self, sig=signal.SIGINT, timeout=10):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        return self.wait(timeout)

    def wait(self, timeout=10):
        try:
            rc = self.p.wait(timeout * TIMEOUT_SCALE)
        except subprocess.TimeoutExpired:
            where = ""
            try:
                with open(f"/proc/{self.pid}/wchan") as f:
                    where = f" (waiting in {f.read() or 'user space'})"
            except OSError:
                pass
            self.p.kill()
            self.p.wait()
            raise AssertionError(f"{self.argv} did not exit within {timeout}s{where}; "
                                 f"stderr: {self.err[-3:]!r}")
        for t in self.threads:
            t.join(5)
        return rc


def cleanup_processes():
    while _procs:
        p = _procs.pop()
        if p.p.poll() is None:
            p.p.kill()
            p.p.wait()


def start_tool(name, *args, ready="header", timeout=20):
    """Starts build/<name> and waits until it is attached: in text mode
    its header is printed after attach; otherwise -v's 'using' line."""
    proc = Proc([tool_path(name), *args])
    if ready == "header":
        proc.wait_for(lambda l: True, timeout, what="header")
    elif ready == "verbose":
        proc.wait_for(lambda l: ": using " in l, timeout, stream="err", what="'using' line")
    return proc


def run(argv, timeout=30, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout * TIMEOUT_SCALE, **kw)


def bpf_objects(pid=None):
    """BPF programs, links and maps as (kind, id). With a pid, only those
    that process holds open (from /proc/PID/fdinfo), so that tests running
    side by side do not see each other; without, everything loaded."""
    ids = set()
    if pid is not None:
        fddir = f"/proc/{pid}/fdinfo"
        for fd in os.listdir(fddir):
            try:
                with open(os.path.join(fddir, fd)) as f:
                    for line in f:
                        key, _, val = line.partition(":")
                        if key in ("prog_id", "link_id", "map_id"):
                            ids.add((key[:-3], int(val)))
            except OSError:
                pass
        return ids
    for kind in ("prog", "link", "map"):
        r = subprocess.run(["bpftool", "-j", kind, "show"], stdout=subprocess.PIPE, text=True)
        try:
            ids.update((kind, obj["id"]) for obj in json.loads(r.stdout or "[]") if "id" in obj)
        except ValueError:
            pass
    return ids


def assert_released(held, what=""):
    """Asserts that none of the objects in held (from bpf_objects(pid)) is
    still loaded: the process that held them detached everything."""
    assert any(k == "link" for k, _ in held), f"the tool held no BPF links while running: {held}"
    deadline = time.monotonic() + 3 * TIMEOUT_SCALE
    while True:
        left = held & bpf_objects()
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not left, f"BPF objects left behind{what}: {sorted(left)}"


def json_lines(lines):
    return [json.loads(l) for l in lines if l.strip()]


def only_loss_reports(stderr, tool):
    """True when stderr holds nothing but lost-event counts: a busy machine
    may overflow the buffer, which the tool must report, not hide."""
    import re
    text = stderr.decode() if isinstance(stderr, bytes) else stderr
    pat = re.compile(rf"{tool}: \d+ events? lost( so far)?")
    return all(pat.fullmatch(l) for l in text.splitlines())


def held_by_live_processes():
    """Every BPF object some process holds open: those are in use (by a
    test running beside this one, say), not leaked."""
    held = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            held |= bpf_objects(int(pid))
        except OSError:
            pass
    return held


def assert_none_left(before, what=""):
    """Nothing loaded since @before may outlive its process: an object that
    no live process holds is leaked, since probekit pins nothing. Objects of
    processes that just exited take a moment to go, hence the retries."""
    deadline = time.monotonic() + 5 * TIMEOUT_SCALE
    while True:
        left = bpf_objects() - before - held_by_live_processes()
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not left, f"left behind {what}: {sorted(left)}"
