// Package store keeps saved what-if scenarios durably, in an embedded
// SQLite file (the default) or in a PostgreSQL database shared by a team,
// behind one interface. A saved scenario is its inputs (the document the
// planner posted), who saved it, when, and a fingerprint of the city data
// it was computed on; results are not stored: they are recomputed when a
// scenario is opened. Every write is one transaction: once Put returns,
// the scenario survives a crash of the process.
//
// This package holds the interface and an in-memory store; package
// sqlstore holds the SQLite and PostgreSQL ones (and their drivers, which
// the server itself need not build).
package store

import (
	"context"
	"errors"
	"strings"
	"time"
)

// ErrNotFound means no scenario has the id.
var ErrNotFound = errors.New("store: no such scenario")

// ErrExists means a scenario with the id is already stored.
var ErrExists = errors.New("store: scenario id already taken")

// Scenario is one saved scenario.
type Scenario struct {
	ID      string
	Name    string
	Owner   string    // the name of the token that saved it
	Created time.Time // UTC, millisecond precision
	// CityTag fingerprints the city data the scenario was saved against.
	CityTag string
	// Inputs is the scenario document as posted (JSON or GeoJSON).
	Inputs []byte
	// Summary is the JSON summary computed when it was saved, for lists.
	Summary []byte
}

// Store keeps scenarios. Implementations are safe for concurrent use.
type Store interface {
	// Put saves sc in one transaction; ErrExists if its id is taken.
	Put(ctx context.Context, sc Scenario) error
	// Get returns the scenario with id, or ErrNotFound.
	Get(ctx context.Context, id string) (Scenario, error)
	// List returns up to limit scenarios, oldest first, starting after
	// the first offset, without their inputs; and how many there are.
	List(ctx context.Context, offset, limit int) ([]Scenario, int, error)
	// Delete removes the scenario with id, or returns ErrNotFound.
	Delete(ctx context.Context, id string) error
	// Kind names the backend ("sqlite", "postgres" or "memory").
	Kind() string
	Close() error
}

// IsPostgres tells whether where names a PostgreSQL database.
func IsPostgres(where string) bool {
	return strings.HasPrefix(where, "postgres://") || strings.HasPrefix(where, "postgresql://")
}
