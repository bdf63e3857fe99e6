package data

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"fifteen/geo"
	"fifteen/geo/hex"
)

func TestLoadPopulationCSVPortoAlegre(t *testing.T) {
	cells, err := loadFile("testdata/porto_alegre/poa_hexgrid.csv", LoadPopulationCSV)
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != 1227 {
		t.Fatalf("got %d cells, want 1227", len(cells))
	}
	var sum float64
	for _, c := range cells {
		if c.Cell.Res() != 9 {
			t.Fatalf("cell %s has resolution %d, want 9", c.Cell, c.Cell.Res())
		}
		sum += c.Pop
	}
	if sum != 812935 {
		t.Errorf("population sum %v, want 812935", sum)
	}
	// The first row, with its coordinates from the file's lon/lat columns.
	if cells[0].Cell.String() != "89a901291abffff" {
		t.Errorf("first cell %s, want 89a901291abffff", cells[0].Cell)
	}
	ctr := cells[1].Cell.Center()
	if math.Abs(ctr[0]-(-51.2118666785315)) > 1e-5 || math.Abs(ctr[1]-(-30.1005760100267)) > 1e-5 {
		t.Errorf("second cell centre %v, want (-51.21187, -30.10058) from the file", ctr)
	}

	// The whole grid placed on resolution-10 cells keeps every resident.
	pop, err := geo.PopulationFromCells(cells, nil)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(pop.Total-812935) > 812935*1e-9 {
		t.Errorf("placed %v, want 812935", pop.Total)
	}
}

func TestLoadPopulationCSVFields(t *testing.T) {
	cells, err := loadFile("testdata/pop_ok.csv", LoadPopulationCSV)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		cell string
		pop  float64
	}{
		{"89a901291abffff", 10},
		{"89a9012a3cfffff", 0},
		{"8a1f8e7290cffff", 2.5},
	}
	if len(cells) != len(want) {
		t.Fatalf("got %d cells, want %d", len(cells), len(want))
	}
	for i, w := range want {
		if cells[i].Cell.String() != w.cell || cells[i].Pop != w.pop {
			t.Errorf("row %d = %s %v, want %s %v", i, cells[i].Cell, cells[i].Pop, w.cell, w.pop)
		}
	}
}

func TestLoadPopulationCSVErrors(t *testing.T) {
	tests := []struct {
		name string
		file string // a fixture under testdata, or "" to read in
		in   string
		// want are substrings the message must contain: file, line, column.
		want    []string
		wantErr error
	}{
		{name: "missing population column", file: "pop_missing_column.csv",
			want: []string{"pop_missing_column.csv", "line 1", "no population column"}, wantErr: ErrBadPopulationCSV},
		{name: "bad cell id", file: "pop_bad_cell.csv",
			want: []string{"pop_bad_cell.csv", "line 3", `column "id"`, "not-a-cell"}, wantErr: hex.ErrInvalidCell},
		{name: "negative population", file: "pop_negative.csv",
			want: []string{"pop_negative.csv", "line 3", `column "population"`, "negative"}, wantErr: geo.ErrNoPopulation},
		{name: "NaN population", file: "pop_nan.csv",
			want: []string{"pop_nan.csv", "line 2", `column "population"`, "NaN"}, wantErr: geo.ErrNoPopulation},
		{name: "missing cell column", in: "lon,lat,population\n1,2,3\n",
			want: []string{"line 1", "no id or h3 column"}, wantErr: ErrBadPopulationCSV},
		{name: "empty file", in: "",
			want: []string{"empty file"}, wantErr: ErrBadPopulationCSV},
		{name: "header only", in: "id,population\n",
			want: []string{"no data rows"}, wantErr: ErrBadPopulationCSV},
		{name: "empty population", in: "id,population\n89a901291abffff,\n",
			want: []string{"line 2", `column "population"`}, wantErr: geo.ErrNoPopulation},
		{name: "infinite population", in: "id,population\n89a901291abffff,+Inf\n",
			want: []string{"line 2", `column "population"`}, wantErr: geo.ErrNoPopulation},
		{name: "repeated cell", in: "id,population\n89a901291abffff,1\n89a901291abffff,2\n",
			want: []string{"line 3", "repeats line 2"}, wantErr: ErrBadPopulationCSV},
		{name: "nested cell after its parent", in: "id,population\n891f8e7290fffff,1\n8a1f8e7290cffff,2\n",
			want: []string{"line 3", "lies inside", "line 2"}, wantErr: ErrBadPopulationCSV},
		{name: "parent after its nested cell", in: "h3,population\n8a1f8e7290cffff,2\n891f8e7290fffff,1\n",
			want: []string{"line 2", "lies inside", "line 3", `column "h3"`}, wantErr: ErrBadPopulationCSV},
		{name: "cell finer than resolution 10", in: "id,population\n8b1f8e7290c8fff,1\n",
			want: []string{"line 2", "resolution 11"}, wantErr: hex.ErrBadResolution},
		{name: "ragged row", in: "id,population\n89a901291abffff,1,extra\n",
			want: []string{"line 2"}, wantErr: ErrBadPopulationCSV},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.file != "" {
				_, err = loadFile(filepath.Join("testdata", tt.file), LoadPopulationCSV)
			} else {
				_, err = LoadPopulationCSV(strings.NewReader(tt.in), "inline.csv")
				tt.want = append(tt.want, "inline.csv")
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, tt.wantErr) || !errors.Is(err, ErrBadPopulationCSV) {
				t.Errorf("error %v does not wrap %v and ErrBadPopulationCSV", err, tt.wantErr)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func FuzzLoadPopulationCSV(f *testing.F) {
	f.Add("id,population\n89a901291abffff,10\n")
	f.Add("h3,population\n8a1f8e7290cffff,2\n891f8e7290fffff,1\n")
	f.Add("id,population\nzz,-1\n")
	f.Fuzz(func(t *testing.T, in string) {
		cells, err := LoadPopulationCSV(strings.NewReader(in), "fuzz.csv")
		if err != nil {
			if !errors.Is(err, ErrBadPopulationCSV) {
				t.Fatalf("error %v does not wrap ErrBadPopulationCSV", err)
			}
			return
		}
		for _, c := range cells {
			if !c.Cell.IsValid() || c.Pop < 0 || math.IsNaN(c.Pop) || c.Cell.Res() > geo.PopulationRes {
				t.Fatalf("accepted bad cell %s pop %v", c.Cell, c.Pop)
			}
		}
	})
}
