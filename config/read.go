package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"

	"github.com/exportdb-lsp/exportdb-lsp/internal/safefile"
)

// A repository decides what its configuration files are, so they are read with the care
// its .py files are: only regular files (a named pipe would block the read forever, a
// device such as /dev/zero never end), at most MaxFileSize bytes, and, for the files found
// by walking up from a source file (rather than named with --config), never through a
// symbolic link that leads out of the directory holding it: such a link is skipped, as the
// walk skips a link to a .py file outside the tree. TOML is checked for size and nesting
// before it is parsed: the TOML parser takes time and memory growing with the square of a
// dotted key's length (a 40 KB file of 20,000-part keys took 97 s and 22.7 GB).

// MaxFileSize is the largest configuration or requirements file read.
const MaxFileSize = 1 << 20

// Nesting limits of a TOML file, checked before it is parsed: the parts of one key
// (a.b.c has 3, also in a [table.header]) and the depth of arrays and inline tables.
const (
	MaxKeyParts    = 32
	MaxTOMLNesting = 32
)

// errSkipped is returned for a discovered file that is a symbolic link leading out of its
// directory: the caller treats it as absent.
var errSkipped = errors.New("a symbolic link leading out of its directory")

// readFile reads a configuration or requirements file. discovered says it was found by
// walking up from a source file (a link out of its directory is then errSkipped). A file
// that does not exist gives an error wrapping fs.ErrNotExist; any other failure is an
// *Error naming the file.
func readFile(path string, discovered bool) ([]byte, error) {
	if discovered {
		if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 && !safefile.Inside(path, filepath.Dir(path)) {
			if _, err := os.Stat(path); err != nil {
				return nil, err // dangling: as absent
			}
			return nil, errSkipped
		}
	}
	data, err := safefile.Read(path, MaxFileSize)
	switch {
	case err == nil:
		return data, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, err
	case safefile.IsTooLarge(err):
		return nil, &Error{File: path, Msg: fmt.Sprintf("cannot read: larger than %s", safefile.Size(MaxFileSize)), Err: err}
	}
	return nil, &Error{File: path, Msg: "cannot read: " + unwrapPath(err), Err: err}
}

// absent reports whether err from readFile means there is no file to read: it does not
// exist, is a directory, or is a link readFile skips.
func absent(path string, err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, errSkipped) || isDir(path)
}

// decodeTOML checks text's nesting and parses it into v.
func decodeTOML(file, text string, v any) (toml.MetaData, error) {
	if err := checkTOMLNesting(file, text); err != nil {
		return toml.MetaData{}, err
	}
	return toml.Decode(text, v)
}

// checkTOMLNesting scans text outside strings and comments and refuses a key of more than
// MaxKeyParts parts, or arrays and inline tables nested deeper than MaxTOMLNesting. The
// scan is lexical and errs on the side of counting: it runs before the parser, which
// reports any real syntax error afterwards.
func checkTOMLNesting(file, text string) error {
	var stack []byte // open '[' and '{' of values (and of a table header)
	line := 1
	inKey, header := true, false // at a key (line start, or after '{' or ',' in an inline table)
	parts := 1
	keyLine := 1
	fail := func(l int, format string, a ...any) error {
		return &Error{File: file, Line: l, Msg: "invalid TOML: " + fmt.Sprintf(format, a...)}
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '\n':
			line++
			if len(stack) == 0 {
				inKey, header, parts, keyLine = true, false, 1, line
			}
		case c == '#':
			for i+1 < len(text) && text[i+1] != '\n' {
				i++
			}
		case c == '"' || c == '\'':
			// a string: basic ("..." with escapes) or literal ('...'), single or triple
			q := text[i]
			triple := i+2 < len(text) && text[i+1] == q && text[i+2] == q
			if triple {
				i += 2
			}
			for i++; i < len(text); i++ {
				if text[i] == '\n' {
					line++
				}
				if q == '"' && text[i] == '\\' {
					i++
					if i < len(text) && text[i] == '\n' {
						line++
					}
					continue
				}
				if text[i] == q && (!triple || i+2 < len(text) && text[i+1] == q && text[i+2] == q) {
					if triple {
						i += 2
					}
					break
				}
				if !triple && text[i] == '\n' {
					break // unterminated: the parser says so
				}
			}
		case c == '.' && inKey:
			parts++
			if parts > MaxKeyParts {
				return fail(keyLine, "a key of more than %d parts", MaxKeyParts)
			}
		case c == '=' && inKey && !header:
			inKey = false
		case c == '[' || c == '{':
			if inKey && c == '[' && len(stack) == 0 {
				header = true // [table] or [[array.of.tables]]: its key counts
				stack = append(stack, c)
				continue
			}
			stack = append(stack, c)
			if len(stack) > MaxTOMLNesting {
				return fail(line, "arrays or inline tables nested more than %d deep", MaxTOMLNesting)
			}
			if c == '{' {
				inKey, parts, keyLine = true, 1, line
			}
		case c == ']' || c == '}':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			if header && len(stack) == 0 {
				inKey, header = false, false
			}
		case c == ',' && len(stack) > 0 && stack[len(stack)-1] == '{':
			inKey, parts, keyLine = true, 1, line
		}
	}
	return nil
}
