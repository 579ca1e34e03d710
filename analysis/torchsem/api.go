package torchsem

import (
	"bufio"
	_ "embed"
	"fmt"
	"strings"
	"sync"
)

// Rule says how a torch function or Tensor method computes its result from its arguments,
// beyond a plain Kind (see api/torch.txt).
type Rule uint8

// Rules of the API table.
const (
	RuleKind       Rule = iota // the result is the entry's Kind
	RuleSame                   // a Tensor with the receiver's shape and ties
	RuleShape                  // the receiver's shape, or one dimension of it
	RuleRank                   // StaticInt
	RuleNumel                  // a Size of every dimension of the receiver
	RuleData                   // Data read out of the receiver
	RuleReduce                 // Tensor, or TensorSeq with a dim argument
	RuleSymNum                 // the join of the arguments' number kinds
	RuleDataShaped             // a Tensor whose size depends on its data
	RuleMaybe                  // a Tensor when the receiver is one
)

var ruleNames = map[string]Rule{
	"same": RuleSame, "shape": RuleShape, "rank": RuleRank, "numel": RuleNumel, "data": RuleData,
	"reduce": RuleReduce, "symnum": RuleSymNum, "datashaped": RuleDataShaped, "maybe": RuleMaybe,
}

// API is one entry of the torch API table.
type API struct {
	Name string // qualified: torch.zeros, torch.Tensor.size
	Rule Rule
	Kind Kind // the result with RuleKind
}

//go:embed api/torch.txt
var apiText string

var (
	apiOnce  sync.Once
	apiTable map[string]*API
)

// LookupAPI returns the table's entry for a qualified torch name (a function such as
// "torch.zeros", or "torch.Tensor.<method>"), or nil.
func LookupAPI(name string) *API {
	apiOnce.Do(func() {
		t, err := parseAPI(apiText)
		if err != nil {
			panic(err) // the embedded table is tested
		}
		apiTable = t
	})
	return apiTable[name]
}

// APINames returns every name of the table, in table order.
func APINames() []string {
	var out []string
	for _, line := range strings.Split(apiText, "\n") {
		if f := strings.Fields(line); len(f) == 2 && !strings.HasPrefix(f[0], "#") {
			out = append(out, f[0])
		}
	}
	return out
}

func parseAPI(text string) (map[string]*API, error) {
	out := map[string]*API{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		f := strings.Fields(s)
		if len(f) != 2 {
			return nil, fmt.Errorf("api/torch.txt:%d: want a name and a result, got %q", line, s)
		}
		a := &API{Name: f[0]}
		if r, ok := ruleNames[f[1]]; ok {
			a.Rule = r
		} else {
			k, err := ParseKind(f[1])
			if err != nil {
				return nil, fmt.Errorf("api/torch.txt:%d: %v", line, err)
			}
			a.Kind = k
		}
		if _, dup := out[a.Name]; dup {
			return nil, fmt.Errorf("api/torch.txt:%d: %s listed twice", line, a.Name)
		}
		out[a.Name] = a
	}
	return out, nil
}

// tensorFuncModules are the torch modules whose functions return tensors.
var tensorFuncModules = []string{"torch.nn.functional.", "torch.linalg.", "torch.fft.", "torch.special."}

// funcAPI returns the entry for a call of the qualified torch function q, with the defaults
// for names the table does not list; nil when q is not a torch function export knows.
func funcAPI(q string) *API {
	if a := LookupAPI(q); a != nil {
		return a
	}
	rest, ok := strings.CutPrefix(q, "torch.")
	if !ok || rest == "" {
		return nil
	}
	if !strings.Contains(rest, ".") {
		if rest[0] == '_' || isUpper(rest[0]) {
			return nil
		}
		return &API{Name: q, Kind: Tensor | Other}
	}
	if strings.HasPrefix(rest, "nn.") && !strings.HasPrefix(rest, "nn.functional.") {
		last := rest[strings.LastIndexByte(rest, '.')+1:]
		if last != "" && isUpper(last[0]) {
			return &API{Name: q, Kind: Module}
		}
		return nil
	}
	for _, m := range tensorFuncModules {
		if name, ok := strings.CutPrefix(q, m); ok && name != "" && !strings.Contains(name, ".") && name[0] != '_' {
			return &API{Name: q, Kind: Tensor | Other}
		}
	}
	return nil
}

// methodAPI returns the entry for a Tensor method, with the default for methods the table
// does not list: in-place methods (x.add_()) give back their receiver, predicates (is_*)
// a constant, dunders and the rest maybe a tensor.
func methodAPI(name string) *API {
	if a := LookupAPI("torch.Tensor." + name); a != nil {
		return a
	}
	switch {
	case strings.HasPrefix(name, "is_"):
		return &API{Name: name, Kind: Const}
	case len(name) > 1 && strings.HasSuffix(name, "_") && !strings.HasSuffix(name, "__") && name[0] != '_':
		return &API{Name: name, Rule: RuleSame}
	}
	return &API{Name: name, Rule: RuleMaybe}
}

func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }
