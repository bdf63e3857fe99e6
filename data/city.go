package data

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"fifteen/geo"
)

// Attribution is the credit every output derived from OpenStreetMap carries.
const Attribution = "© OpenStreetMap contributors (ODbL 1.0, https://www.openstreetmap.org/copyright)"

// The default city: Liechtenstein, OSM snapshot of 2024-03-04, and its 11
// municipalities with population (see city/README.md).
var (
	//go:embed city/liechtenstein-2024-03-04.osm.pbf
	defaultOSM []byte
	//go:embed city/li_municipalities_population.geojson
	defaultCommunities []byte
)

const (
	defaultCityName        = "Liechtenstein"
	defaultOSMName         = "embedded:liechtenstein-2024-03-04.osm.pbf"
	defaultCommunitiesName = "embedded:li_municipalities_population.geojson"
)

// Config names the inputs of a city. Empty paths take the embedded default
// city (when OSMPath is empty) or nothing.
type Config struct {
	// Name is the city's display name; derived from the OSM file name
	// when empty.
	Name string
	// OSMPath is an OSM extract (.osm.pbf, .osm, .osm.gz, .osm.bz2).
	OSMPath string
	// CommunitiesPath is a GeoJSON FeatureCollection of community
	// polygons with population.
	CommunitiesPath string
	// FacilitiesPath is the planner's own facilities (GeoJSON or CSV),
	// added to those found in OSM.
	FacilitiesPath string
	// PopulationPath is a CSV of H3 cells with population, used instead
	// of spreading community population over buildings.
	PopulationPath string
	// CategoriesPath replaces the embedded category taxonomy.
	CategoriesPath string
	// SnapMaxM is the snapping limit in metres; 0 means geo.DefaultSnapM.
	SnapMaxM float64
	// SnapshotPath is a snapshot written by `fifteen build`
	// (WriteSnapshot), opened instead of every other input.
	SnapshotPath string
}

// LoadStats tells what loading found and how long each stage took.
type LoadStats struct {
	OSM       OSMStats           `json:"osm"`
	StageSec  map[string]float64 `json:"stage_sec"`
	TotalSec  float64            `json:"total_sec"`
	Inputs    map[string]string  `json:"inputs"`
	UserFacil int                `json:"user_facilities"`
}

