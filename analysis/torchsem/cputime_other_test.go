//go:build !linux

package torchsem

import "time"

// threadCPU is the CPU time the calling thread has used: unknown here (0).
func threadCPU() time.Duration { return 0 }
