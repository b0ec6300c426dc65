"""The test runner itself (tests/run.py), run on fake test modules: a test
past its time limit fails, named, its processes are killed and the suite
goes on; a test's own limit (@pk.timeout) holds; what a test leaves in the
temporary directory fails the run, named; a missing precondition other than
BPF skips under PROBEKIT_REQUIRE_BPF=1. And the 32-bit probe on a program
the kernel cannot execute."""
import os
import re
import subprocess
import sys
import time

import pk

RUN_PY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "run.py")

FAKE = '''
import os, subprocess, tempfile, time
import pk

def test_a_sleeps():
    child = subprocess.Popen(["sleep", "1000"])
    with open(os.path.join(os.environ["FAKE_OUT"], "sleeper"), "w") as f:
        f.write(str(child.pid))
    try:
        time.sleep(1000)
    except Exception:
        pass  # a test that catches everything cannot keep the timeout from it

@pk.timeout(8)
def test_b_takes_its_own_time():
    time.sleep(2.5)

def test_c_leaves_a_directory():
    tempfile.mkdtemp(prefix="pk-leaky-")

def test_d_cleans_up():
    d = pk.tempdir("pk-tidy-")
    open(os.path.join(d, "x"), "w").close()

def test_e_needs_something_absent():
    raise pk.Skip("no such precondition here")

def test_f_fails():
    assert 1 == 2, "one is not two"
'''


def run_fake(source, *args, env=None):
    d = pk.tempdir("pk-fake-tests-")
    tests, out, tmp = (os.path.join(d, x) for x in ("tests", "out", "tmp"))
    for x in (tests, out, tmp):
        os.mkdir(x)
    with open(os.path.join(tests, "test_fake.py"), "w") as f:
        f.write(source)
    env = dict(env or os.environ, FAKE_OUT=out, PK_TIMEOUT_SCALE="1")
    r = subprocess.run([sys.executable, RUN_PY, "--e2e-only", "--tests-dir", tests,
                        "--tmp", tmp, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, env=env, timeout=60)
    return r, out, tmp


@pk.timeout(90)
def test_timeout_fails_the_test_kills_its_processes_and_goes_on():
    start = time.monotonic()
    r, out, tmp = run_fake(FAKE, "--timeout", "2", env=dict(os.environ, PROBEKIT_REQUIRE_BPF="1"))
    lines = r.stdout.splitlines()
    took = time.monotonic() - start
    assert r.returncode == 1, r.stdout
    # the sleeping test failed on its limit, named, and its child was killed
    line = next((l for l in lines if l.startswith("FAIL fake/a_sleeps")), None)
    assert line and re.match(r"FAIL fake/a_sleeps: timed out after 2s; killed its processes "
                             r"\[\d+", line), r.stdout
    with open(os.path.join(out, "sleeper")) as f:
        sleeper = int(f.read())
    assert str(sleeper) in line, line
    assert not os.path.exists(f"/proc/{sleeper}") or open(f"/proc/{sleeper}/stat").read().split(
        ")")[1].split()[0] == "Z", f"the timed-out test's child {sleeper} still runs"
    # the next ones ran: one with a longer limit of its own passed
    assert any(re.match(r"PASS fake/b_takes_its_own_time \(2\.\d+s\)", l) for l in lines), r.stdout
    assert "PASS fake/d_cleans_up" in r.stdout, r.stdout
    # a precondition other than BPF missing: a skip, PROBEKIT_REQUIRE_BPF=1 or not
    assert "SKIP fake/e_needs_something_absent: no such precondition here" in lines, r.stdout
    assert any(l.startswith("FAIL fake/f_fails: AssertionError: one is not two") for l in lines)
    # the directory test_c left: named, a failure, and removed
    leak = next((l for l in lines if l.startswith("FAIL tmp: ")), None)
    assert leak and "pk-leaky-" in leak and "pk-tidy-" not in leak, r.stdout
    # test_c passes; the run fails on its leftover
    assert lines[-2:] == ["WARNING: 1 skipped (their reasons above); PROBEKIT_REQUIRE_BPF=1 "
                          "makes a missing BPF a failure", "3 passed, 3 failed"], lines[-2:]
    assert os.listdir(tmp) == [], os.listdir(tmp)
    assert took < 40, f"the run took {took:.0f}s"


FLAKY_FAKE = '''
import os
import pk

def test_a_fails_once():
    mark = os.path.join(os.environ["FAKE_OUT"], "ran")
    first = not os.path.exists(mark)
    open(mark, "a").close()
    assert not first, "first run"

def test_b_always_fails():
    assert False, "every run"

def test_c_skips():
    raise pk.Skip("nothing here")

def test_d_skips_too():
    raise pk.Skip("nothing here")
'''


def test_retry_names_the_flaky_and_fails_the_failing():
    r, _, _ = run_fake(FLAKY_FAKE, "--retry", "1", "--skips-by-reason")
    lines = r.stdout.splitlines()
    assert r.returncode == 1, r.stdout
    assert [l.split(":")[0].split(" (")[0] for l in lines
            if l.startswith(("FLAKY", "FAIL", "PASS"))] == [
        "FLAKY fake/a_fails_once", "PASS fake/a_fails_once",
        "FLAKY fake/b_always_fails", "FAIL fake/b_always_fails"], r.stdout
    assert "SKIP x2: nothing here" in lines and not any(
        l.startswith("SKIP fake/") for l in lines), r.stdout
    assert "WARNING: 1 passed only when run again: fake/a_fails_once" in lines, r.stdout
    assert lines[-2].startswith("WARNING: 2 skipped (counted by reason above); "), r.stdout
    assert lines[-1] == "1 passed, 1 failed", r.stdout


def test_without_retry_a_failure_fails_at_once():
    r, _, _ = run_fake(FLAKY_FAKE)
    assert r.returncode == 1, r.stdout
    assert "FLAKY" not in r.stdout and "SKIP fake/c_skips: nothing here" in r.stdout, r.stdout
    assert r.stdout.splitlines()[-1] == "0 passed, 2 failed", r.stdout


def test_a_clean_run_passes():
    r, _, tmp = run_fake("import pk\n\ndef test_ok():\n    pk.tempdir('pk-x-')\n")
    assert r.returncode == 0 and r.stdout.splitlines()[-1] == "1 passed, 0 failed", r.stdout
    assert os.listdir(tmp) == []


def test_32bit_probe_on_a_program_the_kernel_cannot_execute():
    """What a kernel without IA32 emulation (ia32_emulation=0) does with the
    i386 helper: execve() fails with ENOEXEC. A file of bytes no binary
    format takes does the same here. The probe gives the reason."""
    d = pk.tempdir("pk-noexec-")
    path = os.path.join(d, "compat32")
    with open(path, "wb") as f:
        f.write(b"\x7fELF\x01\x01\x01" + b"\0" * 57)  # an ELF header no loader takes
    os.chmod(path, 0o755)
    why = pk.probe_32bit(path)
    assert why and "does not execute 32-bit programs" in why and "Exec format error" in why, why
    # the build's stand-in when no compiler makes 32-bit code
    with open(path, "w") as f:
        f.write("#!/bin/sh\nexit 77\n")
    assert "no -m32 compiler" in pk.probe_32bit(path)
    with open(path, "w") as f:
        f.write("#!/bin/sh\nkill -SEGV $$\n")
    assert "killed by SIGSEGV" in pk.probe_32bit(path)
