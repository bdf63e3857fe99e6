package geo

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
)

// Walking distances of the GB 50180-2018 life circles (Table 3.0.4), in
// metres. The 15-minute circle is given as 800–1,000 m; the default uses
// the upper bound, LifeCircle15DistM; a tier may set LifeCircle15MinDistM
// instead.
const (
	LifeCircle5DistM     = 300
	LifeCircle10DistM    = 500
	LifeCircle15DistM    = 1000
	LifeCircle15MinDistM = 800
)

// DefaultMissingBelow is the default LifeCircleConfig.MissingBelow.
const DefaultMissingBelow = 0.5

// maxLifeCircleTiers is the number of tiers LifeCircleResult.CellMeets can
// hold: one bit per tier in a uint8.
const maxLifeCircleTiers = 8

// LifeCircleTier is one life circle of GB 50180-2018: the facility types
// residents must reach within a walk of Minutes, or of DistanceM metres.
type LifeCircleTier struct {
	// Minutes is the walk time of the circle: 5, 10 or 15 for the
	// standard's circles.
	Minutes int `json:"minutes"`
	// DistanceM is the standard's walking distance of the circle: 300 m
	// for 5 minutes, 500 m for 10 and 800–1,000 m for 15 (default 1,000).
	// It is the threshold unless LifeCircleConfig.ByMinutes is set.
	DistanceM float64 `json:"distance_m"`
	// Categories are the ids of the facility types the circle must hold.
	Categories []string `json:"categories"`
}

// LifeCircleConfig sets how LifeCircles judges compliance. The zero value
// is the default.
type LifeCircleConfig struct {
	// Tiers are the circles to check, at most 8; nil means
	// DefaultLifeCircleTiers of the city's taxonomy.
	Tiers []LifeCircleTier `json:"tiers"`
	// ByMinutes makes a facility count when it is reached within the
	// tier's Minutes of walking (at the profile's speed, with its
	// penalties for steps and slopes). When false (the default) it counts
	// when it lies within the tier's DistanceM along the walk network, the
	// walking distances of GB 50180-2018 Table 3.0.4: metres walked,
	// whatever the walker's speed, over the edges the walker may use (no
	// steps for a wheelchair), straight legs to and from the network
	// included.
	ByMinutes bool `json:"by_minutes"`
	// MissingBelow makes a facility type "missing" for a community when
	// fewer than this share of its residents reach it within the tier's
	// threshold. It must be in [0, 1]; 0 means DefaultMissingBelow (0.5).
	// To list only the types nobody reaches, use a tiny share such as
	// 1e-9.
	MissingBelow float64 `json:"missing_below"`
}

// TierCompliance is how well one life circle is met, for one profile, in
// one community or the whole city.
type TierCompliance struct {
	// Tier is the circle's Minutes.
	Tier int `json:"tier"`
	// ThresholdMin is the walk time a facility must be within, for this
	// profile, when compliance is by minutes; by distance, the time the
	// distance takes at the profile's level speed (for reading only: the
	// distance decides).
	ThresholdMin float64 `json:"threshold_min"`
	// DistanceM is the network walking distance in metres a facility must
	// be within (GB 50180-2018 Table 3.0.4: 300, 500, 1,000 m); null when
	// compliance is by minutes (LifeCircleConfig.ByMinutes).
	DistanceM *float64 `json:"distance_m"`
	// Residents is the weight of the residents counted: the population,
	// or the population aged 60 and over for an "aged60" profile (see
	// Access.LifeCircles). Shares are 0 when it is 0.
	Residents float64 `json:"residents"`
	// Compliance is the share of residents whose cell reaches every
	// category of the tier within the threshold.
	Compliance float64 `json:"compliance"`
	// Missing lists the categories served to a share below
	// MissingBelow, and those with no facility at all, least served
	// first.
	Missing []MissingType `json:"missing"`
	// Served is, per category of the tier, the share of residents who
	// reach it within the threshold.
	Served map[string]float64 `json:"served"`
}

