package data

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"fifteen/geo"
)

// ErrBadSnapshot means a snapshot file cannot be used: not a snapshot, of
// another format version, truncated or corrupt.
var ErrBadSnapshot = errors.New("data: unusable snapshot")

// SnapshotVersion is the snapshot format this program reads and writes.
// It changes whenever the stored city does: a snapshot of another version
// is refused, to be built again from its inputs. Version 2: the city as
// issue 10 and 11 made it (population source and estimate, community age
// shares and sources, demand norms in the taxonomy).
const SnapshotVersion = 2

// snapshotMagic opens every snapshot file.
const snapshotMagic = "fifteen snapshot\n"

// A snapshot file is the magic, the format version (uint32), the payload's
// length (uint64) and SHA-256, all big-endian, then the payload: the gob
// encoding of snapshotV1. Nothing is decoded before the whole payload has
// been read and its checksum matched.
const snapshotHeaderLen = len(snapshotMagic) + 4 + 8 + sha256.Size

// snapshotV1 is a loaded city as stored: everything Load computes from its
// inputs, the graph as raw arrays. The segment index, the adjacency and
// the compiled taxonomy are derived again on opening.
type snapshotV1 struct {
	Name         string
	Attribution  string
	Taxonomy     geo.Taxonomy
	Graph        geo.GraphData
	Facilities   []geo.Facility // without Geom: see FacilityGeom
	FacilityGeom []byte         // every facility's Geom (appendGeom)
	// Snaps as 40-byte records (appendSnaps): one per facility, then one
	// per cell, then the facilities' access points, AccessCount[i] each.
	Snaps       []byte
	AccessCount []uint32
	Communities []geo.Community // without Geom: see CommunityGeom
	// CommunityGeom is every community's Geom (appendGeom).
	CommunityGeom []byte
	// Population without its Cells: PopCells holds them (appendPopCells).
	Population *geo.Population
	PopCells   []byte
	Entrances  []orb.Point
	SnapMaxM   float64
	Load       LoadStats
	// Baseline access, when stored: its options and its tables as
	// little-endian records, [walker][category][cell] (see accessBlob).
	BaselineOptions *geo.AccessOptions
	Baseline        []byte
	// Sections are the lengths of the byte fields (blobs), which follow
	// the gob-encoded rest in the payload, read in place without copies.
	Sections []uint64
}

// blobs lists the byte fields stored as sections, in their order.
func (s *snapshotV1) blobs() []*[]byte {
	g := &s.Graph
	return []*[]byte{&g.Vertex, &g.From, &g.To, &g.LengthM, &g.Attr, &g.GeomOff, &g.Geom, &g.WayOff, &g.Ways,
		&s.FacilityGeom, &s.Snaps, &s.CommunityGeom, &s.PopCells, &s.Baseline}
}

func init() {
	// The geometries a facility may carry (Facility.Geom).
	for _, g := range []orb.Geometry{orb.Point{}, orb.MultiPoint{}, orb.LineString{}, orb.MultiLineString{},
		orb.Ring{}, orb.Polygon{}, orb.MultiPolygon{}, orb.Collection{}, orb.Bound{}} {
		gob.Register(g)
	}
}

