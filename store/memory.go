package store

import (
	"context"
	"slices"
	"strings"
	"sync"
)

// Memory is a Store in memory, for tests and for a server started with
// --store=memory: nothing survives the process.
type Memory struct {
	mu    sync.Mutex
	byID  map[string]Scenario
	order []string
}

// NewMemory returns an empty Memory store.
func NewMemory() *Memory { return &Memory{byID: map[string]Scenario{}} }

func (m *Memory) Kind() string { return "memory" }
func (m *Memory) Close() error { return nil }

func (m *Memory) Put(_ context.Context, sc Scenario) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byID[sc.ID]; ok {
		return ErrExists
	}
	sc.Inputs = slices.Clone(sc.Inputs)
	m.byID[sc.ID] = sc
	m.order = append(m.order, sc.ID)
	// Oldest first, as the SQL stores order them.
	slices.SortFunc(m.order, func(x, y string) int {
		a, b := m.byID[x], m.byID[y]
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(x, y)
	})
	return nil
}

func (m *Memory) Get(_ context.Context, id string) (Scenario, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	sc, ok := m.byID[id]
	if !ok {
		return sc, ErrNotFound
	}
	return sc, nil
}

func (m *Memory) List(_ context.Context, offset, limit int) ([]Scenario, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []Scenario{}
	for i := offset; i < len(m.order) && len(out) < limit; i++ {
		sc := m.byID[m.order[i]]
		sc.Inputs = nil
		out = append(out, sc)
	}
	return out, len(m.order), nil
}

func (m *Memory) Delete(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byID[id]; !ok {
		return ErrNotFound
	}
	delete(m.byID, id)
	m.order = slices.DeleteFunc(m.order, func(s string) bool { return s == id })
	return nil
}
