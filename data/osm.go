package data

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"
	"github.com/paulmach/osm/osmxml"

	"fifteen/geo"
)

// ErrBadOSM means an OSM file could not be decoded: unknown format,
// truncated or corrupt data.
var ErrBadOSM = errors.New("data: invalid OSM file")

// OSMData is what fifteen takes from an OSM extract: the walk network, the
// facilities of the taxonomy's categories, and the buildings and residential
// areas used to spread population.
type OSMData struct {
	Graph            *geo.Graph
	Facilities       []geo.Facility
	Buildings        []geo.Building
	ResidentialAreas []orb.Polygon
	// Entrances are entrance=* nodes, access points of area facilities.
	Entrances []orb.Point
	// Boundaries are boundary=administrative areas with an admin_level and
	// place=suburb|quarter|neighbourhood areas, candidates for communities
	// and carriers of population=*.
	Boundaries []geo.Boundary
	// Places are place=* nodes with a population=* tag.
	Places []geo.PlacePoint
	// PlaceNames are named place nodes (city to hamlet, suburb to
	// neighbourhood), which name hexagon communities.
	PlaceNames []geo.PlacePoint
	// Dropped are the boundaries that could not be used, and why.
	Dropped []DroppedBoundary
	// Bound is the extent of the extract's nodes.
	Bound orb.Bound
	Stats OSMStats
}

// OSMStats counts what was read and what was left out, and why.
type OSMStats struct {
	Format    string `json:"format"`
	Nodes     int    `json:"nodes"`
	Ways      int    `json:"ways"`
	Relations int    `json:"relations"`
	// WalkableWays is the number of ways kept for the walk network.
	WalkableWays int `json:"walkable_ways"`
	// ClippedWays counts walkable ways that miss nodes (a clipped
	// extract) and were cut at the gaps.
	ClippedWays int `json:"clipped_ways"`
	// MissingNodeRefs counts way node references absent from the file.
	MissingNodeRefs int `json:"missing_node_refs"`
	// FacilityElements counts OSM elements that matched a category.
	FacilityElements int `json:"facility_elements"`
	// FacilitiesUnplaced lists elements that matched a category but have
	// no usable geometry (all their nodes or members are missing).
	FacilitiesUnplaced []string `json:"facilities_unplaced"`
	// GreenwayNotGreen counts candidates of "within green" categories
	// (paths, routes) with less than half of their length in green space.
	GreenwayNotGreen int `json:"greenway_candidates_not_in_green"`
	// BelowMinArea counts features of a category with a minimum area
	// (parks) left out: smaller than it, or mapped as a point whose area
	// is not known.
	BelowMinArea int `json:"below_min_area"`
	// MergedDuplicates lists node facilities that lie inside an area
	// facility of the same category (a school mapped as a node and as its
	// grounds): counted once, as the area.
	MergedDuplicates []string `json:"merged_duplicates"`
	// IncompleteRings counts multipolygon rings that could not be closed.
	IncompleteRings int `json:"incomplete_rings"`
	// Boundaries counts the administrative boundaries and place areas
	// read (see OSMData.Boundaries).
	Boundaries int `json:"boundaries"`
	// BoundariesRepaired lists boundaries whose outer ring, cut by the
	// extract's edge, was closed with straight lines along the cut.
	BoundariesRepaired []string `json:"boundaries_repaired"`
	// BoundariesDropped lists boundaries that could not be used, and why.
	BoundariesDropped []string `json:"boundaries_dropped"`
	// PlacesWithPopulation counts place=* nodes with population=*.
	PlacesWithPopulation int     `json:"places_with_population"`
	Buildings            int     `json:"buildings"`
	DecodeSec            float64 `json:"decode_sec"`
	GraphSec             float64 `json:"graph_sec"`
}

