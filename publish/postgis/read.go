package postgis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"fifteen/publish"
)

// ErrNoTable: the table does not exist in the schema.
var ErrNoTable = errors.New("postgis: no such table")

// Connect opens the PostGIS database at connURL (postgres://…) and checks
// that it has PostGIS, as Write does.
func Connect(ctx context.Context, connURL string) (*pgx.Conn, error) {
	conn, _, err := connect(ctx, connURL)
	return conn, err
}

// OpenPool checks connURL as Connect does, then opens a pool of
// connections to it, for a server's concurrent reads.
func OpenPool(ctx context.Context, connURL string) (*pgxpool.Pool, error) {
	conn, err := Connect(ctx, connURL)
	if err != nil {
		return nil, err
	}
	conn.Close(ctx)
	pool, err := pgxpool.New(ctx, connURL)
	if err != nil {
		return nil, fmt.Errorf("postgis: %s: %w", Redact(connURL), err)
	}
	return pool, nil
}

// Querier is a connection or a pool.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Tables returns the tables that hold rows of dataset, as its runs
// recorded them (every shard's), in name order.
func Tables(ctx context.Context, conn Querier, schema, dataset string) ([]string, error) {
	if !identRe.MatchString(schema) {
		return nil, fmt.Errorf("%w: schema %q: want lower-case letters, digits and _", ErrBadRun, schema)
	}
	runs := qualified(schema, RunsTable)
	rows, err := conn.Query(ctx, "SELECT DISTINCT k FROM "+runs+", jsonb_each(row_counts) AS e(k, v) WHERE dataset = $1 AND v::bigint > 0 ORDER BY k", dataset)
	if err != nil {
		return nil, fmt.Errorf("postgis: read %s: %w", runs, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// Attribution returns the credit of dataset's data, as its runs
// recorded it; ok is false when no run of dataset is recorded.
func Attribution(ctx context.Context, conn Querier, schema, dataset string) (attribution string, ok bool, err error) {
	if !identRe.MatchString(schema) {
		return "", false, fmt.Errorf("%w: schema %q: want lower-case letters, digits and _", ErrBadRun, schema)
	}
	runs := qualified(schema, RunsTable)
	err = conn.QueryRow(ctx, "SELECT attribution FROM "+runs+" WHERE dataset = $1 ORDER BY shard LIMIT 1", dataset).Scan(&attribution)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("postgis: read %s: %w", runs, err)
	}
	return attribution, true, nil
}

// Layer is features read back from a table: a publish.Layer whose schema
// is the table's (ReadSchema).
type Layer struct {
	schema *publish.Schema
	ids    []publish.Value
	geoms  []orb.Geometry
	props  [][]publish.Value
	index  map[string]int
}

func (l *Layer) Schema() *publish.Schema     { return l.schema }
func (l *Layer) Len() int                    { return len(l.ids) }
func (l *Layer) ID(i int) publish.Value      { return l.ids[i] }
func (l *Layer) Geometry(i int) orb.Geometry { return l.geoms[i] }
func (l *Layer) Props(dst []publish.Value, i int) []publish.Value {
	return append(dst, l.props[i]...)
}

// Find returns the position of the feature with id.
func (l *Layer) Find(id string) (int, bool) {
	i, ok := l.index[id]
	return i, ok
}

// pubType is the field type of a column's PostgreSQL type (sqlType's
// inverse).
func pubType(sql string) (publish.Type, bool) {
	for _, t := range []publish.Type{publish.String, publish.Integer, publish.Number, publish.Boolean, publish.StringList, publish.IntegerList} {
		if sqlType(t) == sql {
			return t, true
		}
	}
	return 0, false
}

// tableKinds are the schema kinds of the tables fifteen export writes
// (named after the OGC API collections), which the tables do not store.
var tableKinds = map[string]string{
	"cells": "cell", "communities": "community", "coverage": "coverage", "facilities": "facility",
	"greenways": "facility", "underserved": "cluster", "network": "network_edge",
}

var (
	unitRe = regexp.MustCompile(`^(.*) \[([^\[\]]+)\]$`)
	geomRe = regexp.MustCompile(`^geometry\((\w+),\d+\)$`)
)

// ReadSchema reads the schema of table in schema back from the database:
// its fields are the columns after the writer's own, in order, with the
// publish type of their PostgreSQL type, nullable unless NOT NULL, and
// the description and unit of their comment; the title and description
// are the table comment's (without dataset's attribution, which the
// writer appends), the geometry type the geom column's. The kind is the
// kind of the collection the table is named after (the table's name for
// another). What the
// tables do not store is left at its zero value: the decimals (values
// are stored rounded) and NotInTiles.
func ReadSchema(ctx context.Context, conn Querier, schema, dataset, table string) (*publish.Schema, error) {
	if !identRe.MatchString(schema) || !identRe.MatchString(table) {
		return nil, fmt.Errorf("%w: schema %q, table %q: want lower-case letters, digits and _", ErrBadRun, schema, table)
	}
	q := qualified(schema, table)
	var comment *string
	if err := conn.QueryRow(ctx, "SELECT obj_description(to_regclass($1), 'pg_class')", q).Scan(&comment); err != nil {
		return nil, fmt.Errorf("postgis: read %s: %w", q, err)
	}
	attribution, hasRun, err := Attribution(ctx, conn, schema, dataset)
	if err != nil {
		return nil, err
	}
	rows, err := conn.Query(ctx, `SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, coalesce(col_description(a.attrelid, a.attnum), '')
		FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, q)
	if err != nil {
		return nil, fmt.Errorf("postgis: read %s: %w", q, err)
	}
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (column, error) {
		var c column
		err := r.Scan(&c.name, &c.typ, &c.notNull, &c.comment)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgis: read %s: %w", q, err)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoTable, q)
	}
	s := &publish.Schema{Kind: table}
	if k, ok := tableKinds[table]; ok {
		s.Kind = k
	}
	if comment != nil {
		// define writes "Title: Description Attribution".
		title, desc, _ := strings.Cut(*comment, ": ")
		if hasRun {
			desc = strings.TrimSuffix(desc, " "+attribution)
		}
		s.Title, s.Description = title, strings.TrimSpace(desc)
	}
	own := map[string]bool{colDataset: true, colShard: true, colParent: true}
	for _, c := range cols {
		switch {
		case own[c.name]:
		case c.name == colID:
			if c.typ == "bigint" {
				s.IDType = publish.IDInteger
			}
		case c.name == colGeom:
			s.Geometry = "Geometry"
			if m := geomRe.FindStringSubmatch(c.typ); m != nil {
				s.Geometry = m[1]
			}
		default:
			t, ok := pubType(c.typ)
			if !ok {
				return nil, fmt.Errorf("%w: %s: column %s is %s, not a type fifteen writes", ErrTableMismatch, q, c.name, c.typ)
			}
			f := publish.Field{Name: c.name, Type: t, Nullable: !c.notNull, Description: c.comment}
			if m := unitRe.FindStringSubmatch(c.comment); m != nil {
				f.Description, f.Unit = m[1], m[2]
			}
			s.Fields = append(s.Fields, f)
		}
	}
	return s, nil
}

// Reader reads the features of one dataset from one table, whose schema
// it reads once (ReadSchema).
type Reader struct {
	db                     Querier
	schema, dataset, table string
	s                      *publish.Schema
}

// NewReader reads the schema of table in schema and returns its reader
// of dataset's features.
func NewReader(ctx context.Context, db Querier, schema, dataset, table string) (*Reader, error) {
	s, err := ReadSchema(ctx, db, schema, dataset, table)
	if err != nil {
		return nil, err
	}
	return &Reader{db: db, schema: schema, dataset: dataset, table: table, s: s}, nil
}

// Schema is the table's schema, as ReadSchema reads it.
func (r *Reader) Schema() *publish.Schema { return r.s }

// ReadLayer reads the features of dataset from table in schema, in
// feature id order: those whose geometry intersects bbox when bbox is
// not nil (through the table's spatial index), limit of them from offset
// (all when limit <= 0).
func ReadLayer(ctx context.Context, conn Querier, schema, dataset, table string, bbox *orb.Bound, limit, offset int) (*Layer, error) {
	r, err := NewReader(ctx, conn, schema, dataset, table)
	if err != nil {
		return nil, err
	}
	return r.Read(ctx, bbox, limit, offset)
}

// Read reads features as ReadLayer does.
func (r *Reader) Read(ctx context.Context, bbox *orb.Bound, limit, offset int) (*Layer, error) {
	where, args := whereBox(r.dataset, bbox)
	return r.readRows(ctx, where, args, limit, offset)
}

// Feature reads the feature with id: a layer of that feature, or of none
// when there is none.
func (r *Reader) Feature(ctx context.Context, id string) (*Layer, error) {
	where := " WHERE dataset = $1 AND " + ident(colID) + "::text = $2"
	return r.readRows(ctx, where, []any{r.dataset, id}, 0, 0)
}

// readRows reads the features that where selects.
func (r *Reader) readRows(ctx context.Context, where string, args []any, limit, offset int) (*Layer, error) {
	s, q := r.s, qualified(r.schema, r.table)
	cols := []string{ident(colID), "ST_AsBinary(" + ident(colGeom) + ")"}
	for _, f := range s.Fields {
		cols = append(cols, ident(f.Name))
	}
	sql := "SELECT " + strings.Join(cols, ", ") + " FROM " + q + where + " ORDER BY " + ident(colID)
	if limit > 0 {
		sql += fmt.Sprintf(" LIMIT %d", limit)
	}
	if offset > 0 {
		sql += fmt.Sprintf(" OFFSET %d", offset)
	}
	rows, err := r.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("postgis: read %s: %w", q, err)
	}
	defer rows.Close()
	l := &Layer{schema: s, index: map[string]int{}}
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, fmt.Errorf("postgis: read %s: %w", q, err)
		}
		var id publish.Value
		switch v := vals[0].(type) {
		case int64:
			id = publish.Int64(v)
			l.index[fmt.Sprint(v)] = len(l.ids)
		case string:
			id = publish.Str(v)
			l.index[v] = len(l.ids)
		default:
			return nil, fmt.Errorf("postgis: read %s: feature id of type %T", q, v)
		}
		var g orb.Geometry
		if b, ok := vals[1].([]byte); ok && b != nil {
			if g, err = wkb.Unmarshal(b); err != nil {
				return nil, fmt.Errorf("postgis: read %s: feature %v: geometry: %w", q, vals[0], err)
			}
		}
		props := make([]publish.Value, len(s.Fields))
		for k, v := range vals[2:] {
			if props[k], err = value(v, s.Fields[k].Type); err != nil {
				return nil, fmt.Errorf("postgis: read %s: feature %v: %s: %w", q, vals[0], s.Fields[k].Name, err)
			}
		}
		l.ids, l.geoms, l.props = append(l.ids, id), append(l.geoms, g), append(l.props, props)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgis: read %s: %w", q, err)
	}
	return l, nil
}

// whereBox selects dataset's rows whose geometry meets bbox (all when
// nil): the && test uses the table's GiST index, ST_Intersects keeps the
// geometries that meet the box, not only their envelopes.
func whereBox(dataset string, bbox *orb.Bound) (string, []any) {
	where, args := " WHERE dataset = $1", []any{dataset}
	if bbox != nil {
		where += fmt.Sprintf(" AND geom && ST_MakeEnvelope($2, $3, $4, $5, %d) AND ST_Intersects(geom, ST_MakeEnvelope($2, $3, $4, $5, %d))", SRID, SRID)
		args = append(args, bbox.Min[0], bbox.Min[1], bbox.Max[0], bbox.Max[1])
	}
	return where, args
}

// Count returns how many features meet bbox (all when nil), as Read
// selects them.
func (r *Reader) Count(ctx context.Context, bbox *orb.Bound) (int, error) {
	q := qualified(r.schema, r.table)
	where, args := whereBox(r.dataset, bbox)
	var n int
	if err := r.db.QueryRow(ctx, "SELECT count(*) FROM "+q+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgis: read %s: %w", q, err)
	}
	return n, nil
}

// Extent returns the bounds of the features; ok is false when none has a
// geometry.
func (r *Reader) Extent(ctx context.Context) (b orb.Bound, ok bool, err error) {
	q := qualified(r.schema, r.table)
	var x0, y0, x1, y1 *float64
	err = r.db.QueryRow(ctx, "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e FROM "+q+" WHERE dataset = $1) s", r.dataset).
		Scan(&x0, &y0, &x1, &y1)
	if err != nil {
		return b, false, fmt.Errorf("postgis: read %s: %w", q, err)
	}
	if x0 == nil {
		return b, false, nil
	}
	return orb.Bound{Min: orb.Point{*x0, *y0}, Max: orb.Point{*x1, *y1}}, true, nil
}

// value is a column's value as pgx decodes it, as a publish value of type t.
func value(v any, t publish.Type) (publish.Value, error) {
	if v == nil {
		return publish.Null(), nil
	}
	switch t {
	case publish.Integer:
		if x, ok := v.(int64); ok {
			return publish.Int64(x), nil
		}
	case publish.Number:
		if x, ok := v.(float64); ok {
			return publish.Num(x), nil
		}
	case publish.Boolean:
		if x, ok := v.(bool); ok {
			return publish.Bool(x), nil
		}
	case publish.String:
		if x, ok := v.(string); ok {
			return publish.Str(x), nil
		}
	case publish.StringList:
		if xs, ok := v.([]any); ok {
			out := make([]string, len(xs))
			for k, x := range xs {
				s, ok := x.(string)
				if !ok {
					return publish.Value{}, fmt.Errorf("list element %v (%T) is not a string", x, x)
				}
				out[k] = s
			}
			return publish.Strs(out), nil
		}
	case publish.IntegerList:
		if xs, ok := v.([]any); ok {
			out := make([]int64, len(xs))
			for k, x := range xs {
				n, ok := x.(int64)
				if !ok {
					return publish.Value{}, fmt.Errorf("list element %v (%T) is not an integer", x, x)
				}
				out[k] = n
			}
			return publish.Ints(out), nil
		}
	}
	return publish.Value{}, fmt.Errorf("value %v (%T) is not a %v", v, v, t)
}

// Unavailable reports whether err means the database could not be reached
// or dropped the connection (not that the request was wrong): a server
// reading from it answers 503, to be retried.
func Unavailable(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || pgconn.Timeout(err) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// 08: connection exception; 57P01-57P05: the server shut down, is
		// starting up or dropped the session.
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P")
	}
	return false
}
