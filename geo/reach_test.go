package geo

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// bellmanFord computes exact walking times from every vertex to the
// sources (toSource) or from the sources, relaxing every edge until nothing
// changes: slow and obviously right.
func bellmanFord(g *Graph, c *Costs, sources []Source, toSource bool) []uint32 {
	t := make([]uint32, g.NumVertices())
	for i := range t {
		t[i] = Unreached
	}
	for _, s := range sources {
		e := s.Snap.Edge
		f, to := g.EdgeEnds(e)
		l := g.EdgeLengthM(e)
		var tf, tt uint32
		if toSource {
			tf, tt = c.Partial(g, e, 0, s.Snap.OffsetM), c.Partial(g, e, l, s.Snap.OffsetM)
		} else {
			tf, tt = c.Partial(g, e, s.Snap.OffsetM, 0), c.Partial(g, e, s.Snap.OffsetM, l)
		}
		t[f] = min(t[f], addTime(s.StartDs, tf))
		t[to] = min(t[to], addTime(s.StartDs, tt))
	}
	for changed := true; changed; {
		changed = false
		for e := 0; e < g.NumEdges(); e++ {
			f, to := g.EdgeEnds(e)
			// Walking f->to costs fwd; to->f costs bwd.
			if toSource {
				// time(f) <= fwd + time(to)
				if nt := addTime(c.Edge(e, false), t[to]); nt < t[f] {
					t[f], changed = nt, true
				}
				if nt := addTime(c.Edge(e, true), t[f]); nt < t[to] {
					t[to], changed = nt, true
				}
			} else {
				if nt := addTime(t[f], c.Edge(e, false)); nt < t[to] {
					t[to], changed = nt, true
				}
				if nt := addTime(t[to], c.Edge(e, true)); nt < t[f] {
					t[f], changed = nt, true
				}
			}
		}
	}
	return t
}

func randomSources(g *Graph, rng *rand.Rand, n int) []Source {
	src := make([]Source, n)
	for i := range src {
		e := rng.IntN(g.NumEdges())
		src[i] = Source{Snap: Snap{Edge: e, OffsetM: rng.Float64() * g.EdgeLengthM(e)}, StartDs: uint32(rng.IntN(300)), ID: int32(i)}
	}
	return src
}

func TestReachMatchesBruteForce(t *testing.T) {
	profiles := DefaultProfiles()
	for seed := uint64(1); seed <= 40; seed++ {
		rng := rand.New(rand.NewPCG(seed, 11))
		var b GraphBuilder
		randomWays(&b, rng, 10+rng.IntN(100))
		g, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		s := NewSearcher(g)
		p := &profiles[rng.IntN(len(profiles))]
		c := NewCosts(g, p)
		sources := randomSources(g, rng, 1+rng.IntN(6))
		for _, toSource := range []bool{true, false} {
			want := bellmanFord(g, c, sources, toSource)
			got := s.Reach(c, sources, Unreached-1, toSource)
			for v := range want {
				if got.TimeDs[v] != want[v] {
					t.Fatalf("seed %d profile %s toSource=%v: vertex %d time %d, brute force %d", seed, p.ID, toSource, v, got.TimeDs[v], want[v])
				}
			}
			// Multi-source equals the minimum over single-source runs,
			// and Nearest names a source achieving it.
			single := make([][]uint32, len(sources))
			for i := range sources {
				single[i] = s.Reach(c, sources[i:i+1], Unreached-1, toSource).TimeDs
			}
			for v := range want {
				m := Unreached
				for i := range sources {
					m = min(m, single[i][v])
				}
				if m != got.TimeDs[v] {
					t.Fatalf("seed %d: vertex %d multi %d, min single %d", seed, v, got.TimeDs[v], m)
				}
				if n := got.Nearest[v]; n >= 0 && single[n][v] != m {
					t.Fatalf("seed %d: vertex %d nearest %d has time %d, not %d", seed, v, n, single[n][v], m)
				}
			}
			// A cutoff drops exactly the vertices beyond it.
			cut := uint32(rng.IntN(3000))
			cr := s.Reach(c, sources, cut, toSource)
			for v := range want {
				w := want[v]
				if w > cut {
					w = Unreached
				}
				if cr.TimeDs[v] != w {
					t.Fatalf("seed %d cutoff %d: vertex %d time %d, want %d", seed, cut, v, cr.TimeDs[v], w)
				}
			}
		}
	}
}

