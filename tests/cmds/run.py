#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# run.py: the random signed-bundle harness (issue 11). quire-cmds-gen writes, for each seed,
# two validly signed bundles whose metadata, paths, trusted comments and documents are hostile;
# this script runs every text command of quire-read on them, once with stdout and stderr on
# pipes and once on pseudo-terminals, and fails on:
#   - a crash (a signal) or a sanitizer report, or an exit status outside {0, 1, 2, 3};
#   - an exit status the command must not give for a valid bundle signed by a trusted key
#     (verify, info, list, show, cite, receipt, check-receipt: 0; diff: 0 or 3; quote, search: 0, 1 or 3; show on a
#     terminal may also refuse a binary document: exit 2 with that said and nothing on stdout;
#     quote may say that a document's text cannot be read, a PDF's: exit 2, "cannot quote: ");
#   - invalid JSON from a --json command or cite --format csl-json;
#   - a receipt (made beforehand with receipt -o) that check-receipt does not accept;
#   - show to a pipe that does not write exactly the document's bytes;
#   - any raw control in stdout or stderr (stdout of show to a pipe excepted, which is the
#     document itself): C0 but newline and tab, DEL, C1 as UTF-8 (U+0080-U+009F), bytes that
#     are not valid shortest-form UTF-8 (raw 0x80-0x9F included), the bidirectional controls
#     U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069 and the invisible ones that
#     cli/cli_escape.h escapes too (U+200B-U+200D, U+2028, U+2029, U+2060-U+2065, U+FEFF).
# Every failure is reported once per (command, output, kind) with the first seed that shows it
# and a command that reproduces it. Deterministic: the same seeds give the same bundles.
#
# usage: run.py GEN READ SRC [--count N] [--seed S] [--only TEXT] [--keep DIR] [-v]
# QUIRE_CMDS_ITERATIONS and QUIRE_CMDS_SEED override --count and --seed.
import argparse
import hashlib
import json
import os
import pty
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import termios
import time
import unicodedata

BIDI = {0x061C, 0x200E, 0x200F} | set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))
# Format characters (Cf) and the rest of Default_Ignorable_Code_Point, as cli/cli_escape.c.
INVISIBLE = {cp for cp in range(0x110000) if unicodedata.category(chr(cp)) == "Cf"} - BIDI
for _a, _b in [(0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
               (0x2028, 0x2029), (0x2065, 0x2065), (0x3164, 0x3164), (0xFE00, 0xFE0F),
               (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0xE0000, 0xE0FFF)]:
    INVISIBLE |= set(range(_a, _b + 1))
TIMEOUT = 60
SANITIZER_MARKS = (b"ERROR: AddressSanitizer", b"ERROR: LeakSanitizer", b"runtime error:",
                   b"ERROR: UndefinedBehaviorSanitizer")


def utf8_len(b, i):
    """Length of the valid shortest-form UTF-8 sequence at b[i], or 0."""
    c = b[i]
    n = 2 if 0xC2 <= c <= 0xDF else 3 if 0xE0 <= c <= 0xEF else 4 if 0xF0 <= c <= 0xF4 else 0
    if n == 0 or i + n > len(b):
        return 0
    try:
        b[i:i + n].decode("utf-8", "strict")  # rejects overlong forms, surrogates, > U+10FFFF
    except UnicodeDecodeError:
        return 0
    return n


def violations(b):
    """The raw controls in b, as (offset, description), in order."""
    out = []
    i = 0
    while i < len(b):
        c = b[i]
        if c < 0x80:
            if (c < 0x20 and c not in (0x09, 0x0A)) or c == 0x7F:
                out.append((i, "raw %s 0x%02x" % ("DEL" if c == 0x7F else "C0", c)))
            i += 1
            continue
        n = utf8_len(b, i)
        if n == 0:
            out.append((i, "%s 0x%02x" % ("raw 8-bit C1 byte" if 0x80 <= c <= 0x9F
                                          else "invalid UTF-8 byte", c)))
            i += 1
            continue
        cp = ord(b[i:i + n].decode("utf-8"))
        if 0x80 <= cp <= 0x9F:
            out.append((i, "C1 U+%04X as UTF-8" % cp))
        elif cp in BIDI:
            out.append((i, "bidi control U+%04X" % cp))
        elif cp in INVISIBLE:
            out.append((i, "invisible control U+%04X" % cp))
        i += n
    return out


def shell_word(x):
    """A bash word for bytes x: plain when safe, else $'...' with escapes."""
    if isinstance(x, str):
        x = x.encode()
    if x and all(chr(c).isalnum() or chr(c) in "-_./=:,+@%" for c in x):
        return x.decode()
    s = "".join(chr(c) if 0x20 <= c < 0x7F and chr(c) not in "'\\" else "\\x%02x" % c for c in x)
    return "$'" + s + "'"


def raw_tty(fd):
    """No output processing (a newline stays one byte), no echo."""
    a = termios.tcgetattr(fd)
    a[1] &= ~termios.OPOST
    a[3] &= ~(termios.ECHO | termios.ICANON)
    termios.tcsetattr(fd, termios.TCSANOW, a)


def run_tty(argv, env):
    """Runs argv with stdout and stderr each on a pseudo-terminal of its own (window 0x0, so
    quire-read does not start a pager). Returns (status, stdout, stderr)."""
    mo, so = pty.openpty()
    me, se = pty.openpty()
    raw_tty(so)
    raw_tty(se)
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=so, stderr=se, env=env,
                         start_new_session=True)
    os.close(so)
    os.close(se)
    bufs = {mo: bytearray(), me: bytearray()}
    open_fds = [mo, me]
    deadline = time.monotonic() + TIMEOUT
    while open_fds:
        left = deadline - time.monotonic()
        if left <= 0:
            os.killpg(p.pid, signal.SIGKILL)
            break
        ready, _, _ = select.select(open_fds, [], [], min(left, 1.0))
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: every slave descriptor is closed
                data = b""
            if data:
                bufs[fd] += data
            else:
                open_fds.remove(fd)
    try:
        rc = p.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        rc = p.wait()
    os.close(mo)
    os.close(me)
    return rc, bytes(bufs[mo]), bytes(bufs[me])


