#!/bin/sh
# SPDX-License-Identifier: ISC
# tty.sh: the passphrase prompt on a real terminal (a tmux pane): keygen asks twice without
# echo, a mismatch or an empty passphrase makes no key, create asks once and refuses a wrong
# passphrase, and the terminal has its echo back afterwards. Each encrypted key use costs about 3 s (scrypt, 1 GiB).
set -eu
. "$(dirname "$0")/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    fail "tmux is not installed (needed for the terminal tests; scripts/install-deps.sh has it)"
fi
cd "$T"
mkdir docs
printf 'typed at a terminal\n' >docs/a.txt
SOCK=
trap '[ -z "$SOCK" ] || tmux -L "$SOCK" kill-server 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT

# Runs a shell command line in a new 100x20 pane, with a tmux server of its own (reusing one
# right after kill-server races with its exit); its exit status goes to NAME.rc and its
# terminal settings afterwards to NAME.stty.
run_in_pane()
{
    [ -z "$SOCK" ] || tmux -L "$SOCK" kill-server 2>/dev/null || true
    SOCK=quire-tty-$$-$1
    rm -f "$1.rc" "$1.stty"
    tmux -L "$SOCK" new-session -d -x 100 -y 20 \
        "cd '$T' && $2; echo \$? >'$1.rc'; stty -a >'$1.stty'; sleep 60"
}

# Waits up to 30 s for TEXT to end the last line of the pane with text (capture-pane drops
# trailing spaces).
wait_for_prompt()
{
    i=0
    while [ $i -lt 300 ]; do
        if tmux -L "$SOCK" capture-pane -p | grep -v '^$' | tail -n 1 | grep -qF "$1"; then
            ASSERTS=$((ASSERTS + 1))
            return 0
        fi
        sleep 0.1
        i=$((i + 1))
    done
    tmux -L "$SOCK" capture-pane -p >&2
    fail "no prompt '$1' on the terminal after 30 s"
}

type_line()
{
    tmux -L "$SOCK" send-keys -l "$1"
    tmux -L "$SOCK" send-keys Enter
}

# Waits up to 60 s for NAME.rc and checks it holds the expected exit status.
expect_pane_exit()
{
    i=0
    while [ ! -s "$2.rc" ] && [ $i -lt 600 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    tmux -L "$SOCK" capture-pane -p >"$2.screen"
    got=$(cat "$2.rc" 2>/dev/null || echo none)
    [ "$got" = "$1" ] || { cat "$2.screen" >&2; fail "$2: exit status $got, expected $1"; }
    ok
}

# keygen: two prompts, nothing typed is echoed, the key is encrypted, echo is back after.
run_in_pane kg "'$PACK' keygen -o tty"
wait_for_prompt "passphrase:"
type_line "tty secret 42"
wait_for_prompt "passphrase (again):"
type_line "tty secret 42"
expect_pane_exit 0 kg
expect_true "the typed passphrase was echoed" sh -c '! grep -q "tty secret" kg.screen'
expect_true "tty.key is not an encrypted minisign key" \
    grep -qx "untrusted comment: minisign encrypted secret key" tty.key
expect_mode tty.key 600
expect_true "echo is not restored after keygen's prompt" grep -qE '(^| )echo( |$)' kg.stty
expect_true "no 'deriving a key' line while scrypt runs" \
    grep -q "deriving a key from the passphrase..." kg.screen

# keygen with an empty passphrase: refused at the first prompt, no key files at all.
run_in_pane em "'$PACK' keygen -o empty"
wait_for_prompt "passphrase:"
type_line ""
expect_pane_exit 2 em
expect_true "no message that the passphrase is empty" \
    grep -q "quire-pack: the passphrase is empty (-W makes a key without one)" em.screen
expect_true "keygen asked again after an empty passphrase" sh -c '! grep -q "again" em.screen'
expect_absent empty.key
expect_absent empty.pub

# keygen with two different passphrases: no key files at all.
run_in_pane mm "'$PACK' keygen -o other"
wait_for_prompt "passphrase:"
type_line "one"
wait_for_prompt "passphrase (again):"
type_line "two"
expect_pane_exit 2 mm
expect_true "no message that the passphrases differ" grep -q "the passphrases differ" mm.screen
expect_absent other.key
expect_absent other.pub

# create: one prompt; a wrong passphrase is refused and leaves no bundle.
run_in_pane bad "'$PACK' create -q -k tty.key -o tty.quire docs"
wait_for_prompt "passphrase:"
type_line "tty secret 43"
expect_pane_exit 2 bad
expect_true "no 'wrong passphrase' message" grep -q "quire-pack: tty.key: secret key: wrong passphrase" bad.screen
expect_true "the typed passphrase was echoed" sh -c '! grep -q "tty secret" bad.screen'
expect_true "echo is not restored after a refused passphrase" grep -qE '(^| )echo( |$)' bad.stty
expect_absent tty.quire

run_in_pane good "'$PACK' create -q -k tty.key -o tty.quire docs"
wait_for_prompt "passphrase:"
type_line "tty secret 42"
expect_pane_exit 0 good
expect_exit 0 "$READ" verify -q -p tty.pub tty.quire
expect_exit 0 "$READ" show -p tty.pub tty.quire docs/a.txt
expect_stdout_file docs/a.txt

done_ok
