package geo_test

import (
	"fmt"

	"github.com/paulmach/orb"

	"fifteen/geo"
)

// Example builds a tiny walk network by hand, puts a clinic on it and asks
// how long an adult and a wheelchair user walk to it from a home 22 m off
// the far end of a street whose last block is a flight of steps. The adult
// walks the 22 m leg, two blocks and the steps (×1.5) at 4.5 km/h:
// (22 + 2×76 + 1.5×76) m / 1.25 m/s ≈ 3.8 min; steps stop the wheelchair.
func Example() {
	var b geo.GraphBuilder
	// Three blocks of about 76 m along a parallel, the last one steps.
	pt := func(i int) orb.Point { return orb.Point{9.52 + 0.001*float64(i), 47.14} }
	b.AddWay(1, []int64{1, 2, 3}, []orb.Point{pt(0), pt(1), pt(2)}, geo.EdgeAttr{})
	b.AddWay(2, []int64{3, 4}, []orb.Point{pt(2), pt(3)}, geo.EdgeAttr{Flags: geo.FlagSteps})
	g, err := b.Build()
	if err != nil {
		panic(err)
	}
	ix := geo.NewSegmentIndex(g)
	clinic, _ := ix.Nearest(pt(0), geo.DefaultSnapM, nil)
	home, _ := ix.Nearest(orb.Point{9.523, 47.1402}, geo.DefaultSnapM, nil)

	s := geo.NewSearcher(g)
	for _, p := range geo.DefaultProfiles() {
		if p.ID == "senior" {
			continue
		}
		costs := geo.NewCosts(g, &p)
		r := s.Reach(costs, []geo.Source{{Snap: clinic}}, geo.MinToDs(30), true)
		t, _ := r.At(home, costs.Leg(home.DistM))
		if t == geo.Unreached {
			fmt.Printf("%s: no clinic within 30 minutes\n", p.ID)
			continue
		}
		fmt.Printf("%s: %.1f minutes\n", p.ID, geo.DsToMin(t))
	}
	// Output:
	// adult: 3.8 minutes
	// wheelchair: no clinic within 30 minutes
}
