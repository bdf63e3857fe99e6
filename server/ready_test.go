package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// The server is ready (it answers every route) before its baseline report
// is computed: the routes that read the report wait for it within their
// request's context, the others answer at once, and /readyz says what is
// still being prepared.
func TestReadyBeforeBaselineReport(t *testing.T) {
	e, s, err := newServer(testConfig(), testDeps(t))
	if err != nil {
		t.Fatal(err)
	}
	readyz := func() (int, map[string]any) {
		rec := do(t, e, http.MethodGet, "/readyz", nil)
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		return rec.Code, m
	}
	// Once the background work is done, /readyz says so.
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, m := readyz()
		tp, _ := m["tiles_prepared"].(map[string]any)
		if m["baseline_report"] == "ready" && tp != nil && tp["ready"] == tp["of"] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not prepared after a minute: %v", m)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Pretend the report is still being computed (the background
	// goroutines are done: nothing else reads these fields now).
	done := make(chan struct{})
	s.baselineDone = done
	if code, m := readyz(); code != http.StatusOK || m["status"] != "ready" || m["baseline_report"] != "computing" {
		t.Errorf("while the report is computed: %d %v", code, m)
	}
	withTimeout := func(target string) int {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil).WithContext(ctx))
		return rec.Code
	}
	for target, want := range map[string]int{
		"/v1/report":                          http.StatusServiceUnavailable, // waited until the request's deadline
		"/collections/communities/items":      http.StatusServiceUnavailable,
		"/tiles/communities/14/8529/5974.mvt": http.StatusServiceUnavailable,
		"/v1/categories":                      http.StatusOK, // needs no report
		"/tiles/cells/14/8529/5974.mvt":       http.StatusOK,
		"/healthz":                            http.StatusOK,
	} {
		if got := withTimeout(target); got != want {
			t.Errorf("%s while the report is computed: %d, want %d", target, got, want)
		}
	}
	// A request waiting without a deadline is answered once it is done.
	got := make(chan int)
	go func() {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/report?profile=adult&category=clinic", nil))
		got <- rec.Code
	}()
	select {
	case code := <-got:
		t.Fatalf("answered %d before the report was computed", code)
	case <-time.After(50 * time.Millisecond):
	}
	close(done)
	if code := <-got; code != http.StatusOK {
		t.Errorf("/v1/report once computed: %d", code)
	}
}
