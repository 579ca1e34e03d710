package notebook

import (
	"bytes"
	"strings"
	"testing"
)

// TestRewriteGolden rewrites cell sources in notebooks written by Python's json module in
// several styles and byte-compares the result with the same module's rendering of the
// edited notebook (testdata/rewrite-*.golden.ipynb, made with json.dumps).
func TestRewriteGolden(t *testing.T) {
	sources := map[int]string{
		1: "import torch\nn = a // b\nprint('é', \"q\\\\t\")\nx = 1\nz = '☕'",
		2: "y = c // d\nz = 2\n",
		3: "import torch._dynamo\nt = 0",
		4: "w = e // f",
	}
	for _, style := range []string{"nbformat", "indent2", "ascii", "inline", "minified", "crlf"} {
		t.Run(style, func(t *testing.T) {
			nb, err := Parse(readFixture(t, "rewrite-"+style+".ipynb"))
			if err != nil {
				t.Fatal(err)
			}
			got := nb.Rewrite(sources)
			want := readFixture(t, "rewrite-"+style+".golden.ipynb")
			if !bytes.Equal(got, want) {
				t.Errorf("rewritten notebook differs from the golden:\n--- got\n%s\n--- want\n%s", got, want)
			}
			back, err := Parse(got)
			if err != nil {
				t.Fatalf("the rewritten notebook does not parse: %v", err)
			}
			for i, s := range sources {
				if back.Cells[i].Source != s {
					t.Errorf("cell %d reads back %q, want %q", i, back.Cells[i].Source, s)
				}
			}
		})
	}
}

// TestRewriteKeepsEscapes: a line that did not change keeps its bytes, even when they
// escape what Rewrite would write literally.
func TestRewriteKeepsEscapes(t *testing.T) {
	raw := `{"cells": [{"cell_type": "code", "source": ["s = '\u00e9\/'\n", "n = round(a / b)\n"]}], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}`
	nb, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	got := string(nb.Rewrite(map[int]string{0: "s = 'é/'\nn = a // b\n"}))
	want := strings.Replace(raw, `"n = round(a / b)\n"`, `"n = a // b\n"`, 1)
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestEncodeString(t *testing.T) {
	for _, tc := range []struct {
		in    string
		ascii bool
		want  string
	}{
		{"a\"b\\c\n\r\t\b\f", false, `"a\"b\\c\n\r\t\b\f"`},
		{"\x00\x1f\x7f", false, "\"\\u0000\\u001f\x7f\""},
		{"é☕😀/<>&", false, `"é☕😀/<>&"`},
		{"é☕😀\x7f", true, `"\u00e9\u2615\ud83d\ude00\u007f"`},
		{"\u2028", false, "\"\u2028\""},
	} {
		var b strings.Builder
		encodeString(&b, tc.in, tc.ascii)
		if b.String() != tc.want {
			t.Errorf("encodeString(%q, %v) = %s, want %s", tc.in, tc.ascii, b.String(), tc.want)
		}
		back, err := decodeString([]byte(b.String()))
		if err != nil || back != tc.in {
			t.Errorf("decodeString(%s) = %q, %v; want %q", b.String(), back, err, tc.in)
		}
	}
}

func TestRawOffset(t *testing.T) {
	raw := `{"cells": [{"cell_type": "code", "source": ["a = '\u00e9'\n", "b\tc = 1"]}, {"cell_type": "code", "source": "x\ny"}, {"cell_type": "code", "source": []}], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}`
	nb, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) int { return strings.Index(raw, s) }
	for _, tc := range []struct {
		cell, local int
		want        int
	}{
		{0, 0, at(`a = `)},
		{0, len("a = '"), at(`\u00e9`)},
		{0, len("a = 'é"), at(`'\n"`)},
		{0, len("a = 'é'"), at(`\n", "b`)},
		{0, len("a = 'é'\n"), at(`b\tc`)},
		{0, len("a = 'é'\nb\t"), at(`c = 1`)},
		{0, len("a = 'é'\nb\tc = 1"), at(`"]}, {`)},
		{1, 2, at(`y"}`)},
		{2, 0, at(`[]}`)},
	} {
		c := &nb.Cells[tc.cell]
		if got := nb.RawOffset(c, tc.local); got != tc.want {
			t.Errorf("RawOffset(cell %d, %d) = %d (%q), want %d (%q)", tc.cell, tc.local, got, raw[got:min(got+8, len(raw))], tc.want, raw[tc.want:min(tc.want+8, len(raw))])
		}
	}
}

func TestSplitLines(t *testing.T) {
	for in, want := range map[string][]string{
		"":            nil,
		"a":           {"a"},
		"a\n":         {"a\n"},
		"a\nb":        {"a\n", "b"},
		"a\r\nb\rc\n": {"a\r\n", "b\r", "c\n"},
		"\n\n":        {"\n", "\n"},
	} {
		got := splitLines(in)
		if strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
			t.Errorf("splitLines(%q) = %q, want %q", in, got, want)
		}
	}
}
