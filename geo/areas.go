package geo

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"fifteen/geo/hex"
)

// Population methods of a city or community beyond those of
// PlacePopulation (see Population.Source and Population.Method).
const (
	// MethodOSMPopulation spreads population=* of OSM boundaries and
	// place nodes over residential floor area (else the cells touching the
	// walk network) inside them.
	MethodOSMPopulation = "osm_population"
	// MethodFloorEstimate estimates residents as residential floor area ×
	// persons per m²: an estimate, labelled so.
	MethodFloorEstimate = "floor_area_estimate"
	// MethodRaster moves a population raster onto cells by area overlap.
	MethodRaster = "raster"
	// MethodCommunities spreads the planner's community populations
	// (PlacePopulation).
	MethodCommunities = "communities"
	// MethodNone means the city has no population.
	MethodNone = "none"
)

// FillRes is the H3 resolution of the communities that fill areas no
// boundary covers: a resolution-8 cell (0.74 km², about 460 m from centre
// to corner) is about the area of GB 50180-2018's 10-minute life circle
// (500 m walking distance, 0.79 km² as a disc).
const FillRes = 8

// DefaultPersonsPerM2 is the default number of residents per m² of
// residential floor area: 1/39, from the 39 m² of housing floor area per
// urban resident that China's National Bureau of Statistics reported for
// 2018 (NBS, "新中国成立70周年经济社会发展成就系列报告之十", 2019).
const DefaultPersonsPerM2 = 1.0 / 39

// Boundary is an area read from OSM that may be a community or carry a
// population count: an administrative boundary or a place area.
type Boundary struct {
	// ID is the OSM element, e.g. "osm:relation/162110".
	ID   string
	Name string
	// AdminLevel is admin_level for boundary=administrative, else 0.
	AdminLevel int
	// Place is suburb, quarter or neighbourhood for a place area, else "".
	Place string
	Geom  orb.MultiPolygon
	// Population is population=* (residents), or 0 when untagged.
	Population float64
	// PopulationSource names where Population came from.
	PopulationSource string
	// Repaired is true when a ring cut by the extract's edge was closed
	// along the cut.
	Repaired bool
	// LabelNode is the OSM node id of its label or admin_centre member, or
	// 0.
	LabelNode int64
	// Partial is true when the boundary reaches beyond the extract (cut
	// by its edge, or outside the area its nodes cover): its population=*
	// counts people outside the data, so it is not placed.
	Partial bool
}

// Source describes b for Community.Source.
func (b Boundary) Source() string {
	switch {
	case b.AdminLevel > 0:
		return fmt.Sprintf("%s admin_level=%d", b.ID, b.AdminLevel)
	case b.Place != "":
		return b.ID + " place=" + b.Place
	}
	return b.ID
}

// PlacePoint is an OSM place=* node with population=*.
type PlacePoint struct {
	ID         string
	Name       string
	Place      string
	Point      orb.Point
	Population float64
	NodeID     int64
}

// PopulationArea is a population count over an area.
type PopulationArea struct {
	ID, Name   string
	Geom       orb.MultiPolygon
	Population float64
	// Source names where the count came from.
	Source string
}

// placeRadiusM is the radius of the disc a place node's population is
// spread over when no boundary matches it. It is an assumption, not a
// measured figure: a settlement's typical extent for each place=* value of
// https://wiki.openstreetmap.org/wiki/Key:place (a city spans kilometres, a
// hamlet a few hundred metres). Each use is listed in the load report, and
// the residents are spread only over the cells of the disc on the network
// or with residential buildings.
var placeRadiusM = map[string]float64{
	"city": 4000, "town": 1500, "village": 700, "suburb": 1000, "quarter": 600,
	"neighbourhood": 400, "hamlet": 300, "isolated_dwelling": 100,
}

