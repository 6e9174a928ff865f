#!/bin/sh
# SPDX-License-Identifier: ISC
# readme.sh: README's "Using it" walkthrough, run command by command as a new user would: every
# indented command line of that section, in order, from a directory where fixtures/ is the
# clone's, with both programs on PATH and a fresh HOME. Passphrase prompts are answered on a
# pseudo-terminal. Each command must exit 0; diff may exit 3 (README: "3 when anything
# differs"). Then a few outcomes are checked: the files the walkthrough says it makes.
set -eu
. "$(dirname "$0")/lib.sh"

BIN=$T/bin
mkdir "$BIN"
ln -s "$PACK" "$BIN/quire-pack"
ln -s "$READ" "$BIN/quire-read"
ln -s "$SRC/fixtures" "$T/fixtures"
cd "$T"
PATH=$BIN:$PATH LC_ALL=C.UTF-8 python3 - "$SRC/README.md" <<'PYEOF' || fail "the README walkthrough failed"
import os, pty, re, sys

text = open(sys.argv[1], encoding="utf-8").read()
section = text[text.index("\n## Using it\n"):text.index("\n### Exit status")]
commands, cur = [], ""
for line in section.split("\n"):
    if not line.startswith("    "):
        continue
    cur += line[4:]
    if cur.endswith("\\"):
        cur = cur[:-1] + " "
        continue
    commands.append(cur)
    cur = ""
assert len(commands) >= 20, "too few commands found in README: %d" % len(commands)

cwd = os.getcwd()
for cmd in commands:
    # cd cannot run in a child shell: the walkthrough's own cd changes this process's directory.
    m = re.fullmatch(r"cd (\S+)", cmd.strip())
    if m:
        os.chdir(m.group(1))
        continue
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("sh", ["sh", "-c", cmd])
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
        # A passphrase prompt (keygen asks twice, create once) is answered as a person would.
        if re.search(rb"passphrase[^\n]*: $", out):
            os.write(fd, b"correct horse battery staple\n")
            out += b"\n"
    _, status = os.waitpid(pid, 0)
    rc = os.waitstatus_to_exitcode(status)
    allowed = {0, 3} if " diff " in cmd else {0}
    if rc not in allowed:
        sys.exit("README command exited %d: %s\n%s" % (rc, cmd, out.decode(errors="replace")[-2000:]))
    print("ok %d  %s" % (rc, cmd))
PYEOF
ok
W=$T/walkthrough
for f in publisher.pub dossier.quire dossier-2.quire out.zip out.tar.zst 003.receipt \
    out/docs/003_42fea03c7bbd7071.txt out/some/docs/004_baefcaea187811c8.txt; do
    expect_file "$W/$f"
done
expect_absent "$W/out/some/docs/000_7ca1ca3d8efec858.txt"
expect_same "$W/out/docs/003_42fea03c7bbd7071.txt" "$FIX/docs/003_42fea03c7bbd7071.txt"
expect_mode "$HOME/keys/publisher.key" 600
done_ok
