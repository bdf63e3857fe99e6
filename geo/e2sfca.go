package geo

import (
	"fmt"
	"math"
)

// National default shares of the former demand groups (see
// NationalAgeShares): China's seventh national census (2020) counted
// 17.95 % of residents aged 0–14 and 18.70 % aged 60 and over.
const (
	NationalChildShare  = 0.1795
	NationalAged60Share = 0.1870
)

// E2SFCABand is one zone of a catchment: the walking times up to
// UpToFraction of the category's threshold (and above the previous band's)
// count with Weight.
type E2SFCABand struct {
	UpToFraction float64 `json:"up_to_fraction"`
	Weight       float64 `json:"weight"`
}

// E2SFCAOptions tune a capacity-aware access computation.
type E2SFCAOptions struct {
	// Bands split the catchment (the category threshold) into zones with
	// decay weights. Weights must be in (0, 1] and non-increasing;
	// UpToFraction must increase and the last must be 1; at most 32
	// bands. The default is DefaultE2SFCABands.
	Bands []E2SFCABand
}

// DefaultE2SFCABands returns the zones of Luo and Qi (2009): thirds of the
// threshold weighted 1, 0.68 and 0.22, from a Gaussian decay.
func DefaultE2SFCABands() []E2SFCABand {
	return []E2SFCABand{{1.0 / 3, 1}, {2.0 / 3, 0.68}, {1, 0.22}}
}

// maxE2SFCABands bounds the number of bands (a band index is a byte).
const maxE2SFCABands = 32

func (o *E2SFCAOptions) fill() error {
	if len(o.Bands) == 0 {
		o.Bands = DefaultE2SFCABands()
		return nil
	}
	if len(o.Bands) > maxE2SFCABands {
		return fmt.Errorf("%w: %d e2sfca bands, at most %d", ErrBadOption, len(o.Bands), maxE2SFCABands)
	}
	prevUp, prevW := 0.0, 1.0
	for i, b := range o.Bands {
		if !(b.UpToFraction > prevUp && b.UpToFraction <= 1) {
			return fmt.Errorf("%w: e2sfca band %d: up_to_fraction %v must be in (%v, 1]", ErrBadOption, i, b.UpToFraction, prevUp)
		}
		if !(b.Weight > 0 && b.Weight <= prevW) {
			return fmt.Errorf("%w: e2sfca band %d: weight %v must be in (0, %v]", ErrBadOption, i, b.Weight, prevW)
		}
		prevUp, prevW = b.UpToFraction, b.Weight
	}
	if prevUp != 1 {
		return fmt.Errorf("%w: e2sfca bands end at %v of the threshold, not 1", ErrBadOption, prevUp)
	}
	return nil
}

// CapacityAccess is the capacity-aware access of every populated cell to
// one category for one profile.
type CapacityAccess struct {
	Category string
	Profile  string
	// DemandGroup is the age band of the category's users (one of
	// AgeBands; Category.AgeBand).
	DemandGroup string
	// NormPer1000 is the category's norm in places per 1,000 people of
	// DemandGroup, and HasNorm whether it has one; without a norm Need and
	// Shortfall are 0.
	NormPer1000 float64
	HasNorm     bool
	// Ratio is, per populated cell (parallel to Population.Cells), the
	// places per person of demand within reach (A_i); 0 when none.
	Ratio []float64
	// FacilityRatio is, per facility of the category (parallel to
	// Access.ByCategory), its places per person of weighted demand within
	// its catchment (R_j); 0 when it has no capacity or no demand in reach.
	FacilityRatio []float64
	// Communities aggregate the cells of each community (index = index in
	// City.Communities).
	Communities []CommunityCapacity
	// Total aggregates every populated cell of the city, those outside
	// every community (or of a city with no communities) included.
	Total CommunityCapacity
	// UsedDefaultCapacity counts the facilities whose capacity came from
	// the category default.
	UsedDefaultCapacity int
	// NoCapacity counts the facilities left out for want of a positive
	// capacity: no capacity tag and no category default, or a capacity of
	// 0 given explicitly.
	NoCapacity int
	// DefaultShareCells counts the populated cells whose demand share came
	// from NationalAgeShares because neither their community (if any) nor
	// the taxonomy's AgeShares gives one; always 0 for AgeAll.
	DefaultShareCells int
}

