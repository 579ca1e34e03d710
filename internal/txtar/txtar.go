// Package txtar reads the txtar archive format used by multi-file test fixtures: a comment,
// then files, each introduced by a line "-- path --".
//
//	optional comment
//	-- model.py --
//	import torch
//	-- layers/patch.py --
//	...
package txtar

import (
	"bytes"
	"fmt"
	"path"
	"strings"
)

// File is one member of an archive.
type File struct {
	Name string
	Data []byte
}

// Archive is a parsed archive.
type Archive struct {
	Comment []byte
	Files   []File
}

// Parse reads an archive. Member names must be clean relative paths and unique.
func Parse(data []byte) (*Archive, error) {
	a := &Archive{}
	var cur *File
	seen := map[string]bool{}
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i+1], data[i+1:]
		} else {
			data = nil
		}
		s := strings.TrimRight(string(line), "\r\n")
		if name, ok := strings.CutPrefix(s, "-- "); ok {
			if name, ok = strings.CutSuffix(name, " --"); ok {
				name = strings.TrimSpace(name)
				if name == "" || path.Clean(name) != name || strings.HasPrefix(name, "../") || path.IsAbs(name) {
					return nil, fmt.Errorf("txtar: bad member name %q", name)
				}
				if seen[name] {
					return nil, fmt.Errorf("txtar: member %q appears twice", name)
				}
				seen[name] = true
				a.Files = append(a.Files, File{Name: name})
				cur = &a.Files[len(a.Files)-1]
				continue
			}
		}
		if cur == nil {
			a.Comment = append(a.Comment, line...)
		} else {
			cur.Data = append(cur.Data, line...)
		}
	}
	return a, nil
}
