package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// torch-version = "auto" reads the project's torch requirement, in this order, from the
// directory holding the configuration file (Root):
//
//  1. pyproject.toml [project] dependencies (PEP 621);
//  2. pyproject.toml [tool.poetry.dependencies] torch ("^2.3", "2.5.1", {version = ...});
//  3. pyproject.toml [project.optional-dependencies] and [dependency-groups], by group name;
//  4. requirements.txt, then the other requirements*.txt files by name.
//
// The first torch requirement that names a version decides. Policy, because one target
// version must stand for everything the pin allows:
//
//   - an exact pin (torch==2.5.1, ===, poetry "2.5.1") gives that version;
//   - otherwise the lowest version the lower bounds allow (torch>=2.4,<2.6 gives 2.4;
//     ~=2.3, ^2.3, ~2.3 and >2.3 give 2.3): export support only grows with versions, so the
//     oldest torch the project accepts is the one whose failures the project must avoid;
//   - with only an upper bound, the newest version it allows (<2.6 gives 2.5, <=2.6 gives
//     2.6).
//
// != clauses and environment markers are ignored. A bare "torch" or a requirement without
// a usable version is skipped; if nothing names a version, auto is an error.

var (
	reqNameRE = regexp.MustCompile(`^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*`)
	clauseRE  = regexp.MustCompile(`^\s*(===|==|~=|!=|<=|>=|<|>|\^|~|=)?\s*v?([0-9][0-9A-Za-z.*+!-]*)\s*$`)
	wheelRE   = regexp.MustCompile(`(?i)/torch-([0-9]+\.[0-9]+)[^/]*\.whl`)
)