// CommunityCapacity sums the capacity-aware access of one community's
// cells.
type CommunityCapacity struct {
	// Demand is the number of residents of the demand group (the age
	// band), Σ D_i.
	Demand float64
	// Need is the places the norm asks for, Σ D_i·n with n the norm per
	// person (NormPer1000 / 1000); 0 without a norm.
	Need float64
	// Places is the supply the community's residents reach, Σ A_i·D_i.
	Places float64
	// Shortfall is the places missing against the norm, counted cell by
	// cell so that a surplus in one place does not hide a lack in
	// another: Σ D_i·max(0, n−A_i), in places; 0 without a norm.
	Shortfall float64
	// AgeSource says where the age-band shares of the cells came from:
	// AgeSourceCommunity, AgeSourceCity, AgeSourceNational,
	// AgeSourceMixed, or "" for the band "all".
	AgeSource string
	// MeanRatio is the demand-weighted mean of A_i (Places / Demand), 0
	// without demand.
	MeanRatio float64
}

// E2SFCA computes capacity-aware access with the enhanced two-step floating
// catchment area method (Luo and Qi 2009) on walking times, for every
// profile and every category with capacity: one with a facility of
// positive Capacity or a positive DefaultCapacity. Results are in profile
// order, then category order.
//
// The catchment of a category is its ThresholdMin; a time t within it
// weighs W(t), the weight of the band holding t/threshold, and times beyond
// it weigh 0. The demand D_i of a cell is its population times the share
// of the category's age band (City.AgeShare: the community's own, else the
// taxonomy's city-level share, else the national default). The profile's
// own Weight plays no part: the category says who uses it. With a norm of
// n places per person (PlacesPer1000 / 1000) the cell needs D_i·n places
// and lacks D_i·max(0, n−A_i).
//
// Step 1 gives each facility j of supply S_j (its Capacity, else the
// category's DefaultCapacity) the ratio R_j = S_j / Σ_k D_k·W(t_kj) over
// the cells k within its catchment, 0 when they hold no demand. Step 2
// gives each cell A_i = Σ_j R_j·W(t_ij). Supply is conserved: Σ_i A_i·D_i
// equals the summed S_j of the facilities with demand within reach,
// whatever the bands. Facilities with no access point reach nothing.
//
// Each call runs one bounded search per facility with capacity and
// profile, with its own Searcher, so concurrent calls are safe.
func (a *Access) E2SFCA(opt E2SFCAOptions) ([]CapacityAccess, error) {
	cacheable := opt.Bands == nil // the default bands: results are kept
	if err := opt.fill(); err != nil {
		return nil, err
	}
	city := a.City
	if !a.HasResidents() {
		return nil, errNoResidents()
	}
	cats := city.Taxonomy.Categories
	weights := make([]float64, len(opt.Bands))
	for i, b := range opt.Bands {
		weights[i] = b.Weight
	}

	supplies := make([]*e2sfcaSupply, len(cats))
	for c := range cats {
		supplies[c] = a.e2sfcaSupply(c)
	}
	demands := map[string]*e2sfcaDemand{}

	s := NewSearcher(city.Graph)
	var out []CapacityAccess
	var sc e2sfcaScratch
	for p := range a.Profiles {
		for c := range cats {
			sup := supplies[c]
			if sup == nil {
				continue
			}
			if cacheable {
				if ca := a.derived.capacity(p, c); ca != nil {
					out = append(out, *ca)
					continue
				}
			}
			group := cats[c].AgeBand()
			dem := demands[group]
			if dem == nil {
				dem = e2sfcaDemands(city, group)
				demands[group] = dem
			}
			ca := a.e2sfcaOne(s, &sc, p, c, opt.Bands, weights, sup, dem)
			if cacheable {
				a.derived.setCapacity(p, c, ca)
			}
			out = append(out, *ca)
		}
	}
	return out, nil
}

