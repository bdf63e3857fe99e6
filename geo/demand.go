package geo

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Age bands: who uses a category (Category.Demand) and the keys of
// Community.AgeShares and Taxonomy.AgeShares. A band "a-b" holds the
// residents aged a to b years inclusive, "a+" those aged a and over.
const (
	AgeAll    = "all"
	Age0to14  = "0-14"
	Age3to5   = "3-5"
	Age6to11  = "6-11"
	Age12to14 = "12-14"
	Age60Plus = "60+"
	Age65Plus = "65+"
	Age80Plus = "80+"
)

// AgeBands lists the age bands a taxonomy may name, AgeAll first.
var AgeBands = []string{AgeAll, Age0to14, Age3to5, Age6to11, Age12to14, Age60Plus, Age65Plus, Age80Plus}

// NationalAgeShares are the default shares (0..1) of each age band in the
// resident population, used where neither the community nor the taxonomy
// (Taxonomy.AgeShares) gives one: China's seventh national population
// census (2020), total population 1,411,778,724. 0–14, 60+, 65+ and 80+
// are the census's own shares (17.95 %, 18.70 %, 13.50 %, 2.54 %). 3–5,
// 6–11 and 12–14 are interpolated from its five-year groups (0–4: 5.52 %,
// 5–9: 6.39 %, 10–14: 6.04 %) taking each year of a group as an equal
// part: 3–5 = 2/5·5.52 + 1/5·6.39, 6–11 = 4/5·6.39 + 2/5·6.04, 12–14 =
// 3/5·6.04. docs/categories.md cites the tables.
var NationalAgeShares = map[string]float64{
	Age0to14:  0.1795,
	Age3to5:   0.0349,
	Age6to11:  0.0753,
	Age12to14: 0.0362,
	Age60Plus: 0.1870,
	Age65Plus: 0.1350,
	Age80Plus: 0.0254,
}

// Labels of where an age share came from (CommunityCapacity.AgeSource).
const (
	AgeSourceAll       = ""          // the band is everyone: no share needed
	AgeSourceCommunity = "community" // the community's own count or share
	AgeSourceCity      = "city"      // Taxonomy.AgeShares, given by the planner
	AgeSourceNational  = "national"  // NationalAgeShares (China, 2020 census)
	AgeSourceMixed     = "mixed"     // cells of several of the above
)

// legacyDemand maps the demand names of taxonomies before age bands.
var legacyDemand = map[string]string{"": AgeAll, "children": Age0to14, "aged60": Age60Plus}

// NormalizeAgeBand returns the age band named by s: one of AgeBands, or a
// legacy name ("" and "all" for everyone, "children" for 0–14, "aged60"
// for 60+). ok is false for anything else.
func NormalizeAgeBand(s string) (band string, ok bool) {
	if b, ok := legacyDemand[s]; ok {
		return b, true
	}
	if slices.Contains(AgeBands, s) {
		return s, true
	}
	return "", false
}

// AgeBand returns the age band of the category's users (AgeAll when Demand
// is empty or unknown).
func (c *Category) AgeBand() string {
	if b, ok := NormalizeAgeBand(c.Demand); ok {
		return b
	}
	return AgeAll
}

// Norm is a number of places per 1,000 people of a category's age band. It
// decodes from any JSON value so that Taxonomy.Validate, not the decoder,
// reports a value that is not a number, naming the category.
type Norm struct {
	// Per1000 is the number of places needed per 1,000 people of the
	// band.
	Per1000 float64
	bad     string // the JSON text when it is not a number
}

// NewNorm returns a norm of per1000 places per 1,000 people.
func NewNorm(per1000 float64) *Norm { return &Norm{Per1000: per1000} }

// UnmarshalJSON reads a JSON number; anything else is kept for Validate to
// report.
func (n *Norm) UnmarshalJSON(b []byte) error {
	*n = Norm{}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		n.bad = string(b)
		if n.bad == "" {
			n.bad = "?"
		}
		return nil
	}
	n.Per1000 = v
	return nil
}

// MarshalJSON writes the number.
func (n Norm) MarshalJSON() ([]byte, error) {
	if n.bad != "" || math.IsNaN(n.Per1000) || math.IsInf(n.Per1000, 0) {
		return nil, fmt.Errorf("%w: norm %s is not a number", ErrBadTaxonomy, n.String())
	}
	return []byte(strconv.FormatFloat(n.Per1000, 'f', -1, 64)), nil
}

// String returns the norm as written.
func (n *Norm) String() string {
	if n.bad != "" {
		return n.bad
	}
	return strconv.FormatFloat(n.Per1000, 'g', -1, 64)
}

// check reports why the norm is not a finite number >= 0, or nil.
func (n *Norm) check() error {
	switch {
	case n.bad != "":
		return fmt.Errorf("places_per_1000 %s: not a number", n.bad)
	case math.IsNaN(n.Per1000) || math.IsInf(n.Per1000, 0):
		return fmt.Errorf("places_per_1000 %v: not a finite number", n.Per1000)
	case n.Per1000 < 0:
		return fmt.Errorf("places_per_1000 %v: negative", n.Per1000)
	}
	return nil
}

// NormPer1000 returns the category's places per 1,000 users and whether it
// has a norm.
func (c *Category) NormPer1000() (float64, bool) {
	if c.PlacesPer1000 == nil {
		return 0, false
	}
	return c.PlacesPer1000.Per1000, true
}

// checkAgeShares validates a band -> share map (Taxonomy.AgeShares,
// Community.AgeShares): known bands other than AgeAll, shares in [0, 1].
func checkAgeShares(m map[string]float64) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == AgeAll || !slices.Contains(AgeBands, k) {
			return fmt.Errorf("age_shares: unknown age band %q, want one of %s", k, strings.Join(AgeBands[1:], ", "))
		}
		if v := m[k]; !(v >= 0 && v <= 1) {
			return fmt.Errorf("age_shares %q: %v is not a share in [0, 1]", k, v)
		}
	}
	return nil
}

// AgeShare returns the share of band in community ci (-1 for none) and
// where it came from: the community's own share, else the taxonomy's
// city-level AgeShares, else NationalAgeShares. AgeAll is 1 with source
// AgeSourceAll.
func (city *City) AgeShare(ci int32, band string) (float64, string) {
	if band == AgeAll || band == "" {
		return 1, AgeSourceAll
	}
	if ci >= 0 && int(ci) < len(city.Communities) {
		if s, ok := city.Communities[ci].ageShare(band); ok {
			return s, AgeSourceCommunity
		}
	}
	if city.Taxonomy != nil {
		if s, ok := city.Taxonomy.AgeShares[band]; ok {
			return s, AgeSourceCity
		}
	}
	return NationalAgeShares[band], AgeSourceNational
}

// ageShare returns the community's own share of band, from AgeShares or,
// for 0–14 and 60+, the older ChildShare and Aged60Share fields.
func (c *Community) ageShare(band string) (float64, bool) {
	if s, ok := c.AgeShares[band]; ok && s >= 0 && s <= 1 {
		return s, true
	}
	switch band {
	case Age0to14:
		if c.ChildShare >= 0 && c.ChildShare <= 1 {
			return c.ChildShare, true
		}
	case Age60Plus:
		if c.Aged60Share >= 0 && c.Aged60Share <= 1 {
			return c.Aged60Share, true
		}
	}
	return 0, false
}

// mergeAgeSource combines the sources of two groups of cells.
func mergeAgeSource(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "" || a == b:
		return a
	}
	return AgeSourceMixed
}
