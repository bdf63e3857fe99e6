package data

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"fifteen/geo"
	"fifteen/geo/hex"
)

// Porto Alegre (see testdata/README.md): the r5r sample network with its
// population grid. The OSM extract is routing-filtered (highway ways and
// their nodes): its only facilities are the two mapped on highway
// features (a market and a sports ground). The grid's schools and
// healthcare columns give primary schools and clinics, and r5r's file of
// named points of interest five more real places (two hospitals, the
// public market, a museum, a park, a stadium). No file at hand has the
// other ten categories (kindergartens, middle schools, schools of unknown
// level, pharmacies, elderly day care, nursing homes, community service,
// convenience stores, playgrounds, greenways): the benchmark of every
// category adds synthetic places for them, labelled as such (see
// poaSynthetic), never presented as real.
const (
	poaOSM  = "testdata/porto_alegre/poa_osm.pbf"
	poaGrid = "testdata/porto_alegre/poa_hexgrid.csv"
	poaPOI  = "testdata/porto_alegre/poa_points_of_interest.csv"
)

// poaNamedPOIs are the points of r5r's file (by its ids) that are places
// of a category of the default taxonomy; its other points (the town hall,
// the palace, the cathedral, stations, shopping centres, universities)
// are not.
var poaNamedPOIs = map[string]string{
	"santa_casa_hospital":       "hospital",
	"moinhos_de_vento_hospital": "hospital",
	"public_market":             "market",
	"gasometer_museum":          "culture",
	"farroupilha_park":          "park",
	"beira_rio_stadium":         "sports",
}

// poaGridColumns maps the grid's count columns to categories of the default
// taxonomy.
var poaGridColumns = []struct{ column, category string }{
	{"schools", "primary_school"},
	{"healthcare", "clinic"},
}

var (
	poaOnce sync.Once
	poaCity *geo.City
	poaErr  error
)

// loadPortoAlegre loads Porto Alegre once per test binary, with the grid's
// facilities added, snapped and given their access points. It skips when
// the fixture is missing.
func loadPortoAlegre(tb testing.TB) *geo.City {
	tb.Helper()
	for _, p := range []string{poaOSM, poaGrid} {
		if _, err := os.Stat(p); err != nil {
			tb.Skip(err)
		}
	}
	poaOnce.Do(func() {
		city, _, err := Load(context.Background(), Config{OSMPath: poaOSM, PopulationPath: poaGrid})
		if err != nil {
			poaErr = err
			return
		}
		fs, err := poaGridFacilities(poaGrid)
		if err != nil {
			poaErr = err
			return
		}
		pois, err := poaPOIFacilities(poaPOI)
		if err != nil {
			poaErr = err
			return
		}
		poaAddFacilities(city, append(fs, pois...))
		poaCity = city
	})
	if poaErr != nil {
		tb.Fatal(poaErr)
	}
	return poaCity
}

// poaAddFacilities adds fs to city's facilities and snaps every facility
// again, as Load does, at street level.
func poaAddFacilities(city *geo.City, fs []geo.Facility) {
	city.Facilities = append(slices.Clip(city.Facilities), fs...)
	city.FacilitySnap = make([]geo.Snap, len(city.Facilities))
	for i, f := range city.Facilities {
		s, err := city.Index.Nearest(f.Point, city.SnapMaxM, geo.SurfaceOnly)
		if err != nil {
			s = geo.Snap{Edge: -1}
		}
		city.FacilitySnap[i] = s
	}
	city.Closed = nil
	city.FacilityAccess = geo.ComputeFacilityAccess(city)
}

var (
	poaAllOnce sync.Once
	poaAllCity *geo.City
)

// loadPortoAlegreAll is loadPortoAlegre with poaSynthetic's places added
// for the categories no real file gives: every category has facilities.
func loadPortoAlegreAll(tb testing.TB) *geo.City {
	city := loadPortoAlegre(tb)
	ref := defaultCity(tb)
	poaAllOnce.Do(func() {
		c := *city
		syn := poaSynthetic(city, ref)
		perCat := map[string]int{}
		for _, f := range syn {
			perCat[f.Category]++
		}
		tb.Logf("Porto Alegre: %d real facilities, %d synthetic ones added for the categories no file gives: %v", len(city.Facilities), len(syn), perCat)
		poaAddFacilities(&c, syn)
		poaAllCity = &c
	})
	return poaAllCity
}