// e2sfcaScratch holds buffers reused from one category to the next.
type e2sfcaScratch struct {
	buf   []Source
	pairs []e2sfcaPair
}

// e2sfcaOne is E2SFCA for profile p and category c with supply sup and
// demand dem.
func (a *Access) e2sfcaOne(s *Searcher, sc *e2sfcaScratch, p, c int, bands []E2SFCABand, weights []float64, sup *e2sfcaSupply, dem *e2sfcaDemand) *CapacityAccess {
	city := a.City
	cat := &city.Taxonomy.Categories[c]
	thrDs := MinToDs(cat.ThresholdMin)
	limits := bandLimits(bands, thrDs)

	// Step 1: weighted demand within each facility's catchment, keeping
	// every (facility, cell) pair for step 2.
	wd := make([]float64, len(sup.live))
	pairs := sc.pairs[:0]
	k := 0
	a.eachFacilityCell(s, p, sup.live, thrDs, &sc.buf, func(fi int, cell int32, t uint32) {
		for sup.live[k] != fi {
			k++
		}
		b := bandOf(limits, t)
		pairs = append(pairs, e2sfcaPair{fac: int32(k), cell: cell, band: uint8(b)})
		wd[k] += dem.d[cell] * weights[b]
	})
	sc.pairs = pairs
	ca := a.newCapacityAccess(p, c, sup, dem)
	r := make([]float64, len(sup.live))
	for j := range sup.live {
		if wd[j] > 0 {
			r[j] = sup.s[j] / wd[j]
			ca.FacilityRatio[sup.pos[j]] = r[j]
		}
	}
	// Step 2: every cell sums the ratios of the facilities that reach it.
	for _, pr := range pairs {
		ca.Ratio[pr.cell] += r[pr.fac] * weights[pr.band]
	}
	ca.aggregate(city, dem)
	return ca
}

// newCapacityAccess returns the CapacityAccess of profile p and category
// c with supply sup and demand dem, its tables zero.
func (a *Access) newCapacityAccess(p, c int, sup *e2sfcaSupply, dem *e2sfcaDemand) *CapacityAccess {
	cat := &a.City.Taxonomy.Categories[c]
	norm, hasNorm := cat.NormPer1000()
	return &CapacityAccess{
		Category: cat.ID, Profile: a.Profiles[p].ID, DemandGroup: cat.AgeBand(),
		NormPer1000: norm, HasNorm: hasNorm,
		Ratio:               make([]float64, len(dem.d)),
		FacilityRatio:       make([]float64, len(a.ByCategory[c])),
		Communities:         make([]CommunityCapacity, len(a.City.Communities)),
		UsedDefaultCapacity: sup.usedDefault,
		NoCapacity:          sup.none,
		DefaultShareCells:   dem.defaulted,
	}
}

// aggregate sums the cells' Ratio and demand dem into the communities and
// the total.
func (ca *CapacityAccess) aggregate(city *City, dem *e2sfcaDemand) {
	hasNorm := ca.HasNorm
	n := ca.NormPer1000 / 1000
	for i, pc := range city.Population.Cells {
		d, ai := dem.d[i], ca.Ratio[i]
		add := func(cc *CommunityCapacity) {
			cc.Demand += d
			cc.Places += ai * d
			if hasNorm {
				cc.Need += d * n
				cc.Shortfall += d * max(0, n-ai)
			}
			cc.AgeSource = mergeAgeSource(cc.AgeSource, dem.src[i])
		}
		add(&ca.Total)
		if ci := int(pc.Community); ci >= 0 && ci < len(ca.Communities) {
			add(&ca.Communities[ci])
		}
	}
	for ci := range ca.Communities {
		if cc := &ca.Communities[ci]; cc.Demand > 0 {
			cc.MeanRatio = cc.Places / cc.Demand
		}
	}
	if ca.Total.Demand > 0 {
		ca.Total.MeanRatio = ca.Total.Places / ca.Total.Demand
	}
}

