package data

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/paulmach/orb"

	"fifteen/geo"
)

// ErrBadSnapshot means a snapshot file cannot be used: not a snapshot, of
// another format version, truncated or corrupt.
var ErrBadSnapshot = errors.New("data: unusable snapshot")

// SnapshotVersion is the snapshot format this program reads and writes.
// It changes whenever the stored city does: a snapshot of another version
// is refused, to be built again from its inputs.
const SnapshotVersion = 1

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
	Name           string
	Attribution    string
	Taxonomy       geo.Taxonomy
	Graph          geo.GraphData
	Facilities     []geo.Facility
	FacilitySnap   []geo.Snap
	Communities    []geo.Community
	Population     *geo.Population
	CellSnap       []geo.Snap
	FacilityAccess [][]geo.Snap
	Entrances      []orb.Point
	SnapMaxM       float64
	Load           LoadStats
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
// is never half-written. st is the load's statistics, kept for inspect.
func WriteSnapshot(path string, city *geo.City, st *LoadStats) error {
	gd, err := city.Graph.Data()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	snap := snapshotV1{
		Name: city.Name, Attribution: city.Attribution, Graph: gd,
		Facilities: city.Facilities, FacilitySnap: city.FacilitySnap, Communities: city.Communities,
		Population: city.Population, CellSnap: city.CellSnap, FacilityAccess: city.FacilityAccess,
		Entrances: city.Entrances, SnapMaxM: city.SnapMaxM,
	}
	if city.Taxonomy != nil {
		snap.Taxonomy = *city.Taxonomy
	}
	if st != nil {
		snap.Load = *st
	}
	if snap.FacilityAccess == nil {
		snap.FacilityAccess = geo.ComputeFacilityAccess(city)
	}
	var payload bytes.Buffer
	if err := gob.NewEncoder(&payload).Encode(&snap); err != nil {
		return fmt.Errorf("%s: encoding the snapshot: %w", path, err)
	}
	sum := sha256.Sum256(payload.Bytes())
	hdr := make([]byte, 0, snapshotHeaderLen)
	hdr = append(hdr, snapshotMagic...)
	hdr = binary.BigEndian.AppendUint32(hdr, SnapshotVersion)
	hdr = binary.BigEndian.AppendUint64(hdr, uint64(payload.Len()))
	hdr = append(hdr, sum[:]...)

	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename, nothing to remove
	w := bufio.NewWriterSize(f, 1<<20)
	if _, err := w.Write(hdr); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if _, err := w.Write(payload.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
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
	var snap snapshotV1
	if err := gob.NewDecoder(bytes.NewReader(payload)).Decode(&snap); err != nil {
		return nil, nil, bad("decoding: %v", err)
	}
	payload = nil
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
		Facilities: snap.Facilities, FacilitySnap: snap.FacilitySnap, Communities: snap.Communities,
		Population: snap.Population, CellSnap: snap.CellSnap, FacilityAccess: snap.FacilityAccess,
		Entrances: snap.Entrances, SnapMaxM: snap.SnapMaxM,
	}
	if err := checkSnapshotCity(city); err != nil {
		return nil, nil, bad("%v", err)
	}
	t := time.Now()
	city.Index = geo.NewSegmentIndex(g)
	st := snap.Load
	if st.StageSec == nil {
		st.StageSec = map[string]float64{}
	}
	if st.Inputs == nil {
		st.Inputs = map[string]string{}
	}
	st.StageSec["snapshot_index"] = time.Since(t).Seconds()
	st.Inputs["snapshot"] = path
	st.TotalSec = time.Since(start).Seconds()
	st.StageSec["snapshot_open"] = st.TotalSec
	return city, &st, nil
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
