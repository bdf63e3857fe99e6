package geo

import (
	"fmt"
	"math"
	"slices"
)

// Profile is a kind of walker: how fast they walk and how steps, unpaved
// surfaces and slopes slow or stop them.
type Profile struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	NameZH string `json:"name_zh"`
	// SpeedKmh is the walking speed on level, paved ground.
	SpeedKmh float64 `json:"speed_kmh"`
	// StepsFactor multiplies the time on steps; 0 makes steps impassable.
	StepsFactor float64 `json:"steps_factor"`
	// UnpavedFactor multiplies the time on unpaved surfaces (1 = no
	// effect).
	UnpavedFactor float64 `json:"unpaved_factor"`
	// InclineFreePct is the slope in percent, up or down, walked at full
	// speed; each percent above it adds InclinePenaltyPerPct to the time
	// factor.
	InclineFreePct       float64 `json:"incline_free_pct"`
	InclinePenaltyPerPct float64 `json:"incline_penalty_per_pct"`
	// MaxInclinePct makes steeper tagged slopes impassable; 0 means no
	// limit.
	MaxInclinePct float64 `json:"max_incline_pct"`
	// Weight names the residents whose coverage this profile reports:
	// "all" or "aged60" (people aged 60 and over, where the communities
	// file gives their share).
	Weight string `json:"weight"`
}

// Profile weights.
const (
	WeightAll    = "all"
	WeightAged60 = "aged60"
)

// DefaultProfiles returns the built-in walkers: adult (4.5 km/h), senior
// (3.6 km/h, slower on steps, reported for the 60+ population) and
// wheelchair (3.6 km/h, no steps, unpaved ways and slopes penalised where
// tagged, slopes over 12 % impassable).
func DefaultProfiles() []Profile {
	return []Profile{
		{ID: "adult", Name: "Adult", NameZH: "成人", SpeedKmh: 4.5, StepsFactor: 1.5, UnpavedFactor: 1, Weight: WeightAll},
		{ID: "senior", Name: "Senior (60+)", NameZH: "老年人", SpeedKmh: 3.6, StepsFactor: 2, UnpavedFactor: 1.1,
			InclineFreePct: 5, InclinePenaltyPerPct: 0.05, Weight: WeightAged60},
		{ID: "wheelchair", Name: "Wheelchair", NameZH: "轮椅", SpeedKmh: 3.6, StepsFactor: 0, UnpavedFactor: 2,
			InclineFreePct: 4, InclinePenaltyPerPct: 0.15, MaxInclinePct: 12, Weight: WeightAll},
	}
}

// MergeProfiles returns base with extra added; an extra profile with the id
// of a base one replaces it in place.
func MergeProfiles(base, extra []Profile) []Profile {
	out := append([]Profile(nil), base...)
	for _, p := range extra {
		replaced := false
		for i := range out {
			if out[i].ID == p.ID {
				out[i], replaced = p, true
			}
		}
		if !replaced {
			out = append(out, p)
		}
	}
	return out
}

// Validate checks a profile's figures.
func (p *Profile) Validate() error {
	bad := func(what string, v float64) error {
		return fmt.Errorf("%w: profile %q: %s %v", ErrBadProfile, p.ID, what, v)
	}
	switch {
	case p.ID == "":
		return fmt.Errorf("%w: profile without id", ErrBadProfile)
	case !(p.SpeedKmh >= MinSpeedKmh && p.SpeedKmh <= 30):
		return bad(fmt.Sprintf("speed_kmh must be in [%g, 30], got", float64(MinSpeedKmh)), p.SpeedKmh)
	case p.StepsFactor < 0 || math.IsNaN(p.StepsFactor) || p.StepsFactor > 100:
		return bad("steps_factor must be 0 (impassable) or positive, got", p.StepsFactor)
	case !(p.UnpavedFactor >= 1 && p.UnpavedFactor <= 100):
		return bad("unpaved_factor must be in [1, 100], got", p.UnpavedFactor)
	case p.InclineFreePct < 0 || p.InclinePenaltyPerPct < 0 || p.MaxInclinePct < 0:
		return bad("incline figures must not be negative, got", math.Min(p.InclineFreePct, math.Min(p.InclinePenaltyPerPct, p.MaxInclinePct)))
	}
	switch p.Weight {
	case "", WeightAll, WeightAged60:
	default:
		return fmt.Errorf("%w: profile %q: weight %q is not \"all\" or \"aged60\"", ErrBadProfile, p.ID, p.Weight)
	}
	return nil
}

// SpeedMps returns the level walking speed in metres per second.
func (p *Profile) SpeedMps() float64 { return p.SpeedKmh / 3.6 }

// costArc is an arc's head with one walker's time over it.
type costArc struct{ head, w uint32 }

// impassable is the cost of an edge a walker cannot take.
const impassable = math.MaxUint32

// Costs are one profile's walking times over a graph, in deciseconds, for
// each edge walked forwards (From to To) and backwards. Integer times keep
// sums exact, so an incremental update equals a full recomputation.
type Costs struct {
	Profile *Profile
	fwd     []uint32
	bwd     []uint32
	// arcOut[i] and arcIn[i] are g.out[i] and g.in[i] with the walker's
	// time beside the head: a search reads one array, in order.
	arcOut, arcIn []costArc
	dsPerM        float64 // deciseconds per metre at level speed
}

// NewCosts computes the walking time of every edge for profile p.
func NewCosts(g *Graph, p *Profile) *Costs {
	return extendCosts(nil, g, p)
}

