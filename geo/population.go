package geo

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"

	"fifteen/geo/hex"
)

// PopulationRes is the H3 resolution population is placed on: cells of about
// 15,000 m², edges of about 76 m.
const PopulationRes = 10

// Placement methods reported in Population.Method.
const (
	// MethodFloorArea spreads a community's population in proportion to
	// its residential floor area.
	MethodFloorArea = "floor_area"
	// MethodNetworkCells spreads it evenly over the community's cells that
	// touch the walk network.
	MethodNetworkCells = "network_cells"
	// MethodAllCells spreads it evenly over all the community's cells.
	MethodAllCells = "all_cells"
	// MethodPoint puts it all on the cell of one point inside the
	// community, for a community smaller than a cell.
	MethodPoint = "point"
	// MethodCells means the population came from a gridded input
	// (PopulationFromCells).
	MethodCells = "cells"
)

// Building is a building footprint relevant for spreading population.
type Building struct {
	// Centroid is a representative (lon, lat) point of the footprint.
	Centroid orb.Point
	// AreaM2 is the footprint area in m².
	AreaM2 float64
	// Levels is the number of storeys (building:levels, plus roof levels
	// if known); 0 means untagged and counts as 1.
	Levels float64
	// Residential is true for a residential building type: house,
	// apartments, residential, detached, semidetached_house, terrace,
	// dormitory, bungalow, farm and the like.
	Residential bool
}

// PopulationInput is what PlacePopulation spreads population with.
type PopulationInput struct {
	// Communities carry the populations to place.
	Communities []Community
	// Buildings are all buildings. A Residential one always counts; any
	// other counts only when its centroid lies inside a residential area
	// (a building=yes in a housing estate).
	Buildings []Building
	// ResidentialAreas are landuse=residential outlines (outer ring and
	// holes).
	ResidentialAreas []orb.Polygon
	// NetworkCells returns the PopulationRes cells touching the walk
	// network, in any order, such as NetworkCells computes them; they guide
	// the fallback for communities without residential floor area.
	// PlacePopulation calls it at most once, and only when such a community
	// has cells to choose from, so a costly source is paid for only when
	// needed (see LazyNetworkCells). Nil means no network cells.
	NetworkCells func() []hex.Cell
}

// MinGridRes is the coarsest H3 resolution a population grid may use: a
// resolution-5 cell (about 250 km²) splits into 16,807 resolution-10 cells.
const MinGridRes = 5

// PopCell is the population placed on one cell.
type PopCell struct {
	Cell hex.Cell
	Pop  float64
	// Point is where the cell's residents are measured from: the
	// floor-area-weighted centroid of the residential buildings the
	// population was spread by, or the cell's centre.
	Point orb.Point
	// Community is the index into the communities of the community the
	// population belongs to, or -1 for none.
	Community int32
}

// CellPop is a population count on an H3 cell of any resolution up to
// PopulationRes, as read from a gridded population file.
type CellPop struct {
	Cell hex.Cell
	Pop  float64
}

// Population is residents placed on H3 cells of resolution Res.
type Population struct {
	Res int
	// Cells are sorted by Cell, then by Community. A cell shared by two
	// communities (one straddling their border) appears once per
	// community, so that every PopCell belongs to exactly one community;
	// add them up to get a cell's total.
	Cells []PopCell
	// PlacedByCommunity is the population placed for each community, in
	// the order of the communities.
	PlacedByCommunity []float64
	// Method tells, per community, how its population was spread:
	// MethodFloorArea, MethodNetworkCells, MethodAllCells, MethodPoint,
	// or MethodCells for PopulationFromCells.
	Method []string
	// Total is the sum of all placed population.
	Total float64
}

