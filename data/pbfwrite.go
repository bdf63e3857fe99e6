package data

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/paulmach/osm"
)

// pbfWriter writes an OSM PBF file (https://wiki.openstreetmap.org/wiki/PBF_Format):
// a header block, then blocks of dense nodes, ways and relations, each
// zlib-compressed. It writes what fifteen reads (ids, coordinates, tags,
// way nodes, relation members), no metadata (versions, users, timestamps).
// Callers write all nodes, then all ways, then all relations.
type pbfWriter struct {
	w     io.Writer
	err   error
	zbuf  bytes.Buffer
	zw    *zlib.Writer
	strs  map[string]int
	table [][]byte

	nodes []*osm.Node
	ways  []*osm.Way
	rels  []*osm.Relation
}

// pbfBlockSize is the number of elements per block, as osmium writes.
const pbfBlockSize = 8000

func newPBFWriter(w io.Writer, bbox [4]float64) (*pbfWriter, error) {
	pw := &pbfWriter{w: w}
	pw.zw, _ = zlib.NewWriterLevel(&pw.zbuf, zlib.BestSpeed)
	var hb []byte
	var box []byte
	// HeaderBBox: left, right, top, bottom in nanodegrees (sint64).
	box = appendSint(box, 1, int64(math.Round(bbox[0]*1e9)))
	box = appendSint(box, 2, int64(math.Round(bbox[2]*1e9)))
	box = appendSint(box, 3, int64(math.Round(bbox[3]*1e9)))
	box = appendSint(box, 4, int64(math.Round(bbox[1]*1e9)))
	hb = appendBytes(hb, 1, box)
	hb = appendBytes(hb, 4, []byte("OsmSchema-V0.6"))
	hb = appendBytes(hb, 4, []byte("DenseNodes"))
	hb = appendBytes(hb, 16, []byte("fifteen tilecity"))
	pw.blob("OSMHeader", hb)
	return pw, pw.err
}

func (pw *pbfWriter) node(n *osm.Node) error {
	if len(pw.ways) > 0 || len(pw.rels) > 0 {
		return fmt.Errorf("pbf: node %d after ways or relations", n.ID)
	}
	pw.nodes = append(pw.nodes, n)
	if len(pw.nodes) == pbfBlockSize {
		pw.flush()
	}
	return pw.err
}

func (pw *pbfWriter) way(w *osm.Way) error {
	if len(pw.rels) > 0 {
		return fmt.Errorf("pbf: way %d after relations", w.ID)
	}
	if len(pw.nodes) > 0 {
		pw.flush()
	}
	pw.ways = append(pw.ways, w)
	if len(pw.ways) == pbfBlockSize {
		pw.flush()
	}
	return pw.err
}

func (pw *pbfWriter) relation(r *osm.Relation) error {
	if len(pw.nodes) > 0 || len(pw.ways) > 0 {
		pw.flush()
	}
	pw.rels = append(pw.rels, r)
	if len(pw.rels) == pbfBlockSize {
		pw.flush()
	}
	return pw.err
}

// close writes what is pending.
func (pw *pbfWriter) close() error {
	pw.flush()
	return pw.err
}

func (pw *pbfWriter) str(s string) uint64 {
	if i, ok := pw.strs[s]; ok {
		return uint64(i)
	}
	pw.strs[s] = len(pw.table)
	pw.table = append(pw.table, []byte(s))
	return uint64(len(pw.table) - 1)
}

