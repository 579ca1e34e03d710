package check

import (
	"io"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/). One run; the driver lists
// every rule (sorted by id, so ruleIndex is stable across runs) with its catalog summary,
// description, documentation (the rule's Doc, Markdown) and ExportDB URL. Artifact URIs are
// relative to %SRCROOT%, the working directory; columns are Unicode code points
// (run.columnKind). A notebook's regions are in the .ipynb file's JSON text (where code
// scanning shows them), with the cell and the cell-relative region in the result's
// properties (notebookCell, cellRegion); a fix replaces the source values of the cells it
// edits. Files that could not be checked are toolExecutionNotifications of the
// invocation, which is then not executionSuccessful.

const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	srcRoot      = "%SRCROOT%"
	infoURI      = "https://github.com/exportdb-lsp/exportdb-lsp"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                        `json:"tool"`
	Invocations        []sarifInvocation                `json:"invocations"`
	OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds,omitempty"`
	ColumnKind         string                           `json:"columnKind"`
	Results            []sarifResult                    `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string              `json:"id"`
	ShortDescription sarifMessage        `json:"shortDescription"`
	FullDescription  sarifMessage        `json:"fullDescription"`
	HelpURI          string              `json:"helpUri,omitempty"`
	Help             sarifMultiformat    `json:"help"`
	Properties       sarifRuleProperties `json:"properties"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifMultiformat struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRuleProperties struct {
	Tags []string `json:"tags"`
}

type sarifResult struct {
	RuleID           string          `json:"ruleId"`
	RuleIndex        int             `json:"ruleIndex"`
	Level            string          `json:"level"`
	Message          sarifMessage    `json:"message"`
	Locations        []sarifLocation `json:"locations"`
	RelatedLocations []sarifLocation `json:"relatedLocations,omitempty"`
	Fixes            []sarifFix      `json:"fixes,omitempty"`
	Properties       map[string]any  `json:"properties,omitempty"`
}

type sarifLocation struct {
	ID               *int          `json:"id,omitempty"`
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
	Message          *sarifMessage `json:"message,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
}

type sarifFix struct {
	Description     sarifMessage          `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
	Properties      map[string]string     `json:"properties,omitempty"`
}

type sarifArtifactChange struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Replacements     []sarifReplacement    `json:"replacements"`
}

