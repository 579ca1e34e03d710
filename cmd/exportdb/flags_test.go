package main

import (
	"bytes"
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"
)

func testFlagSet() (*flagSet, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	fs := newFlagSet("check", "usage: exportdb check [flags] [PATH...]\n\nflags:\n", &out, &errb)
	fs.String("format", "text", "output `FORMAT`: text or json")
	fs.alias("output-format", "format")
	fs.Bool("quiet", false, "say less")
	fs.alias("q", "quiet")
	fs.Bool("fix", false, "apply fixes")
	fs.Int("threads", 0, "use `N` threads")
	fs.completeValues("format", false, "text", "json")
	return fs, &out, &errb
}

func TestFlagParsing(t *testing.T) {
	tests := []struct {
		args       []string
		positional []string
		set        map[string]string // flag -> value after parsing
		err        string            // substring of stderr; "" for success
	}{
		{[]string{"a.py", "--format", "json", "b.py"}, []string{"a.py", "b.py"}, map[string]string{"format": "json"}, ""},
		{[]string{"--format=json", "-q"}, nil, map[string]string{"format": "json", "quiet": "true"}, ""},
		{[]string{"-format", "json", "-fix"}, nil, map[string]string{"format": "json", "fix": "true"}, ""},
		{[]string{"--output-format=json"}, nil, map[string]string{"format": "json"}, ""},
		{[]string{"--fix=false", "--threads", "3"}, nil, map[string]string{"fix": "false", "threads": "3"}, ""},
		{[]string{"-", "--", "--fix", "-q"}, []string{"-", "--fix", "-q"}, map[string]string{"fix": "false"}, ""},
		{[]string{"--formt", "json"}, nil, nil, "unknown flag --formt; did you mean --format?"},
		{[]string{"--output-formats=json"}, nil, nil, "did you mean --output-format?"},
		{[]string{"--zzz"}, nil, nil, "unknown flag --zzz\n"},
		{[]string{"--format"}, nil, nil, "flag --format needs a value: text or json"},
		{[]string{"--threads", "many"}, nil, nil, `invalid value "many" for --threads: want a number`},
		{[]string{"--fix=maybe"}, nil, nil, `invalid value "maybe" for --fix: want true or false`},
		{[]string{"---fix"}, nil, nil, "bad flag syntax: ---fix"},
	}
	for _, tt := range tests {
		fs, _, errb := testFlagSet()
		pos, err := fs.parse(tt.args)
		if tt.err != "" {
			if !errors.Is(err, errUsage) || !strings.Contains(errb.String(), tt.err) || !strings.Contains(errb.String(), "Run 'exportdb check --help' for usage.") {
				t.Errorf("%q: err %v, stderr %q; want %q", tt.args, err, errb, tt.err)
			}
			continue
		}
		if err != nil || !slices.Equal(pos, tt.positional) {
			t.Errorf("%q: positional %q, err %v; want %q", tt.args, pos, err, tt.positional)
		}
		for name, want := range tt.set {
			if got := fs.Lookup(name).Value.String(); got != want {
				t.Errorf("%q: --%s = %q, want %q", tt.args, name, got, want)
			}
		}
		// an alias counts as its flag being set
		var visited []string
		fs.Visit(func(f *flag.Flag) { visited = append(visited, f.Name) })
		for _, v := range visited {
			if _, isAlias := fs.aliasOf[v]; isAlias {
				t.Errorf("%q: Visit reports the alias %s", tt.args, v)
			}
		}
	}
}

func TestFlagHelp(t *testing.T) {
	fs, out, errb := testFlagSet()
	if _, err := fs.parse([]string{"x.py", "--help"}); !errors.Is(err, flag.ErrHelp) || errb.Len() != 0 {
		t.Fatalf("--help: %v, stderr %q", err, errb)
	}
	want := "usage: exportdb check [flags] [PATH...]\n\nflags:\n" +
		"      --fix            apply fixes\n" +
		"      --format FORMAT  output FORMAT: text or json (also --output-format) (default text)\n" +
		"  -q, --quiet          say less\n" +
		"      --threads N      use N threads\n"
	if out.String() != want {
		t.Errorf("help:\n%s\nwant:\n%s", out, want)
	}
}
