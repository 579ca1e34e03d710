package config

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var (
	batch = map[int]AxisDecl{0: {Dim: "batch", Min: -1, Max: -1}}
	hw    = map[int]AxisDecl{2: {Dim: "h", Min: 32, Max: 1024}, 3: {Dim: "w", Min: -1, Max: -1}}
)

// dimsEditCases are the forms a dynamic-shapes entry takes in real files, and the text that
// declaring x's axes of vit.model.Model gives.
var dimsEditCases = []struct {
	name      string
	pyproject bool
	class     []string
	axes      map[int]AxisDecl
	in, want  string
}{
	{name: "new file", axes: batch, in: "",
		want: "[dynamic-shapes.\"vit.model.Model\"]\nx = { 0 = \"batch\" }\n"},
	{name: "appended after the other keys, comments kept", axes: hw,
		in: "# exportdb settings\ntorch-version = \"2.5\"  # the pin\nselect = [\n  \"torch.dynamic-shape\", # shapes\n]\n",
		want: "# exportdb settings\ntorch-version = \"2.5\"  # the pin\nselect = [\n  \"torch.dynamic-shape\", # shapes\n]\n\n" +
			"[dynamic-shapes.\"vit.model.Model\"]\nx = { 2 = { dim = \"h\", min = 32, max = 1024 }, 3 = \"w\" }\n"},
	{name: "no final newline", axes: batch, in: "strict = true",
		want: "strict = true\n\n[dynamic-shapes.\"vit.model.Model\"]\nx = { 0 = \"batch\" }\n"},
	{name: "an axis added to the parameter's inline table, its comment kept", axes: hw,
		in:   "[dynamic-shapes.\"vit.model.Model\"]\nx = {0 = \"batch\"}   # from the serving config\nmask = { 0 = \"batch\" }\n",
		want: "[dynamic-shapes.\"vit.model.Model\"]\nx = { 0 = \"batch\", 2 = { dim = \"h\", min = 32, max = 1024 }, 3 = \"w\" }   # from the serving config\nmask = { 0 = \"batch\" }\n"},
	{name: "an axis replaced in place, order kept", axes: map[int]AxisDecl{0: {Dim: "n", Min: 1, Max: -1}},
		in:   "[dynamic-shapes.\"vit.model.Model\"]\nx = { 2 = \"h\", 0 = \"batch\", 3 = { dim = \"w\", max = 512 } }\n",
		want: "[dynamic-shapes.\"vit.model.Model\"]\nx = { 2 = \"h\", 0 = { dim = \"n\", min = 1 }, 3 = { dim = \"w\", max = 512 } }\n"},
	{name: "a parameter added to the class's table, indented as its keys", axes: batch,
		in:   "[dynamic-shapes.\"vit.model.Model\"]\n  mask = { 1 = \"seq\" }\n\n# ranges\n[dims]\nseq = { max = 512 }\n",
		want: "[dynamic-shapes.\"vit.model.Model\"]\n  mask = { 1 = \"seq\" }\n  x = { 0 = \"batch\" }\n\n# ranges\n[dims]\nseq = { max = 512 }\n"},
	{name: "axes as dotted keys", axes: hw,
		in:   "[dynamic-shapes.\"vit.model.Model\"]\nx.0 = \"batch\"\nx.3 = \"width\"\n",
		want: "[dynamic-shapes.\"vit.model.Model\"]\nx.0 = \"batch\"\nx.3 = \"w\"\nx.2 = { dim = \"h\", min = 32, max = 1024 }\n"},
	{name: "the parameter's own table", axes: hw,
		in:   "[dynamic-shapes.\"vit.model.Model\".x]\n0 = \"batch\"\n",
		want: "[dynamic-shapes.\"vit.model.Model\".x]\n0 = \"batch\"\n2 = { dim = \"h\", min = 32, max = 1024 }\n3 = \"w\"\n"},
	{name: "the parameter's own table, empty", axes: batch,
		in:   "[dynamic-shapes.\"vit.model.Model\".x]\n[dims]\n",
		want: "[dynamic-shapes.\"vit.model.Model\".x]\n0 = \"batch\"\n[dims]\n"},
	{name: "the class as an inline table", axes: batch,
		in:   "[dynamic-shapes]\n\"vit.model.Model\" = { mask = { 1 = \"seq\" } } # one line\n",
		want: "[dynamic-shapes]\n\"vit.model.Model\" = { mask = { 1 = \"seq\" }, x = { 0 = \"batch\" } } # one line\n"},
	{name: "the whole table inline", axes: batch,
		in:   "dynamic-shapes = { Other = { y = { 0 = \"b\" } } }\n",
		want: "dynamic-shapes = { Other = { y = { 0 = \"b\" } }, \"vit.model.Model\" = { x = { 0 = \"batch\" } } }\n"},
	{name: "another class as dotted keys at the top", axes: batch,
		in:   "dynamic-shapes.Other.y = { 0 = \"b\" }\n\n[dims]\nb = { min = 1 }\n",
		want: "dynamic-shapes.Other.y = { 0 = \"b\" }\ndynamic-shapes.\"vit.model.Model\".x = { 0 = \"batch\" }\n\n[dims]\nb = { min = 1 }\n"},
	{name: "a dynamic-shapes table of other classes", axes: batch,
		in:   "[dynamic-shapes]\n'Other'.y = { 0 = \"b\" }\n",
		want: "[dynamic-shapes]\n'Other'.y = { 0 = \"b\" }\n\"vit.model.Model\".x = { 0 = \"batch\" }\n"},
	{name: "the bare class name already used", axes: batch,
		in:   "[dynamic-shapes.Model]\nmask = { 0 = \"batch\" }\n",
		want: "[dynamic-shapes.Model]\nmask = { 0 = \"batch\" }\nx = { 0 = \"batch\" }\n"},
	{name: "CRLF line endings", axes: batch,
		in:   "strict = true\r\n[dynamic-shapes.\"vit.model.Model\"]\r\nmask = { 0 = \"b\" }\r\n",
		want: "strict = true\r\n[dynamic-shapes.\"vit.model.Model\"]\r\nmask = { 0 = \"b\" }\r\nx = { 0 = \"batch\" }\r\n"},
	{name: "static, auto and dynamic", axes: map[int]AxisDecl{0: {Dim: "auto", Min: -1, Max: -1}, 1: {Dim: "static", Min: -1, Max: -1}, 2: {Dim: "dynamic", Min: -1, Max: -1}},
		in:   "",
		want: "[dynamic-shapes.\"vit.model.Model\"]\nx = { 0 = \"auto\", 1 = \"static\", 2 = \"dynamic\" }\n"},
	{name: "pyproject: after [tool.exportdb], before the next tool's comment and table", pyproject: true, axes: batch,
		in: "[project]\nname = \"vit\"\ndescription = \"\"\"\n[not a table]\n\"\"\"\n\n[tool.exportdb]\ntorch-version = \"2.5\"\n\n" +
			"# lint\n# settings\n[tool.ruff]\nline-length = 100\n[[tool.mypy.overrides]]\nmodule = \"x\"\n",
		want: "[project]\nname = \"vit\"\ndescription = \"\"\"\n[not a table]\n\"\"\"\n\n[tool.exportdb]\ntorch-version = \"2.5\"\n\n" +
			"[tool.exportdb.dynamic-shapes.\"vit.model.Model\"]\nx = { 0 = \"batch\" }\n\n" +
			"# lint\n# settings\n[tool.ruff]\nline-length = 100\n[[tool.mypy.overrides]]\nmodule = \"x\"\n"},
	{name: "pyproject without [tool.exportdb]", pyproject: true, axes: batch,
		in:   "[project]\nname = \"vit\"\n\n[tool.ruff]\nline-length = 100\n",
		want: "[project]\nname = \"vit\"\n\n[tool.ruff]\nline-length = 100\n\n[tool.exportdb.dynamic-shapes.\"vit.model.Model\"]\nx = { 0 = \"batch\" }\n"},
	{name: "pyproject: an existing entry", pyproject: true, axes: hw,
		in:   "[tool.exportdb.dynamic-shapes.\"vit.model.Model\"]\nx = { 0 = \"batch\" }\n\n[tool.ruff]\n",
		want: "[tool.exportdb.dynamic-shapes.\"vit.model.Model\"]\nx = { 0 = \"batch\", 2 = { dim = \"h\", min = 32, max = 1024 }, 3 = \"w\" }\n\n[tool.ruff]\n"},
	{name: "pyproject: exportdb as dotted keys of [tool]", pyproject: true, axes: batch,
		in:   "[tool]\nexportdb.strict = true\n",
		want: "[tool]\nexportdb.strict = true\n\n[tool.exportdb.dynamic-shapes.\"vit.model.Model\"]\nx = { 0 = \"batch\" }\n"},
}

