package data

import (
	"sort"

	"fifteen/geo"
)

// Inspection is what `fifteen inspect --json` prints. Its JSON keys are
// stable: new keys may be added, existing ones keep their meaning.
type Inspection struct {
	City        string             `json:"city"`
	Attribution string             `json:"attribution"`
	Inputs      map[string]string  `json:"inputs"`
	OSM         OSMStats           `json:"osm"`
	Network     NetworkSummary     `json:"network"`
	Facilities  FacilitySummary    `json:"facilities"`
	Communities CommunitySummary   `json:"communities"`
	Population  PopulationSummary  `json:"population"`
	StageSec    map[string]float64 `json:"load_sec_by_stage"`
	TotalSec    float64            `json:"load_sec_total"`
}

// NetworkSummary describes the walk network.
type NetworkSummary struct {
	Vertices          int     `json:"vertices"`
	Edges             int     `json:"edges"`
	WalkableKm        float64 `json:"walkable_km"`
	Components        int     `json:"components"`
	LargestVertices   int     `json:"largest_component_vertices"`
	LargestKm         float64 `json:"largest_component_km"`
	GraphBytes        int     `json:"graph_bytes"`
	IndexBytes        int     `json:"index_bytes"`
	BytesPerEdge      float64 `json:"bytes_per_edge"`
	SnapMaxM          float64 `json:"snap_max_m"`
	StepsKm           float64 `json:"steps_km"`
	UnpavedKm         float64 `json:"unpaved_km"`
	TunnelOrIndoorKm  float64 `json:"tunnel_or_indoor_km"`
	OnewayForWalkers  int     `json:"oneway_for_walkers_edges"`
	TaggedInclineEdge int     `json:"tagged_incline_edges"`
}

// CategoryCount counts the facilities of one category.
type CategoryCount struct {
	Category string `json:"category"`
	Name     string `json:"name"`
	NameZH   string `json:"name_zh"`
	Found    int    `json:"found"`
	Snapped  int    `json:"snapped"`
	TooFar   int    `json:"too_far"`
	OnIsland int    `json:"on_islands"`
}

// FacilitySummary counts facilities per category.
type FacilitySummary struct {
	Total      int             `json:"total"`
	User       int             `json:"from_user_file"`
	ByCategory []CategoryCount `json:"by_category"`
	// TooFar lists the ids of facilities farther than the snap limit.
	TooFar   []string `json:"too_far_ids"`
	Unplaced []string `json:"unplaced"`
}

// CommunitySummary counts communities.
type CommunitySummary struct {
	Count      int     `json:"count"`
	Population float64 `json:"population"`
	// Origin tells where the communities came from (file, embedded, osm
	// boundaries and hexagons, or none).
	Origin CommunityOrigin `json:"origin"`
}

// CommunityPlacement tells how one community's population was placed.
type CommunityPlacement struct {
	ID         string  `json:"id"`
	Name       string  `json:"name"`
	Population float64 `json:"population"`
	Placed     float64 `json:"placed"`
	Cells      int     `json:"cells"`
	Method     string  `json:"method"`
	// Source is the community's outline source (geo.Community.Source).
	Source string `json:"source"`
}

// PopulationSummary describes the population placed on H3 cells.
type PopulationSummary struct {
	Resolution  int                  `json:"h3_resolution"`
	Cells       int                  `json:"cells"`
	Total       float64              `json:"total"`
	Placed      float64              `json:"placed"`
	TooFar      float64              `json:"people_too_far_from_network"`
	OnIslands   float64              `json:"people_on_islands"`
	ByCommunity []CommunityPlacement `json:"by_community"`
	// Origin tells where the population came from and how it was placed.
	Origin PopulationOrigin `json:"origin"`
}

