package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server's and the test's
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serve listens before the city is loaded, says how far loading is on
// /readyz, logs each stage, then serves an OSM-only city.
func TestServeOSMOnlyReportsLoading(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--osm", "../../data/testdata/wilmington-2016-08-10.osm.pbf"}, &stdout, &stderr)
	}()
	addrRe := regexp.MustCompile(`"msg":"loading","addr":"([0-9.:]+)"`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == ""; {
		if m := addrRe.FindStringSubmatch(stderr.String()); m != nil {
			base = "http://" + m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no loading log line: %s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	sawLoading := false
	for deadline := time.Now().Add(60 * time.Second); ; {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			if body["population_source"] != "osm_population+floor_area_estimate" {
				t.Errorf("ready: %v", body)
			}
			break
		}
		if resp.StatusCode != http.StatusServiceUnavailable || body["status"] != "loading" || body["stage"] == "" {
			t.Fatalf("while loading: %d %v", resp.StatusCode, body)
		}
		sawLoading = true
		if time.Now().After(deadline) {
			t.Fatal("not ready after 60 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !sawLoading {
		t.Log("the city loaded before the first /readyz; the loading answer was not seen")
	}
	resp, err := http.Get(base + "/v1/report?category=clinic")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/v1/report: %d", resp.StatusCode)
	}
	for _, stage := range []string{"reading the OSM extract", "placing residents and communities", "starting the server"} {
		if !bytes.Contains([]byte(stderr.String()), []byte(`"stage":"`+stage)) {
			t.Errorf("stage %q not logged", stage)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}
