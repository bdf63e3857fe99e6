package data

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
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
	// Progress, when set, is told each load stage as it starts (done 0)
	// and, for reading the OSM extract, how far it is (bytes done of
	// total). It is called from Load's goroutine.
	Progress func(stage string, done, total int64)
	// CRS is the coordinate system of the facility and community files:
	// geo.CRSWGS84 (or empty), geo.CRSGCJ02 or geo.CRSBD09; they are
	// converted to WGS84 on reading.
	CRS string
	// AdminLevel picks the admin_level of the OSM boundaries that become
	// communities when there is no communities file; 0 chooses the finest
	// level holding at least half the residents (geo.ChooseAdminLevel).
	AdminLevel int
	// PersonsPerM2 is the number of residents per m² of residential floor
	// area outside every population count; 0 means
	// geo.DefaultPersonsPerM2.
	PersonsPerM2 float64
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
	// Communities tells where the communities came from.
	Communities CommunityOrigin `json:"communities"`
	// Population tells where the population came from.
	Population PopulationOrigin `json:"population"`
}

// CommunityOrigin tells which source the communities were made from.
type CommunityOrigin struct {
	// Source is "file" (the planner's file), "embedded", "osm" (OSM
	// boundaries and place areas, hexagons where none covers) or "none".
	Source string `json:"source"`
	// AdminLevel is the admin_level of the OSM boundaries used, 0 for none.
	AdminLevel int `json:"admin_level"`
	// AdminLevelChosen is "flag" when --admin-level set it, else "default".
	AdminLevelChosen string `json:"admin_level_chosen,omitempty"`
	// LevelCoverage is, per admin_level present, the share of residents
	// inside its boundaries.
	Levels map[int]geo.LevelStats `json:"admin_levels,omitempty"`
	// FromBoundaries, FromPlaces and FromHexagons count the communities
	// made from boundaries at AdminLevel, from place areas and from H3
	// hexagons of resolution geo.FillRes.
	FromBoundaries int `json:"from_boundaries"`
	FromPlaces     int `json:"from_place_areas"`
	FromHexagons   int `json:"from_h3_cells"`
	// HexRes is the H3 resolution of the filling hexagons.
	HexRes int `json:"h3_fill_resolution"`
	// Empty counts candidate areas left out because nobody lives in them.
	Empty int `json:"empty_areas_left_out"`
	// EmptyLeftOut lists the planner's communities left out because no
	// resident was placed in them (a file of outlines without population).
	EmptyLeftOut []string `json:"empty_communities_left_out,omitempty"`
}

// PopulationOrigin tells which source the population was made from.
type PopulationOrigin struct {
	// Source is geo.Population.Source.
	Source string `json:"source"`
	// PersonsPerM2 is the rate used for floor-area estimates.
	PersonsPerM2 float64 `json:"persons_per_m2,omitempty"`
	// FromCounts is the residents placed from population=* counts,
	// Estimated those estimated from floor area.
	FromCounts float64 `json:"from_osm_population"`
	Estimated  float64 `json:"estimated_from_floor_area"`
	// Areas tells how each population=* count was placed.
	Areas []geo.AreaPlacement `json:"areas,omitempty"`
	// PlaceNodes tells what became of each place node with population=*.
	PlaceNodes []string `json:"place_nodes,omitempty"`
	// Raster describes the population raster read, if any.
	Raster *RasterInfo `json:"raster,omitempty"`
}

