// Package geo is the domain of fifteen: the pedestrian network, the spatial
// indexes over it, facilities and their categories, communities and the
// population placed on H3 cells, and the walking-access computations built on
// them. It reads no files and knows nothing of HTTP: loaders in package data
// fill its types, and package server serves them.
//
// Points are orb.Point, that is (lon, lat) in WGS84 degrees, everywhere.
// Distances are metres and carry the unit in their names (distM, lengthM).
package geo
