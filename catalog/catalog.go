// Package catalog is ExportDB as data: every case of PyTorch's export catalog (and the
// cases exportdb-lsp adds), its tags, its support level at each torch version, and the
// links to its documentation. The data lives in cases/<name>/ (case.toml, example.py,
// result.txt, rewrite.py) and tags.toml, embedded in the binary.
//
// Start with Default, then Catalog.Lookup or Catalog.Cases; Case.LevelAt answers "is this
// supported in torch X.Y".
package catalog

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
)

//go:embed cases tags.toml
var dataFS embed.FS

// BaseVersion is the torch release the seed ExportDB page was generated from (strict mode).
// A case's Level is its level there; History records what changed after.
var BaseVersion = Version{2, 2}

// SupportLevel is ExportDB's verdict on a case.
type SupportLevel int

const (
	// Supported: torch.export produces a correct graph.
	Supported SupportLevel = iota
	// NotSupportedYet: torch.export raises an error.
	NotSupportedYet
)

// String returns ExportDB's spelling: SUPPORTED or NOT_SUPPORTED_YET.
func (l SupportLevel) String() string {
	if l == NotSupportedYet {
		return "NOT_SUPPORTED_YET"
	}
	return "SUPPORTED"
}

// ParseSupportLevel reads ExportDB's spelling (case-insensitive; "unsupported" is accepted).
func ParseSupportLevel(s string) (SupportLevel, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "SUPPORTED":
		return Supported, nil
	case "NOT_SUPPORTED_YET", "UNSUPPORTED", "NOT_SUPPORTED":
		return NotSupportedYet, nil
	}
	return 0, fmt.Errorf("invalid support level %q: want SUPPORTED or NOT_SUPPORTED_YET", s)
}

// Origin says where a case comes from.
type Origin string

const (
	// FromExportDB marks a case of PyTorch's ExportDB page.
	FromExportDB Origin = "exportdb"
	// FromExportDBLSP marks a case this project adds, documented from PyTorch's export docs.
	FromExportDBLSP Origin = "exportdb-lsp"
)

// Mode is the tracing mode of torch.export a history entry is about.
type Mode uint8

// Modes. ExportDB's results describe strict mode; an entry for both modes holds for each.
const (
	BothModes Mode = iota
	StrictMode
	NonStrictMode
)

// String is the spelling of case.toml: "", "strict" or "non-strict".
func (m Mode) String() string {
	switch m {
	case StrictMode:
		return "strict"
	case NonStrictMode:
		return "non-strict"
	}
	return ""
}

// applies reports whether an entry of mode m holds for the given mode.
func (m Mode) applies(strict bool) bool {
	return m == BothModes || (m == StrictMode) == strict
}

// Change is one entry of a case's history: from Version on, the fields that are set hold
// (in Mode only, when it is not BothModes).
type Change struct {
	Version Version
	Mode    Mode
	Level   *SupportLevel // nil: unchanged
	Name    string        // the name ExportDB uses from this version; "": unchanged
	Result  string        // what export does from this version (error text or a summary)
	Note    string        // what changed, in a sentence
}

// Case is one ExportDB case.
type Case struct {
	Name        string   // the name in the seed ExportDB page; rule codes use it
	Aliases     []string // other names the case has had (e.g. unsupported_operator)
	Origin      Origin
	Tags        []string     // in the order the seed lists them
	Level       SupportLevel // at BaseVersion
	Summary     string       // one line
	Description string       // the example's docstring, dedented
	Example     string       // example.py verbatim
	ExamplePath string       // path of example.py inside FS()
	Result      string       // result.txt verbatim: the exported program or the error
	Rewrite     string       // rewrite.py verbatim, or ""
	History     []Change     // sorted by Version; all after BaseVersion
	Notes       []string     // facts from PyTorch's docs that no version pins (API moves)
	DocURL      string       // for cases of ours: the PyTorch page that explains them
}

// LevelAt returns the case's support level in torch v in strict mode, the mode ExportDB
// describes. Versions before BaseVersion get the base level (nothing older is recorded);
// versions after the newest change keep its level.
func (c *Case) LevelAt(v Version) SupportLevel { return c.LevelIn(v, true) }

// LevelIn returns the case's support level in torch v for strict or non-strict export.
func (c *Case) LevelIn(v Version, strict bool) SupportLevel {
	l := c.Level
	for _, ch := range c.History {
		if v.Less(ch.Version) {
			break
		}
		if ch.Level != nil && ch.Mode.applies(strict) {
			l = *ch.Level
		}
	}
	return l
}

