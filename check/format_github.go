package check

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
)

// GitHub Actions workflow commands
// (https://docs.github.com/actions/reference/workflow-commands-for-github-actions):
//
//	::error file=m.py,line=3,col=9,endLine=3,endColumn=30,title=exportdb dynamic_shape_round::message
//
// error for errors, warning for warnings, notice for the rest. Columns are 1-based code
// points and endColumn is exclusive, as ruff's github format does. Files that could not be
// checked are annotated too (title "exportdb"), besides the message on stderr. In a
// notebook the annotation is on the line of the .ipynb file that holds the code, and the
// message starts with the cell position ("cell 3:2:5: ").

func (r *runner) writeGitHub(w io.Writer, results []*FileResult) {
	for _, fr := range results {
		file := filepath.ToSlash(fr.Path)
		if fr.Err != nil {
			props := "file=" + ghProperty(file)
			msg := fr.Err.Error()
			if p, ok := fr.errorPos(); ok {
				if fr.nb != nil {
					msg = cellLocation(p) + ": " + msg
					p = fr.nb.rawPos(fr.errorOffset())
				}
				props += fmt.Sprintf(",line=%d,col=%d", p.Line, p.Column)
			}
			fmt.Fprintf(w, "::error %s,title=exportdb::%s\n", props, ghData(msg))
		}
		for _, re := range fr.RuleErrors {
			fmt.Fprintf(w, "::error file=%s,title=exportdb::%s\n", ghProperty(file), ghData("internal error: rule "+re.Rule+" panicked: "+re.Panic))
		}
		for i := range fr.Findings {
			fd := &fr.Findings[i]
			s, e := fr.pos(fd.Start), fr.pos(fd.End)
			msg := fd.Case + ": " + fd.Message
			if fr.nb != nil {
				// annotate the .ipynb file's line, and say where that is in the notebook
				msg = cellLocation(s) + ": " + msg
				r := fr.region(fd.Start, fd.End)
				s, e = position{Line: r.StartLine, Column: r.StartColumn}, position{Line: r.EndLine, Column: r.EndColumn}
			}
			if m := fixMarker(fd); m != "" {
				msg += " " + m
			}
			fmt.Fprintf(w, "::%s file=%s,line=%d,col=%d,endLine=%d,endColumn=%d,title=%s::%s\n",
				ghLevel(fd.Severity), ghProperty(file), s.Line, s.Column, e.Line, e.Column,
				ghProperty("exportdb "+fd.Case), ghData(msg))
		}
	}
}

func ghLevel(s analysis.Severity) string {
	switch s {
	case analysis.Error:
		return "error"
	case analysis.Warning:
		return "warning"
	}
	return "notice"
}

// ghData escapes a workflow command's message.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a workflow command's property value.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
