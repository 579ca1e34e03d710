// Command gencorpus writes a benchmark corpus of Python model files: the clean fixtures
// (ResNet, transformer, detection head) and every rule fixture and catalog example,
// recombined with renamed classes into files of a few hundred lines, as a large model
// repository has them.
//
// The flat layout (the default) writes independent files into 50 directories; with -linked,
// each directory is a package whose models call helpers of its layers.py from their
// forward: the files of one package are linked into one program, and the packages stay
// apart. The package
// layout writes one importable package shaped like a model library (see workspace.go):
// layers and helpers that model files import, relatively and absolutely, re-exports in
// __init__ files, one large model file, and only templates that parse without error.
//
//	go run ./bench/gencorpus -out /tmp/corpus -files 2000 [-linked]
//	go run ./bench/gencorpus -layout package -out /tmp/ws -files 2000 -lines 1000000
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
	layout := flag.String("layout", "flat", "flat (independent files) or package (a model library: see workspace.go)")
	files := flag.Int("files", 1000, "number of files")
	minLines := flag.Int("min-lines", 300, "flat: smallest file, in lines")
	lines := flag.Int("lines", 1_000_000, "package: lines in all files (about)")
	bigLines := flag.Int("big-lines", 5680, "package: lines of the large model file, models/vision_transformer.py (at least)")
	seed := flag.Int64("seed", 1, "random seed (the corpus is deterministic for a seed)")
	root := flag.String("root", ".", "repository root")
	linked := flag.Bool("linked", false, "flat: make each directory a package whose models import its layers.py")
	flag.Parse()
	if *out == "" {
		fail("-out is required")
	}
	sources, err := templates(*root)
	if err != nil || len(sources) == 0 {
		fail(fmt.Sprint("no templates found under ", *root, " ", err))
	}
	r := rand.New(rand.NewSource(*seed))
	var st stats
	switch *layout {
	case "flat":
		st, err = flat(r, sources, *out, *files, *minLines, *linked)
	case "package":
		st, err = workspace(r, sources, *out, *files, *lines, *bigLines)
	default:
		err = fmt.Errorf("-layout: want flat or package, got %q", *layout)
	}
	if err != nil {
		fail(err.Error())
	}
	fmt.Printf("%d files, %d lines, %d bytes in %s\n", st.files, st.lines, st.bytes, *out)
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "gencorpus:", msg)
	os.Exit(2)
}

// stats counts what was written.
type stats struct{ files, lines, bytes int }

// write writes one file (its directory created) and counts it.
func (st *stats) write(path, text string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return err
	}
	st.files++
	st.lines += strings.Count(text, "\n")
	st.bytes += len(text)
	return nil
}

// flat writes n independent files of at least minLines lines into 50 directories, or with
// linked, 50 packages whose models import their package's layers.py.
func flat(r *rand.Rand, sources []string, out string, n, minLines int, linked bool) (stats, error) {
	var st stats
	for i := 0; i < n; i++ {
		var sb strings.Builder
		for strings.Count(sb.String(), "\n") < minLines {
			src := sources[r.Intn(len(sources))]
			sb.WriteString(rename(src, fmt.Sprintf("_%d_%d", i, r.Intn(1000))))
			sb.WriteString("\n\n")
		}
		dir := filepath.Join(out, fmt.Sprintf("pkg%02d", i%50))
		if linked {
			fmt.Fprintf(&sb, linkedModel, i)
			if i < 50 {
				for _, f := range [][2]string{{"__init__.py", ""}, {"layers.py", linkedLayers}} {
					if err := st.write(filepath.Join(dir, f[0]), f[1]); err != nil {
						return st, err
					}
				}
			}
		}
		if err := st.write(filepath.Join(dir, fmt.Sprintf("model_%04d.py", i)), sb.String()); err != nil {
			return st, err
		}
	}
	return st, nil
}

// linkedLayers is the helper module of each package of a -linked corpus, and linkedModel
// what each model of the package appends: a forward that calls the helpers.
const (
	linkedLayers = `import torch


def scaled_hw(h, w, s):
    return round(h * s), round(w * s)


def pad_last(x, n):
    return torch.nn.functional.pad(x, (0, n - x.shape[-1]))
`
	linkedModel = `import torch
from .layers import pad_last, scaled_hw


class Linked_%d(torch.nn.Module):
    def forward(self, x):
        h, w = x.shape[-2:]
        nh, nw = scaled_hw(h, w, 0.5)
        return pad_last(x[..., :nh, :nw], 8)
`
)

// templates returns the fixtures and catalog examples, in a fixed order.
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