// PlacePopulation spreads each community's population over the
// PopulationRes cells inside it. Points are tested against polygons exactly
// with a PolygonSet; a point exactly on a boundary may fall on either side.
//
// A community's population goes to cells in proportion to the residential
// floor area (AreaM2 × Levels) of the buildings whose centroid lies in that
// cell and in the community and which are Residential or lie inside a
// residential area. A building inside overlapping communities counts for the
// first. A community without such floor area has its population spread
// evenly over its cells (those whose centre lies inside it) that touch the
// walk network, else over all its cells, else, for a community smaller than
// a cell, put on the cell of a point inside it.
//
// It returns an error wrapping ErrNoPopulation for a community whose
// population is not a positive finite number or whose geometry is empty,
// ErrBadCoordinate for a building centroid or community vertex outside
// WGS84, or hex.ErrBadResolution for network cells not at PopulationRes
// (checked only when the network cells are needed).
func PlacePopulation(in PopulationInput) (*Population, error) {
	comms := in.Communities
	if err := checkCommunities(comms); err != nil {
		return nil, err
	}
	network := &networkCells{source: in.NetworkCells}
	commIdx := NewPolygonSetMulti(communityGeoms(comms))
	areaIdx := NewPolygonSet(in.ResidentialAreas)

	// Floor area per community and cell, and the floor-weighted sum of the
	// buildings' centroids.
	floorM2 := make([]map[hex.Cell]float64, len(comms))
	floorXY := make([]map[hex.Cell]orb.Point, len(comms))
	for bi, b := range in.Buildings {
		if err := ValidPoint(b.Centroid); err != nil {
			return nil, fmt.Errorf("building %d: %w", bi, err)
		}
		w, err := floorAreaM2(b)
		if err != nil {
			return nil, fmt.Errorf("building %d: %w", bi, err)
		}
		if w == 0 {
			continue
		}
		ci := commIdx.First(b.Centroid)
		if ci < 0 {
			continue
		}
		if !b.Residential && !areaIdx.Contains(b.Centroid) {
			continue
		}
		cell, err := hex.FromPoint(b.Centroid, PopulationRes)
		if err != nil {
			return nil, fmt.Errorf("building %d: %w", bi, err)
		}
		if floorM2[ci] == nil {
			floorM2[ci] = make(map[hex.Cell]float64)
			floorXY[ci] = make(map[hex.Cell]orb.Point)
		}
		floorM2[ci][cell] += w
		xy := floorXY[ci][cell]
		floorXY[ci][cell] = orb.Point{xy[0] + w*b.Centroid[0], xy[1] + w*b.Centroid[1]}
	}

	pop := &Population{
		Res:               PopulationRes,
		PlacedByCommunity: make([]float64, len(comms)),
		Method:            make([]string, len(comms)),
	}
	for ci, c := range comms {
		cells, method, err := communityShares(c, floorM2[ci], network)
		if err != nil {
			return nil, fmt.Errorf("community %d (%s): %w", ci, c.ID, err)
		}
		pop.Method[ci] = method
		for _, s := range cells {
			pt := s.cell.Center()
			if w := floorM2[ci][s.cell]; method == MethodFloorArea && w > 0 {
				xy := floorXY[ci][s.cell]
				pt = orb.Point{xy[0] / w, xy[1] / w}
			}
			pop.Cells = append(pop.Cells, PopCell{Cell: s.cell, Pop: s.pop, Community: int32(ci), Point: pt})
			pop.PlacedByCommunity[ci] += s.pop
		}
		pop.Total += pop.PlacedByCommunity[ci]
	}
	sortPopCells(pop.Cells)
	return pop, nil
}

// cellShare is the population one community puts on one cell.
type cellShare struct {
	cell hex.Cell
	pop  float64
}

// communityShares spreads c's population by floor area, or by the fallback
// chain when floor is empty. It returns the shares and the method used.
func communityShares(c Community, floor map[hex.Cell]float64, network *networkCells) ([]cellShare, string, error) {
	// In cell order, so that sums do not depend on map order: the same
	// input places the same population to the last bit.
	cells := make([]hex.Cell, 0, len(floor))
	for cell := range floor {
		cells = append(cells, cell)
	}
	slices.Sort(cells)
	var totalM2 float64
	for _, cell := range cells {
		totalM2 += floor[cell]
	}
	if totalM2 > 0 {
		out := make([]cellShare, 0, len(floor))
		for _, cell := range cells {
			out = append(out, cellShare{cell, c.Population * floor[cell] / totalM2})
		}
		return out, MethodFloorArea, nil
	}

	all, err := hex.PolygonCells(c.Geom, PopulationRes)
	if err != nil {
		return nil, "", err
	}
	var onNetwork []hex.Cell
	if len(all) > 0 {
		net, err := network.get()
		if err != nil {
			return nil, "", err
		}
		for _, cell := range all {
			if _, ok := slices.BinarySearch(net, cell); ok {
				onNetwork = append(onNetwork, cell)
			}
		}
	}
	cells, method := onNetwork, MethodNetworkCells
	if len(cells) == 0 {
		cells, method = all, MethodAllCells
	}
	if len(cells) == 0 {
		p, ok := pointInMultiPolygon(c.Geom)
		if !ok {
			return nil, "", fmt.Errorf("%w: empty geometry", ErrNoPopulation)
		}
		cell, err := hex.FromPoint(p, PopulationRes)
		if err != nil {
			return nil, "", err
		}
		cells, method = []hex.Cell{cell}, MethodPoint
	}
	each := c.Population / float64(len(cells))
	out := make([]cellShare, len(cells))
	for i, cell := range cells {
		out[i] = cellShare{cell, each}
	}
	return out, method, nil
}

