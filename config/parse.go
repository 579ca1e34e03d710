package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/rules"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// Keys are the configuration keys, in the order the documentation lists them.
var Keys = []string{"torch-version", "strict", "select", "ignore", "severity", "exclude", "per-file-ignores", "src",
	"dynamic-shapes", "dims", "cache-dir"}

// doc is one configuration file being read.
type doc struct {
	file   string // for messages, as given
	text   string
	md     toml.MetaData
	prefix []string // ["tool", "exportdb"] in pyproject.toml; empty in exportdb.toml
}

func parse(file, abs string, data []byte, pyproject bool) (*Config, error) {
	d := &doc{file: file, text: string(data)}
	var raw map[string]any
	md, err := decodeTOML(file, d.text, &raw)
	var ce *Error
	if errors.As(err, &ce) {
		return nil, ce
	}
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{File: file, Line: pe.Position.Line, Msg: "invalid TOML: " + pe.Message}
		}
		return nil, &Error{File: file, Msg: "invalid TOML: " + err.Error()}
	}
	d.md = md
	table := raw
	if pyproject {
		d.prefix = []string{"tool", "exportdb"}
		v, ok := lookup(raw, d.prefix...)
		if !ok {
			return nil, &Error{File: file, Msg: "no [tool.exportdb] table"}
		}
		if table, ok = v.(map[string]any); !ok {
			return nil, d.errorf(nil, "want a table, got %s", typeName(v))
		}
	}
	c := &Config{Path: abs, Root: filepath.Dir(abs)}
	for _, k := range d.order(table, nil) {
		if err := d.set(c, k, table[k]); err != nil {
			return nil, err
		}
	}
	if c.TorchVersion == "auto" {
		v, err := resolveAuto(c.Root)
		if err != nil {
			return nil, d.errorf([]string{"torch-version"}, "%s", err.Error())
		}
		c.Target = v
	}
	return c, nil
}

