// Command gencorpus writes a benchmark corpus of Python model files: the clean fixtures
// (ResNet, transformer, detection head) and every rule fixture and catalog example,
// recombined with renamed classes into files of a few hundred lines, as a large model
// repository has them.
//
//	go run ./bench/gencorpus -out /tmp/corpus -files 2000
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

func main() {
	out := flag.String("out", "", "directory to write the corpus into (created)")
	files := flag.Int("files", 1000, "number of files")
	minLines := flag.Int("min-lines", 300, "smallest file, in lines")
	seed := flag.Int64("seed", 1, "random seed (the corpus is deterministic for a seed)")
	root := flag.String("root", ".", "repository root")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "gencorpus: -out is required")
		os.Exit(2)
	}
	sources, err := templates(*root)
	if err != nil || len(sources) == 0 {
		fmt.Fprintln(os.Stderr, "gencorpus: no templates found under", *root, err)
		os.Exit(2)
	}
	r := rand.New(rand.NewSource(*seed))
	lines, bytes := 0, 0
	for i := 0; i < *files; i++ {
		var sb strings.Builder
		for strings.Count(sb.String(), "\n") < *minLines {
			src := sources[r.Intn(len(sources))]
			sb.WriteString(rename(src, fmt.Sprintf("_%d_%d", i, r.Intn(1000))))
			sb.WriteString("\n\n")
		}
		dir := filepath.Join(*out, fmt.Sprintf("pkg%02d", i%50))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "gencorpus:", err)
			os.Exit(2)
		}
		text := sb.String()
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("model_%04d.py", i)), []byte(text), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gencorpus:", err)
			os.Exit(2)
		}
		lines += strings.Count(text, "\n")
		bytes += len(text)
	}
	fmt.Printf("%d files, %d lines, %d bytes in %s\n", *files, lines, bytes, *out)
}

// templates returns the fixtures and catalog examples that parse as Python modules.
func templates(root string) ([]string, error) {
	var paths []string
	for _, pat := range []string{
		"analysis/rules/testdata/clean/*.py",
		"analysis/rules/testdata/*.py",
		"catalog/cases/*/example.py",
		"examples/*.py",
	} {
		m, err := filepath.Glob(filepath.Join(root, pat))
		if err != nil {
			return nil, err
		}
		paths = append(paths, m...)
	}
	sort.Strings(paths)
	var out []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, string(b))
	}
	return out, nil
}

var classRE = regexp.MustCompile(`(?m)^class (\w+)`)

// rename gives every class of src a suffix, so that recombined files do not repeat names.
func rename(src, suffix string) string {
	names := map[string]bool{}
	for _, m := range classRE.FindAllStringSubmatch(src, -1) {
		names[m[1]] = true
	}
	for n := range names {
		src = regexp.MustCompile(`\b`+regexp.QuoteMeta(n)+`\b`).ReplaceAllString(src, n+suffix)
	}
	return src
}
