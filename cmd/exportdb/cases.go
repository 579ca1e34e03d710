package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/exportdb-lsp/exportdb-lsp/catalog"
	"github.com/exportdb-lsp/exportdb-lsp/catalog/render"
)

const casesUsage = `usage: exportdb cases [flags] [NAME]

Without NAME, list the catalog: name, support level, tags and summary of each case. The list
holds ExportDB's cases; --origin exportdb-lsp or --origin all shows the cases exportdb-lsp
adds from PyTorch's export documentation.
With NAME (a current or former name, such as unsupported_operator), print the case's card.

flags:
`

// runCases implements `exportdb cases`.
func runCases(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("cases", casesUsage, stdout, stderr)
	versionFlag := fs.String("torch-version", "", "torch version to report levels for, e.g. 2.10 (default: the newest the catalog records)")
	tagFlag := fs.String("tag", "", "list only cases with this tag")
	levelFlag := fs.String("level", "", "list only cases at this level: SUPPORTED or NOT_SUPPORTED_YET")
	jsonFlag := fs.Bool("json", false, "print JSON instead of text")
	colorFlag := fs.String("color", "auto", "colour the card: `WHEN` is auto (when stdout is a terminal; NO_COLOR and FORCE_COLOR are honoured), always or never")
	noColor := fs.Bool("no-color", false, "never colour the card (same as --color never)")
	docVersion := fs.String("doc-version", "main", "pytorch.org documentation version that links point to")
	originFlag := fs.String("origin", "exportdb", "which cases to list: exportdb (ExportDB's), exportdb-lsp (the ones this tool adds) or all")

	fs.completeValues("torch-version", false, torchVersions()...)
	fs.completeValues("level", false, "SUPPORTED", "NOT_SUPPORTED_YET")
	fs.completeValues("tag", false, tagNames()...)
	fs.completeValues("color", false, colorModes...)
	fs.completeValues("origin", false, "exportdb", "exportdb-lsp", "all")
	fs.positional = caseNames

	names, err := fs.parse(args)
	if err != nil {
		return exitForParse(err)
	}
	color, err := colorEnabled(*colorFlag, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "exportdb cases: --color: %v\n", err)
		return 2
	}
	if *noColor {
		color = false
	}
	if len(names) > 1 {
		fmt.Fprintf(stderr, "exportdb cases: want at most one case name, got %d: %s\n", len(names), strings.Join(names, " "))
		return 2
	}

	cat := catalog.Default()
	v := cat.LatestVersion()
	if *versionFlag != "" {
		if v, err = catalog.ParseVersion(*versionFlag); err != nil {
			fmt.Fprintf(stderr, "exportdb cases: --torch-version: %v\n", err)
			return 2
		}
		if msg, unknown := cat.Unrecorded(v); unknown {
			fmt.Fprintf(stderr, "exportdb cases: warning: %s\n", msg)
		}
	}

	if len(names) == 1 {
		if *tagFlag != "" || *levelFlag != "" {
			fmt.Fprintln(stderr, "exportdb cases: --tag and --level filter the list; they do not apply to a case name")
			return 2
		}
		c, ok := cat.Lookup(names[0])
		if !ok {
			msg := fmt.Sprintf("exportdb cases: unknown case %q", names[0])
			if s := cat.Suggest(names[0]); len(s) > 0 {
				msg += "; did you mean " + orList(s) + "?"
			}
			fmt.Fprintln(stderr, msg)
			fmt.Fprintln(stderr, "Run 'exportdb cases' to list every case.")
			return 2
		}
		if *jsonFlag {
			return writeJSON(stdout, stderr, caseDetail(c, v, *docVersion))
		}
		fmt.Fprint(stdout, render.Card(c, render.CardOptions{
			Version:    v,
			Newest:     cat.LatestVersion(),
			Color:      color,
			DocVersion: *docVersion,
		}))
		return 0
	}

	var cases []*catalog.Case
	hidden := 0
	switch *originFlag {
	case "all":
		cases = cat.Cases()
	case string(catalog.FromExportDB), string(catalog.FromExportDBLSP):
		for _, c := range cat.Cases() {
			if string(c.Origin) == *originFlag {
				cases = append(cases, c)
			} else {
				hidden++
			}
		}
	default:
		fmt.Fprintf(stderr, "exportdb cases: --origin: invalid origin %q: want exportdb, exportdb-lsp or all\n", *originFlag)
		return 2
	}
	if *tagFlag != "" {
		if _, ok := cat.Tag(*tagFlag); !ok {
			known := make([]string, len(cat.Tags()))
			for i, t := range cat.Tags() {
				known[i] = t.Name
			}
			fmt.Fprintf(stderr, "exportdb cases: unknown tag %q; tags are: %s\n", *tagFlag, strings.Join(known, ", "))
			return 2
		}
		var kept []*catalog.Case
		for _, c := range cases {
			if c.HasTag(*tagFlag) {
				kept = append(kept, c)
			}
		}
		cases = kept
	}
	if *levelFlag != "" {
		l, err := catalog.ParseSupportLevel(*levelFlag)
		if err != nil {
			fmt.Fprintf(stderr, "exportdb cases: --level: %v\n", err)
			return 2
		}
		var kept []*catalog.Case
		for _, c := range cases {
			if c.LevelAt(v) == l {
				kept = append(kept, c)
			}
		}
		cases = kept
	}

	if *jsonFlag {
		out := make([]caseJSON, len(cases))
		for i, c := range cases {
			out[i] = caseSummary(c, v, *docVersion)
		}
		return writeJSON(stdout, stderr, out)
	}
	if len(cases) == 0 {
		fmt.Fprintln(stderr, "exportdb cases: no case matches")
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "NAME\tLEVEL (torch %s)\tTAGS\tSUMMARY\n", v)
	for _, c := range cases {
		tags := "-"
		if len(c.Tags) > 0 {
			tags = strings.Join(c.Tags, ",")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, c.LevelAt(v), tags, c.Summary)
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintf(stderr, "exportdb cases: %v\n", err)
		return 2
	}
	if hidden > 0 && *originFlag == string(catalog.FromExportDB) && *tagFlag == "" && *levelFlag == "" {
		fmt.Fprintf(stdout, "\n%d more cases added by exportdb-lsp: exportdb cases --origin all\n", hidden)
	}
	return 0
}