// PopulationAreas turns OSM boundaries with population=* and place nodes
// with population=* into population areas. A Partial boundary's count is
// not used (noted): it counts people outside the data. A place node gives its
// population to the boundary whose label or admin_centre it is, else to a
// boundary of the same name containing it, when that boundary has none of
// its own; a node no boundary takes is spread over a disc around it (its
// radius by place type, see the README). notes lists each node's fate.
func PopulationAreas(bounds []Boundary, places []PlacePoint) (areas []PopulationArea, notes []string) {
	pop := make([]float64, len(bounds))
	src := make([]string, len(bounds))
	for i, b := range bounds {
		pop[i], src[i] = b.Population, b.PopulationSource
	}
	byLabel := map[int64]int{}
	byName := map[string][]int{}
	for i, b := range bounds {
		if b.LabelNode != 0 {
			if _, dup := byLabel[b.LabelNode]; !dup || b.AdminLevel > bounds[byLabel[b.LabelNode]].AdminLevel {
				byLabel[b.LabelNode] = i
			}
		}
		if n := normName(b.Name); n != "" {
			byName[n] = append(byName[n], i)
		}
	}
	var sets = map[int]*PolygonSet{}
	contains := func(i int, p orb.Point) bool {
		s := sets[i]
		if s == nil {
			s = NewPolygonSetMulti([]orb.MultiPolygon{bounds[i].Geom})
			sets[i] = s
		}
		return s.Contains(p)
	}
	for _, pl := range places {
		bi, ok := byLabel[pl.NodeID]
		if !ok {
			bi = -1
			for _, i := range byName[normName(pl.Name)] {
				if contains(i, pl.Point) && (bi < 0 || bounds[i].AdminLevel > bounds[bi].AdminLevel) {
					bi = i
				}
			}
		}
		switch {
		case bi >= 0 && bounds[bi].Partial:
			notes = append(notes, fmt.Sprintf("%s %q: not used, its boundary %s reaches beyond the extract", pl.ID, pl.Name, bounds[bi].ID))
		case bi >= 0 && pop[bi] == 0:
			pop[bi], src[bi] = pl.Population, fmt.Sprintf("%s (place=%s) population=%v", pl.ID, pl.Place, pl.Population)
			notes = append(notes, fmt.Sprintf("%s %q: population %v given to %s", pl.ID, pl.Name, pl.Population, bounds[bi].ID))
		case bi >= 0:
			notes = append(notes, fmt.Sprintf("%s %q: not used, %s carries its own population=*", pl.ID, pl.Name, bounds[bi].ID))
		default:
			r := placeRadiusM[pl.Place]
			if r == 0 {
				r = 500
			}
			areas = append(areas, PopulationArea{
				ID: pl.ID, Name: pl.Name, Geom: orb.MultiPolygon{disc(pl.Point, r)}, Population: pl.Population,
				Source: fmt.Sprintf("%s (place=%s) population=%v over a %.0f m disc", pl.ID, pl.Place, pl.Population, r),
			})
			notes = append(notes, fmt.Sprintf("%s %q: no boundary matches; population %v spread over a %.0f m disc", pl.ID, pl.Name, pl.Population, r))
		}
	}
	for i, b := range bounds {
		if pop[i] > 0 && b.Partial {
			notes = append(notes, fmt.Sprintf("%s %q: population=%v not used: the boundary reaches beyond the extract, so the count includes people outside it", b.ID, b.Name, pop[i]))
			continue
		}
		if pop[i] > 0 {
			areas = append(areas, PopulationArea{ID: b.ID, Name: b.Name, Geom: b.Geom, Population: pop[i], Source: src[i]})
		}
	}
	return areas, notes
}

// normName folds a place name for matching: lower case, and the part
// before the first comma ("Bear, Delaware" matches "Bear").
func normName(s string) string {
	if i := strings.IndexByte(s, ','); i >= 0 {
		s = s[:i]
	}
	return strings.ToLower(strings.TrimSpace(s))
}

// disc returns a 32-gon of radius rM around p.
func disc(p orb.Point, rM float64) orb.Polygon {
	ring := make(orb.Ring, 0, 33)
	for i := 0; i < 32; i++ {
		ring = append(ring, orbgeo.PointAtBearingAndDistance(p, float64(i)*360/32, rM))
	}
	ring = append(ring, ring[0])
	return orb.Polygon{ring}
}

// EstimateInput is what EstimatePopulation works from.
type EstimateInput struct {
	// Areas carry population counts; they may nest (a county around its
	// towns), and a count covers everything inside its area.
	Areas []PopulationArea
	// Buildings and ResidentialAreas give residential floor area, as for
	// PopulationInput.
	Buildings        []Building
	ResidentialAreas []orb.Polygon
	// NetworkCells are the PopulationRes cells touching the walk network
	// (see LazyNetworkCells); nil means none.
	NetworkCells func() []hex.Cell
	// PersonsPerM2 estimates residents on residential floor area outside
	// every area; 0 places nobody there.
	PersonsPerM2 float64
}