// TestSetDynamicShapes: each form a dynamic-shapes entry can take in a real file gets the one
// edit that declares the axes, and the rest of the file stays byte for byte.
func TestSetDynamicShapes(t *testing.T) {
	for _, tc := range dimsEditCases {
		t.Run(tc.name, func(t *testing.T) {
			class := tc.class
			if class == nil {
				class = []string{"vit.model.Model", "Model"}
			}
			name := ExportdbTOML
			if tc.pyproject {
				name = PyprojectTOML
			}
			e, err := SetDynamicShapes(name, []byte(tc.in), tc.pyproject, class, "x", tc.axes)
			if err != nil {
				t.Fatal(err)
			}
			got := string(e.Apply([]byte(tc.in)))
			if got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
			// one edit, and the text around it untouched
			if tc.in[:e.Start] != got[:e.Start] || tc.in[e.End:] != got[len(got)-(len(tc.in)-e.End):] {
				t.Errorf("edit %+v reaches outside the change", e)
			}
		})
	}
}

// TestSetDynamicShapesErrors: bad input gets a clear error and no edit.
func TestSetDynamicShapesErrors(t *testing.T) {
	model := []string{"vit.model.Model"}
	for _, tc := range []struct {
		name      string
		pyproject bool
		in        string
		axes      map[int]AxisDecl
		want      string
		line      int
	}{
		{name: "invalid TOML", in: "strict = \n", axes: batch, want: "invalid TOML", line: 1},
		{name: "invalid configuration", in: "torch-version = \"2.5\"\nselect = []\n", axes: batch, want: "select"},
		{name: "invalid pyproject", pyproject: true, in: "[project]\nname = 1\nname = 2\n", axes: batch, want: "invalid TOML", line: 3},
		{name: "axis out of range", axes: map[int]AxisDecl{65: {Dim: "h", Min: -1, Max: -1}}, want: "axis 65: an axis is a dimension index from 0 to 64"},
		{name: "negative axis", axes: map[int]AxisDecl{-1: {Dim: "h", Min: -1, Max: -1}}, want: "axis -1"},
		{name: "bad dim name", axes: map[int]AxisDecl{2: {Dim: "2h", Min: -1, Max: -1}}, want: `"2h" is not a dim name`},
		{name: "empty dim name", axes: map[int]AxisDecl{2: {Min: -1, Max: -1}}, want: "want a dim name"},
		{name: "min above max", axes: map[int]AxisDecl{2: {Dim: "h", Min: 64, Max: 32}}, want: "min 64 is above max 32"},
		{name: "a range on static", axes: map[int]AxisDecl{2: {Dim: "static", Min: 1, Max: -1}}, want: "a range needs a named dim"},
		{name: "deeper than the command edits", in: "[dynamic-shapes.\"vit.model.Model\"]\nx.2.dim = \"h\"\n", axes: batch, want: "deeper than this command edits"},
		{name: "an inline [tool] table", pyproject: true, in: "tool = { exportdb = { strict = true } }\n", axes: batch, want: "line 1 writes tool as an inline table"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := ExportdbTOML
			if tc.pyproject {
				name = PyprojectTOML
			}
			_, err := SetDynamicShapes(name, []byte(tc.in), tc.pyproject, model, "x", tc.axes)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
			var ce *Error
			if tc.line > 0 && (!errors.As(err, &ce) || ce.Line != tc.line) {
				t.Errorf("error %#v, want an *Error at line %d", err, tc.line)
			}
		})
	}
}

