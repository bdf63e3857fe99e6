package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fifteen/store"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// openPostgres connects to the PostgreSQL database at dsn and creates the
// schema if needed. Commits are durable per the server's settings
// (synchronous_commit on by default).
func openPostgres(ctx context.Context, dsn string) (store.Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	db.SetMaxOpenConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	s := &sqlStore{db: db, kind: "postgres",
		ph: func(i int) string { return "$" + strconv.Itoa(i) },
		isDup: func(err error) bool {
			var pe *pgconn.PgError
			return errors.As(err, &pe) && pe.Code == "23505" // unique_violation
		}}
	if err := s.init(ctx, "BYTEA"); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}
