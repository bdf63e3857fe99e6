package publish

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	_ "modernc.org/sqlite" // pure-Go SQLite: no cgo beyond h3-go's
)

// GeoPackage (OGC 12-128r18; version 1.3 in the header): a SQLite file with the three
// required metadata tables and one feature table, driven by the layer's
// schema like every other renderer. Geometries are the GeoPackage binary
// header (magic "GP", version 0, flags, srs_id, envelope) followed by
// little-endian WKB, in EPSG:4326 (lon, lat).

// GPKGOptions shape a GeoPackage rendering.
type GPKGOptions struct {
	// Table is the feature table's name (the schema's kind when empty).
	Table string
	// Attribution goes into gpkg_contents.description, so the credit
	// travels with the file.
	Attribution string
}

// gpkgApplicationID is "GPKG" as the big-endian int32 of PRAGMA
// application_id; gpkgUserVersion is version 1.3.0 (the tables written are the same in 1.4; GDAL 3.6 warns about 1.4).
const (
	gpkgApplicationID = 0x47504B47
	gpkgUserVersion   = 10300
	gpkgSRS           = 4326
)

// gpkgGeometryType is the geometry_type_name of a schema's GeoJSON type.
func gpkgGeometryType(geojson string) string {
	switch geojson {
	case "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon":
		return strings.ToUpper(geojson)
	}
	return "GEOMETRY"
}

// gpkgColumnType is the SQLite column type of a field.
func gpkgColumnType(t Type) string {
	switch t {
	case Integer:
		return "INTEGER"
	case Number:
		return "DOUBLE"
	case Boolean:
		return "BOOLEAN"
	}
	return "TEXT" // strings, and lists joined by ";" as in CSV
}

// gpkgIdent quotes an SQL identifier.
func gpkgIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// WriteGeoPackage writes l as a new GeoPackage file at path. The file is
// written next to path under a temporary name and renamed into place, so
// no half-written file is left behind; an existing file is replaced.
func WriteGeoPackage(ctx context.Context, path string, l Layer, opt GPKGOptions) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".fifteen-*.gpkg")
	if err != nil {
		return fmt.Errorf("publish: geopackage: %w", err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	defer func() {
		if err != nil {
			os.Remove(tmpName)
			os.Remove(tmpName + "-journal")
		}
	}()
	if err = writeGPKG(ctx, tmpName, l, opt); err != nil {
		return fmt.Errorf("publish: geopackage %s: %w", path, err)
	}
	if err = os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("publish: geopackage: %w", err)
	}
	return nil
}

// GeoPackage renders l as the bytes of a GeoPackage file (written to a
// temporary file, which is removed).
func GeoPackage(ctx context.Context, l Layer, opt GPKGOptions) ([]byte, error) {
	dir, err := os.MkdirTemp("", "fifteen-gpkg-")
	if err != nil {
		return nil, fmt.Errorf("publish: geopackage: %w", err)
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "out.gpkg")
	if err := WriteGeoPackage(ctx, p, l, opt); err != nil {
		return nil, err
	}
	return os.ReadFile(p)
}

