package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"runtime"
	"slices"
	"sync"
	"time"

	"fifteen/publish"
)

// scenarioStore keeps the what-if scenarios computed by POST /v1/scenarios
// in memory: their rendered bodies and a summary for the list. It holds at
// most max scenarios and drops the oldest first. It is safe for concurrent
// use. It also bounds how many scenarios are computed at once, so that a
// burst of them cannot take every CPU from the other routes.
type scenarioStore struct {
	mu       sync.Mutex
	max      int
	maxBytes int // bound on the stored bodies together
	bytes    int
	byID     map[string]*storedScenario
	order    []string // ids, oldest first

	slots chan struct{} // one token per concurrent computation
}

// storedScenario is one computed scenario.
type storedScenario struct {
	ScenarioInfo
	// body is the JSON document served by GET /v1/scenarios/{id}.
	body []byte
}

// ScenarioInfo is a scenario's entry in GET /v1/scenarios.
type ScenarioInfo struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	Created time.Time       `json:"created"`
	Summary ScenarioSummary `json:"summary"`
}

// ScenarioSummary tells what a scenario changes and its headline effect on
// the whole city for the first walker.
type ScenarioSummary = publish.WhatIfSummary

func newScenarioStore(max int) *scenarioStore {
	if max < 1 {
		max = 1
	}
	slots := runtime.GOMAXPROCS(0) / 2
	if slots < 1 {
		slots = 1
	}
	return &scenarioStore{max: max, maxBytes: scenarioStoreBytes, byID: map[string]*storedScenario{}, slots: make(chan struct{}, slots)}
}

// acquire waits for a computation slot; release gives it back. It fails
// with the context's error when ctx ends first.
func (st *scenarioStore) acquire(ctx context.Context) error {
	select {
	case st.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (st *scenarioStore) release() { <-st.slots }

// newScenarioID returns a random id of 16 hex digits.
func newScenarioID() string {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand documents it)
	return hex.EncodeToString(b[:])
}

// scenarioStoreBytes bounds the memory the stored scenarios hold: a
// scenario's body carries a full report and every changed cell, megabytes
// for a large city or a large scenario.
const scenarioStoreBytes = 256 << 20

// add stores sc, evicting the oldest scenarios beyond the count or the
// byte bound (the newest always stays).
func (st *scenarioStore) add(sc *storedScenario) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.byID[sc.ID] = sc
	st.order = append(st.order, sc.ID)
	st.bytes += len(sc.body)
	for len(st.order) > 1 && (len(st.order) > st.max || st.bytes > st.maxBytes) {
		if old := st.byID[st.order[0]]; old != nil {
			st.bytes -= len(old.body)
		}
		delete(st.byID, st.order[0])
		st.order = st.order[1:]
	}
}

// get returns the scenario with id, or nil.
func (st *scenarioStore) get(id string) *storedScenario {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.byID[id]
}

// remove deletes the scenario with id and reports whether it was there.
func (st *scenarioStore) remove(id string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	sc, ok := st.byID[id]
	if !ok {
		return false
	}
	st.bytes -= len(sc.body)
	delete(st.byID, id)
	st.order = slices.DeleteFunc(st.order, func(s string) bool { return s == id })
	return true
}

// list returns the scenarios' entries, oldest first.
func (st *scenarioStore) list() []ScenarioInfo {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]ScenarioInfo, 0, len(st.order))
	for _, id := range st.order {
		out = append(out, st.byID[id].ScenarioInfo)
	}
	return out
}
