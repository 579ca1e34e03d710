package syntax

import (
	"context"
	"os"
	"testing"
)

func BenchmarkFlatten(b *testing.B) {
	src, err := os.ReadFile("/tmp/large.py")
	if err != nil {
		b.Skip(err)
	}
	p := NewParser()
	d, _ := p.Parse(context.Background(), src)
	var buf []node
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = flatten(d.ts, buf[:0])
	}
	b.ReportMetric(float64(len(buf)), "nodes")
}
