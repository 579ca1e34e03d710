package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/rules"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
	"github.com/exportdb-lsp/exportdb-lsp/check"
)

// Shell completion: `exportdb completion bash|zsh|fish` prints a script that completes the
// subcommands, each subcommand's flags, the values of flags that take a known set (formats,
// levels, torch versions, case names and tags, comma-separated where the flag takes a
// list), file names where a flag or argument takes one, and case names for `exportdb
// cases NAME`. The scripts are generated from the subcommands' own flag sets (see
// flagRecorder), so a new flag is completed without touching this file. They are static:
// completing runs no exportdb process.

const completionUsage = `usage: exportdb completion bash|zsh|fish

Print a shell completion script for exportdb. Install it with:

  bash: exportdb completion bash > ~/.local/share/bash-completion/completions/exportdb
        (or add 'source <(exportdb completion bash)' to ~/.bashrc)
  zsh:  exportdb completion zsh > "${fpath[1]}/_exportdb"   (then restart zsh; compinit must run)
  fish: exportdb completion fish > ~/.config/fish/completions/exportdb.fish

`

var shells = []string{"bash", "zsh", "fish"}

// runCompletion implements `exportdb completion SHELL`.
func runCompletion(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("completion", completionUsage, stdout, stderr)
	fs.positional = func() []string { return shells }
	rest, err := fs.parse(args)
	if err != nil {
		return exitForParse(err)
	}
	if len(rest) != 1 {
		fmt.Fprintln(stderr, "exportdb completion: want one shell: bash, zsh or fish")
		return 2
	}
	cmds := completionSpecs()
	var script string
	switch rest[0] {
	case "bash":
		script = bashCompletion(cmds)
	case "zsh":
		script = zshCompletion(cmds)
	case "fish":
		script = fishCompletion(cmds)
	default:
		msg := fmt.Sprintf("exportdb completion: unknown shell %q: want bash, zsh or fish", rest[0])
		if s := closest(rest[0], shells, 1); len(s) > 0 {
			msg += "; did you mean " + s[0] + "?"
		}
		fmt.Fprintln(stderr, msg)
		return 2
	}
	if _, err := io.WriteString(stdout, script); err != nil {
		fmt.Fprintf(stderr, "exportdb completion: %v\n", err)
		return 2
	}
	return 0
}

// cmdSpec is what completion knows of a subcommand.
type cmdSpec struct {
	name, summary string
	fs            *flagSet // nil: no flags, no arguments
}

// flagSpec is one flag, with its aliases.
type flagSpec struct {
	names       []string // the flag's name, then its aliases
	takesValue  bool
	placeholder string
	desc        string   // the first clause of the usage text
	values      []string // known values
	list        bool     // a comma-separated list of values
	files       bool     // a file name
	repeatable  bool
}

// completionSpecs records each subcommand's flag set by running it with a flagRecorder.
func completionSpecs() []cmdSpec {
	var out []cmdSpec
	for _, c := range commands() {
		spec := cmdSpec{name: c.name, summary: c.summary}
		rec := &flagRecorder{Writer: io.Discard}
		c.run(nil, rec, io.Discard)
		if len(rec.sets) == 1 {
			spec.fs = rec.sets[0]
		}
		out = append(out, spec)
	}
	return out
}

// flags lists the flag set's flags (aliases folded into their flag), sorted by name.
func (fs *flagSet) flags() []flagSpec {
	var out []flagSpec
	fs.VisitAll(func(f *flag.Flag) {
		if _, isAlias := fs.aliasOf[f.Name]; isAlias {
			return
		}
		placeholder, text := flag.UnquoteUsage(f)
		_, repeatable := f.Value.(*severityFlag)
		out = append(out, flagSpec{
			names:       append([]string{f.Name}, fs.aliases[f.Name]...),
			takesValue:  !isBool(f),
			placeholder: placeholder,
			desc:        firstClause(text),
			values:      fs.values[f.Name],
			list:        fs.list[f.Name],
			files:       fs.files[f.Name],
			repeatable:  repeatable,
		})
	})
	return out
}

// positionals returns the values a subcommand's positional arguments take; files reports
// whether they are file names instead.
func (c cmdSpec) positionals() (values []string, files bool) {
	switch {
	case c.fs == nil || c.fs.noArgs:
		return nil, false
	case c.fs.positional != nil:
		return c.fs.positional(), false
	}
	return nil, true
}

// firstClause shortens a flag's usage text to what fits a completion menu.
func firstClause(s string) string {
	for _, sep := range []string{": ", "; ", " ("} {
		if i := strings.Index(s, sep); i > 0 {
			s = s[:i]
		}
	}
	return s
}

// The value lists completion offers.

func formatNames() []string {
	out := make([]string, len(check.Formats))
	for i, f := range check.Formats {
		out[i] = string(f)
	}
	return out
}

