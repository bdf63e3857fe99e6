package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"fifteen/publish/postgis"
)

// pgTarget is where export, run-shard and merge-shards write with --to: a
// PostGIS database, one transaction per (dataset, shard).
type pgTarget struct {
	url string
	run postgis.Run
}

// pgFlags registers --to and the flags that name what is written.
func pgFlags(fs *flag.FlagSet) *pgTarget {
	t := &pgTarget{}
	fs.StringVar(&t.url, "to", "", "write to PostGIS at this URL (postgres://user:password@host:port/db) instead of files")
	fs.StringVar(&t.run.Dataset, "dataset", "", "with --to: dataset name the rows are keyed by (default: the city's name)")
	fs.StringVar(&t.run.Schema, "schema", postgis.DefaultSchema, "with --to: PostgreSQL schema of the tables")
	fs.IntVar(&t.run.ParentRes, "parent-res", 6, "with --to: H3 resolution of the h3_parent distribution key (0 to 10); the same for every shard of a dataset")
	return t
}

// set reports whether --to was given.
func (t *pgTarget) set() bool { return t.url != "" }

// ping checks the database before anything long is computed.
func (t *pgTarget) ping(ctx context.Context, shard string) error {
	t.run.Shard = shard
	return pgError(postgis.Ping(ctx, t.url, t.run))
}

// write writes tables as the shard given to ping, in one transaction, and
// says what it wrote.
func (t *pgTarget) write(ctx context.Context, stdout io.Writer, cityName, fingerprint, attribution string, options any, tables []postgis.Table) error {
	if t.run.Dataset == "" {
		t.run.Dataset = cityName
	}
	t.run.Fingerprint, t.run.Version, t.run.Attribution, t.run.Options = fingerprint, version, attribution, options
	start := time.Now()
	if err := postgis.Write(ctx, t.url, t.run, tables); err != nil {
		return pgError(err)
	}
	for _, tb := range tables {
		fmt.Fprintf(stdout, "%s.%s: %d rows\n", t.run.Schema, tb.Name, tb.Layer.Len())
	}
	fmt.Fprintf(stdout, "wrote dataset %s shard %s to %s in %.2f s\n", t.run.Dataset, t.run.Shard, postgis.Redact(t.url),
		time.Since(start).Seconds())
	return nil
}

// pgError makes the PostGIS writer's errors about the flags usage errors.
func pgError(err error) error {
	if errors.Is(err, postgis.ErrBadRun) || errors.Is(err, postgis.ErrBadURL) {
		return usageError{err.Error()}
	}
	return err
}