// poaGridFacilities reads the grid's schools and healthcare counts and
// returns one facility per unit counted, at the centre of its cell (the
// lon and lat columns): a cell with 3 healthcare units gives 3 clinics at
// the same place, so that Count reports what the grid counts. Empty counts
// are 0. The given centre must lie within 50 m of the H3 cell's own centre,
// which catches swapped columns.
func poaGridFacilities(path string) ([]geo.Facility, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, c := range []string{"id", "lon", "lat", "schools", "healthcare"} {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("%s: no column %q", path, c)
		}
	}
	num := func(rec []string, c string) (float64, error) {
		s := strings.TrimSpace(rec[col[c]])
		if s == "" {
			return 0, nil
		}
		return strconv.ParseFloat(s, 64)
	}
	var out []geo.Facility
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		id := strings.TrimSpace(rec[col["id"]])
		lon, err1 := num(rec, "lon")
		lat, err2 := num(rec, "lat")
		cell, err3 := hex.Parse(id)
		if err := poaFirstErr(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", path, line, err)
		}
		p := orb.Point{lon, lat}
		if d := orbgeo.Distance(p, cell.Center()); !(d < 50) {
			return nil, fmt.Errorf("%s: line %d: (%v, %v) is %.0f m from the centre of %s", path, line, lon, lat, d, id)
		}
		for _, gc := range poaGridColumns {
			n, err := num(rec, gc.column)
			if err != nil || n < 0 || n != float64(int(n)) {
				return nil, fmt.Errorf("%s: line %d: %s %q is not a count", path, line, gc.column, rec[col[gc.column]])
			}
			for k := 0; k < int(n); k++ {
				out = append(out, geo.Facility{
					ID:       fmt.Sprintf("grid:%s/%s/%d", id, gc.column, k),
					Category: gc.category,
					Point:    p,
					Source:   "user",
				})
			}
		}
	}
}

// poaPOIFacilities reads r5r's named points of interest (id,lat,lon) and
// returns those of poaNamedPOIs as facilities.
func poaPOIFacilities(path string) ([]geo.Facility, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != "id,lat,lon" {
		return nil, fmt.Errorf("%s: the header is not id,lat,lon", path)
	}
	var out []geo.Facility
	for i, rec := range recs[1:] {
		cat, ok := poaNamedPOIs[rec[0]]
		if !ok {
			continue
		}
		lat, err1 := strconv.ParseFloat(rec[1], 64)
		lon, err2 := strconv.ParseFloat(rec[2], 64)
		if err := poaFirstErr(err1, err2, geo.ValidPoint(orb.Point{lon, lat})); err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", path, i+2, err)
		}
		out = append(out, geo.Facility{ID: "user:" + rec[0], Category: cat, Name: rec[0], Point: orb.Point{lon, lat}, Source: "user"})
	}
	if len(out) != len(poaNamedPOIs) {
		return nil, fmt.Errorf("%s: %d of the %d named places found", path, len(out), len(poaNamedPOIs))
	}
	return out, nil
}

// poaSynthetic returns, for every category of the taxonomy that has no
// facility in city, synthetic places so that a benchmark of every
// category does the work a city with all of them would: as many per
// resident as the default city (ref) has or, for lines (greenways, which
// OSM maps piece by piece along the paths), as many per kilometre of
// walkable network; each at the centre of a populated cell drawn with a
// fixed seed in proportion to its population. They are not real: their
// ids start with "synthetic:" and their names say so.
func poaSynthetic(city, ref *geo.City) []geo.Facility {
	have := map[string]int{}
	for _, f := range city.Facilities {
		have[f.Category]++
	}
	refCount := map[string]int{}
	for _, f := range ref.Facilities {
		refCount[f.Category]++
	}
	cells := city.Population.Cells
	cum := make([]float64, len(cells))
	var sum float64
	for i, c := range cells {
		sum += c.Pop
		cum[i] = sum
	}
	rng := rand.New(rand.NewPCG(15, 15))
	var out []geo.Facility
	for _, cat := range city.Taxonomy.Categories {
		if have[cat.ID] > 0 {
			continue
		}
		scale := city.Population.Total / ref.Population.Total
		if cat.Kind == geo.KindLine {
			scale = city.Graph.TotalLengthM() / ref.Graph.TotalLengthM()
		}
		n := max(1, int(math.Round(float64(refCount[cat.ID])*scale)))
		for k := 0; k < n; k++ {
			i, _ := slices.BinarySearch(cum, rng.Float64()*sum)
			i = min(i, len(cells)-1)
			out = append(out, geo.Facility{
				ID: fmt.Sprintf("synthetic:%s/%d", cat.ID, k), Category: cat.ID,
				Name: "synthetic place (benchmark workload, not a real " + cat.Name + ")", Point: cells[i].Point, Source: "user",
			})
		}
	}
	return out
}

