package check

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"unicode/utf8"

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
	b := make([]byte, 0, 1024*len(fr.Findings)) // a finding takes 600 to 1,000 bytes
	for i := range fr.Findings {
		if i > 0 {
			b = append(b, ",\n    "...)
		}
		jf := jsonFindingOf(fr, &fr.Findings[i])
		b = appendJSONFinding(b, &jf)
	}
	fr.rendered, fr.renderedJSON = b, true
}

// appendJSONFinding appends jf as encoding/json encodes it with the prefix "    ", the
// indent "  " and no HTML escaping, field for field, without reflection or a second pass
// to indent: the encoder took most of a run's time when the findings come from the cache.
// TestJSONFindingEncoding holds it to the encoder.
func appendJSONFinding(b []byte, jf *jsonFinding) []byte {
	w := jsonIndenter{b: b, prefix: "    "}
	w.begin('{')
	w.str("path", jf.Path)
	w.str("case", jf.Case)
	w.str("severity", jf.Severity)
	w.str("effect", jf.Effect)
	w.str("message", jf.Message)
	w.str("url", jf.URL)
	w.key("tags")
	w.begin('[')
	for _, t := range jf.Tags {
		w.elem()
		w.b = appendJSONString(w.b, t)
	}
	w.end(']')
	w.str("torch_version", jf.TorchVersion)
	w.key("deprecated")
	w.b = strconv.AppendBool(w.b, jf.Deprecated)
	w.pos("start", jf.Start)
	w.pos("end", jf.End)
	w.key("fixes")
	w.begin('[')
	for i := range jf.Fixes {
		fx := &jf.Fixes[i]
		w.elem()
		w.begin('{')
		w.str("title", fx.Title)
		w.str("safety", fx.Safety)
		w.key("edits")
		w.begin('[')
		for _, e := range fx.Edits {
			w.elem()
			w.begin('{')
			w.pos("start", e.Start)
			w.pos("end", e.End)
			w.str("new_text", e.NewText)
			w.end('}')
		}
		w.end(']')
		w.end('}')
	}
	w.end(']')
	w.key("related")
	w.begin('[')
	for _, r := range jf.Related {
		w.elem()
		w.begin('{')
		if r.Path != "" {
			w.str("path", r.Path)
		}
		w.pos("start", r.Start)
		w.pos("end", r.End)
		w.str("message", r.Message)
		w.end('}')
	}
	w.end(']')
	w.end('}')
	return w.b
}

// jsonIndenter writes indented JSON as encoding/json's Indent lays it out: an empty object
// or list stays on one line, elements go one per line, indented by depth.
type jsonIndenter struct {
	b      []byte
	prefix string
	filled []bool // per open object or list: whether it has an element yet
}

func (w *jsonIndenter) newline() {
	w.b = append(w.b, '\n')
	w.b = append(w.b, w.prefix...)
	for range w.filled {
		w.b = append(w.b, "  "...)
	}
}

func (w *jsonIndenter) begin(c byte) {
	w.b = append(w.b, c)
	w.filled = append(w.filled, false)
}

func (w *jsonIndenter) end(c byte) {
	top := len(w.filled) - 1
	filled := w.filled[top]
	w.filled = w.filled[:top]
	if filled {
		w.newline()
	}
	w.b = append(w.b, c)
}

// elem starts an element of the innermost object or list.
func (w *jsonIndenter) elem() {
	top := len(w.filled) - 1
	if w.filled[top] {
		w.b = append(w.b, ',')
	}
	w.filled[top] = true
	w.newline()
}

func (w *jsonIndenter) key(k string) {
	w.elem()
	w.b = appendJSONString(w.b, k)
	w.b = append(w.b, ": "...)
}

func (w *jsonIndenter) str(k, v string) {
	w.key(k)
	w.b = appendJSONString(w.b, v)
}

func (w *jsonIndenter) int(k string, v int) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, int64(v), 10)
}

func (w *jsonIndenter) pos(k string, p position) {
	w.key(k)
	w.begin('{')
	if p.Cell != 0 {
		w.int("cell", p.Cell)
	}
	w.int("line", p.Line)
	w.int("column", p.Column)
	w.int("offset", p.Offset)
	w.end('}')
}

// appendJSONString appends s quoted as encoding/json quotes it without HTML escaping:
// quotes, backslashes and control characters escaped (\b \f \n \r \t by name, others as
// \u00XX), invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
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