// ModeDiffers reports whether the case's level in some recorded version depends on the
// tracing mode.
func (c *Case) ModeDiffers() bool {
	for _, ch := range c.History {
		if ch.Mode != BothModes && ch.Level != nil {
			return true
		}
	}
	return false
}

// NameAt returns the name ExportDB gives the case in torch v.
func (c *Case) NameAt(v Version) string {
	n := c.Name
	for _, ch := range c.History {
		if v.Less(ch.Version) {
			break
		}
		if ch.Name != "" {
			n = ch.Name
		}
	}
	return n
}

// ResultAt returns the newest recorded result at or before v in strict mode (the base
// Result if none).
func (c *Case) ResultAt(v Version) string { return c.ResultIn(v, true) }

// ResultIn returns the newest recorded result at or before v for the given mode.
func (c *Case) ResultIn(v Version, strict bool) string {
	r := c.Result
	for _, ch := range c.History {
		if v.Less(ch.Version) {
			break
		}
		if ch.Result != "" && ch.Mode.applies(strict) {
			r = ch.Result
		}
	}
	return r
}

// SupportedFrom returns the first version at which the case is supported in strict mode,
// and false when it is unsupported at every recorded version.
func (c *Case) SupportedFrom() (Version, bool) {
	if c.Level == Supported {
		return BaseVersion, true
	}
	for _, ch := range c.History {
		if ch.Level != nil && *ch.Level == Supported && ch.Mode.applies(true) {
			return ch.Version, true
		}
	}
	return Version{}, false
}

// HasTag reports whether the case carries tag.
func (c *Case) HasTag(tag string) bool {
	for _, t := range c.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

// DocsBase is the root of PyTorch's documentation; "main" is the default doc version.
const DocsBase = "https://pytorch.org/docs/"

// URL returns the case's documentation page for a doc version ("main", "2.5", ...; "" is
// main). ExportDB cases link to their anchor on the ExportDB index page; cases of ours to
// the PyTorch page that explains them.
func (c *Case) URL(docVersion string) string {
	if c.Origin != FromExportDB && c.DocURL != "" {
		return c.DocURL
	}
	if docVersion == "" {
		docVersion = "main"
	}
	return DocsBase + docVersion + "/generated/exportdb/index.html#" + strings.ReplaceAll(c.Name, "_", "-")
}

// TagURL returns the ExportDB page of a tag.
func TagURL(tag, docVersion string) string {
	if docVersion == "" {
		docVersion = "main"
	}
	return DocsBase + docVersion + "/generated/exportdb/" + tag + ".html"
}

// Tag is an entry of ExportDB's tag registry.
type Tag struct {
	Name        string
	Description string
	Toctree     bool // listed in the seed page's toctree (python.standard-library is not)
}

// Catalog is a loaded, immutable set of cases and tags. It is safe for concurrent use.
type Catalog struct {
	cases  []*Case // sorted by name
	byName map[string]*Case
	tags   []*Tag // toctree order, then the others
	latest Version
}

// Cases returns all cases sorted by name. Callers must not modify them.
func (c *Catalog) Cases() []*Case { return c.cases }

// Lookup finds a case by its name or a former name.
func (c *Catalog) Lookup(name string) (*Case, bool) {
	k, ok := c.byName[name]
	return k, ok
}

// Tags returns the tag registry: the seed's toctree order first, then the unlisted tags.
func (c *Catalog) Tags() []*Tag { return c.tags }

// Tag looks up a tag by name.
func (c *Catalog) Tag(name string) (*Tag, bool) {
	for _, t := range c.tags {
		if t.Name == name {
			return t, true
		}
	}
	return nil, false
}

// WithTag returns the cases carrying tag, sorted by name.
func (c *Catalog) WithTag(tag string) []*Case {
	var out []*Case
	for _, k := range c.cases {
		if k.HasTag(tag) {
			out = append(out, k)
		}
	}
	return out
}

// LatestVersion is the newest torch version any history entry mentions: the default target.
func (c *Catalog) LatestVersion() Version { return c.latest }

// Unrecorded reports whether the catalog has no record of torch v, with a warning that says
// how v is judged: a version newer than LatestVersion as LatestVersion (later changes are
// unknown), one older than BaseVersion as BaseVersion.
func (c *Catalog) Unrecorded(v Version) (string, bool) {
	switch {
	case c.latest.Less(v):
		return fmt.Sprintf("torch %s is newer than the newest version exportdb knows (%s): support levels are those of %s; changes in later releases are not known", v, c.latest, c.latest), true
	case v.Less(BaseVersion):
		return fmt.Sprintf("torch %s is older than the oldest version ExportDB records (%s): support levels are those of %s", v, BaseVersion, BaseVersion), true
	}
	return "", false
}

// Suggest returns up to three case names closest to name, for "did you mean" errors.
func (c *Catalog) Suggest(name string) []string {
	type scored struct {
		name string
		d    int
	}
	var all []scored
	name = strings.ToLower(name)
	for n := range c.byName {
		d := EditDistance(name, n)
		if strings.Contains(n, name) || strings.Contains(name, n) {
			d = d / 2
		}
		all = append(all, scored{n, d})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].d != all[j].d {
			return all[i].d < all[j].d
		}
		return all[i].name < all[j].name
	})
	var out []string
	limit := len(name)/2 + 3
	for _, s := range all {
		if len(out) == 3 || s.d > limit {
			break
		}
		out = append(out, s.name)
	}
	return out
}

