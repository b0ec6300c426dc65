"""probekit run as bcc's profile: perf_event CPU-clock samples of two
processes of a uid the test owns, spinning in clock_gettime() (the vDSO,
user mode). A user-mode sample has no kernel stack (-EFAULT): that is no
"[Missed Kernel Stack]" leaf, in folded lines or in the SVG; vDSO frames
are named; the two processes' equal stacks fold into one line each."""
import os
import subprocess
import tempfile
import time

import pk
from test_run import prebuilt, start, PROGS

PROFILE = os.path.join(PROGS, "profile.bpf.c")


def profiled(*args):
    uid = 49000 + os.getpid() % 15000
    tool = start(f"--set=target_uid={uid}", "-F", "199", *args, prebuilt(PROFILE))
    spinners = [subprocess.Popen(["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}",
                                  "--clear-groups", pk.helper_path("clockspin"), "1"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                for _ in range(2)]
    try:
        for s in spinners:
            assert s.stdout.readline().startswith("ready "), "clockspin did not start"
        for s in spinners:
            assert s.stdout.readline() == "spun\n", "clockspin did not spin"
        # symbolized while the spinners live (their maps are read at the print)
        assert tool.stop() == 0, tool.err
    finally:
        for s in spinners:
            s.stdin.close()
            s.wait(10)
    return tool.out


def test_folded_user_mode_samples_have_no_false_leaf_and_merge():
    pk.need_bpf()
    out = profiled("--folded")
    lines = [l.rsplit(" ", 1) for l in out]
    assert lines and all(c.isdigit() for _, c in lines), out
    stacks = [s for s, _ in lines]
    assert not any("Missed Kernel Stack" in s for s in stacks), out
    # the two pids' equal stacks are one line
    assert len(stacks) == len(set(stacks)), out
    spun = [s for s in stacks if s.startswith("clockspin;")]
    # 2 s of CPU at 199 Hz, less what a busy machine takes
    assert sum(int(c) for s, c in lines if s in spun) >= 20, out
    # the vDSO's frames are named: the exported name or [vdso], never [unknown]
    vdso = [s for s in spun if "clock_gettime;" in s]
    assert vdso, out
    assert not any(s.split("clock_gettime;", 1)[1].startswith("[unknown]") for s in vdso), out
    assert any(s.endswith("clock_gettime;[vdso]") or s.endswith("clock_gettime;clock_gettime")
               for s in vdso), out


def test_svg_of_user_mode_samples_has_no_false_leaf():
    pk.need_bpf()
    d = tempfile.mkdtemp(prefix="pk-profile-")
    svg = os.path.join(d, "profile.svg")
    try:
        profiled("--svg", svg)
        with open(svg) as f:
            text = f.read()
        assert "clockspin" in text and "<svg" in text, text[:200]
        assert "Missed Kernel Stack" not in text
    finally:
        if os.path.exists(svg):
            os.unlink(svg)
        os.rmdir(d)


def test_text_of_user_mode_samples_has_no_false_leaf():
    """bcc's profile prints nothing for the kernel stack of a user-mode
    sample (-EFAULT); the text form prints the user stack alone."""
    pk.need_bpf()
    out = profiled()
    text = "\n".join(out)
    assert "clockspin" in text, text
    assert "Missed Kernel Stack" not in text, text
