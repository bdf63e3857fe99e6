package data

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// DescribeJSONError turns an error of encoding/json (or of a GeoJSON
// decoder built on it) into a phrase for a person: the field and the kind
// of value wanted, never a Go type name.
func DescribeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := strings.TrimPrefix(te.Field, ".")
		if field == "" {
			field = "the document"
		}
		return fmt.Sprintf("%s: want %s, not a JSON %s", field, JSONKind(te.Type), te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("not valid JSON at byte %d (%s)", se.Offset, se.Error())
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || err.Error() == "unexpected end of JSON input" {
		return "the JSON document ends early"
	}
	msg := err.Error()
	for _, pre := range []string{"json: ", "geojson: "} {
		msg = strings.ReplaceAll(msg, pre, "")
	}
	return msg
}

// JSONKind names what a Go type is decoded from, in JSON's words.
func JSONKind(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "another value"
	}
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "another value"
}