// EditDistance is the Levenshtein distance between a and b, in bytes: what "did you mean"
// suggestions rank by.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// FS returns the embedded catalog files (cases/<name>/example.py and the rest).
func FS() fs.FS { return dataFS }

var (
	defaultOnce sync.Once
	defaultCat  *Catalog
	defaultErr  error
)

// Default returns the embedded catalog. The data is validated by tests, so an error here
// means a broken build; it panics rather than hand every caller an error to check.
func Default() *Catalog {
	defaultOnce.Do(func() { defaultCat, defaultErr = Load(dataFS) })
	if defaultErr != nil {
		panic("catalog: embedded data is invalid: " + defaultErr.Error())
	}
	return defaultCat
}

type caseFile struct {
	Origin       string   `toml:"origin"`
	Tags         []string `toml:"tags"`
	SupportLevel string   `toml:"support_level"`
	Summary      string   `toml:"summary"`
	Aliases      []string `toml:"aliases"`
	DocURL       string   `toml:"doc_url"`
	Notes        []string `toml:"notes"`
	History      []struct {
		Version      string `toml:"version"`
		Mode         string `toml:"mode"`
		SupportLevel string `toml:"support_level"`
		Name         string `toml:"name"`
		Result       string `toml:"result"`
		Note         string `toml:"note"`
	} `toml:"history"`
}

type tagsFile struct {
	Tags []struct {
		Name        string `toml:"name"`
		Description string `toml:"description"`
		Toctree     bool   `toml:"toctree"`
	} `toml:"tag"`
}

// Load reads a catalog laid out like the embedded one (cases/<name>/..., tags.toml).
func Load(fsys fs.FS) (*Catalog, error) {
	cat := &Catalog{byName: map[string]*Case{}, latest: BaseVersion}
	var tf tagsFile
	tb, err := fs.ReadFile(fsys, "tags.toml")
	if err != nil {
		return nil, err
	}
	if _, err := toml.Decode(string(tb), &tf); err != nil {
		return nil, fmt.Errorf("tags.toml: %w", err)
	}
	known := map[string]bool{}
	for _, t := range tf.Tags {
		cat.tags = append(cat.tags, &Tag{Name: t.Name, Description: t.Description, Toctree: t.Toctree})
		known[t.Name] = true
	}
	dirs, err := fs.ReadDir(fsys, "cases")
	if err != nil {
		return nil, err
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		k, err := loadCase(fsys, d.Name(), known)
		if err != nil {
			return nil, fmt.Errorf("cases/%s: %w", d.Name(), err)
		}
		for _, n := range append([]string{k.Name}, k.Aliases...) {
			if _, dup := cat.byName[n]; dup {
				return nil, fmt.Errorf("cases/%s: name %q is used twice", d.Name(), n)
			}
			cat.byName[n] = k
		}
		for _, ch := range k.History {
			if cat.latest.Less(ch.Version) {
				cat.latest = ch.Version
			}
		}
		cat.cases = append(cat.cases, k)
	}
	sort.Slice(cat.cases, func(i, j int) bool { return cat.cases[i].Name < cat.cases[j].Name })
	return cat, nil
}

