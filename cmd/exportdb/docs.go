package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/exportdb-lsp/exportdb-lsp/catalog"
	"github.com/exportdb-lsp/exportdb-lsp/catalog/render"
)

const docsUsage = `usage: exportdb docs --out DIR [--format rst|md|html] [--doc-version main]

Write the catalog as documentation: index.<ext>, one page per tag, and exportdb-lsp.<ext>
when the catalog has cases of its own. With --format rst, index.rst is PyTorch's ExportDB
page byte for byte. Existing files of the same names are replaced; others are left alone.

flags:
`

// runDocs implements `exportdb docs`.
func runDocs(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("docs", docsUsage, stdout, stderr)
	formatFlag := fs.String("format", "rst", "output `FORMAT`: rst, md or html")
	out := fs.String("out", "", "write the pages to `DIR` (created if missing)")
	docVersion := fs.String("doc-version", "main", "pytorch.org documentation `VERSION` that links point to")
	fs.completeValues("format", false, "rst", "md", "html")
	fs.completeFiles("out")
	fs.noArgs = true
	rest, err := fs.parse(args)
	if err != nil {
		return exitForParse(err)
	}
	if len(rest) > 0 {
		fmt.Fprintf(stderr, "exportdb docs: unexpected argument %q\n", rest[0])
		return 2
	}
	if *out == "" {
		fmt.Fprintln(stderr, "exportdb docs: --out DIR is required")
		return 2
	}
	format, err := render.ParseFormat(*formatFlag)
	if err != nil {
		fmt.Fprintf(stderr, "exportdb docs: --format: %v\n", err)
		return 2
	}
	pages, err := render.Pages(catalog.Default(), format, render.Options{DocVersion: *docVersion})
	if err != nil {
		fmt.Fprintf(stderr, "exportdb docs: %v\n", err)
		return 2
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintf(stderr, "exportdb docs: %v\n", err)
		return 2
	}
	for _, p := range pages {
		if err := writeFileAtomic(filepath.Join(*out, p.Name), p.Content); err != nil {
			fmt.Fprintf(stderr, "exportdb docs: %v\n", err)
			return 2
		}
	}
	fmt.Fprintf(stdout, "wrote %d %s files to %s\n", len(pages), format, *out)
	return 0
}

// writeFileAtomic writes data to a temporary file in name's directory and renames it over
// name, so that name holds either its old content or all of data, never part of it.
func writeFileAtomic(name string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}