// networkCells computes PopulationInput.NetworkCells on first use, checks
// the cells and sorts them.
type networkCells struct {
	source func() []hex.Cell
	done   bool
	cells  []hex.Cell
	err    error
}

// get returns the sorted network cells, calling the source at most once. It
// returns an error wrapping hex.ErrBadResolution when a cell is invalid or
// not at PopulationRes.
func (n *networkCells) get() ([]hex.Cell, error) {
	if n.done {
		return n.cells, n.err
	}
	n.done = true
	if n.source == nil {
		return nil, nil
	}
	cells := n.source()
	for _, c := range cells {
		if !c.IsValid() || c.Res() != PopulationRes {
			n.err = fmt.Errorf("%w: network cell %s is not a valid resolution-%d cell",
				hex.ErrBadResolution, c, PopulationRes)
			return nil, n.err
		}
	}
	if !slices.IsSorted(cells) {
		cells = slices.Clone(cells)
		slices.Sort(cells)
	}
	n.cells = cells
	return cells, nil
}

// LazyNetworkCells returns a source for PopulationInput.NetworkCells: a
// function that computes NetworkCells(g, PopulationRes) on its first call
// and returns the same cells on later ones. It is safe for concurrent use.
func LazyNetworkCells(g *Graph) func() []hex.Cell {
	return sync.OnceValue(func() []hex.Cell { return NetworkCells(g, PopulationRes) })
}

// communityGeoms returns the geometries of comms, in order.
func communityGeoms(comms []Community) []orb.MultiPolygon {
	out := make([]orb.MultiPolygon, len(comms))
	for i, c := range comms {
		out[i] = c.Geom
	}
	return out
}

// floorAreaM2 returns the floor area a building contributes.
func floorAreaM2(b Building) (float64, error) {
	if math.IsNaN(b.AreaM2) || math.IsInf(b.AreaM2, 0) || b.AreaM2 < 0 {
		return 0, fmt.Errorf("footprint area %v m² is not a non-negative number", b.AreaM2)
	}
	if math.IsNaN(b.Levels) || math.IsInf(b.Levels, 0) || b.Levels < 0 {
		return 0, fmt.Errorf("levels %v is not a non-negative number", b.Levels)
	}
	levels := b.Levels
	if levels == 0 {
		levels = 1
	}
	return b.AreaM2 * levels, nil
}

// checkCommunities validates the populations and coordinates of comms.
func checkCommunities(comms []Community) error {
	for i, c := range comms {
		if math.IsNaN(c.Population) || math.IsInf(c.Population, 0) || c.Population <= 0 {
			return fmt.Errorf("community %d (%s): %w: population %v", i, c.ID, ErrNoPopulation, c.Population)
		}
		for _, poly := range c.Geom {
			for _, r := range poly {
				for _, p := range r {
					if err := ValidPoint(p); err != nil {
						return fmt.Errorf("community %d (%s): %w", i, c.ID, err)
					}
				}
			}
		}
	}
	return nil
}