// TestDimsFile: the configuration in force, else the project's pyproject.toml, else a new
// exportdb.toml; an invalid configuration is an error.
func TestDimsFile(t *testing.T) {
	write := func(t *testing.T, path, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("exportdb.toml in force", func(t *testing.T) {
		root := t.TempDir()
		write(t, filepath.Join(root, PyprojectTOML), "[tool.exportdb]\nstrict = true\n")
		write(t, filepath.Join(root, ExportdbTOML), "strict = false\n")
		got, err := DimsFile(filepath.Join(root, "pkg"), "")
		if err != nil || got != (DimsTarget{Path: filepath.Join(root, ExportdbTOML), Exists: true}) {
			t.Errorf("%+v, %v", got, err)
		}
	})
	t.Run("pyproject.toml with [tool.exportdb]", func(t *testing.T) {
		root := t.TempDir()
		write(t, filepath.Join(root, PyprojectTOML), "[tool.exportdb]\nstrict = true\n")
		got, err := DimsFile(filepath.Join(root, "src", "pkg"), "")
		if err != nil || got != (DimsTarget{Path: filepath.Join(root, PyprojectTOML), Pyproject: true, Exists: true}) {
			t.Errorf("%+v, %v", got, err)
		}
	})
	t.Run("the project's pyproject.toml", func(t *testing.T) {
		root := t.TempDir()
		write(t, filepath.Join(root, PyprojectTOML), "[project]\nname = \"x\"\n")
		got, err := DimsFile(filepath.Join(root, "pkg"), "")
		if err != nil || got != (DimsTarget{Path: filepath.Join(root, PyprojectTOML), Pyproject: true, Exists: true}) {
			t.Errorf("%+v, %v", got, err)
		}
	})
	t.Run("a new exportdb.toml beside requirements.txt", func(t *testing.T) {
		root := t.TempDir()
		write(t, filepath.Join(root, "requirements.txt"), "torch==2.5\n")
		got, err := DimsFile(filepath.Join(root, "pkg"), "/elsewhere")
		if err != nil || got != (DimsTarget{Path: filepath.Join(root, ExportdbTOML)}) {
			t.Errorf("%+v, %v", got, err)
		}
	})
	t.Run("a new exportdb.toml in the workspace folder", func(t *testing.T) {
		root := t.TempDir()
		got, err := DimsFile(filepath.Join(root, "pkg"), root)
		if err != nil || got != (DimsTarget{Path: filepath.Join(root, ExportdbTOML)}) {
			t.Errorf("%+v, %v", got, err)
		}
	})
	t.Run("an invalid configuration", func(t *testing.T) {
		root := t.TempDir()
		write(t, filepath.Join(root, ExportdbTOML), "strict = \"yes\"\n")
		_, err := DimsFile(root, "")
		var ce *Error
		if !errors.As(err, &ce) || ce.Line != 1 {
			t.Errorf("%v, want the configuration's error", err)
		}
	})
}

// FuzzSetDynamicShapes: any text either gets an error or an edit whose result declares the
// axes and keeps the rest (SetDynamicShapes checks that itself); never a panic.
func FuzzSetDynamicShapes(f *testing.F) {
	for _, s := range []string{
		"", "strict = true\n", "[dynamic-shapes.\"m.M\"]\nx = { 0 = \"b\" } # c\n", "[dynamic-shapes.M.x]\n0 = \"b\"\n",
		"dynamic-shapes = { M = { x = { 1 = \"s\" } } }\n", "a = \"\"\"\n[x]\n\"\"\"\n[dynamic-shapes]\nM.y = { 0 = 'b' }\n",
		"[tool.exportdb]\n[[tool.x]]\n", "x = [\n1, # ]\n2]\n",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, text string, pyproject bool) {
		e, err := SetDynamicShapes("exportdb.toml", []byte(text), pyproject, []string{"m.M", "M"}, "x", hw)
		if err != nil {
			return
		}
		if e.Start < 0 || e.End > len(text) || e.Start > e.End {
			t.Fatalf("edit %+v out of the text", e)
		}
	})
}

