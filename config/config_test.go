package config

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
	"github.com/exportdb-lsp/exportdb-lsp/internal/testfs"
)

func v(s string) catalog.Version { return catalog.MustParseVersion(s) }

func TestDiscoverWalksUp(t *testing.T) {
	root := testfs.WriteTree(t, map[string]string{
		"pyproject.toml": "[project]\nname = \"m\"\n\n[tool.exportdb]\ntorch-version = \"2.5\"\nstrict = false\n",
		// a pyproject without our table does not stop the walk
		"pkg/pyproject.toml":    "[project]\nname = \"sub\"\n",
		"pkg/models/encoder.py": "",
	})
	c, err := Discover(filepath.Join(root, "pkg", "models", "encoder.py"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != filepath.Join(root, "pyproject.toml") || c.Root != root {
		t.Errorf("Path, Root = %q, %q; want the top pyproject.toml", c.Path, c.Root)
	}
	if c.TorchVersion != "2.5" || c.Target != v("2.5") || c.Strict == nil || *c.Strict {
		t.Errorf("got torch %q target %v strict %v", c.TorchVersion, c.Target, c.Strict)
	}
	// a directory works as well as a file, and a file that does not exist yet
	for _, p := range []string{filepath.Join(root, "pkg"), filepath.Join(root, "pkg", "new.py")} {
		c2, err := Discover(p)
		if err != nil || c2.Path != c.Path {
			t.Errorf("Discover(%s) = %v, %v", p, c2, err)
		}
	}
}

func TestDiscoverExportdbTOMLWins(t *testing.T) {
	root := testfs.WriteTree(t, map[string]string{
		"pyproject.toml": "[tool.exportdb]\ntorch-version = \"2.5\"\n",
		"exportdb.toml":  "torch-version = \"2.8\"\n",
		"sub/x.py":       "",
		// a nearer exportdb.toml governs its subtree
		"sub/inner/exportdb.toml": "ignore = [\"static_for_loop\"]\n",
		"sub/inner/y.py":          "",
	})
	c, err := Discover(filepath.Join(root, "sub", "x.py"))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(c.Path) != "exportdb.toml" || c.Target != v("2.8") {
		t.Errorf("got %s target %v; want exportdb.toml with 2.8", c.Path, c.Target)
	}
	c, err = Discover(filepath.Join(root, "sub", "inner", "y.py"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Root != filepath.Join(root, "sub", "inner") || !reflect.DeepEqual(c.Ignore, []string{"static_for_loop"}) || !c.Target.IsZero() {
		t.Errorf("inner config = %+v", c)
	}
}

func TestDiscoverNone(t *testing.T) {
	root := testfs.WriteTree(t, map[string]string{
		"proj/pyproject.toml": "[project]\nname = \"x\"\ndependencies = [\"torch==2.6.0\"]\n",
		"proj/src/m.py":       "",
	})
	c, err := Discover(filepath.Join(root, "proj", "src", "m.py"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != "" || c.Root != filepath.Join(root, "proj") {
		t.Errorf("Path, Root = %q, %q; want \"\" and the pyproject dir", c.Path, c.Root)
	}
	// auto from flags resolves in that root
	c2, err := c.With(Overrides{TorchVersion: "auto"})
	if err != nil || c2.Target != v("2.6") {
		t.Errorf("With(auto) = %v, %v; want 2.6", c2, err)
	}
}

func TestDiscoverBrokenPyproject(t *testing.T) {
	root := testfs.WriteTree(t, map[string]string{
		// mentions exportdb, so it may hold our table: a syntax error must not be skipped
		"pyproject.toml": "[tool.exportdb]\nstrict = \n",
		"m.py":           "",
	})
	_, err := Discover(filepath.Join(root, "m.py"))
	var ce *Error
	if !errors.As(err, &ce) || ce.Line != 2 || !strings.Contains(ce.Msg, "invalid TOML") {
		t.Fatalf("err = %v; want an *Error at line 2", err)
	}
	// one that never mentions exportdb is not ours and is not parsed
	root = testfs.WriteTree(t, map[string]string{"pyproject.toml": "[project\n", "m.py": ""})
	if c, err := Discover(filepath.Join(root, "m.py")); err != nil || c.Path != "" {
		t.Errorf("unrelated broken pyproject: %v, %v", c, err)
	}
}

func TestLoadAllKeys(t *testing.T) {
	root := testfs.WriteTree(t, map[string]string{"exportdb.toml": `
torch-version = "2.9.1"
strict = true
select = ["torch.cond", "dynamic_shape_round", "unused_suppression"]
ignore = ["cond_predicate", "unsupported_operator"]
exclude = ["build/", "/third_party", "**/gen_*.py"]
cache-dir = "build/exportdb-cache"

[severity]
"torch.cond" = "warning"
cond_operands = "hint"
dynamic_shape_round = "info"

[per-file-ignores]
"tests/**" = ["ALL"]
"*_legacy.py" = ["python.control-flow"]
`})
	c, err := Load(filepath.Join(root, "exportdb.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Target != v("2.9") || c.TorchVersion != "2.9.1" || c.Strict == nil || !*c.Strict {
		t.Errorf("version/strict: %+v", c)
	}
	if !reflect.DeepEqual(c.Select, []string{"torch.cond", "dynamic_shape_round", "unused_suppression"}) {
		t.Errorf("Select = %v", c.Select)
	}
	// a case entry beats a tag entry whatever the order written
	want := map[string]analysis.Severity{"cond_operands": analysis.Hint, "cond_predicate": analysis.Warning, "dynamic_shape_round": analysis.Information}
	for k, s := range want {
		if c.Severity[k] != s {
			t.Errorf("Severity[%s] = %v; want %v", k, c.Severity[k], s)
		}
	}
	if _, ok := c.Severity["static_if"]; ok {
		t.Errorf("untagged case got a severity")
	}
	if len(c.PerFileIgnores) != 2 || len(c.Exclude) != 3 {
		t.Errorf("PerFileIgnores %v Exclude %v", c.PerFileIgnores, c.Exclude)
	}
	if want := filepath.Join(root, "build", "exportdb-cache"); c.CacheDir != want {
		t.Errorf("CacheDir = %q; want %q (relative to the file)", c.CacheDir, want)
	}
}

// TestErrors checks that every kind of invalid configuration is an *Error naming the file,
// the key and the line, in both files.
func TestErrors(t *testing.T) {
	pyHead := "[project]\nname = \"m\"\n\n[tool.exportdb]\n" // the table starts on line 4
	tests := []struct {
		name, file, text string
		line             int
		key, msg         string
	}{
		{"bad version", "pyproject.toml", pyHead + "strict = true\ntorch-version = \"abc\"\n", 6, "tool.exportdb.torch-version", `invalid torch version "abc"`},
		{"float version", "exportdb.toml", "\n\ntorch-version = 2.10\n", 3, "torch-version", "quote it"},
		{"unknown key", "pyproject.toml", pyHead + "strcit = true\n", 5, "tool.exportdb.strcit", "did you mean strict"},
		{"unknown key top", "exportdb.toml", "# c\nfoo = 1\n", 2, "foo", "unknown key"},
		{"wrong type bool", "exportdb.toml", "strict = \"yes\"\n", 1, "strict", `want a boolean (true or false), got a string ("yes")`},
		{"string for list", "pyproject.toml", pyHead + "select = \"torch.cond\"\n", 5, "tool.exportdb.select", `write ["torch.cond"]`},
		{"unknown case in multiline array", "pyproject.toml", pyHead + "ignore = [\n  \"static_if\",\n  \"dynamic_shape_rond\",\n]\n", 7, "tool.exportdb.ignore", `unknown case or tag "dynamic_shape_rond" (did you mean dynamic_shape_round`},
		{"unknown tag", "exportdb.toml", "select = [\"torch.cnd\"]\n", 1, "select", `unknown case or tag "torch.cnd"`},
		{"bad severity subtable", "pyproject.toml", pyHead + "strict = true\n\n[tool.exportdb.severity]\nstatic_if = \"hint\"\ndynamic_shape_round = \"fatal\"\n", 9, "tool.exportdb.severity.dynamic_shape_round", `invalid severity "fatal"`},
		{"bad severity inline", "exportdb.toml", "\nseverity = { static_if = \"loud\" }\n", 2, "severity.static_if", `invalid severity "loud"`},
		{"severity unknown case", "exportdb.toml", "[severity]\nnope = \"error\"\n", 2, "severity.nope", `unknown case or tag "nope"`},
		{"severity not a table", "exportdb.toml", "severity = \"error\"\n", 1, "severity", "want a table"},
		{"per-file bad name", "pyproject.toml", pyHead + "[tool.exportdb.per-file-ignores]\n\"tests/*\" = [\"ALL\"]\n\"x.py\" = [\"bogus\"]\n", 7, `tool.exportdb.per-file-ignores."x.py"`, `unknown case or tag "bogus"`},
		{"per-file dotted", "pyproject.toml", pyHead + "per-file-ignores.\"a.py\" = [1]\n", 5, `tool.exportdb.per-file-ignores."a.py"`, "element 1 is an integer"},
		{"bad exclude", "exportdb.toml", "exclude = [\n \"ok/\",\n \"[bad\",\n]\n", 3, "exclude", "malformed pattern"},
		{"empty exclude", "exportdb.toml", "exclude = [\"\"]\n", 1, "exclude", "empty pattern"},
		{"empty cache-dir", "exportdb.toml", "\ncache-dir = \"\"\n", 2, "cache-dir", "want a directory path"},
		{"cache-dir not a string", "pyproject.toml", pyHead + "cache-dir = [\"a\"]\n", 5, "tool.exportdb.cache-dir", "want a directory path"},
		{"syntax error", "pyproject.toml", pyHead + "strict = true\nselect = [\"a\"\n", 6, "", "invalid TOML"},
		{"table not a table", "pyproject.toml", "[tool]\nexportdb = 3\n", 2, "tool.exportdb", "want a table"},
		{"auto without pin", "pyproject.toml", pyHead + "torch-version = \"auto\"\n", 5, "tool.exportdb.torch-version", "no torch requirement found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := testfs.WriteTree(t, map[string]string{tt.file: tt.text})
			path := filepath.Join(root, tt.file)
			_, err := Load(path)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Load = %v; want *Error", err)
			}
			if ce.File != path || ce.Line != tt.line || ce.Key != tt.key || !strings.Contains(ce.Msg, tt.msg) {
				t.Errorf("got %#v\nwant file %s line %d key %q msg containing %q", ce, path, tt.line, tt.key, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), path+":") {
				t.Errorf("Error() = %q; want it to start with the file", err.Error())
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	root := testfs.WriteTree(t, map[string]string{"pyproject.toml": strings.Repeat("\n", 10) + "[tool.exportdb]\ntorch-version = \"abc\"\n"})
	t.Chdir(root)
	_, err := Load("pyproject.toml")
	want := `pyproject.toml:12: tool.exportdb.torch-version: invalid torch version "abc": want MAJOR.MINOR such as 2.5`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	// a pyproject.toml given explicitly must have the table
	root = testfs.WriteTree(t, map[string]string{"pyproject.toml": "[project]\nname = \"x\"\n"})
	if _, err := Load(filepath.Join(root, "pyproject.toml")); err == nil || !strings.Contains(err.Error(), "no [tool.exportdb] table") {
		t.Errorf("missing table: %v", err)
	}
	if _, err := Load(filepath.Join(root, "missing.toml")); err == nil || !strings.Contains(err.Error(), "cannot read") {
		t.Errorf("missing file: %v", err)
	}
}

func TestAuto(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string // version, or "error: substring"
	}{
		{"exact pin", map[string]string{"pyproject.toml": "[project]\ndependencies = [\"numpy\", \"torch==2.5.1\"]\n"}, "2.5"},
		{"range lower bound", map[string]string{"pyproject.toml": "[project]\ndependencies = [\"torch>=2.4,<2.6\"]\n"}, "2.4"},
		{"compatible release", map[string]string{"pyproject.toml": "[project]\ndependencies = [\"torch~=2.3\"]\n"}, "2.3"},
		{"extras, parens, markers", map[string]string{"pyproject.toml": "[project]\ndependencies = [\"Torch[opt] (>=2.7.0) ; python_version >= '3.9'\"]\n"}, "2.7"},
		{"local version", map[string]string{"pyproject.toml": "[project]\ndependencies = [\"torch==2.8.0+cu121\"]\n"}, "2.8"},
		{"upper bound only", map[string]string{"pyproject.toml": "[project]\ndependencies = [\"torch<2.6\"]\n"}, "2.5"},
		{"wildcard", map[string]string{"pyproject.toml": "[project]\ndependencies = [\"torch==2.6.*\"]\n"}, "2.6"},
		{"poetry caret", map[string]string{"pyproject.toml": "[tool.poetry.dependencies]\npython = \"^3.10\"\ntorch = \"^2.3\"\n"}, "2.3"},
		{"poetry exact", map[string]string{"pyproject.toml": "[tool.poetry.dependencies]\ntorch = \"2.5.1\"\n"}, "2.5"},
		{"poetry table", map[string]string{"pyproject.toml": "[tool.poetry.dependencies]\ntorch = { version = \">=2.4 <2.6\", source = \"pytorch\" }\n"}, "2.4"},
		{"optional deps", map[string]string{"pyproject.toml": "[project]\ndependencies = []\n[project.optional-dependencies]\ngpu = [\"torch>=2.9\"]\n"}, "2.9"},
		{"requirements", map[string]string{"requirements.txt": "# pinned\n--extra-index-url https://x\nnumpy==1.26\ntorch==2.2.0 \\\n  --hash=sha256:abc\n"}, "2.2"},
		{"requirements-dev", map[string]string{"requirements-dev.txt": "torch>=2.1\n"}, "2.1"},
		{"pyproject before requirements", map[string]string{"pyproject.toml": "[project]\ndependencies = [\"torch==2.7\"]\n", "requirements.txt": "torch==2.1\n"}, "2.7"},
		{"wheel url", map[string]string{"requirements.txt": "torch @ https://download.pytorch.org/whl/cu121/torch-2.4.1%2Bcu121-cp311-linux_x86_64.whl\n"}, "2.4"},
		{"not torchvision", map[string]string{"requirements.txt": "torchvision==0.20\n"}, "error: no torch requirement"},
		{"unpinned", map[string]string{"requirements.txt": "torch\n"}, "error: without a version"},
		{"nothing", map[string]string{"README": ""}, "error: no torch requirement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"exportdb.toml": "torch-version = \"auto\"\n"}
			for k, v := range tt.files {
				files[k] = v
			}
			root := testfs.WriteTree(t, files)
			c, err := Load(filepath.Join(root, "exportdb.toml"))
			if msg, isErr := strings.CutPrefix(tt.want, "error: "); isErr {
				var ce *Error
				if !errors.As(err, &ce) || ce.Key != "torch-version" || ce.Line != 1 || !strings.Contains(ce.Msg, msg) {
					t.Errorf("err = %v; want an *Error at torch-version line 1 containing %q", err, msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.TorchVersion != "auto" || c.Target != v(tt.want) {
				t.Errorf("Target = %v; want %s", c.Target, tt.want)
			}
		})
	}
}

func TestWith(t *testing.T) {
	root := testfs.WriteTree(t, map[string]string{"exportdb.toml": "torch-version = \"2.5\"\nselect = [\"ALL\"]\nignore = [\"static_if\"]\nexclude = [\"build/\"]\n[severity]\nstatic_for_loop = \"warning\"\n"})
	c, err := Load(filepath.Join(root, "exportdb.toml"))
	if err != nil {
		t.Fatal(err)
	}
	f := false
	n, err := c.With(Overrides{
		TorchVersion: "2.10",
		Strict:       &f,
		ExtendIgnore: []string{"dictionary"},
		Severity:     map[string]string{"python.control-flow": "error"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n.Target != v("2.10") || n.TorchVersion != "2.10" || n.Strict == nil || *n.Strict {
		t.Errorf("version/strict not overridden: %+v", n)
	}
	if !reflect.DeepEqual(n.Ignore, []string{"static_if", "dictionary"}) || !reflect.DeepEqual(n.Select, []string{"ALL"}) {
		t.Errorf("Select %v Ignore %v", n.Select, n.Ignore)
	}
	if n.Severity["static_for_loop"] != analysis.Error || n.Severity["list_unpack"] != analysis.Error {
		t.Errorf("Severity = %v", n.Severity)
	}
	// c is untouched
	if c.Target != v("2.5") || len(c.Ignore) != 1 || c.Severity["static_for_loop"] != analysis.Warning || c.Strict != nil {
		t.Errorf("With modified the original: %+v", c)
	}
	// a non-nil empty list replaces; nil keeps
	n, _ = c.With(Overrides{Ignore: []string{}})
	if len(n.Ignore) != 0 || len(n.Exclude) != 1 {
		t.Errorf("Ignore %v Exclude %v", n.Ignore, n.Exclude)
	}

	bad := []struct {
		o        Overrides
		key, msg string
	}{
		{Overrides{TorchVersion: "two"}, "torch-version", "invalid torch version"},
		{Overrides{Select: []string{"nope"}}, "select", `unknown case or tag "nope"`},
		{Overrides{Ignore: []string{"nope"}}, "ignore", "unknown"},
		{Overrides{ExtendIgnore: []string{"nope"}}, "extend-ignore", "unknown"},
		{Overrides{Severity: map[string]string{"static_if": "loud"}}, "severity.static_if", "invalid severity"},
		{Overrides{Severity: map[string]string{"nope": "hint"}}, "severity.nope", "unknown"},
		{Overrides{Exclude: []string{"[x"}}, "exclude", "malformed"},
	}
	for _, b := range bad {
		_, err := c.With(b.o)
		var ce *Error
		if !errors.As(err, &ce) || ce.Key != b.key || ce.File != "" || !strings.Contains(ce.Msg, b.msg) {
			t.Errorf("With(%+v) = %v; want key %s msg %q", b.o, err, b.key, b.msg)
		}
	}
	// nil config
	var nc *Config
	if n, err := nc.With(Overrides{TorchVersion: "2.4"}); err != nil || n.Target != v("2.4") {
		t.Errorf("nil.With = %v, %v", n, err)
	}
	if _, err := nc.With(Overrides{TorchVersion: "auto"}); err == nil || !strings.Contains(err.Error(), "torch-version: \"auto\": no project directory") {
		t.Errorf("auto without a root: %v", err)
	}
}

func TestOptions(t *testing.T) {
	root := testfs.WriteTree(t, map[string]string{"pyproject.toml": `[tool.exportdb]
torch-version = "2.9"
strict = false
ignore = ["static_if"]
[tool.exportdb.severity]
dynamic_shape_round = "warning"
[tool.exportdb.per-file-ignores]
"tests/" = ["ALL"]
"*_gen.py" = ["torch.cond"]
"!src/**" = ["dictionary"]
`})
	c, err := Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	o := c.Options(filepath.Join(root, "src", "model.py"))
	if o.Target != v("2.9") || !o.NonStrict || !reflect.DeepEqual(o.Ignore, []string{"static_if"}) || o.Severity["dynamic_shape_round"] != analysis.Warning {
		t.Errorf("src/model.py options = %+v", o)
	}
	o.Severity["dynamic_shape_round"] = analysis.Error
	o.Ignore[0] = "x"
	if c.Severity["dynamic_shape_round"] != analysis.Warning || c.Ignore[0] != "static_if" {
		t.Errorf("Options shares state with the config")
	}
	cases := map[string][]string{
		"tests/unit/test_m.py":   {"static_if", "dictionary", "ALL"}, // globs in sorted order
		"src/deep/layer_gen.py":  {"static_if", "torch.cond"},
		"tools/x.py":             {"static_if", "dictionary"},
		"src/tests/test_more.py": {"static_if", "ALL"}, // "tests/" has no inner slash: any depth
	}
	for rel, want := range cases {
		got := c.Options(filepath.Join(root, filepath.FromSlash(rel))).Ignore
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Ignore = %v; want %v", rel, got, want)
		}
	}
	if opts := c.Options(filepath.Join(root, "tests", "a.py")); opts.Enabled("dynamic_shape_round") {
		t.Errorf("per-file ALL did not disable")
	}
	// a file outside the root gets the config but no per-file ignores
	if got := c.Options("/elsewhere/tests/x.py").Ignore; !reflect.DeepEqual(got, []string{"static_if"}) {
		t.Errorf("outside root: %v", got)
	}
}

func TestExcluded(t *testing.T) {
	root := testfs.WriteTree(t, map[string]string{
		"exportdb.toml":         "exclude = [\"build/\", \"/vendor\", \"**/gen_*.py\", \"docs/**\", \"!docs/keep.py\", \"*.tmp.py\"]\n",
		"build/a.py":            "",
		"src/build/b.py":        "",
		"vendor/c.py":           "",
		"src/vendor/d.py":       "",
		"src/gen_e.py":          "",
		"docs/f.py":             "",
		"docs/keep.py":          "",
		"src/m.tmp.py":          "",
		"src/model.py":          "",
		"buildx/model.py":       "",
		"src/build_notes/ok.py": "",
	})
	c, err := Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"build/a.py":            true,
		"build":                 true,
		"src/build/b.py":        true, // unanchored dir pattern: any depth
		"vendor/c.py":           true,
		"src/vendor/d.py":       false, // anchored
		"src/gen_e.py":          true,
		"docs/f.py":             true,
		"docs/keep.py":          false, // re-included: docs/ itself is not excluded by docs/**
		"src/m.tmp.py":          true,
		"src/model.py":          false,
		"buildx/model.py":       false,
		"src/build_notes/ok.py": false,
		"new/build/x.py":        true, // does not exist: still matched by its parents
	}
	for rel, ex := range want {
		if got := c.Excluded(filepath.Join(root, filepath.FromSlash(rel))); got != ex {
			t.Errorf("Excluded(%s) = %v; want %v", rel, got, ex)
		}
	}
	if c.Excluded("/elsewhere/build/x.py") {
		t.Errorf("a path outside the root was excluded")
	}
	if (&Config{}).Excluded(filepath.Join(root, "build")) {
		t.Errorf("empty config excluded something")
	}
}

func TestPatterns(t *testing.T) {
	tests := []struct {
		pat   string
		path  string
		isDir bool
		want  bool
	}{
		{"*.py", "a.py", false, true},
		{"*.py", "x/y/a.py", false, true},
		{"*.py", "x/a.pyc", false, false},
		{"/a.py", "a.py", false, true},
		{"/a.py", "x/a.py", false, false},
		{"x/a.py", "x/a.py", false, true},
		{"x/a.py", "y/x/a.py", false, false}, // a middle slash anchors
		{"build/", "build", true, true},
		{"build/", "build", false, false}, // dir only
		{"build", "build", false, true},
		{"**/foo", "foo", false, true},
		{"**/foo", "a/b/foo", true, true},
		{"foo/**", "foo", true, false},
		{"foo/**", "foo/a/b.py", false, true},
		{"a/**/b", "a/b", true, true},
		{"a/**/b", "a/x/y/b", true, true},
		{"a/**/b", "a/x/y/c", true, false},
		{"a**b", "axxb", false, true}, // not a ** segment: a plain *
		{"a?c", "abc", false, true},
		{"a?c", "a/c", false, false},
		{"[abc].py", "b.py", false, true},
		{"[!abc].py", "b.py", false, false},
		{"[!abc].py", "d.py", false, true},
		{`\#x`, "#x", false, true},
		{`\!x`, "!x", false, true},
		{"trail  ", "trail", false, true},
		{`sp\ `, "sp ", false, true},
	}
	for _, tt := range tests {
		p, ok, err := ParsePattern(tt.pat)
		if !ok || err != nil {
			t.Errorf("ParsePattern(%q) = %v, %v", tt.pat, ok, err)
			continue
		}
		if got := p.Match(tt.path, tt.isDir); got != tt.want {
			t.Errorf("%q.Match(%q, dir=%v) = %v; want %v", tt.pat, tt.path, tt.isDir, got, tt.want)
		}
	}
	for _, s := range []string{"", "# comment", "!", "/"} {
		if _, ok, _ := ParsePattern(s); ok {
			t.Errorf("ParsePattern(%q) is a pattern", s)
		}
	}
	if _, _, err := ParsePattern("a[b"); err == nil {
		t.Errorf("malformed class accepted")
	}
	if p, _, _ := ParsePattern("!keep.py"); !p.Negated() || !p.Match("keep.py", false) {
		t.Errorf("negation")
	}
}
