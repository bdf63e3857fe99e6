// Command overload checks that a fifteen server on loopback keeps serving
// a normal client while others ask for too much: one client requests
// isochrones at a steady pace from 127.0.0.1 while hostile clients, from
// 127.0.0.2, send heavy requests as fast as they are answered (the
// issue's 100-origin batch of 120-minute contours, legal batches, siting,
// scenario previews). It prints the normal client's latency percentiles
// and the hostile clients' answers by status, and fails when the normal
// client's p99 reaches -p99 or any answer is a 5xx other than 503.
//
// It only talks to loopback addresses, and runs for -duration.
//
//	go run ./scripts/overload -base http://127.0.0.1:18182 -duration 10s
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

func main() {
	base := flag.String("base", "http://127.0.0.1:18182", "fifteen server on loopback")
	dur := flag.Duration("duration", 10*time.Second, "how long to run")
	rate := flag.Float64("rate", 50, "the normal client's isochrones a second")
	hostile := flag.Int("hostile", 4, "hostile clients")
	p99Max := flag.Duration("p99", 20*time.Millisecond, "the normal client's p99 must stay under this")
	flag.Parse()
	if err := run(*base, *dur, *rate, *hostile, *p99Max); err != nil {
		fmt.Fprintln(os.Stderr, "overload:", err)
		os.Exit(1)
	}
}

// clientFrom returns an HTTP client whose connections leave from the
// loopback address ip: the server tells clients apart by address.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 16}}
}

func run(base string, dur time.Duration, rate float64, hostile int, p99Max time.Duration) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s is not a loopback address", base)
	}
	normal, bad := clientFrom("127.0.0.1"), clientFrom("127.0.0.2")
	// Origins in Vaduz and Schaan (the default city).
	origin := func(r *rand.Rand) (float64, float64) { return 9.50 + r.Float64()*0.04, 47.13 + r.Float64()*0.04 }

	var big strings.Builder
	big.WriteString(`{"minutes":[10,20,30,40,50,60,70,80,90,100,110,120],"origins":[`)
	for i := range 100 {
		if i > 0 {
			big.WriteString(",")
		}
		fmt.Fprintf(&big, `{"lon":%.4f,"lat":%.4f}`, 9.50+float64(i%10)*0.004, 47.13+float64(i/10)*0.004)
	}
	big.WriteString("]}")
	heavy := []func(r *rand.Rand) (*http.Request, error){
		func(*rand.Rand) (*http.Request, error) { // the 30-CPU-second batch
			return http.NewRequest("POST", base+"/v1/isochrone", strings.NewReader(big.String()))
		},
		func(r *rand.Rand) (*http.Request, error) { // a legal batch near the budget
			lon, lat := origin(r)
			return http.NewRequest("POST", base+"/v1/isochrone", strings.NewReader(fmt.Sprintf(
				`{"minutes":[30,60],"origins":[{"lon":%.5f,"lat":%.5f},{"lon":%.5f,"lat":%.5f},{"lon":%.5f,"lat":%.5f}]}`,
				lon, lat, lon+0.01, lat, lon, lat+0.01)))
		},
		func(*rand.Rand) (*http.Request, error) {
			return http.NewRequest("GET", base+"/v1/siting?category=clinic&k=20&profile=senior", nil)
		},
		func(r *rand.Rand) (*http.Request, error) {
			lon, lat := origin(r)
			return http.NewRequest("POST", base+"/v1/scenarios/preview", strings.NewReader(fmt.Sprintf(
				`{"add":[{"category":"clinic","lon":%.5f,"lat":%.5f}]}`, lon, lat)))
		},
	}

	stop := time.Now().Add(dur)
	var mu sync.Mutex
	statuses := map[int]int{}
	var errs []string
	var wg sync.WaitGroup
	for h := range hostile {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(h), 2))
			for time.Now().Before(stop) {
				req, _ := heavy[r.IntN(len(heavy))](r)
				req.Header.Set("Content-Type", "application/json")
				res, err := bad.Do(req)
				if err != nil {
					mu.Lock()
					errs = append(errs, err.Error())
					mu.Unlock()
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				mu.Lock()
				statuses[res.StatusCode]++
				mu.Unlock()
				if res.StatusCode == 429 || res.StatusCode == 503 {
					time.Sleep(10 * time.Millisecond) // a hostile client need not honour Retry-After
				}
			}
		})
	}
	// The normal client: isochrones at a steady pace, each timed.
	var lat []time.Duration
	normalErrs := 0
	r := rand.New(rand.NewPCG(15, 15))
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	for time.Now().Before(stop) {
		<-tick.C
		lon, la := origin(r)
		t0 := time.Now()
		res, err := normal.Get(fmt.Sprintf("%s/v1/isochrone?lon=%.6f&lat=%.6f", base, lon, la))
		if err != nil {
			normalErrs++
			continue
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 && res.StatusCode != 422 { // 422: an origin off the network
			normalErrs++
			continue
		}
		lat = append(lat, time.Since(t0))
	}
	tick.Stop()
	wg.Wait()
	if len(lat) == 0 {
		return fmt.Errorf("the normal client got no answer")
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Printf("normal client (127.0.0.1): %d isochrones at %.0f/s, p50 %s, p99 %s, max %s, %d errors\n",
		len(lat), rate, pct(0.5).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond), normalErrs)
	keys := make([]int, 0, len(statuses))
	total := 0
	for k, n := range statuses {
		keys = append(keys, k)
		total += n
	}
	slices.Sort(keys)
	var b bytes.Buffer
	for _, k := range keys {
		fmt.Fprintf(&b, " %d: %d", k, statuses[k])
	}
	fmt.Printf("hostile clients (127.0.0.2, %d): %d heavy requests;%s; %d transport errors\n", hostile, total, b.String(), len(errs))
	switch {
	case pct(0.99) >= p99Max:
		return fmt.Errorf("the normal client's p99 %s is not under %s", pct(0.99), p99Max)
	case normalErrs > 0:
		return fmt.Errorf("the normal client got %d errors", normalErrs)
	}
	for k := range statuses {
		if k >= 500 && k != 503 {
			return fmt.Errorf("%d answers of status %d", statuses[k], k)
		}
	}
	return nil
}