// order returns the keys of the table at sub (below the prefix) in file order; keys the
// metadata does not list (none, in practice) follow sorted.
func (d *doc) order(table map[string]any, sub []string) []string {
	full := d.key(sub)
	seen := map[string]bool{}
	var out []string
	for _, k := range d.md.Keys() {
		if len(k) == len(full)+1 && hasPrefix(k, full) && !seen[k[len(full)]] {
			if _, ok := table[k[len(full)]]; ok {
				seen[k[len(full)]] = true
				out = append(out, k[len(full)])
			}
		}
	}
	var rest []string
	for k := range table {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

func hasPrefix(k toml.Key, p []string) bool {
	for i := range p {
		if k[i] != p[i] {
			return false
		}
	}
	return true
}

// key returns the full key path of sub.
func (d *doc) key(sub []string) []string {
	return append(append([]string{}, d.prefix...), sub...)
}

// errorf returns an *Error at the key sub (below the prefix).
func (d *doc) errorf(sub []string, format string, args ...any) *Error {
	full := d.key(sub)
	return &Error{File: d.file, Line: d.line(full), Key: toml.Key(full).String(), Msg: fmt.Sprintf(format, args...)}
}

// elemErrorf returns an *Error at the array element (a string) elem of the key sub: on the
// element's own line when the array spans several.
func (d *doc) elemErrorf(sub []string, elem string, format string, args ...any) *Error {
	e := d.errorf(sub, format, args...)
	e.Line = d.elemLine(e.Line, elem)
	return e
}

func (d *doc) set(c *Config, k string, v any) error {
	sub := []string{k}
	switch k {
	case "torch-version":
		s, ok := v.(string)
		if !ok {
			if _, isFloat := v.(float64); isFloat {
				return d.errorf(sub, "want a string such as \"2.10\" or \"auto\", got a float (quote it: as a float 2.10 is 2.1)")
			}
			return d.errorf(sub, "want a string such as \"2.5\" or \"auto\", got %s", typeName(v))
		}
		if strings.TrimSpace(s) == "" {
			return d.errorf(sub, "empty: want a version such as \"2.5\" or \"auto\" (leave the key out for the newest version the catalog knows)")
		}
		t, err := parseTorchVersion(s, "")
		if err != nil {
			return d.errorf(sub, "%s", err.Error())
		}
		c.TorchVersion, c.Target = s, t
	case "strict":
		b, ok := v.(bool)
		if !ok {
			return d.errorf(sub, "want a boolean (true or false), got %s", typeName(v))
		}
		c.Strict = &b
	case "select", "ignore":
		list, err := d.strings(sub, v)
		if err != nil {
			return err
		}
		if k == "select" && len(list) == 0 {
			// ruff's empty select checks nothing, an empty selection everything: refuse
			// the ambiguity rather than guess
			return d.errorf(sub, "empty: leave select out, or write [\"ALL\"], to check every case")
		}
		for _, s := range list {
			if err := checkName(s); err != nil {
				return d.elemErrorf(sub, s, "%s", err.Error())
			}
		}
		if k == "select" {
			c.Select = list
		} else {
			c.Ignore = list
		}
	case "severity":
		t, ok := v.(map[string]any)
		if !ok {
			return d.errorf(sub, "want a table of case name = severity, got %s", typeName(v))
		}
		var entries []severityEntry
		for _, name := range d.order(t, sub) {
			ks := []string{k, name}
			s, ok := t[name].(string)
			if !ok {
				return d.errorf(ks, "want a severity string (error, warning, information, hint or off), got %s", typeName(t[name]))
			}
			if err := checkSeverityName(name); err != nil {
				return d.errorf(ks, "%s", err.Error())
			}
			lv, err := analysis.ParseSeverity(s)
			if err != nil {
				return d.errorf(ks, "%s", err.Error())
			}
			entries = append(entries, severityEntry{name, lv})
		}
		c.Severity = map[string]analysis.Severity{}
		expandSeverity(c.Severity, entries)
	case "cache-dir":
		s, ok := v.(string)
		if !ok || strings.TrimSpace(s) == "" {
			return d.errorf(sub, "want a directory path (relative to the configuration file's directory), got %s", typeName(v))
		}
		if !filepath.IsAbs(s) {
			s = filepath.Join(c.Root, s)
		}
		c.CacheDir = filepath.Clean(s)
	case "exclude":
		list, err := d.strings(sub, v)
		if err != nil {
			return err
		}
		for _, g := range list {
			if err := checkPattern(g); err != nil {
				return d.elemErrorf(sub, g, "%s", err.Error())
			}
		}
		c.Exclude = list
	case "per-file-ignores":
		t, ok := v.(map[string]any)
		if !ok {
			return d.errorf(sub, "want a table of glob = [case names or tags], got %s", typeName(v))
		}
		c.PerFileIgnores = map[string][]string{}
		for _, g := range d.order(t, sub) {
			ks := []string{k, g}
			if err := checkPattern(g); err != nil {
				return d.errorf(ks, "%s", err.Error())
			}
			list, err := d.strings(ks, t[g])
			if err != nil {
				return err
			}
			for _, s := range list {
				if err := checkName(s); err != nil {
					return d.elemErrorf(ks, s, "%s", err.Error())
				}
			}
			c.PerFileIgnores[g] = list
		}
	case "src":
		return d.setSrc(c, v)
	case "dynamic-shapes":
		return d.setDynamicShapes(c, v)
	case "dims":
		return d.setDims(c, v)
	default:
		msg := "unknown key; the keys are " + strings.Join(Keys, ", ")
		if s := closest(k, Keys); s != "" {
			msg = fmt.Sprintf("unknown key (did you mean %s?)", s)
		}
		return d.errorf(sub, "%s", msg)
	}
	return nil
}

// strings reads an array of strings.
func (d *doc) strings(sub []string, v any) ([]string, error) {
	arr, ok := v.([]any)
	if !ok {
		if s, isStr := v.(string); isStr {
			return nil, d.errorf(sub, "want an array of strings, got a string (write [%q])", s)
		}
		return nil, d.errorf(sub, "want an array of strings, got %s", typeName(v))
	}
	out := make([]string, 0, len(arr))
	for i, x := range arr {
		s, ok := x.(string)
		if !ok {
			return nil, d.errorf(sub, "want an array of strings; element %d is %s", i+1, typeName(x))
		}
		out = append(out, s)
	}
	return out, nil
}

func typeName(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("a string (%q)", x)
	case bool:
		return fmt.Sprintf("a boolean (%v)", x)
	case int64:
		return fmt.Sprintf("an integer (%d)", x)
	case float64:
		return fmt.Sprintf("a float (%v)", x)
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	case time.Time:
		return "a date or time"
	}
	return fmt.Sprintf("%T", v)
}

// line returns the 1-based line where the key full is defined, using the TOML parser's own
// positions: a probe type decoded at exactly that key path makes the decoder fail there,
// and its ParseError carries the key's position. That is right for every spelling (table
// headers, dotted keys, inline tables, both files) where a text scan would not be. Tables
// that are only implied (per-file-ignores."x" = ...) take the line of their first key.
func (d *doc) line(full []string) int {
	if l := probeLine(d.text, full); l > 0 {
		return l
	}
	for _, k := range d.md.Keys() {
		if len(k) > len(full) && hasPrefix(k, full) {
			if l := probeLine(d.text, k); l > 0 {
				return l
			}
		}
	}
	return 0
}

type lineProbe struct{}

var errProbe = errors.New("line probe")

// UnmarshalTOML fails on purpose: see doc.line.
func (lineProbe) UnmarshalTOML(any) error { return errProbe }

func probeLine(text string, full []string) int {
	t := reflect.TypeOf(lineProbe{})
	for i := len(full) - 1; i >= 0; i-- {
		t = reflect.StructOf([]reflect.StructField{{
			Name: "F",
			Type: t,
			Tag:  reflect.StructTag("toml:" + strconv.Quote(full[i])),
		}})
	}
	_, err := toml.Decode(text, reflect.New(t).Interface())
	var pe toml.ParseError
	if errors.As(err, &pe) && pe.Message == errProbe.Error() {
		return pe.Position.Line
	}
	return 0
}

// elemLine finds the line of a string element of an array that starts on line keyLine:
// the first quoted occurrence at or after the key, before the next table header.
func (d *doc) elemLine(keyLine int, elem string) int {
	if keyLine <= 0 {
		return keyLine
	}
	lines := strings.Split(d.text, "\n")
	quoted := []string{strconv.Quote(elem), "'" + elem + "'"}
	for i := keyLine - 1; i < len(lines); i++ {
		l := lines[i]
		if i > keyLine-1 && strings.HasPrefix(strings.TrimSpace(l), "[") && !strings.HasPrefix(strings.TrimSpace(l), "[\"") {
			break
		}
		for _, q := range quoted {
			if strings.Contains(l, q) {
				return i + 1
			}
		}
	}
	return keyLine
}

// parseTorchVersion reads a torch-version value: "" (newest), "auto" (resolved in root;
// with root "" the caller resolves it once it knows the root) or MAJOR.MINOR[.PATCH].
func parseTorchVersion(s, root string) (catalog.Version, error) {
	switch s {
	case "":
		return catalog.Version{}, nil
	case "auto":
		if root == "" {
			return catalog.Version{}, nil
		}
		return resolveAuto(root)
	}
	return catalog.ParseVersion(s)
}

// checkName accepts what Select and Ignore accept: a case name (current or former), a tag,
// a rule name, the engine code unused_suppression, or ALL.
func checkName(s string) error {
	if s == "ALL" || s == "all" || s == analysis.UnusedSuppression {
		return nil
	}
	cat := catalog.Default()
	if _, ok := cat.Lookup(s); ok {
		return nil
	}
	if _, ok := cat.Tag(s); ok {
		return nil
	}
	for _, r := range rules.All() {
		if r.Name == s {
			return nil
		}
	}
	return unknownName(s)
}

func checkSeverityName(s string) error { return checkName(s) }

func unknownName(s string) error {
	cat := catalog.Default()
	var known []string
	for _, t := range cat.Tags() {
		known = append(known, t.Name)
	}
	msg := fmt.Sprintf("unknown case or tag %q", s)
	if sug := cat.Suggest(s); len(sug) > 0 {
		msg += " (did you mean " + strings.Join(sug, " or ") + "?)"
	} else if t := closest(s, known); t != "" {
		msg += " (did you mean " + t + "?)"
	} else {
		msg += "; run 'exportdb cases' for the case names"
	}
	return errors.New(msg)
}

func checkPattern(g string) error {
	_, ok, err := ParsePattern(g)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("empty pattern %q", g)
	}
	return nil
}

type severityEntry struct {
	name  string
	level analysis.Severity
}

// expandSeverity writes entries (case names, tags or ALL) into m per case name: ALL first,
// then tags, then case names, so the most specific entry wins whatever the order written.
func expandSeverity(m map[string]analysis.Severity, entries []severityEntry) {
	cat := catalog.Default()
	for pass := 0; pass < 3; pass++ {
		for _, e := range entries {
			k, isCase := cat.Lookup(e.name)
			_, isTag := cat.Tag(e.name)
			switch {
			case pass == 0 && (e.name == "ALL" || e.name == "all"):
				for _, c := range cat.Cases() {
					m[c.Name] = e.level
				}
				m[analysis.UnusedSuppression] = e.level
			case pass == 1 && isTag && !isCase:
				for _, c := range cat.WithTag(e.name) {
					m[c.Name] = e.level
				}
			case pass == 2 && isCase:
				m[k.Name] = e.level
			case pass == 2 && !isTag && e.name != "ALL" && e.name != "all":
				m[e.name] = e.level // a rule or engine code outside the catalog
			}
		}
	}
}

// closest returns the candidate within edit distance 2 of s, or "".
func closest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := catalog.EditDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}
