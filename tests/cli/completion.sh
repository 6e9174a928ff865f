#!/bin/sh
# SPDX-License-Identifier: ISC
# The bash completion (completions/quire.bash), called as bash calls it: COMP_WORDS and
# COMP_CWORD set, the function run, COMPREPLY read back. Key files and directories after -p/-k,
# file names with spaces, paths inside a bundle (only from a bundle that verifies with the keys
# given or trusted, never from --any-signer), and zsh's completion file names both programs.
. "$(dirname "$0")/lib.sh"
command -v bash >/dev/null || { echo "SKIP [$NAME]: no bash"; exit 0; }
COMPLETION=$SRC/completions/quire.bash

# The scene: keys, a bundle with a name holding a space, a bundle signed by another key.
expect_exit_notty 0 "$PACK" keygen -W -o "$T/other"
mkdir "$T/w"
cd "$T/w"
mkdir keys sub
cp "$PUB" keys/test.pub
cp "$PUB" test.pub
cp "$KEY" test.key
echo text >notes.txt
mkdir -p "in/docs/deep dir"
echo one >"in/docs/a b.txt"
echo two >"in/docs/deep dir/c.txt"
echo three >in/top.txt
expect_exit 0 "$PACK" create -q -k "$KEY" -o "my bundle.quire" in/docs in/top.txt
expect_exit 0 "$PACK" create -q -k "$T/other.key" -o other.quire in/docs

# complete WORD...: COMPREPLY, one element a line, for the command line WORD... whose last word
# is the one being completed (raw, as typed). Run by bash with stderr kept: it must be empty.
complete_line()
{
    bash -c '
        . "$0"
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        case $1 in
        *quire-pack) _quire_pack ;;
        *) _quire_read ;;
        esac
        printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort' "$COMPLETION" "$@" >"$OUT" 2>"$ERR"
}
# expect_reply TEXT WORD...: the completions of WORD... are exactly TEXT (lines, sorted).
expect_reply()
{
    want=$1
    shift
    CMD="complete: $*"
    complete_line "$@"
    [ -s "$ERR" ] && fail "completion wrote to stderr: $(head -n 3 "$ERR")"
    printf '%s\n' "$want" >"$T/want"
    cmp -s "$T/want" "$OUT" ||
        fail "completing '$*' gave '$(tr '\n' '|' <"$OUT")', expected '$(tr '\n' '|' <"$T/want")'"
    ok
}
NL='
'

# ---- commands and options ----
expect_reply "search${NL}serve${NL}show" "$READ" s
expect_reply "create" "$PACK" cr
expect_reply "timestamp" "$PACK" ti
expect_reply "request" "$PACK" timestamp req
expect_reply "--tsa-ca" "$READ" verify --tsa
expect_reply "--any-signer" "$READ" list --an
expect_reply "receipt" "$READ" rec
expect_reply "check-receipt" "$READ" ch
expect_reply "--receipt" "$READ" cite --rec

# ---- -p/-k: the key files, and directories to descend into (not other files) ----
expect_reply "in${NL}keys${NL}sub${NL}test.pub" "$READ" verify -p ""
expect_reply "keys/test.pub" "$READ" verify -p keys/
expect_reply "keys/test.pub" "$READ" verify --pubkey = keys/t
expect_reply "in${NL}keys${NL}sub${NL}test.key" "$PACK" create -k ""
expect_reply "in${NL}keys${NL}sub" "$READ" extract -C ""

# ---- file names with spaces: one completion each, typed plain, quoted or escaped ----
expect_reply "my bundle.quire" "$READ" verify -p test.pub my
expect_reply "my bundle.quire" "$READ" verify -p test.pub 'my\ b'
expect_reply "my bundle.quire" "$READ" verify -p test.pub '"my b'
expect_reply "in/docs/a b.txt${NL}in/docs/deep dir" "$PACK" create -k test.key -o x.quire in/docs/

# ---- paths inside a bundle, one directory level at a time ----
expect_reply "docs/${NL}top.txt" "$READ" show -p test.pub 'my\ bundle.quire' ""
expect_reply "docs/a b.txt${NL}docs/deep dir/" "$READ" show -p test.pub 'my\ bundle.quire' docs/
expect_reply "docs/deep dir/c.txt" "$READ" info -p test.pub 'my\ bundle.quire' 'docs/deep\ dir/'
expect_reply "docs/a b.txt" "$READ" cite -p test.pub '"my bundle.quire"' 'docs/a'
expect_reply "top.txt" "$READ" quote --json -p test.pub 'my\ bundle.quire' t
expect_reply "" "$READ" quote -p test.pub 'my\ bundle.quire' top.txt ""
# receipt: one path; -o's file is not a positional word. check-receipt: files, no bundle.
expect_reply "docs/a b.txt" "$READ" receipt -p test.pub -o r.txt '"my bundle.quire"' 'docs/a'
expect_reply "notes.txt" "$READ" receipt -p test.pub -o no
expect_reply "notes.txt" "$READ" check-receipt -p test.pub no
expect_reply "notes.txt" "$READ" check-receipt -p test.pub r.receipt no
# extract takes any number of paths; options before and between are skipped.
expect_reply "top.txt" "$READ" extract -p test.pub -C sub 'my\ bundle.quire' docs/ --force t
# The trusted-keys directory, when no -p is given.
mkdir -p "$HOME/.config/quire/trusted"
cp "$PUB" "$HOME/.config/quire/trusted/test.pub"
expect_reply "top.txt" "$READ" show 'my\ bundle.quire' t
rm -r "$HOME/.config/quire"

# ---- nothing from a bundle that does not verify, and nothing said about it ----
expect_reply "" "$READ" show -p test.pub other.quire ""
expect_reply "" "$READ" show --any-signer other.quire ""
expect_reply "" "$READ" show other.quire ""
expect_reply "" "$READ" show -p test.pub missing.quire ""
printf 'not a bundle' >junk.quire
expect_reply "" "$READ" extract -p test.pub junk.quire ""

# ---- zsh: the file names both programs and is valid zsh ----
expect_true "_quire's first line is '#compdef quire-pack quire-read'" \
    sh -c 'head -n 1 "$0" | grep -q -x "#compdef quire-pack quire-read"' "$SRC/completions/_quire"
if command -v zsh >/dev/null; then
    expect_exit 0 zsh -n "$SRC/completions/_quire"
    # zsh_paths BUNDLE OPT VALUE...: what _quire_read_paths offers, _arguments' $line and
    # $opt_args set as it sets them, _multi_parts replaced by a printer of its candidates.
    zsh_paths()
    {
        zsh -f -c '
            _multi_parts() { print -rl -- ${(P)2} }
            . "$0"
            _quire_prog=$1
            line=("$2")
            typeset -A opt_args
            shift 2
            opt_args=("$@")
            _quire_read_paths' "$SRC/completions/_quire" "$READ" "$@" >"$OUT" 2>"$ERR"
    }
    zsh_paths 'my\ bundle.quire' -p test.pub
    expect_true "zsh: the paths of a verified bundle" test "$(wc -l <"$OUT")" -eq 3
    expect_stdout_contains "docs/deep dir/c.txt"
    zsh_paths other.quire -p test.pub
    expect_stdout_empty
    zsh_paths other.quire --any-signer ""
    expect_stdout_empty
    expect_stderr_empty
fi

done_ok
