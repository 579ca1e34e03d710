package check

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
)

// The GitLab Code Quality report (https://docs.gitlab.com/ci/testing/code_quality/): a
// JSON array of issues, the subset of the Code Climate issue format that GitLab reads.
// Each issue has description, check_name ("exportdb/<case>"), fingerprint, severity and
// location (path relative to the repository, begin and end positions; columns are 1-based
// code points). Files that could not be checked are "blocker" issues named
// "exportdb/not-checked", so that the merge request shows them. A notebook's positions are
// in the .ipynb file, and the description starts with the cell position ("cell 3:7:13: ").
//
// Paths are relative to $CI_PROJECT_DIR when GitLab sets it (the repository's root), else
// to the working directory. A fingerprint identifies a finding across commits: a hash of
// the path, the case, the text of its line and its rank among identical ones, not the line
// number, so that code moving up or down keeps its fingerprint.

type gitlabIssue struct {
	Type        string         `json:"type"`
	CheckName   string         `json:"check_name"`
	Description string         `json:"description"`
	Fingerprint string         `json:"fingerprint"`
	Severity    string         `json:"severity"`
	Location    gitlabLocation `json:"location"`
}

type gitlabLocation struct {
	Path      string          `json:"path"`
	Positions gitlabPositions `json:"positions"`
}

type gitlabPositions struct {
	Begin gitlabPosition `json:"begin"`
	End   gitlabPosition `json:"end"`
}

type gitlabPosition struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

func (r *runner) writeGitLab(w io.Writer, results []*FileResult) error {
	base := r.cwd
	if d := os.Getenv("CI_PROJECT_DIR"); d != "" {
		if abs, err := filepath.Abs(d); err == nil {
			base = abs
		}
	}
	issues := []gitlabIssue{}
	seen := map[string]int{}
	for _, fr := range results {
		path := gitlabPath(base, fr)
		if fr.Err != nil {
			p := position{Line: 1, Column: 1}
			desc := "file could not be checked: " + fr.Err.Error()
			if ep, ok := fr.errorPos(); ok {
				p = ep
				if fr.nb != nil {
					desc = "file could not be checked: " + cellLocation(ep) + ": " + fr.Err.Error()
					p = fr.nb.rawPos(fr.errorOffset())
				}
			}
			issues = append(issues, gitlabIssue{
				Type:        "issue",
				CheckName:   "exportdb/not-checked",
				Description: desc,
				Fingerprint: fingerprint(seen, path, "not-checked", fr.Err.Error()),
				Severity:    "blocker",
				Location:    gitlabLocation{Path: path, Positions: gitlabPositions{gitlabPosition{p.Line, p.Column}, gitlabPosition{p.Line, p.Column}}},
			})
		}
		for _, re := range fr.RuleErrors {
			msg := "internal error: rule " + re.Rule + " panicked: " + re.Panic
			issues = append(issues, gitlabIssue{
				Type:        "issue",
				CheckName:   "exportdb/not-checked",
				Description: msg,
				Fingerprint: fingerprint(seen, path, "rule-error", msg),
				Severity:    "blocker",
				Location:    gitlabLocation{Path: path, Positions: gitlabPositions{gitlabPosition{1, 1}, gitlabPosition{1, 1}}},
			})
		}
		for i := range fr.Findings {
			fd := &fr.Findings[i]
			s, e := fr.pos(fd.Start), fr.pos(fd.End)
			desc := fd.Case + ": " + fd.Message
			line := strings.TrimSpace(fr.lineText(s.Cell, s.Line))
			if fr.nb != nil {
				// the lines of the .ipynb file, which the merge request shows; the cell named
				desc = cellLocation(s) + ": " + desc
				r := fr.region(fd.Start, fd.End)
				s, e = position{Line: r.StartLine, Column: r.StartColumn}, position{Line: r.EndLine, Column: r.EndColumn}
			}
			issues = append(issues, gitlabIssue{
				Type:        "issue",
				CheckName:   "exportdb/" + fd.Case,
				Description: desc,
				Fingerprint: fingerprint(seen, path, fd.Case, line),
				Severity:    gitlabSeverity(fd.Severity),
				Location: gitlabLocation{Path: path, Positions: gitlabPositions{
					Begin: gitlabPosition{s.Line, s.Column},
					End:   gitlabPosition{e.Line, e.Column},
				}},
			})
		}
	}
	return encodeJSON(w, issues)
}

// gitlabPath is fr's path relative to base, "/"-separated (GitLab wants no "./" prefix);
// a file outside base keeps its absolute path.
func gitlabPath(base string, fr *FileResult) string {
	if rel, err := filepath.Rel(base, fr.Abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(fr.Path)
}

// fingerprint hashes the parts that identify an issue, and its rank among issues with the
// same parts (counted in seen), into 32 hex digits.
func fingerprint(seen map[string]int, parts ...string) string {
	key := strings.Join(parts, "\x00")
	n := seen[key]
	seen[key] = n + 1
	sum := sha256.Sum256([]byte(key + "\x00" + strconv.Itoa(n)))
	return hex.EncodeToString(sum[:16])
}

// gitlabSeverity maps a severity to GitLab's scale (info, minor, major, critical, blocker):
// an error is a construct torch.export rejects, critical for a model meant to be exported.
func gitlabSeverity(s analysis.Severity) string {
	switch s {
	case analysis.Error:
		return "critical"
	case analysis.Warning:
		return "major"
	case analysis.Information:
		return "minor"
	}
	return "info"
}
