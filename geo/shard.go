package geo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"fifteen/geo/hex"
)

// ErrShard is the error of a shard plan, shard or set of shard results that
// does not fit the city or each other.
var ErrShard = errors.New("geo: shard")

// DefaultShardCells is the number of populated cells a shard holds by
// default (ShardOptions.TargetCells).
const DefaultShardCells = 20_000

// ShardPlanVersion is the version of ShardPlan and ShardPart; a plan or
// part of another version is refused.
const ShardPlanVersion = 1

// Margins of the shard buffer (ShardReachM): the straight-line bound is
// grown by a fifth and 50 m, for the rounding of edge and leg times to
// whole deciseconds (at most 0.05 s each; the fifth covers a path of
// thousands of edges).
const (
	shardMarginFrac = 0.2
	shardMarginM    = 50
)

// ShardOptions choose how a region is cut into shards.
type ShardOptions struct {
	// Res is the H3 resolution of the shards' parent cells, 1 to
	// PopulationRes-1; 0 chooses the finest resolution at which no
	// parent holds more than TargetCells populated cells.
	Res int
	// TargetCells is how many populated cells a shard holds: consecutive
	// parents (in H3 order) are packed into one shard up to it. 0 means
	// DefaultShardCells.
	TargetCells int
}

// Shard is one part of a ShardPlan: the populated cells under its Parents
// (its own cells) and, for computing them, everything within the plan's
// BufferM of them (Bound).
type Shard struct {
	Index int `json:"index"`
	// Parents are the H3 cells (at ShardPlan.Res) whose populated cells
	// the shard owns, increasing.
	Parents []hex.Cell `json:"parents"`
	// Cells and Population count the shard's own populated cells (rows of
	// Population.Cells) and their residents.
	Cells      int     `json:"cells"`
	Population float64 `json:"population"`
	// Bound is the buffer (shardBound): the bound of the own cells'
	// points and of the facilities with places within reach of them,
	// grown by ReachM and twice the snapping limit; at most BufferM past
	// the own cells unless such a facility is wide. The shard's network,
	// facilities and buffer cells are those within it.
	Bound orb.Bound `json:"bbox"`
	// Fingerprint, when the shard's city was written apart (ShardCity),
	// identifies that city: run-shard may then load it alone.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// ShardPlan cuts a city's populated cells into shards that can be computed
// apart and assembled into exactly the single-process result.
type ShardPlan struct {
	Version int    `json:"version"`
	City    string `json:"city"`
	// Fingerprint identifies the city and access options the plan was made
	// for (Access.Fingerprint); a shard run or merge on anything else is
	// refused.
	Fingerprint string  `json:"fingerprint"`
	CutoffMin   float64 `json:"cutoff_min"`
	K           int     `json:"k"`
	Res         int     `json:"res"`
	// ReachM bounds in metres how far any walk a figure counts can go
	// (ShardReachM). BufferM = 2·ReachM + 2·snapping limit is how far a
	// shard's buffer reaches past its own cells where the facilities with
	// places are reached at one point; around a campus or park with
	// places it reaches further, by the facility's size (shardBound).
	ReachM     float64 `json:"reach_m"`
	BufferM    float64 `json:"buffer_m"`
	Cells      int     `json:"cells"`
	Population float64 `json:"population"`
	Shards     []Shard `json:"shards"`
}

// ShardReachM bounds the straight-line distance in metres of every walk a
// sharded figure counts, for city under opt: the longest time any search
// runs (the cutoff, a category threshold: E2SFCA catchments use the
// threshold even above the cutoff) at the fastest speed any walker can
// reach (level speed divided by a steps factor below 1; unpaved and slope
// factors are at least 1), or the longest life-circle distance of the
// default tiers, whichever is farther, with a margin for rounding.
// Network distance is never shorter than the straight line, so a walk of
// that time or distance never leaves a disc of this radius around its
// start.
func ShardReachM(city *City, opt AccessOptions) (float64, error) {
	opt, err := fillAccessOptions(city, opt)
	if err != nil {
		return 0, err
	}
	maxMin := opt.CutoffMin
	for _, c := range city.Taxonomy.Categories {
		maxMin = max(maxMin, c.ThresholdMin)
	}
	var vmax float64
	for i := range opt.Profiles {
		p := &opt.Profiles[i]
		f := 1.0
		if p.StepsFactor > 0 && p.StepsFactor < 1 {
			f = p.StepsFactor
		}
		vmax = max(vmax, p.SpeedMps()/f)
	}
	r := maxMin * 60 * vmax
	for _, t := range DefaultLifeCircleTiers(city.Taxonomy) {
		r = max(r, t.DistanceM)
	}
	return r*(1+shardMarginFrac) + shardMarginM, nil
}

// shardBufferM is how far a shard's buffer reaches past its own cells
// when the facilities with places are reached at one point (see
// shardBound): 2·reach + 3·snap.
func shardBufferM(city *City, reachM float64) float64 { return 2*reachM + 3*city.snapLimitM() }

// PlanShards cuts city's populated cells into shards: the cells are
// grouped by their H3 parent at so.Res, and parents consecutive along a
// Hilbert curve are packed into shards of about so.TargetCells cells. The plan records opt (the
// cutoff and K every shard must use) and the city's fingerprint.
func PlanShards(city *City, opt AccessOptions, so ShardOptions) (*ShardPlan, error) {
	if city.Population == nil || len(city.Population.Cells) == 0 {
		return nil, errNoResidents()
	}
	opt, err := fillAccessOptions(city, opt)
	if err != nil {
		return nil, err
	}
	target := so.TargetCells
	if target == 0 {
		target = DefaultShardCells
	}
	if target < 1 {
		return nil, fmt.Errorf("%w: target %d cells per shard, want at least 1", ErrBadOption, target)
	}
	cells := city.Population.Cells
	res := so.Res
	if res != 0 && (res < 1 || res >= PopulationRes) {
		return nil, fmt.Errorf("%w: shard resolution %d outside 1..%d", ErrBadOption, res, PopulationRes-1)
	}
	if res == 0 {
		res = PopulationRes - 1
		for r := 1; r < PopulationRes; r++ {
			if maxPerParent(cells, r) <= target {
				res = r
				break
			}
		}
	}
	reach, err := ShardReachM(city, opt)
	if err != nil {
		return nil, err
	}
	supply := supplyExtents(city)
	plan := &ShardPlan{
		Version: ShardPlanVersion, City: city.Name, Fingerprint: fingerprint(city, opt),
		CutoffMin: opt.CutoffMin, K: opt.K, Res: res, ReachM: reach, BufferM: shardBufferM(city, reach),
		Cells: len(cells), Population: city.Population.Total,
	}
	// Cells by parent; parents along a Hilbert curve through their
	// centres, so that consecutive parents, packed into one shard, lie
	// near each other and the shard's buffer stays small.
	byParent := map[hex.Cell][]int{}
	for i, c := range cells {
		p := c.Cell.Parent(res)
		byParent[p] = append(byParent[p], i)
	}
	parents := make([]hex.Cell, 0, len(byParent))
	var cb orb.Bound
	for p := range byParent {
		if len(parents) == 0 {
			cb = orb.Bound{Min: p.Center(), Max: p.Center()}
		}
		parents = append(parents, p)
		cb = cb.Extend(p.Center())
	}
	span := max(cb.Max[0]-cb.Min[0], cb.Max[1]-cb.Min[1], 1e-9)
	key := func(p hex.Cell) uint64 {
		c := p.Center()
		return hilbert16(uint32((c[0]-cb.Min[0])/span*65535), uint32((c[1]-cb.Min[1])/span*65535))
	}
	slices.SortFunc(parents, func(a, b hex.Cell) int { return cmp.Or(cmp.Compare(key(a), key(b)), cmp.Compare(a, b)) })
	var cur *Shard
	var bound orb.Bound
	flush := func() {
		if cur != nil {
			slices.Sort(cur.Parents)
			cur.Bound = shardBound(bound, reach, city.snapLimitM(), supply)
			plan.Shards = append(plan.Shards, *cur)
			cur = nil
		}
	}
	for _, p := range parents {
		own := byParent[p]
		if cur != nil && cur.Cells+len(own) > target {
			flush()
		}
		if cur == nil {
			cur = &Shard{Index: len(plan.Shards)}
			bound = orb.Bound{Min: cells[own[0]].Point, Max: cells[own[0]].Point}
		}
		cur.Parents = append(cur.Parents, p)
		for _, i := range own {
			cur.Cells++
			cur.Population += cells[i].Pop
			bound = bound.Extend(cells[i].Point)
		}
	}
	flush()
	return plan, nil
}

// facilityExtent is where a facility with E2SFCA supply can be reached:
// its access points, and its point.
type facilityExtent struct {
	points []orb.Point
	bound  orb.Bound
}

// supplyExtents returns the extents of the facilities whose places
// E2SFCA shares out (positive supply).
func supplyExtents(city *City) []facilityExtent {
	fa := city.FacilityAccess
	if fa == nil {
		fa = ComputeFacilityAccess(city)
	}
	a := &Access{City: city, ByCategory: byCategory(city)}
	var out []facilityExtent
	for c := range city.Taxonomy.Categories {
		sup := a.e2sfcaSupply(c)
		if sup == nil {
			continue
		}
		for _, fi := range sup.live {
			x := facilityExtent{points: []orb.Point{city.Facilities[fi].Point}}
			for _, s := range fa[fi] {
				x.points = append(x.points, s.Point)
			}
			x.bound = orb.MultiPoint(x.points).Bound()
			out = append(out, x)
		}
	}
	return out
}

// shardBound returns the buffer of a shard whose own cells' points lie in
// own. An own cell's walks lie within reachM of it. A facility reaches it
// from an access point within reachM, or, for a walker that may use none
// of its access points, from where it attaches itself, within snapM of its
// point: so the facilities with places (E2SFCA supply) with an access
// point or their point within reachM + snapM of own are those whose
// supply ratio an own cell's places depend on. That ratio depends on the
// demand of every cell whose walk to the facility (from any access point,
// or from its own attachment) is within reachM, and on where those cells
// attach: own is widened by all those facilities' access points and
// points, then grown by reachM + 2·snapM. For a facility reached at one
// point that is at most own grown by 2·reachM + 3·snapM
// (ShardPlan.BufferM); a campus or a park with places widens it by its
// own size.
func shardBound(own orb.Bound, reachM, snapM float64, supply []facilityExtent) orb.Bound {
	near := growBound(own, reachM+snapM)
	wide := own
	for _, x := range supply {
		if !x.bound.Intersects(near) {
			continue
		}
		for _, p := range x.points {
			if near.Contains(p) {
				wide = wide.Union(x.bound)
				break
			}
		}
	}
	return growBound(wide, reachM+2*snapM)
}

// maxPerParent returns the most populated cells under one parent at res.
func maxPerParent(cells []PopCell, res int) int {
	n := map[hex.Cell]int{}
	most := 0
	for _, c := range cells {
		p := c.Cell.Parent(res)
		n[p]++
		most = max(most, n[p])
	}
	return most
}

// growBound grows b by distM metres on every side: the longitude margin is
// taken at the latitude farthest from the equator, where a degree is
// shortest, so the grown bound holds every point within distM of b.
func growBound(b orb.Bound, distM float64) orb.Bound {
	out := b
	for _, p := range []orb.Point{b.Min, b.Max, {b.Min[0], b.Max[1]}, {b.Max[0], b.Min[1]}} {
		out = out.Union(orbgeo.NewBoundAroundPoint(p, distM))
	}
	out.Min[1] = max(out.Min[1], -90)
	out.Max[1] = min(out.Max[1], 90)
	return out
}

// Check reports whether the plan was made for city (the whole city, as
// the plan's fingerprint says) and is well formed.
func (plan *ShardPlan) Check(city *City) error {
	fp, err := plan.fingerprintOf(city)
	if err != nil {
		return err
	}
	if fp != plan.Fingerprint {
		return fmt.Errorf("%w: the plan was made for city %q with fingerprint %s, these inputs give %s: plan again or give the plan's inputs",
			ErrShard, plan.City, plan.Fingerprint, fp)
	}
	return nil
}

// fingerprintOf checks the plan's form and returns city's fingerprint
// under the plan's options.
func (plan *ShardPlan) fingerprintOf(city *City) (string, error) {
	if plan.Version != ShardPlanVersion {
		return "", fmt.Errorf("%w: plan version %d, this fifteen reads %d", ErrShard, plan.Version, ShardPlanVersion)
	}
	for i, s := range plan.Shards {
		if s.Index != i {
			return "", fmt.Errorf("%w: plan shard %d has index %d", ErrShard, i, s.Index)
		}
	}
	opt, err := fillAccessOptions(city, plan.Options())
	if err != nil {
		return "", err
	}
	return fingerprint(city, opt), nil
}

// Options returns the access options every shard of the plan computes
// with.
func (plan *ShardPlan) Options() AccessOptions {
	return AccessOptions{CutoffMin: plan.CutoffMin, K: plan.K}
}

// Owns reports whether cell c (at ShardPlan.Res or finer) is one of shard
// s's own cells.
func (plan *ShardPlan) Owns(s int, c hex.Cell) bool {
	if c.Res() < plan.Res {
		return false
	}
	_, ok := slices.BinarySearch(plan.Shards[s].Parents, c.Parent(plan.Res))
	return ok
}

// ShardPart is what a shard computed for its own cells: every per-cell
// figure the coverage report and the cells are made of. AssembleAccess
// puts the parts of all shards together.
type ShardPart struct {
	Version     int
	Index       int
	Fingerprint string
	// Cells are the own cells, in the order of Population.Cells; the
	// tables below are parallel to it.
	Cells    []ShardCell
	TimeDs   [][][]uint32 // [profile][category][own cell]
	Count    [][][]uint16
	MeanKMin [][][]float32
	// Distances are the life-circle network distances of the default
	// tiers, Ratios the E2SFCA ratios under the default bands.
	Distances []ShardDistances
	Ratios    []ShardRatios
}

// ShardCell names a row of Population.Cells: its H3 cell and community
// (a cell shared by two communities has a row for each).
type ShardCell struct {
	Cell      hex.Cell
	Community int32
}

// ShardDistances are one profile's and category's life-circle distances
// (decimetres, Unreached beyond BoundDm) of a shard's own cells.
type ShardDistances struct {
	Profile, Category int
	BoundDm           uint32
	Dm                []uint32
}

// ShardRatios are one profile's and category's E2SFCA ratios (A_i) of a
// shard's own cells.
type ShardRatios struct {
	Profile, Category int
	Ratio             []float64
}

// ShardRun is one computed shard.
type ShardRun struct {
	// Access is the shard's access: its own cells and the buffer's (the
	// buffer cells' figures are not exact and are not published).
	Access *Access
	// Own lists the positions of the own cells in
	// Access.City.Population.Cells.
	Own  []int
	Part *ShardPart
}

// RunShard computes shard index of plan on city: it keeps the part of the
// city within the shard's buffer (subCity), computes access, the
// life-circle distances and the E2SFCA ratios there, and returns the own
// cells' figures. They equal the single-process figures of those cells:
// every walk they count lies within the buffer, where the shard's network,
// facilities, snaps and residents are the city's own. city is the whole
// city, or the shard's own city as ShardCity cut it (and a snapshot kept
// it).
func RunShard(ctx context.Context, city *City, plan *ShardPlan, index int) (*ShardRun, error) {
	opt := plan.Options()
	fp, err := plan.fingerprintOf(city)
	if err != nil {
		return nil, err
	}
	if index < 0 || index >= len(plan.Shards) {
		return nil, fmt.Errorf("%w: index %d, the plan has shards 0 to %d", ErrShard, index, len(plan.Shards)-1)
	}
	sh := &plan.Shards[index]
	sub := city
	switch fp {
	case plan.Fingerprint:
		if sub, err = subCity(city, sh.Bound); err != nil {
			return nil, err
		}
	case sh.Fingerprint:
	default:
		return nil, fmt.Errorf("%w: the plan was made for city %q with fingerprint %s (shard %d: %s), these inputs give %s: give the plan's inputs or the shard's own snapshot",
			ErrShard, plan.City, plan.Fingerprint, index, cmp.Or(sh.Fingerprint, "not written apart"), fp)
	}
	a, err := ComputeAccessContext(ctx, sub, opt)
	if err != nil {
		return nil, err
	}
	run := &ShardRun{Access: a}
	for i, pc := range sub.Population.Cells {
		if plan.Owns(index, pc.Cell) {
			run.Own = append(run.Own, i)
		}
	}
	if len(run.Own) != sh.Cells {
		return nil, fmt.Errorf("%w: shard %d owns %d cells, the plan says %d", ErrShard, index, len(run.Own), sh.Cells)
	}
	if _, err := a.LifeCircles(LifeCircleConfig{}); err != nil {
		return nil, err
	}
	if _, err := a.E2SFCA(E2SFCAOptions{}); err != nil {
		return nil, err
	}
	part := &ShardPart{Version: ShardPlanVersion, Index: index, Fingerprint: plan.Fingerprint}
	for _, i := range run.Own {
		pc := &sub.Population.Cells[i]
		part.Cells = append(part.Cells, ShardCell{pc.Cell, pc.Community})
	}
	part.TimeDs = ownTables(a.TimeDs, run.Own)
	part.Count = ownTables(a.Count, run.Own)
	part.MeanKMin = ownTables(a.MeanKMin, run.Own)
	a.derived.mu.Lock()
	for k, v := range a.derived.dist {
		part.Distances = append(part.Distances, ShardDistances{Profile: k[0], Category: k[1], BoundDm: uint32(k[2]), Dm: ownOf(v, run.Own)})
	}
	for k, ca := range a.derived.capac {
		part.Ratios = append(part.Ratios, ShardRatios{Profile: k[0], Category: k[1], Ratio: ownOf(ca.Ratio, run.Own)})
	}
	a.derived.mu.Unlock()
	slices.SortFunc(part.Distances, func(x, y ShardDistances) int {
		return cmp.Or(cmp.Compare(x.Profile, y.Profile), cmp.Compare(x.Category, y.Category), cmp.Compare(x.BoundDm, y.BoundDm))
	})
	slices.SortFunc(part.Ratios, func(x, y ShardRatios) int {
		return cmp.Or(cmp.Compare(x.Profile, y.Profile), cmp.Compare(x.Category, y.Category))
	})
	run.Part = part
	return run, nil
}

func ownOf[T any](v []T, idx []int) []T {
	out := make([]T, len(idx))
	for k, i := range idx {
		out[k] = v[i]
	}
	return out
}

func ownTables[T any](t [][][]T, idx []int) [][][]T {
	out := make([][][]T, len(t))
	for p := range t {
		out[p] = make([][]T, len(t[p]))
		for c := range t[p] {
			out[p][c] = ownOf(t[p][c], idx)
		}
	}
	return out
}

// ShardCity returns shard index's own city, the part of city its figures
// depend on (see RunShard), to be stored apart (a snapshot) so that the
// shard loads only it, and that city's fingerprint under the plan's
// options, for Shard.Fingerprint. The geometries of the communities and of
// the facilities the shard cannot reach are left out: nothing the shard
// computes reads them.
func ShardCity(city *City, plan *ShardPlan, index int) (*City, string, error) {
	if err := plan.Check(city); err != nil {
		return nil, "", err
	}
	if index < 0 || index >= len(plan.Shards) {
		return nil, "", fmt.Errorf("%w: index %d, the plan has shards 0 to %d", ErrShard, index, len(plan.Shards)-1)
	}
	sub, err := subCity(city, plan.Shards[index].Bound)
	if err != nil {
		return nil, "", err
	}
	sub.Communities = slices.Clone(sub.Communities)
	for i := range sub.Communities {
		sub.Communities[i].Geom = nil
	}
	sub.Facilities = slices.Clone(sub.Facilities)
	for i := range sub.Facilities {
		if len(sub.FacilityAccess[i]) == 0 && sub.FacilitySnap[i].Edge < 0 {
			sub.Facilities[i].Geom = nil
		}
	}
	fp, err := plan.fingerprintOf(sub)
	return sub, fp, err
}

// subCity returns the part of city within b: every edge whose bounding
// box meets b (so every vertex in b keeps all its edges), the edges the
// cells in b are attached to, and every access point of the facilities
// with one on those edges or lying in b, with
// the city's lengths, attributes, geometry and component labels (a piece
// of the main network cut off by b stays "main" for snapping); every
// facility, with the access points on kept edges only (indexes are kept,
// so facility numbers and counts per category are the city's); the
// populated cells whose point lies in b, with the city's snaps; every
// community.
func subCity(city *City, b orb.Bound) (*City, error) {
	g := city.Graph
	if g == nil || city.Population == nil {
		return nil, fmt.Errorf("%w: the city has no network or population", ErrShard)
	}
	if g.off != nil {
		return nil, fmt.Errorf("%w: a network changed by a what-if cannot be sharded", ErrShard)
	}
	ne, nv := g.NumEdges(), g.NumVertices()
	facAccess := city.FacilityAccess
	if facAccess == nil {
		facAccess = ComputeFacilityAccess(city)
	}
	// The edges with a point in b; then those of the cells in b, and every
	// access point of a facility that has one there or lies in b itself,
	// so that a walker's choice to attach such a facility elsewhere (none
	// of its access points usable) is the whole city's.
	keep := make([]bool, ne)
	for e := 0; e < ne; e++ {
		first := g.vertex[g.from[e]].point()
		eb := orb.Bound{Min: first, Max: first}
		g.eachEdgePoint(e, func(f fixed) { eb = eb.Extend(f.point()) })
		keep[e] = eb.Intersects(b)
	}
	var extra []int
	for i, pc := range city.Population.Cells {
		if b.Contains(pc.Point) && city.CellSnap[i].Edge >= 0 {
			extra = append(extra, city.CellSnap[i].Edge)
		}
	}
	for i, f := range city.Facilities {
		in := b.Contains(f.Point)
		for _, s := range facAccess[i] {
			in = in || (s.Edge >= 0 && keep[s.Edge])
		}
		if !in {
			continue
		}
		for _, s := range facAccess[i] {
			if s.Edge >= 0 {
				extra = append(extra, s.Edge)
			}
		}
		if i < len(city.FacilitySnap) && city.FacilitySnap[i].Edge >= 0 {
			extra = append(extra, city.FacilitySnap[i].Edge)
		}
	}
	for _, e := range extra {
		keep[e] = true
	}
	edgeMap := make([]int32, ne)
	vertMap := make([]int32, nv)
	for i := range vertMap {
		vertMap[i] = -1
	}
	sg := &Graph{compSize: g.compSize, largest: g.largest, cut: true}
	sg.geomOff = []uint32{0}
	sg.wayOff = []uint32{0}
	var pts []fixed
	for e := 0; e < ne; e++ {
		if !keep[e] {
			edgeMap[e] = -1
			continue
		}
		pts = g.edgeFixed(e, pts)
		edgeMap[e] = int32(len(sg.from))
		for _, v := range []uint32{g.from[e], g.to[e]} {
			if vertMap[v] < 0 {
				vertMap[v] = 0 // numbered below, in the city's order
			}
		}
		sg.from = append(sg.from, g.from[e])
		sg.to = append(sg.to, g.to[e])
		sg.lengthM = append(sg.lengthM, g.lengthM[e])
		sg.attr = append(sg.attr, g.attr[e])
		sg.appendGeom(g.vertex[g.from[e]], pts)
		sg.ways = append(sg.ways, g.ways[g.wayOff[e]:g.wayOff[e+1]]...)
		sg.wayOff = append(sg.wayOff, uint32(len(sg.ways)))
	}
	for v := range vertMap {
		if vertMap[v] >= 0 {
			vertMap[v] = int32(len(sg.vertex))
			sg.vertex = append(sg.vertex, g.vertex[v])
			sg.comp = append(sg.comp, g.comp[v])
		}
	}
	for e := range sg.from {
		sg.from[e] = uint32(vertMap[sg.from[e]])
		sg.to[e] = uint32(vertMap[sg.to[e]])
	}
	sg.buildAdjacency()
	mapSnap := func(s Snap) Snap {
		if s.Edge < 0 || edgeMap[s.Edge] < 0 {
			return Snap{Edge: -1}
		}
		s.Edge = int(edgeMap[s.Edge])
		return s
	}

	sub := &City{
		Name: city.Name, Attribution: city.Attribution, Taxonomy: city.Taxonomy,
		Graph: sg, Facilities: city.Facilities, Communities: city.Communities,
		Closed: city.Closed, Entrances: city.Entrances, SnapMaxM: city.SnapMaxM,
	}
	if len(sg.from) > 0 {
		sub.Index = NewSegmentIndex(sg)
	}
	sub.FacilitySnap = make([]Snap, len(city.Facilities))
	sub.FacilityAccess = make([][]Snap, len(city.Facilities))
	for i := range city.Facilities {
		if i < len(city.FacilitySnap) {
			sub.FacilitySnap[i] = mapSnap(city.FacilitySnap[i])
		} else {
			sub.FacilitySnap[i] = Snap{Edge: -1}
		}
		for _, s := range facAccess[i] {
			if m := mapSnap(s); m.Edge >= 0 {
				sub.FacilityAccess[i] = append(sub.FacilityAccess[i], m)
			}
		}
	}
	pop := *city.Population
	pop.Cells = nil
	for i, pc := range city.Population.Cells {
		if b.Contains(pc.Point) {
			pop.Cells = append(pop.Cells, pc)
			sub.CellSnap = append(sub.CellSnap, mapSnap(city.CellSnap[i]))
		}
	}
	sub.Population = &pop
	return sub, nil
}

// AssembleAccess puts the parts of every shard of plan together into the
// access of the whole city: each populated cell's figures from the shard
// that owns it, the life-circle distances and E2SFCA ratios likewise, and
// the capacity aggregates summed again over all cells. The result answers
// Report (default life circles and E2SFCA bands), Cells and Gaps exactly
// as the single-process access does, without searching. Nearest (which
// facility is nearest) and the E2SFCA facility ratios are not assembled:
// Nearest is -1 and FacilityRatio nil. Other questions (other life-circle
// or E2SFCA options, isochrones, what-ifs) search city's network as a
// computed Access does.
func AssembleAccess(city *City, plan *ShardPlan, parts []*ShardPart) (*Access, error) {
	if err := plan.Check(city); err != nil {
		return nil, err
	}
	opt, err := fillAccessOptions(city, plan.Options())
	if err != nil {
		return nil, err
	}
	if city.Population == nil {
		return nil, errNoResidents()
	}
	cats := city.Taxonomy.Categories
	np, nc, n := len(opt.Profiles), len(cats), len(city.Population.Cells)
	if !slices.IsSortedFunc(city.Population.Cells, func(x, y PopCell) int {
		return cmp.Or(cmp.Compare(x.Cell, y.Cell), cmp.Compare(x.Community, y.Community))
	}) {
		return nil, fmt.Errorf("%w: the city's populated cells are not in order of cell and community", ErrShard)
	}
	// The access is prepared as ComputeAccess prepares it (walkers'
	// costs and attachments), so that questions beyond the assembled
	// figures search the whole network as usual; its tables come from
	// the shards.
	a, err := newAccess(city, opt)
	if err != nil {
		return nil, err
	}
	a.TimeDs, a.Nearest, a.Count, a.MeanKMin = make([][][]uint32, np), make([][][]int32, np), make([][][]uint16, np), make([][][]float32, np)
	for p := range np {
		a.TimeDs[p], a.Nearest[p], a.Count[p], a.MeanKMin[p] = make([][]uint32, nc), make([][]int32, nc), make([][]uint16, nc), make([][]float32, nc)
		for c := range nc {
			a.TimeDs[p][c], a.Nearest[p][c], a.Count[p][c], a.MeanKMin[p][c] = unreachedCells(n)
		}
	}
	dist := map[[3]int][]uint32{}
	ratio := map[[2]int][]float64{}
	owner := make([]int32, n)
	for i := range owner {
		owner[i] = -1
	}
	seen := make([]bool, len(plan.Shards))
	for _, pt := range parts {
		if pt.Version != ShardPlanVersion || pt.Fingerprint != plan.Fingerprint {
			return nil, fmt.Errorf("%w: part of shard %d is of another plan (version %d, fingerprint %s; the plan's %s)",
				ErrShard, pt.Index, pt.Version, pt.Fingerprint, plan.Fingerprint)
		}
		if pt.Index < 0 || pt.Index >= len(plan.Shards) {
			return nil, fmt.Errorf("%w: part of shard %d, the plan has shards 0 to %d", ErrShard, pt.Index, len(plan.Shards)-1)
		}
		if seen[pt.Index] {
			return nil, fmt.Errorf("%w: shard %d given twice", ErrShard, pt.Index)
		}
		seen[pt.Index] = true
		if err := pt.check(np, nc); err != nil {
			return nil, fmt.Errorf("%w: part of shard %d: %v", ErrShard, pt.Index, err)
		}
		pos := make([]int32, len(pt.Cells))
		for k, sc := range pt.Cells {
			g, ok := slices.BinarySearchFunc(city.Population.Cells, sc, func(pc PopCell, sc ShardCell) int {
				return cmp.Or(cmp.Compare(pc.Cell, sc.Cell), cmp.Compare(pc.Community, sc.Community))
			})
			if !ok {
				return nil, fmt.Errorf("%w: shard %d gives cell %s (community %d), which the city has not", ErrShard, pt.Index, sc.Cell, sc.Community)
			}
			pos[k] = int32(g)
		}
		for k, g := range pos {
			if owner[g] >= 0 {
				return nil, fmt.Errorf("%w: cell %d is in shards %d and %d", ErrShard, g, owner[g], pt.Index)
			}
			if !plan.Owns(pt.Index, city.Population.Cells[g].Cell) {
				return nil, fmt.Errorf("%w: shard %d gives cell %d, which it does not own", ErrShard, pt.Index, g)
			}
			owner[g] = int32(pt.Index)
			for p := range np {
				for c := range nc {
					a.TimeDs[p][c][g] = pt.TimeDs[p][c][k]
					a.Count[p][c][g] = pt.Count[p][c][k]
					a.MeanKMin[p][c][g] = pt.MeanKMin[p][c][k]
				}
			}
		}
		for _, d := range pt.Distances {
			key := [3]int{d.Profile, d.Category, int(d.BoundDm)}
			if dist[key] == nil {
				dist[key] = make([]uint32, n)
			}
			for k, g := range pos {
				dist[key][g] = d.Dm[k]
			}
		}
		for _, r := range pt.Ratios {
			key := [2]int{r.Profile, r.Category}
			if ratio[key] == nil {
				ratio[key] = make([]float64, n)
			}
			for k, g := range pos {
				ratio[key][g] = r.Ratio[k]
			}
		}
	}
	var missing []int
	for i, ok := range seen {
		if !ok {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: no result for shards %v of %d", ErrShard, missing, len(plan.Shards))
	}
	if i := slices.Index(owner, -1); i >= 0 {
		return nil, fmt.Errorf("%w: cell %d (%s) is in no shard", ErrShard, i, city.Population.Cells[i].Cell)
	}
	for k, v := range dist {
		a.derived.setDistance(k[0], k[1], uint32(k[2]), v)
	}
	dems := map[string]*e2sfcaDemand{}
	for k, r := range ratio {
		p, c := k[0], k[1]
		sup := a.e2sfcaSupply(c)
		if sup == nil {
			return nil, fmt.Errorf("%w: E2SFCA ratios for category %s, which has no capacity", ErrShard, cats[c].ID)
		}
		band := cats[c].AgeBand()
		if dems[band] == nil {
			dems[band] = e2sfcaDemands(city, band)
		}
		ca := a.newCapacityAccess(p, c, sup, dems[band])
		ca.Ratio, ca.FacilityRatio = r, nil // facility ratios are not assembled
		ca.aggregate(city, dems[band])
		a.derived.setCapacity(p, c, ca)
	}
	return a, nil
}

// check reports a part whose tables do not fit np profiles and nc
// categories.
func (pt *ShardPart) check(np, nc int) error {
	m := len(pt.Cells)
	if len(pt.TimeDs) != np || len(pt.Count) != np || len(pt.MeanKMin) != np {
		return fmt.Errorf("tables for %d walkers, want %d", len(pt.TimeDs), np)
	}
	for p := range np {
		if len(pt.TimeDs[p]) != nc || len(pt.Count[p]) != nc || len(pt.MeanKMin[p]) != nc {
			return fmt.Errorf("tables for %d categories, want %d", len(pt.TimeDs[p]), nc)
		}
		for c := range nc {
			if len(pt.TimeDs[p][c]) != m || len(pt.Count[p][c]) != m || len(pt.MeanKMin[p][c]) != m {
				return fmt.Errorf("walker %d category %d: tables of another length than its %d cells", p, c, m)
			}
		}
	}
	for _, d := range pt.Distances {
		if d.Profile < 0 || d.Profile >= np || d.Category < 0 || d.Category >= nc || len(d.Dm) != m {
			return fmt.Errorf("life-circle distances for walker %d category %d do not fit", d.Profile, d.Category)
		}
	}
	for _, r := range pt.Ratios {
		if r.Profile < 0 || r.Profile >= np || r.Category < 0 || r.Category >= nc || len(r.Ratio) != m {
			return fmt.Errorf("E2SFCA ratios for walker %d category %d do not fit", r.Profile, r.Category)
		}
		for _, v := range r.Ratio {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return fmt.Errorf("E2SFCA ratio %v for walker %d category %d", v, r.Profile, r.Category)
			}
		}
	}
	return nil
}
