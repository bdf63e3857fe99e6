// Package sqlstore keeps saved scenarios in SQLite (modernc.org/sqlite,
// pure Go) or PostgreSQL (pgx), behind store.Store.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fifteen/store"
	"fmt"
	"time"
)

// sqlStore is a Store over database/sql; the dialects differ only in
// placeholders, the blob type and how a duplicate key is reported.
type sqlStore struct {
	db     *sql.DB
	kind   string
	ph     func(i int) string // placeholder of the i-th argument (1-based)
	isDup  func(error) bool
	closer func() error
}

func schema(blob string) []string {
	return []string{
		`CREATE TABLE IF NOT EXISTS scenarios (
			id         TEXT PRIMARY KEY,
			name       TEXT NOT NULL,
			owner      TEXT NOT NULL,
			created_ms BIGINT NOT NULL,
			city_tag   TEXT NOT NULL,
			inputs     ` + blob + ` NOT NULL,
			summary    TEXT NOT NULL
		)`,
		`CREATE INDEX IF NOT EXISTS scenarios_created ON scenarios (created_ms, id)`,
	}
}

func (s *sqlStore) init(ctx context.Context, blob string) error {
	for _, q := range schema(blob) {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store: %s schema: %w", s.kind, err)
		}
	}
	return nil
}

func (s *sqlStore) Kind() string { return s.kind }

func (s *sqlStore) Close() error {
	err := s.db.Close()
	if s.closer != nil {
		err = errors.Join(err, s.closer())
	}
	return err
}

func (s *sqlStore) Put(ctx context.Context, sc store.Scenario) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer tx.Rollback() // a no-op after Commit
	q := fmt.Sprintf(`INSERT INTO scenarios (id, name, owner, created_ms, city_tag, inputs, summary) VALUES (%s, %s, %s, %s, %s, %s, %s)`,
		s.ph(1), s.ph(2), s.ph(3), s.ph(4), s.ph(5), s.ph(6), s.ph(7))
	if _, err := tx.ExecContext(ctx, q, sc.ID, sc.Name, sc.Owner, sc.Created.UnixMilli(), sc.CityTag, sc.Inputs, string(sc.Summary)); err != nil {
		if s.isDup(err) {
			return store.ErrExists
		}
		return fmt.Errorf("store: save scenario: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit scenario: %w", err)
	}
	return nil
}

func (s *sqlStore) Get(ctx context.Context, id string) (store.Scenario, error) {
	var sc store.Scenario
	var ms int64
	var sum string
	err := s.db.QueryRowContext(ctx, `SELECT id, name, owner, created_ms, city_tag, inputs, summary FROM scenarios WHERE id = `+s.ph(1), id).
		Scan(&sc.ID, &sc.Name, &sc.Owner, &ms, &sc.CityTag, &sc.Inputs, &sum)
	if errors.Is(err, sql.ErrNoRows) {
		return sc, store.ErrNotFound
	}
	if err != nil {
		return sc, fmt.Errorf("store: read scenario: %w", err)
	}
	sc.Created = time.UnixMilli(ms).UTC()
	sc.Summary = []byte(sum)
	return sc, nil
}

func (s *sqlStore) List(ctx context.Context, offset, limit int) ([]store.Scenario, int, error) {
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM scenarios`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count scenarios: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(`SELECT id, name, owner, created_ms, city_tag, summary FROM scenarios
		ORDER BY created_ms, id LIMIT %s OFFSET %s`, s.ph(1), s.ph(2)), limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list scenarios: %w", err)
	}
	defer rows.Close()
	out := []store.Scenario{}
	for rows.Next() {
		var sc store.Scenario
		var ms int64
		var sum string
		if err := rows.Scan(&sc.ID, &sc.Name, &sc.Owner, &ms, &sc.CityTag, &sum); err != nil {
			return nil, 0, fmt.Errorf("store: list scenarios: %w", err)
		}
		sc.Created = time.UnixMilli(ms).UTC()
		sc.Summary = []byte(sum)
		out = append(out, sc)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: list scenarios: %w", err)
	}
	return out, total, nil
}

func (s *sqlStore) Delete(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM scenarios WHERE id = `+s.ph(1), id)
	if err != nil {
		return fmt.Errorf("store: delete scenario: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// Open opens the store a --store value names: a postgres:// or
// postgresql:// URL is a PostgreSQL database; anything else is the path of
// a SQLite file, created if missing. The schema is created if needed.
func Open(ctx context.Context, where string) (store.Store, error) {
	if store.IsPostgres(where) {
		return openPostgres(ctx, where)
	}
	return openSQLite(ctx, where)
}