type sarifReplacement struct {
	DeletedRegion   sarifRegion  `json:"deletedRegion"`
	InsertedContent sarifMessage `json:"insertedContent"` // an artifactContent: {"text": ...}
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

func (r *runner) writeSARIF(w io.Writer, results []*FileResult) error {
	rules, index := r.sarifRules()
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           "exportdb",
			Version:        r.version(),
			InformationURI: infoURI,
			Rules:          rules,
		}},
		OriginalURIBaseIDs: map[string]sarifArtifactLocation{srcRoot: {URI: dirURI(r.cwd)}},
		ColumnKind:         "unicodeCodePoints",
		Results:            []sarifResult{},
	}
	inv := sarifInvocation{ExecutionSuccessful: true}
	for _, fr := range results {
		art := r.artifact(fr.Abs)
		if fr.Err != nil {
			n := sarifNotification{Level: "error", Message: sarifMessage{fr.Path + ": " + fr.Err.Error()}}
			loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: art}}
			if p, ok := fr.errorPos(); ok {
				if fr.nb != nil {
					n.Message.Text = fr.Path + ":" + cellLocation(p) + ": " + fr.Err.Error()
					p = fr.nb.rawPos(fr.errorOffset())
				}
				loc.PhysicalLocation.Region = &sarifRegion{p.Line, p.Column, p.Line, p.Column}
			}
			n.Locations = []sarifLocation{loc}
			inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
			inv.ExecutionSuccessful = false
		}
		for _, re := range fr.RuleErrors {
			inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
				Level:     "error",
				Message:   sarifMessage{fr.Path + ": internal error: rule " + re.Rule + " panicked: " + re.Panic},
				Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: art}}},
			})
			inv.ExecutionSuccessful = false
		}
		for i := range fr.Findings {
			fd := &fr.Findings[i]
			idx, ok := index[fd.Case]
			if !ok { // a code outside the registry: describe it on the fly
				idx = len(run.Tool.Driver.Rules)
				index[fd.Case] = idx
				run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleFor(fd.Case, nil))
			}
			res := sarifResult{
				RuleID:    fd.Case,
				RuleIndex: idx,
				Level:     sarifLevel(fd.Severity),
				Message:   sarifMessage{fd.Message},
				Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: art, Region: fr.region(fd.Start, fd.End)}}},
				Properties: map[string]any{
					"severity":     fd.Severity.String(),
					"effect":       effectName(fd.Effect),
					"torchVersion": fr.Target.String(),
				},
			}
			if fd.Deprecated {
				res.Properties["deprecated"] = true
			}
			if fr.nb != nil {
				// the region points into the .ipynb file; say where that is in the notebook
				sp, ep := fr.pos(fd.Start), fr.pos(fr.nb.clampEnd(fd.Start, fd.End))
				res.Properties["notebookCell"] = sp.Cell
				res.Properties["cellRegion"] = sarifRegion{StartLine: sp.Line, StartColumn: sp.Column, EndLine: ep.Line, EndColumn: ep.Column}
			}
			for j, rel := range fd.Related {
				id := j
				relArt := art
				if rel.Path != "" {
					relArt = r.artifact(rel.Path)
				}
				res.RelatedLocations = append(res.RelatedLocations, sarifLocation{
					ID:               &id,
					PhysicalLocation: sarifPhysical{ArtifactLocation: relArt, Region: fr.relatedRegion(rel)},
					Message:          &sarifMessage{rel.Message},
				})
			}
			for _, fx := range fd.Fixes {
				ch := sarifArtifactChange{ArtifactLocation: art}
				switch {
				case fx.Elsewhere():
					ch.ArtifactLocation = r.artifact(fx.Path)
					for _, e := range fx.Edits {
						ch.Replacements = append(ch.Replacements, sarifReplacement{
							DeletedRegion:   *fr.relatedRegion(analysis.Related{Start: e.Start, End: e.End, Path: fx.Path, Src: fx.Src}),
							InsertedContent: sarifMessage{e.NewText},
						})
					}
				case fr.nb != nil:
					reps, ok := fr.nb.sarifReplacements(fx.Edits)
					if !ok {
						continue // no cell can hold it; --fix does not apply it either
					}
					ch.Replacements = reps
				default:
					for _, e := range fx.Edits {
						ch.Replacements = append(ch.Replacements, sarifReplacement{
							DeletedRegion:   *fr.region(e.Start, e.End),
							InsertedContent: sarifMessage{e.NewText},
						})
					}
				}
				res.Fixes = append(res.Fixes, sarifFix{
					Description:     sarifMessage{fx.Title},
					ArtifactChanges: []sarifArtifactChange{ch},
					Properties:      map[string]string{"safety": fx.Safety.String()},
				})
			}
			run.Results = append(run.Results, res)
		}
	}
	run.Invocations = []sarifInvocation{inv}
	return encodeJSON(w, sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

// sarifRules describes every rule, sorted by id, and returns the index of each id.
func (r *runner) sarifRules() ([]sarifRule, map[string]int) {
	byName := map[string]*analysis.Rule{}
	names := []string{analysis.UnusedSuppression}
	for _, rule := range r.o.Rules {
		if _, dup := byName[rule.Name]; !dup {
			byName[rule.Name] = rule
			names = append(names, rule.Name)
		}
	}
	sort.Strings(names)
	out := make([]sarifRule, len(names))
	index := make(map[string]int, len(names))
	for i, n := range names {
		out[i] = sarifRuleFor(n, byName[n])
		index[n] = i
	}
	return out, index
}

func sarifRuleFor(name string, rule *analysis.Rule) sarifRule {
	sr := sarifRule{ID: name, Properties: sarifRuleProperties{Tags: []string{}}}
	k, _ := catalog.Default().Lookup(name)
	switch {
	case k != nil:
		sr.ShortDescription.Text = k.Summary
		sr.FullDescription.Text = strings.TrimSpace(k.Description)
		sr.HelpURI = k.URL("")
		sr.Properties.Tags = append(sr.Properties.Tags, k.Tags...)
	case name == analysis.UnusedSuppression:
		sr.ShortDescription.Text = "An exportdb: ignore comment that suppresses nothing."
		sr.FullDescription.Text = "A suppression comment (# exportdb: ignore[...]) that matches no finding on its line. Remove it, or fix the case name it lists."
	}
	if sr.ShortDescription.Text == "" {
		sr.ShortDescription.Text = name
	}
	if sr.FullDescription.Text == "" {
		sr.FullDescription.Text = sr.ShortDescription.Text
	}
	if rule != nil && strings.TrimSpace(rule.Doc) != "" {
		sr.Help = sarifMultiformat{Text: rule.Doc, Markdown: rule.Doc}
	} else {
		sr.Help.Text = sr.FullDescription.Text
		if sr.HelpURI != "" {
			sr.Help.Text += "\n\nSee " + sr.HelpURI
			sr.Help.Markdown = sr.FullDescription.Text + "\n\nSee [ExportDB: " + name + "](" + sr.HelpURI + ")."
		}
	}
	return sr
}

func sarifLevel(s analysis.Severity) string {
	switch s {
	case analysis.Error:
		return "error"
	case analysis.Warning:
		return "warning"
	case analysis.Information, analysis.Hint:
		return "note"
	}
	return "none" // hover-only recognitions, shown with --min-severity off
}

// relatedRegion is the region of a related place: in fr's file, or in the other file it
// lies in (a notebook's in its .ipynb file, as region does).
func (fr *FileResult) relatedRegion(rel analysis.Related) *sarifRegion {
	if rel.Src == nil {
		return fr.region(rel.Start, rel.End)
	}
	other := &FileResult{Src: rel.Src, nb: fr.notebookOf(rel)}
	return other.region(rel.Start, rel.End)
}

// region converts a byte range of fr.Src; the end column is exclusive, as SARIF wants. In
// a notebook it is the range in the .ipynb file where the cell's source holds that text.
func (fr *FileResult) region(start, end int) *sarifRegion {
	if fr.nb != nil {
		end = fr.nb.clampEnd(start, end)
		s, e := fr.nb.rawPos(start), fr.nb.rawPos(end)
		return &sarifRegion{StartLine: s.Line, StartColumn: s.Column, EndLine: e.Line, EndColumn: e.Column}
	}
	s, e := fr.pos(start), fr.pos(end)
	return &sarifRegion{StartLine: s.Line, StartColumn: s.Column, EndLine: e.Line, EndColumn: e.Column}
}

// artifact names a file relative to %SRCROOT%, or by absolute file URI outside it.
func (r *runner) artifact(abs string) sarifArtifactLocation {
	rel, err := filepath.Rel(r.cwd, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return sarifArtifactLocation{URI: fileURI(abs)}
	}
	return sarifArtifactLocation{URI: (&url.URL{Path: filepath.ToSlash(rel)}).EscapedPath(), URIBaseID: srcRoot}
}

func fileURI(abs string) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // C:/x on Windows
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

func dirURI(abs string) string {
	u := fileURI(abs)
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	return u
}
