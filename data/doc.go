// Package data reads a city's inputs: OpenStreetMap extracts (PBF, XML,
// gzip and bzip2), the planner's communities, facilities, population grid,
// category taxonomy and what-if scenarios, and candidate sites; and it
// embeds the default city (Liechtenstein). Load assembles them into a
// geo.City and reports what it found (LoadStats, Inspect).
//
// data only reads: every published result is rendered by package publish,
// and every rule lives in package geo. Each reader names the file and the
// problem in its errors.
package data
