package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// flagSet is a subcommand's flags: Go's flag.FlagSet for the definitions and values, with
// GNU-style parsing, errors and help on top.
//
//   - Flags are written --name or --name=value; -name and -name=value, what the flag
//     package accepts, work too. Flags may come before or after the positional arguments;
//     "--" ends the flags and "-" is a positional argument (standard input).
//   - Help (-h, --help) goes to stdout and lists the flags as --name VALUE.
//   - An unknown flag is an error naming the closest known flags ("did you mean").
//   - Aliases (-q for --quiet, --output-format for --format) share their flag's value;
//     setting one counts as setting the flag (Visit reports the flag's name).
//
// It also carries what shell completion needs: the values a flag takes and whether it
// takes a file name.
type flagSet struct {
	*flag.FlagSet
	cmd            string // "check"
	usage          string // the text before the flags
	stdout, stderr io.Writer

	aliasOf map[string]string   // alias -> flag name
	aliases map[string][]string // flag name -> aliases, in definition order
	values  map[string][]string // flag name -> the values it takes, for completion
	files   map[string]bool     // flag name -> it takes a file name
	list    map[string]bool     // flag name -> it takes a comma-separated list of values

	// positional, when set, lists the values a positional argument takes (case names);
	// otherwise positional arguments are file names.
	positional func() []string
	noArgs     bool // the command takes no positional argument
}

// newFlagSet returns a subcommand's flag set; usage is the help text before the flags.
func newFlagSet(name, usage string, stdout, stderr io.Writer) *flagSet {
	fs := &flagSet{
		FlagSet: flag.NewFlagSet(name, flag.ContinueOnError),
		cmd:     name,
		usage:   usage,
		stdout:  stdout,
		stderr:  stderr,
		aliasOf: map[string]string{},
		aliases: map[string][]string{},
		values:  map[string][]string{},
		files:   map[string]bool{},
		list:    map[string]bool{},
	}
	fs.SetOutput(io.Discard) // parse reports errors itself
	return fs
}

// alias makes alias another name of the flag name.
func (fs *flagSet) alias(alias, name string) {
	f := fs.Lookup(name)
	if f == nil {
		panic("alias of an undefined flag " + name)
	}
	fs.Var(f.Value, alias, "")
	fs.aliasOf[alias] = name
	fs.aliases[name] = append(fs.aliases[name], alias)
}

// completeValues records the values a flag takes (shell completion offers them); list
// marks a comma-separated list of them.
func (fs *flagSet) completeValues(name string, list bool, values ...string) {
	fs.values[name] = values
	fs.list[name] = list
}

// completeFiles records that a flag takes a file name.
func (fs *flagSet) completeFiles(name string) { fs.files[name] = true }

// errUsage is a parse error already reported on stderr.
var errUsage = errors.New("usage error")

// flagRecorder, passed as a subcommand's stdout, makes parse record the subcommand's flag
// set and stop with errRecorded: shell completion learns each subcommand's flags from the
// subcommand itself, so the two cannot drift apart.
type flagRecorder struct {
	io.Writer
	sets []*flagSet
}

var errRecorded = errors.New("flags recorded")

// parse parses args and returns the positional arguments. On -h or --help it prints the
// help on stdout and returns flag.ErrHelp; on a bad flag it prints the error and a hint on
// stderr and returns errUsage.
func (fs *flagSet) parse(args []string) ([]string, error) {
	if rec, ok := fs.stdout.(*flagRecorder); ok {
		rec.sets = append(rec.sets, fs)
		return nil, errRecorded
	}
	var positional []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			return append(positional, args[i+1:]...), nil
		}
		if len(arg) < 2 || arg[0] != '-' {
			positional = append(positional, arg)
			continue
		}
		name := strings.TrimPrefix(arg[1:], "-")
		if name == "" || name[0] == '-' || name[0] == '=' {
			return nil, fs.fail("bad flag syntax: %s", arg)
		}
		name, value, hasValue := strings.Cut(name, "=")
		if name == "h" || name == "help" {
			fs.printHelp(fs.stdout)
			return nil, flag.ErrHelp
		}
		f := fs.Lookup(name)
		if f == nil {
			msg := fmt.Sprintf("unknown flag %s", dashed(name))
			if s := fs.suggest(name); len(s) > 0 {
				msg += "; did you mean " + orList(s) + "?"
			}
			return nil, fs.fail("%s", msg)
		}
		canonical := name
		if c, ok := fs.aliasOf[name]; ok {
			canonical = c
		}
		if isBool(f) {
			if !hasValue {
				value = "true"
			}
		} else if !hasValue {
			if i+1 == len(args) {
				msg := fmt.Sprintf("flag %s needs a value", dashed(name))
				if v := fs.values[canonical]; len(v) > 0 {
					msg += ": " + orList(v)
				}
				return nil, fs.fail("%s", msg)
			}
			i++
			value = args[i]
		}
		if err := fs.Set(canonical, value); err != nil {
			if err.Error() == "parse error" { // the flag package's bool and int values
				err = errors.New("want a number")
				if isBool(f) {
					err = errors.New("want true or false")
				}
			}
			return nil, fs.fail("invalid value %q for %s: %v", value, dashed(name), err)
		}
	}
	return positional, nil
}

