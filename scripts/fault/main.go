// Command fault checks that saved scenarios survive a crash: it starts
// fifteen serve on loopback with a scenario store, runs mixed load
// (planners saving scenarios, readers, slow clients that trickle their
// requests or read their answers a byte at a time, a client sending heavy
// requests), kills the server with SIGKILL in the middle of it, restarts
// it on the same store and checks that every scenario whose 201 arrived
// is back, with its name and owner. It prints the figures and fails on
// any loss.
//
// Loopback only; bounded by -duration before the kill and a minute for
// the restart.
//
//	go run ./scripts/fault -bin bin/fifteen -duration 8s [-store postgres://...]
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const token = "fault-planner-token-0001"

func main() {
	bin := flag.String("bin", "bin/fifteen", "the fifteen binary")
	dur := flag.Duration("duration", 8*time.Second, "load before the kill")
	storeAt := flag.String("store", "", "scenario store (default: a new SQLite file in a temporary directory)")
	slow := flag.Int("slow", 16, "slow clients")
	flag.Parse()
	if err := run(*bin, *dur, *storeAt, *slow); err != nil {
		fmt.Fprintln(os.Stderr, "fault:", err)
		os.Exit(1)
	}
}

type server struct {
	cmd  *exec.Cmd
	base string
	done chan struct{}
}