// TestSetDynamicShapesTomllib: every edited text of dimsEditCases is TOML for Python's
// tomllib too (what pip and build tools read pyproject.toml with; stricter than our decoder
// about extending tables). Needs python3 >= 3.11; with EXPORTDB_REQUIRE_TOOLS=1 (CI) it may
// not skip.
func TestSetDynamicShapesTomllib(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(py, "-c", "import tomllib").Run()
	}
	if err != nil {
		if os.Getenv("EXPORTDB_REQUIRE_TOOLS") == "1" {
			t.Fatalf("python3 with tomllib: %v (EXPORTDB_REQUIRE_TOOLS=1)", err)
		}
		t.Skipf("python3 with tomllib: %v", err)
	}
	dir := t.TempDir()
	var files []string
	for _, tc := range dimsEditCases {
		p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".toml")
		if err := os.WriteFile(p, []byte(tc.want), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	script := "import sys, tomllib\nbad = 0\nfor p in sys.argv[1:]:\n    try:\n        tomllib.load(open(p, 'rb'))\n    except Exception as e:\n        print(p, e)\n        bad += 1\nsys.exit(bad)\n"
	out, err := exec.Command(py, append([]string{"-c", script}, files...)...).CombinedOutput()
	if err != nil {
		t.Errorf("tomllib refuses edited texts: %v\n%s", err, out)
	}
}