// osmFormat sniffs the format of an OSM stream from its first bytes.
func openOSM(ctx context.Context, r io.Reader) (osm.Scanner, string, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(16)
	if err != nil && len(head) == 0 {
		return nil, "", fmt.Errorf("%w: empty file", ErrBadOSM)
	}
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, "", fmt.Errorf("%w: gzip: %v", ErrBadOSM, err)
		}
		s, f, err := openOSM(ctx, zr)
		return s, f + "+gzip", err
	case bytes.HasPrefix(head, []byte("BZh")):
		s, f, err := openOSM(ctx, bzip2.NewReader(br))
		return s, f + "+bzip2", err
	case bytes.HasPrefix(bytes.TrimLeft(head, "\xef\xbb\xbf \t\r\n"), []byte("<")):
		return osmxml.New(ctx, &markupBound{r: br, max: maxXMLRun}), "xml", nil
	case len(head) >= 13 && bytes.Contains(head, []byte("OSMHeader")):
		return osmpbf.New(ctx, br, runtime.GOMAXPROCS(0)), "pbf", nil
	}
	return nil, "", fmt.Errorf("%w: not PBF, XML, gzip or bzip2 OSM data", ErrBadOSM)
}

// nodeStore keeps every node's coordinates, sorted by id, with a bucket
// index over the ids so that a lookup scans a handful of entries.
type nodeStore struct {
	ids    []int64
	pts    []orb.Point
	sorted bool
	shift  uint     // bucket of id is (id - minID) >> shift
	bucket []uint32 // first index of each bucket, plus one sentinel
	minID  int64
	hint   int // index of the last id found: way nodes often come in id order
}

func (s *nodeStore) add(id int64, p orb.Point) {
	if s.sorted && len(s.ids) > 0 && id <= s.ids[len(s.ids)-1] {
		s.sorted = false
	}
	s.ids = append(s.ids, id)
	s.pts = append(s.pts, p)
}

func (s *nodeStore) finish() {
	if !s.sorted {
		s.sort()
	}
	s.buildBuckets()
}

// buildBuckets sizes buckets to hold about two ids each on average.
func (s *nodeStore) buildBuckets() {
	n := len(s.ids)
	if n == 0 {
		return
	}
	s.minID = s.ids[0]
	span := uint64(s.ids[n-1] - s.minID)
	s.shift = 0
	for span>>s.shift > uint64(n)/2 {
		s.shift++
	}
	nb := int(span>>s.shift) + 1
	s.bucket = make([]uint32, nb+1)
	// bucket[b] = index of the first id with bucket >= b.
	j := 0
	for b := 0; b <= nb; b++ {
		for j < n && int(uint64(s.ids[j]-s.minID)>>s.shift) < b {
			j++
		}
		s.bucket[b] = uint32(j)
	}
}

func (s *nodeStore) sort() {
	idx := make([]int, len(s.ids))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return s.ids[idx[a]] < s.ids[idx[b]] })
	ids := make([]int64, len(idx))
	pts := make([]orb.Point, len(idx))
	for i, j := range idx {
		ids[i], pts[i] = s.ids[j], s.pts[j]
	}
	s.ids, s.pts, s.sorted = ids, pts, true
}

