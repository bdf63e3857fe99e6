package server

import (
	"bytes"
	"net/url"

	"fifteen/data"
	"fifteen/geo"
)

// filterReport returns r restricted to one profile and one category where
// asked, sharing nothing it changes with r (the baseline report is shared
// by every request).
func filterReport(r *geo.CoverageReport, profile, category string) *geo.CoverageReport {
	if profile == "" && category == "" {
		return r
	}
	keep := func(cc geo.CommunityCoverage) geo.CommunityCoverage {
		ps := make([]geo.Coverage, 0, len(cc.Profiles))
		for _, p := range cc.Profiles {
			if profile != "" && p.Profile != profile {
				continue
			}
			if category != "" {
				cats := []geo.CategoryCoverage{}
				for _, x := range p.Categories {
					if x.Category == category {
						cats = append(cats, x)
					}
				}
				caps := []geo.CapacityFigures{}
				for _, x := range p.Capacity {
					if x.Category == category {
						caps = append(caps, x)
					}
				}
				p.Categories, p.Capacity = cats, caps
			}
			ps = append(ps, p)
		}
		cc.Profiles = ps
		return cc
	}
	out := *r
	out.Total = keep(r.Total)
	out.Communities = make([]geo.CommunityCoverage, len(r.Communities))
	for i := range r.Communities {
		out.Communities[i] = keep(r.Communities[i])
	}
	return &out
}

// reportQuery is the canonical query of a report request: the response
// cache keys on the URL, so a format chosen by the Accept header must show
// in it, and parameter order or unknown parameters must not split it.
func reportQuery(format, profile, category string) string {
	q := url.Values{}
	q.Set("f", format)
	if profile != "" {
		q.Set("profile", profile)
	}
	if category != "" {
		q.Set("category", category)
	}
	return q.Encode()
}

// renderReport renders the baseline report, filtered, as JSON or CSV.
func (s *state) renderReport(format, profile, category string) ([]byte, error) {
	r := filterReport(s.report, profile, category)
	if format == "csv" {
		var buf bytes.Buffer
		if err := data.WriteReportCSV(&buf, r); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	return anMarshalJSON(r)
}