func loadCase(fsys fs.FS, name string, knownTags map[string]bool) (*Case, error) {
	dir := path.Join("cases", name)
	var cf caseFile
	b, err := fs.ReadFile(fsys, path.Join(dir, "case.toml"))
	if err != nil {
		return nil, err
	}
	md, err := toml.Decode(string(b), &cf)
	if err != nil {
		return nil, fmt.Errorf("case.toml: %w", err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		return nil, fmt.Errorf("case.toml: unknown key %q", un[0].String())
	}
	k := &Case{Name: name, Aliases: cf.Aliases, Origin: Origin(cf.Origin), Tags: cf.Tags,
		Summary: cf.Summary, DocURL: cf.DocURL, Notes: cf.Notes, ExamplePath: path.Join(dir, "example.py")}
	if k.Origin != FromExportDB && k.Origin != FromExportDBLSP {
		return nil, fmt.Errorf("case.toml: origin %q: want %q or %q", cf.Origin, FromExportDB, FromExportDBLSP)
	}
	if k.Origin == FromExportDBLSP && k.DocURL == "" {
		return nil, fmt.Errorf("case.toml: a case of ours needs doc_url")
	}
	for _, t := range k.Tags {
		if !knownTags[t] {
			return nil, fmt.Errorf("case.toml: tag %q is not in tags.toml", t)
		}
	}
	if k.Level, err = ParseSupportLevel(cf.SupportLevel); err != nil {
		return nil, fmt.Errorf("case.toml: %w", err)
	}
	for _, h := range cf.History {
		v, err := ParseVersion(h.Version)
		if err != nil {
			return nil, fmt.Errorf("case.toml: history: %w", err)
		}
		ch := Change{Version: v, Name: h.Name, Result: h.Result, Note: h.Note}
		switch h.Mode {
		case "":
		case "strict":
			ch.Mode = StrictMode
		case "non-strict":
			ch.Mode = NonStrictMode
		default:
			return nil, fmt.Errorf("case.toml: history %s: mode %q: want strict or non-strict", v, h.Mode)
		}
		if ch.Mode != BothModes && ch.Name != "" {
			return nil, fmt.Errorf("case.toml: history %s: a rename holds for both modes", v)
		}
		if h.SupportLevel != "" {
			l, err := ParseSupportLevel(h.SupportLevel)
			if err != nil {
				return nil, fmt.Errorf("case.toml: history %s: %w", v, err)
			}
			ch.Level = &l
		}
		if n := len(k.History); n > 0 {
			last := k.History[n-1]
			if v.Less(last.Version) || (!last.Version.Less(v) && last.Mode == ch.Mode) {
				return nil, fmt.Errorf("case.toml: history must be in increasing version order, one entry per version and mode (%s)", v)
			}
		}
		if !BaseVersion.Less(v) {
			return nil, fmt.Errorf("case.toml: history version %s is not after the base %s", v, BaseVersion)
		}
		k.History = append(k.History, ch)
	}
	ex, err := fs.ReadFile(fsys, k.ExamplePath)
	if err != nil {
		return nil, err
	}
	k.Example = string(ex)
	res, err := fs.ReadFile(fsys, path.Join(dir, "result.txt"))
	if err != nil {
		return nil, err
	}
	k.Result = string(res)
	if rw, err := fs.ReadFile(fsys, path.Join(dir, "rewrite.py")); err == nil {
		k.Rewrite = string(rw)
	}
	k.Description = moduleDocstring(k.Example)
	if k.Description == "" {
		return nil, fmt.Errorf("example.py: the nn.Module class has no docstring")
	}
	if k.Summary == "" {
		k.Summary = firstSentence(k.Description)
	}
	return k, nil
}

var moduleDocRE = regexp.MustCompile(`(?ms)^class \w+\([^)]*Module\):\n[ \t]+"""\n?(.*?)"""`)

// moduleDocstring returns the docstring of the example's nn.Module class, dedented.
func moduleDocstring(src string) string {
	m := moduleDocRE.FindStringSubmatch(src)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(Dedent(m[1]))
}

// Dedent removes the longest whitespace prefix common to all non-blank lines.
func Dedent(s string) string {
	lines := strings.Split(s, "\n")
	prefix := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if prefix < 0 || n < prefix {
			prefix = n
		}
	}
	for i, l := range lines {
		if len(l) >= prefix && prefix > 0 {
			lines[i] = l[prefix:]
		} else {
			lines[i] = strings.TrimLeft(l, " \t")
		}
	}
	return strings.Join(lines, "\n")
}

// firstSentence joins the first paragraph into one line and cuts it at the first sentence end.
func firstSentence(desc string) string {
	para, _, _ := strings.Cut(desc, "\n\n")
	line := strings.Join(strings.Fields(para), " ")
	if i := strings.Index(line, ". "); i >= 0 {
		line = line[:i+1]
	}
	return line
}
