package server

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"sync"
	"time"

	"fifteen/publish"
)

// scenarioStore caches the computed documents of saved scenarios (the
// scenarios themselves live in the durable store.Store): a document is
// recomputed from the saved inputs when it is not here. It holds at most
// max documents and drops the oldest first; it is safe for concurrent use.
type scenarioStore struct {
	mu       sync.Mutex
	max      int
	maxBytes int // bound on the cached bodies together
	bytes    int
	byID     map[string]*storedScenario
	order    []string // ids, oldest first
}

// storedScenario is one computed scenario.
type storedScenario struct {
	ScenarioInfo
	// body and full are the JSON documents served by GET
	// /v1/scenarios/{id}, compact and with ?report=full; nil until
	// computed.
	body, full []byte
}

// bodyOf returns the document of the form (publish.WhatIfCompact or
// publish.WhatIfFull), or nil.
func (sc *storedScenario) bodyOf(form string) []byte {
	if form == publish.WhatIfFull {
		return sc.full
	}
	return sc.body
}

func (sc *storedScenario) setBody(form string, b []byte) {
	if form == publish.WhatIfFull {
		sc.full = b
	} else {
		sc.body = b
	}
}

func (sc *storedScenario) size() int { return len(sc.body) + len(sc.full) }

// ScenarioInfo is a scenario's entry in GET /v1/scenarios.
type ScenarioInfo struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Owner   string    `json:"owner"`
	Created time.Time `json:"created"`
	// CityChanged tells that the city data served now differ from those
	// the scenario was saved against: its results, recomputed when it is
	// opened, may differ from those first shown.
	CityChanged bool            `json:"city_changed"`
	Summary     ScenarioSummary `json:"summary"`
}

// ScenarioSummary tells what a scenario changes and its headline effect on
// the whole city for the first walker.
type ScenarioSummary = publish.WhatIfSummary

func newScenarioStore(max int) *scenarioStore {
	if max < 1 {
		max = 1
	}
	return &scenarioStore{max: max, maxBytes: scenarioStoreBytes, byID: map[string]*storedScenario{}}
}

// newScenarioID returns a random id of 16 hex digits.
func newScenarioID() string {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand documents it)
	return hex.EncodeToString(b[:])
}

// scenarioStoreBytes bounds the memory the cached documents hold: a
// scenario's full document carries a whole report and every changed cell,
// megabytes for a large city or a large scenario.
const scenarioStoreBytes = 256 << 20

// add caches sc, evicting the oldest documents beyond the count or the
// byte bound (the newest always stays). A form sc lacks is kept from the
// document cached before under its id.
func (st *scenarioStore) add(sc *storedScenario) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if old, ok := st.byID[sc.ID]; ok {
		st.bytes -= old.size()
		st.order = slices.DeleteFunc(st.order, func(s string) bool { return s == sc.ID })
		merged := *sc
		if merged.body == nil {
			merged.body = old.body
		}
		if merged.full == nil {
			merged.full = old.full
		}
		sc = &merged
	}
	st.byID[sc.ID] = sc
	st.order = append(st.order, sc.ID)
	st.bytes += sc.size()
	for len(st.order) > 1 && (len(st.order) > st.max || st.bytes > st.maxBytes) {
		if old := st.byID[st.order[0]]; old != nil {
			st.bytes -= old.size()
		}
		delete(st.byID, st.order[0])
		st.order = st.order[1:]
	}
}

// get returns the cached document with id, or nil.
func (st *scenarioStore) get(id string) *storedScenario {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.byID[id]
}

// remove drops the document with id and reports whether it was there.
func (st *scenarioStore) remove(id string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	sc, ok := st.byID[id]
	if !ok {
		return false
	}
	st.bytes -= sc.size()
	delete(st.byID, id)
	st.order = slices.DeleteFunc(st.order, func(s string) bool { return s == id })
	return true
}
