package torchsem

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestExportSites reads testdata/export: "# site: API Class Forward Args [flags]" states the
// ExportSite of the call on its line ("-" for an absent class, forward or args; "# site: -"
// for a call that is not a site).
func TestExportSites(t *testing.T) {
	p := loadProgram(t, filepath.Join("testdata", "export", "sites.txtar"))
	checked := 0
	for _, f := range p.Files {
		tr := f.Tree
		sites := map[int]ExportSite{}
		for _, s := range f.ExportSites() {
			sites[f.Line(tr.Start(s.Call))] = s
		}
		for i, line := range strings.Split(string(f.Src), "\n") {
			_, want, ok := strings.Cut(line, "# site: ")
			if !ok {
				continue
			}
			checked++
			got := "-"
			if s, ok := sites[i]; ok {
				var parts []string
				parts = append(parts, []string{"", "Export", "DraftExport", "ExportForTraining", "LegacyExport", "DynamoExport"}[s.API])
				cls, fwd := "-", "-"
				if s.Class != nil {
					cls = s.Class.Name
				}
				if _, fn := s.Forward(); fn != nil {
					fwd = fn.QualName()
				}
				args := "-"
				if s.Args != NoNode {
					args = tr.String(s.Args)
				}
				parts = append(parts, cls, fwd, args)
				for _, flag := range []struct {
					name string
					n    NodeID
				}{{"kwargs", s.Kwargs}, {"dynamic_shapes", s.DynamicShapes}, {"strict", s.Strict}, {"constraints", s.Constraints}} {
					if flag.n != NoNode {
						parts = append(parts, flag.name)
					}
				}
				if tr.String(s.Model) == "" {
					t.Errorf("%s:%d: no model", f.Module.Name, i+1)
				}
				got = strings.Join(parts, " ")
			}
			if want = strings.TrimSpace(want); got != want {
				t.Errorf("%s:%d: site %q, want %q", f.Module.Name, i+1, got, want)
			}
		}
	}
	if checked != 10 {
		t.Errorf("%d expectations checked", checked)
	}
	for _, api := range []ExportAPI{Export, DraftExport, ExportForTraining, LegacyExport, DynamoExport} {
		if exportAPIs[api.String()] != api {
			t.Errorf("%v does not name itself", api)
		}
	}
}
