package rules

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// ruleFamilies declares the family files of the rules: a file of helpers that several rule
// files share, and the rule files (path.Match patterns) allowed to use them. Helpers every
// rule needs belong in the semantic model (pysem, torchsem) or in fix, not here.
var ruleFamilies = map[string][]string{
	// torch.cond and map: the call, its branches, the functorch migration
	"cond_common.go":           {"cond_*.go", "dynamic_shape_map.go", "nested_function.go"},
	"cond_common_mutations.go": {"cond_*.go"},
	// values read out of tensor data and the torch._check family that bounds them
	"constrain_common.go": {"constrain_as_*.go", "unchecked_data_dependent_value.go", "deprecated_export_api.go"},
	// sizes of inputs: which expressions the shape rules call a size
	"dynamic_shape_common.go": {"dynamic_shape_*.go", "list_contains.go", "scalar_output.go", "static_for_loop.go", "static_if.go"},
	// what an export call declares of a dim: its Dim, its range, the edits of dynamic_shapes
	"dynamic_shape_declared.go": {"dynamic_shape_divisible.go", "dynamic_shape_min_size.go", "dynamic_shape_layers.go",
		"dynamic_shape_assert.go", "dynamic_shape_if_guard.go"},
	// how declared dims flow through forward and the layers it calls (dynamic_shape_min_size's walk)
	"dynamic_shape_layers.go": {"dynamic_shape_min_size.go"},
	// tensors whose length depends on their data
	"data_shape_common.go": {"data_dependent_output_shape.go", "tensor_to_python.go", "cond_branch_contract.go"},
	// the export surface of a file: receivers, exported module classes, forward inputs
	"export_surface.go": {"autograd_in_forward.go", "custom_op_without_fake.go", "input_container_mutation.go",
		"module_hook.go", "parameter_in_forward.go", "unregistered_pytree_type.go", "user_input_mutation.go",
		"module_state_in_forward.go"},
}

// TestNoCrossRuleHelpers: no rule file uses an unexported name that another rule file
// defines, unless that file is a declared family file and the user one of its members.
func TestNoCrossRuleHelpers(t *testing.T) {
	paths, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	defs := map[string]string{} // unexported top-level name -> the file defining it
	files := map[string]*ast.File{}
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files[p] = f
		for _, d := range f.Decls {
			for _, name := range declNames(d) {
				if !ast.IsExported(name) && name != "_" && name != "init" {
					defs[name] = p
				}
			}
		}
	}
	if len(files) < 40 {
		t.Fatalf("only %d rule files found", len(files))
	}
	for family := range ruleFamilies {
		if files[family] == nil {
			t.Errorf("declared family file %s does not exist", family)
		}
	}
	var arrows []string
	for user, f := range files {
		seen := map[string]bool{}
		// the parser resolves names declared in the file itself; what stays unresolved is
		// declared in another file of the package, imported, or predeclared
		for _, id := range f.Unresolved {
			from, ok := defs[id.Name]
			if !ok || from == user || seen[id.Name] {
				continue
			}
			seen[id.Name] = true
			if !familyMember(from, user) {
				arrows = append(arrows, user+" uses "+id.Name+" from "+from)
			}
		}
	}
	sort.Strings(arrows)
	for _, a := range arrows {
		t.Error(a)
	}
}

// declNames returns the names a top-level declaration declares (methods aside).
func declNames(d ast.Decl) []string {
	var out []string
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil {
			out = append(out, d.Name.Name)
		}
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.ValueSpec:
				for _, n := range s.Names {
					out = append(out, n.Name)
				}
			case *ast.TypeSpec:
				out = append(out, s.Name.Name)
			}
		}
	}
	return out
}

// familyMember reports whether rule file user may use the helpers of file family.
func familyMember(family, user string) bool {
	return slices.ContainsFunc(ruleFamilies[family], func(pattern string) bool {
		ok, _ := path.Match(pattern, user)
		return ok
	})
}

// declarationAPIs are the calls through which a rule reads what export calls and the
// configuration declare (torchsem's Dims, ExportsOf, DeclAt, Declarations and the program
// memo, which Redeclare drops; the Pass's StrictAt and NotSupportedAt, which read strict=).
var declarationAPIs = regexp.MustCompile(`\.(Dims|ExportsOf|DeclAt|Declarations|Memo|StrictAt|NotSupportedAt|DeclFingerprint|DeclFingerprintIn)\(`)

// TestLocalRulesDeclarations: a Local rule whose file, or a family file it may use, reads
// declarations says so (Rule.Declarations), so that its kept findings are dropped when the
// declarations change.
func TestLocalRulesDeclarations(t *testing.T) {
	files := map[string]string{}
	paths, _ := filepath.Glob("*.go")
	for _, p := range paths {
		if !strings.HasSuffix(p, "_test.go") {
			src, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			files[p] = string(src)
		}
	}
	local := 0
	for _, r := range All() {
		if !r.Local {
			continue
		}
		local++
		file := r.Name + ".go"
		if _, ok := files[file]; !ok {
			t.Errorf("rule %s: no file %s", r.Name, file)
			continue
		}
		reads := []string{}
		for name, src := range files {
			if (name == file || ruleFamilies[name] != nil && familyMember(name, file)) && declarationAPIs.MatchString(src) {
				reads = append(reads, name)
			}
		}
		sort.Strings(reads)
		if len(reads) > 0 && !r.Declarations {
			t.Errorf("rule %s is Local and reads declarations (in %v) but does not set Declarations", r.Name, reads)
		}
	}
	if local < 30 {
		t.Errorf("only %d Local rules", local)
	}
}
