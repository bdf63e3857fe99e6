package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"fifteen/data"
	"fifteen/server"
	"fifteen/store"
	"fifteen/store/sqlstore"
)

// serveAccess are the serve flags of who may do what and how much: the
// scenario store, the tokens, whether reading is closed and the limits.
type serveAccess struct {
	store, tokensFile *string
	readNeedsToken    *bool
	heavyConcurrent   *int
	rate, heavyRate   *float64
	heavyBudget       *time.Duration
	heavyWait         *time.Duration
}

func serveAccessFlags(fs *flag.FlagSet) *serveAccess {
	return &serveAccess{
		store: fs.String("store", os.Getenv("FIFTEEN_STORE"),
			"where saved scenarios live: a SQLite file, a postgres:// URL, or memory (default: fifteen-scenarios.db beside --osm, else in the user's data directory) [FIFTEEN_STORE]"),
		tokensFile: fs.String("tokens", os.Getenv("FIFTEEN_TOKENS_FILE"),
			`file of bearer tokens that may save and delete scenarios, one "name[:admin] secret|sha256:HEX" a line; FIFTEEN_TOKENS holds the same inline, ';'-separated [FIFTEEN_TOKENS_FILE]`),
		readNeedsToken:  fs.Bool("read-needs-token", os.Getenv("FIFTEEN_READ_NEEDS_TOKEN") == "1", "close reading too: every request but /healthz and /readyz needs a token [FIFTEEN_READ_NEEDS_TOKEN=1]"),
		heavyConcurrent: fs.Int("heavy-concurrent", 0, "heavy requests (batch isochrones, siting, scenarios) computed at once; more get 503 (default: half the CPUs)"),
		rate:            fs.Float64("rate", 0, "requests a second each client may send (default 200; negative: no limit)"),
		heavyRate:       fs.Float64("heavy-rate", 0, "heavy requests a second each client may send (default 2; negative: no limit)"),
		heavyBudget:     fs.Duration("heavy-budget", 0, "time one heavy request may compute (default 10s)"),
		heavyWait:       fs.Duration("heavy-wait", 0, "time a heavy request waits for a free slot before 503 (default 2s; negative: none)"),
	}
}

// defaultStore is where scenarios are saved when --store is not given:
// beside the planner's OSM extract (or the snapshot built from it), or in
// the user's data directory for the embedded city.
func defaultStore(cfg data.Config) (string, error) {
	if cfg.OSMPath != "" {
		return filepath.Join(filepath.Dir(cfg.OSMPath), "fifteen-scenarios.db"), nil
	}
	if cfg.SnapshotPath != "" {
		return filepath.Join(filepath.Dir(cfg.SnapshotPath), "fifteen-scenarios.db"), nil
	}
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", usageError{"no home directory for the scenario store: give --store FILE"}
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "fifteen", "scenarios.db"), nil
}

// open fills cfg's store, tokens and limits from the flags.
func (a *serveAccess) open(ctx context.Context, in data.Config, cfg *server.Config) (where string, err error) {
	where = *a.store
	if where == "" {
		if where, err = defaultStore(in); err != nil {
			return "", err
		}
	}
	if where == "memory" {
		cfg.Store = store.NewMemory()
	} else {
		octx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if cfg.Store, err = sqlstore.Open(octx, where); err != nil {
			return "", fmt.Errorf("--store: %w", err)
		}
	}
	if store.IsPostgres(where) {
		where = "postgres" // the URL may hold a password: never print it
	}
	var lists []server.TokenList
	if *a.tokensFile != "" {
		b, err := os.ReadFile(*a.tokensFile)
		if err != nil {
			return "", fmt.Errorf("--tokens: %w", err)
		}
		lists = append(lists, server.TokenList{Source: *a.tokensFile, Text: string(b)})
	}
	if env := os.Getenv("FIFTEEN_TOKENS"); env != "" {
		lists = append(lists, server.TokenList{Source: "FIFTEEN_TOKENS", Text: env})
	}
	if cfg.Tokens, err = server.ParseTokenLists(lists...); err != nil {
		return "", usageError{err.Error()}
	}
	cfg.ReadNeedsToken = *a.readNeedsToken
	if cfg.ReadNeedsToken && cfg.Tokens.Len() == 0 {
		return "", usageError{"--read-needs-token without any token (--tokens or FIFTEEN_TOKENS) would refuse every reader"}
	}
	cfg.Limits = server.Limits{HeavyConcurrent: *a.heavyConcurrent, RatePerSec: *a.rate, HeavyPerSec: *a.heavyRate, HeavyBudget: *a.heavyBudget, HeavyWait: *a.heavyWait}
	return where, nil
}
