package config

import (
	"path/filepath"
	"sort"
	"strconv"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// The project keys: where the project's modules live, and the dynamic dimensions declared
// for classes exported elsewhere.
//
//	src = ["src", "."]                       # source roots, relative to the file
//	[tool.exportdb.dynamic-shapes."vit.model.VisionTransformer"]
//	x = { 0 = "batch", 2 = "h", 3 = "w" }    # forward parameter = { axis = dim }
//	[tool.exportdb.dims]                     # ranges of the named dims
//	h = { min = 32, max = 1024 }
//
// An axis is declared by a dim name (a named Dim), "static", "auto" (Dim.AUTO), "dynamic"
// (Dim.DYNAMIC), or an inline table { dim = "h", min = 32, max = 1024 }.

// setSrc reads the src key.
func (d *doc) setSrc(c *Config, v any) error {
	sub := []string{"src"}
	list, err := d.strings(sub, v)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return d.errorf(sub, "want at least one directory (the project root is \".\")")
	}
	c.Src = nil
	for _, s := range list {
		if s == "" {
			return d.elemErrorf(sub, s, "an empty directory name (the project root is \".\")")
		}
		c.Src = append(c.Src, filepath.Join(c.Root, filepath.FromSlash(s)))
	}
	return nil
}

// dimSpec is one axis as the configuration writes it, before the dims table gives it a range.
type dimSpec struct {
	decl torchsem.DimDecl
	sub  []string // its key, for errors
}

// setDynamicShapes reads the dynamic-shapes table: class -> parameter -> axis -> dim.
func (d *doc) setDynamicShapes(c *Config, v any) error {
	sub := []string{"dynamic-shapes"}
	classes, ok := v.(map[string]any)
	if !ok {
		return d.errorf(sub, "want a table of \"module.Class\" = { parameter = { axis = dim } }, got %s", typeName(v))
	}
	c.DynamicShapes = nil
	for _, class := range d.order(classes, sub) {
		csub := append(append([]string{}, sub...), class)
		params, ok := classes[class].(map[string]any)
		if !ok {
			return d.errorf(csub, "want a table of forward parameter = { axis = dim }, got %s", typeName(classes[class]))
		}
		cd := torchsem.ClassDims{Class: class, Params: map[string]map[int]torchsem.DimDecl{}, Config: c.Path}
		for _, param := range d.order(params, csub) {
			psub := append(append([]string{}, csub...), param)
			axes, ok := params[param].(map[string]any)
			if !ok {
				return d.errorf(psub, "want a table of axis = dim such as { 0 = \"batch\", 2 = \"h\" }, got %s", typeName(params[param]))
			}
			cd.Params[param] = map[int]torchsem.DimDecl{}
			for _, axis := range d.order(axes, psub) {
				asub := append(append([]string{}, psub...), axis)
				n, err := strconv.Atoi(axis)
				if err != nil || n < 0 || n > 64 {
					return d.errorf(asub, "an axis is a dimension index from 0, such as 0 or 2")
				}
				decl, err := d.dimDecl(asub, axes[axis], c.Path)
				if err != nil {
					return err
				}
				cd.Params[param][n] = decl
			}
		}
		c.DynamicShapes = append(c.DynamicShapes, cd)
	}
	return nil
}

// dimDecl reads one axis declaration.
func (d *doc) dimDecl(sub []string, v any, file string) (torchsem.DimDecl, error) {
	decl := torchsem.DimDecl{Kind: torchsem.DimNamed, Min: -1, Max: -1, Config: file}
	switch x := v.(type) {
	case string:
		switch x {
		case "static":
			decl.Kind = torchsem.DimStatic
		case "auto":
			decl.Kind = torchsem.DimAuto
		case "dynamic":
			decl.Kind = torchsem.DimDynamic
		case "":
			return decl, d.errorf(sub, "want a dim name, \"static\", \"auto\" or \"dynamic\"")
		default:
			decl.Name = x
		}
		return decl, nil
	case map[string]any:
		for _, k := range d.order(x, sub) {
			ksub := append(append([]string{}, sub...), k)
			switch k {
			case "dim":
				s, ok := x[k].(string)
				if !ok || s == "" {
					return decl, d.errorf(ksub, "want the dim's name")
				}
				decl.Name = s
			case "min", "max":
				n, ok := x[k].(int64)
				if !ok || n < 0 {
					return decl, d.errorf(ksub, "want a non-negative integer, got %s", typeName(x[k]))
				}
				if k == "min" {
					decl.Min = int(n)
				} else {
					decl.Max = int(n)
				}
			default:
				return decl, d.errorf(ksub, "unknown key; an axis table has dim, min and max")
			}
		}
		if decl.Name == "" {
			return decl, d.errorf(sub, "an axis table needs dim = \"name\"")
		}
		if decl.Min >= 0 && decl.Max >= 0 && decl.Min > decl.Max {
			return decl, d.errorf(sub, "min %d is above max %d", decl.Min, decl.Max)
		}
		return decl, nil
	}
	return decl, d.errorf(sub, "want a dim name, \"static\", \"auto\", \"dynamic\" or { dim = \"h\", min = 32, max = 1024 }, got %s", typeName(v))
}

// setDims reads the dims table: the range of each named dim.
func (d *doc) setDims(c *Config, v any) error {
	sub := []string{"dims"}
	t, ok := v.(map[string]any)
	if !ok {
		return d.errorf(sub, "want a table of dim = { min = .., max = .. }, got %s", typeName(v))
	}
	c.DimRanges = map[string][2]int{}
	for _, name := range d.order(t, sub) {
		nsub := append(append([]string{}, sub...), name)
		r, ok := t[name].(map[string]any)
		if !ok {
			return d.errorf(nsub, "want { min = .., max = .. }, got %s", typeName(t[name]))
		}
		bounds := [2]int{-1, -1}
		for _, k := range d.order(r, nsub) {
			n, ok := r[k].(int64)
			if (k != "min" && k != "max") || !ok || n < 0 {
				return d.errorf(append(append([]string{}, nsub...), k), "want min or max = a non-negative integer")
			}
			if k == "min" {
				bounds[0] = int(n)
			} else {
				bounds[1] = int(n)
			}
		}
		if bounds[0] >= 0 && bounds[1] >= 0 && bounds[0] > bounds[1] {
			return d.errorf(nsub, "min %d is above max %d", bounds[0], bounds[1])
		}
		c.DimRanges[name] = bounds
	}
	return nil
}

// ClassDims returns the dynamic-shapes declarations with the dims table's ranges applied
// to the named dims that give none themselves.
func (c *Config) ClassDims() []torchsem.ClassDims {
	out := make([]torchsem.ClassDims, 0, len(c.DynamicShapes))
	for _, cd := range c.DynamicShapes {
		n := torchsem.ClassDims{Class: cd.Class, Params: map[string]map[int]torchsem.DimDecl{}, Config: cd.Config}
		for p, axes := range cd.Params {
			n.Params[p] = map[int]torchsem.DimDecl{}
			for a, decl := range axes {
				if r, ok := c.DimRanges[decl.Name]; ok && decl.Kind == torchsem.DimNamed {
					if decl.Min < 0 {
						decl.Min = r[0]
					}
					if decl.Max < 0 {
						decl.Max = r[1]
					}
				}
				n.Params[p][a] = decl
			}
		}
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Class < out[j].Class })
	return out
}