// Load reads the inputs named by cfg and builds the city: walk network,
// segment index, facilities snapped to the network, communities and
// population on H3 cells. Each error names the file and the problem.
func Load(ctx context.Context, cfg Config) (*geo.City, *LoadStats, error) {
	if cfg.SnapshotPath != "" {
		if cfg.OSMPath != "" || cfg.CommunitiesPath != "" || cfg.FacilitiesPath != "" || cfg.PopulationPath != "" ||
			cfg.CategoriesPath != "" || cfg.SnapMaxM != 0 || cfg.Name != "" {
			return nil, nil, fmt.Errorf("%s: a snapshot holds the whole city: give no other input with it", cfg.SnapshotPath)
		}
		return OpenSnapshot(cfg.SnapshotPath)
	}
	start := time.Now()
	st := &LoadStats{StageSec: map[string]float64{}, Inputs: map[string]string{}}
	stage := func(name string, t time.Time) { st.StageSec[name] = time.Since(t).Seconds() }

	tax := DefaultTaxonomy()
	if cfg.CategoriesPath != "" {
		t, err := loadFile(cfg.CategoriesPath, func(r io.Reader, name string) (*geo.Taxonomy, error) {
			return LoadTaxonomy(r, name)
		})
		if err != nil {
			return nil, nil, err
		}
		tax = t
		st.Inputs["categories"] = cfg.CategoriesPath
	}

	// OSM: the network and the facilities.
	var osmData *OSMData
	var err error
	name := cfg.Name
	if cfg.OSMPath == "" {
		osmData, err = ReadOSM(ctx, bytes.NewReader(defaultOSM), defaultOSMName, tax)
		st.Inputs["osm"] = defaultOSMName
		if name == "" {
			name = defaultCityName
		}
	} else {
		osmData, err = loadFile(cfg.OSMPath, func(r io.Reader, n string) (*OSMData, error) {
			return ReadOSM(ctx, r, n, tax)
		})
		st.Inputs["osm"] = cfg.OSMPath
		if name == "" {
			name = cityName(cfg.OSMPath)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	st.OSM = osmData.Stats
	st.StageSec["osm_decode"] = osmData.Stats.DecodeSec
	st.StageSec["graph_build"] = osmData.Stats.GraphSec

	city := &geo.City{
		Name:        name,
		Attribution: Attribution,
		Taxonomy:    tax,
		Graph:       osmData.Graph,
		Facilities:  osmData.Facilities,
		Entrances:   osmData.Entrances,
		SnapMaxM:    cfg.SnapMaxM,
	}
	if city.SnapMaxM <= 0 {
		city.SnapMaxM = geo.DefaultSnapM
	}

	if cfg.FacilitiesPath != "" {
		fs, err := loadFile(cfg.FacilitiesPath, func(r io.Reader, n string) ([]geo.Facility, error) {
			return LoadFacilities(r, n, tax)
		})
		if err != nil {
			return nil, nil, err
		}
		city.Facilities = append(city.Facilities, fs...)
		st.UserFacil = len(fs)
		st.Inputs["facilities"] = cfg.FacilitiesPath
	}

	// Communities: the embedded ones go with the embedded city only.
	switch {
	case cfg.CommunitiesPath != "":
		cs, err := loadFile(cfg.CommunitiesPath, LoadCommunities)
		if err != nil {
			return nil, nil, err
		}
		city.Communities = cs
		st.Inputs["communities"] = cfg.CommunitiesPath
	case cfg.OSMPath == "":
		cs, err := LoadCommunities(bytes.NewReader(defaultCommunities), defaultCommunitiesName)
		if err != nil {
			return nil, nil, err
		}
		city.Communities = cs
		st.Inputs["communities"] = defaultCommunitiesName
	}

	t := time.Now()
	city.Index = geo.NewSegmentIndex(city.Graph)
	stage("index", t)

	t = time.Now()
	city.FacilitySnap = city.Index.SnapAll(func(i int) orb.Point { return city.Facilities[i].Point }, len(city.Facilities), city.SnapMaxM,
		func(i int) bool { return city.Facilities[i].BelowStreet })
	stage("facility_snap", t)

	t = time.Now()
	city.FacilityAccess = geo.ComputeFacilityAccess(city)
	stage("facility_access", t)

	t = time.Now()
	if err := placePopulation(city, osmData, cfg, st); err != nil {
		return nil, nil, err
	}
	stage("population", t)

	t = time.Now()
	if city.Population != nil {
		cells := city.Population.Cells
		city.CellSnap = city.Index.SnapAll(func(i int) orb.Point { return cells[i].Point }, len(cells), city.SnapMaxM, nil)
	}
	stage("cell_snap", t)
	st.TotalSec = time.Since(start).Seconds()
	return city, st, nil
}

func placePopulation(city *geo.City, osmData *OSMData, cfg Config, st *LoadStats) error {
	if cfg.PopulationPath != "" {
		cells, err := loadFile(cfg.PopulationPath, LoadPopulationCSV)
		if err != nil {
			return err
		}
		pop, err := geo.PopulationFromCells(cells, city.Communities)
		if err != nil {
			return fmt.Errorf("%s: %w", cfg.PopulationPath, err)
		}
		city.Population = pop
		st.Inputs["population"] = cfg.PopulationPath
		return nil
	}
	if len(city.Communities) == 0 {
		return nil
	}
	pop, err := geo.PlacePopulation(geo.PopulationInput{
		Communities:      city.Communities,
		Buildings:        osmData.Buildings,
		ResidentialAreas: osmData.ResidentialAreas,
		NetworkCells:     geo.LazyNetworkCells(city.Graph),
	})
	if err != nil {
		return fmt.Errorf("placing population: %w", err)
	}
	city.Population = pop
	return nil
}

// loadFile opens path and hands it to load, naming the file in errors.
func loadFile[T any](path string, load func(io.Reader, string) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, err // *PathError names the file
	}
	defer f.Close()
	return load(f, path)
}

// cityName derives a display name from an OSM file name.
func cityName(path string) string {
	base := filepath.Base(path)
	for _, ext := range []string{".gz", ".bz2", ".pbf", ".xml", ".osm"} {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}
