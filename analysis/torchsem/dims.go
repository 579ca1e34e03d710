package torchsem

import (
	"fmt"
	"strconv"
)

// Dynamic shapes: what the user declared of each dimension of an exported model's inputs,
// read from the dynamic_shapes argument of torch.export.export (and draft_export) calls in
// the project, or from the configuration for a class exported elsewhere. Sizes carry Refs to
// the input dimensions they read (value.go), so a line that pins or breaks a dimension can
// say which declared Dim it touches.

// DimKind is how a dimension is declared.
type DimKind uint8

// Dimension declarations.
const (
	DimStatic  DimKind = iota // None, Dim.STATIC, or not mentioned while the input has a spec
	DimNamed                  // Dim("h", min=, max=): dynamic, with a name and a range
	DimAuto                   // Dim.AUTO: dynamic if the code allows, static otherwise
	DimDynamic                // Dim.DYNAMIC: dynamic, and export fails if the code specialises it
	DimDerived                // Mult * base + Add, where base is a named Dim
	DimUnknown                // an expression exportdb cannot read (a parameter, a call it cannot follow)
)

// DimDecl is the declaration of one dimension of one input.
type DimDecl struct {
	Kind DimKind
	// Name is the Dim's name ("h"); for a derived dim, the name of its base.
	Name string
	// Min and Max bound the dimension; -1 when the declaration gives none.
	Min, Max int
	// Mult and Add describe a derived dim: Mult * base + Add.
	Mult, Add int
	// File and Node are where it is declared (the Dim(...) call, the spec's element); nil
	// for a declaration from the configuration.
	File *File
	Node NodeID
	// Config is the configuration file the declaration comes from, when it does.
	Config string
}

// Dynamic reports whether the declaration may let the dimension vary (an unreadable one may).
func (d DimDecl) Dynamic() bool { return d.Kind != DimStatic }

// String is how a message names the declaration: `Dim("h", min=32, max=1024)`,
// `2 * Dim("h")`, `Dim.AUTO`, `static`.
func (d DimDecl) String() string {
	switch d.Kind {
	case DimStatic:
		return "static"
	case DimAuto:
		return "Dim.AUTO"
	case DimDynamic:
		return "Dim.DYNAMIC"
	case DimUnknown:
		return "not readable"
	}
	s := "Dim(" + strconv.Quote(d.Name)
	if d.Min >= 0 {
		s += fmt.Sprintf(", min=%d", d.Min)
	}
	if d.Max >= 0 {
		s += fmt.Sprintf(", max=%d", d.Max)
	}
	s += ")"
	if d.Kind == DimDerived {
		if d.Mult != 1 {
			s = fmt.Sprintf("%d * %s", d.Mult, s)
		}
		if d.Add > 0 {
			s += fmt.Sprintf(" + %d", d.Add)
		} else if d.Add < 0 {
			s += fmt.Sprintf(" - %d", -d.Add)
		}
	}
	return s
}

// Range is the declared range in words: "32 <= h <= 1024", "h >= 2", "" when unbounded.
func (d DimDecl) Range() string {
	name := d.Name
	if name == "" {
		name = "the dim"
	}
	switch {
	case d.Min >= 0 && d.Max >= 0:
		return fmt.Sprintf("%d <= %s <= %d", d.Min, name, d.Max)
	case d.Min >= 0:
		return fmt.Sprintf("%s >= %d", name, d.Min)
	case d.Max >= 0:
		return fmt.Sprintf("%s <= %d", name, d.Max)
	}
	return ""
}

// InputDecl is what a declaration says of one input (a forward parameter).
type InputDecl struct {
	Param int // index in forward's Params
	// Rank is the input's number of dimensions when the declaration tells it (a tuple or
	// list spec, or an example input built with literal sizes); -1 otherwise.
	Rank int
	// Axes holds the declaration of each axis the spec names: non-negative, or negative
	// (counted from the end) when the rank is not known.
	Axes map[int]DimDecl
	// Nested is true when the input is a list, tuple or dict of tensors with a spec per
	// element: its dims are unknown.
	Nested bool
}

// ClassDims declares dynamic dimensions for a class without an export call: from the
// configuration, for people who export elsewhere ([tool.exportdb.dynamic-shapes."pkg.Model"]).
type ClassDims struct {
	Class  string                     // qualified name (pkg.mod.Model), or a bare class name
	Params map[string]map[int]DimDecl // forward parameter -> axis -> declaration
	Config string                     // the configuration file
}
