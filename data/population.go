package data

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"fifteen/geo"
	"fifteen/geo/hex"
)

// ErrBadPopulationCSV means a gridded population CSV is malformed. Errors
// about a cell id also wrap hex.ErrInvalidCell or hex.ErrBadResolution, and
// errors about a count geo.ErrNoPopulation.
var ErrBadPopulationCSV = errors.New("data: invalid population CSV")

// LoadPopulationCSV reads population counts on H3 cells from a CSV file; name
// is the file name used in errors. The header must have a cell column named
// id or h3 (a hexadecimal H3 index of resolution 0..geo.PopulationRes) and a
// population column (a number >= 0); other columns are ignored. Cells may
// not repeat or nest inside one another.
//
// Every error wraps ErrBadPopulationCSV and names the file, the line and,
// for a bad value, the column.
func LoadPopulationCSV(r io.Reader, name string) ([]geo.CellPop, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, popErr(name, 0, "", "empty file, want a header with id (or h3) and population")
	}
	if err != nil {
		return nil, popCSVErr(name, err)
	}
	cellCol, popCol := -1, -1
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch {
		case (h == "id" || h == "h3") && cellCol < 0:
			cellCol = i
		case h == "population" && popCol < 0:
			popCol = i
		}
	}
	switch {
	case cellCol < 0:
		return nil, popErr(name, 1, "", "header has no id or h3 column")
	case popCol < 0:
		return nil, popErr(name, 1, "", "header has no population column")
	}
	cellName, popName := strings.TrimSpace(header[cellCol]), strings.TrimSpace(header[popCol])

	var out []geo.CellPop
	lineOf := make(map[hex.Cell]int)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, popCSVErr(name, err)
		}
		line, _ := cr.FieldPos(0)
		cell, err := hex.Parse(strings.TrimSpace(rec[cellCol]))
		if err != nil {
			return nil, popErr(name, line, cellName, fmt.Sprintf("%q is not an H3 cell", rec[cellCol]), hex.ErrInvalidCell)
		}
		if cell.Res() > geo.PopulationRes {
			return nil, popErr(name, line, cellName,
				fmt.Sprintf("cell %s has resolution %d, finer than %d", cell, cell.Res(), geo.PopulationRes),
				hex.ErrBadResolution)
		}
		if prev, dup := lineOf[cell]; dup {
			return nil, popErr(name, line, cellName, fmt.Sprintf("cell %s repeats line %d", cell, prev))
		}
		lineOf[cell] = line
		s := strings.TrimSpace(rec[popCol])
		pop, err := strconv.ParseFloat(s, 64)
		switch {
		case err != nil || math.IsNaN(pop) || math.IsInf(pop, 0):
			return nil, popErr(name, line, popName, fmt.Sprintf("%q is not a number", s), geo.ErrNoPopulation)
		case pop < 0:
			return nil, popErr(name, line, popName, fmt.Sprintf("population %v is negative", pop), geo.ErrNoPopulation)
		case pop > geo.MaxPopulation:
			return nil, popErr(name, line, popName, fmt.Sprintf("population %v is more than %g, the bound on one cell", pop, float64(geo.MaxPopulation)))
		}
		out = append(out, geo.CellPop{Cell: cell, Pop: pop})
	}
	// Nested cells would count the same people twice.
	for _, cp := range out {
		for res := cp.Cell.Res() - 1; res >= 0; res-- {
			if prev, nested := lineOf[cp.Cell.Parent(res)]; nested {
				return nil, popErr(name, lineOf[cp.Cell], cellName,
					fmt.Sprintf("cell %s lies inside cell %s of line %d", cp.Cell, cp.Cell.Parent(res), prev))
			}
		}
	}
	if len(out) == 0 {
		return nil, popErr(name, 0, "", "no data rows")
	}
	return out, nil
}

// popCSVErr wraps a csv parse error, which already carries the line and
// column.
func popCSVErr(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return popErr(name, pe.Line, "", fmt.Sprintf("column %d: %v", pe.Column, pe.Err))
	}
	return popErr(name, 0, "", err.Error())
}

// popErr builds an error locating a problem in a population CSV: line 0
// means the file as a whole, an empty column a whole line.
func popErr(name string, line int, column, msg string, wrapped ...error) error {
	where := name
	if line > 0 {
		where += fmt.Sprintf(": line %d", line)
	}
	if column != "" {
		where += fmt.Sprintf(", column %q", column)
	}
	return &locatedError{msg: where + ": " + msg, errs: append([]error{ErrBadPopulationCSV}, wrapped...)}
}
