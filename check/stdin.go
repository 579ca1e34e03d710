package check

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// Reading the source from stdin (`exportdb check - --stdin-filename src/model.py`), for
// editors and pipelines that lint a buffer before it is saved: nvim-lint, efm, none-ls,
// format-on-save hooks. The source is reported under the given name and checked with the
// configuration found from that name's directory, as if it were that file. With --fix the
// fixed source goes to stdout and the report to stderr, so that `exportdb check --fix -`
// is a filter; when the source cannot be fixed (or --force-exclude skips it) the source
// goes to stdout as it came, so the pipeline never loses the buffer.

// stdinMode reports whether the run reads stdin.
func (o *Options) stdinMode() bool {
	if len(o.Paths) == 1 && o.Paths[0] == "-" {
		return true
	}
	return len(o.Paths) == 0 && o.StdinFilename != ""
}

// stdinTarget reads stdin and returns it as the run's one target, or nil when the
// configuration excludes it (with ForceExclude) or could not be loaded. A source too large
// to analyse becomes a result carrying the error.
func (r *runner) stdinTarget(cs *configs) (*target, *FileResult) {
	name := r.o.StdinFilename
	abs := filepath.Join(r.cwd, "-")
	display := "-"
	if name != "" {
		abs = filepath.Clean(name)
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(r.cwd, abs)
		}
		display = r.display(abs)
	}
	limit, tooLarge := syntax.MaxSourceSize, syntax.ErrTooLarge.Error()
	if IsNotebook(abs) {
		limit, tooLarge = maxNotebookSize, errNotebookTooLarge
	}
	src, err := io.ReadAll(io.LimitReader(r.o.Stdin, int64(limit)+1))
	r.stdinSrc = src
	if err != nil {
		return nil, &FileResult{Path: display, Abs: abs, Err: fmt.Errorf("cannot read stdin: %w", err)}
	}
	if len(src) > limit {
		r.stdinRest = r.o.Stdin
		return nil, &FileResult{Path: display, Abs: abs, Err: &analysis.FileError{Offset: -1, Reason: tooLarge}}
	}
	cfg := cs.forDir(filepath.Dir(abs))
	if cfg == nil {
		return nil, nil
	}
	if r.o.ForceExclude && name != "" && r.forceExcluded(abs, cfg, false) {
		return nil, nil
	}
	return &target{abs: abs, path: display, cfg: cfg, src: src, stdin: true}, nil
}

// writeStdinSource writes the source read from stdin, fixed when it could be, to Stdout.
func (r *runner) writeStdinSource(results []*FileResult) error {
	for _, fr := range results {
		if fr.Output != nil {
			_, err := r.o.Stdout.Write(fr.Output)
			return err
		}
	}
	if _, err := r.o.Stdout.Write(r.stdinSrc); err != nil {
		return err
	}
	if r.stdinRest != nil {
		_, err := io.Copy(r.o.Stdout, r.stdinRest)
		return err
	}
	return nil
}
