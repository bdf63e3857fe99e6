package server

import (
	"sync"

	"github.com/paulmach/orb"
)

// ogcMemo computes a value once per key and keeps it: the server's data never
// change, so neither do values derived from them. Concurrent callers of one
// key wait for the first; other keys proceed.
type ogcMemo[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]*ogcMemoEntry[V]
}

type ogcMemoEntry[V any] struct {
	once sync.Once
	v    V
	err  error
}

func (m *ogcMemo[K, V]) get(k K, f func() (V, error)) (V, error) {
	m.mu.Lock()
	if m.m == nil {
		m.m = map[K]*ogcMemoEntry[V]{}
	}
	e := m.m[k]
	if e == nil {
		e = &ogcMemoEntry[V]{}
		m.m[k] = e
	}
	m.mu.Unlock()
	e.once.Do(func() { e.v, e.err = f() })
	return e.v, e.err
}

// ogcLazyBounds computes the bounds of a feature set's items on first use.
type ogcLazyBounds struct {
	once sync.Once
	b    []orb.Bound
}

func (l *ogcLazyBounds) get(n int, bound func(i int) orb.Bound) []orb.Bound {
	l.once.Do(func() {
		l.b = make([]orb.Bound, n)
		for i := range l.b {
			l.b[i] = bound(i)
		}
	})
	return l.b
}
