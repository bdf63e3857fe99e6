// Package postgis writes published layers (publish.Layer) into PostgreSQL
// tables with PostGIS geometries, so that a GIS (QGIS, GDAL) or SQL reads
// a run's results from the database its users already have.
//
// Each layer becomes a table whose columns are the layer's schema (the
// same fields, types, units and rounding as every other rendering) after
// four columns of its own: dataset, shard, h3_parent (the distribution
// key) and feature_id, then geom (geometry in EPSG:4326). Rows are keyed
// by (dataset, h3_parent, feature_id), so that a distributed PostgreSQL
// (Citus) can distribute every table by h3_parent. A run table records
// each (dataset, shard) written: the city's fingerprint, the version, the
// attribution, the options and the rows per table.
//
// Write writes one shard of one dataset in one transaction: it deletes
// the shard's rows of the tables it writes, then copies the new rows in
// (COPY), so a shard's rows appear all or none, and writing a shard again
// replaces exactly its rows. Many shards may be written at once into the
// same tables: they take row locks only, and table creation is serialised
// by an advisory lock.
package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/paulmach/orb/encoding/ewkb"

	"fifteen/geo"
	"fifteen/publish"
)

// DefaultSchema is the PostgreSQL schema the tables go into when Run names
// none.
const DefaultSchema = "fifteen"

// RunsTable is the name of the run-metadata table, in the same schema.
const RunsTable = "runs"

// SRID is the spatial reference of every geometry: WGS 84 longitude and
// latitude.
const SRID = 4326

// AllShards is the shard id of a single-process run: the whole region.
const AllShards = "all"

// Errors. Every error Write returns names the database (without its
// password) and the step that failed, and wraps one of these where one
// applies.
var (
	// ErrBadRun: the run or a table is not valid (no dataset, a bad
	// name, a resolution out of range, a field clashing with a column of
	// the writer's own).
	ErrBadRun = errors.New("postgis: bad run")
	// ErrBadURL: the connection URL is not a postgres:// URL.
	ErrBadURL = errors.New("postgis: bad connection URL")
	// ErrNoPostGIS: the database lacks the PostGIS extension.
	ErrNoPostGIS = errors.New("postgis: the PostGIS extension is not installed in this database (as a superuser or the database owner: CREATE EXTENSION postgis)")
	// ErrTableMismatch: a table exists with other columns than the layer
	// needs (written by another version, or for another taxonomy).
	ErrTableMismatch = errors.New("postgis: table exists with other columns")
	// ErrResMismatch: the dataset was written with another H3 parent
	// resolution, so its distribution keys would not agree.
	ErrResMismatch = errors.New("postgis: dataset written with another H3 parent resolution")
)

// Run identifies one write: one shard of one dataset, and what it was
// computed from.
type Run struct {
	// Dataset names the results (a region and its inputs), such as
	// "shenzhen-2026-11". Required.
	Dataset string
	// Shard is the shard's id; AllShards for a single-process run.
	// Required.
	Shard string
	// ParentRes is the H3 resolution of the distribution key h3_parent
	// (0 to geo.PopulationRes): the resolution the region was split at.
	// Every shard of a dataset must use the same.
	ParentRes int
	// Schema is the PostgreSQL schema (DefaultSchema when empty).
	Schema string
	// Fingerprint is the city's (geo.Access.Fingerprint), Version the
	// program's, Attribution the data's credit ("© OpenStreetMap
	// contributors …").
	Fingerprint, Version, Attribution string
	// Options are the run's options, stored as JSON (nil for none).
	Options any
}

// Table is one layer to write into the table Name.
type Table struct {
	Name  string
	Layer publish.Layer
}

// identRe is the names accepted for schemas and tables: plain lower-case
// SQL identifiers, so that psql, QGIS and GDAL need no quoting.
var identRe = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Own columns of every table, before the layer's fields.
const (
	colDataset = "dataset"
	colShard   = "shard"
	colParent  = "h3_parent"
	colID      = "feature_id"
	colGeom    = "geom"
)

