package notebook

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParse(t *testing.T) {
	raw := readFixture(t, "model.ipynb")
	nb, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !nb.Python() || nb.Language != "python" {
		t.Errorf("language %q, Python() = %v; want python", nb.Language, nb.Python())
	}
	// the oracle: encoding/json's reading of the same file
	var want struct {
		Cells []struct {
			CellType string   `json:"cell_type"`
			Source   []string `json:"source"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if len(nb.Cells) != len(want.Cells) {
		t.Fatalf("%d cells, want %d", len(nb.Cells), len(want.Cells))
	}
	for i, c := range nb.Cells {
		w := want.Cells[i]
		if c.Index != i || c.Type != w.CellType || c.Source != strings.Join(w.Source, "") {
			t.Errorf("cell %d = {%d %q %q}, want {%d %q %q}", i, c.Index, c.Type, c.Source, i, w.CellType, strings.Join(w.Source, ""))
		}
		if c.Python() != (w.CellType == Code) {
			t.Errorf("cell %d: Python() = %v", i, c.Python())
		}
	}
	if got := string(nb.Rewrite(nil)); got != string(raw) {
		t.Error("Rewrite(nil) changed the file")
	}
	same := map[int]string{}
	for _, c := range nb.Cells {
		same[c.Index] = c.Source
	}
	if got := string(nb.Rewrite(same)); got != string(raw) {
		t.Error("Rewrite with the same sources changed the file")
	}
}

func TestParseLanguages(t *testing.T) {
	for _, tc := range []struct {
		name, meta, cellMeta string
		python, cellPython   bool
	}{
		{"no metadata", `{}`, `{}`, true, true},
		{"language_info", `{"language_info": {"name": "python"}}`, `{}`, true, true},
		{"kernelspec only", `{"kernelspec": {"language": "python", "name": "python3"}}`, `{}`, true, true},
		{"R", `{"kernelspec": {"language": "R", "name": "ir"}, "language_info": {"name": "R"}}`, `{}`, false, true},
		{"julia", `{"language_info": {"name": "julia"}}`, `{}`, false, true},
		{"cell in SQL (VS Code)", `{}`, `{"vscode": {"languageId": "sql"}}`, true, false},
		{"cell in python (VS Code)", `{}`, `{"vscode": {"languageId": "python"}}`, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := `{"cells": [{"cell_type": "code", "metadata": ` + tc.cellMeta + `, "source": "x = 1", "outputs": [], "execution_count": null}], "metadata": ` + tc.meta + `, "nbformat": 4, "nbformat_minor": 5}`
			nb, err := Parse([]byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			if nb.Python() != tc.python || nb.Cells[0].Python() != tc.cellPython {
				t.Errorf("notebook Python() = %v, cell Python() = %v; want %v, %v", nb.Python(), nb.Cells[0].Python(), tc.python, tc.cellPython)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	const ok = `"metadata": {}, "nbformat": 4, "nbformat_minor": 5`
	for _, tc := range []struct {
		name, raw, want string
		at              string // the error's offset is where this text starts ("" = no check)
	}{
		{"not UTF-8", "{\"cells\": [], \"x\": \"\xff\"}", "not valid UTF-8", "\xff"},
		{"not JSON", `{"cells": [}`, "not valid JSON", "}"},
		{"truncated", `{"cells": [`, "not valid JSON", ""},
		{"empty", ``, "not valid JSON", ""},
		{"array", `[1, 2]`, "the file holds an array, not a JSON object", "["},
		{"no nbformat", `{"cells": []}`, "no nbformat key", ""},
		{"nbformat 3", `{"nbformat": 3, "worksheets": []}`, "nbformat 3 is not supported (want 4)", "3"},
		{"nbformat string", `{"nbformat": "4", "cells": []}`, "nbformat is a string, want the number 4", `"4"`},
		{"no cells", `{` + ok + `}`, "no cells key", ""},
		{"cells object", `{"cells": {}, ` + ok + `}`, "cells is an object, want an array", "{}"},
		{"cell number", `{"cells": [1], ` + ok + `}`, "cell 1 is a number, want an object", "1]"},
		{"no cell_type", `{"cells": [{"source": ""}], ` + ok + `}`, "cell 1 has no cell_type", ""},
		{"no source", `{"cells": [{"cell_type": "code"}], ` + ok + `}`, "cell 1 has no source", ""},
		{"source number", `{"cells": [{"cell_type": "markdown", "source": ""}, {"cell_type": "code", "source": 42}], ` + ok + `}`, "cell 2: source is a number, want a string or a list of strings", "42"},
		{"source null line", `{"cells": [{"cell_type": "code", "source": ["x\n", null]}], ` + ok + `}`, "cell 1: source line 2 is null, want a string", "null"},
		{"lone surrogate", `{"cells": [{"cell_type": "code", "source": ["x = '\ud800'"]}], ` + ok + `}`, `cell 1: source holds an unpaired UTF-16 surrogate (\ud800)`, `"x = `},
		{"low surrogate first", `{"cells": [{"cell_type": "code", "source": "\udc00\ud800"}], ` + ok + `}`, `unpaired UTF-16 surrogate (\udc00)`, `"\udc00`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.raw))
			e, isErr := err.(*Error)
			if !isErr {
				t.Fatalf("Parse = %v, want an *Error", err)
			}
			if !strings.Contains(e.Reason, tc.want) {
				t.Errorf("error %q, want it to contain %q", e.Reason, tc.want)
			}
			if tc.at != "" {
				if want := strings.Index(tc.raw, tc.at); e.Offset != want {
					t.Errorf("offset %d, want %d (%q)", e.Offset, want, tc.at)
				}
			}
		})
	}
}

func TestSurrogatePairDecodes(t *testing.T) {
	nb, err := Parse([]byte(`{"cells": [{"cell_type": "code", "source": "s = '\ud83d\ude00\u00e9'"}], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := nb.Cells[0].Source, "s = '😀é'"; got != want {
		t.Errorf("source %q, want %q", got, want)
	}
}