// extendCosts is NewCosts for a graph whose first edges are those base
// was computed for, unchanged (a patched graph, see Graph.patch): their
// times are copied, only the new edges' computed.
func extendCosts(base *Costs, g *Graph, p *Profile) *Costs {
	c := &Costs{Profile: p, fwd: make([]uint32, g.NumEdges()), bwd: make([]uint32, g.NumEdges()), dsPerM: 10 / p.SpeedMps()}
	first := 0
	if base != nil {
		first = copy(c.fwd, base.fwd)
		copy(c.bwd, base.bwd)
	}
	for e := first; e < len(c.fwd); e++ {
		a := g.attr[e]
		c.fwd[e] = c.edgeCost(float64(g.lengthM[e]), a, 1)
		c.bwd[e] = c.edgeCost(float64(g.lengthM[e]), a, -1)
		if a.Flags&FlagOnewayFwd != 0 {
			c.bwd[e] = impassable
		}
		if a.Flags&FlagOnewayBwd != 0 {
			c.fwd[e] = impassable
		}
	}
	c.buildArcs(g)
	return c
}

// buildArcs fills the per-arc costs from fwd and bwd.
func (c *Costs) buildArcs(g *Graph) {
	c.arcOut = make([]costArc, len(g.out))
	for i, a := range g.out {
		c.arcOut[i] = costArc{head: a.Head, w: c.Edge(a.EdgeID(), a.Reverse())}
	}
	// Without one-way rules the In arcs are the Out arcs, and when every
	// edge costs the same both ways (slopes are penalised alike up and
	// down) so are their times: share them.
	if len(g.in) > 0 && len(g.out) > 0 && &g.in[0] == &g.out[0] && slices.Equal(c.fwd, c.bwd) {
		c.arcIn = c.arcOut
		return
	}
	// An In arc is turned round: the walker goes along it the other way.
	c.arcIn = make([]costArc, len(g.in))
	for i, a := range g.in {
		c.arcIn[i] = costArc{head: a.Head, w: c.Edge(a.EdgeID(), !a.Reverse())}
	}
}

// NewDistanceCosts returns the costs of network distance for walker p, in
// decimetres where NewCosts gives deciseconds: every edge costs its length,
// whatever its slope, surface or steps, but the edges the walker may not
// use (steps for a wheelchair, a one-way footpath against it) stay
// impassable. Searches with them measure the walking distances of GB
// 50180-2018's life circles.
func NewDistanceCosts(g *Graph, p *Profile) *Costs {
	t := NewCosts(g, p)
	c := &Costs{Profile: p, fwd: make([]uint32, g.NumEdges()), bwd: make([]uint32, g.NumEdges()), dsPerM: 10}
	for e := range c.fwd {
		dm := uint32(math.Round(float64(g.lengthM[e]) * 10))
		c.fwd[e], c.bwd[e] = dm, dm
		if t.fwd[e] == impassable {
			c.fwd[e] = impassable
		}
		if t.bwd[e] == impassable {
			c.bwd[e] = impassable
		}
	}
	c.buildArcs(g)
	return c
}

// Usable reports whether the walker may walk edge e in at least one
// direction: a wheelchair user may not use steps, nobody a way that is one
// way against them both ways.
func (c *Costs) Usable(e int) bool { return c.fwd[e] != impassable || c.bwd[e] != impassable }

// edgeCost is the time in deciseconds to walk lengthM metres of an edge
// with attributes a, in direction dir (+1 forwards, -1 backwards).
func (c *Costs) edgeCost(lengthM float64, a EdgeAttr, dir int) uint32 {
	p := c.Profile
	f := 1.0
	if a.Flags&FlagSteps != 0 {
		if p.StepsFactor == 0 {
			return impassable
		}
		f *= p.StepsFactor
	}
	if a.Flags&FlagUnpaved != 0 {
		f *= p.UnpavedFactor
	}
	if a.Flags&FlagIncline != 0 {
		slope := math.Abs(float64(a.InclinePct))
		if p.MaxInclinePct > 0 && slope > p.MaxInclinePct {
			return impassable
		}
		if slope > p.InclineFreePct {
			f *= 1 + p.InclinePenaltyPerPct*(slope-p.InclineFreePct)
		}
	}
	_ = dir // slopes are penalised alike up and down; kept for direction-aware profiles
	ds := math.Round(lengthM * c.dsPerM * f)
	if ds >= impassable-1 {
		return impassable - 1
	}
	return uint32(ds)
}

// Edge returns the time to walk edge e forwards or backwards.
func (c *Costs) Edge(e int, backwards bool) uint32 {
	if backwards {
		return c.bwd[e]
	}
	return c.fwd[e]
}

// Partial returns the time to walk the part of edge e between offsets
// fromM and toM metres from its From vertex, in the direction from fromM to
// toM. Partial times are the edge's time scaled by the fraction walked, so
// the two parts of an edge add up to (within rounding of) the whole.
func (c *Costs) Partial(g *Graph, e int, fromM, toM float64) uint32 {
	l := float64(g.lengthM[e])
	if l <= 0 || math.Abs(toM-fromM) < 0.01 {
		return 0 // no step taken (to the centimetre): even on an edge the walker cannot use
	}
	full := c.fwd[e]
	if toM < fromM {
		full = c.bwd[e]
	}
	if full == impassable {
		return impassable
	}
	return uint32(math.Round(float64(full) * math.Abs(toM-fromM) / l))
}

// Leg returns the time to walk distM metres straight, off the network.
func (c *Costs) Leg(distM float64) uint32 { return uint32(math.Round(distM * c.dsPerM)) }
