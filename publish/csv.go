package publish

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// CSVOptions shape a CSV rendering.
type CSVOptions struct {
	// Attribution, when not empty, is a last column on every row, so that
	// the credit travels with any row copied out of the file.
	Attribution string
	// BOM starts the file with a UTF-8 byte-order mark, for spreadsheets
	// that otherwise read UTF-8 as a legacy code page.
	BOM bool
}

// formatValue renders v as a CSV cell: empty for null, lists joined by sep.
func formatValue(v Value, f *Field, sep string) string {
	switch v.t {
	case Number:
		return strconv.FormatFloat(Round(v.f, f.decimals()), 'f', -1, 64)
	case Integer:
		return strconv.FormatInt(v.i, 10)
	case String:
		return v.s
	case Boolean:
		return strconv.FormatBool(v.b)
	case StringList:
		return strings.Join(v.ss, sep)
	case IntegerList:
		parts := make([]string, len(v.is))
		for i, x := range v.is {
			parts[i] = strconv.FormatInt(x, 10)
		}
		return strings.Join(parts, sep)
	}
	return ""
}

// CSVHeader is the header WriteCSV writes for s: the fields, then lon and
// lat for point layers, then attribution when asked.
func CSVHeader(s *Schema, opt CSVOptions) []string {
	head := make([]string, 0, len(s.Fields)+3)
	for _, f := range s.Fields {
		head = append(head, f.Name)
	}
	if s.Geometry == "Point" {
		head = append(head, "lon", "lat")
	}
	if opt.Attribution != "" {
		head = append(head, "attribution")
	}
	return head
}

// WriteCSV writes the features of l as CSV, one row each, with a header:
// every field (null is empty; lists are joined by ";"), and for point
// layers the point's lon and lat.
func WriteCSV(w io.Writer, l Layer, opt CSVOptions) error {
	if opt.BOM {
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return err
		}
	}
	s := l.Schema()
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader(s, opt)); err != nil {
		return err
	}
	var vals []Value
	rec := make([]string, 0, len(s.Fields)+3)
	for i := 0; i < l.Len(); i++ {
		vals = l.Props(vals[:0], i)
		rec = rec[:0]
		for k, v := range vals {
			rec = append(rec, formatValue(v, &s.Fields[k], ";"))
		}
		if s.Geometry == "Point" {
			lon, lat := "", ""
			if p, ok := l.Geometry(i).(orb.Point); ok {
				p = RoundPoint(p)
				lon = strconv.FormatFloat(p[0], 'f', -1, 64)
				lat = strconv.FormatFloat(p[1], 'f', -1, 64)
			}
			rec = append(rec, lon, lat)
		}
		if opt.Attribution != "" {
			rec = append(rec, opt.Attribution)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