func start(bin, storeAt string) (*server, time.Duration, error) {
	t0 := time.Now()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--store", storeAt)
	cmd.Env = append(os.Environ(), "FIFTEEN_TOKENS=planner "+token)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, 0, err
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	s := &server{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(s.done) }()
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		re := regexp.MustCompile(`on (http://127\.0\.0\.1:\d+)/`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	select {
	case s.base = <-urls:
	case <-s.done:
		return nil, 0, fmt.Errorf("serve exited at start")
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		return nil, 0, fmt.Errorf("serve did not start in a minute")
	}
	for range 600 {
		if r, err := http.Get(s.base + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return s, time.Since(t0), nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Kill()
	return nil, 0, fmt.Errorf("serve not ready in 30 s")
}

type ack struct{ id, name string }

func run(bin string, dur time.Duration, storeAt string, slow int) error {
	if storeAt == "" {
		dir, err := os.MkdirTemp("", "fifteen-fault")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		storeAt = filepath.Join(dir, "scenarios.db")
	}
	srv, ready, err := start(bin, storeAt)
	if err != nil {
		return err
	}
	defer srv.cmd.Process.Kill()
	kind := "SQLite"
	if strings.HasPrefix(storeAt, "postgres") {
		kind = "PostgreSQL"
	}
	fmt.Printf("store: %s; server ready in %s\n", kind, ready.Round(time.Millisecond))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var acks []ack
	var readLat []time.Duration
	sent, refused, rejected, readErrs, slowDone := 0, 0, 0, 0, 0
	var wg sync.WaitGroup
	// Each planner and reader has an address of its own, as separate
	// people would (the server limits each address's rate).
	// Planners saving scenarios, honouring Retry-After when refused.
	for w := range 3 {
		wg.Go(func() {
			client := clientFrom(fmt.Sprintf("127.0.1.%d", w+1))
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for i := 0; ctx.Err() == nil; i++ {
				name := fmt.Sprintf("planner %d scenario %d", w, i)
				body := fmt.Sprintf(`{"name":%q,"add":[{"category":"clinic","lon":%.5f,"lat":%.5f,"capacity":%d}]}`,
					name, 9.50+r.Float64()*0.04, 47.13+r.Float64()*0.04, 1+r.IntN(50))
				req, _ := http.NewRequestWithContext(ctx, "POST", srv.base+"/v1/scenarios", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				mu.Lock()
				sent++
				mu.Unlock()
				res, err := client.Do(req)
				if err != nil {
					return
				}
				var doc struct{ ID, Name string }
				err = json.NewDecoder(res.Body).Decode(&doc)
				res.Body.Close()
				switch {
				case res.StatusCode == http.StatusCreated && err == nil:
					mu.Lock()
					acks = append(acks, ack{doc.ID, doc.Name})
					mu.Unlock()
				case res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusServiceUnavailable:
					mu.Lock()
					refused++
					mu.Unlock()
					backOff(ctx, res)
				default: // e.g. 422: the random point is too far from the network
					mu.Lock()
					rejected++
					mu.Unlock()
				}
			}
		})
	}
	// Readers.
	for w := range 2 {
		wg.Go(func() {
			client := clientFrom(fmt.Sprintf("127.0.2.%d", w+1))
			r := rand.New(rand.NewPCG(uint64(w), 2))
			targets := []string{"/v1/isochrone?lon=%.5f&lat=%.5f", "/v1/scenarios?limit=20", "/v1/report", "/collections/cells/items?limit=50"}
			for ctx.Err() == nil {
				t := targets[r.IntN(len(targets))]
				if strings.Contains(t, "%") {
					t = fmt.Sprintf(t, 9.50+r.Float64()*0.04, 47.13+r.Float64()*0.04)
				}
				t0 := time.Now()
				req, _ := http.NewRequestWithContext(ctx, "GET", srv.base+t, nil)
				res, err := client.Do(req)
				if err != nil {
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				mu.Lock()
				if res.StatusCode == 200 || res.StatusCode == 422 {
					readLat = append(readLat, time.Since(t0))
				} else {
					readErrs++
				}
				mu.Unlock()
				if res.StatusCode == http.StatusTooManyRequests {
					backOff(ctx, res)
				}
			}
		})
	}
	// Slow clients: half trickle a request body a byte at a time, half
	// read a large answer a byte at a time.
	host := strings.TrimPrefix(srv.base, "http://")
	for i := range slow {
		wg.Go(func() {
			conn, err := net.Dial("tcp", host)
			if err != nil {
				return
			}
			defer conn.Close()
			go func() { <-ctx.Done(); conn.Close() }()
			if i%2 == 0 {
				body := `{"add":[{"category":"clinic","lon":9.52,"lat":47.14}]}`
				fmt.Fprintf(conn, "POST /v1/scenarios/preview HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n", host, len(body))
				for j := 0; j < len(body) && ctx.Err() == nil; j++ {
					conn.Write([]byte{body[j]})
					time.Sleep(200 * time.Millisecond)
				}
			} else {
				fmt.Fprintf(conn, "GET /collections/cells/items?limit=1000 HTTP/1.1\r\nHost: %s\r\n\r\n", host)
				b := make([]byte, 1)
				for ctx.Err() == nil {
					if _, err := conn.Read(b); err != nil {
						break
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
			mu.Lock()
			slowDone++
			mu.Unlock()
		})
	}
	// A client sending heavy requests without pause, from another address.
	wg.Go(func() {
		hc := clientFrom("127.0.0.2")
		for ctx.Err() == nil {
			req, _ := http.NewRequestWithContext(ctx, "GET", srv.base+"/v1/siting?category=clinic&k=10", nil)
			res, err := hc.Do(req)
			if err != nil {
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	})

	time.Sleep(dur)
	mu.Lock()
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		mu.Unlock()
		return err
	}
	killedAt := time.Now()
	acked, inFlight := len(acks), sent-len(acks)-refused-rejected
	mu.Unlock()
	<-srv.done
	cancel()
	wg.Wait()
	slices.Sort(readLat)
	p := func(q float64) time.Duration {
		if len(readLat) == 0 {
			return 0
		}
		return readLat[min(len(readLat)-1, int(q*float64(len(readLat))))].Round(10 * time.Microsecond)
	}
	fmt.Printf("before SIGKILL (%s of load): %d scenarios acknowledged, %d refused (429/503, retried after Retry-After), %d rejected (4xx), %d in flight at the kill; %d reads, p50 %s, p99 %s, %d refused; %d slow clients\n",
		dur, acked, refused, rejected, inFlight, len(readLat), p(0.5), p(0.99), readErrs, slow)

	srv2, ready2, err := start(bin, storeAt)
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	sinceKill := time.Since(killedAt)
	defer srv2.cmd.Process.Kill()
	stored := map[string]struct{ Name, Owner string }{}
	for off := 0; ; off += 1000 {
		res, err := http.Get(fmt.Sprintf("%s/v1/scenarios?limit=1000&offset=%d", srv2.base, off))
		if err != nil {
			return err
		}
		var list struct {
			Scenarios []struct{ ID, Name, Owner string } `json:"scenarios"`
		}
		err = json.NewDecoder(res.Body).Decode(&list)
		res.Body.Close()
		if err != nil {
			return err
		}
		for _, s := range list.Scenarios {
			stored[s.ID] = struct{ Name, Owner string }{s.Name, s.Owner}
		}
		if len(list.Scenarios) < 1000 {
			break
		}
	}
	lost := 0
	for _, a := range acks {
		if s, ok := stored[a.id]; !ok || s.Name != a.name || s.Owner != "planner" {
			lost++
			fmt.Printf("LOST: %s %q\n", a.id, a.name)
		}
	}
	opened := 0
	for _, a := range acks[:min(len(acks), 20)] {
		for try := 0; try < 20; try++ { // reopening recomputes: a heavy request, rate-limited
			res, err := http.Get(srv2.base + "/v1/scenarios/" + a.id)
			if err != nil {
				break
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == 200 {
				opened++
				break
			}
			if res.StatusCode != http.StatusTooManyRequests && res.StatusCode != http.StatusServiceUnavailable {
				break
			}
			backOff(context.Background(), res)
		}
	}
	fmt.Printf("after restart (ready %s after the kill, %s to start): %d stored, %d of %d acknowledged found, %d lost; %d of %d reopened and recomputed\n",
		sinceKill.Round(time.Millisecond), ready2.Round(time.Millisecond), len(stored), acked-lost, acked, lost, opened, min(len(acks), 20))
	if lost > 0 || opened < min(len(acks), 20) {
		return fmt.Errorf("%d acknowledged scenarios lost, %d of %d reopened", lost, opened, min(len(acks), 20))
	}
	if acked == 0 {
		return fmt.Errorf("no scenario was acknowledged before the kill")
	}
	return nil
}

// clientFrom returns an HTTP client whose connections leave from the
// loopback address ip.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}

// backOff waits as Retry-After says (at most a second), or until ctx ends.
func backOff(ctx context.Context, res *http.Response) {
	wait := time.Second
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && s >= 0 {
		wait = min(wait, time.Duration(s)*time.Second)
	}
	select {
	case <-time.After(wait):
	case <-ctx.Done():
	}
}
