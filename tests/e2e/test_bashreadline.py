"""bashreadline: commands typed into an interactive bash on a pty (the
oracle: the lines the test typed, after one to leave the readline() call
bash was in when the tool attached), one record each, in order, from bash's
own readline() and, with -s, from the binary given as a library alone."""
import os
import subprocess
import time

import pk

LINES = ["true pk-first", ": pk-second 'quoted words'", "exit"]


def typed(*args):
    # the kernel lane's guests have BusyBox, no bash: the test skips there
    pk.need_host_tool("bash")
    home = pk.tempdir("pk-bashreadline-")
    master, slave = os.openpty()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "TERM": "dumb",
           "PS1": "$ ", "HISTFILE": "/dev/null"}
    bash = subprocess.Popen(["/bin/bash", "--norc", "--noprofile", "-i"], stdin=slave,
                            stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    try:
        tool = pk.start_tool("bashreadline", "-p", str(bash.pid), "--json", "-v", *args,
                             ready="verbose")
        held = pk.bpf_objects(tool.pid)
        # bash may be inside readline() when the uretprobe comes: that call's
        # return is not seen (a uretprobe takes its hold at the entry)
        for line in ["true pk-warm-up"] + LINES:
            os.write(master, line.encode() + b"\n")
            time.sleep(0.1)
        deadline = time.monotonic() + 10 * pk.TIMEOUT_SCALE
        while bash.poll() is None and time.monotonic() < deadline:
            try:
                os.read(master, 4096)
            except OSError:
                break
        assert bash.wait(timeout=10) == 0
        assert tool.stop() == 0, tool.err
        pk.assert_released(held)
    finally:
        if bash.poll() is None:
            bash.kill()
            bash.wait()
        os.close(master)
    events = [o["event"] for o in pk.json_lines(tool.out)]
    # the warm-up line shows when bash had not yet entered readline() at the attach
    if events and events[0]["command"] == "true pk-warm-up":
        events = events[1:]
    return bash.pid, events


def test_typed_commands_in_order():
    pk.need_bpf()
    pid, events = typed()
    assert [e["command"] for e in events] == LINES, events
    assert all(e["pid"] == pid for e in events), events


def test_shared_library_alone_takes_readline():
    """-s /bin/bash: a binary alone; readline is the symbol, as by default."""
    pk.need_bpf()
    _, events = typed("-s", "/bin/bash")
    assert [e["command"] for e in events] == LINES, events


def test_text_header_as_bcc():
    """bcc's print("%-9s %-7s %s" % ("TIME", "PID", "COMMAND"))."""
    pk.need_bpf()
    # it attaches to /bin/bash: the kernel lane's guests have BusyBox
    pk.need_host_tool("bash")
    r = pk.run([pk.tool_path("bashreadline"), "-d", "0.3"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "%-9s %-7s %s" % ("TIME", "PID", "COMMAND"), r.stdout
