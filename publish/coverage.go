package publish

import (
	"strconv"

	"github.com/paulmach/orb"

	"fifteen/geo"
)

// CoverageLayer is a coverage report in long format: one row per community
// (the whole city last, community_id "*", without geometry), walker and
// category, with the community's outline. Its fields are the same whatever the taxonomy, so
// spreadsheets and Shapefiles read it; filter by walker and category to
// map one of them.
type CoverageLayer struct {
	City   *geo.City
	Report *geo.CoverageReport
	rows   []coverageRow
	tiers  []int
	schema *Schema
}

type coverageRow struct {
	comm int // -1: the whole city
	prof int
	cat  int
	cap  int // index in Capacity, -1 when none
}

// TotalID is the community id of the whole city's rows.
const TotalID = "*"

// Coverage returns the long format of report r of city.
func Coverage(city *geo.City, r *geo.CoverageReport) *CoverageLayer {
	l := &CoverageLayer{City: city, Report: r}
	s := &Schema{
		Kind: "coverage", Title: "Coverage (long format)", Geometry: "MultiPolygon", IDType: IDString,
		Description: "The coverage report with one row per community, walker and category: residents within the " +
			"category's threshold, walk statistics, capacity-aware access (E2SFCA) where the category has places, " +
			"and the community's composite figures for the walker. The whole city comes last with community_id * " +
			"and no geometry. Feature ids are community:walker:category.",
		Fields: []Field{
			{Name: "community_id", Type: String, Description: "Community id; * for the whole city"},
			{Name: "community_name", Type: String, Description: "Community name"},
			{Name: "population_method", Type: String, Nullable: true, Description: "How the community's residents were placed on cells (floor_area_estimate is an estimate from residential floor area); null for the whole city"},
			{Name: "profile", Type: String, Description: "Walker"},
			{Name: "category", Type: String, Description: "Category id"},
			{Name: "threshold_min", Type: Number, Unit: "min", Description: "Walk threshold of the category"},
			{Name: "population", Type: Number, Unit: "people", Description: "Residents counted for the walker (for seniors, those aged 60 and over where known)"},
			{Name: "covered", Type: Number, Unit: "people", Description: "Residents within the threshold"},
			{Name: "share", Type: Number, Unit: "share", Description: "covered / population"},
			{Name: "mean_min", Type: Number, Unit: "min", Nullable: true, Description: "Mean walk of those who reach a facility within the cutoff; null when nobody does"},
			{Name: "p90_min", Type: Number, Unit: "min", Nullable: true, Description: "90th percentile of the walk; null when more than a tenth reach nothing within the cutoff"},
			{Name: "unreached", Type: Number, Unit: "people", Description: "Residents with no facility within the cutoff"},
			{Name: "gini", Type: Number, Description: "Gini coefficient of walk times over residents (unreached counted at the cutoff)"},
			{Name: "opportunities", Type: Number, Description: "Mean number of facilities within the threshold"},
			{Name: "mean_k_min", Type: Number, Unit: "min", Nullable: true, Description: "Mean walk to the K nearest (K > 1), of those who have K within the cutoff; null otherwise"},
			{Name: "demand_group", Type: String, Nullable: true, Description: "Age band of the category's users (all, 3-5, 6-11, 12-14, 60+ …); null for categories without capacity"},
			{Name: "demand", Type: Number, Unit: "people", Nullable: true, Description: "Residents of the demand group; null for categories without capacity"},
			{Name: "age_source", Type: String, Nullable: true, Description: "Where the demand group's share of residents comes from: community, city, national (China's 2020 census defaults) or mixed; null for all ages or without capacity"},
			{Name: "norm_per_1000", Type: Number, Unit: "places/1000 people", Nullable: true, Description: "Places per 1,000 of the demand group the category's norm asks for (sources in docs/categories.md); null without a norm"},
			{Name: "need", Type: Number, Unit: "places", Nullable: true, Description: "Places the norm asks for: demand × norm / 1,000; null without capacity"},
			{Name: "places", Type: Number, Unit: "places", Nullable: true, Description: "Places reached (E2SFCA, Luo & Qi 2009); null for categories without capacity"},
			{Name: "shortfall", Type: Number, Unit: "places", Nullable: true, Description: "Places missing against the need, summed cell by cell; null for categories without capacity"},
			{Name: "ratio", Type: Number, Unit: "places/person", Nullable: true, Description: "Places reached per user; null for categories without capacity"},
			{Name: "complete_share", Type: Number, Unit: "share", Description: "The community's share of residents within the threshold of every essential category (same on each of its rows)"},
			{Name: "mean_categories_within", Type: Number, Description: "The community's mean number of categories within their thresholds"},
			{Name: "f15", Type: Number, Unit: "share", Description: "The community's share of residents whose mean walk over the essential categories is at most 15 minutes"},
		},
	}
	if len(r.Total.Profiles) > 0 {
		for _, t := range r.Total.Profiles[0].LifeCircle {
			l.tiers = append(l.tiers, t.Tier)
			ts := strconv.Itoa(t.Tier)
			s.Fields = append(s.Fields, Field{Name: "compliance_" + ts, Type: Number, Unit: "share", Nullable: true,
				Description: "The community's share of residents reaching every facility type of the " + ts + "-minute life circle (GB 50180-2018)"})
		}
	}
	l.schema = s
	add := func(comm int, cc *geo.CommunityCoverage) {
		for p, cov := range cc.Profiles {
			for c, cg := range cov.Categories {
				capIdx := -1
				for k, x := range cov.Capacity {
					if x.Category == cg.Category {
						capIdx = k
					}
				}
				l.rows = append(l.rows, coverageRow{comm: comm, prof: p, cat: c, cap: capIdx})
			}
		}
	}
	for i := range r.Communities {
		add(i, &r.Communities[i])
	}
	add(-1, &r.Total)
	return l
}