// column is one column of a table: its name, its type as PostgreSQL's
// format_type writes it, NOT NULL, and its comment.
type column struct {
	name, typ string
	notNull   bool
	comment   string
}

// tableDef is a table to create or check.
type tableDef struct {
	name    string
	comment string
	cols    []column
	// geomType is the PostGIS geometry typmod ("" for the runs table).
	geomType string
	layer    publish.Layer
}

// sqlType is the PostgreSQL type of a field type.
func sqlType(t publish.Type) string {
	switch t {
	case publish.Integer:
		return "bigint"
	case publish.Number:
		return "double precision"
	case publish.Boolean:
		return "boolean"
	case publish.StringList:
		return "text[]"
	case publish.IntegerList:
		return "bigint[]"
	}
	return "text"
}

// geometryType is the PostGIS typmod of a schema's GeoJSON geometry type.
func geometryType(geojson string) string {
	switch geojson {
	case "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon":
		return geojson
	}
	return "Geometry"
}

// define checks t and returns its table definition.
func define(t Table, run *Run) (*tableDef, error) {
	if !identRe.MatchString(t.Name) || t.Name == RunsTable {
		return nil, fmt.Errorf("%w: table name %q: want lower-case letters, digits and _ (and not %q)", ErrBadRun, t.Name, RunsTable)
	}
	if t.Layer == nil {
		return nil, fmt.Errorf("%w: table %s has no layer", ErrBadRun, t.Name)
	}
	s := t.Layer.Schema()
	idType := "text"
	if s.IDType == publish.IDInteger {
		idType = "bigint"
	}
	d := &tableDef{name: t.Name, geomType: geometryType(s.Geometry), layer: t.Layer,
		comment: strings.TrimSpace(s.Title + ": " + s.Description + " " + run.Attribution)}
	d.cols = []column{
		{colDataset, "text", true, "Dataset: the region and inputs the run computed"},
		{colShard, "text", true, "Shard that wrote the row (" + AllShards + " for a single-process run); a shard's rows are replaced together"},
		{colParent, "text", true, fmt.Sprintf("Distribution key: H3 index (hexadecimal) of the parent, at the dataset's resolution (%s.h3_res), "+
			"of the feature's H3 cell, or of the resolution-%d cell of its representative point; empty when the feature has no place", RunsTable, geo.PopulationRes)},
		{colID, idType, true, "Feature id, as in the OGC API and every export"},
		{colGeom, fmt.Sprintf("geometry(%s,%d)", d.geomType, SRID), false, "Geometry (" + s.Geometry + ", WGS 84 lon/lat)"},
	}
	seen := map[string]bool{}
	for _, c := range d.cols {
		seen[c.name] = true
	}
	for _, f := range s.Fields {
		if seen[f.Name] {
			return nil, fmt.Errorf("%w: table %s: field %q clashes with a column of the writer's own or another field", ErrBadRun, t.Name, f.Name)
		}
		seen[f.Name] = true
		c := f.Description
		if f.Unit != "" {
			c += " [" + f.Unit + "]"
		}
		d.cols = append(d.cols, column{f.Name, sqlType(f.Type), !f.Nullable, c})
	}
	return d, nil
}

// runsDef is the run-metadata table.
func runsDef() *tableDef {
	return &tableDef{name: RunsTable,
		comment: "Runs written: one row per dataset and shard, replaced with the shard's rows.",
		cols: []column{
			{colDataset, "text", true, "Dataset"},
			{colShard, "text", true, "Shard (" + AllShards + " for a single-process run)"},
			{"h3_res", "integer", true, "H3 resolution of the h3_parent distribution key"},
			{"fingerprint", "text", true, "Fingerprint of the city the run computed (network, facilities, communities, population, taxonomy, walkers, options)"},
			{"version", "text", true, "Version of fifteen"},
			{"attribution", "text", true, "Credit of the data (© OpenStreetMap contributors …)"},
			{"options", "jsonb", false, "Options of the run"},
			{"row_counts", "jsonb", true, "Rows written per table"},
			{"created", "timestamp with time zone", true, "When the shard was written"},
		}}
}