// AreaPlacement tells how one population area was placed.
type AreaPlacement struct {
	ID         string  `json:"id"`
	Name       string  `json:"name"`
	Source     string  `json:"source"`
	Population float64 `json:"population"`
	// Placed is what was placed on cells: Population less what areas
	// inside it hold.
	Placed float64 `json:"placed"`
	// Method is MethodFloorArea, MethodNetworkCells or MethodPoint.
	Method string `json:"method"`
	Note   string `json:"note,omitempty"`
}

// Estimate is population placed on cells from counts and floor area.
type Estimate struct {
	// Cells have Community -1; sorted by Cell.
	Cells []PopCell
	// Methods is MethodOSMPopulation or MethodFloorEstimate per cell.
	Methods []string
	Areas   []AreaPlacement
	// FromAreas and FromFloor are the residents placed from the counts
	// and estimated from floor area.
	FromAreas, FromFloor float64
}

// EstimatePopulation places residents on PopulationRes cells from the
// counts of in.Areas and from residential floor area. Each area's count,
// less the counts of the smaller areas inside it, is spread over the
// residential floor area in it and in no smaller area, else evenly over
// such cells touching the walk network, else on one cell of a point in it.
// Floor area outside every area gets in.PersonsPerM2 residents per m².
// Totals are preserved: the cells sum to the counts of the outermost areas
// plus the floor estimate. An area whose count is below the sum of the
// areas inside it places nothing more, with a note.
func EstimatePopulation(in EstimateInput) (*Estimate, error) {
	if math.IsNaN(in.PersonsPerM2) || math.IsInf(in.PersonsPerM2, 0) || in.PersonsPerM2 < 0 {
		return nil, fmt.Errorf("%w: persons per m² %v", ErrBadOption, in.PersonsPerM2)
	}
	n := len(in.Areas)
	areaM2 := make([]float64, n)
	order := make([]int, n)
	for i, a := range in.Areas {
		if math.IsNaN(a.Population) || math.IsInf(a.Population, 0) || a.Population < 0 {
			return nil, fmt.Errorf("area %s: %w: population %v", a.ID, ErrNoPopulation, a.Population)
		}
		for _, poly := range a.Geom {
			for _, r := range poly {
				for _, p := range r {
					if err := ValidPoint(p); err != nil {
						return nil, fmt.Errorf("area %s: %w", a.ID, err)
					}
				}
			}
		}
		areaM2[i] = math.Abs(orbgeo.Area(a.Geom))
		order[i] = i
	}
	// Smallest first, so that First finds the finest area holding a point.
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(areaM2[a], areaM2[b]) })
	geoms := make([]orb.MultiPolygon, n)
	for k, i := range order {
		geoms[k] = in.Areas[i].Geom
	}
	set := NewPolygonSetMulti(geoms)
	resSet := NewPolygonSet(in.ResidentialAreas)

	// Floor area per (area rank or -1) and cell, and floor-weighted points.
	type acc struct {
		m2     float64
		sx, sy float64
	}
	floor := make([]map[hex.Cell]*acc, n+1) // index rank+1
	for bi, b := range in.Buildings {
		if err := ValidPoint(b.Centroid); err != nil {
			return nil, fmt.Errorf("building %d: %w", bi, err)
		}
		w, err := floorAreaM2(b)
		if err != nil {
			return nil, fmt.Errorf("building %d: %w", bi, err)
		}
		if w == 0 || (!b.Residential && !resSet.Contains(b.Centroid)) {
			continue
		}
		k := set.First(b.Centroid) + 1
		cell, err := hex.FromPoint(b.Centroid, PopulationRes)
		if err != nil {
			return nil, fmt.Errorf("building %d: %w", bi, err)
		}
		if floor[k] == nil {
			floor[k] = map[hex.Cell]*acc{}
		}
		a := floor[k][cell]
		if a == nil {
			a = &acc{}
			floor[k][cell] = a
		}
		a.m2 += w
		a.sx += w * b.Centroid[0]
		a.sy += w * b.Centroid[1]
	}

	// Parent of each area: the smallest larger area holding a point of it.
	parent := make([]int, n)
	for k := range parent {
		parent[k] = -1
		p, ok := pointInMultiPolygon(geoms[k])
		if !ok {
			continue
		}
		parent[k] = set.FirstAfter(p, k)
	}

	var network map[int][]hex.Cell // rank -> network cells whose centre is in it
	networkOf := func(k int) []hex.Cell {
		if network == nil {
			network = map[int][]hex.Cell{}
			if in.NetworkCells != nil {
				for _, c := range in.NetworkCells() {
					if j := set.First(c.Center()); j >= 0 {
						network[j] = append(network[j], c)
					}
				}
			}
		}
		return network[k]
	}

	est := &Estimate{}
	inner := make([]float64, n) // counts of the areas inside each area
	for k := 0; k < n; k++ {
		a := in.Areas[order[k]]
		ap := AreaPlacement{ID: a.ID, Name: a.Name, Source: a.Source, Population: a.Population}
		rest := a.Population - inner[k]
		if rest < 0 {
			ap.Note = fmt.Sprintf("population %v is less than the %v of the areas inside it: nothing more placed", a.Population, inner[k])
			rest = 0
		}
		if parent[k] >= 0 {
			inner[parent[k]] += max(a.Population, inner[k])
		}
		if rest > 0 {
			fl := floor[k+1]
			if net := len(networkOf(k)); len(fl) > 0 && float64(len(fl)) < MinFloorCellShare*float64(net) {
				ap.Note = fmt.Sprintf("buildings too sparse (%d cells with residential floor area, %d cells on the walk network): spread over the network cells", len(fl), net)
				fl = nil
			}
			switch {
			case len(fl) > 0:
				ap.Method = MethodFloorArea
				var tot float64
				for _, f := range fl {
					tot += f.m2
				}
				for cell, f := range fl {
					est.add(cell, rest*f.m2/tot, orb.Point{f.sx / f.m2, f.sy / f.m2}, MethodOSMPopulation)
				}
			case len(networkOf(k)) > 0:
				ap.Method = MethodNetworkCells
				cells := networkOf(k)
				for _, c := range cells {
					est.add(c, rest/float64(len(cells)), c.Center(), MethodOSMPopulation)
				}
			default:
				p, ok := pointInMultiPolygon(geoms[k])
				if !ok {
					ap.Note = "empty geometry: nothing placed"
					break
				}
				cell, err := hex.FromPoint(p, PopulationRes)
				if err != nil {
					return nil, fmt.Errorf("area %s: %w", a.ID, err)
				}
				ap.Method = MethodPoint
				est.add(cell, rest, cell.Center(), MethodOSMPopulation)
			}
			if ap.Method != "" {
				ap.Placed = rest
				est.FromAreas += rest
			}
		}
		est.Areas = append(est.Areas, ap)
	}
	if in.PersonsPerM2 > 0 {
		for cell, f := range floor[0] {
			p := f.m2 * in.PersonsPerM2
			est.add(cell, p, orb.Point{f.sx / f.m2, f.sy / f.m2}, MethodFloorEstimate)
			est.FromFloor += p
		}
	}
	// Sorted by cell (then by method), so results do not depend on map order.
	idx := make([]int, len(est.Cells))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		return cmp.Or(cmp.Compare(est.Cells[a].Cell, est.Cells[b].Cell), cmp.Compare(est.Methods[a], est.Methods[b]),
			cmp.Compare(est.Cells[a].Point[0], est.Cells[b].Point[0]), cmp.Compare(est.Cells[a].Point[1], est.Cells[b].Point[1]))
	})
	cells, methods := make([]PopCell, len(idx)), make([]string, len(idx))
	for k, i := range idx {
		cells[k], methods[k] = est.Cells[i], est.Methods[i]
	}
	est.Cells, est.Methods = cells, methods
	return est, nil
}