func writeGPKG(ctx context.Context, path string, l Layer, opt GPKGOptions) error {
	s := l.Schema()
	table := opt.Table
	if table == "" {
		table = s.Kind
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	exec := func(q string, args ...any) error {
		_, err := conn.ExecContext(ctx, q, args...)
		return err
	}
	if err := exec(fmt.Sprintf("PRAGMA application_id = %d; PRAGMA user_version = %d", gpkgApplicationID, gpkgUserVersion)); err != nil {
		return err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	txExec := func(q string, args ...any) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	}
	// The required tables (GeoPackage 1.3, clauses 1.1.2.1, 1.1.3.1, 2.1.5.1).
	for _, q := range []string{
		`CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
			organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)`,
		`CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
			description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
			min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
			CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))`,
		`CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
			srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
			CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
			CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
			CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))`,
	} {
		if err := txExec(q); err != nil {
			return err
		}
	}
	srs := []struct {
		name string
		id   int
		org  string
		code int
		def  string
		desc string
	}{
		{"Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"},
		{"Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"},
		{"WGS 84 geodetic", gpkgSRS, "EPSG", 4326, `GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,` +
			`AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],` +
			`UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],` +
			`AUTHORITY["EPSG","4326"]]`, "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"},
	}
	for _, r := range srs {
		if err := txExec(`INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)`, r.name, r.id, r.org, r.code, r.def, r.desc); err != nil {
			return err
		}
	}

	// The feature table: fid, geom, then one column per field in schema order.
	cols := []string{`fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL`, `geom ` + gpkgGeometryType(s.Geometry)}
	names := []string{"geom"}
	for _, f := range s.Fields {
		if strings.EqualFold(f.Name, "fid") || strings.EqualFold(f.Name, "geom") {
			return fmt.Errorf("field %q clashes with the GeoPackage columns", f.Name)
		}
		cols = append(cols, gpkgIdent(f.Name)+" "+gpkgColumnType(f.Type))
		names = append(names, gpkgIdent(f.Name))
	}
	if err := txExec(`CREATE TABLE ` + gpkgIdent(table) + ` (` + strings.Join(cols, ", ") + `)`); err != nil {
		return err
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO `+gpkgIdent(table)+` (`+strings.Join(names, ", ")+`) VALUES (?`+
		strings.Repeat(", ?", len(names)-1)+`)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	var (
		vals  []Value
		args  = make([]any, len(names))
		bound orb.Bound
		have  bool
	)
	for i := 0; i < l.Len(); i++ {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		g := l.Geometry(i)
		if g != nil {
			g = PromoteGeometry(RoundGeometry(g), s.Geometry)
		}
		blob, err := gpkgGeometry(g)
		if err != nil {
			return fmt.Errorf("feature %d: %w", i, err)
		}
		if g != nil {
			if b := g.Bound(); !have {
				bound, have = b, true
			} else {
				bound = bound.Union(b)
			}
		}
		args[0] = blob
		vals = l.Props(vals[:0], i)
		for k, v := range vals {
			args[k+1] = gpkgValue(v, &s.Fields[k])
		}
		if _, err := ins.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("feature %d: %w", i, err)
		}
	}
	var minX, minY, maxX, maxY any
	if have {
		minX, minY, maxX, maxY = bound.Min[0], bound.Min[1], bound.Max[0], bound.Max[1]
	}
	desc := s.Description
	if opt.Attribution != "" {
		desc = strings.TrimSpace(desc + " " + opt.Attribution)
	}
	if err := txExec(`INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, min_x, min_y, max_x, max_y, srs_id)
		VALUES (?, 'features', ?, ?, ?, ?, ?, ?, ?, ?)`, table, s.Title, desc,
		time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), minX, minY, maxX, maxY, gpkgSRS); err != nil {
		return err
	}
	if err := txExec(`INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)`, table, gpkgGeometryType(s.Geometry), gpkgSRS); err != nil {
		return err
	}
	return tx.Commit()
}

// PromoteGeometry makes a single polygon, line or point a one-part
// multi-geometry when the schema declares the multi type (declared is the
// schema's GeoJSON type), so that every row of a typed geometry column has
// the declared type (GeoPackage 1.3, requirement 32; PostGIS typmods).
func PromoteGeometry(g orb.Geometry, declared string) orb.Geometry {
	switch declared {
	case "MultiPolygon":
		if p, ok := g.(orb.Polygon); ok {
			return orb.MultiPolygon{p}
		}
	case "MultiLineString":
		if l, ok := g.(orb.LineString); ok {
			return orb.MultiLineString{l}
		}
	case "MultiPoint":
		if p, ok := g.(orb.Point); ok {
			return orb.MultiPoint{p}
		}
	}
	return g
}

// gpkgValue is a field's value as an SQLite value: nil for null, lists
// joined by ";" (as in CSV).
func gpkgValue(v Value, f *Field) any {
	switch v.t {
	case Boolean:
		if v.b {
			return int64(1)
		}
		return int64(0)
	case StringList, IntegerList:
		return formatValue(v, f, ";")
	}
	return v.Native(f)
}

// gpkgGeometry encodes g as a GeoPackage geometry blob: the "GP" header
// with the WGS 84 srs_id and (except for points) an xy envelope, then
// little-endian WKB. A nil geometry is SQL NULL.
func gpkgGeometry(g orb.Geometry) (any, error) {
	if g == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	_, isPoint := g.(orb.Point)
	envelope := byte(1) // [minx, maxx, miny, maxy]
	if isPoint {
		envelope = 0
	}
	// flags: bit 0 little-endian header, bits 1-3 envelope, bit 4 empty,
	// bit 5 standard (not extended) GeoPackage binary.
	flags := byte(1) | envelope<<1
	buf.Write([]byte{'G', 'P', 0, flags})
	binary.Write(&buf, binary.LittleEndian, int32(gpkgSRS))
	if envelope == 1 {
		b := g.Bound()
		for _, f := range []float64{b.Min[0], b.Max[0], b.Min[1], b.Max[1]} {
			binary.Write(&buf, binary.LittleEndian, math.Float64bits(f))
		}
	}
	body, err := wkb.Marshal(g, binary.LittleEndian)
	if err != nil {
		return nil, err
	}
	if len(body) == 0 {
		return nil, errors.New("empty WKB")
	}
	buf.Write(body)
	return buf.Bytes(), nil
}
