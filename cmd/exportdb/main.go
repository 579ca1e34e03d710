// Command exportdb finds the Python patterns that torch.export rejects or silently
// specialises, using PyTorch's ExportDB as its catalog.
//
//	exportdb check [flags] [PATH...]   lint files for CI and terminals
//	exportdb lsp [flags]               run the language server on stdio
//	exportdb cases [flags] [NAME]      list the catalog or print one case's card
//	exportdb docs [flags]              write the catalog as rst, md or html
//	exportdb completion SHELL          print a bash, zsh or fish completion script
//
// Each subcommand lives in its own file and only turns flags into library calls.
package main

import (
	"fmt"
	"io"
	"os"
)

type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"check", "report torch.export problems in Python files", runCheck},
		{"lsp", "run the language server on stdin/stdout", runLSP},
		{"cases", "list ExportDB cases or print one case's card", runCases},
		{"docs", "write the catalog as rst, md or html", runDocs},
		{"completion", "print a shell completion script: bash, zsh or fish", runCompletion},
		{"version", "print the version and the commit it was built from", runVersion},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: exportdb <command> [flags] [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'exportdb <command> --help' for a command's flags.")
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and returns the exit status: 0 ok, 1 findings at or above
// the fail level (check), 2 usage, configuration or I/O errors.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	case "-version", "--version":
		args[0] = "version"
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	msg := fmt.Sprintf("exportdb: unknown command %q", args[0])
	if s := closest(args[0], names, 3); len(s) > 0 {
		msg += "; did you mean " + orList(s) + "?"
	}
	fmt.Fprintf(stderr, "%s\n\n", msg)
	usage(stderr)
	return 2
}
