// Package publish defines every result fifteen publishes, once, and renders
// it for every channel.
//
// Each result kind (a facility, a community's coverage, a cell, an
// underserved cluster, a site, an isochrone contour, a nearest route, a
// network edge, a scenario's change per community) is a Schema: an
// ordered list of fields, each with its name, type, unit, nullability,
// rounding and description. A Layer gives the features of one kind, and
// the renderers turn any Layer into GeoJSON (the CLI, /v1 and the OGC API
// items), CSV, vector tile properties and JSON Schema (OGC API - Features
// Part 5 and the describedBy document GIS clients read for field types).
// Because every channel reads the same definition, the command line, the
// HTTP API, the tiles and the published schemas give the same answer to the
// same question.
//
// Rendering is deterministic: the same layer gives the same bytes.
// Numbers are rounded by their field (4 decimals unless the field says
// otherwise), coordinates to 6 decimals (about 0.1 m) with the rings kept
// valid, and NaN or infinite figures are null.
package publish