// ddl is the statements that create d.
func (d *tableDef) ddl(schema string) []string {
	q := qualified(schema, d.name)
	var cols []string
	for _, c := range d.cols {
		s := ident(c.name) + " " + c.typ
		if c.notNull {
			s += " NOT NULL"
		}
		cols = append(cols, s)
	}
	if d.layer != nil {
		cols = append(cols, "PRIMARY KEY (dataset, h3_parent, feature_id)")
	} else {
		cols = append(cols, "PRIMARY KEY (dataset, shard)")
	}
	out := []string{"CREATE TABLE " + q + " (\n\t" + strings.Join(cols, ",\n\t") + "\n)",
		"COMMENT ON TABLE " + q + " IS " + literal(d.comment)}
	for _, c := range d.cols {
		out = append(out, "COMMENT ON COLUMN "+q+"."+ident(c.name)+" IS "+literal(c.comment))
	}
	if d.layer != nil {
		out = append(out,
			"CREATE INDEX "+ident(d.name+"_shard")+" ON "+q+" (dataset, shard)",
			"CREATE INDEX "+ident(d.name+"_geom")+" ON "+q+" USING GIST (geom)")
	}
	return out
}

func ident(s string) string             { return pgx.Identifier{s}.Sanitize() }
func qualified(schema, t string) string { return pgx.Identifier{schema, t}.Sanitize() }

