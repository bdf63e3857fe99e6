package main

import (
	"context"
	"fmt"
	"io"

	"fifteen/geo"
	"fifteen/publish"
)

func cells(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("cells", stderr)
	format := fs.String("format", "csv", "csv or geojson")
	profile := fs.String("profile", geo.DefaultProfile, "walker")
	res := fs.Int("res", geo.PopulationRes, fmt.Sprintf("H3 resolution, %d to %d", geo.MinCellsRes, geo.PopulationRes))
	bom := fs.Bool("bom", false, "start CSV with a UTF-8 byte-order mark")
	opt := accessFlags(fs)
	config := inputFlags(fs)
	cfg, err := parseInputs(fs, args, config)
	if err != nil {
		return err
	}
	if err := checkFormat(*format, "csv", "geojson"); err != nil {
		return err
	}
	if *res < geo.MinCellsRes || *res > geo.PopulationRes {
		return usageError{fmt.Sprintf("--res %d: want %d to %d", *res, geo.MinCellsRes, geo.PopulationRes)}
	}
	a, err := loadAccess(ctx, cfg, *opt)
	if err != nil {
		return err
	}
	p, err := a.ResolveProfile(*profile)
	if err != nil {
		return usageError{"--profile: " + err.Error()}
	}
	l, err := publish.Cells(a, p, *res)
	if err != nil {
		return domainUsage(err)
	}
	return writeLayer(stdout, *format, l, publish.CellMembers(a, l), a.City.Attribution, *bom)
}
