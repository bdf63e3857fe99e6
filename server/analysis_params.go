package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"

	"github.com/labstack/echo/v4"

	"fifteen/data"
)

// Parameters of the analysis routes beyond those of params.go.

const (
	anMediaGeoJSON = "application/geo+json"
	anMediaCSV     = "text/csv; charset=utf-8"
)

// queryFlag reads true/false (or 1/0); false when absent.
func queryFlag(c echo.Context, name string) (bool, error) {
	v := c.QueryParam(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badParam(name, "%q is not true or false", v)
	}
	return b, nil
}

// queryNonNeg reads a finite number ≥ 0; 0 when absent.
func queryNonNeg(c echo.Context, name string) (float64, error) {
	f, err := queryFloat(c, name, 0)
	if err != nil {
		return 0, err
	}
	if f < 0 {
		return 0, badParam(name, "%v is negative", f)
	}
	return f, nil
}

// queryOneOf reads a parameter that must be one of choices (the first is
// the default).
func queryOneOf(c echo.Context, name string, choices ...string) (string, error) {
	v := c.QueryParam(name)
	if v == "" {
		return choices[0], nil
	}
	for _, ch := range choices {
		if v == ch {
			return v, nil
		}
	}
	return "", badParam(name, "%q is not one of %q", v, choices)
}

// communityParam checks that the community parameter, when given, names a
// community of the city.
func (s *state) communityParam(c echo.Context) (string, error) {
	id := c.QueryParam("community")
	if id == "" {
		return "", nil
	}
	for _, cm := range s.city.Communities {
		if cm.ID == id {
			return id, nil
		}
	}
	return "", badParam("community", "unknown community %q", id)
}

// profileParam resolves the profile parameter against the baseline.
func (s *state) profileParam(c echo.Context) (int, error) {
	return s.profileIndex(s.base, c.QueryParam("profile"))
}

// decodeJSONBody decodes a JSON request body into v, rejecting unknown fields
// and trailing data. A body over the size limit keeps the limit's 413; any
// other failure is a 400 naming the body.
func decodeJSONBody(c echo.Context, v any) error {
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyProblem(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			return bodyProblem(err)
		}
		return badParam("body", "data after the JSON document")
	}
	return nil
}

// bodyProblem turns an error reading or parsing a request body into a 400
// naming the body, except an *echo.HTTPError (413 from the body limit),
// which is returned as it is.
func bodyProblem(err error) error {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return err
	}
	if errors.Is(err, io.EOF) {
		return badParam("body", "empty")
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return badParam("body", "the JSON document ends early")
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return badParam("body", "not valid JSON at byte %d (%s)", se.Offset, cleanDetail(se.Error()))
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		param := "body"
		if te.Field != "" {
			param = te.Field
		}
		return badParam(param, "want %s, not a JSON %s", data.JSONKind(te.Type), te.Value)
	}
	return badParam("body", "%s", cleanDetail(err.Error()))
}

// anMarshalJSON renders v as JSON without HTML escaping.
func anMarshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
