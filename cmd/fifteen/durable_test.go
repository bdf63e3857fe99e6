package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"fifteen/publish/postgis/postgistest"
	"fifteen/store/sqlstore"
)

// buildBinary builds the fifteen command once per test binary.
var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func buildBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "fifteen-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "fifteen")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

const durableToken = "planner-secret-token-0001"

// served is a running fifteen serve process.
type served struct {
	cmd  *exec.Cmd
	base string
	done chan struct{} // closed when the process has exited
}

// startServe starts the binary on a free loopback port with store and
// waits until it is ready.
func startServe(t *testing.T, bin, storeAt string, extra ...string) *served {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--store", storeAt, "--rate", "-1", "--heavy-rate", "-1", "--heavy-concurrent", "8"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "FIFTEEN_TOKENS=planner "+durableToken)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &served{cmd: cmd, done: make(chan struct{})}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		re := regexp.MustCompile(`on (http://[^/ ]+)/`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(s.done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-s.done })
	select {
	case s.base = <-urls:
	case <-s.done:
		t.Fatalf("serve exited: %v\n%s", waitErr, stderr.String())
	case <-time.After(120 * time.Second):
		t.Fatalf("serve did not start\n%s", stderr.String())
	}
	for range 600 {
		if r, err := http.Get(s.base + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("serve not ready\n%s", stderr.String())
	return nil
}

// TestKill9KeepsAcknowledgedScenarios saves scenarios from several
// clients at once, kills the server with SIGKILL in the middle of the
// writes, restarts it on the same store and finds every scenario whose
// 201 had arrived, intact, for SQLite and PostgreSQL.
func TestKill9KeepsAcknowledgedScenarios(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server")
	}
	bin := buildBinary(t)
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			storeAt := filepath.Join(t.TempDir(), "scenarios.db")
			if kind == "postgres" {
				// A database of its own: other packages' tests use the
				// same server at the same time.
				dsn, name := postgistest.Server(t), fmt.Sprintf("fifteen_kill9_%d_%d", os.Getpid(), time.Now().UnixNano())
				var err error
				if storeAt, err = sqlstore.CreateDatabase(context.Background(), dsn, name); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { sqlstore.DropDatabase(context.Background(), dsn, name) })
			}
			srv := startServe(t, bin, storeAt)
			type ack struct{ id, name string }
			var mu sync.Mutex
			var acks []ack
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for w := range 6 {
				wg.Go(func() {
					for i := 0; ctx.Err() == nil; i++ {
						name := fmt.Sprintf("%s w%d #%d", kind, w, i)
						body := fmt.Sprintf(`{"name":%q,"add":[{"category":"clinic","lon":%.5f,"lat":47.14}]}`, name, 9.50+float64(i%20)*0.002)
						req, _ := http.NewRequestWithContext(ctx, "POST", srv.base+"/v1/scenarios", strings.NewReader(body))
						req.Header.Set("Authorization", "Bearer "+durableToken)
						res, err := http.DefaultClient.Do(req)
						if err != nil {
							return // the server is gone
						}
						var doc struct{ ID, Name string }
						err = json.NewDecoder(res.Body).Decode(&doc)
						res.Body.Close()
						if res.StatusCode == http.StatusCreated && err == nil {
							mu.Lock()
							acks = append(acks, ack{doc.ID, doc.Name})
							mu.Unlock()
						}
					}
				})
			}
			// Kill once some writes are acknowledged, while more are in flight.
			for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				mu.Lock()
				n := len(acks)
				mu.Unlock()
				if n >= 30 {
					break
				}
			}
			if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-srv.done
			cancel()
			wg.Wait()
			if len(acks) < 30 {
				t.Fatalf("only %d scenarios acknowledged before the kill", len(acks))
			}
			srv2 := startServe(t, bin, storeAt)
			listed := map[string]string{}
			total := 0
			for off := 0; ; off += 1000 {
				res, err := http.Get(fmt.Sprintf("%s/v1/scenarios?limit=1000&offset=%d", srv2.base, off))
				if err != nil {
					t.Fatal(err)
				}
				var list struct {
					Scenarios []struct{ ID, Name, Owner string } `json:"scenarios"`
					Total     int                                `json:"total"`
				}
				err = json.NewDecoder(res.Body).Decode(&list)
				res.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range list.Scenarios {
					listed[s.ID] = s.Name
				}
				total = list.Total
				if len(list.Scenarios) < 1000 {
					break
				}
			}
			for _, a := range acks {
				if listed[a.id] != a.name {
					t.Errorf("acknowledged scenario %s (%q) lost after kill -9", a.id, a.name)
				}
			}
			// Every one opens, recomputed from its saved inputs.
			for _, a := range acks[:min(len(acks), 10)] {
				res, err := http.Get(srv2.base + "/v1/scenarios/" + a.id)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 || !strings.Contains(string(b), `"saved":true`) {
					t.Errorf("GET %s after restart: %d %.200s", a.id, res.StatusCode, b)
				}
			}
			t.Logf("%s: %d acknowledged before SIGKILL, %d stored after restart, all acknowledged found", kind, len(acks), total)
		})
	}
}
