package catalog

import (
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// seedCase is what the seed ExportDB page says about one case.
type seedCase struct {
	Name    string
	Tags    []string
	Level   string // the "Support Level:" line
	Section string // "Supported" or "Not Supported Yet"
}

// seedPage is the golden copy of PyTorch's ExportDB page, parsed.
type seedPage struct {
	Toctree []string
	Cases   []seedCase
}

var docRoleRE = regexp.MustCompile("^:doc:`([^ `]+) <([^>`]+)>`$")

// parseSeed reads testdata/exportdb_index.rst so that the tests compare the data with the
// page itself, not with a hand-copied list.
func parseSeed(t *testing.T) seedPage {
	t.Helper()
	b, err := os.ReadFile("testdata/exportdb_index.rst")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	underlined := func(i int, c string) bool {
		return i+1 < len(lines) && lines[i] != "" && lines[i+1] == strings.Repeat(c, len(lines[i]))
	}
	var p seedPage
	section := ""
	inToctree := false
	for i, l := range lines {
		switch {
		case l == "    :caption: Tags":
			inToctree = true
		case inToctree && strings.HasPrefix(l, "    ") && !strings.HasPrefix(l, "    :"):
			p.Toctree = append(p.Toctree, strings.TrimSpace(l))
		case inToctree && l == "" && len(p.Toctree) > 0:
			inToctree = false
		case underlined(i, "-"):
			section = l
		case underlined(i, "^"):
			p.Cases = append(p.Cases, seedCase{Name: l, Section: section, Tags: []string{}})
		case strings.HasPrefix(l, "    Tags: ") || l == "    Tags:":
			k := &p.Cases[len(p.Cases)-1]
			rest := strings.TrimSpace(strings.TrimPrefix(l, "    Tags:"))
			if rest == "" {
				continue
			}
			for _, role := range strings.Split(rest, ", ") {
				m := docRoleRE.FindStringSubmatch(role)
				if m == nil || m[1] != m[2] {
					t.Fatalf("seed line %d: cannot read tag %q", i+1, role)
				}
				k.Tags = append(k.Tags, m[1])
			}
		case strings.HasPrefix(l, "    Support Level: "):
			p.Cases[len(p.Cases)-1].Level = strings.TrimPrefix(l, "    Support Level: ")
		}
	}
	if len(p.Cases) != 36 || len(p.Toctree) != 14 {
		t.Fatalf("parsed %d cases and %d toctree tags from the seed; want 36 and 14", len(p.Cases), len(p.Toctree))
	}
	return p
}

func TestDefaultLoads(t *testing.T) {
	c := Default()
	if n := len(exportDBCases(c)); n != 36 {
		t.Fatalf("%d ExportDB cases, want 36", n)
	}
	// Cases of ours: our origin and a PyTorch documentation page (not ExportDB's).
	for _, name := range []string{"data_dependent_branch", "host_round_trip", "python_side_effect", "unchecked_data_dependent_value"} {
		k, ok := c.Lookup(name)
		if !ok {
			t.Fatalf("no case %s", name)
		}
		if k.Origin != FromExportDBLSP || !strings.HasPrefix(k.URL(""), DocsBase+"main/") || strings.Contains(k.URL(""), "exportdb") {
			t.Errorf("%s: origin %q, url %s", name, k.Origin, k.URL(""))
		}
	}
	// module_state_in_forward, deprecated_export_api, export_call_arguments (issue 7, points 5-7).
	for name, level := range map[string]SupportLevel{"module_state_in_forward": Supported, "deprecated_export_api": Supported, "export_call_arguments": NotSupportedYet} {
		k, ok := c.Lookup(name)
		if !ok {
			t.Fatalf("no case %s", name)
		}
		if k.Origin != FromExportDBLSP || !strings.HasPrefix(k.URL(""), DocsBase+"main/") || strings.Contains(k.URL(""), "exportdb") ||
			k.Level != level || k.Rewrite == "" || len(k.Tags) == 0 {
			t.Errorf("%s: origin %q, url %s, level %s, rewrite %d bytes, tags %v", name, k.Origin, k.URL(""), k.Level, len(k.Rewrite), k.Tags)
		}
	}
	if k, _ := c.Lookup("deprecated_export_api"); !strings.Contains(k.ResultAt(MustParseVersion("2.3")), "unexpected keyword argument 'constraints'") ||
		k.LevelAt(c.LatestVersion()) != Supported {
		t.Errorf("deprecated_export_api at 2.3: %q", k.ResultAt(MustParseVersion("2.3")))
	}
	if c.LatestVersion() != (Version{2, 13}) {
		t.Fatalf("latest %v", c.LatestVersion())
	}
	k, ok := c.Lookup("unsupported_operator")
	if !ok || k.Name != "torch_sym_min" {
		t.Fatal("alias lookup")
	}
	if k.LevelAt(MustParseVersion("2.11")) != NotSupportedYet || k.LevelAt(MustParseVersion("2.12")) != Supported {
		t.Fatal("torch_sym_min levels")
	}
	if k.NameAt(MustParseVersion("2.4")) != "torch_sym_min" || k.NameAt(MustParseVersion("2.11")) != "unsupported_operator" {
		t.Fatal("names")
	}
}

func TestCasesMatchSeed(t *testing.T) {
	seed := parseSeed(t)
	cat := Default()
	var seedNames, names []string
	for _, s := range seed.Cases {
		seedNames = append(seedNames, s.Name)
	}
	for _, k := range cat.Cases() {
		if k.Origin == FromExportDB {
			names = append(names, k.Name)
		}
	}
	slices.Sort(seedNames)
	if !slices.Equal(names, seedNames) {
		t.Fatalf("ExportDB cases differ from the seed:\n got %v\nwant %v", names, seedNames)
	}
	for _, s := range seed.Cases {
		k, _ := cat.Lookup(s.Name)
		if !reflect.DeepEqual(nonNil(k.Tags), s.Tags) {
			t.Errorf("%s: tags %q, seed has %q", s.Name, k.Tags, s.Tags)
		}
		if k.Level.String() != s.Level {
			t.Errorf("%s: level %s, seed has %s", s.Name, k.Level, s.Level)
		}
		if want := map[string]string{"Supported": "SUPPORTED", "Not Supported Yet": "NOT_SUPPORTED_YET"}[s.Section]; want != s.Level {
			t.Errorf("%s: seed lists it under %q with level %s", s.Name, s.Section, s.Level)
		}
	}
}

func TestLevelsAtBase(t *testing.T) {
	var supported, notYet []string
	for _, k := range exportDBCases(Default()) {
		switch k.LevelAt(BaseVersion) {
		case Supported:
			supported = append(supported, k.Name)
		case NotSupportedYet:
			notYet = append(notYet, k.Name)
		}
		if k.LevelAt(BaseVersion) != k.Level {
			t.Errorf("%s: LevelAt(base) %s != Level %s", k.Name, k.LevelAt(BaseVersion), k.Level)
		}
	}
	if len(supported) != 32 {
		t.Errorf("%d SUPPORTED at %s, want 32", len(supported), BaseVersion)
	}
	want := []string{"dynamic_shape_round", "model_attr_mutation", "optional_input", "torch_sym_min"}
	if !slices.Equal(notYet, want) {
		t.Errorf("NOT_SUPPORTED_YET at %s: %v, want %v", BaseVersion, notYet, want)
	}
}

func TestTagRegistry(t *testing.T) {
	seed := parseSeed(t)
	cat := Default()
	if len(cat.Tags()) != 15 {
		t.Fatalf("%d registered tags, want 15", len(cat.Tags()))
	}
	var toctree []string
	for _, tg := range cat.Tags() {
		if tg.Toctree {
			toctree = append(toctree, tg.Name)
		}
		if tg.Description == "" {
			t.Errorf("tag %s has no description", tg.Name)
		}
	}
	if !slices.Equal(toctree, seed.Toctree) {
		t.Errorf("toctree tags\n got %v\nwant %v (the seed's order)", toctree, seed.Toctree)
	}
	std, ok := cat.Tag("python.standard-library")
	if !ok || std.Toctree || len(onlyExportDB(cat.WithTag("python.standard-library"))) != 0 {
		t.Errorf("python.standard-library: registered %v, toctree %v, want registered, off the toctree, unused by ExportDB", ok, std != nil && std.Toctree)
	}
	if _, ok := cat.Tag("torch.nope"); ok {
		t.Error("Tag found an unregistered tag")
	}
	// WithTag agrees with the seed's Tags lines.
	for _, tag := range seed.Toctree {
		var want []string
		for _, s := range seed.Cases {
			if slices.Contains(s.Tags, tag) {
				want = append(want, s.Name)
			}
		}
		slices.Sort(want)
		var got []string
		for _, k := range onlyExportDB(cat.WithTag(tag)) {
			got = append(got, k.Name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("WithTag(%s) = %v, want %v", tag, got, want)
		}
	}
}

func TestCaseFields(t *testing.T) {
	for _, k := range Default().Cases() {
		if k.Description == "" || k.Summary == "" || strings.Contains(k.Summary, "\n") {
			t.Errorf("%s: description %q, summary %q", k.Name, k.Description, k.Summary)
		}
		b, err := fs.ReadFile(FS(), k.ExamplePath)
		if err != nil || string(b) != k.Example {
			t.Errorf("%s: example.py at %s does not match Example (%v)", k.Name, k.ExamplePath, err)
		}
		if !strings.Contains(k.Example, "class ") || k.Result == "" {
			t.Errorf("%s: empty example or result", k.Name)
		}
		if k.Origin == FromExportDB && (k.Rewrite != "") != (k.Name == "type_reflection_method") {
			t.Errorf("%s: rewrite %q; of ExportDB's cases only type_reflection_method has one", k.Name, k.Rewrite)
		}
	}
}

func TestLevelAt(t *testing.T) {
	const S, N = Supported, NotSupportedYet
	versions := []string{"2.0", "2.2", "2.9", "2.10", "2.11", "2.12", "2.13", "3.0"}
	tests := map[string][]SupportLevel{
		"model_attr_mutation": {N, N, N, S, S, S, S, S},
		"optional_input":      {N, N, N, S, S, S, S, S},
		"torch_sym_min":       {N, N, N, N, N, S, S, S},
		"dynamic_shape_round": {N, N, N, N, N, N, N, N},
		"static_if":           {S, S, S, S, S, S, S, S},
	}
	cat := Default()
	for name, want := range tests {
		k, ok := cat.Lookup(name)
		if !ok {
			t.Fatalf("no case %s", name)
		}
		for i, v := range versions {
			if got := k.LevelAt(MustParseVersion(v)); got != want[i] {
				t.Errorf("%s.LevelAt(%s) = %s, want %s", name, v, got, want[i])
			}
		}
	}
	// At the newest recorded version only dynamic_shape_round still fails (of ExportDB's cases).
	var notYet []string
	for _, k := range exportDBCases(cat) {
		if k.LevelAt(cat.LatestVersion()) == NotSupportedYet {
			notYet = append(notYet, k.Name)
		}
	}
	if !slices.Equal(notYet, []string{"dynamic_shape_round"}) {
		t.Errorf("NOT_SUPPORTED_YET at %s: %v", cat.LatestVersion(), notYet)
	}
}

func TestNamesAndAliases(t *testing.T) {
	cat := Default()
	for _, n := range []string{"torch_sym_min", "unsupported_operator"} {
		k, ok := cat.Lookup(n)
		if !ok || k.Name != "torch_sym_min" {
			t.Errorf("Lookup(%s) = %v, %v; want torch_sym_min", n, k, ok)
		}
	}
	if _, ok := cat.Lookup("no_such_case"); ok {
		t.Error("Lookup found no_such_case")
	}
	k, _ := cat.Lookup("torch_sym_min")
	for v, want := range map[string]string{
		"2.0": "torch_sym_min", "2.2": "torch_sym_min", "2.3": "torch_sym_min", "2.4": "torch_sym_min",
		"2.10": "torch_sym_min", "2.11": "unsupported_operator", "2.13": "unsupported_operator",
	} {
		if got := k.NameAt(MustParseVersion(v)); got != want {
			t.Errorf("NameAt(%s) = %s, want %s", v, got, want)
		}
	}
	if s := cat.Suggest("torch_sym_mn"); len(s) == 0 || len(s) > 3 || s[0] != "torch_sym_min" {
		t.Errorf("Suggest(torch_sym_mn) = %v", s)
	}
	if s := cat.Suggest("unsupported_op"); len(s) == 0 || s[0] != "unsupported_operator" {
		t.Errorf("Suggest(unsupported_op) = %v", s)
	}
}

func TestResultAtAndSupportedFrom(t *testing.T) {
	cat := Default()
	round, _ := cat.Lookup("dynamic_shape_round")
	if got := round.ResultAt(MustParseVersion("2.12")); got != round.Result {
		t.Errorf("dynamic_shape_round at 2.12: %q, want the base result", got)
	}
	if got := round.ResultAt(MustParseVersion("2.13")); !strings.Contains(got, "Constraints violated (dim0_x)!") {
		t.Errorf("dynamic_shape_round at 2.13: %q", got)
	}
	if _, ok := round.SupportedFrom(); ok {
		t.Error("dynamic_shape_round has a SupportedFrom")
	}
	sym, _ := cat.Lookup("torch_sym_min")
	if got := sym.ResultAt(MustParseVersion("2.11")); !strings.Contains(got, "Unsupported: torch.* op returned non-Tensor") {
		t.Errorf("torch_sym_min at 2.11: %q", got)
	}
	for name, want := range map[string]Version{
		"torch_sym_min": {2, 12}, "model_attr_mutation": {2, 10}, "optional_input": {2, 10}, "static_if": BaseVersion,
	} {
		k, _ := cat.Lookup(name)
		if got, ok := k.SupportedFrom(); !ok || got != want {
			t.Errorf("%s.SupportedFrom() = %s, %v; want %s", name, got, ok, want)
		}
	}
}

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]Version{
		"2.2": {2, 2}, "2.10": {2, 10}, "2.10.1": {2, 10}, "v2.5": {2, 5}, "2.11.0a0": {2, 11},
		"2.4.0+cu121": {2, 4}, " 2.13 ": {2, 13}, "2.11a0": {2, 11}, "2.6.0-rc1": {2, 6}, "3.0": {3, 0},
	} {
		got, err := ParseVersion(in)
		if err != nil || got != want {
			t.Errorf("ParseVersion(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "2", "garbage", "two.ten", "2.x", "-1.2", "2.-1", "v", "."} {
		if v, err := ParseVersion(in); err == nil {
			t.Errorf("ParseVersion(%q) = %v, want an error", in, v)
		}
	}
	if !MustParseVersion("2.9").Less(MustParseVersion("2.10")) {
		t.Error("2.9 is not older than 2.10: versions compare as text")
	}
	if MustParseVersion("2.10").String() != "2.10" || !(Version{}).IsZero() {
		t.Error("String or IsZero")
	}
}

func TestURLs(t *testing.T) {
	k, _ := Default().Lookup("dynamic_shape_round")
	for doc, want := range map[string]string{
		"":     "https://pytorch.org/docs/main/generated/exportdb/index.html#dynamic-shape-round",
		"main": "https://pytorch.org/docs/main/generated/exportdb/index.html#dynamic-shape-round",
		"2.5":  "https://pytorch.org/docs/2.5/generated/exportdb/index.html#dynamic-shape-round",
	} {
		if got := k.URL(doc); got != want {
			t.Errorf("URL(%q) = %s, want %s", doc, got, want)
		}
	}
	if got, want := TagURL("torch.dynamic-shape", ""), "https://pytorch.org/docs/main/generated/exportdb/torch.dynamic-shape.html"; got != want {
		t.Errorf("TagURL = %s, want %s", got, want)
	}
}

// exportDBCases returns the cases of PyTorch's ExportDB page, without the cases of ours.
func exportDBCases(c *Catalog) []*Case { return onlyExportDB(c.Cases()) }

func onlyExportDB(cases []*Case) []*Case {
	var out []*Case
	for _, k := range cases {
		if k.Origin == FromExportDB {
			out = append(out, k)
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