// Schema returns the coverage schema.
func (l *CoverageLayer) Schema() *Schema { return l.schema }

// Len returns the number of rows.
func (l *CoverageLayer) Len() int { return len(l.rows) }

func (l *CoverageLayer) community(i int) *geo.CommunityCoverage {
	if c := l.rows[i].comm; c >= 0 {
		return &l.Report.Communities[c]
	}
	return &l.Report.Total
}

func (l *CoverageLayer) communityID(i int) string {
	if l.rows[i].comm < 0 {
		return TotalID
	}
	return l.community(i).ID
}

// ID returns community:walker:category.
func (l *CoverageLayer) ID(i int) Value {
	r := l.rows[i]
	cov := &l.community(i).Profiles[r.prof]
	return Str(l.communityID(i) + ":" + cov.Profile + ":" + cov.Categories[r.cat].Category)
}

// Geometry returns the community's outline (nil for the whole city).
func (l *CoverageLayer) Geometry(i int) orb.Geometry {
	if c := l.rows[i].comm; c >= 0 {
		return l.City.Communities[c].Geom
	}
	return nil
}

// Props appends the row's fields.
func (l *CoverageLayer) Props(dst []Value, i int) []Value {
	r := l.rows[i]
	cc := l.community(i)
	cov := &cc.Profiles[r.prof]
	c := &cov.Categories[r.cat]
	dst = append(dst, Str(l.communityID(i)), Str(cc.Name), StrOrNull(cc.PopulationMethod), Str(cov.Profile), Str(c.Category), Num(c.ThresholdMin),
		Num(c.Population), Num(c.Covered), Num(c.Share), NumPtr(c.MeanMin), NumPtr(c.P90Min), Num(c.Unreached),
		Num(c.Gini), Num(c.Opportunities), NumPtr(c.MeanKMin))
	if r.cap >= 0 {
		x := &cov.Capacity[r.cap]
		dst = append(dst, Str(x.DemandGroup), Num(x.Demand), StrOrNull(x.AgeSource), NumPtr(x.NormPer1000), Num(x.Need),
			Num(x.Places), Num(x.Shortfall), Num(x.MeanRatio))
	} else {
		dst = append(dst, Null(), Null(), Null(), Null(), Null(), Null(), Null(), Null())
	}
	dst = append(dst, Num(cov.CompleteShare), Num(cov.MeanCategoriesWithin), Num(cov.F15))
	for _, tier := range l.tiers {
		v := Null()
		for _, t := range cov.LifeCircle {
			if t.Tier == tier {
				v = Num(t.Compliance)
			}
		}
		dst = append(dst, v)
	}
	return dst
}

// Find returns the position of the row with id.
func (l *CoverageLayer) Find(id string) (int, bool) {
	for i := range l.rows {
		if l.ID(i).s == id {
			return i, true
		}
	}
	return 0, false
}
