package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fifteen/store"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// openSQLite opens (creating if needed) the SQLite file at path, in WAL
// mode with full synchronous commits: a committed scenario is on disk
// before Put returns.
func openSQLite(ctx context.Context, path string) (store.Store, error) {
	if path == "" {
		return nil, fmt.Errorf("store: no SQLite file named")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(ON)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	s := &sqlStore{db: db, kind: "sqlite",
		ph: func(int) string { return "?" },
		isDup: func(err error) bool {
			var se *sqlite.Error
			return errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE)
		}}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	if err := s.init(ctx, "BLOB"); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return s, nil
}
