#!/usr/bin/env zsh
# complete.zsh FPATH_DIR LINE...: prints, one per line, the matches zsh's completion system
# offers after typing each LINE and pressing TAB in an interactive zsh, with the
# completion function found in FPATH_DIR loaded by compinit, as a user's shell does.
# The matches are captured by wrapping the compadd builtin, which every completion
# function calls to offer its matches; each LINE's matches follow a line "== LINE".
emulate -L zsh
zmodload zsh/zpty || exit 2
dir=$1
shift
zpty z zsh -f -i || exit 2
zpty -w z "PS1='> '; RPS1=''; LISTMAX=100000; unsetopt zle_bracketed_paste beep"
zpty -w z "fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -D"
# (calls with -O, -A or -D only compute matches for the caller: they are passed through)
zpty -w z 'compadd() { if (( ${@[(I)-[OAD]*]} )); then builtin compadd "$@"; return; fi; local -a m; builtin compadd -O m "$@"; print -rl -- ${m/#/"<<match>>"}; builtin compadd "$@" }'
# TAB completes, then says so: the next keys are typed only once completion is over
# (completion functions cut their work short when they see keys waiting, $PENDING)
zpty -w z 'complete-and-mark() { zle complete-word; print -r -- "<<done>>"; }; zle -N complete-and-mark; bindkey "^I" complete-and-mark'
# wait for the shell to be ready: zle drops what is typed before its first prompt
zpty -w z 'print ready-$(( 6 * 7 ))'
while zpty -r z out; do
  [[ $out == *ready-42* ]] && break
done
for line in "$@"; do
  print -r -- "== $line"
  zpty -w -n z "$line"$'\t'
  while zpty -r z out; do
    out=${${out//$'\r'/}%$'\n'}
    [[ $out == *"<<done>>"* ]] && break
    if [[ $out == *"<<match>>"* ]]; then
      print -r -- ${out#*<<match>>}
    fi
  done
  zpty -w -n z $'\C-e\C-u'
done
zpty -d z
