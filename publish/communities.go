package publish

import (
	"fmt"
	"strconv"

	"github.com/paulmach/orb"

	"fifteen/geo"
)

// CommunityLayer is the communities with every coverage figure of a report
// as flat properties named <figure>_<category>_<walker> (wide format), for
// GIS styling. The figures follow the report: narrowed to one walker or
// category, the layer has only theirs.
type CommunityLayer struct {
	City   *geo.City
	Report *geo.CoverageReport
	K      int
	schema *Schema
	// capCats are, per walker, the categories with capacity figures.
	capCats [][]string
}

// Communities returns the communities of city with the figures of report r
// (computed with nearest-K k).
func Communities(city *geo.City, r *geo.CoverageReport, k int) *CommunityLayer {
	l := &CommunityLayer{City: city, Report: r, K: k}
	s := &Schema{
		Kind: "community", Title: "Communities", Geometry: "MultiPolygon", IDType: IDString,
		Description: "Communities with their population and every coverage figure of the report as flat properties " +
			"named <figure>_<walker> and <figure>_<category>_<walker>: life-circle compliance per GB 50180-2018 " +
			"tier and the facility types missing from it, coverage per category, and capacity-aware access (E2SFCA) " +
			"for categories with places. The long format (collection coverage, CSV report) has one row per " +
			"community, walker and category instead.",
		Fields: []Field{
			{Name: "id", Type: String, Description: "Community id"},
			{Name: "name", Type: String, Description: "Community name"},
			{Name: "population", Type: Number, Unit: "people", Description: "Residents, as given"},
			{Name: "households", Type: Number, Nullable: true, Description: "Households; null when unknown"},
			{Name: "aged60_share", Type: Number, Unit: "share", Nullable: true, Description: "Share of residents aged 60 and over; null when unknown"},
			{Name: "child_share", Type: Number, Unit: "share", Nullable: true, Description: "Share of residents aged under 15; null when unknown"},
			{Name: "source", Type: String, Nullable: true, Description: "Where the outline comes from: file, an OSM boundary or place with its level (osm:relation/… admin_level=8), or an H3 cell where no boundary covers (h3 res 8)"},
			{Name: "population_method", Type: String, Nullable: true, Description: "How the residents were placed on cells: floor_area, network_cells, all_cells, point, cells, raster, osm_population or floor_area_estimate (an estimate from residential floor area)"},
		},
	}
	for _, cov := range r.Total.Profiles {
		w := "_" + cov.Profile
		s.Fields = append(s.Fields,
			Field{Name: "residents" + w, Type: Number, Unit: "people", Description: "Residents counted for walker " + cov.Profile + " (for seniors, those aged 60 and over where known)"},
			Field{Name: "complete_share" + w, Type: Number, Unit: "share", Description: "Share of residents within the threshold of every essential category"},
			Field{Name: "f15" + w, Type: Number, Unit: "share", Description: "Share of residents whose mean walk over the essential categories is at most 15 minutes"},
			Field{Name: "mean_categories_within" + w, Type: Number, Description: "Mean number of categories within their thresholds"},
		)
		for _, t := range cov.LifeCircle {
			ts := strconv.Itoa(t.Tier)
			s.Fields = append(s.Fields,
				Field{Name: "compliance_" + ts + w, Type: Number, Unit: "share", Description: "Share of residents reaching every facility type of the " + ts + "-minute life circle (GB 50180-2018)"},
				Field{Name: "missing_" + ts + w, Type: StringList, Description: "Facility types of the " + ts + "-minute circle that fewer than half the residents reach, least served first"},
			)
		}
		for _, c := range cov.Categories {
			cw := "_" + c.Category + w
			name := c.Category
			if cat, ok := city.Taxonomy.Category(c.Category); ok {
				name = cat.Name
			}
			s.Fields = append(s.Fields,
				Field{Name: "share" + cw, Type: Number, Unit: "share", Description: fmt.Sprintf("Share of residents within %g minutes of a %s", c.ThresholdMin, name)},
				Field{Name: "covered" + cw, Type: Number, Unit: "people", Description: fmt.Sprintf("Residents within %g minutes of a %s", c.ThresholdMin, name)},
				Field{Name: "unreached" + cw, Type: Number, Unit: "people", Description: fmt.Sprintf("Residents with no %s within the cutoff", name)},
				Field{Name: "mean_min" + cw, Type: Number, Unit: "min", Nullable: true, Description: fmt.Sprintf("Mean walk to the nearest %s of those who reach one; null when nobody does", name)},
				Field{Name: "p90_min" + cw, Type: Number, Unit: "min", Nullable: true, Description: "90th percentile of the walk; null when more than a tenth reach nothing within the cutoff"},
				Field{Name: "gini" + cw, Type: Number, Description: "Gini coefficient of walk times over residents (unreached counted at the cutoff)"},
				Field{Name: "opportunities" + cw, Type: Number, Description: fmt.Sprintf("Mean number of %s facilities within the threshold", name)},
			)
			if k > 1 {
				s.Fields = append(s.Fields, Field{Name: "mean_k_min" + cw, Type: Number, Unit: "min", Nullable: true,
					Description: fmt.Sprintf("Mean walk to the %d nearest, of those who have %d within the cutoff", k, k)})
			}
		}
		var caps []string
		for _, c := range cov.Capacity {
			cw := "_" + c.Category + w
			caps = append(caps, c.Category)
			s.Fields = append(s.Fields,
				Field{Name: "demand" + cw, Type: Number, Unit: "people", Description: "Residents who use the category (aged " + c.DemandGroup + ")"},
				Field{Name: "need" + cw, Type: Number, Unit: "places", Description: "Places the category's norm asks for: demand × places per 1,000 / 1,000 (0 without a norm)"},
				Field{Name: "places" + cw, Type: Number, Unit: "places", Description: "Places reached (E2SFCA, Luo & Qi 2009)"},
				Field{Name: "shortfall" + cw, Type: Number, Unit: "places", Description: "Places missing against the need, summed cell by cell (0 without a norm)"},
				Field{Name: "ratio" + cw, Type: Number, Unit: "places/person", Description: "Places reached per user"},
			)
		}
		l.capCats = append(l.capCats, caps)
	}
	l.schema = s
	return l
}

