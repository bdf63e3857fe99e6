package data

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"
)

// TileStats tells what TileDefaultCity wrote.
type TileStats struct {
	Copies    int     `json:"copies"`
	Nodes     int     `json:"nodes"`
	Ways      int     `json:"ways"`
	Relations int     `json:"relations"`
	IDOffset  int64   `json:"id_offset"`
	ShiftDeg  float64 `json:"shift_deg"`
}

// TileDefaultCity writes the embedded default city tiled k times side by
// side, a stand-in for a city k times larger: copy j has every OSM id
// increased by j×IDOffset and every longitude by j×ShiftDeg (the extent of
// the data plus 0.01°), so the copies do not touch. osmOut receives a PBF
// file, communitiesOut the communities GeoJSON with each copy's
// communities (ids and names of copy j > 0 suffixed "#j"; population
// unchanged). Copy 0 is the default city itself.
func TileDefaultCity(ctx context.Context, k int, osmOut, communitiesOut io.Writer) (*TileStats, error) {
	if k < 1 || k > 1000 {
		return nil, fmt.Errorf("tilecity: copies %d outside [1, 1000]", k)
	}
	var nodes []*osm.Node
	var ways []*osm.Way
	var rels []*osm.Relation
	sc := osmpbf.New(ctx, bytes.NewReader(defaultOSM), runtime.GOMAXPROCS(0))
	defer sc.Close()
	var maxID int64
	minLon, maxLon := math.Inf(1), math.Inf(-1)
	minLat, maxLat := math.Inf(1), math.Inf(-1)
	for sc.Scan() {
		switch o := sc.Object().(type) {
		case *osm.Node:
			nodes = append(nodes, o)
			maxID = max(maxID, int64(o.ID))
			minLon, maxLon = min(minLon, o.Lon), max(maxLon, o.Lon)
			minLat, maxLat = min(minLat, o.Lat), max(maxLat, o.Lat)
		case *osm.Way:
			ways = append(ways, o)
			maxID = max(maxID, int64(o.ID))
		case *osm.Relation:
			rels = append(rels, o)
			maxID = max(maxID, int64(o.ID))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("tilecity: %s: %w", defaultOSMName, err)
	}
	// A round offset keeps the ids readable: 12345 in copy 3 is 3×offset+12345.
	off := int64(1)
	for off <= maxID {
		off *= 10
	}
	shift := math.Round((maxLon-minLon+0.01)*1000) / 1000
	st := &TileStats{Copies: k, IDOffset: off, ShiftDeg: shift}

	pw, err := newPBFWriter(osmOut, [4]float64{minLon, minLat, maxLon + float64(k-1)*shift, maxLat})
	if err != nil {
		return nil, err
	}
	for j := 0; j < k; j++ {
		d, dx := int64(j)*off, float64(j)*shift
		for _, n := range nodes {
			c := *n
			c.ID += osm.NodeID(d)
			c.Lon = math.Round((c.Lon+dx)*1e7) / 1e7
			if err := pw.node(&c); err != nil {
				return nil, err
			}
			st.Nodes++
		}
	}
	for j := 0; j < k; j++ {
		d := int64(j) * off
		for _, w := range ways {
			c := *w
			wn := make(osm.WayNodes, 0, len(w.Nodes))
			for _, n := range w.Nodes {
				wn = append(wn, osm.WayNode{ID: n.ID + osm.NodeID(d)})
			}
			c.ID += osm.WayID(d)
			c.Nodes = wn
			if err := pw.way(&c); err != nil {
				return nil, err
			}
			st.Ways++
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	for j := 0; j < k; j++ {
		d := int64(j) * off
		for _, r := range rels {
			c := *r
			ms := make(osm.Members, len(r.Members))
			for i, m := range r.Members {
				ms[i] = osm.Member{Type: m.Type, Ref: m.Ref + d, Role: m.Role}
			}
			c.ID += osm.RelationID(d)
			c.Members = ms
			if err := pw.relation(&c); err != nil {
				return nil, err
			}
			st.Relations++
		}
	}
	if err := pw.close(); err != nil {
		return nil, err
	}
	if err := tileCommunities(k, off, shift, communitiesOut); err != nil {
		return nil, err
	}
	return st, nil
}

// tileCommunities writes the default communities k times, shifted.
func tileCommunities(k int, off int64, shift float64, out io.Writer) error {
	var fc map[string]any
	if err := json.Unmarshal(defaultCommunities, &fc); err != nil {
		return fmt.Errorf("tilecity: %s: %w", defaultCommunitiesName, err)
	}
	feats, _ := fc["features"].([]any)
	var all []any
	for j := 0; j < k; j++ {
		for _, f := range feats {
			raw, _ := json.Marshal(f)
			var c map[string]any
			if err := json.Unmarshal(raw, &c); err != nil {
				return err
			}
			if j > 0 {
				props, _ := c["properties"].(map[string]any)
				suffix := "#" + strconv.Itoa(j)
				for _, key := range []string{"name", "iso3166_2"} {
					if s, ok := props[key].(string); ok {
						props[key] = s + suffix
					}
				}
				if id, ok := props["osm_id"].(float64); ok {
					props["osm_id"] = int64(id) + int64(j)*off
				}
				if geom, ok := c["geometry"].(map[string]any); ok {
					shiftCoords(geom["coordinates"], float64(j)*shift)
				}
			}
			all = append(all, c)
		}
	}
	fc["features"] = all
	enc := json.NewEncoder(out)
	return enc.Encode(fc)
}

// shiftCoords adds dx to every longitude of nested GeoJSON coordinates.
func shiftCoords(v any, dx float64) {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return
	}
	if lon, ok := arr[0].(float64); ok {
		arr[0] = math.Round((lon+dx)*1e7) / 1e7
		return
	}
	for _, x := range arr {
		shiftCoords(x, dx)
	}
}

// TiledCityFiles are the file names WriteTiledCity gives the k-copy city
// in dir. The version changes whenever the tiling does, so that a cached
// copy is never stale.
func TiledCityFiles(dir string, k int) (osmPath, communitiesPath string) {
	base := filepath.Join(dir, fmt.Sprintf("tiled-%d-v%d", k, tileVersion))
	return base + ".osm.pbf", base + "-communities.geojson"
}

const tileVersion = 1

// WriteTiledCity writes the k-copy city (see TileDefaultCity) into dir,
// each file to a temporary name renamed once complete, and returns the
// paths (TiledCityFiles).
func WriteTiledCity(ctx context.Context, k int, dir string) (string, string, *TileStats, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", nil, err
	}
	osmPath, comPath := TiledCityFiles(dir, k)
	fo, err := os.CreateTemp(dir, ".tile-*.osm.pbf")
	if err != nil {
		return "", "", nil, err
	}
	defer os.Remove(fo.Name())
	defer fo.Close()
	fc, err := os.CreateTemp(dir, ".tile-*.geojson")
	if err != nil {
		return "", "", nil, err
	}
	defer os.Remove(fc.Name())
	defer fc.Close()
	bo, bc := bufio.NewWriterSize(fo, 1<<20), bufio.NewWriter(fc)
	st, err := TileDefaultCity(ctx, k, bo, bc)
	if err != nil {
		return "", "", nil, err
	}
	for _, f := range []struct {
		b    *bufio.Writer
		f    *os.File
		dest string
	}{{bo, fo, osmPath}, {bc, fc, comPath}} {
		if err := f.b.Flush(); err != nil {
			return "", "", nil, fmt.Errorf("%s: %w", f.dest, err)
		}
		if err := f.f.Close(); err != nil {
			return "", "", nil, fmt.Errorf("%s: %w", f.dest, err)
		}
		if err := os.Chmod(f.f.Name(), 0o644); err != nil {
			return "", "", nil, err
		}
		if err := os.Rename(f.f.Name(), f.dest); err != nil {
			return "", "", nil, err
		}
	}
	return osmPath, comPath, st, nil
}
