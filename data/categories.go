package data

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"fifteen/geo"
)

// defaultTaxonomyJSON is the default facility taxonomy: GB 50180-2018 life
// circles plus Chengdu community needs. docs/categories.md describes it.
//
//go:embed categories.json
var defaultTaxonomyJSON []byte

// maxTaxonomyBytes bounds a taxonomy file; real ones are a few kilobytes.
const maxTaxonomyBytes = 4 << 20

// defaultTaxonomy parses the embedded taxonomy once. The parsed value is
// never handed out: DefaultTaxonomy returns clones.
var defaultTaxonomy = sync.OnceValues(func() (*geo.Taxonomy, error) {
	return LoadTaxonomy(bytes.NewReader(defaultTaxonomyJSON), "categories.json (embedded)")
})

// DefaultTaxonomy returns a fresh, validated copy of the embedded default
// taxonomy; the caller may change it (and should then call Validate again).
// It panics if the embedded file is invalid, which the tests rule out.
func DefaultTaxonomy() *geo.Taxonomy {
	t, err := defaultTaxonomy()
	if err != nil {
		panic("data: embedded taxonomy: " + err.Error())
	}
	return t.Clone()
}

// LoadTaxonomy reads and validates a taxonomy in the JSON format of
// data/categories.json. Decoding is strict: unknown fields and trailing data
// are errors. Errors wrap geo.ErrBadTaxonomy and start with name, the file
// name used in messages; syntax and type errors give the line.
func LoadTaxonomy(r io.Reader, name string) (*geo.Taxonomy, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxTaxonomyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(b) > maxTaxonomyBytes {
		return nil, fmt.Errorf("%s: %w: larger than %d bytes", name, geo.ErrBadTaxonomy, maxTaxonomyBytes)
	}
	b = bytes.TrimPrefix(b, bomUTF8)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var t geo.Taxonomy
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("%s: %w: %s", name, geo.ErrBadTaxonomy, jsonErrorAt(b, err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s: %w: trailing data after the JSON object", name, geo.ErrBadTaxonomy)
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &t, nil
}

var bomUTF8 = []byte{0xEF, 0xBB, 0xBF}

// jsonErrorAt describes a JSON decoding error with the line and column
// where it happened, when the error carries an offset.
func jsonErrorAt(b []byte, err error) string {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end of file"
	}
	if off < 0 || off > int64(len(b)) {
		return err.Error()
	}
	line := 1 + bytes.Count(b[:off], []byte{'\n'})
	col := int(off) - bytes.LastIndexByte(b[:off], '\n')
	return fmt.Sprintf("line %d, column %d: %v", line, col, err)
}
