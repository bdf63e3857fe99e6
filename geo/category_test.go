package geo_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/osm"

	"fifteen/geo"
)

// osm.Tags must satisfy Tagger: the OSM loader passes them straight in, or
// a pointer to them, which does not allocate.
var (
	_ geo.Tagger = osm.Tags{}
	_ geo.Tagger = &osm.Tags{}
)

// tags builds osm.Tags from "k=v" pairs.
func tags(kv ...string) osm.Tags {
	var ts osm.Tags
	for _, s := range kv {
		k, v, _ := strings.Cut(s, "=")
		ts = append(ts, osm.Tag{Key: k, Value: v})
	}
	return ts
}

func oneCategory(sels ...geo.Selector) *geo.Taxonomy {
	return &geo.Taxonomy{Categories: []geo.Category{{
		ID: "c", Tier: 5, ThresholdMin: 5, Kind: geo.KindPoint, Select: sels,
	}}}
}

func TestSelectorRules(t *testing.T) {
	tests := []struct {
		name string
		sel  geo.Selector
		tags osm.Tags
		want bool
	}{
		{"exact value", geo.Selector{"amenity": "school"}, tags("amenity=school"), true},
		{"other value", geo.Selector{"amenity": "school"}, tags("amenity=college"), false},
		{"key missing", geo.Selector{"amenity": "school"}, tags("shop=bakery"), false},
		{"no tags at all", geo.Selector{"amenity": "school"}, nil, false},
		{"alternatives", geo.Selector{"amenity": "clinic|doctors"}, tags("amenity=doctors"), true},
		{"case sensitive", geo.Selector{"amenity": "school"}, tags("amenity=School"), false},
		{"star present", geo.Selector{"highway": "footway", "name": "*"}, tags("highway=footway", "name=锦城绿道"), true},
		{"star rejects no", geo.Selector{"highway": "footway", "name": "*"}, tags("highway=footway", "name=no"), false},
		{"star rejects absent", geo.Selector{"highway": "footway", "name": "*"}, tags("highway=footway"), false},
		{"absent rule holds", geo.Selector{"amenity": "school", "isced:level": ""}, tags("amenity=school"), true},
		{"absent rule fails", geo.Selector{"amenity": "school", "isced:level": ""}, tags("amenity=school", "isced:level=1"), false},
		{"not rule absent key", geo.Selector{"leisure": "park", "access": "!private|no"}, tags("leisure=park"), true},
		{"not rule other value", geo.Selector{"leisure": "park", "access": "!private|no"}, tags("leisure=park", "access=yes"), true},
		{"not rule excluded value", geo.Selector{"leisure": "park", "access": "!private|no"}, tags("leisure=park", "access=private"), false},
		{"semicolon list element matches", geo.Selector{"amenity": "school", "isced:level": "2"}, tags("amenity=school", "isced:level=1;2"), true},
		{"semicolon list with spaces", geo.Selector{"amenity": "school", "isced:level": "2"}, tags("amenity=school", "isced:level=1; 2"), true},
		{"semicolon list no element", geo.Selector{"amenity": "school", "isced:level": "3"}, tags("amenity=school", "isced:level=1;2"), false},
		{"not rule on list", geo.Selector{"social_facility": "nursing_home", "social_facility:for": "!child|orphan"}, tags("social_facility=nursing_home", "social_facility:for=senior;orphan"), false},
		{"substring", geo.Selector{"amenity": "school", "name": "~小学|附小"}, tags("amenity=school", "name=成都市泡桐树小学"), true},
		{"substring miss", geo.Selector{"amenity": "school", "name": "~小学|附小"}, tags("amenity=school", "name=成都七中"), false},
		{"substring needs key", geo.Selector{"amenity": "school", "name": "~小学"}, tags("amenity=school"), false},
		{"not substring absent key", geo.Selector{"amenity": "school", "name": "!~小学"}, tags("amenity=school"), true},
		{"not substring excluded", geo.Selector{"amenity": "school", "name": "!~小学|中学"}, tags("amenity=school", "name=石室中学"), false},
		{"not substring other", geo.Selector{"amenity": "school", "name": "!~小学|中学"}, tags("amenity=school", "name=实验学校"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tax := oneCategory(tt.sel)
			if err := tax.Validate(); err != nil {
				t.Fatal(err)
			}
			got := len(tax.Match(tt.tags)) == 1
			if got != tt.want {
				t.Errorf("Match(%v) with %v = %v, want %v", tt.tags, tt.sel, got, tt.want)
			}
		})
	}
}

