package data

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"fifteen/geo"
	"fifteen/geo/hex"
)

// ReportCSVHeader is the header of WriteReportCSV: one row per community,
// profile and category. The composite figures of a community and profile
// repeat on each of its rows.
var ReportCSVHeader = []string{
	"community_id", "community_name", "profile", "category", "threshold_min",
	"population", "covered", "share", "mean_min", "p90_min", "unreached", "gini",
	"opportunities", "mean_k_min", "complete_share", "mean_categories_within", "f15",
}

// WriteReportCSV writes the coverage report as CSV, the whole city first
// (community_id "*").
func WriteReportCSV(w io.Writer, r *geo.CoverageReport) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(ReportCSVHeader); err != nil {
		return err
	}
	rows := append([]geo.CommunityCoverage{r.Total}, r.Communities...)
	rows[0].ID = "*"
	for _, cc := range rows {
		for _, p := range cc.Profiles {
			for _, c := range p.Categories {
				rec := []string{cc.ID, cc.Name, p.Profile, c.Category, num(c.ThresholdMin),
					num(c.Population), num(c.Covered), num(c.Share), numPtr(c.MeanMin), numPtr(c.P90Min),
					num(c.Unreached), num(c.Gini), num(c.Opportunities), numPtr(c.MeanKMin),
					num(p.CompleteShare), num(p.MeanCategoriesWithin), num(p.F15)}
				if err := cw.Write(rec); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func num(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return ""
	}
	return strconv.FormatFloat(math.Round(f*1e4)/1e4, 'f', -1, 64)
}

func numPtr(f *float64) string {
	if f == nil {
		return ""
	}
	return num(*f)
}

// roundCoords rounds a geometry's coordinates to 6 decimals (about 0.1 m),
// in place.
func roundCoords(g orb.Geometry) orb.Geometry {
	r := func(p orb.Point) orb.Point {
		return orb.Point{math.Round(p[0]*1e6) / 1e6, math.Round(p[1]*1e6) / 1e6}
	}
	switch g := g.(type) {
	case orb.Point:
		return r(g)
	case orb.Ring:
		for i := range g {
			g[i] = r(g[i])
		}
	case orb.Polygon:
		for _, ring := range g {
			roundCoords(ring)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			roundCoords(p)
		}
	case orb.LineString:
		for i := range g {
			g[i] = r(g[i])
		}
	case orb.MultiLineString:
		for _, l := range g {
			roundCoords(l)
		}
	}
	return g
}

// WriteReportGeoJSON writes the communities as polygons with every coverage
// figure as flat properties named <figure>_<category>_<profile>, such as
// share_clinic_adult, so that any GIS can style by them.
func WriteReportGeoJSON(w io.Writer, city *geo.City, r *geo.CoverageReport) error {
	fc := geojson.NewFeatureCollection()
	fc.ExtraMembers = geojson.Properties{"attribution": city.Attribution, "cutoff_min": r.CutoffMin}
	for i, cc := range r.Communities {
		f := geojson.NewFeature(roundCoords(city.Communities[i].Geom.Clone()))
		f.ID = cc.ID
		props := geojson.Properties{"id": cc.ID, "name": cc.Name, "population": cc.Population}
		for _, p := range cc.Profiles {
			props["complete_share_"+p.Profile] = round4(p.CompleteShare)
			props["f15_"+p.Profile] = round4(p.F15)
			props["mean_categories_within_"+p.Profile] = round4(p.MeanCategoriesWithin)
			for _, c := range p.Categories {
				sfx := "_" + c.Category + "_" + p.Profile
				props["share"+sfx] = round4(c.Share)
				props["unreached"+sfx] = round4(c.Unreached)
				props["mean_min"+sfx] = ptrRound(c.MeanMin)
				props["p90_min"+sfx] = ptrRound(c.P90Min)
			}
		}
		f.Properties = props
		fc.Append(f)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(fc)
}

func round4(f float64) float64 { return math.Round(f*1e4) / 1e4 }

func ptrRound(f *float64) any {
	if f == nil {
		return nil
	}
	return round4(*f)
}

// CellRow is one H3 cell of `fifteen cells`: its population and, for each
// category, the population-weighted walk minutes of those who reach one
// within the cutoff (NaN when none) and the share within the threshold.
type CellRow struct {
	Cell       hex.Cell
	Community  string
	Population float64
	Minutes    []float64
	Within     []float64
}

// CellRows aggregates the access of profile p to H3 cells of resolution
// res (7 to 10); coarser cells combine their children population-weighted.
func CellRows(a *geo.Access, p, res int) ([]CellRow, error) {
	if res < 7 || res > geo.PopulationRes {
		return nil, fmt.Errorf("%w: resolution %d outside 7..%d", geo.ErrBadOption, res, geo.PopulationRes)
	}
	cats := a.City.Taxonomy.Categories
	type acc struct {
		row            CellRow
		reachedW       []float64
		reachedT       []float64
		within         []float64
		weight         float64
		communityPop   map[int32]float64
		mainCommunity  int32
		mainCommunityP float64
	}
	byCell := map[hex.Cell]*acc{}
	var order []hex.Cell
	for i, pc := range a.City.Population.Cells {
		c := pc.Cell.Parent(res)
		x := byCell[c]
		if x == nil {
			x = &acc{row: CellRow{Cell: c}, reachedW: make([]float64, len(cats)), reachedT: make([]float64, len(cats)),
				within: make([]float64, len(cats)), communityPop: map[int32]float64{}, mainCommunity: -1}
			byCell[c] = x
			order = append(order, c)
		}
		w := a.CellWeight(p, i)
		x.row.Population += pc.Pop
		x.weight += w
		x.communityPop[pc.Community] += pc.Pop
		for ci := range cats {
			t := a.TimeDs[p][ci][i]
			if t != geo.Unreached {
				x.reachedW[ci] += w
				x.reachedT[ci] += w * geo.DsToMin(t)
			}
			if t <= geo.MinToDs(cats[ci].ThresholdMin) {
				x.within[ci] += w
			}
		}
	}
	sort.Slice(order, func(i, j int) bool { return order[i] < order[j] })
	rows := make([]CellRow, 0, len(order))
	for _, c := range order {
		x := byCell[c]
		for cm, pop := range x.communityPop {
			if pop > x.mainCommunityP || (pop == x.mainCommunityP && cm < x.mainCommunity) {
				x.mainCommunity, x.mainCommunityP = cm, pop
			}
		}
		if x.mainCommunity >= 0 {
			x.row.Community = a.City.Communities[x.mainCommunity].ID
		}
		x.row.Minutes = make([]float64, len(cats))
		x.row.Within = make([]float64, len(cats))
		for ci := range cats {
			x.row.Minutes[ci] = math.NaN()
			if x.reachedW[ci] > 0 {
				x.row.Minutes[ci] = x.reachedT[ci] / x.reachedW[ci]
			}
			if x.weight > 0 {
				x.row.Within[ci] = x.within[ci] / x.weight
			}
		}
		rows = append(rows, x.row)
	}
	return rows, nil
}

// WriteCellsCSV writes cell rows: h3, community, population, then for each
// category minutes_<id> (empty when unreached) and within_<id>.
func WriteCellsCSV(w io.Writer, cats []geo.Category, rows []CellRow) error {
	cw := csv.NewWriter(w)
	head := []string{"h3", "community", "population"}
	for _, c := range cats {
		head = append(head, "minutes_"+c.ID, "within_"+c.ID)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, r := range rows {
		rec := []string{r.Cell.String(), r.Community, num(r.Population)}
		for ci := range cats {
			rec = append(rec, num(r.Minutes[ci]), num(r.Within[ci]))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteCellsGeoJSON streams cell rows as hexagon polygons with the same
// properties as WriteCellsCSV.
func WriteCellsGeoJSON(w io.Writer, attribution string, cats []geo.Category, rows []CellRow) error {
	bw := bufio.NewWriter(w)
	attr, _ := json.Marshal(attribution)
	fmt.Fprintf(bw, `{"type":"FeatureCollection","attribution":%s,"features":[`, attr)
	for i, r := range rows {
		if i > 0 {
			bw.WriteByte(',')
		}
		f := geojson.NewFeature(roundCoords(orb.Polygon{r.Cell.Boundary()}))
		f.ID = r.Cell.String()
		props := geojson.Properties{"h3": r.Cell.String(), "community": r.Community, "population": round4(r.Population)}
		for ci, c := range cats {
			if math.IsNaN(r.Minutes[ci]) {
				props["minutes_"+c.ID] = nil
			} else {
				props["minutes_"+c.ID] = round4(r.Minutes[ci])
			}
			props["within_"+c.ID] = round4(r.Within[ci])
		}
		f.Properties = props
		b, err := json.Marshal(f)
		if err != nil {
			return err
		}
		bw.Write(b)
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}

// WriteIsochroneGeoJSON writes an isochrone as a FeatureCollection: one
// MultiPolygon per contour, largest first so that smaller ones draw on top,
// then (when asked for) the reached streets as lines with their times.
func WriteIsochroneGeoJSON(w io.Writer, attribution, profile string, res *geo.IsochroneResult) error {
	fc := geojson.NewFeatureCollection()
	fc.ExtraMembers = geojson.Properties{"attribution": attribution}
	for i := len(res.Contours) - 1; i >= 0; i-- {
		c := res.Contours[i]
		f := geojson.NewFeature(roundCoords(c.Area.Clone()))
		f.Properties = geojson.Properties{"minutes": c.Minutes, "profile": profile, "area_km2": round4(c.AreaKm2),
			"vertices": c.Vertices, "origin": []float64{res.Origin[0], res.Origin[1]}, "snap_m": round4(res.Snap.DistM)}
		fc.Append(f)
	}
	for _, e := range res.Edges {
		f := geojson.NewFeature(roundCoords(e.Line.Clone()))
		f.Properties = geojson.Properties{"edge": e.Edge, "from_min": round4(e.FromMin), "to_min": round4(e.ToMin)}
		fc.Append(f)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(fc)
}