// flush writes the pending elements as one primitive block.
func (pw *pbfWriter) flush() {
	if pw.err != nil || len(pw.nodes)+len(pw.ways)+len(pw.rels) == 0 {
		return
	}
	pw.strs = map[string]int{"": 0}
	pw.table = [][]byte{{}}
	var group []byte
	switch {
	case len(pw.nodes) > 0:
		var ids, lats, lons, kv []byte
		var pid, plat, plon int64
		for _, n := range pw.nodes {
			lat := int64(math.Round(n.Lat * 1e7))
			lon := int64(math.Round(n.Lon * 1e7))
			ids = binary.AppendVarint(ids, int64(n.ID)-pid)
			lats = binary.AppendVarint(lats, lat-plat)
			lons = binary.AppendVarint(lons, lon-plon)
			pid, plat, plon = int64(n.ID), lat, lon
			for _, t := range n.Tags {
				kv = binary.AppendUvarint(kv, pw.str(t.Key))
				kv = binary.AppendUvarint(kv, pw.str(t.Value))
			}
			kv = binary.AppendUvarint(kv, 0)
		}
		var dense []byte
		dense = appendBytes(dense, 1, ids)
		dense = appendBytes(dense, 8, lats)
		dense = appendBytes(dense, 9, lons)
		dense = appendBytes(dense, 10, kv)
		group = appendBytes(group, 2, dense)
	case len(pw.ways) > 0:
		for _, w := range pw.ways {
			var m, keys, vals, refs []byte
			m = appendUint(m, 1, uint64(w.ID))
			for _, t := range w.Tags {
				keys = binary.AppendUvarint(keys, pw.str(t.Key))
				vals = binary.AppendUvarint(vals, pw.str(t.Value))
			}
			var prev int64
			for _, wn := range w.Nodes {
				refs = binary.AppendVarint(refs, int64(wn.ID)-prev)
				prev = int64(wn.ID)
			}
			m = appendBytes(m, 2, keys)
			m = appendBytes(m, 3, vals)
			m = appendBytes(m, 8, refs)
			group = appendBytes(group, 3, m)
		}
	default:
		for _, r := range pw.rels {
			var m, keys, vals, roles, mids, types []byte
			m = appendUint(m, 1, uint64(r.ID))
			for _, t := range r.Tags {
				keys = binary.AppendUvarint(keys, pw.str(t.Key))
				vals = binary.AppendUvarint(vals, pw.str(t.Value))
			}
			var prev int64
			for _, mb := range r.Members {
				roles = binary.AppendUvarint(roles, pw.str(mb.Role))
				mids = binary.AppendVarint(mids, mb.Ref-prev)
				prev = mb.Ref
				var t uint64
				switch mb.Type {
				case osm.TypeWay:
					t = 1
				case osm.TypeRelation:
					t = 2
				}
				types = binary.AppendUvarint(types, t)
			}
			m = appendBytes(m, 2, keys)
			m = appendBytes(m, 3, vals)
			m = appendBytes(m, 8, roles)
			m = appendBytes(m, 9, mids)
			m = appendBytes(m, 10, types)
			group = appendBytes(group, 4, m)
		}
	}
	pw.nodes, pw.ways, pw.rels = pw.nodes[:0], pw.ways[:0], pw.rels[:0]
	var st []byte
	for _, s := range pw.table {
		st = appendBytes(st, 1, s)
	}
	var block []byte
	block = appendBytes(block, 1, st)
	block = appendBytes(block, 2, group)
	pw.blob("OSMData", block)
}

// blob compresses data and writes it with its header.
func (pw *pbfWriter) blob(kind string, data []byte) {
	if pw.err != nil {
		return
	}
	pw.zbuf.Reset()
	pw.zw.Reset(&pw.zbuf)
	if _, err := pw.zw.Write(data); err != nil {
		pw.err = err
		return
	}
	if err := pw.zw.Close(); err != nil {
		pw.err = err
		return
	}
	var blob []byte
	blob = appendUint(blob, 2, uint64(len(data)))
	blob = appendBytes(blob, 3, pw.zbuf.Bytes())
	var hdr []byte
	hdr = appendBytes(hdr, 1, []byte(kind))
	hdr = appendUint(hdr, 3, uint64(len(blob)))
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(hdr)))
	for _, b := range [][]byte{n[:], hdr, blob} {
		if _, err := pw.w.Write(b); err != nil {
			pw.err = err
			return
		}
	}
}

// Protocol buffer wire format: varint fields (type 0) and length-delimited
// ones (type 2).
func appendUint(b []byte, field int, v uint64) []byte {
	b = binary.AppendUvarint(b, uint64(field)<<3)
	return binary.AppendUvarint(b, v)
}

func appendSint(b []byte, field int, v int64) []byte {
	b = binary.AppendUvarint(b, uint64(field)<<3)
	return binary.AppendVarint(b, v) // zigzag, as sint64
}

func appendBytes(b []byte, field int, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(field)<<3|2)
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}