// literal quotes s as an SQL string literal (for COMMENT, which takes no
// parameters).
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Redact returns connURL without its password, for messages; a string
// that is not a URL is not repeated, since it may hold a password.
func Redact(connURL string) string {
	u, err := url.Parse(connURL)
	if err != nil || u.Scheme == "" {
		return "the database (connection string not shown)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// check validates run and fills its defaults; without ids, it checks the
// schema and resolution only.
func (run *Run) check(ids bool) error {
	if run.Schema == "" {
		run.Schema = DefaultSchema
	}
	switch {
	case ids && run.Dataset == "":
		return fmt.Errorf("%w: no dataset name", ErrBadRun)
	case ids && run.Shard == "":
		return fmt.Errorf("%w: no shard id", ErrBadRun)
	case run.ParentRes < 0 || run.ParentRes > geo.PopulationRes:
		return fmt.Errorf("%w: H3 parent resolution %d: want 0 to %d", ErrBadRun, run.ParentRes, geo.PopulationRes)
	case !identRe.MatchString(run.Schema):
		return fmt.Errorf("%w: schema %q: want lower-case letters, digits and _", ErrBadRun, run.Schema)
	}
	return nil
}

// Write writes tables as shard run.Shard of dataset run.Dataset into the
// PostGIS database at connURL (postgres://user:password@host:port/db?…),
// creating the schema and the tables that do not exist. In one
// transaction, it deletes the shard's earlier rows from the tables it
// writes, copies the new rows in and records the run; if anything fails,
// or the process dies, nothing of this write is left.
func Write(ctx context.Context, connURL string, run Run, tables []Table) error {
	if err := run.check(true); err != nil {
		return err
	}
	defs := make([]*tableDef, 0, len(tables))
	names := map[string]bool{}
	for _, t := range tables {
		d, err := define(t, &run)
		if err != nil {
			return err
		}
		if names[d.name] {
			return fmt.Errorf("%w: table %s given twice", ErrBadRun, d.name)
		}
		names[d.name] = true
		defs = append(defs, d)
	}
	conn, fail, err := connect(ctx, connURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	where := Redact(connURL)
	if err := createTables(ctx, conn, run.Schema, append(defs, runsDef())); err != nil {
		return fail("create tables", err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fail("begin", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	runs := qualified(run.Schema, RunsTable)
	var other int
	err = tx.QueryRow(ctx, "SELECT h3_res FROM "+runs+" WHERE dataset = $1 AND shard <> $2 AND h3_res <> $3 LIMIT 1",
		run.Dataset, run.Shard, run.ParentRes).Scan(&other)
	if err == nil {
		return fmt.Errorf("%s: %w: dataset %q has shards at resolution %d, this run says %d (write it as another dataset, or delete the dataset first)",
			where, ErrResMismatch, run.Dataset, other, run.ParentRes)
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return fail("read "+runs, err)
	}
	counts := map[string]int{}
	for _, d := range defs {
		q := qualified(run.Schema, d.name)
		if _, err := tx.Exec(ctx, "DELETE FROM "+q+" WHERE dataset = $1 AND shard = $2", run.Dataset, run.Shard); err != nil {
			return fail("delete shard "+run.Shard+" from "+q, err)
		}
		src := &rowSource{layer: d.layer, run: &run, i: -1, ctx: ctx}
		colNames := make([]string, len(d.cols))
		for k, c := range d.cols {
			colNames[k] = c.name
		}
		n, err := tx.CopyFrom(ctx, pgx.Identifier{run.Schema, d.name}, colNames, src)
		if err != nil {
			return fail(fmt.Sprintf("copy into %s", q), err)
		}
		counts[d.name] = int(n)
	}
	countsJSON, _ := json.Marshal(counts)
	var opts []byte
	if run.Options != nil {
		if opts, err = json.Marshal(run.Options); err != nil {
			return fmt.Errorf("%w: options: %v", ErrBadRun, err)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO `+runs+` (dataset, shard, h3_res, fingerprint, version, attribution, options, row_counts, created)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (dataset, shard) DO UPDATE SET h3_res = excluded.h3_res, fingerprint = excluded.fingerprint,
			version = excluded.version, attribution = excluded.attribution, options = excluded.options,
			row_counts = `+runs+`.row_counts || excluded.row_counts, created = excluded.created`,
		run.Dataset, run.Shard, run.ParentRes, run.Fingerprint, run.Version, run.Attribution, optsArg(opts), string(countsJSON),
		time.Now().UTC()); err != nil {
		return fail("record the run in "+runs, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fail("commit", err)
	}
	return nil
}

// Ping checks connURL and run's schema and parent resolution as Write
// does (not its dataset and shard, which may not be known yet), connects
// and checks that the database has PostGIS, without writing anything: a
// command calls it before computing results, so that a wrong URL or a
// database without PostGIS is said at once, not after the computation.
func Ping(ctx context.Context, connURL string, run Run) error {
	if err := run.check(false); err != nil {
		return err
	}
	conn, _, err := connect(ctx, connURL)
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// connect opens connURL and checks PostGIS. fail wraps an error with the
// database's redacted URL and the step that failed.
func connect(ctx context.Context, connURL string) (conn *pgx.Conn, fail func(step string, err error) error, err error) {
	where := Redact(connURL)
	if u, err := url.Parse(connURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, nil, fmt.Errorf("%w: %s: want postgres://user:password@host:port/database", ErrBadURL, where)
	}
	cfg, err := pgx.ParseConfig(connURL)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %v", ErrBadURL, where, redactErr(err, connURL))
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "fifteen"
	}
	fail = func(step string, err error) error { return fmt.Errorf("postgis: %s: %s: %w", where, step, err) }
	if conn, err = pgx.ConnectConfig(ctx, cfg); err != nil {
		return nil, nil, fail("connect", err)
	}
	var geomOID *uint32
	err = conn.QueryRow(ctx, `SELECT to_regtype('geometry')::oid FROM pg_extension WHERE extname = 'postgis'`).Scan(&geomOID)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		err = fmt.Errorf("%s: %w", where, ErrNoPostGIS)
	case err != nil:
		err = fail("look for PostGIS", err)
	case geomOID == nil:
		err = fail("look for PostGIS", errors.New("PostGIS is installed in a schema that is not on the search_path (add it to search_path)"))
	}
	if err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, nil, err
	}
	// Geometries go in as EWKB, which geometry's binary input reads.
	conn.TypeMap().RegisterType(&pgtype.Type{Name: "geometry", OID: *geomOID, Codec: pgtype.ByteaCodec{}})
	return conn, fail, nil
}

// optsArg is the options' JSON, or SQL NULL.
func optsArg(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// redactErr keeps a password out of a parse error's text.
func redactErr(err error, connURL string) string {
	msg := err.Error()
	if u, perr := url.Parse(connURL); perr == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "xxxxx")
		}
	}
	return msg
}

// ddlLock is the advisory lock (with the schema's hash) that serialises
// table creation between concurrent writers, whose CREATE TABLE IF NOT
// EXISTS would otherwise race (two creating the same type at once fail).
const ddlLock = 0x15f15

// createTables creates the schema and the tables that do not exist, and
// checks the columns of those that do, in a transaction of its own under
// an advisory lock, so that concurrent shards wait for each other here
// only.
func createTables(ctx context.Context, conn *pgx.Conn, schema string, defs []*tableDef) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", ddlLock, schema); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+ident(schema)); err != nil {
		return err
	}
	for _, d := range defs {
		q := qualified(schema, d.name)
		rows, err := tx.Query(ctx, `SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull FROM pg_attribute a
			WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`, q)
		if err != nil {
			return err
		}
		have := map[string]column{}
		for rows.Next() {
			var c column
			if err := rows.Scan(&c.name, &c.typ, &c.notNull); err != nil {
				rows.Close()
				return err
			}
			have[c.name] = c
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(have) == 0 {
			for _, s := range d.ddl(schema) {
				if _, err := tx.Exec(ctx, s); err != nil {
					return fmt.Errorf("%s: %w", q, err)
				}
			}
			continue
		}
		if diff := columnDiff(d.cols, have); diff != "" {
			return fmt.Errorf("%w: %s: %s; drop the table, or write to another schema", ErrTableMismatch, q, diff)
		}
	}
	return tx.Commit(ctx)
}

// columnDiff says how the columns a table has differ from want ("" when
// they do not).
func columnDiff(want []column, have map[string]column) string {
	var diff []string
	for _, c := range want {
		h, ok := have[c.name]
		switch {
		case !ok:
			diff = append(diff, "no column "+c.name+" "+c.typ)
		case h.typ != c.typ:
			diff = append(diff, fmt.Sprintf("column %s is %s, want %s", c.name, h.typ, c.typ))
		}
		delete(have, c.name)
	}
	for name, h := range have {
		if h.notNull {
			diff = append(diff, "column "+name+" NOT NULL is not written")
		}
	}
	return strings.Join(diff, "; ")
}

// idField rounds feature ids (strings or integers: no rounding).
var idField = publish.Field{Name: colID}

// rowSource feeds a layer's features to COPY.
type rowSource struct {
	ctx   context.Context
	layer publish.Layer
	run   *Run
	i     int
	vals  []publish.Value
	row   []any
	err   error
}

func (r *rowSource) Next() bool {
	r.i++
	if r.i%1024 == 0 {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			return false
		}
	}
	return r.i < r.layer.Len()
}

func (r *rowSource) Values() ([]any, error) {
	l, i := r.layer, r.i
	s := l.Schema()
	parent, err := Parent(l, i, r.run.ParentRes)
	if err != nil {
		return nil, fmt.Errorf("feature %d: %w", i, err)
	}
	var geom any
	if g := l.Geometry(i); g != nil {
		b, err := ewkb.Marshal(publish.PromoteGeometry(publish.RoundGeometry(g), s.Geometry), SRID)
		if err != nil {
			return nil, fmt.Errorf("feature %d: geometry: %w", i, err)
		}
		geom = b
	}
	r.row = append(r.row[:0], r.run.Dataset, r.run.Shard, parent, l.ID(i).Native(&idField), geom)
	r.vals = l.Props(r.vals[:0], i)
	if len(r.vals) != len(s.Fields) {
		return nil, fmt.Errorf("feature %d: %d values for %d fields", i, len(r.vals), len(s.Fields))
	}
	for k, v := range r.vals {
		r.row = append(r.row, v.Native(&s.Fields[k]))
	}
	return r.row, nil
}

func (r *rowSource) Err() error { return r.err }