func validCategory(id string) geo.Category {
	return geo.Category{ID: id, Tier: 10, ThresholdMin: 10, Kind: geo.KindPoint, Select: []geo.Selector{{"amenity": id}}}
}

func TestValidate(t *testing.T) {
	mod := func(f func(*geo.Taxonomy)) *geo.Taxonomy {
		tax := &geo.Taxonomy{Categories: []geo.Category{validCategory("a"), validCategory("b")}}
		f(tax)
		return tax
	}
	tests := []struct {
		name    string
		tax     *geo.Taxonomy
		wantErr string // "" = valid; else a substring of the message
	}{
		{"valid", mod(func(*geo.Taxonomy) {}), ""},
		{"no categories", &geo.Taxonomy{}, "no categories"},
		{"empty id names the index", mod(func(t *geo.Taxonomy) { t.Categories[1].ID = "" }), "category 1: empty id"},
		{"upper-case id", mod(func(t *geo.Taxonomy) { t.Categories[0].ID = "Kindergarten" }), `"Kindergarten": id must`},
		{"duplicate id", mod(func(t *geo.Taxonomy) { t.Categories[1].ID = "a" }), `"a": duplicate id`},
		{"tier 20", mod(func(t *geo.Taxonomy) { t.Categories[0].Tier = 20 }), "tier 20"},
		{"zero threshold", mod(func(t *geo.Taxonomy) { t.Categories[0].ThresholdMin = 0 }), "threshold_min 0"},
		{"huge threshold", mod(func(t *geo.Taxonomy) { t.Categories[0].ThresholdMin = 1e9 }), "threshold_min"},
		{"bad kind", mod(func(t *geo.Taxonomy) { t.Categories[0].Kind = "polygon" }), `kind "polygon"`},
		{"empty kind", mod(func(t *geo.Taxonomy) { t.Categories[0].Kind = "" }), `kind ""`},
		{"bad within", mod(func(t *geo.Taxonomy) { t.Categories[0].Within = "water" }), `within "water"`},
		{"within green without green space", mod(func(t *geo.Taxonomy) { t.Categories[0].Within = "green" }), "green_space"},
		{"bad demand", mod(func(t *geo.Taxonomy) { t.Categories[0].Demand = "teens" }), `demand "teens"`},
		{"negative default capacity", mod(func(t *geo.Taxonomy) { t.Categories[0].DefaultCapacity = -1 }), "default_capacity"},
		{"empty capacity tag", mod(func(t *geo.Taxonomy) { t.Categories[0].CapacityTags = []string{""} }), "capacity tag"},
		{"no selectors", mod(func(t *geo.Taxonomy) { t.Categories[1].Select = nil }), `"b": no selectors`},
		{"empty selector", mod(func(t *geo.Taxonomy) { t.Categories[1].Select = []geo.Selector{{}} }), "selector 0: empty selector"},
		{"selector of absences only would match untagged nodes", mod(func(t *geo.Taxonomy) {
			t.Categories[0].Select = []geo.Selector{{"access": "!private"}}
		}), "must be present"},
		{"empty alternative", mod(func(t *geo.Taxonomy) { t.Categories[0].Select = []geo.Selector{{"amenity": "a||b"}} }), "empty alternative"},
		{"empty key", mod(func(t *geo.Taxonomy) { t.Categories[0].Select = []geo.Selector{{"": "x"}} }), "bad key"},
		{"bad green selector", mod(func(t *geo.Taxonomy) { t.GreenSpace = []geo.Selector{{"leisure": "!park"}} }), "green_space selector 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.tax.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want error containing %q", tt.wantErr)
			}
			if !errors.Is(err, geo.ErrBadTaxonomy) {
				t.Errorf("Validate() = %v, does not wrap ErrBadTaxonomy", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Validate() = %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func testTaxonomy(t testing.TB) *geo.Taxonomy {
	t.Helper()
	tax := &geo.Taxonomy{
		Categories: []geo.Category{
			{ID: "primary", Tier: 10, ThresholdMin: 10, Kind: "point", Select: []geo.Selector{
				{"amenity": "school", "isced:level": "1"},
				{"amenity": "school", "isced:level": ""},
			}},
			{ID: "middle", Tier: 15, ThresholdMin: 15, Kind: "point", Select: []geo.Selector{
				{"amenity": "school", "isced:level": "2"},
				{"amenity": "school", "isced:level": ""},
			}},
			{ID: "clinic", Tier: 15, ThresholdMin: 15, Kind: "point", Select: []geo.Selector{
				{"amenity": "clinic|doctors"},
				{"healthcare": "clinic|doctor"},
			}, CapacityTags: []string{"beds", "capacity"}, DefaultCapacity: 20},
			{ID: "park", Tier: 10, ThresholdMin: 10, Kind: "area", Select: []geo.Selector{
				{"leisure": "park"},
			}},
			{ID: "greenway", Tier: 15, ThresholdMin: 15, Kind: "line", Within: "green", Select: []geo.Selector{
				{"highway": "footway|path", "name": "*"},
				{"type": "route", "route": "foot|hiking"},
			}},
		},
		GreenSpace: []geo.Selector{{"leisure": "park|garden"}, {"landuse": "grass|forest"}, {"natural": "wood"}},
	}
	if err := tax.Validate(); err != nil {
		t.Fatal(err)
	}
	return tax
}

func TestMatch(t *testing.T) {
	tax := testTaxonomy(t)
	tests := []struct {
		name string
		tags osm.Tags
		want []string
	}{
		{"untagged node", nil, nil},
		{"unrelated tags", tags("highway=residential", "name=人民南路"), nil},
		{"plain school is primary and middle", tags("amenity=school"), []string{"primary", "middle"}},
		{"school with level 1", tags("amenity=school", "isced:level=1"), []string{"primary"}},
		{"nine-year school 1;2", tags("amenity=school", "isced:level=1;2"), []string{"primary", "middle"}},
		{"clinic via two selectors counted once", tags("amenity=clinic", "healthcare=clinic"), []string{"clinic"}},
		{"named footway", tags("highway=footway", "name=锦江绿道"), []string{"greenway"}},
		{"unnamed footway", tags("highway=footway"), nil},
		{"foot route relation", tags("type=route", "route=hiking"), []string{"greenway"}},
		{"park", tags("leisure=park", "name=望江楼公园"), []string{"park"}},
		{"order follows categories", tags("leisure=park", "amenity=clinic"), []string{"clinic", "park"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, i := range tax.Match(tt.tags) {
				got = append(got, tax.Categories[i].ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Match(%v) = %v, want %v", tt.tags, got, tt.want)
			}
		})
	}
}

func TestMatchUnvalidatedTaxonomy(t *testing.T) {
	tax := testTaxonomy(t).Clone()
	tax.Categories[0].Select = []geo.Selector{{"amenity": "kindergarten"}}
	// Not validated again: Match must see the change, not the stale matcher.
	tax2 := &geo.Taxonomy{Categories: tax.Categories, GreenSpace: tax.GreenSpace}
	if got := tax2.Match(tags("amenity=kindergarten")); !slices.Equal(got, []int{0}) {
		t.Errorf("Match on an unvalidated taxonomy = %v, want [0]", got)
	}
	if !tax2.IsGreen(tags("natural=wood")) {
		t.Error("IsGreen on an unvalidated taxonomy = false, want true")
	}
}

func TestAppendMatchReusesBuffer(t *testing.T) {
	tax := testTaxonomy(t)
	buf := []int{99}
	got := tax.AppendMatch(buf, tags("amenity=school"))
	if !slices.Equal(got, []int{99, 0, 1}) {
		t.Errorf("AppendMatch = %v, want [99 0 1]", got)
	}
}

func TestIsGreen(t *testing.T) {
	tax := testTaxonomy(t)
	tests := []struct {
		tags osm.Tags
		want bool
	}{
		{tags("leisure=park"), true},
		{tags("landuse=forest"), true},
		{tags("natural=wood"), true},
		{tags("natural=water"), false},
		{tags("landuse=residential"), false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := tax.IsGreen(tt.tags); got != tt.want {
			t.Errorf("IsGreen(%v) = %v, want %v", tt.tags, got, tt.want)
		}
	}
}

func TestCategoryLookup(t *testing.T) {
	tax := testTaxonomy(t)
	c, ok := tax.Category("park")
	if !ok || c.ID != "park" || c != &tax.Categories[3] {
		t.Errorf("Category(park) = %v, %v", c, ok)
	}
	if _, ok := tax.Category("cinema"); ok {
		t.Error("Category(cinema) found, want missing")
	}
	if _, ok := (&geo.Taxonomy{Categories: []geo.Category{validCategory("x")}}).Category("x"); !ok {
		t.Error("Category on an unvalidated taxonomy: not found")
	}
}

func TestCapacity(t *testing.T) {
	withDefault := geo.Category{CapacityTags: []string{"beds", "capacity"}, DefaultCapacity: 20}
	noDefault := geo.Category{CapacityTags: []string{"capacity"}}
	tests := []struct {
		name    string
		c       geo.Category
		tags    osm.Tags
		wantV   float64
		wantSrc string
	}{
		{"first tag wins", withDefault, tags("beds=120", "capacity=300"), 120, "tag:beds"},
		{"second tag when first missing", withDefault, tags("capacity=300"), 300, "tag:capacity"},
		{"non-numeric falls through", withDefault, tags("beds=many", "capacity= 80 "), 80, "tag:capacity"},
		{"zero is not a capacity", withDefault, tags("beds=0"), 20, "default"},
		{"negative is not a capacity", withDefault, tags("beds=-5"), 20, "default"},
		{"NaN is not a capacity", withDefault, tags("beds=NaN"), 20, "default"},
		{"list is not a number", withDefault, tags("beds=50;20"), 20, "default"},
		{"default", withDefault, nil, 20, "default"},
		{"none", noDefault, tags("name=x"), 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, src := tt.c.Capacity(tt.tags)
			if v != tt.wantV || src != tt.wantSrc {
				t.Errorf("Capacity(%v) = %v, %q; want %v, %q", tt.tags, v, src, tt.wantV, tt.wantSrc)
			}
		})
	}
}

func TestCloneIsDeep(t *testing.T) {
	tax := testTaxonomy(t)
	c := tax.Clone()
	c.Categories[0].ID = "changed"
	c.Categories[0].Select[0]["amenity"] = "changed"
	c.Categories[2].CapacityTags[0] = "changed"
	c.GreenSpace[0]["leisure"] = "changed"
	if tax.Categories[0].ID != "primary" || tax.Categories[0].Select[0]["amenity"] != "school" ||
		tax.Categories[2].CapacityTags[0] != "beds" || tax.GreenSpace[0]["leisure"] != "park|garden" {
		t.Error("changing the clone changed the original")
	}
	if got := tax.Match(tags("amenity=school", "isced:level=1")); !slices.Equal(got, []int{0}) {
		t.Errorf("original Match after changing the clone = %v, want [0]", got)
	}
}

func TestMatchAllocations(t *testing.T) {
	tax := testTaxonomy(t)
	// osm.Tags is a slice: converting it to a Tagger allocates, a pointer
	// to it (*osm.Tags also has Find) does not.
	miss := tags("highway=residential", "name=人民南路", "lanes=2")
	if n := testing.AllocsPerRun(100, func() { _ = tax.Match(&miss) }); n != 0 {
		t.Errorf("Match without a hit allocates %v times, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = tax.IsGreen(&miss) }); n != 0 {
		t.Errorf("IsGreen allocates %v times, want 0", n)
	}
	hit := tags("amenity=school")
	buf := make([]int, 0, 8)
	if n := testing.AllocsPerRun(100, func() { buf = tax.AppendMatch(buf[:0], &hit) }); n != 0 {
		t.Errorf("AppendMatch into a buffer allocates %v times, want 0", n)
	}
}

// BenchmarkMatch runs the matcher over a mix of elements like an OSM
// extract: mostly untagged nodes and roads, a few facilities.
func BenchmarkMatch(b *testing.B) {
	tax := testTaxonomy(b)
	elems := []osm.Tags{
		nil, nil, nil, nil, nil, nil, nil, nil,
		tags("highway=residential", "name=人民南路", "lanes=2", "surface=asphalt"),
		tags("building=yes", "building:levels=18"),
		tags("amenity=school", "name=泡桐树小学"),
		tags("leisure=park", "name=望江楼公园", "access=yes"),
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for i := range elems {
			n += len(tax.Match(&elems[i]))
		}
	}
	if n == 0 {
		b.Fatal("no matches")
	}
}

func ExampleTaxonomy_Match() {
	tax := &geo.Taxonomy{Categories: []geo.Category{
		{ID: "primary_school", Tier: 10, ThresholdMin: 10, Kind: "point", Select: []geo.Selector{
			{"amenity": "school", "isced:level": "1"},
			{"amenity": "school", "name": "~小学"},
		}},
		{ID: "park", Tier: 10, ThresholdMin: 10, Kind: "area", Select: []geo.Selector{
			{"leisure": "park|garden", "access": "!private|no"},
		}},
	}}
	if err := tax.Validate(); err != nil {
		panic(err)
	}
	for _, ts := range []osm.Tags{
		{{Key: "amenity", Value: "school"}, {Key: "name", Value: "成都市泡桐树小学"}},
		{{Key: "leisure", Value: "park"}, {Key: "access", Value: "private"}},
	} {
		for _, i := range tax.Match(ts) {
			fmt.Println(ts.Find("name"), "->", tax.Categories[i].ID)
		}
	}
	// Output:
	// 成都市泡桐树小学 -> primary_school
}
