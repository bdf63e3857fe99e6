package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fifteen/store"
	"fmt"
	"net/url"
	"strconv"

	"github.com/jackc/pgx/v5"
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

// CreateDatabase creates the database name on the PostgreSQL server that
// dsn reaches and returns the DSN of the new database: each test, or each
// team, gets a database of its own.
func CreateDatabase(ctx context.Context, dsn, name string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("store: postgres URL: %w", err)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", fmt.Errorf("store: postgres: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("store: create database %s: %w", name, err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// DropDatabase drops the database name on the server dsn reaches.
func DropDatabase(ctx context.Context, dsn, name string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return fmt.Errorf("store: postgres: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("store: drop database %s: %w", name, err)
	}
	return nil
}