// fail reports a usage error on stderr.
func (fs *flagSet) fail(format string, a ...any) error {
	fmt.Fprintf(fs.stderr, "exportdb %s: %s\n", fs.cmd, fmt.Sprintf(format, a...))
	fmt.Fprintf(fs.stderr, "Run 'exportdb %s --help' for usage.\n", fs.cmd)
	return errUsage
}

func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// dashed writes a flag name as the help does: -q, --quiet.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// suggest returns up to three flags close to an unknown name, as written on a command line.
func (fs *flagSet) suggest(name string) []string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) {
		if len(f.Name) > 1 {
			names = append(names, f.Name)
		}
	})
	var out []string
	seen := map[string]bool{}
	for _, n := range closest(name, names, len(names)) {
		canonical := n
		if c, ok := fs.aliasOf[n]; ok {
			canonical = c
		}
		if !seen[canonical] && len(out) < 3 { // a flag and its alias are one suggestion
			seen[canonical] = true
			out = append(out, dashed(n))
		}
	}
	return out
}

// closest returns up to n of candidates close to name, closest first: within an edit
// distance of about a third of name's length, or containing it (or contained in it).
func closest(name string, candidates []string, n int) []string {
	type scored struct {
		s string
		d int
	}
	lname := strings.ToLower(name)
	var all []scored
	for _, c := range candidates {
		d := catalog.EditDistance(lname, strings.ToLower(c))
		limit := max(len(name)/3, 2)
		if len(name) >= 3 && (strings.HasPrefix(c, lname) || len(c) >= 4 && strings.Contains(lname, c)) {
			limit = d // a prefix of c, or c inside name: close whatever the distance
		}
		if d <= limit {
			all = append(all, scored{c, d})
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].d != all[j].d {
			return all[i].d < all[j].d
		}
		return all[i].s < all[j].s
	})
	var out []string
	for _, s := range all {
		if len(out) == n {
			break
		}
		out = append(out, s.s)
	}
	return out
}

// printHelp writes the usage text and the flags, GNU style:
//
//	-q, --quiet             print findings and errors only
//	    --format FORMAT     output format: ... (default text)
func (fs *flagSet) printHelp(w io.Writer) {
	io.WriteString(w, fs.usage)
	type row struct{ left, right string }
	var rows []row
	width := 0
	fs.VisitAll(func(f *flag.Flag) {
		if _, isAlias := fs.aliasOf[f.Name]; isAlias {
			return
		}
		placeholder, text := flag.UnquoteUsage(f)
		switch placeholder {
		case "string", "value":
			placeholder = "VALUE"
		case "int":
			placeholder = "N"
		}
		long := dashed(f.Name)
		if len(f.Name) == 1 {
			long = "    " + long
		}
		var short []string
		var longAliases []string
		for _, a := range fs.aliases[f.Name] {
			if len(a) == 1 {
				short = append(short, dashed(a))
			} else {
				longAliases = append(longAliases, dashed(a))
			}
		}
		left := "    " + long
		if len(short) > 0 {
			left = strings.Join(short, ", ") + ", " + long
		}
		if placeholder != "" {
			left += " " + placeholder
		}
		if len(longAliases) > 0 {
			text += " (also " + strings.Join(longAliases, ", ") + ")"
		}
		if def := f.DefValue; def != "" && def != "false" && def != "0" {
			text += " (default " + def + ")"
		}
		rows = append(rows, row{left, text})
		width = max(width, len(left))
	})
	width = min(width, 28)
	for _, r := range rows {
		lines := wrap(r.right, 92-width-4)
		if len(r.left) > width {
			fmt.Fprintf(w, "  %s\n", r.left)
			for _, l := range lines {
				fmt.Fprintf(w, "  %s  %s\n", strings.Repeat(" ", width), l)
			}
			continue
		}
		for i, l := range lines {
			left := ""
			if i == 0 {
				left = r.left
			}
			fmt.Fprintf(w, "  %-*s  %s\n", width, left, l)
		}
	}
}

// wrap breaks text into lines of at most width bytes, at spaces.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return append(lines, line)
}

// exitForParse is a subcommand's exit status after parse failed: 0 for --help, else 2.
func exitForParse(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}
