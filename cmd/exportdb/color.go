package main

import (
	"fmt"
	"io"
	"os"
)

// colorModes are the values of --color.
var colorModes = []string{"auto", "always", "never"}

// colorEnabled decides whether output to w is coloured. --color always and never decide
// alone; auto colours a terminal unless NO_COLOR is set (https://no-color.org), and colours
// anything when FORCE_COLOR is set (to anything but "", "0" or "false"; NO_COLOR wins over
// it). TERM=dumb is a terminal that cannot show colour. A nil w is a file: auto never
// colours it.
func colorEnabled(mode string, w io.Writer) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto", "":
	default:
		return false, fmt.Errorf("invalid value %q: want auto, always or never", mode)
	}
	if w == nil {
		return false, nil
	}
	if os.Getenv("NO_COLOR") != "" {
		return false, nil
	}
	switch os.Getenv("FORCE_COLOR") {
	case "", "0", "false":
	default:
		return true, nil
	}
	return isTerminal(w) && os.Getenv("TERM") != "dumb", nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTTY(f)
}