func (s *nodeStore) get(id int64) (orb.Point, bool) {
	if h := s.hint + 1; h < len(s.ids) && s.ids[h] == id {
		s.hint = h
		return s.pts[h], true
	}
	if len(s.bucket) == 0 || id < s.minID {
		return orb.Point{}, false
	}
	b := uint64(id-s.minID) >> s.shift
	if b >= uint64(len(s.bucket)-1) {
		return orb.Point{}, false
	}
	lo, hi := int(s.bucket[b]), int(s.bucket[b+1])
	for lo < hi { // ids cluster, so a bucket may hold many: search it
		m := int(uint(lo+hi) >> 1)
		if s.ids[m] < id {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(s.ids) && s.ids[lo] == id {
		s.hint = lo
		return s.pts[lo], true
	}
	return orb.Point{}, false
}

type osmReader struct {
	tax   *geo.Taxonomy
	nodes nodeStore
	// wayNodes keeps every way's node list for the relations that come
	// after the ways; the decoder allocated them, so keeping costs no copy.
	wayNodes map[int64]osm.WayNodes
	// ownPath marks the ways that are paths of their own (see
	// isOwnPath): a route's greenway stretches are made of them.
	ownPath map[int64]bool
	builder geo.GraphBuilder
	out     *OSMData

	// greenway candidates wait for the green areas, which may come later.
	lineCands []geo.Facility
	// lineWays gives, for a route relation's candidate (by index in
	// lineCands), the member way of each line of its geometry.
	lineWays map[int][]int64
	green    []orb.Polygon

	ids []int64 // scratch
	pts []orb.Point
}

// ReadOSM reads an OSM extract (PBF, XML, gzip- or bzip2-compressed XML;
// the format is detected from the content) and builds the walk network and
// the facilities of the taxonomy. name is used in error messages.
func ReadOSM(ctx context.Context, r io.Reader, name string, tax *geo.Taxonomy) (*OSMData, error) {
	start := time.Now()
	sc, format, err := openOSM(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer sc.Close()
	rd := &osmReader{
		tax:      tax,
		nodes:    nodeStore{sorted: true},
		wayNodes: make(map[int64]osm.WayNodes),
		ownPath:  make(map[int64]bool),
		out:      &OSMData{},
	}
	rd.out.Stats.Format = format
	nodesDone := false
	for sc.Scan() {
		switch o := sc.Object().(type) {
		case *osm.Node:
			if nodesDone {
				return nil, fmt.Errorf("%s: %w: node %d after ways; the file is not sorted (nodes, ways, relations)", name, ErrBadOSM, o.ID)
			}
			if err := rd.node(o); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		case *osm.Way:
			if !nodesDone {
				rd.nodes.finish()
				nodesDone = true
			}
			rd.way(o)
		case *osm.Relation:
			if !nodesDone {
				rd.nodes.finish()
				nodesDone = true
			}
			rd.relation(o)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", name, ErrBadOSM, err)
	}
	rd.finishGreenways()
	rd.mergeDuplicates()
	rd.dropSmallAreas()
	st := &rd.out.Stats
	st.Boundaries = len(rd.out.Boundaries)
	rd.out.Bound = rd.nodes.bound()
	for i := range rd.out.Boundaries {
		b := &rd.out.Boundaries[i]
		b.Partial = b.Repaired || !boundWithin(b.Geom.Bound(), rd.out.Bound)
	}
	st.PlacesWithPopulation = len(rd.out.Places)
	st.Nodes = len(rd.nodes.ids)
	st.DecodeSec = time.Since(start).Seconds()
	if st.Nodes == 0 && st.Ways == 0 && st.Relations == 0 {
		return nil, fmt.Errorf("%s: %w: no OSM elements (empty or truncated file)", name, ErrBadOSM)
	}
	t := time.Now()
	g, err := rd.builder.Build()
	if err != nil {
		return nil, fmt.Errorf("%s: %w (no walkable ways among %d ways)", name, err, st.Ways)
	}
	st.GraphSec = time.Since(t).Seconds()
	rd.out.Graph = g
	return rd.out, nil
}

func (rd *osmReader) node(n *osm.Node) error {
	p := orb.Point{n.Lon, n.Lat}
	if err := geo.ValidPoint(p); err != nil {
		return fmt.Errorf("node %d: %w", n.ID, err)
	}
	rd.nodes.add(int64(n.ID), p)
	if len(n.Tags) == 0 {
		return nil
	}
	if n.Tags.Find("place") != "" {
		rd.placeNode(n, p)
	}
	if e := n.Tags.Find("entrance"); e != "" && e != "no" {
		rd.out.Entrances = append(rd.out.Entrances, p)
	}
	for _, ci := range rd.tax.Match(&n.Tags) {
		c := &rd.tax.Categories[ci]
		rd.out.Stats.FacilityElements++
		rd.addFacility(c, "osm:node/"+itoa(int64(n.ID)), n.Tags, p, nil)
	}
	return nil
}

// resolve looks up the way's nodes and returns its runs of consecutive
// nodes present in the file (a clipped extract drops some).
func (rd *osmReader) resolve(w *osm.Way) (runs [][2]int, missing int) {
	rd.ids = rd.ids[:0]
	rd.pts = rd.pts[:0]
	s := 0
	for _, wn := range w.Nodes {
		p, ok := rd.nodes.get(int64(wn.ID))
		if !ok {
			missing++
			if len(rd.ids) > s {
				runs = append(runs, [2]int{s, len(rd.ids)})
			}
			s = len(rd.ids)
			continue
		}
		rd.ids = append(rd.ids, int64(wn.ID))
		rd.pts = append(rd.pts, p)
	}
	if len(rd.ids) > s {
		runs = append(runs, [2]int{s, len(rd.ids)})
	}
	return runs, missing
}

func (rd *osmReader) way(w *osm.Way) {
	st := &rd.out.Stats
	st.Ways++
	runs, missing := rd.resolve(w)
	st.MissingNodeRefs += missing
	rd.wayNodes[int64(w.ID)] = w.Nodes
	if isOwnPath(w.Tags) {
		rd.ownPath[int64(w.ID)] = true
	}
	if len(w.Tags) == 0 || len(rd.pts) == 0 {
		return
	}
	if attr, ok := WalkAttr(w.Tags); ok {
		st.WalkableWays++
		if missing > 0 {
			st.ClippedWays++
		}
		for _, r := range runs {
			rd.builder.AddWay(int64(w.ID), rd.ids[r[0]:r[1]], rd.pts[r[0]:r[1]], attr)
		}
	}
	closed := missing == 0 && len(w.Nodes) >= 4 && w.Nodes[0].ID == w.Nodes[len(w.Nodes)-1].ID
	if closed && isBuilding(w.Tags) {
		rd.addBuilding(w.Tags, orb.Polygon{orb.Ring(rd.pts)}) // no copy: not kept
	}
	if isBoundaryArea(w.Tags) {
		rd.boundaryWay(w, runs, missing)
	}
	matches := rd.tax.Match(&w.Tags)
	residential := w.Tags.Find("landuse") == "residential"
	green := rd.tax.IsGreen(&w.Tags)
	var poly orb.Polygon
	if closed && isArea(w.Tags) && (residential || green || len(matches) > 0) {
		poly = orb.Polygon{orb.Ring(append([]orb.Point(nil), rd.pts...))}
		if residential {
			rd.out.ResidentialAreas = append(rd.out.ResidentialAreas, poly)
		}
		if green {
			rd.green = append(rd.green, poly)
		}
	}
	id := "osm:way/" + itoa(int64(w.ID))
	for _, ci := range matches {
		c := &rd.tax.Categories[ci]
		st.FacilityElements++
		var g orb.Geometry
		switch {
		case c.Kind == "line" || poly == nil:
			g = wayLines(rd.pts, runs)
		default:
			g = poly
		}
		rd.addFacilityGeom(c, id, w.Tags, g, int64(w.ID))
	}
}

// wayLines returns the present runs of a way as a line or multi-line.
func wayLines(pts []orb.Point, runs [][2]int) orb.Geometry {
	var ml orb.MultiLineString
	for _, r := range runs {
		if r[1]-r[0] >= 2 {
			ml = append(ml, orb.LineString(append([]orb.Point(nil), pts[r[0]:r[1]]...)))
		}
	}
	switch len(ml) {
	case 0:
		if len(runs) > 0 {
			return pts[runs[0][0]] // a single surviving node
		}
		return nil
	case 1:
		return ml[0]
	}
	return ml
}

// isArea reports whether a closed way is an area rather than a closed line.
func isArea(tags osm.Tags) bool {
	if a := tags.Find("area"); a != "" {
		return a == "yes"
	}
	if hw := tags.Find("highway"); hw != "" && tags.Find("leisure") == "" && tags.Find("amenity") == "" {
		return false
	}
	return true
}

func (rd *osmReader) addBuilding(tags osm.Tags, poly orb.Polygon) {
	areaM2 := orbgeo.Area(poly)
	if areaM2 <= 0 {
		return
	}
	c, _ := planar.CentroidArea(poly)
	rd.out.Buildings = append(rd.out.Buildings, geo.Building{
		Centroid:    c,
		AreaM2:      areaM2,
		Levels:      buildingLevels(tags),
		Residential: residentialBuilding[tags.Find("building")],
	})
	rd.out.Stats.Buildings++
}

func (rd *osmReader) relation(r *osm.Relation) {
	st := &rd.out.Stats
	st.Relations++
	if len(r.Tags) == 0 {
		return
	}
	typ := r.Tags.Find("type")
	id := "osm:relation/" + itoa(int64(r.ID))
	if (typ == "boundary" || typ == "multipolygon") && isBoundaryArea(r.Tags) {
		rd.boundaryRelation(r, id)
	}
	matches := rd.tax.Match(&r.Tags)
	switch typ {
	case "multipolygon":
		wantArea := len(matches) > 0 || isBuilding(r.Tags) || r.Tags.Find("landuse") == "residential" || rd.tax.IsGreen(&r.Tags)
		if !wantArea {
			return
		}
		mp, incomplete := rd.assemble(r)
		st.IncompleteRings += incomplete
		if len(mp) > 0 {
			if isBuilding(r.Tags) {
				for _, p := range mp {
					rd.addBuilding(r.Tags, p)
				}
			}
			if r.Tags.Find("landuse") == "residential" {
				rd.out.ResidentialAreas = append(rd.out.ResidentialAreas, mp...)
			}
			if rd.tax.IsGreen(&r.Tags) {
				rd.green = append(rd.green, mp...)
			}
		}
		for _, ci := range matches {
			st.FacilityElements++
			var g orb.Geometry
			switch len(mp) {
			case 0:
				g = nil
			case 1:
				g = mp[0]
			default:
				g = mp
			}
			rd.addFacilityGeom(&rd.tax.Categories[ci], id, r.Tags, g)
		}
	default:
		if len(matches) == 0 {
			return
		}
		// Routes and other relations: the union of their member ways.
		var ml orb.MultiLineString
		var ways, lineWay []int64
		for _, m := range r.Members {
			if m.Type != osm.TypeWay {
				continue
			}
			for _, run := range rd.memberRuns(m.Ref) {
				ml = append(ml, orb.LineString(run))
				lineWay = append(lineWay, m.Ref)
			}
			ways = append(ways, m.Ref)
		}
		for _, ci := range matches {
			st.FacilityElements++
			c := &rd.tax.Categories[ci]
			if c.Within == geo.WithinGreen && len(ml) > 0 {
				// A route counts where it runs through green space: its
				// member ways are sorted out once the green areas are in.
				rd.addFacility(c, id, r.Tags, representativePoint(ml), ml, ways...)
				if n := len(rd.lineCands); n > 0 && rd.lineCands[n-1].ID == id {
					if rd.lineWays == nil {
						rd.lineWays = map[int][]int64{}
					}
					rd.lineWays[n-1] = lineWay
				}
				continue
			}
			var g orb.Geometry
			if len(ml) > 0 {
				g = ml
			}
			rd.addFacilityGeom(c, id, r.Tags, g, ways...)
		}
	}
}

// memberRuns returns the runs of a member way's nodes present in the file,
// each with at least two points, as new slices.
func (rd *osmReader) memberRuns(wayID int64) [][]orb.Point {
	nodes, ok := rd.wayNodes[wayID]
	if !ok {
		return nil
	}
	var runs [][]orb.Point
	var cur []orb.Point
	for _, wn := range nodes {
		p, ok := rd.nodes.get(int64(wn.ID))
		if !ok {
			if len(cur) >= 2 {
				runs = append(runs, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, p)
	}
	if len(cur) >= 2 {
		runs = append(runs, cur)
	}
	return runs
}

// addFacilityGeom adds a facility with a geometry, or lists it as unplaced
// when it has none. ways are the OSM ways a line facility is made of.
func (rd *osmReader) addFacilityGeom(c *geo.Category, id string, tags osm.Tags, g orb.Geometry, ways ...int64) {
	if g == nil {
		rd.out.Stats.FacilitiesUnplaced = append(rd.out.Stats.FacilitiesUnplaced, id+" ("+c.ID+"): no nodes or members in the file")
		return
	}
	if p, ok := g.(orb.Point); ok {
		rd.addFacility(c, id, tags, p, nil)
		return
	}
	rd.addFacility(c, id, tags, representativePoint(g), g, ways...)
}

func (rd *osmReader) addFacility(c *geo.Category, id string, tags osm.Tags, p orb.Point, g orb.Geometry, ways ...int64) {
	capv, capSrc := c.Capacity(&tags)
	f := geo.Facility{
		ID: id, Category: c.ID, Name: tags.Find("name"), Point: p, Geom: g,
		Capacity: capv, CapacitySource: capSrc, Source: "osm",
	}
	if c.Kind == geo.KindLine {
		f.WayIDs = ways
	}
	f.BelowStreet = belowStreet(tags)
	// Ways and route relations are tested for green space once every
	// green area is read (see finishGreenways).
	if c.Within == geo.WithinGreen && (strings.HasPrefix(id, "osm:way/") || strings.HasPrefix(id, "osm:relation/")) {
		rd.lineCands = append(rd.lineCands, f)
		return
	}
	rd.out.Facilities = append(rd.out.Facilities, f)
}

// mergeDuplicates drops node facilities inside an area facility of the
// same category, giving the area the node's name and capacity where it has
// none, and lists each merge.
func (rd *osmReader) mergeDuplicates() {
	fs := rd.out.Facilities
	areas := map[string][]int{} // category -> facility indexes of areas
	for i, f := range fs {
		switch f.Geom.(type) {
		case orb.Polygon, orb.MultiPolygon:
			areas[f.Category] = append(areas[f.Category], i)
		}
	}
	if len(areas) == 0 {
		return
	}
	sets := map[string]*geo.PolygonSet{}
	for cat, idx := range areas {
		mps := make([]orb.MultiPolygon, len(idx))
		for k, i := range idx {
			switch g := fs[i].Geom.(type) {
			case orb.Polygon:
				mps[k] = orb.MultiPolygon{g}
			case orb.MultiPolygon:
				mps[k] = g
			}
		}
		sets[cat] = geo.NewPolygonSetMulti(mps)
	}
	drop := make([]bool, len(fs))
	for i, f := range fs {
		set := sets[f.Category]
		if set == nil || f.Geom != nil || !strings.HasPrefix(f.ID, "osm:node/") {
			continue
		}
		k := set.First(f.Point)
		if k < 0 {
			continue
		}
		area := &fs[areas[f.Category][k]]
		if area.Name == "" {
			area.Name = f.Name
		}
		if f.CapacitySource != "" && f.CapacitySource != "default" && (area.CapacitySource == "" || area.CapacitySource == "default") {
			area.Capacity, area.CapacitySource = f.Capacity, f.CapacitySource
		}
		drop[i] = true
		rd.out.Stats.MergedDuplicates = append(rd.out.Stats.MergedDuplicates,
			f.ID+" ("+f.Category+") inside "+area.ID)
	}
	kept := fs[:0]
	for i, f := range fs {
		if !drop[i] {
			kept = append(kept, f)
		}
	}
	rd.out.Facilities = kept
}

// dropSmallAreas leaves out the features of categories with a minimum
// area (parks) that are smaller, or points whose area is not known. It
// runs after mergeDuplicates, so a park mapped as a node inside its area
// counts once, as the area.
func (rd *osmReader) dropSmallAreas() {
	minArea := map[string]float64{}
	for _, c := range rd.tax.Categories {
		if c.MinAreaM2 > 0 {
			minArea[c.ID] = c.MinAreaM2
		}
	}
	if len(minArea) == 0 {
		return
	}
	kept := rd.out.Facilities[:0]
	for _, f := range rd.out.Facilities {
		if m, ok := minArea[f.Category]; ok && facilityAreaM2(f.Geom) < m {
			rd.out.Stats.BelowMinArea++
			continue
		}
		kept = append(kept, f)
	}
	rd.out.Facilities = kept
}

// facilityAreaM2 is the geodesic area of a polygon or multipolygon in
// square metres, 0 for any other geometry.
func facilityAreaM2(g orb.Geometry) float64 {
	switch g := g.(type) {
	case orb.Polygon:
		return math.Abs(orbgeo.Area(g))
	case orb.MultiPolygon:
		var a float64
		for _, p := range g {
			a += math.Abs(orbgeo.Area(p))
		}
		return a
	}
	return 0
}

// isOwnPath reports whether a way is a path of its own, away from roads:
// highway=footway, path, cycleway or bridleway, not a sidewalk or a
// crossing, and open to the public.
func isOwnPath(tags osm.Tags) bool {
	switch tags.Find("highway") {
	case "footway", "path", "cycleway", "bridleway":
	default:
		return false
	}
	switch tags.Find("footway") {
	case "sidewalk", "crossing", "access_aisle":
		return false
	}
	switch tags.Find("access") {
	case "private", "no":
		return false
	}
	return true
}

// minGreenShare is the share of its length a "within green" line must
// run inside green space.
const minGreenShare = 0.5

// finishGreenways keeps the candidates of "within green" categories that
// run through green space: at least half of a path's length lies inside
// a green area; a route keeps the member ways that are paths of their own
// (isOwnPath) of which that holds, not the roads and tracks it follows.
func (rd *osmReader) finishGreenways() {
	if len(rd.lineCands) == 0 {
		return
	}
	idx := newPolyIndex(rd.green)
	for i, f := range rd.lineCands {
		if lw, ok := rd.lineWays[i]; ok {
			// A route: keep the member ways that run through green space.
			var green orb.MultiLineString
			var ways []int64
			seen := map[int64]bool{}
			for k, l := range f.Geom.(orb.MultiLineString) {
				if rd.ownPath[lw[k]] && idx.shareInside(l) >= minGreenShare {
					green = append(green, l)
					if !seen[lw[k]] {
						seen[lw[k]] = true
						ways = append(ways, lw[k])
					}
				}
			}
			if len(green) == 0 {
				rd.out.Stats.GreenwayNotGreen++
				continue
			}
			f.Geom, f.WayIDs, f.Point = green, ways, representativePoint(green)
			rd.out.Facilities = append(rd.out.Facilities, f)
			continue
		}
		if idx.shareInside(f.Geom) >= minGreenShare {
			rd.out.Facilities = append(rd.out.Facilities, f)
		} else {
			rd.out.Stats.GreenwayNotGreen++
		}
	}
	rd.lineCands, rd.lineWays = nil, nil
}

// representativePoint returns a point for a facility with an area or line
// geometry: the area centroid when it lies inside, else a vertex; the
// middle vertex of a line.
func representativePoint(g orb.Geometry) orb.Point {
	switch g := g.(type) {
	case orb.Polygon:
		c, _ := planar.CentroidArea(g)
		if planar.PolygonContains(g, c) {
			return c
		}
		return g[0][0]
	case orb.MultiPolygon:
		best, bestA := 0, -1.0
		for i, p := range g {
			if a := planar.Area(p); a > bestA {
				best, bestA = i, a
			}
		}
		return representativePoint(g[best])
	case orb.LineString:
		return g[len(g)/2]
	case orb.MultiLineString:
		best := 0
		for i, l := range g {
			if len(l) > len(g[best]) {
				best = i
			}
		}
		return representativePoint(g[best])
	}
	return g.Bound().Center()
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// maxXMLRun bounds the bytes of OSM XML between two markup delimiters
// ('<' or '>'): the text between elements, or one element with its
// attributes. OSM's own limits (255 characters a tag value) keep real
// files far below it; encoding/xml holds a whole run in memory, so
// without a bound a file of whitespace or one huge attribute value
// takes memory in proportion to its size.
const maxXMLRun = 1 << 20

// markupBound passes XML through, failing once a run between markup
// delimiters exceeds max bytes.
type markupBound struct {
	r   io.Reader
	max int
	run int   // bytes since the last '<' or '>'
	off int64 // bytes read
}

func (m *markupBound) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	for i, b := range p[:n] {
		if b == '<' || b == '>' {
			m.run = 0
			continue
		}
		m.run++
		if m.run > m.max {
			return i, fmt.Errorf("%w: more than %d bytes without markup (text or one element) near byte %d", ErrBadOSM, m.max, m.off+int64(i))
		}
	}
	m.off += int64(n)
	return n, err
}
