package torchsem

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// starPackage returns the files of a package whose __init__ star-imports n modules (a model
// library's models/__init__.py): of these only the modules named in present are files of
// the program, as in the editor, which links a document with a bounded neighbourhood. Each
// present module star-imports the package back (a cycle); pkg.m1 defines Found. The user
// module subclasses Found and a name no module defines.
func starPackage(tb testing.TB, n int, present ...int) []*pysem.File {
	tb.Helper()
	p := syntax.NewParser()
	defer p.Close()
	parse := func(src, mod string, pkg bool) *pysem.File {
		tree, err := p.ParseTree(context.Background(), []byte(src))
		if err != nil {
			tb.Fatal(err)
		}
		return pysem.NewFile(tree, pysem.Module{Name: mod, IsPackage: pkg})
	}
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "from .m%d import *\n", i)
	}
	files := []*pysem.File{parse(b.String(), "pkg", true)}
	for _, i := range present {
		src := "from pkg import *\n"
		if i == 1 {
			src += "import torch.nn as nn\n\n\nclass Found(nn.Module):\n    def forward(self, x):\n        return x\n"
		}
		files = append(files, parse(src, fmt.Sprintf("pkg.m%d", i), false))
	}
	files = append(files, parse(`from pkg import Found, Missing


class Sub(Found):
    def forward(self, x):
        return x


class Other(Missing):
    def forward(self, x):
        return x
`, "pkg.user", false))
	return files
}

// TestStarImports: a name is found through the star imports of a package whose star-imported
// modules are in the program; one no module in the program defines is unknown, also when
// most star-imported modules are not in the program and the present ones star-import the
// package back (each step of such a lookup used to fan out over every star import again,
// up to the re-export depth: it never ended).
func TestStarImports(t *testing.T) {
	for _, tc := range []struct {
		n       int
		present []int
	}{
		{2, []int{0, 1}},
		{2000, []int{1}},
		{40, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39}},
	} {
		t.Run(fmt.Sprintf("%d-stars-%d-present", tc.n, len(tc.present)), func(t *testing.T) {
			p := NewProgram(starPackage(t, tc.n, tc.present...))
			f, sym := p.lookup("pkg.Found")
			if c, ok := sym.(*Class); !ok || c.Name != "Found" || f.Module.Name != "pkg.m1" {
				t.Errorf("pkg.Found: got %v in %v, want the class Found of pkg.m1", sym, f)
			}
			if f, sym := p.lookup("pkg.Missing"); f != nil {
				t.Errorf("pkg.Missing: got %v in %s, want nothing", sym, f.Module.Name)
			}
			user := p.File("pkg.user")
			for _, c := range user.Classes {
				if want := c.Name == "Sub"; user.IsModule(c) != want {
					t.Errorf("class %s: IsModule %v, want %v", c.Name, !want, want)
				}
			}
		})
	}
}

// BenchmarkStarImports links a package of 2,000 star imports, one of them in the program,
// with a module subclassing one name found through them and one that is not.
func BenchmarkStarImports(b *testing.B) {
	files := starPackage(b, 2000, 1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		NewProgram(files)
	}
}
