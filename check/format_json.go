package check

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
)

// The json format. Its shape is stable: fields are only ever added, lists are never null.
// Positions: line and column are 1-based, columns count Unicode code points, end positions
// are exclusive; offset is the 0-based byte offset.

// JSONSchemaVersion is the version of the json format's shape.
const JSONSchemaVersion = 1

type jsonReport struct {
	Version  int           `json:"version"`
	Tool     jsonTool      `json:"tool"`
	Columns  string        `json:"columns"`
	Findings []jsonFinding `json:"findings"`
	Errors   []jsonError   `json:"errors"`
	Summary  jsonSummary   `json:"summary"`
}

type jsonTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type jsonFinding struct {
	Path         string        `json:"path"`
	Case         string        `json:"case"`
	Severity     string        `json:"severity"`
	Effect       string        `json:"effect"`
	Message      string        `json:"message"`
	URL          string        `json:"url"`
	Tags         []string      `json:"tags"`
	TorchVersion string        `json:"torch_version"`
	Deprecated   bool          `json:"deprecated"`
	Start        position      `json:"start"`
	End          position      `json:"end"`
	Fixes        []jsonFix     `json:"fixes"`
	Related      []jsonRelated `json:"related"`
}

type jsonFix struct {
	Title  string     `json:"title"`
	Safety string     `json:"safety"` // "safe" or "unsafe"
	Edits  []jsonEdit `json:"edits"`
	Path   string     `json:"path,omitempty"` // the file the edits apply to, when not the finding's
}

type jsonEdit struct {
	Start   position `json:"start"`
	End     position `json:"end"`
	NewText string   `json:"new_text"`
}

type jsonRelated struct {
	Path    string   `json:"path,omitempty"` // another file's path, as paths are shown; absent: the finding's file
	Start   position `json:"start"`
	End     position `json:"end"`
	Message string   `json:"message"`
}

type jsonError struct {
	Path    string    `json:"path"`
	Kind    string    `json:"kind"` // io, source, write or rule
	Message string    `json:"message"`
	Start   *position `json:"start,omitempty"` // where in the file, when known
}

type jsonSummary struct {
	Files      int            `json:"files"`    // files checked, errors included
	Findings   int            `json:"findings"` // findings reported
	Fixed      int            `json:"fixed"`    // fixes applied
	Errors     int            `json:"errors"`   // entries of errors
	BySeverity map[string]int `json:"by_severity"`
}

func (r *runner) writeJSON(w io.Writer, results []*FileResult) error {
	rep := jsonReport{
		Version:  JSONSchemaVersion,
		Tool:     jsonTool{Name: "exportdb", Version: r.version()},
		Columns:  "1-based Unicode code points; end positions are exclusive; offsets are 0-based bytes",
		Findings: []jsonFinding{},
		Errors:   []jsonError{},
		Summary:  jsonSummary{Files: len(results), BySeverity: map[string]int{}},
	}
	size := 0
	for _, fr := range results {
		rep.Summary.Fixed += fr.Fixed
		if fr.Err != nil {
			e := jsonError{Path: fr.Path, Kind: fr.ErrorKind(), Message: fr.Err.Error()}
			if p, ok := fr.errorPos(); ok {
				e.Start = &p
			}
			rep.Errors = append(rep.Errors, e)
		}
		for _, re := range fr.RuleErrors {
			rep.Errors = append(rep.Errors, jsonError{Path: fr.Path, Kind: "rule", Message: "rule " + re.Rule + " panicked: " + re.Panic})
		}
		renderJSONFindings(fr)
		size += len(fr.rendered) + 6
		for i := range fr.Findings {
			rep.Summary.BySeverity[fr.Findings[i].Severity.String()]++
		}
		rep.Summary.Findings += len(fr.Findings)
	}
	rep.Summary.Errors = len(rep.Errors)
	return writeJSONReport(w, &rep, results, size)
}

