package check

import (
	"encoding/xml"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// JUnit XML, as CI systems read test reports (GitLab's artifacts:reports:junit, Jenkins,
// Azure Pipelines, CircleCI). It validates against the JUnit schema Jenkins' xUnit plugin
// publishes (schemas/third_party/junit-10.xsd).
//
// One testsuite per file with findings or errors, named by the file's path; one testcase
// per finding, named "<case> at <line>:<column>" ("<case> at cell N:<line>:<column>" in a
// notebook). A finding at or above --fail-level is a
// <failure> (type: its severity), so that the report fails exactly when the run does; a
// finding below it passes and shows its text in <system-out>. A file that could not be
// checked is a testcase with an <error>. A run with nothing to report is one passing
// testcase, "no findings", so that the report is never empty.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	File     string      `xml:"file,attr,omitempty"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Type    string `xml:"type,attr"`
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func (r *runner) writeJUnit(w io.Writer, results []*FileResult) error {
	all := junitSuites{Name: "exportdb check", Suites: []junitSuite{}}
	for _, fr := range results {
		path := filepath.ToSlash(fr.Path)
		s := junitSuite{Name: path, File: path}
		if fr.Err != nil {
			where := path
			if p, ok := fr.errorPos(); ok {
				where += ":" + posText(p)
			}
			s.Cases = append(s.Cases, junitCase{Name: "could not be checked", Classname: path, Error: &junitProblem{
				Type: fr.ErrorKind(), Message: fr.Err.Error(), Text: where + ": " + fr.Err.Error(),
			}})
			s.Errors++
		}
		for _, re := range fr.RuleErrors {
			msg := "internal error: rule " + re.Rule + " panicked: " + re.Panic
			s.Cases = append(s.Cases, junitCase{Name: "rule " + re.Rule, Classname: path, Error: &junitProblem{Type: "rule", Message: msg, Text: path + ": " + msg}})
			s.Errors++
		}
		for i := range fr.Findings {
			fd := &fr.Findings[i]
			p := fr.pos(fd.Start)
			var text strings.Builder
			fmt.Fprintf(&text, "%s:%s: %s %s: %s", path, posText(p), fd.Severity, fd.Case, fd.Message)
			if m := fixMarker(fd); m != "" {
				text.WriteString(" " + m)
			}
			if u := caseURL(fd.Case); u != "" {
				text.WriteString("\nsee: " + u)
			}
			c := junitCase{Name: fmt.Sprintf("%s at %s", fd.Case, posText(p)), Classname: path}
			if fd.Severity >= r.o.FailLevel {
				c.Failure = &junitProblem{Type: fd.Severity.String(), Message: fd.Message, Text: text.String()}
				s.Failures++
			} else {
				c.SystemOut = text.String()
			}
			s.Cases = append(s.Cases, c)
		}
		if len(s.Cases) == 0 {
			continue
		}
		s.Tests = len(s.Cases)
		all.Suites = append(all.Suites, s)
	}
	if len(all.Suites) == 0 {
		all.Suites = append(all.Suites, junitSuite{Name: "exportdb check", Tests: 1, Cases: []junitCase{{Name: "no findings", Classname: "exportdb"}}})
	}
	for _, s := range all.Suites {
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Errors += s.Errors
	}
	io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