// MissingType is a facility type that too few residents reach.
type MissingType struct {
	Category    string  `json:"category"`
	ServedShare float64 `json:"served_share"`
}

// LifeCircleResult is the life-circle compliance of every community and of
// the city, for every profile of an Access.
type LifeCircleResult struct {
	// Config is the configuration used, with its defaults filled in.
	Config LifeCircleConfig `json:"config"`
	// Communities is indexed [profile][community][tier], tiers in the
	// order of Config.Tiers and communities in the order of
	// City.Communities.
	Communities [][][]TierCompliance `json:"communities"`
	// City is indexed [profile][tier]: every resident, including those on
	// cells of no community.
	City [][]TierCompliance `json:"city"`
	// CellMeets is indexed [profile][cell], cells in the order of
	// City.Population.Cells: bit t is set when the cell reaches every
	// category of Config.Tiers[t] within its threshold.
	CellMeets [][]uint8 `json:"-"`
}

// DefaultLifeCircleTiers returns the three GB 50180-2018 life circles, 5
// min / 300 m, 10 min / 500 m and 15 min / 1,000 m, each holding the
// taxonomy's categories of that Tier that the standard lists for it
// (Category.LifeCircle; every category of the tier when none is marked).
// With the default taxonomy that is:
//
//	 5 min, 300 m:   kindergarten, elderly_day_care, community_service,
//	                 convenience, playground
//	10 min, 500 m:   primary_school, market, park
//	15 min, 1000 m:  middle_school, clinic, elderly_care, culture, sports
//
// Hospitals, pharmacies and greenways are reported per category but are
// not part of any circle. EssentialLifeCircleTiers keeps only the essential
// categories.
func DefaultLifeCircleTiers(tax *Taxonomy) []LifeCircleTier {
	return lifeCircleTiers(tax, false)
}

// EssentialLifeCircleTiers is DefaultLifeCircleTiers keeping only the
// essential categories: those that make a "complete" cell.
func EssentialLifeCircleTiers(tax *Taxonomy) []LifeCircleTier {
	return lifeCircleTiers(tax, true)
}

