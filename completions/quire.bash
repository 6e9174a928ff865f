# SPDX-License-Identifier: ISC
# bash completion for quire-pack and quire-read. Self-contained (bash-completion's helpers are
# not needed). File names are completed with -o filenames, so readline quotes names with spaces
# and descends into directories; paths inside a bundle come from `quire-read list` with the keys
# the user trusts (the -p files on the command line, else the trusted-keys directory), never
# --any-signer: nothing is completed from a bundle that does not verify.

# A word as typed, without its shell quoting (quotes around it, or begun and not yet closed;
# backslash escapes) and with ~/ expanded, to compare with file and bundle names.
_quire_dequote()
{
    local w=$1
    case $w in
    \'*) w=${w#\'} w=${w%\'} ;;
    \"*) w=${w#\"} w=${w%\"} ;;
    *) w=${w//\\/} ;;
    esac
    [[ $w == "~/"* ]] && w=$HOME/${w#"~/"}
    printf '%s' "$w"
}

# _quire_files [GLOB]: files (those matching GLOB, if given) and directories to descend into.
_quire_files()
{
    local cur
    cur=$(_quire_dequote "${COMP_WORDS[COMP_CWORD]}")
    compopt -o filenames 2>/dev/null
    if [ -n "${1-}" ]; then
        mapfile -t COMPREPLY < <(compgen -f -X "!$1" -- "$cur"; compgen -d -- "$cur")
    else
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
}

_quire_dirs()
{
    local cur
    cur=$(_quire_dequote "${COMP_WORDS[COMP_CWORD]}")
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -d -- "$cur")
}

# _quire_bundle_paths PROG BUNDLE KEY...: the paths in BUNDLE that begin with the word being
# completed, one directory level at a time (docs/ first, then docs/a.txt), as file completion
# does. Silent and empty when the bundle does not verify with the keys given or trusted.
_quire_bundle_paths()
{
    local prog=$1 bundle=$2 cur line rest k
    shift 2
    local -a keys=()
    for k in "$@"; do keys+=(-p "$k"); done
    local -A seen=()
    cur=$(_quire_dequote "${COMP_WORDS[COMP_CWORD]}")
    COMPREPLY=()
    while IFS= read -r line; do
        [[ $line == "$cur"* ]] || continue
        rest=${line:${#cur}}
        [[ $rest == */* ]] && line=$cur${rest%%/*}/
        [ -n "${seen[$line]+set}" ] && continue
        seen[$line]=1
        COMPREPLY+=("$line")
    done < <(timeout 10 "$prog" list --no-pager "${keys[@]}" -- "$bundle" 2>/dev/null)
    compopt -o filenames 2>/dev/null
    # A directory of the bundle is not a directory here: no space after it, so the user can go on.
    [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == */ ]] && compopt -o nospace 2>/dev/null
    return 0
}

_quire_pack()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    COMPREPLY=()
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "keygen create sign rotate revoke timestamp --help --version" -- "$cur"))
        return
    fi
    if [ "${COMP_WORDS[1]}" = timestamp ] && [ "$COMP_CWORD" -eq 2 ]; then
        COMPREPLY=($(compgen -W "request attach --help" -- "$cur"))
        return
    fi
    # --opt=value: bash splits it at '=' into three words.
    [ "$prev" = "=" ] && prev=${COMP_WORDS[COMP_CWORD-2]}
    [ "$cur" = "=" ] && cur=
    case $prev in
    -k|--key|--new-key) _quire_files '*.key'; return ;;
    -p|--pubkey|--revoked) _quire_files '*.pub'; return ;;
    -P|--date) return ;;
    --new-passphrase-file) _quire_files; return ;;
    --supersedes) _quire_files '*.quire'; return ;;
    --tsa-ca) _quire_files '*.pem'; return ;;
    -q|--request) [ "${COMP_WORDS[1]}" = timestamp ] && { _quire_files '*.tsq'; return; } ;;
    -m|--metadata|-s|--sources) _quire_files '*.json'; return ;;
    -o|--output|-a|--archive|--passphrase-file) _quire_files; return ;;
    -l|--level) COMPREPLY=($(compgen -W "0 1 2 3 4 5 6 7 8 9" -- "$cur")); return ;;
    -t|--comment|-j|--threads|--exclude) return ;;
    esac
    case ${COMP_WORDS[1]} in
    keygen)
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "-o --output -W --without-passphrase -q --quiet --passphrase-file --help" -- "$cur"))
        fi ;;
    create)
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "-k --key -o --output -m --metadata -s --sources -a --archive -t --comment -l --level -j --threads -q --quiet --force --supersedes --keep-records -L --follow-symlinks --skip-links --exclude --passphrase-file --help" -- "$cur"))
        else
            _quire_files
        fi ;;
    timestamp)
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "-o --output -q --request --tsa-ca --force --help" -- "$cur"))
        else
            _quire_files
        fi ;;
    sign)
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "-k --key -p --pubkey -P -o --output -t --comment -q --quiet --passphrase-file --help" -- "$cur"))
        else
            _quire_files '*.quire'
        fi ;;
    rotate|revoke)
        if [[ $cur == -* ]]; then
            local more="--revoked"
            [ "${COMP_WORDS[1]}" = rotate ] && more="--new-key --new-passphrase-file"
            COMPREPLY=($(compgen -W "-k --key -o --output -t --comment --date -f --force -q --quiet --passphrase-file $more --help" -- "$cur"))
        fi ;;
    esac
}