// MinFloorCellShare is the least number of cells with residential floor
// area, as a share of an area's cells on the walk network, for its count
// to be spread by floor area: below it the buildings are taken as not yet
// mapped, and the count is spread over the network cells instead.
const MinFloorCellShare = 0.25

func (e *Estimate) add(c hex.Cell, pop float64, pt orb.Point, method string) {
	if pop <= 0 {
		return
	}
	e.Cells = append(e.Cells, PopCell{Cell: c, Pop: pop, Point: pt, Community: -1})
	e.Methods = append(e.Methods, method)
}

// CommunityArea is a candidate community outline.
type CommunityArea struct {
	ID, Name string
	Geom     orb.MultiPolygon
	// Source is copied to Community.Source.
	Source string
	// Base, when set, is the community to copy (its households and age
	// shares), for outlines from the planner's file.
	Base *Community
}

// LevelStats describes the boundaries of one admin_level.
type LevelStats struct {
	// Boundaries is how many there are.
	Boundaries int `json:"boundaries"`
	// Coverage is the share of residents (of cells whose point lies)
	// inside one of them.
	Coverage float64 `json:"coverage"`
	// MedianKm2 is their median area in km².
	MedianKm2 float64 `json:"median_km2"`
}

// AdminLevels describes, per admin_level among bounds, its boundaries and
// the share of the residents of cells inside them.
func AdminLevels(cells []PopCell, bounds []Boundary) map[int]LevelStats {
	byLevel := map[int][]orb.MultiPolygon{}
	for _, b := range bounds {
		if b.AdminLevel > 0 {
			byLevel[b.AdminLevel] = append(byLevel[b.AdminLevel], b.Geom)
		}
	}
	var total float64
	for _, c := range cells {
		total += c.Pop
	}
	out := map[int]LevelStats{}
	for lv, geoms := range byLevel {
		set := NewPolygonSetMulti(geoms)
		var in float64
		for _, c := range cells {
			if set.Contains(c.Point) {
				in += c.Pop
			}
		}
		areas := make([]float64, len(geoms))
		for i, g := range geoms {
			areas[i] = math.Abs(orbgeo.Area(g)) / 1e6
		}
		slices.Sort(areas)
		st := LevelStats{Boundaries: len(geoms), MedianKm2: areas[len(areas)/2]}
		if total > 0 {
			st.Coverage = in / total
		}
		out[lv] = st
	}
	return out
}