// WriteSnapshot writes a loaded city to path: to a temporary file in the
// same directory, renamed to path once complete and synced, so that path
// is never half-written. st is the load's statistics, kept for inspect;
// base, when not nil, is the city's baseline access, which StoredAccess
// then gives back without computing.
func WriteSnapshot(path string, city *geo.City, st *LoadStats, base *geo.Access) error {
	gd, err := city.Graph.Data()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	facs := make([]geo.Facility, len(city.Facilities))
	var geoms []byte
	for i, f := range city.Facilities {
		if geoms, err = appendGeom(geoms, f.Geom); err != nil {
			return fmt.Errorf("%s: facility %s: %w", path, f.ID, err)
		}
		f.Geom = nil
		facs[i] = f
	}
	comms := make([]geo.Community, len(city.Communities))
	var cgeoms []byte
	for i, c := range city.Communities {
		if cgeoms, err = appendGeom(cgeoms, c.Geom); err != nil {
			return fmt.Errorf("%s: community %s: %w", path, c.ID, err)
		}
		c.Geom = nil
		comms[i] = c
	}
	fa := city.FacilityAccess
	if fa == nil {
		fa = geo.ComputeFacilityAccess(city)
	}
	if len(city.FacilitySnap) != len(city.Facilities) || len(fa) != len(city.Facilities) {
		return fmt.Errorf("%s: the city's facilities, snaps and access points do not match", path)
	}
	snaps := appendSnaps(nil, city.FacilitySnap)
	snaps = appendSnaps(snaps, city.CellSnap)
	counts := make([]uint32, len(fa))
	for i, pts := range fa {
		snaps = appendSnaps(snaps, pts)
		counts[i] = uint32(len(pts))
	}
	snap := snapshotV1{
		Name: city.Name, Attribution: city.Attribution, Graph: gd,
		Facilities: facs, FacilityGeom: geoms, Snaps: snaps, AccessCount: counts,
		Communities: comms, CommunityGeom: cgeoms,
		Entrances: city.Entrances, SnapMaxM: city.SnapMaxM,
	}
	if city.Population != nil {
		pop := *city.Population
		snap.PopCells = appendPopCells(nil, pop.Cells)
		pop.Cells = nil
		snap.Population = &pop
	}
	if city.Taxonomy != nil {
		snap.Taxonomy = *city.Taxonomy
	}
	if st != nil {
		snap.Load = *st
	}
	if base != nil {
		if base.City != city {
			return fmt.Errorf("%s: the baseline access is not the city's", path)
		}
		t := base.Tables()
		snap.BaselineOptions = &t.Options
		snap.Baseline = appendAccessTables(nil, t)
	}
	// The payload: the length of the gob-encoded rest (uint64), the rest,
	// then the sections.
	var secs [][]byte
	for _, b := range snap.blobs() {
		secs = append(secs, *b)
		snap.Sections = append(snap.Sections, uint64(len(*b)))
		*b = nil
	}
	var meta bytes.Buffer
	meta.Write(make([]byte, 8))
	if err := gob.NewEncoder(&meta).Encode(&snap); err != nil {
		return fmt.Errorf("%s: encoding the snapshot: %w", path, err)
	}
	binary.BigEndian.PutUint64(meta.Bytes(), uint64(meta.Len()-8))
	parts := append([][]byte{meta.Bytes()}, secs...)
	h := sha256.New()
	var n uint64
	for _, p := range parts {
		h.Write(p)
		n += uint64(len(p))
	}
	hdr := make([]byte, 0, snapshotHeaderLen)
	hdr = append(hdr, snapshotMagic...)
	hdr = binary.BigEndian.AppendUint32(hdr, SnapshotVersion)
	hdr = binary.BigEndian.AppendUint64(hdr, n)
	hdr = h.Sum(hdr)

	return WriteFileAtomic(path, func(w io.Writer) error {
		if _, err := w.Write(hdr); err != nil {
			return err
		}
		for _, p := range parts {
			if _, err := w.Write(p); err != nil {
				return err
			}
		}
		return nil
	})
}

