package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/exportdb-lsp/exportdb-lsp/lsp"
)

const lspUsage = `usage: exportdb lsp [flags]

Run the language server on stdin/stdout until the client sends exit or closes stdin.
The log goes to stderr (or --log-file), never to stdout.

flags:
`

// runLSP implements `exportdb lsp`.
func runLSP(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("lsp", lspUsage, stdout, stderr)
	logFile := fs.String("log-file", "", "append the log to this `FILE` instead of stderr")
	logLevel := fs.String("log-level", "info", "log `LEVEL`: debug, info, warn or error")
	fs.Bool("stdio", true, "speak LSP on stdin/stdout (the default and only transport)")
	fs.completeFiles("log-file")
	fs.noArgs = true
	fs.completeValues("log-level", false, "debug", "info", "warn", "error")
	rest, err := fs.parse(args)
	if err != nil {
		return exitForParse(err)
	}
	if len(rest) > 0 {
		fmt.Fprintf(stderr, "exportdb lsp: unexpected arguments: %v\n", rest)
		return 2
	}
	var lvl zapcore.Level
	if err := lvl.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "exportdb lsp: --log-level: want debug, info, warn or error, got %q\n", *logLevel)
		return 2
	}
	level := zap.NewAtomicLevelAt(lvl)
	var sink zapcore.WriteSyncer = zapcore.Lock(zapcore.AddSync(stderr))
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintf(stderr, "exportdb lsp: --log-file: %v\n", err)
			return 2
		}
		defer f.Close()
		sink = zapcore.Lock(f)
	}
	enc := zap.NewProductionEncoderConfig()
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	logger := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(enc), sink, level))
	defer func() { _ = logger.Sync() }()

	if path := os.Getenv("EXPORTDB_CPUPROFILE"); path != "" {
		// a CPU profile of the whole session, for the benchmarks that drive the binary
		// (bench/lsplatency): go tool pprof exportdb FILE
		out, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(stderr, "exportdb lsp: EXPORTDB_CPUPROFILE: %v\n", err)
			return 2
		}
		if err := pprof.StartCPUProfile(out); err != nil {
			out.Close()
			fmt.Fprintf(stderr, "exportdb lsp: EXPORTDB_CPUPROFILE: %v\n", err)
			return 2
		}
		defer func() {
			pprof.StopCPUProfile()
			out.Close()
		}()
	}
	defer lsp.TuneCollector()()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = lsp.Serve(ctx, stdio{in: os.Stdin, out: stdout}, lsp.Options{Logger: logger, Level: &level, Version: version, IdleCollect: true})
	switch {
	case err == nil:
		return 0
	case errors.Is(err, lsp.ErrExitWithoutShutdown):
		return 1
	}
	logger.Error("language server stopped", zap.Error(err))
	return 1
}

// stdio joins stdin and stdout into the connection's transport.
type stdio struct {
	in  io.ReadCloser
	out io.Writer
}

func (s stdio) Read(p []byte) (int, error)  { return s.in.Read(p) }
func (s stdio) Write(p []byte) (int, error) { return s.out.Write(p) }
func (s stdio) Close() error                { return s.in.Close() }
