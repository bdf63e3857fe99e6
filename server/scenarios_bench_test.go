package server

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"fifteen/data"
)

// benchWhatIfHTTP posts bodies in turn to POST /v1/scenarios/preview
// (with query) on a real listener on loopback serving h, from one
// http.Client whose connection is kept alive: the round trip a browser
// makes, end to end. It reports the answer's size.
func benchWhatIfHTTP(b *testing.B, h http.Handler, query string, bodies ...string) {
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := srv.Client()
	url := srv.URL + "/v1/scenarios/preview" + query
	post := func(body string) int {
		resp, err := client.Post(url, "application/json", bytes.NewReader([]byte(body)))
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body) // read in full: the connection is reused
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d, %v", resp.StatusCode, err)
		}
		return int(n)
	}
	// A second of requests first: the connection opened, the caches
	// warm and the server's start-up work (the cell shapes it builds in
	// the background) done.
	for start := time.Now(); time.Since(start) < time.Second; {
		post(bodies[0])
	}
	var bytesOut, i int
	b.ReportAllocs()
	var ru0, ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	for b.Loop() {
		bytesOut += post(bodies[i%len(bodies)])
		i++
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	b.ReportMetric(float64(bytesOut)/float64(i), "B/resp")
	// The CPU time of server and client together: on a shared, loaded
	// machine the wall time is several times the work.
	cpu := ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano()
	b.ReportMetric(float64(cpu)/float64(i)/1e6, "cpu-ms/op")
}

// BenchmarkWhatIfHTTP is a facility what-if on the default city over HTTP
// end to end: one new clinic in Vaduz posted to /v1/scenarios/preview on
// a kept-alive connection to the real server on loopback, the compact
// answer read in full; full is the same with ?report=full.
//
//	GOMAXPROCS=1 go test ./server -run '^$' -bench WhatIfHTTP -benchmem -count 3
func BenchmarkWhatIfHTTP(b *testing.B) {
	e := benchServer(b)
	body := `{"name":"bench","add":[{"category":"clinic","lon":9.5209,"lat":47.1410}]}`
	b.Run("compact", func(b *testing.B) { benchWhatIfHTTP(b, e, "", body) })
	b.Run("full", func(b *testing.B) { benchWhatIfHTTP(b, e, "?report=full", body) })
	// The floor on this machine: the same round trip to a net/http
	// handler that answers the compact answer's bytes at once.
	b.Run("reference", func(b *testing.B) {
		answer := do(b, e, "POST", "/v1/scenarios/preview", bytes.NewReader([]byte(body))).Body.Bytes()
		benchWhatIfHTTP(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.Write(answer)
		}), "", body)
	})
}

// BenchmarkBig32PreviewHTTP is BenchmarkWhatIfHTTP (named apart, so that
// -bench WhatIfHTTP does not load the big city) on the default city
// tiled 32 times (scripts/tilecity), opening a clinic near the middle of
// the row: its files are read from $FIFTEEN_BENCH_CACHE (default: the
// system's temporary directory's fifteen-bench), where the geo package's
// Big32 benchmarks write them; it is skipped when they are not there. It
// needs about 3 GB of memory.
//
//	FIFTEEN_BENCH_CACHE=/tmp/fifteen-bench go test ./server -run '^$' -bench Big32PreviewHTTP -benchmem -count 3
func BenchmarkBig32PreviewHTTP(b *testing.B) {
	if testing.Short() {
		b.Skip("big city benchmarks skipped in -short mode")
	}
	dir := os.Getenv("FIFTEEN_BENCH_CACHE")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "fifteen-bench")
	}
	osmPath, comPath := data.TiledCityFiles(dir, 32)
	for _, f := range []string{osmPath, comPath} {
		if _, err := os.Stat(f); err != nil {
			b.Skipf("no 32-copy city in %s (run the geo package's Big32 benchmarks or scripts/tilecity): %v", dir, err)
		}
	}
	e := loadServer(b, data.Config{OSMPath: osmPath, CommunitiesPath: comPath})
	// The copies are side by side, each 0.293° east of the last: a clinic
	// in Vaduz of copy 16, near the middle of the row.
	body := fmt.Sprintf(`{"name":"bench","add":[{"category":"clinic","lon":%.4f,"lat":47.1410}]}`, 9.5209+16*0.293)
	b.Run("compact", func(b *testing.B) { benchWhatIfHTTP(b, e, "", body) })
}