func lifeCircleTiers(tax *Taxonomy, essentialOnly bool) []LifeCircleTier {
	std := []LifeCircleTier{
		{Minutes: 5, DistanceM: LifeCircle5DistM},
		{Minutes: 10, DistanceM: LifeCircle10DistM},
		{Minutes: 15, DistanceM: LifeCircle15DistM},
	}
	marked := false
	if tax != nil {
		for _, c := range tax.Categories {
			marked = marked || c.LifeCircle
		}
	}
	var out []LifeCircleTier
	for _, t := range std {
		if tax != nil {
			for _, c := range tax.Categories {
				if c.Tier == t.Minutes && (c.Essential || !essentialOnly) && (c.LifeCircle || !marked) {
					t.Categories = append(t.Categories, c.ID)
				}
			}
		}
		if len(t.Categories) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// fill applies the defaults and validates c against the taxonomy; it
// returns the category indexes of each tier.
func (c *LifeCircleConfig) fill(tax *Taxonomy) ([][]int, error) {
	if c.Tiers == nil {
		c.Tiers = DefaultLifeCircleTiers(tax)
	} else {
		// Our own copy: the caller's slices stay theirs.
		tiers := make([]LifeCircleTier, len(c.Tiers))
		for i, t := range c.Tiers {
			t.Categories = slices.Clone(t.Categories)
			tiers[i] = t
		}
		c.Tiers = tiers
	}
	if c.MissingBelow == 0 {
		c.MissingBelow = DefaultMissingBelow
	}
	if !(c.MissingBelow >= 0 && c.MissingBelow <= 1) {
		return nil, fmt.Errorf("%w: life circles: missing_below %v outside [0, 1]", ErrBadOption, c.MissingBelow)
	}
	switch {
	case len(c.Tiers) == 0:
		return nil, fmt.Errorf("%w: life circles: no tiers", ErrBadOption)
	case len(c.Tiers) > maxLifeCircleTiers:
		return nil, fmt.Errorf("%w: life circles: %d tiers, at most %d", ErrBadOption, len(c.Tiers), maxLifeCircleTiers)
	}
	idx := make(map[string]int)
	if tax != nil {
		for i := range tax.Categories {
			idx[tax.Categories[i].ID] = i
		}
	}
	cats := make([][]int, len(c.Tiers))
	for ti, t := range c.Tiers {
		switch {
		case t.Minutes <= 0:
			return nil, fmt.Errorf("%w: life circle %d: minutes %d must be positive", ErrBadOption, ti, t.Minutes)
		case !(t.DistanceM > 0) || math.IsInf(t.DistanceM, 0):
			return nil, fmt.Errorf("%w: life circle %d min: distance_m %v must be positive", ErrBadOption, t.Minutes, t.DistanceM)
		case len(t.Categories) == 0:
			return nil, fmt.Errorf("%w: life circle %d min: no categories", ErrBadOption, t.Minutes)
		}
		for _, id := range t.Categories {
			ci, ok := idx[id]
			if !ok {
				return nil, fmt.Errorf("life circle %d min: %w %q", t.Minutes, ErrUnknownCategory, id)
			}
			if slices.Contains(cats[ti], ci) {
				return nil, fmt.Errorf("%w: life circle %d min: category %q given twice", ErrBadOption, t.Minutes, id)
			}
			cats[ti] = append(cats[ti], ci)
		}
	}
	return cats, nil
}

// thresholdMin is the walk time of tier t for profile p: its minutes, or
// the time its distance takes at the profile's level speed.
func (c *LifeCircleConfig) thresholdMin(t int, p *Profile) float64 {
	if !c.ByMinutes {
		return c.Tiers[t].DistanceM / p.SpeedMps() / 60
	}
	return float64(c.Tiers[t].Minutes)
}

// maxLifeCircleDistM bounds a tier's distance: the distance searches are
// bounded by it.
const maxLifeCircleDistM = 10_000

// whatIfCache keeps what life circles and what-if answers reuse across
// calls and across a facility scenario and its baseline (derived.wi,
// under derived.mu).
type whatIfCache struct {
	// costs are the distance costs of each profile on the city's graph,
	// shared by an Access and its facility scenarios (the same graph).
	costs *distanceCosts
	// parent is the baseline's derived parts, for a facility scenario;
	// changed lists, per category the scenario changed, the facilities
	// it closed and opened: its distances are the baseline's, searched
	// again only for the cells a closed facility was nearest to, and
	// lowered where the new facilities are nearer.
	parent  *derived
	changed map[int]facilityChange
	// base is the baseline Access of a facility scenario: its cells'
	// time order, patched where the walks changed, is the scenario's
	// (cellsByTime).
	base *Access
	// def is the LifeCircles result under the default configuration.
	def *LifeCircleResult
	// comps are each cell's parts of the composite figures, per profile
	// (cellComposite); cover the coverage of a group (0: the city, 1+i:
	// community i) by profile, category and group, as DiffAccess read it
	// from a baseline.
	comps [][]cellComp
	cover map[[3]int]CategoryCoverage
}

// distanceCosts are NewDistanceCosts of each profile, built once.
type distanceCosts struct {
	mu sync.Mutex
	by map[int]*Costs
}

// forScenario is the cache of a facility scenario on d's city: the same
// distance costs, the baseline to start from, no result yet. d.mu is held.
func (c *whatIfCache) forScenario(d *derived) whatIfCache {
	if c.costs == nil {
		c.costs = &distanceCosts{}
	}
	return whatIfCache{costs: c.costs, parent: d}
}

// distanceCosts returns the distance costs of profile p, built on first
// use and kept.
func (a *Access) distanceCosts(p int) *Costs {
	a.derived.mu.Lock()
	if a.derived.wi.costs == nil {
		a.derived.wi.costs = &distanceCosts{}
	}
	dcs := a.derived.wi.costs
	a.derived.mu.Unlock()
	dcs.mu.Lock()
	defer dcs.mu.Unlock()
	if dcs.by == nil {
		dcs.by = map[int]*Costs{}
	}
	if dcs.by[p] == nil {
		dcs.by[p] = NewDistanceCosts(a.City.Graph, &a.Profiles[p])
	}
	return dcs.by[p]
}

// scenarioOf records that a is a facility scenario of base.
func (a *Access) scenarioOf(base *Access) {
	a.derived.mu.Lock()
	defer a.derived.mu.Unlock()
	a.derived.wi.base = base
}

// facilityChange is what a scenario did to a category's facilities.
type facilityChange struct{ closed, added []int }

// changedInScenario records that the scenario a closed and opened these
// facilities of category c.
func (a *Access) changedInScenario(c int, closed, added []int) {
	a.derived.mu.Lock()
	defer a.derived.mu.Unlock()
	if a.derived.wi.changed == nil {
		a.derived.wi.changed = map[int]facilityChange{}
	}
	a.derived.wi.changed[c] = facilityChange{closed: closed, added: added}
}

// lifeCirclesDefault is LifeCircles under the default configuration, kept
// (for reading only: the result is shared with the scenarios that reuse
// its tiers).
func (a *Access) lifeCirclesDefault() (*LifeCircleResult, error) {
	a.derived.mu.Lock()
	def, base := a.derived.wi.def, a.derived.wi.base
	a.derived.mu.Unlock()
	if def != nil {
		return def, nil
	}
	var prev *LifeCircleResult
	if base != nil {
		base.derived.mu.Lock()
		prev = base.derived.wi.def
		base.derived.mu.Unlock()
	}
	if prev == nil {
		base = nil
	}
	def, err := a.lifeCircles(LifeCircleConfig{}, base, prev)
	if err != nil {
		return nil, err
	}
	a.derived.mu.Lock()
	a.derived.wi.def = def
	a.derived.mu.Unlock()
	return def, nil
}

// lifeCircleDistDm returns, for profile p and category c, every cell's
// network distance in decimetres to the nearest facility (Unreached beyond
// boundDm), from one search with NewDistanceCosts; kept across calls. A
// facility scenario starts from the baseline's distances: the cells whose
// nearest facility (or one of the nearest) it closed are searched again
// from the facilities within their reach, and the distances are lowered
// where the facilities it opened are nearer (the nearest of all is the
// nearer of the nearest old one and the nearest new one).
func (a *Access) lifeCircleDistDm(s *Searcher, dc *Costs, p, c int, boundDm uint32) []uint32 {
	if d := a.derived.distance(p, c, boundDm); d != nil {
		return d
	}
	cells := a.City.CellSnap
	a.derived.mu.Lock()
	parent := a.derived.wi.parent
	ch, ok := a.derived.wi.changed[c]
	a.derived.mu.Unlock()
	if parent != nil && ok {
		if base := parent.distance(p, c, boundDm); base != nil {
			out := slices.Clone(base)
			if len(ch.closed) > 0 {
				a.distanceAfterClose(s, dc, p, c, ch.closed, boundDm, out)
			}
			a.eachDistanceCell(s, dc, p, ch.added, boundDm, func(cell int32, d uint32) {
				out[cell] = min(out[cell], d)
			})
			a.derived.setDistance(p, c, boundDm, out)
			return out
		}
	}
	out := make([]uint32, len(cells))
	src := a.distanceSources(dc, p, a.ByCategory[c], nil)
	if len(src) == 0 {
		for i := range out {
			out[i] = Unreached
		}
	} else {
		r := s.Reach(dc, src, boundDm, true)
		for i := range cells {
			sn := a.CellSnap(p, i)
			out[i], _ = r.At(sn, dc.Leg(sn.DistM))
		}
	}
	a.derived.setDistance(p, c, boundDm, out)
	return out
}

// distanceAfterClose updates out, the baseline's distances of category c
// (profile p), once the facilities closed are gone. Only the cells one of
// them was nearest to (at the distance the baseline gives) change: a
// forward search from those cells, bounded by boundDm, finds the
// facilities left within their reach, and one search from those alone
// gives the cells their new distances.
func (a *Access) distanceAfterClose(s *Searcher, dc *Costs, p, c int, closed []int, boundDm uint32, out []uint32) {
	affected := make([]bool, len(out))
	var seeds []Source
	onEdge := map[int]bool{}
	a.eachDistanceCell(s, dc, p, closed, boundDm, func(cell int32, d uint32) {
		if d == out[cell] && !affected[cell] {
			affected[cell] = true
			out[cell] = Unreached
			if cs := a.CellSnap(p, int(cell)); cs.Edge >= 0 {
				seeds = append(seeds, Source{Snap: cs, StartDs: dc.Leg(cs.DistM)})
				onEdge[cs.Edge] = true
			}
		}
	})
	if len(seeds) == 0 {
		return
	}
	g := a.City.Graph
	s.sparse(dc, seeds, boundDm, false)
	var cands []int
	for _, fi := range a.ByCategory[c] {
		for _, ap := range a.FacilityAccessFor(p, fi) {
			if ap.Edge < 0 {
				continue
			}
			f, t := g.EdgeEnds(ap.Edge)
			if s.dist[f] != Unreached || s.dist[t] != Unreached || onEdge[ap.Edge] {
				cands = append(cands, fi)
				break
			}
		}
	}
	a.eachDistanceCell(s, dc, p, cands, boundDm, func(cell int32, d uint32) {
		if affected[cell] {
			out[cell] = d
		}
	})
}

// distanceSources appends to dst the access points of the facilities fs
// for profile p, starting at their legs' distance under dc.
func (a *Access) distanceSources(dc *Costs, p int, fs []int, dst []Source) []Source {
	for _, fi := range fs {
		for _, sn := range a.FacilityAccessFor(p, fi) {
			dst = append(dst, Source{Snap: sn, StartDs: dc.Leg(sn.DistM), ID: int32(fi)})
		}
	}
	return dst
}

// eachDistanceCell calls fn with every cell within boundDm of the nearest
// of the facilities fs (profile p, distance costs dc) and that distance,
// from one search that touches only what it reaches.
func (a *Access) eachDistanceCell(s *Searcher, dc *Costs, p int, fs []int, boundDm uint32, fn func(cell int32, d uint32)) {
	src := a.distanceSources(dc, p, fs, nil)
	if len(src) == 0 {
		return
	}
	g := a.City.Graph
	s.sparse(dc, src, boundDm, true)
	a.eachReachedCell(s, src, func(cell int32) {
		cs := a.CellSnap(p, int(cell))
		if d, _ := pointTime(g, dc, true, cs, dc.Leg(cs.DistM), s.timeOf, src); d <= boundDm {
			fn(cell, d)
		}
	})
}

// LifeCircles measures how well every community, and the city, meets the
// GB 50180-2018 life circles of cfg, for every profile of a.
//
// A resident is served by a category when their cell's walking time to the
// nearest facility of it (TimeDs) is within the tier's threshold; the
// tier's threshold replaces the category's own ThresholdMin. Unreached
// cells, and cells too far from the network, are never served. A cell
// meets a tier when it is served by every category of the tier.
//
// Residents are weighted by cell population. For a profile whose Weight is
// "aged60", a cell of a community with a known Aged60Share (≥ 0) weighs
// Pop × Aged60Share, the residents aged 60 and over; a cell of a community
// with no known share, or of no community, weighs Pop. The community
// figures are therefore the 60+ figures wherever the share is known (and
// equal to the all-resident ones otherwise, since the share is the same
// on every cell of a community), while the city-wide figure mixes 60+
// residents with all residents of communities lacking the share.
//
// A category with no facility at all is always missing, with share 0,
// even for a community with no residents; otherwise a community with no
// residents has nothing missing.
//
// It returns an error wrapping ErrUnknownCategory naming a tier category
// that the taxonomy lacks, and ErrBadOption for a bad configuration: no
// tier, more than 8, a tier with no category or a category twice, minutes
// or distance not positive, MissingBelow outside [0, 1], or a threshold
// beyond the access cutoff (times past it are not known).
func (a *Access) LifeCircles(cfg LifeCircleConfig) (*LifeCircleResult, error) {
	return a.lifeCircles(cfg, nil, nil)
}

// lifeCircles is LifeCircles that, given the result prev of the baseline
// base of a facility scenario under the same configuration, takes prev's
// figures of every walker and tier whose categories' tables (distances,
// or times by minutes) the scenario shares with base: only the tiers of
// the categories it changed are counted again.
func (a *Access) lifeCircles(cfg LifeCircleConfig, base *Access, prev *LifeCircleResult) (*LifeCircleResult, error) {
	if !a.HasResidents() {
		return nil, errNoResidents()
	}
	city := a.City
	tierCats, err := cfg.fill(city.Taxonomy)
	if err != nil {
		return nil, err
	}
	np, nt := len(a.Profiles), len(cfg.Tiers)
	thrMin := make([][]float64, np)
	var boundDm uint32
	for _, t := range cfg.Tiers {
		if t.DistanceM > maxLifeCircleDistM && !cfg.ByMinutes {
			return nil, fmt.Errorf("%w: life circle %d min: distance_m %v beyond %d", ErrBadOption, t.Minutes, t.DistanceM, maxLifeCircleDistM)
		}
		boundDm = max(boundDm, uint32(math.Round(t.DistanceM*10)))
	}
	for p := range a.Profiles {
		thrMin[p] = make([]float64, nt)
		for t := range cfg.Tiers {
			m := cfg.thresholdMin(t, &a.Profiles[p])
			if cfg.ByMinutes && MinToDs(m) > a.cutoffDs {
				return nil, fmt.Errorf("%w: life circle %d min: threshold %.3g min for profile %q is beyond the access cutoff of %g min",
					ErrBadOption, cfg.Tiers[t].Minutes, m, a.Profiles[p].ID, a.Options.CutoffMin)
			}
			thrMin[p][t] = m
		}
	}

	cells := city.Population.Cells
	ncomm := len(city.Communities)
	res := &LifeCircleResult{
		Config:      cfg,
		Communities: make([][][]TierCompliance, np),
		City:        make([][]TierCompliance, np),
		CellMeets:   make([][]uint8, np),
	}
	// Per tier: weights of the residents served by each category and
	// meeting the tier, per community (the last row is the city).
	type acc struct {
		served []float64 // per category of the tier
		meets  float64
	}
	accs := make([][]acc, nt)
	for t := range accs {
		accs[t] = make([]acc, ncomm+1)
		for k := range accs[t] {
			accs[t][k].served = make([]float64, len(tierCats[t]))
		}
	}
	residents := make([]float64, ncomm+1)
	weights := make([]float64, len(cells))
	thrDs := make([]uint32, nt)
	var s *Searcher
	for p := range a.Profiles {
		prof := &a.Profiles[p]
		clear(residents)
		for i, c := range cells {
			w := c.Pop
			if prof.Weight == WeightAged60 && c.Community >= 0 && int(c.Community) < ncomm {
				if s := city.Communities[c.Community].Aged60Share; s >= 0 {
					w *= s
				}
			}
			weights[i] = w
		}
		// times[c] is what decides for category c: the walk time, or the
		// network distance in decimetres; thrDs[t] the tier's bound in the
		// same unit.
		times := make([][]uint32, len(city.Taxonomy.Categories))
		var dc *Costs
		for _, cs := range tierCats {
			for _, ci := range cs {
				switch {
				case times[ci] != nil:
				case cfg.ByMinutes:
					times[ci] = a.TimeDs[p][ci]
				default:
					if times[ci] = a.derived.distance(p, ci, boundDm); times[ci] != nil {
						continue
					}
					if dc == nil {
						dc = a.distanceCosts(p)
						if s == nil {
							s = NewSearcher(city.Graph) // one for every walker: it resets what it touched
						}
					}
					times[ci] = a.lifeCircleDistDm(s, dc, p, ci, boundDm)
				}
			}
		}
		// The tiers whose tables are the baseline's: prev's figures stand.
		reuse := make([]bool, nt)
		for t, cs := range tierCats {
			reuse[t] = prev != nil
			for _, ci := range cs {
				var was []uint32
				switch {
				case prev == nil:
				case cfg.ByMinutes:
					was = base.TimeDs[p][ci]
				default:
					was = base.derived.distance(p, ci, boundDm)
				}
				if !sameStorage(was, times[ci]) {
					reuse[t] = false
				}
			}
		}
		for t := range cfg.Tiers {
			thrDs[t] = MinToDs(thrMin[p][t])
			if !cfg.ByMinutes {
				thrDs[t] = uint32(math.Round(cfg.Tiers[t].DistanceM * 10))
			}
			for k := range accs[t] {
				clear(accs[t][k].served)
				accs[t][k].meets = 0
			}
		}
		meets := make([]uint8, len(cells))
		for i, c := range cells {
			w := weights[i]
			k := int(c.Community)
			if k < 0 || k >= ncomm {
				k = -1
			}
			residents[ncomm] += w
			if k >= 0 {
				residents[k] += w
			}
			for t, cs := range tierCats {
				if reuse[t] {
					meets[i] |= prev.CellMeets[p][i] & (1 << t)
					continue
				}
				all := true
				for j, ci := range cs {
					if tm := times[ci][i]; tm == Unreached || tm > thrDs[t] {
						all = false
						continue
					}
					accs[t][ncomm].served[j] += w
					if k >= 0 {
						accs[t][k].served[j] += w
					}
				}
				if all {
					meets[i] |= 1 << t
					accs[t][ncomm].meets += w
					if k >= 0 {
						accs[t][k].meets += w
					}
				}
			}
		}
		res.CellMeets[p] = meets

		summary := func(k int) []TierCompliance {
			out := make([]TierCompliance, nt)
			for t, cs := range tierCats {
				if reuse[t] {
					if k == ncomm {
						out[t] = prev.City[p][t]
					} else {
						out[t] = prev.Communities[p][k][t]
					}
					continue
				}
				tc := TierCompliance{
					Tier:         cfg.Tiers[t].Minutes,
					ThresholdMin: thrMin[p][t],
					Residents:    residents[k],
					Served:       make(map[string]float64, len(cs)),
				}
				if !cfg.ByMinutes {
					tc.DistanceM = ptr(cfg.Tiers[t].DistanceM)
				}
				share := func(x float64) float64 {
					if residents[k] <= 0 {
						return 0
					}
					return min(x/residents[k], 1)
				}
				tc.Compliance = share(accs[t][k].meets)
				for j, ci := range cs {
					id := city.Taxonomy.Categories[ci].ID
					s := share(accs[t][k].served[j])
					tc.Served[id] = s
					// With no facility, no cell is reached: s is 0.
					if a.Facilities(ci) == 0 || (residents[k] > 0 && s < cfg.MissingBelow) {
						tc.Missing = append(tc.Missing, MissingType{Category: id, ServedShare: s})
					}
				}
				// Least served first; ties keep the tier's order.
				slices.SortStableFunc(tc.Missing, func(x, y MissingType) int {
					return cmp.Compare(x.ServedShare, y.ServedShare)
				})
				out[t] = tc
			}
			return out
		}
		res.Communities[p] = make([][]TierCompliance, ncomm)
		for k := range ncomm {
			res.Communities[p][k] = summary(k)
		}
		res.City[p] = summary(ncomm)
	}
	return res, nil
}

// sameStorage reports whether two tables are one (a scenario shares the
// tables it did not change with its baseline).
func sameStorage(a, b []uint32) bool {
	return len(a) == len(b) && len(a) > 0 && &a[0] == &b[0]
}