// renderJSONFindings renders fr's findings as elements of the report's findings list,
// indented and joined by commas. The workers call it, so that the report is assembled, not
// encoded, at the end of a run: encoding thousands of findings there would be the run's
// serial tail.
func renderJSONFindings(fr *FileResult) {
	if fr.renderedJSON || len(fr.Findings) == 0 {
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("    ", "  ")
	enc.SetEscapeHTML(false)
	for i := range fr.Findings {
		if i > 0 {
			buf.WriteString(",\n    ")
		}
		if err := enc.Encode(jsonFindingOf(fr, &fr.Findings[i])); err != nil {
			panic(err) // plain strings, numbers and lists: cannot fail
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
	}
	fr.rendered, fr.renderedJSON = buf.Bytes(), true
}

// writeJSONReport writes rep as encodeJSON would, with the findings taken from the
// results' rendered findings (rep.Findings is ignored).
func writeJSONReport(w io.Writer, rep *jsonReport, results []*FileResult, size int) error {
	var b bytes.Buffer
	b.Grow(size + 4096)
	field := func(name string, v any, last bool) {
		b.WriteString("  \"" + name + "\": ")
		enc := json.NewEncoder(&b)
		enc.SetIndent("  ", "  ")
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v) // ints, strings and string-keyed maps
		b.Truncate(b.Len() - 1)
		if !last {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("{\n")
	field("version", rep.Version, false)
	field("tool", rep.Tool, false)
	field("columns", rep.Columns, false)
	b.WriteString("  \"findings\": [")
	first := true
	for _, fr := range results {
		if len(fr.rendered) == 0 {
			continue
		}
		if first {
			b.WriteString("\n    ")
			first = false
		} else {
			b.WriteString(",\n    ")
		}
		b.Write(fr.rendered)
	}
	if !first {
		b.WriteString("\n  ")
	}
	b.WriteString("],\n")
	field("errors", rep.Errors, false)
	field("summary", rep.Summary, true)
	b.WriteString("}\n")
	_, err := w.Write(b.Bytes())
	return err
}

func jsonFindingOf(fr *FileResult, fd *analysis.Finding) jsonFinding {
	jf := jsonFinding{
		Path:         fr.Path,
		Case:         fd.Case,
		Severity:     fd.Severity.String(),
		Effect:       effectName(fd.Effect),
		Message:      fd.Message,
		URL:          caseURL(fd.Case),
		Tags:         caseTags(fd.Case),
		TorchVersion: fr.Target.String(),
		Deprecated:   fd.Deprecated,
		Start:        fr.pos(fd.Start),
		End:          fr.pos(fd.End),
		Fixes:        []jsonFix{},
		Related:      []jsonRelated{},
	}
	for _, fx := range fd.Fixes {
		f := jsonFix{Title: fx.Title, Safety: fx.Safety.String(), Edits: []jsonEdit{}}
		for _, e := range fx.Edits {
			if fx.Elsewhere() {
				at := analysis.Related{Path: fx.Path, Src: fx.Src}
				f.Edits = append(f.Edits, jsonEdit{Start: fr.relatedPos(at, e.Start), End: fr.relatedPos(at, e.End), NewText: e.NewText})
				continue
			}
			f.Edits = append(f.Edits, jsonEdit{Start: fr.pos(e.Start), End: fr.pos(e.End), NewText: e.NewText})
		}
		if fx.Elsewhere() {
			f.Path = fr.display(fx.Path)
		}
		jf.Fixes = append(jf.Fixes, f)
	}
	for _, rel := range fd.Related {
		jr := jsonRelated{Start: fr.relatedPos(rel, rel.Start), End: fr.relatedPos(rel, rel.End), Message: rel.Message}
		if rel.Path != "" {
			jr.Path = fr.display(rel.Path)
		}
		jf.Related = append(jf.Related, jr)
	}
	return jf
}

func (r *runner) writeStatisticsJSON(w io.Writer, results []*FileResult) error {
	return encodeJSON(w, struct {
		Version    int          `json:"version"`
		Statistics []*caseStats `json:"statistics"`
	}{JSONSchemaVersion, statistics(results)})
}

func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func (r *runner) version() string {
	if r.o.Version == "" {
		return "dev"
	}
	return r.o.Version
}
