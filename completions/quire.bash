# SPDX-License-Identifier: ISC
# bash completion for quire-pack and quire-read
_quire_pack()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "keygen create --help --version" -- "$cur"))
        return
    fi
    case $prev in
    -k|--key) COMPREPLY=($(compgen -f -X '!*.key' -- "$cur")); return ;;
    --supersedes) COMPREPLY=($(compgen -f -X '!*.quire' -- "$cur")); return ;;
    -m|--metadata|-s|--sources) COMPREPLY=($(compgen -f -X '!*.json' -- "$cur")); return ;;
    -o|--output|-a|--archive|--passphrase-file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    -l|--level) COMPREPLY=($(compgen -W "0 1 2 3 4 5 6 7 8 9" -- "$cur")); return ;;
    esac
    case ${COMP_WORDS[1]} in
    keygen) COMPREPLY=($(compgen -W "-o --output -W --without-passphrase -q --quiet --passphrase-file --help" -- "$cur")) ;;
    create)
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "-k --key -o --output -m --metadata -s --sources -a --archive -t --comment -l --level -j --threads -q --quiet --force --supersedes --passphrase-file --help" -- "$cur"))
        else
            COMPREPLY=($(compgen -f -- "$cur"))
        fi ;;
    esac
}

_quire_read()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "verify info list show extract cite quote search diff export --help --version" -- "$cur"))
        return
    fi
    case $prev in
    -p|--pubkey) COMPREPLY=($(compgen -f -X '!*.pub' -- "$cur")); return ;;
    -C|--directory) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --format)
        if [ "${COMP_WORDS[1]}" = export ]; then
            COMPREPLY=($(compgen -W "tar tar.gz tar.zst tar.xz zip" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "text bibtex csl-json" -- "$cur"))
        fi
        return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "-p --pubkey --any-signer --json -l --long -C --directory -f --force -q --quiet --format --with-metadata --no-pager --no-sync --quick --keep-going --text --help" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}

complete -F _quire_pack quire-pack
complete -F _quire_read quire-read