// MinLevelCoverage is the share of residents the boundaries of an
// admin_level must hold for the level to be chosen by default.
const MinLevelCoverage = 0.5

// MaxCommunityKm2 is the median area above which an admin_level is too
// coarse to be communities by default: 100 km², ten times the upper end of
// a Chinese 街道 (subdistrict) or a small town, while counties, states and
// countries are far larger.
const MaxCommunityKm2 = 100

// ChooseAdminLevel returns the default admin_level for communities: among
// the levels whose median boundary is at most MaxCommunityKm2, the finest
// holding at least MinLevelCoverage of the residents, else the one holding
// the most (the finer on a tie); 0 when no such level holds anyone. The
// residents outside its boundaries get hexagon communities.
func ChooseAdminLevel(levels map[int]LevelStats) int {
	var lv []int
	for l, st := range levels {
		if st.MedianKm2 <= MaxCommunityKm2 && st.Coverage > 0 {
			lv = append(lv, l)
		}
	}
	slices.Sort(lv)
	for i := len(lv) - 1; i >= 0; i-- {
		if levels[lv[i]].Coverage >= MinLevelCoverage {
			return lv[i]
		}
	}
	best := 0
	for i := len(lv) - 1; i >= 0; i-- {
		if best == 0 || levels[lv[i]].Coverage > levels[best].Coverage {
			best = lv[i]
		}
	}
	return best
}

