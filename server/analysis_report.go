package server

import (
	"bytes"
	"net/url"

	"fifteen/publish"
)

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

// renderReport renders the baseline report, filtered, as JSON or as CSV
// (the long format, as fifteen report --format csv writes it).
func (s *state) renderReport(format, profile, category string) ([]byte, error) {
	r := s.report.Filter(profile, category)
	if format == "csv" {
		var buf bytes.Buffer
		if err := publish.WriteCSV(&buf, publish.Coverage(s.city, r), publish.CSVOptions{Attribution: s.city.Attribution}); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	return anMarshalJSON(r)
}
