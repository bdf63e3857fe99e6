// Command loadtest measures a running fifteen server on loopback: requests
// per second and latency percentiles for a page of cells, a vector tile, an
// isochrone and a what-if scenario, and, as the practical ceiling, Go's
// net/http serving the same page and tile bytes from files in the same run.
//
// It only ever talks to loopback addresses, and every phase is bounded in
// time and in requests.
//
//	go run ./scripts/loadtest -base http://127.0.0.1:18181 -duration 5s
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	base := flag.String("base", "http://127.0.0.1:18181", "fifteen server on loopback")
	dur := flag.Duration("duration", 5*time.Second, "time per phase")
	conc := flag.Int("c", 8, "concurrent clients for cached pages and tiles")
	concAnalysis := flag.Int("ca", 2, "concurrent clients for isochrones and what-if")
	maxReq := flag.Int("n", 200000, "maximum requests per phase")
	flag.Parse()
	if err := run(*base, *dur, *conc, *concAnalysis, *maxReq); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

type result struct {
	name     string
	n, errs  int
	rps      float64
	p50, p99 time.Duration
}

func run(base string, dur time.Duration, conc, concAnalysis, maxReq int) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%s is not a loopback address", base)
	}
	// No transparent gzip: both servers then send the same raw bytes, and
	// the client (on the same two cores) spends nothing decompressing.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conc * 2, DisableCompression: true}}
	const page = "/collections/cells/items?limit=100"
	const tile = "/tiles/cells/14/8625/5753.mvt" // Vaduz
	// Warm the caches and keep the bytes for the file server.
	pageBody, err := get(client, base+page)
	if err != nil {
		return err
	}
	tileBody, err := get(client, base+tile)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "fifteen-loadtest")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "page.json"), pageBody, 0o644)
	os.WriteFile(filepath.Join(dir, "tile.mvt"), tileBody, 0o644)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fileSrv := &http.Server{Handler: http.FileServer(http.Dir(dir))}
	go fileSrv.Serve(ln)
	defer fileSrv.Close()
	fileBase := "http://" + ln.Addr().String()

	// Origins: centres of populated cells (where residents are), from the
	// cells collection.
	pts, err := cellCentres(client, base+"/collections/cells/items?limit=2000&res=10")
	if err != nil {
		return err
	}
	origins := func(r *rand.Rand) (float64, float64) {
		p := pts[r.IntN(len(pts))]
		return p[0], p[1]
	}
	// Cached pages and tiles run with -c clients; the analysis phases with
	// -ca, one per core by default: each request is CPU work, and more
	// clients than cores only measure queueing.
	phases := []struct {
		name     string
		analysis bool
		do       func(r *rand.Rand) (*http.Request, error)
	}{
		{"net/http file: cells page bytes", false, func(*rand.Rand) (*http.Request, error) {
			return http.NewRequest(http.MethodGet, fileBase+"/page.json", nil)
		}},
		{"fifteen: cells items page (cached)", false, func(*rand.Rand) (*http.Request, error) {
			return http.NewRequest(http.MethodGet, base+page, nil)
		}},
		{"net/http file: tile bytes", false, func(*rand.Rand) (*http.Request, error) {
			return http.NewRequest(http.MethodGet, fileBase+"/tile.mvt", nil)
		}},
		{"fifteen: cells tile z14 (cached)", false, func(*rand.Rand) (*http.Request, error) {
			return http.NewRequest(http.MethodGet, base+tile, nil)
		}},
		{"fifteen: isochrone 5/10/15 min, random origin", true, func(r *rand.Rand) (*http.Request, error) {
			lon, lat := origins(r)
			return http.NewRequest(http.MethodGet, fmt.Sprintf("%s/v1/isochrone?lon=%.6f&lat=%.6f", base, lon, lat), nil)
		}},
		{"fifteen: what-if preview, one new clinic", true, func(r *rand.Rand) (*http.Request, error) {
			lon, lat := origins(r)
			body := fmt.Sprintf(`{"name":"load","add":[{"category":"clinic","lon":%.6f,"lat":%.6f}]}`, lon, lat)
			req, err := http.NewRequest(http.MethodPost, base+"/v1/scenarios/preview", bytes.NewBufferString(body))
			if req != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			return req, err
		}},
	}
	fmt.Printf("%d clients for cached pages and tiles, %d for analysis, %s per phase, loopback only\n\n", conc, concAnalysis, dur)
	fmt.Printf("%-52s %9s %9s %9s %9s %6s\n", "phase", "requests", "req/s", "p50", "p99", "errors")
	var results []result
	for _, ph := range phases {
		c := conc
		if ph.analysis {
			c = concAnalysis
		}
		res := load(client, ph.name, ph.do, dur, c, maxReq)
		results = append(results, res)
		fmt.Printf("%-52s %9d %9.0f %9s %9s %6d\n", res.name, res.n, res.rps, res.p50.Round(10*time.Microsecond), res.p99.Round(10*time.Microsecond), res.errs)
	}
	fmt.Printf("\ncached page: %.0f%% of net/http's file rate; tile: %.0f%%\n",
		100*results[1].rps/results[0].rps, 100*results[3].rps/results[2].rps)
	for _, r := range results {
		if r.errs > 0 {
			return fmt.Errorf("%s: %d errors", r.name, r.errs)
		}
	}
	return nil
}

// cellCentres reads a page of cells and returns the first vertex of each
// hexagon nudged towards its middle: a point where people live.
func cellCentres(c *http.Client, u string) ([][2]float64, error) {
	b, err := get(c, u)
	if err != nil {
		return nil, err
	}
	var fc struct {
		Features []struct {
			Geometry struct {
				Coordinates [][][2]float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, err
	}
	var pts [][2]float64
	for _, f := range fc.Features {
		ring := f.Geometry.Coordinates
		if len(ring) == 0 || len(ring[0]) < 4 {
			continue
		}
		var x, y float64
		n := len(ring[0]) - 1
		for _, p := range ring[0][:n] {
			x += p[0]
			y += p[1]
		}
		pts = append(pts, [2]float64{x / float64(n), y / float64(n)})
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("no cells at %s", u)
	}
	return pts, nil
}

func get(c *http.Client, u string) ([]byte, error) {
	resp, err := c.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", u, resp.Status, b)
	}
	return b, err
}

// load runs conc clients for dur (or maxReq requests), each sending the
// requests do makes and reading the whole body.
func load(c *http.Client, name string, do func(*rand.Rand) (*http.Request, error), dur time.Duration, conc, maxReq int) result {
	var (
		mu       sync.Mutex
		lat      []time.Duration
		errs     atomic.Int64
		sent     atomic.Int64
		wg       sync.WaitGroup
		deadline = time.Now().Add(dur)
	)
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 7))
			var mine []time.Duration
			for time.Now().Before(deadline) && sent.Add(1) <= int64(maxReq) {
				req, err := do(r)
				if err != nil {
					errs.Add(1)
					continue
				}
				t := time.Now()
				resp, err := c.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode >= 400 {
					errs.Add(1)
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}(uint64(w + 1))
	}
	wg.Wait()
	el := time.Since(start)
	slices.Sort(lat)
	res := result{name: name, n: len(lat), errs: int(errs.Load())}
	if len(lat) > 0 {
		res.rps = float64(len(lat)) / el.Seconds()
		res.p50 = lat[len(lat)/2]
		res.p99 = lat[len(lat)*99/100]
	}
	return res
}