// AssignCommunities makes communities of the populated cells: each cell
// goes to the smallest of areas holding its point, else, with fill, to the
// FillRes hexagon around it, which becomes a community of its own (without
// fill it stays in the population with Community -1). Areas with nobody in
// them are left out. A cell's residents thus belong to exactly
// one community, and the communities' populations sum to the cells'.
// method gives each cell's population method; a community's Method is the
// method of most of its residents. Cells may repeat (one per method or
// source); those of one cell and community are merged.
func AssignCommunities(cells []PopCell, method []string, areas []CommunityArea, fill bool) (*Population, []Community, error) {
	order := make([]int, len(areas))
	areaM2 := make([]float64, len(areas))
	for i, a := range areas {
		order[i] = i
		areaM2[i] = math.Abs(orbgeo.Area(a.Geom))
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(areaM2[a], areaM2[b]) })
	geoms := make([]orb.MultiPolygon, len(order))
	for k, i := range order {
		geoms[k] = areas[i].Geom
	}
	set := NewPolygonSetMulti(geoms)

	type key struct {
		cell hex.Cell
		comm string
	}
	type cellAcc struct {
		pop, sx, sy float64
	}
	pop := &Population{Res: PopulationRes}
	commOf := map[string]int{} // community key -> index in comms
	var comms []Community
	byMethod := []map[string]float64{}
	merged := map[key]*cellAcc{}
	var keys []key
	for i, c := range cells {
		if err := ValidPoint(c.Point); err != nil {
			return nil, nil, fmt.Errorf("cell %s: %w", c.Cell, err)
		}
		if math.IsNaN(c.Pop) || math.IsInf(c.Pop, 0) || c.Pop < 0 {
			return nil, nil, fmt.Errorf("cell %s: %w: population %v", c.Cell, ErrNoPopulation, c.Pop)
		}
		if c.Pop == 0 {
			continue
		}
		var ck string
		if k := set.First(c.Point); k >= 0 {
			a := areas[order[k]]
			ck = "a" + a.ID
			if _, ok := commOf[ck]; !ok {
				commOf[ck] = len(comms)
				c := Community{ID: a.ID, Name: a.Name, Geom: a.Geom, Aged60Share: -1, ChildShare: -1, Source: a.Source}
				if a.Base != nil {
					c = *a.Base
					c.Population = 0
				}
				comms = append(comms, c)
				byMethod = append(byMethod, map[string]float64{})
			}
		} else if !fill {
			ck = ""
		} else {
			h, err := hex.FromPoint(c.Point, FillRes)
			if err != nil {
				return nil, nil, fmt.Errorf("cell %s: %w", c.Cell, err)
			}
			ck = "h" + h.String()
			if _, ok := commOf[ck]; !ok {
				commOf[ck] = len(comms)
				id := "h3:" + h.String()
				comms = append(comms, Community{ID: id, Name: id, Geom: orb.MultiPolygon{{h.Boundary()}},
					Aged60Share: -1, ChildShare: -1, Source: fmt.Sprintf("h3 res %d", FillRes)})
				byMethod = append(byMethod, map[string]float64{})
			}
		}
		if i < len(method) && method[i] == MethodFloorEstimate {
			pop.Estimated += c.Pop
		}
		kk := key{c.Cell, ck}
		if ck == "" {
			// Outside every area, without fill: in no community.
			if a := merged[kk]; a == nil {
				merged[kk] = &cellAcc{}
				keys = append(keys, kk)
			}
			a := merged[kk]
			a.pop += c.Pop
			a.sx += c.Pop * c.Point[0]
			a.sy += c.Pop * c.Point[1]
			continue
		}
		ci := commOf[ck]
		comms[ci].Population += c.Pop
		m := ""
		if i < len(method) {
			m = method[i]
		}
		byMethod[ci][m] += c.Pop
		a := merged[kk]
		if a == nil {
			a = &cellAcc{}
			merged[kk] = a
			keys = append(keys, kk)
		}
		a.pop += c.Pop
		a.sx += c.Pop * c.Point[0]
		a.sy += c.Pop * c.Point[1]
	}
	// Communities in a stable order: named areas by id, then hexagons.
	perm := make([]int, len(comms))
	for i := range perm {
		perm[i] = i
	}
	slices.SortFunc(perm, func(a, b int) int {
		ha, hb := strings.HasPrefix(comms[a].Source, "h3 "), strings.HasPrefix(comms[b].Source, "h3 ")
		if ha != hb {
			if ha {
				return 1
			}
			return -1
		}
		return cmp.Compare(comms[a].ID, comms[b].ID)
	})
	newIdx := make([]int32, len(comms))
	out := make([]Community, len(comms))
	pop.PlacedByCommunity, pop.Method = make([]float64, len(comms)), make([]string, len(comms))
	for k, i := range perm {
		newIdx[i] = int32(k)
		out[k] = comms[i]
		best, bestPop := "", -1.0
		for m, p := range byMethod[i] {
			if p > bestPop || (p == bestPop && m < best) {
				best, bestPop = m, p
			}
		}
		pop.Method[k] = best
	}
	for _, kk := range keys {
		a := merged[kk]
		ci := int32(-1)
		if kk.comm != "" {
			ci = newIdx[commOf[kk.comm]]
			pop.PlacedByCommunity[ci] += a.pop
		}
		pop.Cells = append(pop.Cells, PopCell{Cell: kk.cell, Pop: a.pop, Point: orb.Point{a.sx / a.pop, a.sy / a.pop}, Community: ci})
		pop.Total += a.pop
	}
	for k := range out {
		out[k].Population = pop.PlacedByCommunity[k]
	}
	sortPopCells(pop.Cells)
	return pop, out, nil
}