func orList(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// caseJSON is the stable JSON shape of a case in `exportdb cases --json`. Fields are only
// ever added; lists are never null.
type caseJSON struct {
	Name          string       `json:"name"`
	Aliases       []string     `json:"aliases"`
	Origin        string       `json:"origin"`
	TorchVersion  string       `json:"torch_version"`
	Level         string       `json:"level"`
	NameAtVersion string       `json:"name_at_version"`
	BaseVersion   string       `json:"base_version"`
	BaseLevel     string       `json:"base_level"`
	SupportedFrom *string      `json:"supported_from"`
	Tags          []string     `json:"tags"`
	Summary       string       `json:"summary"`
	URL           string       `json:"url"`
	History       []changeJSON `json:"history"`
	Notes         []string     `json:"notes"`
}

type changeJSON struct {
	Version string `json:"version"`
	Mode    string `json:"mode,omitempty"` // "strict" or "non-strict"; absent: both modes
	Level   string `json:"level,omitempty"`
	Name    string `json:"name,omitempty"`
	Result  string `json:"result,omitempty"`
	Note    string `json:"note,omitempty"`
}

// caseDetailed is the JSON of `exportdb cases NAME --json`: the list fields plus the
// case's texts.
type caseDetailed struct {
	caseJSON
	Description     string `json:"description"`
	Example         string `json:"example"`
	ExamplePath     string `json:"example_path"`
	Result          string `json:"result"`
	ResultAtVersion string `json:"result_at_version"`
	Rewrite         string `json:"rewrite"`
}

func caseSummary(c *catalog.Case, v catalog.Version, docVersion string) caseJSON {
	j := caseJSON{
		Name:          c.Name,
		Aliases:       nonNil(c.Aliases),
		Origin:        string(c.Origin),
		TorchVersion:  v.String(),
		Level:         c.LevelAt(v).String(),
		NameAtVersion: c.NameAt(v),
		BaseVersion:   catalog.BaseVersion.String(),
		BaseLevel:     c.Level.String(),
		Tags:          nonNil(c.Tags),
		Summary:       c.Summary,
		URL:           c.URL(docVersion),
		History:       []changeJSON{},
		Notes:         nonNil(c.Notes),
	}
	if from, ok := c.SupportedFrom(); ok {
		s := from.String()
		j.SupportedFrom = &s
	}
	for _, ch := range c.History {
		cj := changeJSON{Version: ch.Version.String(), Mode: ch.Mode.String(), Name: ch.Name, Result: ch.Result, Note: ch.Note}
		if ch.Level != nil {
			cj.Level = ch.Level.String()
		}
		j.History = append(j.History, cj)
	}
	return j
}

func caseDetail(c *catalog.Case, v catalog.Version, docVersion string) caseDetailed {
	return caseDetailed{
		caseJSON:        caseSummary(c, v, docVersion),
		Description:     c.Description,
		Example:         c.Example,
		ExamplePath:     c.ExamplePath,
		Result:          c.Result,
		ResultAtVersion: c.ResultAt(v),
		Rewrite:         c.Rewrite,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func writeJSON(stdout, stderr io.Writer, v any) int {
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(stderr, "exportdb cases: %v\n", err)
		return 2
	}
	return 0
}
