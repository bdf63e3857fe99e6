package data

import (
	"bytes"
	"context"
	"runtime"
	"testing"

	"github.com/paulmach/osm/osmpbf"
)

// BenchmarkDecodePBFOnly is the floor for reading the default city: the
// paulmach/osm decoder alone, every element decoded and dropped.
func BenchmarkDecodePBFOnly(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sc := osmpbf.New(context.Background(), bytes.NewReader(defaultOSM), runtime.GOMAXPROCS(0))
		n := 0
		for sc.Scan() {
			n++
		}
		if err := sc.Err(); err != nil || n == 0 {
			b.Fatal(err, n)
		}
		sc.Close()
	}
}
