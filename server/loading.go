package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// LoadProgress tracks a city being loaded, for /readyz while it loads. It
// is safe for concurrent use.
type LoadProgress struct {
	plan    []string
	mu      sync.Mutex
	started time.Time
	stage   string
	since   time.Time
	done    int64
	total   int64
	past    []StageTime
	err     string
}

// StageTime is a finished load stage and its duration.
type StageTime struct {
	Stage string  `json:"stage"`
	Sec   float64 `json:"sec"`
}

// NewLoadProgress starts tracking a load whose stages, in order, are plan
// (for "step n of N"; stages not in it count as no step).
func NewLoadProgress(plan ...string) *LoadProgress {
	now := time.Now()
	return &LoadProgress{plan: plan, started: now, since: now, stage: "starting"}
}

// Set records the current stage and how far it is (done of total, 0 when
// unknown). It reports whether the stage changed.
func (p *LoadProgress) Set(stage string, done, total int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	changed := stage != p.stage
	if changed {
		now := time.Now()
		p.past = append(p.past, StageTime{p.stage, now.Sub(p.since).Seconds()})
		p.stage, p.since = stage, now
	}
	p.done, p.total = done, total
	return changed
}

// Fail records that loading failed.
func (p *LoadProgress) Fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.err = err.Error()
}

// Status is what /readyz answers while the city loads.
type Status struct {
	Status string `json:"status"`
	Stage  string `json:"stage"`
	// Step is the stage's place in the plan (1-based, 0 when not in it)
	// of Steps.
	Step       int         `json:"step,omitempty"`
	Steps      int         `json:"steps,omitempty"`
	Done       int64       `json:"done,omitempty"`
	Total      int64       `json:"total,omitempty"`
	Percent    *float64    `json:"percent,omitempty"`
	ElapsedSec float64     `json:"elapsed_sec"`
	StagesDone []StageTime `json:"stages_done"`
	Error      string      `json:"error,omitempty"`
}

// Status returns a snapshot.
func (p *LoadProgress) Status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := Status{Status: "loading", Stage: p.stage, Done: p.done, Total: p.total,
		ElapsedSec: time.Since(p.started).Seconds(), StagesDone: append([]StageTime{}, p.past...), Error: p.err}
	for i, st := range p.plan {
		if st == p.stage {
			s.Step, s.Steps = i+1, len(p.plan)
		}
	}
	if p.total > 0 {
		pc := float64(int(1000*float64(p.done)/float64(p.total))) / 10
		s.Percent = &pc
	}
	if p.err != "" {
		s.Status = "failed"
	}
	return s
}

// LoadingHandler serves while the city loads: /healthz answers 200,
// /readyz 503 with the Status (what is loading and how far), and every
// other path 503 with Retry-After and a problem document.
func LoadingHandler(p *LoadProgress, version string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		write := func(status int, ct string, v any) {
			w.Header().Set("Content-Type", ct)
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(status)
			if r.Method != http.MethodHead {
				_ = json.NewEncoder(w).Encode(v)
			}
		}
		switch r.URL.Path {
		case "/healthz":
			write(http.StatusOK, "application/json", map[string]string{"status": "ok", "version": version})
		case "/readyz":
			write(http.StatusServiceUnavailable, "application/json", p.Status())
		default:
			st := p.Status()
			w.Header().Set("Retry-After", "5")
			detail := "the city is still loading: " + st.Stage
			if st.Step > 0 {
				detail += fmt.Sprintf(", step %d of %d", st.Step, st.Steps)
			}
			if st.Percent != nil {
				detail += fmt.Sprintf(" (%.0f%%)", *st.Percent)
			}
			write(http.StatusServiceUnavailable, "application/problem+json",
				&Problem{Type: "about:blank", Title: "Service Unavailable", Status: http.StatusServiceUnavailable, Detail: detail})
		}
	})
}
