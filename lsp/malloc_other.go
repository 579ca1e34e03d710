//go:build !linux || !cgo

package lsp

func limitMallocArenas() {}

func releaseCMemory() {}