func TestReachHandWorked(t *testing.T) {
	// A straight street of three 111-m blocks, nodes 1-2-3-4, with steps
	// on the last block. Adult: 4.5 km/h = 1.25 m/s.
	var b GraphBuilder
	addWay(&b, 1, EdgeAttr{}, 1, 2, 3)
	addWay(&b, 2, EdgeAttr{Flags: FlagSteps}, 3, 4)
	g, _ := b.Build()
	profiles := DefaultProfiles()
	adult, wheel := NewCosts(g, &profiles[0]), NewCosts(g, &profiles[2])
	// Source at vertex of node 1 (edge 0 offset 0).
	var e0 int
	for e := 0; e < g.NumEdges(); e++ {
		if g.EdgeAttr(e).Flags&FlagSteps == 0 {
			e0 = e
		}
	}
	f, _ := g.EdgeEnds(e0)
	off := 0.0
	if g.Vertex(f) != pt(1) {
		off = g.EdgeLengthM(e0)
	}
	src := []Source{{Snap: Snap{Edge: e0, OffsetM: off}}}
	s := NewSearcher(g)
	ra := s.Reach(adult, src, Unreached-1, true)
	rw := s.Reach(wheel, src, Unreached-1, true)
	var v4 int
	for v := 0; v < g.NumVertices(); v++ {
		if g.Vertex(v) == pt(4) {
			v4 = v
		}
	}
	want := rawLength(1, 2, 3)/1.25*10 + rawLength(3, 4)/1.25*10*1.5 // steps ×1.5 for adults
	if d := float64(ra.TimeDs[v4]) - want; d < -2 || d > 2 {
		t.Errorf("adult time to node 4: %d ds, want %.0f", ra.TimeDs[v4], want)
	}
	if rw.TimeDs[v4] != Unreached {
		t.Errorf("wheelchair crossed the steps: %d ds", rw.TimeDs[v4])
	}
}

func TestRadixHeapOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var h radixHeap
	for round := 0; round < 3; round++ {
		h.reset()
		last := uint32(0)
		pushed := 0
		// Dijkstra-like use: pushes never go below the last pop.
		for i := 0; i < 3000; i++ {
			h.push(last+uint32(rng.IntN(5000)), uint32(i))
			pushed++
		}
		for h.len() > 0 {
			k, _ := h.pop()
			if k < last {
				t.Fatalf("popped %d after %d", k, last)
			}
			last = k
			if rng.IntN(3) == 0 && pushed < 6000 {
				h.push(last+uint32(rng.IntN(100)), 0)
				pushed++
			}
		}
	}
}

// TestBucketQueueOrder checks the bucket queue against a sort, in
// Dijkstra-like use (pushes never below the key being taken), with a
// limit small enough to fit one window and one that spans several.
func TestBucketQueueOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, limit := range []uint32{300, 5000, 1 << 20, Unreached - 1} {
		var q bucketQueue
		for round := 0; round < 3; round++ {
			q.reset(limit)
			var want []uint32
			push := func(k uint32) {
				if k <= limit {
					q.push(k, uint32(len(want)))
					want = append(want, k)
				}
			}
			spread := min(limit, 200_000)
			for i := 0; i < 2000; i++ {
				push(uint32(rng.IntN(int(spread) + 1)))
			}
			var got []uint32
			last := uint32(0)
			for k := q.next(0); k >= 0; k = q.next(uint32(k) + 1) {
				key := uint32(k)
				if key < last {
					t.Fatalf("limit %d: key %d after %d", limit, key, last)
				}
				last = key
				for i := 0; i < len(q.bucket(key)); i++ {
					got = append(got, key)
					if rng.IntN(4) == 0 && len(want) < 4000 {
						push(key + uint32(rng.IntN(3)*rng.IntN(40_000))) // zero steps included
					}
				}
				q.done(key)
			}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("limit %d: %d keys taken, want %d (or out of order)", limit, len(got), len(want))
			}
		}
	}
}