// cellShortfall returns, per populated cell, the places category c lacks
// against its norm for profile p, D_i·max(0, n−A_i) under the default
// bands (without a norm, one place per user); with no supply at all the
// whole need. It also returns the demand D_i.
func (a *Access) cellShortfall(p, c int) (short, demand []float64) {
	city := a.City
	cat := &city.Taxonomy.Categories[c]
	dem := e2sfcaDemands(city, cat.AgeBand())
	n := 1.0
	if v, ok := cat.NormPer1000(); ok {
		n = v / 1000
	}
	short = make([]float64, len(dem.d))
	ratio := make([]float64, len(dem.d))
	if ca := a.derived.capacity(p, c); ca != nil {
		ratio = ca.Ratio
	} else if sup := a.e2sfcaSupply(c); sup != nil {
		bands := DefaultE2SFCABands()
		weights := make([]float64, len(bands))
		for i, b := range bands {
			weights[i] = b.Weight
		}
		var sc e2sfcaScratch
		ca := a.e2sfcaOne(NewSearcher(city.Graph), &sc, p, c, bands, weights, sup, dem)
		a.derived.setCapacity(p, c, ca)
		ratio = ca.Ratio
	}
	for i, d := range dem.d {
		short[i] = d * max(0, n-ratio[i])
	}
	return short, dem.d
}

// e2sfcaPair is one cell within one facility's catchment: fac indexes the
// live facilities, band the bands.
type e2sfcaPair struct {
	fac, cell int32
	band      uint8
}

// e2sfcaSupply is the supply of one category's facilities.
type e2sfcaSupply struct {
	live []int     // facility indexes with positive supply, increasing
	pos  []int     // their positions in Access.ByCategory[c]
	s    []float64 // their supply
	// usedDefault and none count the facilities given the category
	// default and those left out.
	usedDefault, none int
}

// e2sfcaSupply returns the supply of category c, or nil when the category
// has no capacity at all.
func (a *Access) e2sfcaSupply(c int) *e2sfcaSupply {
	cat := &a.City.Taxonomy.Categories[c]
	sup := &e2sfcaSupply{}
	for pos, fi := range a.ByCategory[c] {
		f := &a.City.Facilities[fi]
		var v float64
		switch {
		case f.Capacity > 0 && !math.IsInf(f.Capacity, 0):
			v = f.Capacity
			if f.CapacitySource == "default" {
				sup.usedDefault++
			}
		case f.CapacitySource == "" && cat.DefaultCapacity > 0:
			v = cat.DefaultCapacity
			sup.usedDefault++
		default:
			sup.none++
			continue
		}
		sup.live = append(sup.live, fi)
		sup.pos = append(sup.pos, pos)
		sup.s = append(sup.s, v)
	}
	if len(sup.live) == 0 && cat.DefaultCapacity <= 0 {
		return nil
	}
	return sup
}

// e2sfcaDemand is the demand of one group per populated cell.
type e2sfcaDemand struct {
	d         []float64
	src       []string // where each cell's age share came from
	defaulted int      // cells that used the national share
}

// e2sfcaDemands returns the demand of the age band on every populated
// cell.
func e2sfcaDemands(city *City, band string) *e2sfcaDemand {
	cells := city.Population.Cells
	dem := &e2sfcaDemand{d: make([]float64, len(cells)), src: make([]string, len(cells))}
	for i, pc := range cells {
		share, src := city.AgeShare(pc.Community, band)
		if src == AgeSourceNational {
			dem.defaulted++
		}
		dem.d[i] = pc.Pop * share
		dem.src[i] = src
	}
	return dem
}

// bandLimits returns the upper time of each band in deciseconds; the last
// is the threshold itself.
func bandLimits(bands []E2SFCABand, thrDs uint32) []uint32 {
	lim := make([]uint32, len(bands))
	for i, b := range bands {
		lim[i] = uint32(math.Round(b.UpToFraction * float64(thrDs)))
	}
	lim[len(lim)-1] = thrDs
	return lim
}

// bandOf returns the band of a time within the threshold: the first whose
// limit it does not exceed.
func bandOf(limits []uint32, t uint32) int {
	for i, l := range limits {
		if t <= l {
			return i
		}
	}
	return len(limits) - 1
}
