
_clap_complete_zksh() {
    local IFS=$'\013'
    local _CLAP_COMPLETE_COMP_TYPE=${COMP_TYPE}
    if compopt +o nospace 2> /dev/null; then
        local _CLAP_COMPLETE_SPACE=false
    else
        local _CLAP_COMPLETE_SPACE=true
    fi
    local line=$COMP_LINE piece blanks i pos=0 start=0
    local -a words=()
    for (( i = 0; i <= COMP_CWORD; i++ )); do
        piece=${COMP_WORDS[i]}
        blanks=${line:pos}
        blanks=${blanks%%[![:blank:]]*}
        (( pos += ${#blanks} ))
        if [[ "${line:pos:${#piece}}" != "$piece" ]]; then
            # The line and bash's words disagree: take the words as bash split them.
            words=("${COMP_WORDS[@]:0:COMP_CWORD}" "$2")
            start=-1
            break
        fi
        if (( i == 0 )) || [[ -n $blanks ]]; then
            words+=("$piece")
            start=$pos
        else
            words[${#words[@]}-1]+=$piece
        fi
        (( pos += ${#piece} ))
    done
    local cur=$2
    if (( start >= 0 )); then
        cur=${line:start:COMP_POINT-start}
        words[${#words[@]}-1]=$cur
    fi
    local lead=""
    if [[ "$cur" == *"$2" ]]; then
        lead=${cur%"$2"}
    fi
    COMPREPLY=( $( \
        _CLAP_IFS="$IFS" \
        _CLAP_COMPLETE_INDEX="$(( ${#words[@]} - 1 ))" \
        _CLAP_COMPLETE_COMP_TYPE="$_CLAP_COMPLETE_COMP_TYPE" \
        _CLAP_COMPLETE_SPACE="$_CLAP_COMPLETE_SPACE" \
        ZKSH_COMPLETE="bash" \
        "zksh" -- "${words[@]}" \
    ) )
    if [[ $? != 0 ]]; then
        unset COMPREPLY
        return
    fi
    if [[ -n $lead ]]; then
        COMPREPLY=( "${COMPREPLY[@]#"$lead"}" )
    fi
    if [[ $_CLAP_COMPLETE_SPACE == false ]] && [[ "${COMPREPLY-}" =~ [=/:]$ ]]; then
        compopt -o nospace
    fi
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -o nospace -o bashdefault -o nosort -F _clap_complete_zksh zksh
else
    complete -o nospace -o bashdefault -F _clap_complete_zksh zksh
fi
