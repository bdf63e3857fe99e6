package sqlstore_test

import (
	"context"
	"errors"
	"fifteen/publish/postgis/postgistest"
	"fifteen/store"
	"fifteen/store/sqlstore"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// stores returns every backend to test, each empty.
func stores(t *testing.T) map[string]store.Store {
	t.Helper()
	ctx := context.Background()
	out := map[string]store.Store{"memory": store.NewMemory()}
	sq, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "sub", "scenarios.db"))
	if err != nil {
		t.Fatal(err)
	}
	out["sqlite"] = sq
	if dsn := postgistest.Server(t); dsn != "" {
		// Each test has a database of its own: tests of other packages
		// use the same server at the same time.
		dbName := fmt.Sprintf("fifteen_store_%d_%d", os.Getpid(), time.Now().UnixNano())
		tdsn, err := sqlstore.CreateDatabase(ctx, dsn, dbName)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sqlstore.DropDatabase(ctx, dsn, dbName) })
		pg, err := sqlstore.Open(ctx, tdsn)
		if err != nil {
			t.Fatal(err)
		}
		out["postgres"] = pg
	}
	for _, s := range out {
		t.Cleanup(func() { s.Close() })
	}
	return out
}

func TestStoreContract(t *testing.T) {
	ctx := context.Background()
	for kind, s := range stores(t) {
		t.Run(kind, func(t *testing.T) {
			if s.Kind() != kind {
				t.Errorf("Kind() = %q", s.Kind())
			}
			t0 := time.Date(2026, 11, 30, 10, 0, 0, 123e6, time.UTC)
			a := store.Scenario{ID: "a1", Name: "new clinic ✓", Owner: "alice", Created: t0, CityTag: "c1",
				Inputs: []byte(`{"add":[]}` + "\x00\xff"), Summary: []byte(`{"add":1}`)}
			b := store.Scenario{ID: "b2", Name: "", Owner: "bob", Created: t0.Add(time.Second), CityTag: "c2",
				Inputs: []byte(`{}`), Summary: []byte(`{}`)}
			for _, sc := range []store.Scenario{b, a} {
				if err := s.Put(ctx, sc); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Put(ctx, a); !errors.Is(err, store.ErrExists) {
				t.Errorf("second Put of the same id: %v, want store.ErrExists", err)
			}
			got, err := s.Get(ctx, "a1")
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != a.ID || got.Name != a.Name || got.Owner != a.Owner || !got.Created.Equal(a.Created) ||
				got.CityTag != a.CityTag || string(got.Inputs) != string(a.Inputs) || string(got.Summary) != string(a.Summary) {
				t.Errorf("Get = %+v, want %+v", got, a)
			}
			if _, err := s.Get(ctx, "zz"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Get unknown: %v", err)
			}
			list, total, err := s.List(ctx, 0, 10)
			if err != nil || total != 2 || len(list) != 2 || list[0].ID != "a1" || list[1].ID != "b2" {
				t.Fatalf("List = %+v, %d, %v; want a1, b2 (oldest first)", list, total, err)
			}
			if list[0].Inputs != nil {
				t.Errorf("List carries inputs")
			}
			if list, total, _ := s.List(ctx, 1, 10); total != 2 || len(list) != 1 || list[0].ID != "b2" {
				t.Errorf("List offset 1 = %+v", list)
			}
			if err := s.Delete(ctx, "a1"); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(ctx, "a1"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("second Delete: %v", err)
			}
			if _, total, _ := s.List(ctx, 0, 10); total != 1 {
				t.Errorf("after delete: %d scenarios", total)
			}
		})
	}
}

// TestStoreConcurrentPuts saves from many goroutines at once: every Put
// that returned nil must be readable.
func TestStoreConcurrentPuts(t *testing.T) {
	ctx := context.Background()
	for kind, s := range stores(t) {
		t.Run(kind, func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make([]error, 64)
			for i := range errs {
				wg.Go(func() {
					errs[i] = s.Put(ctx, store.Scenario{ID: fmt.Sprintf("id%02d", i), Owner: "o", Created: time.Now(), Inputs: []byte("{}"), Summary: []byte("{}")})
				})
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("put %d: %v", i, err)
					continue
				}
				if _, err := s.Get(ctx, fmt.Sprintf("id%02d", i)); err != nil {
					t.Errorf("get %d: %v", i, err)
				}
			}
		})
	}
}

func TestOpenBadPlaces(t *testing.T) {
	ctx := context.Background()
	if _, err := sqlstore.Open(ctx, ""); err == nil {
		t.Error("empty path opened")
	}
	f := filepath.Join(t.TempDir(), "notadb")
	os.WriteFile(f, []byte("this is not a SQLite file, just text that is long enough to be a header......"), 0o644)
	if _, err := sqlstore.Open(ctx, f); err == nil {
		t.Error("a text file opened as a store")
	}
	cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := sqlstore.Open(cctx, "postgres://nobody@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"); err == nil {
		t.Error("unreachable postgres opened")
	}
}
