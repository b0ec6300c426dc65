"""threadsnoop: a workload that creates 3 threads starting in worker_one()
and 2 in worker_two() (its own count), one record each, in order, with the
start function by name."""
import subprocess

import pk


def traced(*args):
    child = pk.Proc([pk.helper_path("threader")], stdin=subprocess.PIPE)
    pid = int(child.wait_for(lambda l: l.startswith("ready ")).split()[1])
    tool = pk.start_tool("threadsnoop", "-p", str(pid), "-v", *args, ready="verbose")
    held = pk.bpf_objects(tool.pid)
    child.p.stdin.write(b"go\n")
    child.p.stdin.flush()
    child.wait_for(lambda l: l == "done", what="done line")
    # the records print as they come, while the process (and its symbols) lives
    tool.wait_for(lambda l: len([x for x in tool.out if "worker_" in x]) >= 5, what="5 records")
    assert tool.stop() == 0, tool.err
    child.p.stdin.close()
    assert child.wait() == 0, child.err
    pk.assert_released(held)
    return pid, tool


def test_json_records_name_the_start_functions():
    pk.need_bpf()
    pid, tool = traced("--json")
    objs = pk.json_lines(tool.out)
    assert [o["named"]["func"] for o in objs] == ["worker_one"] * 3 + ["worker_two"] * 2, objs
    assert all(o["event"]["pid"] == pid and o["event"]["comm"] == "threader" for o in objs)


def test_text_columns():
    pk.need_bpf()
    pid, tool = traced()
    assert tool.out[0].split() == ["TIME(s)", "PID", "COMM", "FUNC"], tool.out
    rows = [l.split() for l in tool.out[1:]]
    assert [r[1:] for r in rows] == [[str(pid), "threader", "worker_one"]] * 3 + \
        [[str(pid), "threader", "worker_two"]] * 2, rows
