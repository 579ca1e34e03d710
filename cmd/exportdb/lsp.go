package main

import (
	"fmt"
	"io"
)

func runLSP(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "exportdb lsp: not built yet")
	return 2
}
