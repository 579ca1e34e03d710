package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
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
	py := filepath.Join(root, PyprojectTOML)
	if data, err := os.ReadFile(py); err == nil {
		var raw map[string]any
		if _, err := toml.Decode(string(data), &raw); err != nil {
			var pe toml.ParseError
			if errors.As(err, &pe) {
				return catalog.Version{}, fmt.Errorf("\"auto\": cannot read the torch pin: %s:%d: invalid TOML: %s", py, pe.Position.Line, pe.Message)
			}
			return catalog.Version{}, fmt.Errorf("\"auto\": cannot read the torch pin: %s: %v", py, err)
		}
		for _, src := range pyprojectRequirements(raw) {
			v, found, ok := torchPin(src.req, src.poetry)
			if ok {
				return v, nil
			}
			if found {
				unpinned = append(unpinned, fmt.Sprintf("%s (%s: %q)", PyprojectTOML, src.where, src.req))
			}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return catalog.Version{}, fmt.Errorf("\"auto\": cannot read %s: %s", py, unwrapPath(err))
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
		data, err := os.ReadFile(f)
		if err != nil {
			return catalog.Version{}, fmt.Errorf("\"auto\": cannot read %s: %s", f, unwrapPath(err))
		}
		for i, req := range requirementLines(data) {
			v, found, ok := torchPin(req, false)
			if ok {
				return v, nil
			}
			if found {
				unpinned = append(unpinned, fmt.Sprintf("%s (line %d: %q)", filepath.Base(f), i+1, req))
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

func pyprojectRequirements(raw map[string]any) []requirement {
	var out []requirement
	strs := func(v any, where string) {
		arr, _ := v.([]any)
		for _, x := range arr {
			if s, ok := x.(string); ok {
				out = append(out, requirement{req: s, where: where})
			}
		}
	}
	if deps, ok := lookup(raw, "project", "dependencies"); ok {
		strs(deps, "[project] dependencies")
	}
	if t, ok := lookup(raw, "tool", "poetry", "dependencies", "torch"); ok {
		add := func(v any) {
			switch x := v.(type) {
			case string:
				out = append(out, requirement{req: "torch " + x, where: "[tool.poetry.dependencies]", poetry: true})
			case map[string]any:
				if s, ok := x["version"].(string); ok {
					out = append(out, requirement{req: "torch " + s, where: "[tool.poetry.dependencies]", poetry: true})
				}
			}
		}
		if arr, ok := t.([]any); ok { // multiple-constraint dependency
			for _, x := range arr {
				add(x)
			}
		} else if arr, ok := t.([]map[string]any); ok {
			for _, x := range arr {
				add(x)
			}
		} else {
			add(t)
		}
	}
	for _, table := range []string{"project.optional-dependencies", "dependency-groups"} {
		v, ok := lookup(raw, strings.Split(table, ".")...)
		groups, _ := v.(map[string]any)
		if !ok || groups == nil {
			continue
		}
		names := make([]string, 0, len(groups))
		for g := range groups {
			names = append(names, g)
		}
		sort.Strings(names)
		for _, g := range names {
			strs(groups[g], "["+table+"] "+g)
		}
	}
	return out
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

// torchPin reads one requirement. found says it is a torch requirement; ok that it names a
// version, v, chosen by the policy above.
func torchPin(req string, poetry bool) (v catalog.Version, found, ok bool) {
	m := reqNameRE.FindStringSubmatchIndex(req)
	if m == nil {
		return v, false, false
	}
	name := strings.ToLower(req[m[2]:m[3]])
	name = strings.NewReplacer("_", "-", ".", "-").Replace(name)
	if name != "torch" {
		return v, false, false
	}
	rest := req[m[1]:]
	if i := strings.IndexByte(rest, ';'); i >= 0 {
		rest = rest[:i] // environment markers
	}
	rest = strings.TrimSpace(rest)
	if strings.HasPrefix(rest, "@") { // a direct reference: maybe a wheel named by version
		if w := wheelRE.FindStringSubmatch(rest); w != nil {
			if v, err := catalog.ParseVersion(w[1]); err == nil {
				return v, true, true
			}
		}
		return v, true, false
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
				if u.Minor == 0 {
					continue
				}
				u.Minor--
			}
			if upper == nil || u.Less(*upper) {
				upper = &u
			}
		}
	}
	switch {
	case exact != nil:
		return *exact, true, true
	case lower != nil:
		return *lower, true, true
	case upper != nil:
		return *upper, true, true
	}
	return v, true, false
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