# quire-read's options that take an argument: their argument is not a positional word.
_quire_read_takes_arg()
{
    case $1 in
    -p|--pubkey|-P|--need|--key-statement|-C|--directory|--format|--path|-o|--output|--tsa-ca|--port|--listen) return 0 ;;
    esac
    return 1
}

_quire_read()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd=${COMP_WORDS[1]}
    COMPREPLY=()
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "verify info list show extract cite quote search diff export receipt check-receipt serve keys --help --version" -- "$cur"))
        return
    fi
    [ "$prev" = "=" ] && prev=${COMP_WORDS[COMP_CWORD-2]}
    [ "$cur" = "=" ] && cur=
    case $prev in
    -p|--pubkey) _quire_files '*.pub'; return ;;
    --tsa-ca) _quire_files '*.pem'; return ;;
    -C|--directory) _quire_dirs; return ;;
    --key-statement) _quire_files; return ;;
    --need) COMPREPLY=($(compgen -W "1 2 3 4 5" -- "$cur")); return ;;
    -P) return ;;
    -o|--output) _quire_files; return ;;
    --path) return ;; # a path prefix inside the bundle
    --port) return ;; # a number
    --listen) COMPREPLY=($(compgen -W "127.0.0.1 ::1 0.0.0.0 ::" -- "$cur")); return ;;
    --format)
        if [ "$cmd" = export ]; then
            COMPREPLY=($(compgen -W "tar tar.gz tar.zst tar.xz zip" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "text bibtex csl-json" -- "$cur"))
        fi
        return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "-p --pubkey -P --key-statement --need --any-signer --json -l --long -C --directory -f --force -q --quiet --format --with-metadata --no-pager --no-sync --quick --keep-going --text --sources -w --words --path -o --output --receipt --tsa-ca --port --listen --allow-scripts --help" -- "$cur"))
        return
    fi
    # The positional words before this one (the bundle first), and the -p keys given.
    local i w n=0 bundle= dashdash=
    local -a keys=()
    for ((i = 2; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if [ -z "$dashdash" ] && [ "$w" = "--" ]; then
            dashdash=1
        elif [ -z "$dashdash" ] && _quire_read_takes_arg "$w"; then
            i=$((i + 1))
            [ "${COMP_WORDS[i]}" = "=" ] && i=$((i + 1))
            case $w in -p|--pubkey) keys+=("$(_quire_dequote "${COMP_WORDS[i]}")") ;; esac
        elif [ -z "$dashdash" ] && [[ $w == -* ]]; then
            :
        else
            n=$((n + 1))
            [ "$n" -eq 1 ] && bundle=$(_quire_dequote "$w")
        fi
    done
    # After the bundle: a path in it (show, info, cite, quote, receipt: one; extract: any
    # number). check-receipt takes no bundle: a receipt file, then the document file.
    case $cmd:$n in
    show:1|info:1|cite:1|quote:1|receipt:1|extract:[1-9]*)
        _quire_bundle_paths "${COMP_WORDS[0]}" "$bundle" "${keys[@]}" ;;
    quote:2|search:1) ;;
    *) _quire_files ;;
    esac
}

complete -F _quire_pack quire-pack
complete -F _quire_read quire-read
