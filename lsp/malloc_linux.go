//go:build linux && cgo

package lsp

// #include <malloc.h>
import "C"

// limitMallocArenas caps glibc's malloc arenas. tree-sitter allocates its trees from
// whichever OS thread the cgo call runs on, and glibc gives busy threads arenas of their
// own that keep freed memory: with many documents the resident size doubles for nothing.
func limitMallocArenas() { C.mallopt(C.M_ARENA_MAX, 2) }

// releaseCMemory returns freed C memory to the system.
func releaseCMemory() { C.malloc_trim(0) }
