package geo

import "errors"

// Sentinel errors of package geo. Callers wrap them with context and test
// them with errors.Is.
var (
	// ErrEmptyNetwork means no walkable way was found in the input.
	ErrEmptyNetwork = errors.New("geo: empty walk network")
	// ErrBadCoordinate means a longitude or latitude is not finite or is
	// outside the WGS84 range.
	ErrBadCoordinate = errors.New("geo: coordinate outside WGS84 range")
	// ErrUnknownCategory means a facility names a category that the
	// taxonomy does not define.
	ErrUnknownCategory = errors.New("geo: unknown category")
	// ErrBadTaxonomy means a category taxonomy is malformed.
	ErrBadTaxonomy = errors.New("geo: invalid category taxonomy")
	// ErrNoPopulation means a community carries no usable population, or
	// an analysis that counts residents was asked of a city with none.
	ErrNoPopulation = errors.New("geo: community without population")
	// ErrNoResidents means an analysis that counts residents (coverage
	// report, gaps, siting, capacity) was asked of a city loaded without
	// any; what needs no residents (facilities, isochrones, nearest) works.
	ErrNoResidents = errors.New("geo: the city has no residents")
	// ErrBadProfile means a walker profile is malformed.
	ErrBadProfile = errors.New("geo: invalid walker profile")
	// ErrBadOption means an analysis option is out of range.
	ErrBadOption = errors.New("geo: invalid option")
	// ErrBadScenario means a what-if scenario cannot be applied.
	ErrBadScenario = errors.New("geo: invalid scenario")
	// ErrTooFar means a point is farther from the walk network than the
	// snapping limit.
	ErrTooFar = errors.New("geo: point too far from the walk network")
)
