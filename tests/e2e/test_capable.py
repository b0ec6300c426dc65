"""capable: cap_capable() by fentry or kprobe where the kernel has them (the
kernel lane): a workload run as root that lowers its nice value three times
(-1, -2, -3: each a CAP_SYS_NICE check, its own count) shows three such
checks. Where the kernel has neither, one line says why and the exit is 1,
with nothing left attached. -x: bcc's TID and INSETID columns (1 for the
CAP_SETUID checks of setuid(), 0 for the others); --unique: each check
once per process, capability and stack."""
import subprocess

import pk
from test_funclatency import attached_or_refused
from test_syscount import go_and_done

NICER = ("import os, sys\nsys.stdin.readline()\n"
         "for n in (-1, -2, -3):\n    os.setpriority(os.PRIO_PROCESS, 0, n)\n"
         "print('done', flush=True)\nsys.stdin.readline()\n")
# as NICER, then setuid(0) twice (root: each a CAP_SETUID check from a set*id() call)
SETTER = NICER.replace("print('done'", "os.setuid(0)\nos.setuid(0)\nprint('done'")


def traced(*args):
    """The checks of SETTER, with the tool's @args; None where it cannot run."""
    child = pk.Proc(["python3", "-c", SETTER], stdin=subprocess.PIPE)
    tool = attached_or_refused("capable", "-p", str(child.pid), *args)
    if not tool:
        child.p.stdin.close()
        child.wait()
        return None, child
    go_and_done(child)
    assert tool.stop() == 0, tool.err
    child.p.stdin.close()
    child.wait()
    return tool, child


def test_nice_checks_or_why_not():
    pk.need_bpf()
    child = pk.Proc(["python3", "-c", NICER], stdin=subprocess.PIPE)
    tool = attached_or_refused("capable", "-p", str(child.pid), "--json")
    if not tool:
        child.p.stdin.close()
        child.wait()
        return
    go_and_done(child)
    assert tool.stop() == 0, tool.err
    child.p.stdin.close()
    child.wait()
    events = [o["event"] for o in pk.json_lines(tool.out)]
    nice = [e for e in events if e["name"] == "CAP_SYS_NICE"]
    assert len(nice) == 3 and all(e["cap"] == 23 and e["audit"] == 1 and
                                  e["pid"] == child.pid for e in nice), events


def test_extra_and_unique_or_why_not():
    pk.need_bpf()
    tool, child = traced("-x", "--json")
    if not tool:
        return
    events = [o["event"] for o in pk.json_lines(tool.out)]
    nice = [e for e in events if e["name"] == "CAP_SYS_NICE"]
    setuid = [e for e in events if e["name"] == "CAP_SETUID"]
    assert len(nice) == 3 and len(setuid) == 2, events
    assert all(e["pid"] == e["tid"] == child.pid for e in nice + setuid), events
    assert [e["insetid"] for e in nice + setuid] == [0, 0, 0, 1, 1], events
    tool, child = traced("-x")
    assert tool.out[0].split() == ["TIME", "UID", "PID", "TID", "COMM", "CAP", "NAME", "AUDIT",
                                   "INSETID"], tool.out
    rows = [l.split() for l in tool.out[1:] if "CAP_SETUID" in l]
    assert len(rows) == 2 and all(r[2] == r[3] == str(child.pid) and r[8] == "1"
                                  for r in rows), tool.out
    # --unique: bcc's repeat is the same process, capability and stacks
    tool, child = traced("--unique", "--json")
    names = [o["event"]["name"] for o in pk.json_lines(tool.out)]
    assert names.count("CAP_SYS_NICE") == 1 and names.count("CAP_SETUID") == 1, names