// poaFirstErr returns the first non-nil error.
func poaFirstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// TestPortoAlegre loads the city and checks that the share of people within
// 15 minutes' walk of a clinic is plausible for a city of 1.4 million with
// 141 health units on the grid (the grid covers 813,000 of them).
func TestPortoAlegre(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a 1,843 km network")
	}
	city := loadPortoAlegre(t)
	t.Log(city.Graph)
	if n := city.Graph.NumVertices(); n < 10_000 {
		t.Errorf("%d vertices, want a city-sized network", n)
	}
	perCat := map[string]int{}
	var unsnapped int
	for i, f := range city.Facilities {
		perCat[f.Category]++
		if city.FacilitySnap[i].Edge < 0 {
			unsnapped++
		}
	}
	t.Logf("facilities: %v; %d farther than %.0f m from the network", perCat, unsnapped, city.SnapMaxM)
	if perCat["clinic"] != 141 || perCat["primary_school"] != 194 {
		t.Errorf("%d clinics and %d primary schools, want the grid's 141 and 194", perCat["clinic"], perCat["primary_school"])
	}
	if got := city.Population.Total; got < 812_000 || got > 814_000 {
		t.Errorf("population %.0f, want the grid's 812,935", got)
	}
	a, err := geo.ComputeAccess(city, geo.AccessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cid := range []string{"clinic", "primary_school"} {
		c := accCategory(t, city, cid)
		for p := range a.Profiles {
			var covered, offNet float64
			for i, pc := range city.Population.Cells {
				if a.TimeDs[p][c][i] <= geo.MinToDs(15) {
					covered += pc.Pop
				}
				if city.CellSnap[i].Edge < 0 {
					offNet += pc.Pop
				}
			}
			share := covered / city.Population.Total
			t.Logf("%s, %s: %.0f people (%.1f %%) within 15 min; %.0f off the network", cid, a.Profiles[p].ID, covered, 100*share, offNet)
			if cid == "clinic" && a.Profiles[p].ID == "adult" && !(share > 0.3 && share < 0.98) {
				t.Errorf("%.1f %% of people within 15 min of a clinic, want a plausible share (30-98 %%)", 100*share)
			}
		}
	} // Issue 11: with population from a grid (no communities) the city's
	// capacity totals are not 0: schools carry the default 1,080 places.
	caps, err := a.E2SFCA(geo.E2SFCAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ca := range caps {
		if ca.Category != "primary_school" || ca.Profile != "adult" {
			continue
		}
		tot := ca.Total
		t.Logf("primary school: %.0f children 6-11 (%s), need %.0f places, reach %.0f, short %.0f", tot.Demand, tot.AgeSource, tot.Need, tot.Places, tot.Shortfall)
		want := city.Population.Total * geo.NationalAgeShares[geo.Age6to11]
		if math.Abs(tot.Demand-want) > 1e-6*want || tot.Need <= 0 || tot.Places <= 0 || tot.AgeSource != geo.AgeSourceNational {
			t.Errorf("primary-school totals %+v, want demand %.0f from the national share and need and places above 0", tot, want)
		}
	}
}

// BenchmarkAccessPortoAlegre computes access for every category and the
// three default profiles on Porto Alegre (target: under 0.5 s), every
// category with facilities: the real ones (the grid's schools and
// healthcare, r5r's named places, the two in the extract) and, for the ten
// categories no file gives, poaSynthetic's places.
func BenchmarkAccessPortoAlegre(b *testing.B) {
	city := loadPortoAlegreAll(b)
	perCat := map[string]int{}
	for _, f := range city.Facilities {
		perCat[f.Category]++
	}
	for _, cat := range city.Taxonomy.Categories {
		if perCat[cat.ID] == 0 {
			b.Fatalf("no %s", cat.ID)
		}
	}
	b.ReportAllocs()
	var a *geo.Access
	for b.Loop() {
		var err error
		if a, err = geo.ComputeAccess(city, geo.AccessOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(city.Graph.NumVertices()), "vertices")
	b.ReportMetric(float64(len(city.Population.Cells)), "cells")
	b.ReportMetric(float64(len(city.Facilities)), "facilities")
	if len(a.TimeDs) != 3 {
		b.Fatal("want 3 profiles")
	}
}
