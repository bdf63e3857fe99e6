package data

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"

	"fifteen/geo"
)

func osmTags(kv ...string) osm.Tags {
	var ts osm.Tags
	for _, s := range kv {
		k, v, _ := strings.Cut(s, "=")
		ts = append(ts, osm.Tag{Key: k, Value: v})
	}
	return ts
}

func matchIDs(tax *geo.Taxonomy, ts osm.Tags) []string {
	var ids []string
	for _, i := range tax.Match(&ts) {
		ids = append(ids, tax.Categories[i].ID)
	}
	return ids
}

func TestDefaultTaxonomyValid(t *testing.T) {
	tax := DefaultTaxonomy()
	if err := tax.Validate(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"kindergarten", "primary_school", "middle_school", "school_unknown", "clinic", "hospital", "pharmacy",
		"elderly_day_care", "elderly_care", "community_service", "market", "convenience",
		"culture", "sports", "playground", "park", "greenway",
	}
	var got []string
	for _, c := range tax.Categories {
		got = append(got, c.ID)
		if c.Name == "" || c.NameZH == "" {
			t.Errorf("%s: missing display name", c.ID)
		}
		if c.ThresholdMin != float64(c.Tier) {
			t.Errorf("%s: threshold %v differs from tier %d; say why in docs/categories.md and update this test", c.ID, c.ThresholdMin, c.Tier)
		}
		if c.Demand == "" {
			t.Errorf("%s: no demand", c.ID)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("default categories = %v, want %v", got, want)
	}
	if c, _ := tax.Category("park"); c.Kind != geo.KindArea {
		t.Errorf("park kind = %q, want area", c.Kind)
	}
	if c, _ := tax.Category("greenway"); c.Kind != geo.KindLine || c.Within != geo.WithinGreen {
		t.Errorf("greenway kind, within = %q, %q; want line, green", c.Kind, c.Within)
	}
}

func TestDefaultTaxonomyIsACopy(t *testing.T) {
	a := DefaultTaxonomy()
	a.Categories[0].ID = "changed"
	a.Categories[0].Select[0]["amenity"] = "changed"
	b := DefaultTaxonomy()
	if b.Categories[0].ID != "kindergarten" || b.Categories[0].Select[0]["amenity"] != "kindergarten|childcare" {
		t.Errorf("DefaultTaxonomy shares state between calls: %+v", b.Categories[0])
	}
}

// TestDefaultTaxonomyMatch pins how the default taxonomy classifies typical
// Chengdu OSM features.
func TestDefaultTaxonomyMatch(t *testing.T) {
	tax := DefaultTaxonomy()
	tests := []struct {
		name string
		tags osm.Tags
		want []string
	}{
		{"untagged node", nil, nil},
		{"road", osmTags("highway=primary", "name=人民南路"), nil},
		{"bus stop named after a school is no school", osmTags("highway=bus_stop", "name=石室中学站"), nil},
		{"kindergarten", osmTags("amenity=kindergarten", "name=成都市第一幼儿园"), []string{"kindergarten"}},
		{"childcare", osmTags("amenity=childcare"), []string{"kindergarten"}},
		{"kindergarten mapped as school", osmTags("amenity=school", "name=机关第三幼儿园"), []string{"kindergarten"}},
		// Issue 11: a school of unknown level is counted once, as
		// unknown, not as a primary and a middle school.
		{"plain unnamed school is of unknown level", osmTags("amenity=school"), []string{"school_unknown"}},
		{"school with a neutral name is of unknown level", osmTags("amenity=school", "name=成都实验外国语学校"), []string{"school_unknown"}},
		{"Primarschule is primary", osmTags("amenity=school", "name=Primarschule Triesen"), []string{"primary_school"}},
		{"Grundschule is primary", osmTags("amenity=school", "name=Grundschule am Park"), []string{"primary_school"}},
		{"Volksschule is primary", osmTags("amenity=school", "name=Volksschule Feldkirch-Levis"), []string{"primary_school"}},
		{"Realschule is middle", osmTags("amenity=school", "name=Realschule Vaduz"), []string{"middle_school"}},
		{"Werkrealschule compound is middle", osmTags("amenity=school", "name=Werkrealschule Ost"), []string{"middle_school"}},
		{"Gymnasium is middle", osmTags("amenity=school", "name=Liechtensteinisches Gymnasium"), []string{"middle_school"}},
		{"Oberschule is middle", osmTags("amenity=school", "name=Oberschule Eschen"), []string{"middle_school"}},
		{"Sekundarschule is middle", osmTags("amenity=school", "name=Sekundarschule Buchs"), []string{"middle_school"}},
		{"Weiterführende Schulen is middle", osmTags("amenity=school", "name=Weiterführende Schulen Triesen"), []string{"middle_school"}},
		{"Musikschule is no compulsory school", osmTags("amenity=school", "name=Liechtensteinische Musikschule"), nil},
		{"Kindergarten by name", osmTags("amenity=school", "name=Kindergarten Ebenholz"), []string{"kindergarten"}},
		{"Portuguese ensino fundamental is both", osmTags("amenity=school", "name=Escola Municipal de Ensino Fundamental Porto Alegre"), []string{"primary_school", "middle_school"}},
		{"Portuguese ensino médio is senior", osmTags("amenity=school", "name=Escola Estadual de Ensino Médio Júlio de Castilhos"), nil},
		{"Portuguese educação infantil", osmTags("amenity=school", "name=Escola de Educação Infantil Pequeno Príncipe"), []string{"kindergarten"}},
		{"Traditional 國小", osmTags("amenity=school", "name=臺中市北屯區四張犁國小"), []string{"primary_school"}},
		{"Traditional 國民小學", osmTags("amenity=school", "name=臺中市立大墩國民小學"), []string{"primary_school"}},
		{"高级中学 is senior high, not middle", osmTags("amenity=school", "name=成都市树德高级中学"), nil},
		{"Traditional 小學部", osmTags("amenity=school", "name=東海大學附屬高級中等學校小學部"), []string{"primary_school"}},
		{"Traditional 中學", osmTags("amenity=school", "name=私立衛道中學"), []string{"middle_school"}},
		{"Traditional 國中", osmTags("amenity=school", "name=臺中市立居仁國中"), []string{"middle_school"}},
		{"Traditional 國民中學", osmTags("amenity=school", "name=臺中市立四張犁國民中學"), []string{"middle_school"}},
		{"Traditional 高級中學 is senior", osmTags("amenity=school", "name=國立臺中第一高級中學"), nil},
		{"English elementary", osmTags("amenity=school", "name=Lincoln Elementary School"), []string{"primary_school"}},
		{"English high school is senior", osmTags("amenity=school", "name=Lincoln High School"), nil},
		{"English junior high is middle", osmTags("amenity=school", "name=Lincoln Junior High School"), []string{"middle_school"}},
		{"school=grundschule", osmTags("amenity=school", "school=grundschule", "name=Schule am See"), []string{"primary_school"}},
		{"school=gymnasium beats a primary name", osmTags("amenity=school", "school=gymnasium", "name=Grundschule und Gymnasium"), []string{"middle_school"}},
		{"grades 1-4", osmTags("amenity=school", "grades=1-4"), []string{"primary_school"}},
		{"grades 5-10 is middle", osmTags("amenity=school", "grades=5-10"), []string{"middle_school"}},
		{"grades K-8 is both", osmTags("amenity=school", "grades=K-8"), []string{"primary_school", "middle_school"}},
		{"grades 10-12 is senior", osmTags("amenity=school", "grades=10-12"), nil},
		{"grades beat the name", osmTags("amenity=school", "grades=1-6", "name=Realschule"), []string{"primary_school"}},
		{"小学 by name", osmTags("amenity=school", "name=成都市泡桐树小学"), []string{"primary_school"}},
		{"中学 by name", osmTags("amenity=school", "name=成都市石室中学"), []string{"middle_school"}},
		{"附中 by name", osmTags("amenity=school", "name=四川师范大学附中"), []string{"middle_school"}},
		{"九年一贯制 by name is both", osmTags("amenity=school", "name=武侯区九年一贯制学校"), []string{"primary_school", "middle_school"}},
		{"中小学 by name is both", osmTags("amenity=school", "name=新华中小学"), []string{"primary_school", "middle_school"}},
		{"training school is neither", osmTags("amenity=school", "name=新东方培训学校"), nil},
		{"isced 1 beats the name", osmTags("amenity=school", "isced:level=1", "name=某某中学"), []string{"primary_school"}},
		{"isced 2", osmTags("amenity=school", "isced:level=2"), []string{"middle_school"}},
		{"isced 1;2", osmTags("amenity=school", "isced:level=1;2"), []string{"primary_school", "middle_school"}},
		{"isced 3 senior high only", osmTags("amenity=school", "isced:level=3"), nil},
		{"isced 0", osmTags("amenity=school", "isced:level=0"), []string{"kindergarten"}},
		{"school:level primary", osmTags("amenity=school", "school:level=primary"), []string{"primary_school"}},
		{"clinic", osmTags("amenity=clinic", "healthcare=clinic", "name=大里社区卫生服务中心"), []string{"clinic"}},
		{"doctor", osmTags("healthcare=doctor"), []string{"clinic"}},
		{"hospital", osmTags("amenity=hospital", "healthcare=hospital", "beds=1200"), []string{"hospital"}},
		{"pharmacy", osmTags("amenity=pharmacy", "healthcare=pharmacy"), []string{"pharmacy"}},
		{"nursing home", osmTags("amenity=social_facility", "social_facility=nursing_home"), []string{"elderly_care"}},
		{"nursing home for seniors", osmTags("amenity=social_facility", "social_facility=nursing_home", "social_facility:for=senior"), []string{"elderly_care"}},
		// Issue 11: homes for the disabled are not elderly care.
		{"home for the disabled is not elderly care", osmTags("amenity=social_facility", "social_facility=nursing_home", "social_facility:for=disabled"), nil},
		{"home for mental health is not elderly care", osmTags("amenity=nursing_home", "social_facility:for=mental_health"), nil},
		{"Behindertenheim by name is not elderly care", osmTags("amenity=nursing_home", "name=Wohnheim für Behinderte"), nil},
		{"senior and disabled is elderly care", osmTags("amenity=social_facility", "social_facility=assisted_living", "social_facility:for=senior;disabled"), []string{"elderly_care"}},
		{"children's home is not elderly care", osmTags("amenity=social_facility", "social_facility=nursing_home", "social_facility:for=orphan"), nil},
		{"养老院 by name", osmTags("amenity=social_facility", "name=金牛区第一养老院"), []string{"elderly_care"}},
		{"senior day care", osmTags("amenity=social_facility", "social_facility=day_care", "social_facility:for=senior"), []string{"elderly_day_care"}},
		{"child day care is not elderly", osmTags("amenity=social_facility", "social_facility=day_care", "social_facility:for=child"), nil},
		{"日间照料 in a community centre", osmTags("amenity=community_centre", "name=玉林社区日间照料中心"), []string{"elderly_day_care", "community_service"}},
		{"community centre", osmTags("amenity=community_centre", "name=玉林社区党群服务中心"), []string{"community_service"}},
		{"residents committee office", osmTags("office=government", "name=肖家河社区居民委员会"), []string{"community_service"}},
		{"tax office is not community service", osmTags("office=government", "government=tax", "name=税务局"), nil},
		{"marketplace", osmTags("amenity=marketplace", "name=玉林菜市场"), []string{"market"}},
		{"supermarket is market and convenience", osmTags("shop=supermarket"), []string{"market", "convenience"}},
		{"convenience", osmTags("shop=convenience", "name=红旗连锁"), []string{"convenience"}},
		{"kiosk is not convenience", osmTags("shop=kiosk"), nil},
		{"library", osmTags("amenity=library"), []string{"culture"}},
		{"sports centre", osmTags("leisure=sports_centre"), []string{"sports"}},
		{"private pitch", osmTags("leisure=pitch", "access=private"), nil},
		// Issue 11: private and garden pools are no sports grounds.
		{"garden pool", osmTags("leisure=swimming_pool"), nil},
		{"private pool", osmTags("leisure=swimming_pool", "access=private"), nil},
		{"public pool", osmTags("leisure=swimming_pool", "access=yes"), []string{"sports"}},
		{"named pool", osmTags("leisure=swimming_pool", "name=Schwimmbad Mühleholz"), []string{"sports"}},
		{"private sports centre", osmTags("leisure=sports_centre", "access=private"), nil},
		{"fitness station", osmTags("leisure=fitness_station"), []string{"sports"}},
		{"playground", osmTags("leisure=playground"), []string{"playground"}},
		{"park", osmTags("leisure=park", "name=望江楼公园"), []string{"park"}},
		{"private garden", osmTags("leisure=garden", "access=private"), nil},
		{"residential garden", osmTags("leisure=garden", "garden:type=residential"), nil},
		{"named footway", osmTags("highway=footway", "name=锦江绿道"), []string{"greenway"}},
		{"unnamed footway", osmTags("highway=footway"), nil},
		{"designated cycleway", osmTags("highway=cycleway", "bicycle=designated"), []string{"greenway"}},
		{"named sidewalk is no greenway", osmTags("highway=footway", "footway=sidewalk", "name=Landstrasse"), nil},
		{"private named path is no greenway", osmTags("highway=path", "access=private", "name=Privatweg"), nil},
		{"绿道 on a service road", osmTags("highway=service", "name=天府绿道"), []string{"greenway"}},
		{"hiking route", osmTags("type=route", "route=hiking"), []string{"greenway"}},
		{"bus route", osmTags("type=route", "route=bus", "name=绿道专线"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matchIDs(tax, tt.tags); !slices.Equal(got, tt.want) {
				t.Errorf("Match(%v) = %v, want %v", tt.tags, got, tt.want)
			}
		})
	}
}

func TestDefaultTaxonomyGreen(t *testing.T) {
	tax := DefaultTaxonomy()
	for _, ts := range []osm.Tags{
		osmTags("leisure=park"), osmTags("leisure=garden"), osmTags("leisure=nature_reserve"),
		osmTags("landuse=grass"), osmTags("landuse=forest"),
		osmTags("landuse=recreation_ground"), osmTags("landuse=village_green"),
		osmTags("natural=wood"), osmTags("natural=grassland"),
	} {
		if !tax.IsGreen(&ts) {
			t.Errorf("IsGreen(%v) = false, want true", ts)
		}
	}
	// landuse=meadow is mostly hay fields, farmland: a path across one is
	// no greenway (issue 11).
	for _, ts := range []osm.Tags{osmTags("landuse=residential"), osmTags("natural=water"), osmTags("landuse=meadow"), nil} {
		if tax.IsGreen(&ts) {
			t.Errorf("IsGreen(%v) = true, want false", ts)
		}
	}
}

func TestDefaultTaxonomyCapacity(t *testing.T) {
	tax := DefaultTaxonomy()
	tests := []struct {
		cat     string
		tags    osm.Tags
		wantV   float64
		wantSrc string
	}{
		{"kindergarten", nil, 270, "default"},
		{"kindergarten", osmTags("capacity=180"), 180, "tag:capacity"},
		{"primary_school", nil, 1080, "default"},
		{"middle_school", nil, 1200, "default"},
		{"hospital", osmTags("beds=800", "capacity=2000"), 800, "tag:beds"},
		{"hospital", nil, 0, ""},
		{"elderly_care", osmTags("capacity=150"), 150, "tag:capacity"},
		{"elderly_care", nil, 200, "default"},
		{"park", osmTags("capacity=100"), 0, ""},
	}
	for _, tt := range tests {
		c, ok := tax.Category(tt.cat)
		if !ok {
			t.Fatalf("no category %q", tt.cat)
		}
		v, src := c.Capacity(&tt.tags)
		if v != tt.wantV || src != tt.wantSrc {
			t.Errorf("%s.Capacity(%v) = %v, %q; want %v, %q", tt.cat, tt.tags, v, src, tt.wantV, tt.wantSrc)
		}
	}
}

func TestLoadTaxonomy(t *testing.T) {
	tests := []struct {
		name    string
		file    string // a file under testdata (categories_*), else inline JSON
		wantErr string // "" = valid; else a substring of the message
	}{
		{"planner taxonomy", "categories_custom.json", ""},
		{"unknown field is an error", "categories_unknown_field.json", `categories_unknown_field.json: geo: invalid category taxonomy: json: unknown field "selectors"`},
		{"invalid category names file and category", "categories_bad_tier.json", `categories_bad_tier.json: geo: invalid category taxonomy: category "park": tier 20`},
		{"syntax error gives the line", "{\n  \"version\": \"1\",\n  \"categories\": [,]\n}", "line 3, column"},
		{"wrong type gives the line", "{\n  \"categories\": [{\"id\": \"a\", \"tier\": \"five\"}]\n}", "line 2"},
		{"trailing data", `{"categories": [{"id": "a", "tier": 5, "threshold_min": 5, "kind": "point", "select": [{"shop": "*"}]}]} {}`, "trailing data"},
		{"truncated", `{"categories": [`, "unexpected end of file"},
		{"empty", ``, "unexpected end of file"},
		{"byte-order mark is fine", "\ufeff" + `{"categories": [{"id": "a", "tier": 5, "threshold_min": 5, "kind": "point", "select": [{"shop": "*"}]}]}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, name := strings.NewReader(tt.file), "inline.json"
			if strings.HasPrefix(tt.file, "categories_") {
				b, err := os.ReadFile(filepath.Join("testdata", tt.file))
				if err != nil {
					t.Fatal(err)
				}
				r, name = strings.NewReader(string(b)), tt.file
			}
			tax, err := LoadTaxonomy(r, name)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("LoadTaxonomy = %v", err)
				}
				if len(tax.Categories) == 0 {
					t.Fatal("no categories")
				}
				return
			}
			if err == nil {
				t.Fatalf("LoadTaxonomy = nil error, want %q", tt.wantErr)
			}
			if !errors.Is(err, geo.ErrBadTaxonomy) {
				t.Errorf("error %v does not wrap geo.ErrBadTaxonomy", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), name+": ") {
				t.Errorf("error %q, want it to start with %q and contain %q", err, name, tt.wantErr)
			}
		})
	}
}

func TestLoadTaxonomyCustomMatches(t *testing.T) {
	f, err := os.Open("testdata/categories_custom.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tax, err := LoadTaxonomy(f, f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if got := matchIDs(tax, osmTags("amenity=canteen", "name=玉林长者食堂")); !slices.Equal(got, []string{"canteen"}) {
		t.Errorf("custom taxonomy Match = %v, want [canteen]", got)
	}
}

// TestDocsListCategories guards docs/categories.md against drifting from
// the embedded taxonomy.
func TestDocsListCategories(t *testing.T) {
	b, err := os.ReadFile("../docs/categories.md")
	if err != nil {
		t.Skipf("docs not found: %v", err)
	}
	doc := string(b)
	for _, c := range DefaultTaxonomy().Categories {
		if !strings.Contains(doc, "| `"+c.ID+"` |") {
			t.Errorf("docs/categories.md has no table row for %q", c.ID)
		}
	}
}

// BenchmarkDefaultTaxonomyMonaco matches every tagged element of the Monaco
// extract against the default taxonomy, as the OSM loader does.
func BenchmarkDefaultTaxonomyMonaco(b *testing.B) {
	f, err := os.Open("testdata/monaco-2021-04-21.osm.pbf")
	if err != nil {
		b.Skip(err)
	}
	defer f.Close()
	sc := osmpbf.New(b.Context(), f, 1)
	var all []osm.Tags // tagged elements only: the loader skips bare nodes
	for sc.Scan() {
		var ts osm.Tags
		switch o := sc.Object().(type) {
		case *osm.Node:
			ts = o.Tags
		case *osm.Way:
			ts = o.Tags
		case *osm.Relation:
			ts = o.Tags
		}
		if len(ts) > 0 {
			all = append(all, ts)
		}
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	tax := DefaultTaxonomy()
	b.ReportAllocs()
	hits := 0
	for b.Loop() {
		hits = 0
		for i := range all {
			hits += len(tax.Match(&all[i]))
		}
	}
	b.ReportMetric(float64(len(all)), "elements")
	b.ReportMetric(float64(hits), "hits")
}
