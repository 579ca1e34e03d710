package notebook

import (
	"bytes"
	"strings"
	"testing"
)

// In the cases below, a line of the expected output that reads "0 ..." (or is blank)
// where the input has IPython syntax is what Neutralize must make of it. The length of
// every line is kept: blanked text becomes spaces (0 first).
func TestNeutralize(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"line magic", "%matplotlib inline\nimport torch\n", "0                 \nimport torch\n"},
		{"shell", "!pip install torch\nx = 1", "0                 \nx = 1"},
		{"indented magic in a block", "for i in range(3):\n    %time f(i)\n", "for i in range(3):\n    0         \n"},
		{"continued shell", "!pip install \\\n  torch\nx = 1\n", "0             \n       \nx = 1\n"},
		{"help prefix", "?torch.cond\n", "0          \n"},
		{"help suffix", "torch.export??\nx = 1\n", "0             \nx = 1\n"},
		{"assign shell", "files = !ls -l\n", "files = 0     \n"},
		{"assign magic", "a, b = %timeit -o f()\n", "a, b = 0             \n"},
		{"python cell magic", "%%time\nm = Pool(2)\n", "0     \nm = Pool(2)\n"},
		{"python cell magic after blank lines", "\n  %%timeit -n 10\nm(x)\n", "\n  0             \nm(x)\n"},
		{"other cell magic", "%%bash\necho round(1 / 2)\n", "      \n                 \n"},
		{"writefile", "%%writefile m.py\nimport torch\n", "                \n            \n"},
		{"modulo continuation in brackets", "msg = (\n    \"%s\"\n    % name\n)\n", "msg = (\n    \"%s\"\n    % name\n)\n"},
		{"percent inside a long string", "s = \"\"\"\n%d items\n!not a shell\n\"\"\"\n", "s = \"\"\"\n%d items\n!not a shell\n\"\"\"\n"},
		{"after a backslash continuation", "x = 10 \\\n% 3\n", "x = 10 \\\n% 3\n"},
		{"comment with a question", "# what? \nx = 1\n", "# what? \nx = 1\n"},
		{"modulo on a line", "y = x % 2\n", "y = x % 2\n"},
		{"comparison is not an assignment", "ok = a == b\n", "ok = a == b\n"},
		{"string closing on its line", "s = 'a(b'\n%who\n", "s = 'a(b'\n0   \n"},
		{"CRLF", "%pwd\r\nx = 1\r\n", "0   \r\nx = 1\r\n"},
		{"bracket closed then magic", "f(\n  1)\n%time g()\n", "f(\n  1)\n0        \n"},
		{"escaped quote in string", "s = 'it\\'s'\n!ls\n", "s = 'it\\'s'\n0  \n"},
		{"non-ASCII in magic", "!echo café\n", "0          \n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := Neutralize([]byte(tc.in))
			if string(got) != tc.want {
				t.Errorf("Neutralize(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestNeutralizeRanges(t *testing.T) {
	src := "import torch\n%time f()\nx = !ls\n"
	_, rs := Neutralize([]byte(src))
	var got []string
	for _, r := range rs {
		got = append(got, src[r.Start:r.End])
	}
	if want := []string{"%time f()", "!ls"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("ranges cover %q, want %q", got, want)
	}
}

func FuzzNeutralize(f *testing.F) {
	for _, s := range []string{"%time f()\n", "!ls \\\n x\n", "%%bash\nls\n", "s = '''\n%x\n'''\n", "(\n%\n)", "a = %b\n", "x?", "%%time\n\\"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		got, rs := Neutralize(src)
		if len(got) != len(src) {
			t.Fatalf("length %d, want %d", len(got), len(src))
		}
		for i := range src {
			if (src[i] == '\n' || src[i] == '\r') != (got[i] == '\n' || got[i] == '\r') {
				t.Fatalf("line breaks moved at %d", i)
			}
		}
		last := 0
		for _, r := range rs {
			if r.Start < last || r.End < r.Start || r.End > len(src) {
				t.Fatalf("ranges %v out of order or bounds", rs)
			}
			last = r.End
		}
		if !bytes.Equal(got, src) && len(rs) == 0 {
			t.Fatal("changed the text without reporting a range")
		}
	})
}
