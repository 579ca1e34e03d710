package lsp

import (
	"syscall"
	"time"
	"unsafe"
)

// processCPU is the CPU time the process has used, all threads (clock_gettime's
// CLOCK_PROCESS_CPUTIME_ID).
func processCPU() time.Duration {
	const clockProcessCPUTime = 2
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockProcessCPUTime, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}
