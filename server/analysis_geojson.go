package server

import (
	"github.com/paulmach/orb/geojson"

	"fifteen/data"
	"fifteen/geo"
)

// GeoJSON documents of the analysis routes: small, so built as orb
// FeatureCollections with coordinates rounded to 6 decimals (~0.1 m).

// nearestGeoJSON is the k nearest facilities, one LineString feature per
// facility: the route from the origin's snap to the facility's access
// point.
func (s *state) nearestGeoJSON(res *geo.NearestResult, profile, category string) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	fc.ExtraMembers = geojson.Properties{
		"attribution": s.city.Attribution, "profile": profile, "category": category,
		"cutoff_min": s.base.Options.CutoffMin,
		"origin":     data.RoundCoords(res.Origin), "snap_m": data.Round4(res.Snap.DistM),
	}
	for i, nf := range res.Facilities {
		f := &s.city.Facilities[nf.Facility]
		feat := geojson.NewFeature(data.RoundCoords(nf.Line.Clone()))
		feat.ID = i + 1
		feat.Properties = geojson.Properties{
			"rank": i + 1, "facility_id": f.ID, "name": f.Name, "category": f.Category,
			"minutes": data.Round4(geo.DsToMin(nf.TimeDs)), "distance_m": data.Round4(nf.DistM),
			"facility": data.RoundCoords(f.Point), "access_point": data.RoundCoords(nf.Access.Point),
		}
		fc.Append(feat)
	}
	return fc
}