// OpenSnapshot reads a city written by WriteSnapshot. A file that is not
// a snapshot, of another format version, truncated, longer than its
// header says or failing its checksum is refused with an error wrapping
// ErrBadSnapshot and naming the file; nothing is decoded before the whole
// payload is read and checked.
func OpenSnapshot(path string) (*geo.City, *LoadStats, error) {
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err // *PathError names the file
	}
	defer f.Close()
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrBadSnapshot, path, fmt.Sprintf(format, a...))
	}
	hdr := make([]byte, snapshotHeaderLen)
	if n, err := io.ReadFull(f, hdr); err != nil {
		if n >= len(snapshotMagic) && string(hdr[:len(snapshotMagic)]) == snapshotMagic {
			return nil, nil, bad("truncated header")
		}
		return nil, nil, bad("not a fifteen snapshot")
	}
	if string(hdr[:len(snapshotMagic)]) != snapshotMagic {
		return nil, nil, bad("not a fifteen snapshot")
	}
	rest := hdr[len(snapshotMagic):]
	if v := binary.BigEndian.Uint32(rest); v != SnapshotVersion {
		return nil, nil, bad("format version %d, this fifteen reads version %d: build the snapshot again with `fifteen build`", v, SnapshotVersion)
	}
	n := binary.BigEndian.Uint64(rest[4:])
	want := rest[12 : 12+sha256.Size]
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	switch size := uint64(fi.Size()); {
	case size < uint64(snapshotHeaderLen)+n:
		return nil, nil, bad("truncated: %d bytes, the header announces %d", size, uint64(snapshotHeaderLen)+n)
	case size > uint64(snapshotHeaderLen)+n:
		return nil, nil, bad("%d bytes after the end of the snapshot", size-uint64(snapshotHeaderLen)-n)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(f, payload); err != nil {
		return nil, nil, bad("truncated: %v", err)
	}
	if sum := sha256.Sum256(payload); !bytes.Equal(sum[:], want) {
		return nil, nil, bad("checksum mismatch: the file is corrupt")
	}
	readSec := time.Since(start).Seconds()
	t := time.Now()
	var snap snapshotV1
	if len(payload) < 8 || binary.BigEndian.Uint64(payload) > uint64(len(payload)-8) {
		return nil, nil, bad("damaged payload")
	}
	metaEnd := 8 + int(binary.BigEndian.Uint64(payload))
	if err := gob.NewDecoder(bytes.NewReader(payload[8:metaEnd])).Decode(&snap); err != nil {
		return nil, nil, bad("decoding: %v", err)
	}
	rest = payload[metaEnd:]
	blobs := snap.blobs()
	if len(snap.Sections) != len(blobs) {
		return nil, nil, bad("%d sections, want %d", len(snap.Sections), len(blobs))
	}
	for i, b := range blobs {
		n := snap.Sections[i]
		if n > uint64(len(rest)) {
			return nil, nil, bad("section %d runs past the end", i)
		}
		*b, rest = rest[:n:n], rest[n:]
	}
	if len(rest) != 0 {
		return nil, nil, bad("%d bytes after the last section", len(rest))
	}
	payload = nil
	decodeSec := time.Since(t).Seconds()
	t = time.Now()
	g, err := geo.GraphFromData(snap.Graph)
	if err != nil {
		return nil, nil, bad("%v", err)
	}
	tax := snap.Taxonomy
	if err := tax.Validate(); err != nil {
		return nil, nil, bad("%v", err)
	}
	city := &geo.City{
		Name: snap.Name, Attribution: snap.Attribution, Taxonomy: &tax, Graph: g,
		Facilities: snap.Facilities, Communities: snap.Communities, Population: snap.Population,
		Entrances: snap.Entrances, SnapMaxM: snap.SnapMaxM,
	}
	if err := snap.restore(city); err != nil {
		return nil, nil, bad("%v", err)
	}
	if err := checkSnapshotCity(city); err != nil {
		return nil, nil, bad("%v", err)
	}
	graphSec := time.Since(t).Seconds()
	// The segment index builds while the facility geometries decode.
	t = time.Now()
	ixDone := make(chan *geo.SegmentIndex, 1)
	go func() { ixDone <- geo.NewSegmentIndex(g) }()
	gr := geomReader{snap.FacilityGeom}
	var geomErr error
	for i := range city.Facilities {
		g, err := gr.geom()
		if err != nil {
			geomErr = fmt.Errorf("facility %d: %v", i, err)
			break
		}
		city.Facilities[i].Geom = g
	}
	if geomErr == nil && len(gr.b) != 0 {
		geomErr = fmt.Errorf("facility geometries: %d bytes left over", len(gr.b))
	}
	city.Index = <-ixDone
	if geomErr != nil {
		return nil, nil, bad("%v", geomErr)
	}
	st := snap.Load
	if st.StageSec == nil {
		st.StageSec = map[string]float64{}
	}
	if st.Inputs == nil {
		st.Inputs = map[string]string{}
	}
	if snap.BaselineOptions != nil {
		t, err := accessTablesOf(snap.Baseline, *snap.BaselineOptions, city)
		if err != nil {
			return nil, nil, bad("baseline access: %v", err)
		}
		storedAccess.Store(city, t)
	}
	st.StageSec["snapshot_read"] = readSec
	st.StageSec["snapshot_decode"] = decodeSec
	st.StageSec["snapshot_graph"] = graphSec
	st.StageSec["snapshot_index"] = time.Since(t).Seconds()
	st.Inputs["snapshot"] = path
	st.TotalSec = time.Since(start).Seconds()
	st.StageSec["snapshot_open"] = st.TotalSec
	return city, &st, nil
}