// resolveAuto finds the torch pin of the project in root.
func resolveAuto(root string) (catalog.Version, error) {
	var unpinned []string // where a requirement was found that names no version
	decide := func(req, where string, poetry bool) (catalog.Version, bool, error) {
		v, found, ok, noExport := torchPin(req, poetry)
		switch {
		case noExport:
			return v, true, fmt.Errorf("\"auto\": %s (%s) allows only torch versions without torch.export (it arrived in 2.1); require torch>=2.1 or set torch-version = \"2.5\"", strings.TrimSpace(req), where)
		case ok:
			return v, true, nil
		case found:
			unpinned = append(unpinned, fmt.Sprintf("%s (%q)", where, req))
		}
		return v, false, nil
	}
	py := filepath.Join(root, PyprojectTOML)
	data, err := readFile(py, true)
	switch {
	case err == nil:
		var raw map[string]any
		if _, err := decodeTOML(py, string(data), &raw); err != nil {
			var pe toml.ParseError
			if errors.As(err, &pe) {
				return catalog.Version{}, fmt.Errorf("\"auto\": cannot read the torch pin: %s:%d: invalid TOML: %s", py, pe.Position.Line, pe.Message)
			}
			return catalog.Version{}, fmt.Errorf("\"auto\": cannot read the torch pin: %v", err)
		}
		reqs, err := pyprojectRequirements(raw)
		if err != nil {
			return catalog.Version{}, fmt.Errorf("\"auto\": cannot read the torch pin: %s: %v", py, err)
		}
		for _, src := range reqs {
			if v, done, err := decide(src.req, PyprojectTOML+": "+src.where, src.poetry); done || err != nil {
				return v, err
			}
		}
	case !absent(py, err):
		return catalog.Version{}, fmt.Errorf("\"auto\": %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(root, "requirements*.txt"))
	sort.Slice(files, func(i, j int) bool {
		a, b := filepath.Base(files[i]) == "requirements.txt", filepath.Base(files[j]) == "requirements.txt"
		if a != b {
			return a
		}
		return files[i] < files[j]
	})
	for _, f := range files {
		data, err := readFile(f, true)
		if err != nil {
			if absent(f, err) {
				continue
			}
			return catalog.Version{}, fmt.Errorf("\"auto\": %v", err)
		}
		for i, req := range requirementLines(data) {
			if v, done, err := decide(req, fmt.Sprintf("%s line %d", filepath.Base(f), i+1), false); done || err != nil {
				return v, err
			}
		}
	}
	if len(unpinned) > 0 {
		return catalog.Version{}, fmt.Errorf("\"auto\": torch is required without a version in %s; pin it (torch>=2.5) or set torch-version = \"2.5\"", strings.Join(unpinned, ", "))
	}
	return catalog.Version{}, fmt.Errorf("\"auto\": no torch requirement found in %s ([project] dependencies, [tool.poetry.dependencies]) or requirements*.txt; pin torch there or set torch-version = \"2.5\"", filepath.Join(root, PyprojectTOML))
}

type requirement struct {
	req    string
	where  string
	poetry bool // poetry's constraint syntax: a bare version is exact, ^ and ~ are ranges
}

// pyprojectRequirements collects the requirements of a pyproject.toml in the order auto
// reads them. A table or list written with the wrong type is an error that says so,
// rather than a requirement silently not found.
func pyprojectRequirements(raw map[string]any) ([]requirement, error) {
	var out []requirement
	strs := func(v any, where string, tablesOK bool) error {
		arr, ok := v.([]any)
		if !ok {
			if tables, isTables := v.([]map[string]any); isTables && tablesOK && tables != nil {
				return nil
			}
			return fmt.Errorf("%s: want an array of requirement strings, got %s", where, typeName(v))
		}
		for i, x := range arr {
			switch s := x.(type) {
			case string:
				out = append(out, requirement{req: s, where: where})
			case map[string]any:
				if !tablesOK {
					return fmt.Errorf("%s: element %d: want a requirement string, got a table", where, i+1)
				}
				// {include-group = "..."} (PEP 735): holds no requirement itself
			default:
				return fmt.Errorf("%s: element %d: want a requirement string, got %s", where, i+1, typeName(x))
			}
		}
		return nil
	}
	if deps, ok := lookup(raw, "project", "dependencies"); ok {
		if err := strs(deps, "[project] dependencies", false); err != nil {
			return nil, err
		}
	}
	if t, ok := lookup(raw, "tool", "poetry", "dependencies", "torch"); ok {
		const where = "[tool.poetry.dependencies] torch"
		add := func(v any) error {
			switch x := v.(type) {
			case string:
				out = append(out, requirement{req: "torch " + x, where: where, poetry: true})
			case map[string]any:
				switch s := x["version"].(type) {
				case string:
					out = append(out, requirement{req: "torch " + s, where: where, poetry: true})
				case nil: // {path = ...}, {git = ...}: no version
				default:
					return fmt.Errorf("%s: version: want a string, got %s", where, typeName(s))
				}
			default:
				return fmt.Errorf("%s: want a version string or a table, got %s", where, typeName(v))
			}
			return nil
		}
		var items []any
		switch x := t.(type) {
		case []any: // multiple-constraint dependency
			items = x
		case []map[string]any:
			for _, m := range x {
				items = append(items, m)
			}
		default:
			items = []any{t}
		}
		for _, x := range items {
			if err := add(x); err != nil {
				return nil, err
			}
		}
	}
	for _, table := range []string{"project.optional-dependencies", "dependency-groups"} {
		v, ok := lookup(raw, strings.Split(table, ".")...)
		if !ok {
			continue
		}
		groups, isTable := v.(map[string]any)
		if !isTable {
			return nil, fmt.Errorf("[%s]: want a table of groups, got %s", table, typeName(v))
		}
		names := make([]string, 0, len(groups))
		for g := range groups {
			names = append(names, g)
		}
		sort.Strings(names)
		for _, g := range names {
			if err := strs(groups[g], "["+table+"] "+g, table == "dependency-groups"); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// requirementLines returns the requirement lines of a requirements file, comments and
// options stripped and continuation lines joined; index i is the i-th non-empty one.
func requirementLines(data []byte) []string {
	var out []string
	var cur strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if i := strings.Index(l, " #"); i >= 0 {
			l = l[:i]
		} else if strings.HasPrefix(strings.TrimSpace(l), "#") {
			l = ""
		}
		if strings.HasSuffix(l, "\\") {
			cur.WriteString(strings.TrimSuffix(l, "\\"))
			continue
		}
		cur.WriteString(l)
		s := strings.TrimSpace(cur.String())
		cur.Reset()
		if s == "" || strings.HasPrefix(s, "-") {
			continue
		}
		out = append(out, s)
	}
	return out
}

// firstExport is the first torch with torch.export.
var firstExport = catalog.Version{Major: 2, Minor: 1}

// torchPin reads one requirement. found says it is a torch requirement; ok that it names a
// version, v, chosen by the policy above; noExport that the versions it allows all predate
// torch.export (an exact pin or an upper bound below 2.1; a lower bound below it is judged
// as the oldest version the catalog knows).
func torchPin(req string, poetry bool) (v catalog.Version, found, ok, noExport bool) {
	v, found, fromLower, _, ok := torchPinBounds(req, poetry)
	if ok && v.Less(firstExport) && !fromLower {
		return v, found, false, true
	}
	return v, found, ok, false
}

// torchPinBounds reads one requirement: the version the policy picks, whether it is a torch
// requirement (found), whether the pick came from a lower bound, from an upper bound, and
// whether a version was named at all (ok).
func torchPinBounds(req string, poetry bool) (v catalog.Version, found, fromLower, fromUpper, ok bool) {
	m := reqNameRE.FindStringSubmatchIndex(req)
	if m == nil {
		return v, false, false, false, false
	}
	name := strings.ToLower(req[m[2]:m[3]])
	name = strings.NewReplacer("_", "-", ".", "-").Replace(name)
	if name != "torch" {
		return v, false, false, false, false
	}
	rest := req[m[1]:]
	if i := strings.IndexByte(rest, ';'); i >= 0 {
		rest = rest[:i] // environment markers
	}
	rest = strings.TrimSpace(rest)
	if strings.HasPrefix(rest, "@") { // a direct reference: maybe a wheel named by version
		if w := wheelRE.FindStringSubmatch(rest); w != nil {
			if v, err := catalog.ParseVersion(w[1]); err == nil {
				return v, true, false, false, true
			}
		}
		return v, true, false, false, false
	}
	rest = strings.TrimSuffix(strings.TrimPrefix(rest, "("), ")")
	if i := strings.Index(rest, "||"); i >= 0 {
		rest = rest[:i] // poetry alternatives: the first
	}
	var exact, lower, upper *catalog.Version
	for _, clause := range splitClauses(rest) {
		cm := clauseRE.FindStringSubmatch(clause)
		if cm == nil {
			continue
		}
		op, ver := cm[1], cm[2]
		wild := strings.HasSuffix(ver, ".*")
		cv, patch, ok := pinVersion(strings.TrimSuffix(ver, ".*"))
		if !ok {
			continue
		}
		switch {
		case op == "" && !poetry:
			continue
		case (op == "==" || op == "===" || op == "=" || op == "") && !wild:
			exact = &cv
		case op == "==" || op == "=" || op == "" || op == ">=" || op == ">" || op == "~=" || op == "^" || op == "~":
			if lower == nil || lower.Less(cv) {
				lower = &cv
			}
		case op == "<=":
			if upper == nil || cv.Less(*upper) {
				upper = &cv
			}
		case op == "<":
			u := cv
			if !patch { // <2.6 excludes 2.6.0: the newest allowed minor is 2.5
				switch {
				case u.Minor > 0:
					u.Minor--
				case u.Major > 0:
					// <3.0: the newest known version below it; <2.0 or <1.0: one of the
					// minors of a major the catalog does not know, all before torch.export
					u = catalog.Version{Major: u.Major - 1, Minor: 999}
					if latest := catalog.Default().LatestVersion(); latest.Less(u) {
						u = latest
					}
				default:
					u = catalog.Version{} // <0.0: nothing
				}
			}
			if upper == nil || u.Less(*upper) {
				upper = &u
			}
		}
	}
	switch {
	case exact != nil:
		return *exact, true, false, false, true
	case lower != nil:
		return *lower, true, true, false, true
	case upper != nil:
		return *upper, true, false, true, true
	}
	return v, true, false, false, false
}

// splitClauses splits a specifier list on commas (PEP 440) or, for poetry, spaces between
// clauses (">=2.4 <2.6").
func splitClauses(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		fields := strings.Fields(part)
		// rejoin an operator written apart from its version (">= 2.4")
		for i := 0; i < len(fields); i++ {
			f := fields[i]
			if strings.Trim(f, "=<>~!^") == "" && i+1 < len(fields) {
				f += fields[i+1]
				i++
			}
			out = append(out, f)
		}
	}
	return out
}

// pinVersion reads "2", "2.5", "2.5.1", "2.5.1+cu121"; patch says a patch level was given.
func pinVersion(s string) (v catalog.Version, patch, ok bool) {
	if i := strings.IndexAny(s, "+!"); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	major, err := strconv.Atoi(parts[0])
	if err != nil {
		return v, false, false
	}
	v.Major = major
	if len(parts) > 1 {
		mv, err := catalog.ParseVersion(parts[0] + "." + parts[1])
		if err != nil {
			return v, false, false
		}
		v = mv
	}
	return v, len(parts) > 2, true
}
