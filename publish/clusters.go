package publish

import (
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"fifteen/geo"
)

var clusterSchema = Schema{
	Kind: "cluster", Title: "Underserved areas", Geometry: "MultiPolygon", IDType: IDString,
	Description: "Clusters of neighbouring populated cells whose residents are beyond a category's threshold (or " +
		"miss a facility type of a life-circle tier) for one walker, ranked by population (rank 1 is the " +
		"largest), as outlines with holes. Feature ids are <category or tierN>:<walker>:<rank>.",
	Fields: []Field{
		{Name: "rank", Type: Integer, Description: "Rank by population, from 1"},
		{Name: "category", Type: String, Nullable: true, Description: "Category whose threshold the residents are beyond; null for a tier"},
		{Name: "tier", Type: Integer, Unit: "min", Nullable: true, Description: "Life-circle tier whose facility types the residents miss; null for a category"},
		{Name: "profile", Type: String, Description: "Walker"},
		{Name: "population", Type: Number, Unit: "people", Description: "Underserved residents"},
		{Name: "aged60", Type: Number, Unit: "people", Description: "Of them, aged 60 and over where their community gives the share"},
		{Name: "children", Type: Number, Unit: "people", Description: "Of them, aged under 15 where their community gives the share"},
		{Name: "age_known", Type: Boolean, Description: "Every resident's community gives age shares (else aged60 and children are lower bounds)"},
		{Name: "cells", Type: Integer, Description: "Number of H3 resolution-10 cells"},
		{Name: "area_km2", Type: Number, Unit: "km2", Description: "Area of the cells"},
		{Name: "mean_min", Type: Number, Unit: "min", Nullable: true, Description: "Population-weighted mean walk of those who reach a facility within the cutoff; null when none does"},
		{Name: "max_min", Type: Number, Unit: "min", Nullable: true, Description: "Longest such walk; null when none"},
		{Name: "unreached", Type: Number, Unit: "people", Description: "Residents with no facility within the cutoff"},
		{Name: "communities", Type: StringList, Description: "Ids of the residents' communities, the most populous first"},
		{Name: "h3_cells", Type: StringList, NotInTiles: true, Description: "The cluster's H3 resolution-10 cells"},
	},
}

// ClusterSchema is the schema of underserved clusters.
func ClusterSchema() *Schema { return &clusterSchema }

// ClusterLayer is underserved clusters of one request.
type ClusterLayer struct {
	Clusters []geo.Cluster
	// Category or Tier and Profile are what was asked.
	Category string
	Tier     int
	Profile  string
}

// Clusters returns the clusters of a's gaps for opt, with the walker
// resolved (the default when opt names none).
func Clusters(a *geo.Access, opt geo.GapOptions) (*ClusterLayer, error) {
	p, err := a.ResolveProfile(opt.Profile)
	if err != nil {
		return nil, err
	}
	opt.Profile = a.Profiles[p].ID
	cls, err := a.Gaps(opt)
	if err != nil {
		return nil, err
	}
	return &ClusterLayer{Clusters: cls, Category: opt.Category, Tier: opt.Tier, Profile: opt.Profile}, nil
}

// Schema returns the cluster schema.
func (l *ClusterLayer) Schema() *Schema { return &clusterSchema }

// Len returns the number of clusters.
func (l *ClusterLayer) Len() int { return len(l.Clusters) }

// what names the category or tier.
func (l *ClusterLayer) what() string {
	if l.Tier != 0 {
		return "tier" + strconv.Itoa(l.Tier)
	}
	return l.Category
}

// ClusterID is a cluster's feature id.
func ClusterID(what, profile string, rank int) string {
	return what + ":" + profile + ":" + strconv.Itoa(rank)
}

// ParseClusterID splits a cluster's feature id into category (or tierN),
// walker and rank.
func ParseClusterID(id string) (what, profile string, rank int, ok bool) {
	parts := strings.Split(id, ":")
	if len(parts) != 3 {
		return "", "", 0, false
	}
	n, err := strconv.Atoi(parts[2])
	if err != nil || strconv.Itoa(n) != parts[2] || n < 1 {
		return "", "", 0, false
	}
	return parts[0], parts[1], n, true
}

// ID returns the cluster's feature id.
func (l *ClusterLayer) ID(i int) Value { return Str(ClusterID(l.what(), l.Profile, l.Clusters[i].ID)) }

// Geometry returns the cluster's outline.
func (l *ClusterLayer) Geometry(i int) orb.Geometry { return l.Clusters[i].Outline }

// Find returns the position of the cluster with id.
func (l *ClusterLayer) Find(id string) (int, bool) {
	what, prof, n, ok := ParseClusterID(id)
	if !ok || what != l.what() || prof != l.Profile || n > len(l.Clusters) {
		return 0, false
	}
	return n - 1, true
}

// Props appends the cluster's fields.
func (l *ClusterLayer) Props(dst []Value, i int) []Value {
	c := &l.Clusters[i]
	cells := make([]string, len(c.Cells))
	for k, h := range c.Cells {
		cells[k] = h.String()
	}
	tier := Null()
	if l.Tier != 0 {
		tier = Int(l.Tier)
	}
	return append(dst, Int(c.ID), StrOrNull(l.Category), tier, Str(l.Profile), Num(c.Population), Num(c.Aged60),
		Num(c.Children), Bool(c.AgeKnown), Int(len(c.Cells)), Num(c.AreaKm2), NumPtr(c.MeanMin), NumPtr(c.MaxMin),
		Num(c.Unreached), Strs(c.Communities), Strs(cells))
}

// Members are the FeatureCollection members of a gaps answer: what was
// asked and the totals.
func (l *ClusterLayer) Members(a *geo.Access) []Member {
	m := []Member{{"attribution", a.City.Attribution}, {"profile", l.Profile}, {"cutoff_min", a.Options.CutoffMin}}
	if l.Tier != 0 {
		m = append(m, Member{"tier", l.Tier})
	} else if c, ok := a.City.Taxonomy.Category(l.Category); ok {
		m = append(m, Member{"category", l.Category}, Member{"threshold_min", c.ThresholdMin})
	}
	var total float64
	for _, c := range l.Clusters {
		total += c.Population
	}
	return append(m, Member{"clusters", len(l.Clusters)}, Member{"population", total})
}