// storedAccess keeps the baseline tables of the cities opened from
// snapshots (*geo.City → geo.AccessTables).
var storedAccess sync.Map

// StoredAccess returns city's baseline access as its snapshot stored it,
// when city was opened from a snapshot with a baseline computed with the
// same options; ok is false otherwise, and the caller computes it.
func StoredAccess(city *geo.City, opt geo.AccessOptions) (a *geo.Access, ok bool, err error) {
	t, found := storedAccess.Load(city)
	if !found {
		return nil, false, nil
	}
	return geo.RestoreAccess(city, opt, t.(geo.AccessTables))
}

// appendAccessTables appends the tables: times (uint32), nearest (int32),
// counts (uint16) and means (float32), each [walker][category][cell].
func appendAccessTables(b []byte, t geo.AccessTables) []byte {
	le := binary.LittleEndian
	for p := range t.TimeDs {
		for c := range t.TimeDs[p] {
			for _, v := range t.TimeDs[p][c] {
				b = le.AppendUint32(b, v)
			}
			for _, v := range t.Nearest[p][c] {
				b = le.AppendUint32(b, uint32(v))
			}
			for _, v := range t.Count[p][c] {
				b = le.AppendUint16(b, v)
			}
			for _, v := range t.MeanKMin[p][c] {
				b = le.AppendUint32(b, math.Float32bits(v))
			}
		}
	}
	return b
}

// accessTablesOf reads appendAccessTables' records for city's walkers
// (as opt names them), categories and cells.
func accessTablesOf(b []byte, opt geo.AccessOptions, city *geo.City) (geo.AccessTables, error) {
	t := geo.AccessTables{Options: opt}
	np, nc := len(opt.Profiles), len(city.Taxonomy.Categories)
	ncell := 0
	if city.Population != nil {
		ncell = len(city.Population.Cells)
	}
	if len(b) != np*nc*ncell*14 {
		return t, fmt.Errorf("%d bytes for %d walkers, %d categories, %d cells", len(b), np, nc, ncell)
	}
	le := binary.LittleEndian
	t.TimeDs, t.Nearest = make([][][]uint32, np), make([][][]int32, np)
	t.Count, t.MeanKMin = make([][][]uint16, np), make([][][]float32, np)
	for p := 0; p < np; p++ {
		t.TimeDs[p], t.Nearest[p] = make([][]uint32, nc), make([][]int32, nc)
		t.Count[p], t.MeanKMin[p] = make([][]uint16, nc), make([][]float32, nc)
		for c := 0; c < nc; c++ {
			times, near := make([]uint32, ncell), make([]int32, ncell)
			count, mean := make([]uint16, ncell), make([]float32, ncell)
			for i := range times {
				times[i] = le.Uint32(b[4*i:])
			}
			b = b[4*ncell:]
			for i := range near {
				near[i] = int32(le.Uint32(b[4*i:]))
			}
			b = b[4*ncell:]
			for i := range count {
				count[i] = le.Uint16(b[2*i:])
			}
			b = b[2*ncell:]
			for i := range mean {
				mean[i] = math.Float32frombits(le.Uint32(b[4*i:]))
			}
			b = b[4*ncell:]
			t.TimeDs[p][c], t.Nearest[p][c], t.Count[p][c], t.MeanKMin[p][c] = times, near, count, mean
		}
	}
	return t, nil
}

