#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""pty_run.py OUT -- CMD ARG...: runs CMD with stdin, stdout and stderr on a new pseudo-terminal
(80x24), writes every byte the terminal received to OUT, prints the child's peak RSS in KiB on
stdout and exits with the child's exit status (128+N for a signal)."""
import fcntl, os, pty, resource, struct, sys, termios

out_path, sep, *cmd = sys.argv[1:]
assert sep == "--" and cmd
pid, master = pty.fork()
if pid == 0:
    fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    os.execvp(cmd[0], cmd)
data = bytearray()
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:  # EIO: the child side is closed
        break
    if not chunk:
        break
    data += chunk
_, status = os.waitpid(pid, 0)
open(out_path, "wb").write(data)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