def run_pipe(argv, env):
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, env=env,
                           timeout=TIMEOUT)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        return "timeout", e.stdout or b"", e.stderr or b""


class Cmd:
    def __init__(self, name, args, expect, is_json=False, sha=None):
        self.name, self.args, self.expect, self.is_json, self.sha = name, args, expect, is_json, sha


def plan_of(d):
    entries, passages, queries = [], {}, []
    with open(os.path.join(d, "plan")) as f:
        for line in f:
            w = line.split()
            if w[0] == "entry":
                entries.append((bytes.fromhex(w[1]), w[2]))
            elif w[0] == "passage":
                passages[bytes.fromhex(w[1])] = bytes.fromhex(w[2]) if len(w) > 2 else b"the"
            elif w[0] == "query":
                queries.append(bytes.fromhex(w[1]) if len(w) > 1 else b"the")
    return entries, passages, queries


def receipt_file(read, d, pub, a, path, n):
    """A receipt for path made with receipt -o, for check-receipt; None if it cannot be made
    (the receipt command's own run then reports why)."""
    f = os.path.join(d, "receipt-%d" % n)
    made = subprocess.run([read, "receipt", "-p", pub, "--force", "-o", f, "--", a, path],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return f if made.returncode == 0 else None


def commands(seed, d, pub, other, read):
    """Every text command on bundle a (and b, for diff), for up to two of a's entries."""
    a, b = os.path.join(d, "a.quire"), os.path.join(d, "b.quire")
    k, u = ["-p", pub], ["--any-signer", "-p", other]
    entries, passages, queries = plan_of(d)
    ok, diff, found = {0}, {0, 3}, {0, 1, 3}
    cs = [Cmd("verify", ["verify"] + k + ["--", a], ok),
          Cmd("verify --json", ["verify"] + k + ["--json", "--", a], ok, True),
          Cmd("info", ["info"] + k + ["--", a], ok),
          Cmd("info --json", ["info"] + k + ["--json", "--", a], ok, True),
          Cmd("list", ["list"] + k + ["--", a], ok),
          Cmd("list -l", ["list"] + k + ["-l", "--", a], ok),
          Cmd("list --json", ["list"] + k + ["--json", "--", a], ok, True)]
    for path, _ in entries:
        cs += [Cmd("info PATH", ["info"] + k + ["--", a, path], ok),
               Cmd("info --json PATH", ["info"] + k + ["--json", "--", a, path], ok, True)]
    picked = random.Random(seed).sample(entries, min(2, len(entries)))
    for path, sha in picked:
        cs.append(Cmd("show", ["show"] + k + ["--", a, path], ok, sha=sha))
        for fmt in ("text", "bibtex", "csl-json"):
            cs.append(Cmd("cite " + fmt, ["cite"] + k + ["--format", fmt, "--", a, path], ok,
                          fmt == "csl-json"))
            cs.append(Cmd("cite --any-signer " + fmt,
                          ["cite"] + u + ["--format", fmt, "--", a, path], ok, fmt == "csl-json"))
        cs += [Cmd("cite --receipt", ["cite"] + k + ["--receipt", "--", a, path], ok),
               Cmd("receipt", ["receipt"] + k + ["--", a, path], ok)]
        r = receipt_file(read, d, pub, a, path, len(cs))
        if r is not None:
            cs += [Cmd("check-receipt", ["check-receipt"] + k + ["--", r], ok),
                   Cmd("check-receipt --json", ["check-receipt"] + k + ["--json", "--", r], ok,
                       True)]
        cs += [Cmd("quote", ["quote"] + k + ["--", a, path, passages[path]], found),
               Cmd("quote --json", ["quote"] + k + ["--json", "--", a, path, passages[path]],
                   found, True)]
    for q in queries:
        cs += [Cmd("search", ["search"] + k + ["--", a, q], found),
               Cmd("search --json", ["search"] + k + ["--json", "--", a, q], found, True)]
    cs += [Cmd("diff", ["diff"] + k + ["--", a, b], diff),
           Cmd("diff --json", ["diff"] + k + ["--json", "--", a, b], diff, True),
           Cmd("diff NEW OLD", ["diff"] + k + ["--", b, a], diff)]
    return cs


def no_constants(x):
    raise ValueError("not JSON: " + x)


def check(c, tty, rc, out, err):
    """The failures of one run, as (kind, detail)."""
    fails = []
    mark = next((m for m in SANITIZER_MARKS if m in err), None)
    if mark is not None or rc in (86, 87):
        line = next((l for l in err.splitlines() if (mark or b"Sanitizer") in l), err[:200])
        fails.append(("sanitizer report", line.decode("utf-8", "replace").strip()))
    elif rc == "timeout":
        fails.append(("hang", "no exit after %d s" % TIMEOUT))
    elif rc < 0:
        fails.append(("crash", "killed by signal %s" % signal.Signals(-rc).name))
    elif rc not in (0, 1, 2, 3):
        fails.append(("bad exit status", "exit %d" % rc))
    elif c.sha is not None and tty and rc == 2 and b"is a binary document" in err:
        if out.strip():
            fails.append(("binary document shown", "stdout: %r" % out[:120]))
    elif c.name.startswith("quote") and rc == 2 and b": cannot quote: " in err:
        if out.strip() and not c.is_json:  # with --json, the error object
            fails.append(("unreadable document quoted", "stdout: %r" % out[:120]))
    elif rc not in c.expect:
        fails.append(("unexpected exit status", "exit %d (expected %s): %s" % (
            rc, sorted(c.expect), err.decode("utf-8", "replace").strip()[:300])))
    if tty:  # the progress meter's own line: carriage return, printable ASCII, erase to end
        err = re.sub(rb"\r[ -~]*\x1b\[K", b"", err)
    streams = [("stderr", err)]
    if tty or c.sha is None:
        streams.append(("stdout", out))
    for what, data in streams:
        v = violations(data)
        for kind in sorted({d.split(" 0x")[0].split(" U+")[0] for _, d in v}):
            first = next((o, d) for o, d in v if d.startswith(kind))
            ctx = data[max(0, first[0] - 30):first[0] + 30]
            fails.append(("%s in %s" % (kind, what),
                          "%s at byte %d of %d, around %r" % (first[1], first[0], len(data), ctx)))
    if c.sha is not None and not tty and rc == 0 and hashlib.sha256(out).hexdigest() != c.sha:
        fails.append(("show to a pipe changed the document", "SHA-256 of stdout differs"))
    if c.is_json and rc in (0, 1, 3) and isinstance(rc, int):
        try:
            json.loads(out, parse_constant=no_constants)
        except (ValueError, UnicodeDecodeError) as e:
            fails.append(("invalid JSON", "%s: %r" % (e, out[:120])))
    return fails


def self_test():
    """The rule itself, so that a harness that checks nothing cannot pass."""
    bad = [b"\x1b[2J", b"\r", b"\x00", b"\x7f", b"\xc2\x9b", b"\x9b", b"\xff", b"\xc0\xaf",
           b"\xed\xa0\x80", b"\xe2\x80", b"\xe2\x80\xae", b"\xe2\x81\xa6", b"\xe2\x80\x8f",
           b"\xd8\x9c", b"\xef\xbb\xbf", b"\xe2\x80\x8b"]
    good = [b"plain\ttext\n", b"caf\xc3\xa9 \xe4\xb8\xad\xf0\x9f\x98\x80", b"\\x1b \\u{202E}",
            b"\xc2\xa0\xef\xbf\xbd"]
    for x in bad:
        assert violations(b"ok " + x + b" ok"), x
    for x in good:
        assert not violations(x), x
    assert check(Cmd("t", [], {0}), True, 0, b"", b"\rverifying 1.0 MiB \x1b[K") == []
    assert check(Cmd("t", [], {0}), True, 0, b"", b"\r\x1b[2J\x1b[K")


def main():
    ap = argparse.ArgumentParser(description="random signed-bundle harness for quire-read")
    ap.add_argument("gen")
    ap.add_argument("read")
    ap.add_argument("src")
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", help="run only the commands whose name contains this")
    ap.add_argument("--keep", help="generate into this directory and keep it")
    ap.add_argument("-v", "--verbose", action="store_true")
    o = ap.parse_args()
    self_test()
    count = int(os.environ.get("QUIRE_CMDS_ITERATIONS") or o.count)
    first = int(os.environ.get("QUIRE_CMDS_SEED") or o.seed)
    work = o.keep or tempfile.mkdtemp(prefix="quire-cmds.")
    os.makedirs(work, exist_ok=True)
    pub = os.path.join(o.src, "fixtures", "keys", "test.pub")
    other = os.path.join(o.src, "tests", "hostile", "keys", "other.pub")
    env = {k: v for k, v in os.environ.items()
           if k not in ("QUIRE_TRUSTED_KEYS", "XDG_CONFIG_HOME", "PAGER", "LESS")}
    env.update(HOME=os.path.join(work, "home"), LC_ALL="C", PAGER="cat",
               ASAN_OPTIONS="exitcode=86:color=never:" + os.environ.get("ASAN_OPTIONS", ""),
               UBSAN_OPTIONS="exitcode=87:print_stacktrace=1:color=never:" + os.environ.get(
                   "UBSAN_OPTIONS", ""))
    os.makedirs(env["HOME"], exist_ok=True)
    t0 = time.monotonic()
    g = subprocess.run([o.gen, os.path.join(o.src, "fixtures", "keys", "test.key"), work,
                        str(first), str(count)])
    if g.returncode != 0:
        print("run.py: quire-cmds-gen failed (exit %d)" % g.returncode, file=sys.stderr)
        return 2
    t_gen = time.monotonic() - t0
    found, runs = {}, 0
    for seed in range(first, first + count):
        d = os.path.join(work, str(seed))
        for c in commands(seed, d, pub, other, o.read):
            if o.only and o.only not in c.name:
                continue
            argv = [o.read] + c.args
            for tty in (False, True):
                rc, out, err = (run_tty if tty else run_pipe)(argv, env)
                runs += 1
                if o.verbose:
                    print("seed %d %s %s: exit %s" % (seed, "tty " if tty else "pipe", c.name, rc))
                for kind, detail in check(c, tty, rc, out, err):
                    key = (c.name, kind)
                    if key not in found:
                        found[key] = [seed, detail, argv, 0, set()]
                    found[key][3] += 1
                    found[key][4].add("terminal" if tty else "pipe")
    elapsed = time.monotonic() - t0
    print("cli_cmds_random: seeds %d..%d, %d runs of quire-read in %.1f s (generating %.1f s)"
          % (first, first + count - 1, runs, elapsed, t_gen))
    kinds = {}
    for (name, kind), v in found.items():
        kinds.setdefault(kind, []).append("%s (seed %d)" % (name, v[0]))
    for kind in sorted(kinds):
        print("SUMMARY %s: %s" % (kind, ", ".join(kinds[kind])))
    for (name, kind), (seed, detail, argv, n, modes) in sorted(found.items(),
                                                             key=lambda x: (x[1][0], x[0])):
        print("FAIL %s: %s, output on %s (%d runs; first seed %d)"
              % (name, kind, " and ".join(sorted(modes)), n, seed))
        print("  %s" % detail)
        cmd = " ".join(shell_word(x.encode() if isinstance(x, str) else x) for x in argv)
        print("  reproduce: python3 %s GEN READ SRC --seed %d --count 1 --only %s --keep DIR"
              % (os.path.relpath(__file__, o.src), seed, shell_word(name)))
        print("             %s" % cmd.replace(work, "DIR"))
    if not o.keep:
        shutil.rmtree(work, ignore_errors=True)
    print("cli_cmds_random: %d distinct failures" % len(found))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