// Inspect summarises a loaded city.
func Inspect(c *geo.City, st *LoadStats) Inspection {
	g := c.Graph
	in := Inspection{
		City: c.Name, Attribution: c.Attribution, Inputs: st.Inputs, OSM: st.OSM,
		StageSec: st.StageSec, TotalSec: st.TotalSec,
	}
	n := &in.Network
	n.Vertices, n.Edges, n.Components = g.NumVertices(), g.NumEdges(), g.NumComponents()
	n.LargestVertices = g.ComponentSize(g.LargestComponent())
	for e := 0; e < g.NumEdges(); e++ {
		km := g.EdgeLengthM(e) / 1000
		n.WalkableKm += km
		if g.InLargest(e) {
			n.LargestKm += km
		}
		a := g.EdgeAttr(e)
		if a.Flags&geo.FlagSteps != 0 {
			n.StepsKm += km
		}
		if a.Flags&geo.FlagUnpaved != 0 {
			n.UnpavedKm += km
		}
		if a.Flags&(geo.FlagTunnel|geo.FlagIndoor) != 0 {
			n.TunnelOrIndoorKm += km
		}
		if a.Flags&(geo.FlagOnewayFwd|geo.FlagOnewayBwd) != 0 {
			n.OnewayForWalkers++
		}
		if a.Flags&geo.FlagIncline != 0 {
			n.TaggedInclineEdge++
		}
	}
	n.GraphBytes = g.SizeBytes()
	n.IndexBytes = c.Index.SizeBytes()
	if n.Edges > 0 {
		n.BytesPerEdge = float64(n.GraphBytes+n.IndexBytes) / float64(n.Edges)
	}
	n.SnapMaxM = c.SnapMaxM

	f := &in.Facilities
	f.Total = len(c.Facilities)
	f.User = st.UserFacil
	f.Unplaced = append([]string{}, st.OSM.FacilitiesUnplaced...)
	f.TooFar = []string{}
	byCat := map[string]*CategoryCount{}
	for _, cat := range c.Taxonomy.Categories {
		cc := &CategoryCount{Category: cat.ID, Name: cat.Name, NameZH: cat.NameZH}
		byCat[cat.ID] = cc
	}
	for i, fac := range c.Facilities {
		cc := byCat[fac.Category]
		if cc == nil {
			continue
		}
		cc.Found++
		s := c.FacilitySnap[i]
		switch {
		case s.Edge < 0:
			cc.TooFar++
			f.TooFar = append(f.TooFar, fac.ID)
		default:
			cc.Snapped++
			if c.OnIsland(s) {
				cc.OnIsland++
			}
		}
	}
	for _, cat := range c.Taxonomy.Categories {
		f.ByCategory = append(f.ByCategory, *byCat[cat.ID])
	}

	in.Communities.Count = len(c.Communities)
	in.Communities.Origin = st.Communities
	in.Population.Origin = st.Population
	for _, cm := range c.Communities {
		in.Communities.Population += cm.Population
	}
	p := &in.Population
	p.ByCommunity = []CommunityPlacement{}
	if pop := c.Population; pop != nil {
		p.Resolution = pop.Res
		p.Cells = len(pop.Cells)
		p.Placed = pop.Total
		cellsBy := make([]int, len(c.Communities))
		for i, pc := range pop.Cells {
			if pc.Community >= 0 && int(pc.Community) < len(cellsBy) {
				cellsBy[pc.Community]++
			}
			s := c.CellSnap[i]
			if s.Edge < 0 {
				p.TooFar += pc.Pop
			} else if c.OnIsland(s) {
				p.OnIslands += pc.Pop
			}
		}
		for i, cm := range c.Communities {
			cp := CommunityPlacement{ID: cm.ID, Name: cm.Name, Population: cm.Population, Cells: cellsBy[i], Source: cm.Source}
			if i < len(pop.PlacedByCommunity) {
				cp.Placed = pop.PlacedByCommunity[i]
			}
			if i < len(pop.Method) {
				cp.Method = pop.Method[i]
			}
			p.ByCommunity = append(p.ByCommunity, cp)
		}
		sort.SliceStable(p.ByCommunity, func(a, b int) bool { return p.ByCommunity[a].Population > p.ByCommunity[b].Population })
	}
	p.Total = in.Communities.Population
	if p.Total == 0 {
		p.Total = p.Placed
	}
	return in
}