// Load reads the inputs named by cfg and builds the city: walk network,
// segment index, facilities snapped to the network, communities and
// population on H3 cells. Each error names the file and the problem.
func Load(ctx context.Context, cfg Config) (*geo.City, *LoadStats, error) {
	if cfg.SnapshotPath != "" {
		if cfg.OSMPath != "" || cfg.CommunitiesPath != "" || cfg.FacilitiesPath != "" || cfg.PopulationPath != "" ||
			cfg.CategoriesPath != "" || cfg.SnapMaxM != 0 || cfg.Name != "" || (cfg.CRS != "" && cfg.CRS != geo.CRSWGS84) ||
			cfg.AdminLevel != 0 || cfg.PersonsPerM2 != 0 {
			return nil, nil, fmt.Errorf("%s: a snapshot holds the whole city: give no other input with it", cfg.SnapshotPath)
		}
		if cfg.Progress != nil {
			cfg.Progress(StageSnapshot, 0, 0)
		}
		return OpenSnapshot(cfg.SnapshotPath)
	}
	start := time.Now()
	st := &LoadStats{StageSec: map[string]float64{}, Inputs: map[string]string{}}
	stage := func(name string, t time.Time) { st.StageSec[name] = time.Since(t).Seconds() }
	progress := cfg.Progress
	if progress == nil {
		progress = func(string, int64, int64) {}
	}

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
	progress(StageReadOSM, 0, 0)
	if cfg.OSMPath == "" {
		osmData, err = ReadOSM(ctx, newProgressReader(bytes.NewReader(defaultOSM), int64(len(defaultOSM)), progress), defaultOSMName, tax)
		st.Inputs["osm"] = defaultOSMName
		if name == "" {
			name = defaultCityName
		}
	} else {
		osmData, err = loadFile(cfg.OSMPath, func(r io.Reader, n string) (*OSMData, error) {
			var size int64
			if f, ok := r.(*os.File); ok {
				if fi, err := f.Stat(); err == nil {
					size = fi.Size()
				}
			}
			return ReadOSM(ctx, newProgressReader(r, size, progress), n, tax)
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
		toWGS84Facilities(fs, cfg.CRS)
		city.Facilities = append(city.Facilities, fs...)
		st.UserFacil = len(fs)
		st.Inputs["facilities"] = cfg.FacilitiesPath
	}

	// Communities: the embedded ones go with the embedded city only.
	outlines := false // the planner's communities carry no population
	switch {
	case cfg.CommunitiesPath != "":
		var cs []geo.Community
		var hasPop bool
		err := func() error {
			f, err := os.Open(cfg.CommunitiesPath)
			if err != nil {
				return err
			}
			defer f.Close()
			cs, hasPop, err = LoadCommunityOutlines(f, cfg.CommunitiesPath)
			return err
		}()
		if err != nil {
			return nil, nil, err
		}
		outlines = !hasPop
		toWGS84Communities(cs, cfg.CRS)
		city.Communities = cs
		st.Inputs["communities"] = cfg.CommunitiesPath
		st.Communities.Source = "file"
	case cfg.OSMPath == "":
		cs, err := LoadCommunities(bytes.NewReader(defaultCommunities), defaultCommunitiesName)
		if err != nil {
			return nil, nil, err
		}
		city.Communities = cs
		st.Inputs["communities"] = defaultCommunitiesName
		st.Communities.Source = "embedded"
	}
	for i := range city.Communities {
		city.Communities[i].Source = "file"
	}

	progress(StageIndex, 0, 0)
	t := time.Now()
	city.Index = geo.NewSegmentIndex(city.Graph)
	stage("index", t)

	progress(StageFacilities, 0, 0)
	t = time.Now()
	city.FacilitySnap = city.Index.SnapAll(func(i int) orb.Point { return city.Facilities[i].Point }, len(city.Facilities), city.SnapMaxM,
		func(i int) bool { return city.Facilities[i].BelowStreet })
	stage("facility_snap", t)

	t = time.Now()
	city.FacilityAccess = geo.ComputeFacilityAccess(city)
	stage("facility_access", t)

	progress(StagePopulation, 0, 0)
	t = time.Now()
	if err := placePopulation(city, osmData, cfg, st, outlines); err != nil {
		return nil, nil, err
	}
	stage("population", t)

	progress(StageCellSnap, 0, 0)
	t = time.Now()
	if city.Population != nil {
		cells := city.Population.Cells
		city.CellSnap = city.Index.SnapAll(func(i int) orb.Point { return cells[i].Point }, len(cells), city.SnapMaxM, nil)
	}
	stage("cell_snap", t)
	st.TotalSec = time.Since(start).Seconds()
	progress(StageLoaded, 1, 1)
	return city, st, nil
}

// Load stages, as told to Config.Progress.
const (
	StageReadOSM    = "reading the OSM extract and building the walk network"
	StageIndex      = "indexing the network"
	StageFacilities = "placing facilities on the network"
	StagePopulation = "placing residents and communities"
	StageCellSnap   = "placing residents on the network"
	StageLoaded     = "loaded"
	// StageSnapshot is the one stage of a load from a snapshot
	// (Config.SnapshotPath), not in LoadStages.
	StageSnapshot = "opening the snapshot"
)

// LoadStages are the stages Load tells, in order.
var LoadStages = []string{StageReadOSM, StageIndex, StageFacilities, StagePopulation, StageCellSnap}

// progressReader tells progress how many bytes were read, at most every
// 1 MiB.
type progressReader struct {
	r           io.Reader
	done, total int64
	next        int64
	progress    func(string, int64, int64)
}

func newProgressReader(r io.Reader, total int64, progress func(string, int64, int64)) io.Reader {
	return &progressReader{r: r, total: total, progress: progress}
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.done += int64(n)
	if p.done >= p.next || (err == io.EOF && p.next != math.MaxInt64) {
		p.next = p.done + 1<<20
		if err == io.EOF {
			p.next = math.MaxInt64
		}
		p.progress(StageReadOSM, p.done, p.total)
	}
	return n, err
}

func placePopulation(city *geo.City, osmData *OSMData, cfg Config, st *LoadStats, outlines bool) error {
	if len(city.Communities) > 0 && !outlines {
		if cfg.PopulationPath != "" {
			cells, source, err := loadPopulationFile(cfg.PopulationPath, city.Graph, st)
			if err != nil {
				return err
			}
			pop, err := geo.PopulationFromCells(cells, city.Communities)
			if err != nil {
				return fmt.Errorf("%s: %w", cfg.PopulationPath, err)
			}
			pop.Source = source
			city.Population = pop
			st.Inputs["population"] = cfg.PopulationPath
			st.Population.Source = pop.Source
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
		pop.Source = geo.MethodCommunities
		city.Population = pop
		st.Population.Source = pop.Source
		return nil
	}

	// No communities file: population from the best input there is, then
	// communities from OSM boundaries, hexagons where none covers.
	var cells []geo.PopCell
	var methods []string
	source := geo.MethodNone
	switch {
	case cfg.PopulationPath != "":
		grid, src, err := loadPopulationFile(cfg.PopulationPath, city.Graph, st)
		if err != nil {
			return err
		}
		pop, err := geo.PopulationFromCells(grid, nil)
		if err != nil {
			return fmt.Errorf("%s: %w", cfg.PopulationPath, err)
		}
		st.Inputs["population"] = cfg.PopulationPath
		cells, source = pop.Cells, src
		methods = make([]string, len(cells))
		for i := range methods {
			methods[i] = src
		}
	default:
		ppm2 := cfg.PersonsPerM2
		if ppm2 == 0 {
			ppm2 = geo.DefaultPersonsPerM2
		}
		areas, notes := geo.PopulationAreas(osmData.Boundaries, osmData.Places)
		est, err := geo.EstimatePopulation(geo.EstimateInput{
			Areas:            areas,
			Buildings:        osmData.Buildings,
			ResidentialAreas: osmData.ResidentialAreas,
			NetworkCells:     geo.LazyNetworkCells(city.Graph),
			PersonsPerM2:     ppm2,
		})
		if err != nil {
			return fmt.Errorf("estimating population: %w", err)
		}
		cells, methods = est.Cells, est.Methods
		st.Population.PersonsPerM2 = ppm2
		st.Population.FromCounts, st.Population.Estimated = est.FromAreas, est.FromFloor
		st.Population.Areas, st.Population.PlaceNodes = est.Areas, notes
		switch {
		case est.FromAreas > 0 && est.FromFloor > 0:
			source = geo.MethodOSMPopulation + "+" + geo.MethodFloorEstimate
		case est.FromAreas > 0:
			source = geo.MethodOSMPopulation
		case est.FromFloor > 0:
			source = geo.MethodFloorEstimate
		}
	}
	st.Population.Source = source

	if outlines {
		// The planner's outlines, their residents from the other inputs;
		// residents outside them are in no community, as with a grid.
		cand := make([]geo.CommunityArea, len(city.Communities))
		for i := range city.Communities {
			c := &city.Communities[i]
			cand[i] = geo.CommunityArea{ID: c.ID, Name: c.Name, Geom: c.Geom, Source: c.Source, Base: c}
		}
		pop, comms, err := geo.AssignCommunities(cells, methods, cand, false)
		if err != nil {
			return fmt.Errorf("placing residents in %s: %w", cfg.CommunitiesPath, err)
		}
		pop.Source = source
		kept := map[string]bool{}
		for _, c := range comms {
			kept[c.ID] = true
		}
		for _, c := range city.Communities {
			if !kept[c.ID] {
				st.Communities.EmptyLeftOut = append(st.Communities.EmptyLeftOut, c.ID)
			}
		}
		st.Communities.Empty = len(st.Communities.EmptyLeftOut)
		city.Communities, city.Population = comms, pop
		if len(pop.Cells) == 0 {
			city.Population = &geo.Population{Res: geo.PopulationRes, Source: geo.MethodNone}
		}
		return nil
	}

	co := &st.Communities
	co.Source, co.HexRes = "osm", geo.FillRes
	co.Levels = geo.AdminLevels(cells, osmData.Boundaries)
	if cfg.AdminLevel > 0 {
		// Asked for by name, every boundary of the level must be usable:
		// one left out would put its residents in hexagons unseen.
		for _, d := range osmData.Dropped {
			if d.AdminLevel == cfg.AdminLevel {
				return fmt.Errorf("%s: %w: --admin-level %d: boundary %s: %s", osmName(cfg), ErrNoBoundaries, cfg.AdminLevel, d.Label, d.Problem)
			}
		}
		if _, ok := co.Levels[cfg.AdminLevel]; !ok {
			return fmt.Errorf("%s: %w: --admin-level %d: the OSM extract has no boundary=administrative at admin_level %d (levels present: %s)",
				osmName(cfg), ErrNoBoundaries, cfg.AdminLevel, cfg.AdminLevel, levelList(co.Levels))
		}
		co.AdminLevel, co.AdminLevelChosen = cfg.AdminLevel, "flag"
	} else {
		co.AdminLevel, co.AdminLevelChosen = geo.ChooseAdminLevel(co.Levels), "default"
	}
	var cand []geo.CommunityArea
	for _, b := range osmData.Boundaries {
		if (b.AdminLevel > 0 && b.AdminLevel == co.AdminLevel) || (b.AdminLevel == 0 && b.Place != "") {
			name := b.Name
			if name == "" {
				name = b.ID
			}
			cand = append(cand, geo.CommunityArea{ID: b.ID, Name: name, Geom: b.Geom, Source: b.Source()})
		}
	}
	pop, comms, err := geo.AssignCommunities(cells, methods, cand, true)
	if err != nil {
		return fmt.Errorf("making communities: %w", err)
	}
	pop.Source = source
	if len(pop.Cells) == 0 {
		// No residents: an empty population, so that everything that
		// needs none (map, network, facilities, isochrones) still works.
		st.Communities.Source = "none"
		city.Population = &geo.Population{Res: geo.PopulationRes, Source: geo.MethodNone}
		return nil
	}
	for _, c := range comms {
		switch {
		case strings.HasPrefix(c.Source, "h3 "):
			co.FromHexagons++
		case strings.Contains(c.Source, " place="):
			co.FromPlaces++
		default:
			co.FromBoundaries++
		}
	}
	co.Empty = len(cand) - co.FromBoundaries - co.FromPlaces
	nameHexagons(comms, osmData.PlaceNames)
	city.Communities, city.Population = comms, pop
	return nil
}

// loadPopulationFile reads a population grid: a GeoTIFF raster (sniffed
// from its first bytes), read over the network's extent, or a CSV of H3
// cells. It returns the cells and the method.
func loadPopulationFile(path string, g *geo.Graph, st *LoadStats) ([]geo.CellPop, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	if !IsGeoTIFF(head[:n]) {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, "", err
		}
		cells, err := LoadPopulationCSV(f, path)
		return cells, geo.MethodCells, err
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, "", err
	}
	rs, err := OpenGeoTIFF(f, fi.Size(), path)
	if err != nil {
		return nil, "", err
	}
	// The network's extent and a kilometre around it.
	b := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for v := 0; v < g.NumVertices(); v++ {
		b = b.Extend(g.Vertex(v))
	}
	b = b.Pad(0.01)
	cells, total, err := rs.CellPops(&b, path)
	if err != nil {
		return nil, "", err
	}
	st.Population.Raster = &RasterInfo{CRS: rs.CRS, Format: rs.Format, Width: rs.Width, Height: rs.Height,
		PixelX: rs.PixelX, PixelY: rs.PixelY, NoData: rs.NoData, PixelsSum: total}
	if len(cells) == 0 {
		return nil, "", fmt.Errorf("%s: %w: no residents in the raster over the OSM extract's area (%s)", path, ErrBadRaster, fmtBound(b))
	}
	return cells, geo.MethodRaster, nil
}

func fmtBound(b orb.Bound) string {
	return fmt.Sprintf("%.4f,%.4f – %.4f,%.4f", b.Min[0], b.Min[1], b.Max[0], b.Max[1])
}

// RasterInfo describes a population raster read.
type RasterInfo struct {
	CRS    string  `json:"crs"`
	Format string  `json:"format"`
	Width  int     `json:"width"`
	Height int     `json:"height"`
	PixelX float64 `json:"pixel_x"`
	PixelY float64 `json:"pixel_y"`
	NoData float64 `json:"-"`
	// PixelsSum is the residents of the pixels read (those over the
	// extract), all moved onto cells.
	PixelsSum float64 `json:"pixels_sum"`
}

// osmName is the OSM input's name for errors.
func osmName(cfg Config) string {
	if cfg.OSMPath == "" {
		return defaultOSMName
	}
	return cfg.OSMPath
}

// ErrNoBoundaries means the OSM extract has no usable boundary at the
// asked admin_level, or one of them cannot be closed.
var ErrNoBoundaries = errors.New("data: no such boundaries")

// levelList formats the admin levels present.
func levelList(cov map[int]geo.LevelStats) string {
	if len(cov) == 0 {
		return "none"
	}
	var lv []int
	for l := range cov {
		lv = append(lv, l)
	}
	sort.Ints(lv)
	parts := make([]string, len(lv))
	for i, l := range lv {
		parts[i] = fmt.Sprintf("%d (%.0f%% of residents)", l, 100*cov[l].Coverage)
	}
	return strings.Join(parts, ", ")
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