// pointInMultiPolygon returns a point inside the largest polygon of mp: the
// middle of the widest span of a horizontal line through its bounding box.
func pointInMultiPolygon(mp orb.MultiPolygon) (orb.Point, bool) {
	var best orb.Polygon
	bestM2 := -1.0
	for _, p := range mp {
		if len(p) == 0 || len(p[0]) < 3 {
			continue
		}
		if a := math.Abs(orbgeo.Area(p)); a > bestM2 {
			best, bestM2 = p, a
		}
	}
	if best == nil {
		return orb.Point{}, false
	}
	b := best.Bound()
	for _, f := range []float64{0.5, 0.25, 0.75, 0.125, 0.375, 0.625, 0.875} {
		y := b.Min[1] + f*(b.Max[1]-b.Min[1])
		var xs []float64
		for _, r := range best {
			for i := range r {
				a, c := r[i], r[(i+1)%len(r)]
				if (a[1] > y) != (c[1] > y) {
					xs = append(xs, a[0]+(y-a[1])*(c[0]-a[0])/(c[1]-a[1]))
				}
			}
		}
		sort.Float64s(xs)
		bestW, bestX := 0.0, 0.0
		for i := 0; i+1 < len(xs); i += 2 {
			if w := xs[i+1] - xs[i]; w > bestW {
				bestW, bestX = w, (xs[i]+xs[i+1])/2
			}
		}
		if bestW > 0 {
			p := orb.Point{bestX, y}
			if planar.PolygonContains(best, p) {
				return p, true
			}
		}
	}
	// Degenerate polygon: a vertex counts as inside.
	return best[0][0], true
}

// PopulationFromCells places a gridded population: each cell's population is
// split evenly over its PopulationRes descendants (a PopulationRes cell is
// kept as is; repeated or nested cells add up), and each resulting cell goes
// to the first community containing its centre, or -1 when none does or
// comms is empty. Cells with no population are left out. Method is
// MethodCells for every community.
//
// It returns an error wrapping hex.ErrInvalidCell for an invalid cell,
// hex.ErrBadResolution for a cell finer than PopulationRes, and
// ErrNoPopulation for a negative or non-finite population.
func PopulationFromCells(cells []CellPop, comms []Community) (*Population, error) {
	for i, c := range comms {
		for _, poly := range c.Geom {
			for _, r := range poly {
				for _, p := range r {
					if err := ValidPoint(p); err != nil {
						return nil, fmt.Errorf("community %d (%s): %w", i, c.ID, err)
					}
				}
			}
		}
	}
	acc := make(map[hex.Cell]float64)
	for i, cp := range cells {
		if !cp.Cell.IsValid() {
			return nil, fmt.Errorf("cell %d: %w: %s", i, hex.ErrInvalidCell, cp.Cell)
		}
		if cp.Cell.Res() > PopulationRes {
			return nil, fmt.Errorf("cell %d (%s): %w: resolution %d finer than %d",
				i, cp.Cell, hex.ErrBadResolution, cp.Cell.Res(), PopulationRes)
		}
		// A cell splits into 7^(10-res) children: below MinGridRes one row
		// would mean millions of cells, which no population grid needs.
		if cp.Cell.Res() < MinGridRes {
			return nil, fmt.Errorf("cell %d (%s): %w: resolution %d coarser than %d (a cell of %.0f km²)",
				i, cp.Cell, hex.ErrBadResolution, cp.Cell.Res(), MinGridRes, cp.Cell.AreaM2()/1e6)
		}
		if math.IsNaN(cp.Pop) || math.IsInf(cp.Pop, 0) || cp.Pop < 0 {
			return nil, fmt.Errorf("cell %d (%s): %w: population %v", i, cp.Cell, ErrNoPopulation, cp.Pop)
		}
		if cp.Pop == 0 {
			continue
		}
		kids := cp.Cell.Children(PopulationRes)
		each := cp.Pop / float64(len(kids))
		for _, k := range kids {
			acc[k] += each
		}
	}

	ix := NewPolygonSetMulti(communityGeoms(comms))
	pop := &Population{
		Res:               PopulationRes,
		Cells:             make([]PopCell, 0, len(acc)),
		PlacedByCommunity: make([]float64, len(comms)),
		Method:            make([]string, len(comms)),
	}
	for i := range pop.Method {
		pop.Method[i] = MethodCells
	}
	for cell, p := range acc {
		ci := ix.First(cell.Center())
		pop.Cells = append(pop.Cells, PopCell{Cell: cell, Pop: p, Community: int32(ci), Point: cell.Center()})
	}
	sortPopCells(pop.Cells)
	for _, c := range pop.Cells {
		if c.Community >= 0 {
			pop.PlacedByCommunity[c.Community] += c.Pop
		}
		pop.Total += c.Pop
	}
	return pop, nil
}

// sortPopCells orders cells by Cell, then Community.
func sortPopCells(cells []PopCell) {
	slices.SortFunc(cells, func(a, b PopCell) int {
		return cmp.Or(cmp.Compare(a.Cell, b.Cell), cmp.Compare(a.Community, b.Community))
	})
}