// Schema returns the community schema of this report.
func (l *CommunityLayer) Schema() *Schema { return l.schema }

// Len returns the number of communities.
func (l *CommunityLayer) Len() int { return len(l.City.Communities) }

// ID returns the community id.
func (l *CommunityLayer) ID(i int) Value { return Str(l.City.Communities[i].ID) }

// Geometry returns the community's outline.
func (l *CommunityLayer) Geometry(i int) orb.Geometry { return l.City.Communities[i].Geom }

// Find returns the position of the community with id.
func (l *CommunityLayer) Find(id string) (int, bool) {
	for i, c := range l.City.Communities {
		if c.ID == id {
			return i, true
		}
	}
	return 0, false
}

// missingIDs returns the categories of a tier's missing list.
func missingIDs(t geo.TierCompliance) []string {
	out := make([]string, len(t.Missing))
	for i, m := range t.Missing {
		out[i] = m.Category
	}
	return out
}

// Props appends the community's fields.
func (l *CommunityLayer) Props(dst []Value, i int) []Value {
	cm := &l.City.Communities[i]
	method := ""
	if m := l.City.Population.Method; i < len(m) {
		method = m[i]
	}
	dst = append(dst, Str(cm.ID), Str(cm.Name), Num(cm.Population), NumIf(cm.Households, cm.Households > 0),
		NumIf(cm.Aged60Share, cm.Aged60Share >= 0), NumIf(cm.ChildShare, cm.ChildShare >= 0),
		StrOrNull(cm.Source), StrOrNull(method))
	cc := &l.Report.Communities[i]
	for p, cov := range cc.Profiles {
		dst = append(dst, Num(cov.Population), Num(cov.CompleteShare), Num(cov.F15), Num(cov.MeanCategoriesWithin))
		for _, t := range cov.LifeCircle {
			dst = append(dst, Num(t.Compliance), Strs(missingIDs(t)))
		}
		for _, c := range cov.Categories {
			dst = append(dst, Num(c.Share), Num(c.Covered), Num(c.Unreached), NumPtr(c.MeanMin), NumPtr(c.P90Min),
				Num(c.Gini), Num(c.Opportunities))
			if l.K > 1 {
				dst = append(dst, NumPtr(c.MeanKMin))
			}
		}
		for k := range l.capCats[p] {
			c := cov.Capacity[k]
			dst = append(dst, Num(c.Demand), Num(c.Need), Num(c.Places), Num(c.Shortfall), Num(c.MeanRatio))
		}
	}
	return dst
}

// ReportMembers are the FeatureCollection members of a report rendered as
// communities.
func ReportMembers(a *geo.Access, r *geo.CoverageReport) []Member {
	return []Member{{"attribution", a.City.Attribution}, {"city", r.City}, {"cutoff_min", r.CutoffMin}, {"k", r.K},
		{"population_source", a.City.Population.Source}}
}