func formatList() string {
	names := formatNames()
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// torchVersions lists the torch versions the catalog records, oldest first.
func torchVersions() []string {
	latest := catalog.Default().LatestVersion()
	var out []string
	for v := catalog.BaseVersion; !latest.Less(v); v.Minor++ {
		out = append(out, v.String())
	}
	return out
}

func tagNames() []string {
	var out []string
	for _, t := range catalog.Default().Tags() {
		out = append(out, t.Name)
	}
	return out
}

func caseNames() []string {
	var out []string
	for _, c := range catalog.Default().Cases() {
		out = append(out, c.Name)
	}
	sort.Strings(out)
	return out
}

// ruleNames lists what --select and --ignore take besides tags: the rules and engine codes.
func ruleNames() []string {
	out := []string{analysis.UnusedSuppression}
	for _, r := range rules.All() {
		out = append(out, r.Name)
	}
	sort.Strings(out)
	return out
}

// ---- bash

func bashCompletion(cmds []cmdSpec) string {
	var b strings.Builder
	b.WriteString(`# bash completion for exportdb; generated by 'exportdb completion bash'.
_exportdb_words() { # _exportdb_words WORDS...: the words that start with $cur
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "$*" -- "$cur"))
}
_exportdb_list() { # _exportdb_list WORDS...: complete the last item of a comma-separated list
    local IFS=$'\n' prefix=""
    [[ $cur == *,* ]] && prefix="${cur%,*},"
    COMPREPLY=($(compgen -P "$prefix" -W "$*" -- "${cur##*,}"))
    compopt -o nospace 2>/dev/null
}
_exportdb_files() { # _exportdb_files [py]: file names (py: directories, *.py files and notebooks)
    local IFS=$'\n'
    compopt -o filenames 2>/dev/null
    if [[ $1 == py ]]; then
        COMPREPLY=($(compgen -d -- "$cur") $(compgen -f -X '!*.py' -- "$cur") $(compgen -f -X '!*.ipynb' -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
_exportdb() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="" flag=""
    (( COMP_CWORD > 0 )) && prev="${COMP_WORDS[COMP_CWORD-1]}"
    COMPREPLY=()
    # bash splits --flag=value at '=' (COMP_WORDBREAKS): the flag is before the '='
    if [[ $cur == "=" ]]; then
        flag=$prev
        cur=""
    elif [[ $prev == "=" ]] && (( COMP_CWORD > 1 )); then
        flag="${COMP_WORDS[COMP_CWORD-2]}"
    elif [[ $prev == -* ]]; then
        flag=$prev
    fi
    flag="-${flag#--}" # -name and --name are the same flag
    if (( COMP_CWORD == 1 )); then
`)
	var names []string
	for _, c := range cmds {
		names = append(names, c.name)
	}
	fmt.Fprintf(&b, "        _exportdb_words %s --help\n        return\n    fi\n", shellWords(names))
	b.WriteString("    case \"${COMP_WORDS[1]}\" in\n")
	for _, c := range cmds {
		fmt.Fprintf(&b, "    %s)\n", c.name)
		var all []string
		if c.fs != nil {
			b.WriteString("        case $flag in\n")
			for _, f := range c.fs.flags() {
				for _, n := range f.names {
					all = append(all, dashed(n))
				}
				if !f.takesValue {
					continue
				}
				pats := make([]string, len(f.names))
				for i, n := range f.names {
					pats[i] = "-" + n
				}
				action := ":" // a value with nothing to offer
				switch {
				case f.list:
					action = "_exportdb_list " + shellWords(f.values)
				case len(f.values) > 0:
					action = "_exportdb_words " + shellWords(f.values)
				case f.files:
					action = "_exportdb_files"
				}
				fmt.Fprintf(&b, "        %s) %s; return ;;\n", strings.Join(pats, "|"), action)
			}
			b.WriteString("        esac\n")
		}
		all = append(all, "--help")
		fmt.Fprintf(&b, "        if [[ $cur == -* ]]; then _exportdb_words %s; return; fi\n", shellWords(all))
		switch values, files := c.positionals(); {
		case files:
			b.WriteString("        _exportdb_files py\n")
		case len(values) > 0:
			fmt.Fprintf(&b, "        _exportdb_words %s\n", shellWords(values))
		}
		b.WriteString("        ;;\n")
	}
	b.WriteString("    esac\n}\ncomplete -F _exportdb exportdb\n")
	return b.String()
}

// shellWords quotes words for a shell command line, single-quoted where needed.
func shellWords(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = shellQuote(w)
	}
	return strings.Join(out, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,/=+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ---- zsh

func zshCompletion(cmds []cmdSpec) string {
	var b strings.Builder
	b.WriteString(`#compdef exportdb
# zsh completion for exportdb; generated by 'exportdb completion zsh'.
_exportdb() {
    local -a commands
    commands=(
`)
	for _, c := range cmds {
		fmt.Fprintf(&b, "        %s\n", shellQuote(c.name+":"+c.summary))
	}
	b.WriteString(`    )
    if (( CURRENT == 2 )); then
        _describe -t commands 'exportdb command' commands
        return
    fi
    local cmd=$words[2]
    shift words
    (( CURRENT-- ))
    case $cmd in
`)
	for _, c := range cmds {
		fmt.Fprintf(&b, "    %s)\n        _arguments -s -S \\\n", c.name)
		if c.fs != nil {
			for _, f := range c.fs.flags() {
				for _, spec := range zshFlagSpecs(f) {
					fmt.Fprintf(&b, "            %s \\\n", shellQuote(spec))
				}
			}
		}
		b.WriteString("            '(- *)--help[show the flags]'")
		switch values, files := c.positionals(); {
		case files:
			b.WriteString(" \\\n            '*:path:_files -g \"*.(py|ipynb)(-.)\"'")
		case len(values) > 0:
			fmt.Fprintf(&b, " \\\n            %s", shellQuote("1:"+c.name+" argument:("+strings.Join(values, " ")+")"))
		}
		b.WriteString("\n        ;;\n")
	}
	b.WriteString("    esac\n}\n\nif [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n    _exportdb \"$@\"\nelse\n    compdef _exportdb exportdb\nfi\n")
	return b.String()
}

// zshFlagSpecs returns the _arguments specs of a flag, one per name.
func zshFlagSpecs(f flagSpec) []string {
	desc := strings.NewReplacer("[", `\[`, "]", `\]`, ":", `\:`).Replace(f.desc)
	excl := ""
	if len(f.names) > 1 {
		var all []string
		for _, n := range f.names {
			all = append(all, dashed(n))
		}
		excl = "(" + strings.Join(all, " ") + ")"
	}
	var out []string
	for _, n := range f.names {
		spec := excl
		if f.repeatable {
			spec = "*"
		}
		spec += dashed(n)
		if f.takesValue && len(n) > 1 {
			spec += "="
		}
		spec += "[" + desc + "]"
		if f.takesValue {
			ph := f.placeholder
			if ph == "" || ph == "string" || ph == "value" {
				ph = "VALUE"
			}
			switch {
			case f.list:
				spec += ":" + ph + ":_sequence compadd - " + strings.Join(f.values, " ")
			case len(f.values) > 0:
				spec += ":" + ph + ":(" + strings.Join(f.values, " ") + ")"
			case f.files:
				spec += ":" + ph + ":_files"
			default:
				spec += ":" + ph + ": "
			}
		}
		out = append(out, spec)
	}
	return out
}

// ---- fish

func fishCompletion(cmds []cmdSpec) string {
	var b strings.Builder
	b.WriteString(`# fish completion for exportdb; generated by 'exportdb completion fish'.
complete -c exportdb -e
complete -c exportdb -f
# __exportdb_list VALUES...: complete the last item of a comma-separated list
function __exportdb_list
    set -l tok (commandline -ct)
    set -l prefix (string replace -r '^(--?[a-z-]+=)?((?:[^,]*,)*)[^,]*$' '$1$2' -- $tok)
    string replace -r '^--?[a-z-]+=' '' -- $prefix | read -l items
    for v in $argv
        printf '%s%s\n' $items $v
    end
end
# __exportdb_paths: directories, *.py files and notebooks that start with the current token
function __exportdb_paths
    for f in (commandline -ct)*
        if test -d $f
            echo $f/
        else if string match -q -- '*.py' $f; or string match -q -- '*.ipynb' $f
            echo $f
        end
    end
end
`)
	var names []string
	for _, c := range cmds {
		names = append(names, c.name)
	}
	for _, c := range cmds {
		fmt.Fprintf(&b, "complete -c exportdb -n __fish_use_subcommand -a %s -d %s\n", c.name, fishQuote(c.summary))
	}
	for _, c := range cmds {
		cond := fishQuote("__fish_seen_subcommand_from " + c.name)
		if c.fs != nil {
			for _, f := range c.fs.flags() {
				for _, n := range f.names {
					line := "complete -c exportdb -n " + cond
					if len(n) == 1 {
						line += " -s " + n
					} else {
						line += " -l " + n
					}
					switch {
					case !f.takesValue:
					case f.list:
						line += " -x -a " + fishQuote("(__exportdb_list "+strings.Join(f.values, " ")+")")
					case len(f.values) > 0:
						line += " -x -a " + fishQuote(strings.Join(f.values, " "))
					case f.files:
						line += " -r -F"
					default:
						line += " -x"
					}
					line += " -d " + fishQuote(f.desc)
					b.WriteString(line + "\n")
				}
			}
		}
		switch values, files := c.positionals(); {
		case files:
			fmt.Fprintf(&b, "complete -c exportdb -n %s -a %s\n", cond, fishQuote("(__exportdb_paths)"))
		case len(values) > 0:
			fmt.Fprintf(&b, "complete -c exportdb -n %s -a %s\n", cond, fishQuote(strings.Join(values, " ")))
		}
	}
	return b.String()
}

// fishQuote single-quotes s for fish, where only \ and ' are special inside quotes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
