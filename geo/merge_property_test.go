package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	orbgeo "github.com/paulmach/orb/geo"
)

type rawArc struct {
	to int64
	m  float64
}

func floydLike(adj map[int64][]rawArc, src int64) map[int64]float64 {
	d := map[int64]float64{src: 0}
	for changed := true; changed; {
		changed = false
		for u, as := range adj {
			du, ok := d[u]
			if !ok {
				continue
			}
			for _, a := range as {
				if dv, ok := d[a.to]; !ok || du+a.m < dv-1e-9 {
					d[a.to] = du + a.m
					changed = true
				}
			}
		}
	}
	return d
}

// The merged graph keeps the raw network's one-way distances.
func TestMergeMergedGraphKeepsDirectedDistances(t *testing.T) {
	for seed := uint64(1); seed <= 200; seed++ {
		rng := rand.New(rand.NewPCG(seed, 5))
		var b GraphBuilder
		adj := map[int64][]rawArc{}
		for w := 0; w < 3+rng.IntN(12); w++ {
			ids := randomWalk(rng, 6)
			if len(ids) < 2 {
				continue
			}
			var a EdgeAttr
			switch rng.IntN(4) {
			case 0:
				a.Flags = FlagOnewayFwd
			case 1:
				a.Flags = FlagOnewayBwd
			}
			addWay(&b, int64(w), a, ids...)
			for i := 1; i < len(ids); i++ {
				m := orbgeo.Distance(pt(ids[i-1]), pt(ids[i]))
				if a.Flags&FlagOnewayBwd == 0 {
					adj[ids[i-1]] = append(adj[ids[i-1]], rawArc{ids[i], m})
				}
				if a.Flags&FlagOnewayFwd == 0 {
					adj[ids[i]] = append(adj[ids[i]], rawArc{ids[i-1], m})
				}
			}
		}
		if b.NumWays() == 0 {
			continue
		}
		g, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		_ = 0 // t.Logf("seed %d: %d vertices %d edges", seed, g.NumVertices(), g.NumEdges()) // vertex -> node id
		node := func(v int) int64 {
			p := g.Vertex(v)
			c := int64(math.Round((p[0] - 9.5) / 0.001))
			r := int64(math.Round((p[1] - 47.1) / 0.001))
			return 100*r + c
		}
		for v := 0; v < g.NumVertices(); v++ {
			want := floydLike(adj, node(v))
			// Dijkstra on g (simple O(n^2))
			d := make([]float64, g.NumVertices())
			for i := range d {
				d[i] = math.Inf(1)
			}
			d[v] = 0
			done := make([]bool, len(d))
			for {
				u := -1
				for i := range d {
					if !done[i] && !math.IsInf(d[i], 1) && (u < 0 || d[i] < d[u]) {
						u = i
					}
				}
				if u < 0 {
					break
				}
				done[u] = true
				for _, a := range g.Out(u) {
					if nd := d[u] + g.EdgeLengthM(a.EdgeID()); nd < d[a.Head] {
						d[a.Head] = nd
					}
				}
			}
			for x := 0; x < g.NumVertices(); x++ {
				w, ok := want[node(x)]
				if !ok {
					w = math.Inf(1)
				}
				if math.IsInf(w, 1) != math.IsInf(d[x], 1) || (!math.IsInf(w, 1) && math.Abs(w-d[x]) > 0.5) {
					t.Fatalf("seed %d: %d -> %d: merged graph %.1f m, raw network %.1f m", seed, node(v), node(x), d[x], w)
				}
			}
		}
	}
}
