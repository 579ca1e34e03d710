package analysis

import (
	"context"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// The file model rules see: package pysem answers the Python questions (imports, classes,
// functions, scopes), package torchsem the torch ones (modules, traced code, what an
// expression is). These aliases keep rule code short.
type (
	// NodeID names a node of the file's syntax tree.
	NodeID = syntax.NodeID
	// File is one file's semantic model (torchsem.File embeds its pysem.File).
	File = torchsem.File
	// Function is a def or a lambda.
	Function = pysem.Function
	// Class is a class definition.
	Class = pysem.Class
	// Cell is one code cell of a notebook's module (pysem.Cell).
	Cell = pysem.Cell
	// Param is one function parameter.
	Param = pysem.Param
	// ParamKind tells positional, *args, keyword-only and **kwargs parameters apart.
	ParamKind = pysem.ParamKind
	// Condition is the test of an if, elif, while, assert, conditional expression or
	// comprehension if.
	Condition = pysem.Condition
)

// NoNode is the absent node.
const NoNode = syntax.NoNode

// Parameter kinds.
const (
	Positional    = pysem.Positional
	VarPositional = pysem.VarPositional
	KeywordOnly   = pysem.KeywordOnly
	VarKeyword    = pysem.VarKeyword
)

// NewFile builds the semantic model of a parsed tree analysed alone (no project around it).
func NewFile(tree *syntax.Tree) *File { return torchsem.New(pysem.NewFile(tree, pysem.Module{})) }

// NewFileContext is NewFile stopping early, with ctx's error, once ctx is done.
func NewFileContext(ctx context.Context, tree *syntax.Tree) (*File, error) {
	pf, err := pysem.NewFileContext(ctx, tree, pysem.Module{})
	if err != nil {
		return nil, err
	}
	return torchsem.New(pf), ctx.Err()
}

// ParseModule checks and parses src, the text of module mod (the zero Module when unknown),
// into its Python model; package torchsem links such files into a program.
func ParseModule(ctx context.Context, p *syntax.Parser, src []byte, mod pysem.Module) (*pysem.File, error) {
	if err := CheckSource(src); err != nil {
		return nil, err
	}
	t, err := p.ParseTree(ctx, src)
	if err != nil {
		return nil, SourceError(err)
	}
	return pysem.NewFileContext(ctx, t, mod)
}
