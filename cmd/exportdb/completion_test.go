package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The completion scripts are loaded into real bash, zsh and fish, as a user's shell loads
// them, and asked for completions: bash calls the function `complete -p exportdb`
// registers with COMP_WORDS and COMP_CWORD set as readline sets them; zsh runs
// interactively on a pseudo-terminal (zpty) with the script autoloaded by compinit from
// fpath and TAB typed (testdata/complete.zsh); fish answers `complete -C LINE`.
//
// A shell that is not installed skips its subtest, unless EXPORTDB_REQUIRE_TOOLS=1 (CI
// sets it after installing them), where it fails.

// completionCases: a command line typed so far and the candidates wanted. Candidates are
// compared after the last "=" or ",", since shells differ in how much of the word they
// return (bash and zsh the value after "=", fish the whole word; zsh the list item).
var completionCases = []struct {
	line  string
	want  []string
	exact bool // the candidates are exactly want (otherwise they include it)
}{
	{"exportdb ch", []string{"check"}, true},
	{"exportdb ", []string{"check", "lsp", "cases", "docs", "completion", "version"}, false},
	{"exportdb check --for", []string{"--force-exclude", "--format"}, true},
	{"exportdb check --output-f", []string{"--output-file", "--output-format"}, true},
	{"exportdb check --stdin", []string{"--stdin-filename"}, true},
	{"exportdb check --format ", []string{"text", "concise", "json", "sarif", "github", "gitlab", "junit"}, true},
	{"exportdb check --output-format=s", []string{"sarif"}, true},
	{"exportdb check --color ", []string{"auto", "always", "never"}, true},
	{"exportdb check --min-severity ", []string{"error", "warning", "information", "hint", "off"}, true},
	{"exportdb check --torch-version 2.1", []string{"2.10", "2.11", "2.12", "2.13"}, true},
	{"exportdb check --select dynamic_shape_round,cond_op", []string{"cond_operands"}, true},
	{"exportdb check --ignore torch.dyn", []string{"torch.dynamic-shape", "torch.dynamic-value"}, true},
	{"exportdb check src/m", []string{"mnb.ipynb", "model.py", "models"}, true},
	{"exportdb cases dynamic_shape_r", []string{"dynamic_shape_round"}, true},
	{"exportdb cases --level ", []string{"SUPPORTED", "NOT_SUPPORTED_YET"}, true},
	{"exportdb lsp --log-level ", []string{"debug", "info", "warn", "error"}, true},
	{"exportdb docs --format ", []string{"rst", "md", "html"}, true},
	{"exportdb completion ", []string{"bash", "zsh", "fish"}, true},
}

func TestCompletionScripts(t *testing.T) {
	dir := checkTree(t, map[string]string{
		"src/model.py":           "import torch\n",
		"src/models/__init__.py": "",
		"src/mnotes.txt":         "not Python\n",
		"src/mnb.ipynb":          "{}\n",
	})
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			if _, err := exec.LookPath(shell); err != nil {
				if os.Getenv("EXPORTDB_REQUIRE_TOOLS") == "1" {
					t.Fatalf("%s is not installed (EXPORTDB_REQUIRE_TOOLS=1)", shell)
				}
				t.Skipf("%s is not installed", shell)
			}
			script := filepath.Join(t.TempDir(), "_exportdb")
			out, err := exec.Command(checkBin, "completion", shell).Output()
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(script, out, 0o644); err != nil {
				t.Fatal(err)
			}
			lines := make([]string, len(completionCases))
			for i, c := range completionCases {
				lines[i] = c.line
			}
			var got [][]string
			switch shell {
			case "bash":
				got = bashComplete(t, dir, script, lines)
			case "zsh":
				got = zshComplete(t, dir, script, lines)
			case "fish":
				got = fishComplete(t, dir, script, lines)
			}
			for i, c := range completionCases {
				cands := normalizeCandidates(got[i])
				want := normalizeCandidates(c.want)
				ok := true
				for _, w := range want {
					ok = ok && slices.Contains(cands, w)
				}
				if c.exact {
					ok = ok && len(cands) == len(want)
				}
				if !ok {
					t.Errorf("%q: got %q, want %q (exact: %v)", c.line, cands, want, c.exact)
				}
			}
		})
	}
}

// normalizeCandidates keeps what follows the last "=" or "," of each candidate (and
// drops fish's descriptions), sorted and without duplicates.
func normalizeCandidates(cands []string) []string {
	var out []string
	for _, c := range cands {
		c, _, _ = strings.Cut(c, "\t")
		c = strings.TrimSuffix(strings.TrimSpace(c), "/")
		if i := strings.LastIndexAny(c, "=,/"); i >= 0 {
			c = c[i+1:] // bash and zsh return the value after "=", the list item, the file name
		}
		if c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

func shellRun(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir(), "XDG_DATA_HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
	return string(out)
}

// splitSections splits output of "== LINE" headers followed by candidates.
func splitSections(t *testing.T, out string, n int) [][]string {
	t.Helper()
	var got [][]string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "== ") {
			got = append(got, []string{})
			continue
		}
		if l != "" && len(got) > 0 {
			got[len(got)-1] = append(got[len(got)-1], l)
		}
	}
	if len(got) != n {
		t.Fatalf("%d sections, want %d:\n%s", len(got), n, out)
	}
	return got
}

// bashWords splits a command line as bash's readline does for completion, with '=' a word
// of its own (COMP_WORDBREAKS); a trailing space starts an empty word.
func bashWords(line string) []string {
	var words []string
	for _, f := range strings.Fields(line) {
		for {
			i := strings.Index(f, "=")
			if i < 0 {
				break
			}
			if i > 0 {
				words = append(words, f[:i])
			}
			words = append(words, "=")
			f = f[i+1:]
		}
		if f != "" {
			words = append(words, f)
		}
	}
	if strings.HasSuffix(line, " ") {
		words = append(words, "")
	}
	return words
}

func bashComplete(t *testing.T, dir, script string, lines []string) [][]string {
	var prog strings.Builder
	prog.WriteString("source \"$1\"\nspec=$(complete -p exportdb) || exit 3\nfn=${spec#*-F }; fn=${fn%% *}\n")
	for _, line := range lines {
		words := bashWords(line)
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = shellQuote(w)
			if w == "" {
				quoted[i] = "''"
			}
		}
		prog.WriteString("echo " + shellQuote("== "+line) + "\n")
		prog.WriteString("COMP_WORDS=(" + strings.Join(quoted, " ") + ")\n")
		prog.WriteString("COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMP_LINE=" + shellQuote(line) + "; COMP_POINT=${#COMP_LINE}; COMPREPLY=()\n")
		prog.WriteString("\"$fn\" exportdb \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"\n")
		prog.WriteString("printf '%s\\n' \"${COMPREPLY[@]}\"\n")
	}
	out := shellRun(t, dir, "bash", "--norc", "--noprofile", "-c", prog.String(), "bash", script)
	return splitSections(t, out, len(lines))
}

func zshComplete(t *testing.T, dir, script string, lines []string) [][]string {
	harness, err := filepath.Abs(filepath.Join("testdata", "complete.zsh"))
	if err != nil {
		t.Fatal(err)
	}
	out := shellRun(t, dir, "zsh", append([]string{"-f", harness, filepath.Dir(script)}, lines...)...)
	return splitSections(t, out, len(lines))
}

func fishComplete(t *testing.T, dir, script string, lines []string) [][]string {
	var prog strings.Builder
	prog.WriteString("source " + fishQuote(script) + "\n")
	for _, line := range lines {
		prog.WriteString("echo " + fishQuote("== "+line) + "\n")
		prog.WriteString("complete -C " + fishQuote(line) + "\n")
	}
	out := shellRun(t, dir, "fish", "--no-config", "-c", prog.String())
	return splitSections(t, out, len(lines))
}