// restore decodes the blobs of snap into city: snaps, access points,
// population cells and community geometries.
func (snap *snapshotV1) restore(city *geo.City) error {
	nf := len(city.Facilities)
	if len(snap.AccessCount) != nf {
		return fmt.Errorf("%d facilities, %d access counts", nf, len(snap.AccessCount))
	}
	if city.Population != nil {
		cells, err := popCellsOf(snap.PopCells)
		if err != nil {
			return fmt.Errorf("population cells: %w", err)
		}
		city.Population.Cells = cells
	}
	ncell := 0
	if city.Population != nil {
		ncell = len(city.Population.Cells)
	}
	r := geomReader{snap.Snaps}
	var err error
	if city.FacilitySnap, err = r.snaps(nf); err != nil {
		return fmt.Errorf("facility snaps: %w", err)
	}
	if city.CellSnap, err = r.snaps(ncell); err != nil {
		return fmt.Errorf("cell snaps: %w", err)
	}
	total := 0
	for _, n := range snap.AccessCount {
		total += int(n)
	}
	all, err := r.snaps(total)
	if err != nil {
		return fmt.Errorf("access points: %w", err)
	}
	if len(r.b) != 0 {
		return fmt.Errorf("snaps: %d bytes left over", len(r.b))
	}
	city.FacilityAccess = make([][]geo.Snap, nf)
	for i, n := range snap.AccessCount {
		city.FacilityAccess[i], all = all[:n:n], all[n:]
	}
	if ncell == 0 {
		city.CellSnap = nil
	}
	gr := geomReader{snap.CommunityGeom}
	for i := range city.Communities {
		g, err := gr.geom()
		if err != nil {
			return fmt.Errorf("community %d: %w", i, err)
		}
		mp, ok := g.(orb.MultiPolygon)
		if !ok && g != nil {
			return fmt.Errorf("community %d: geometry %T", i, g)
		}
		city.Communities[i].Geom = mp
	}
	if len(gr.b) != 0 {
		return fmt.Errorf("community geometries: %d bytes left over", len(gr.b))
	}
	return nil
}

// checkSnapshotCity checks that the stored parts refer to one another
// within range: snaps to edges of the graph, one snap per facility and
// cell, cells to communities.
func checkSnapshotCity(c *geo.City) error {
	ne := c.Graph.NumEdges()
	okSnap := func(s geo.Snap) bool { return s.Edge >= -1 && s.Edge < ne }
	if len(c.FacilitySnap) != len(c.Facilities) || len(c.FacilityAccess) != len(c.Facilities) {
		return fmt.Errorf("facilities: %d, snaps %d, access %d", len(c.Facilities), len(c.FacilitySnap), len(c.FacilityAccess))
	}
	for i, s := range c.FacilitySnap {
		if !okSnap(s) {
			return fmt.Errorf("facility %d: edge %d out of range", i, s.Edge)
		}
		for _, a := range c.FacilityAccess[i] {
			if a.Edge < 0 || a.Edge >= ne {
				return fmt.Errorf("facility %d: access edge %d out of range", i, a.Edge)
			}
		}
	}
	if c.Population != nil {
		if len(c.CellSnap) != len(c.Population.Cells) {
			return fmt.Errorf("cells: %d, snaps %d", len(c.Population.Cells), len(c.CellSnap))
		}
		for i, s := range c.CellSnap {
			if !okSnap(s) {
				return fmt.Errorf("cell %d: edge %d out of range", i, s.Edge)
			}
			if cm := c.Population.Cells[i].Community; cm < -1 || int(cm) >= len(c.Communities) {
				return fmt.Errorf("cell %d: community %d out of range", i, cm)
			}
		}
	}
	return nil
}
