package data

import (
	"bufio"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"fifteen/geo"
)

// ErrShardFile is the error of a shard plan or shard result file that
// cannot be read: not one, damaged, or of another version.
var ErrShardFile = errors.New("data: shard file")

// WriteShardPlan writes plan as indented JSON to path, atomically (a
// temporary file renamed into place).
func WriteShardPlan(path string, plan *geo.ShardPlan) error {
	return WriteFileAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(plan)
	})
}

// ReadShardPlan reads a plan written by WriteShardPlan.
func ReadShardPlan(path string) (*geo.ShardPlan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var plan geo.ShardPlan
	if err := json.Unmarshal(b, &plan); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", path, ErrShardFile, err)
	}
	if plan.Version != geo.ShardPlanVersion || plan.Fingerprint == "" || len(plan.Shards) == 0 {
		return nil, fmt.Errorf("%s: %w: not a shard plan of version %d (fifteen shard writes one)", path, ErrShardFile, geo.ShardPlanVersion)
	}
	for i, s := range plan.Shards {
		if s.Index != i || len(s.Parents) == 0 {
			return nil, fmt.Errorf("%s: %w: shard %d: index %d, %d parents", path, ErrShardFile, i, s.Index, len(s.Parents))
		}
		for _, p := range s.Parents {
			if !p.IsValid() || p.Res() != plan.Res {
				return nil, fmt.Errorf("%s: %w: shard %d: parent %s is not an H3 cell of resolution %d", path, ErrShardFile, i, p, plan.Res)
			}
		}
		if !slices.IsSorted(s.Parents) {
			return nil, fmt.Errorf("%s: %w: shard %d: parents not in increasing order", path, ErrShardFile, i)
		}
	}
	return &plan, nil
}

// ShardPartName is the file name of shard index's result in its output
// directory.
func ShardPartName(index int) string { return fmt.Sprintf("shard-%05d.part", index) }

// ShardSnapshotName is the file name of shard index's own city (a
// snapshot of geo.ShardCity) in the directory fifteen shard writes them
// into.
func ShardSnapshotName(index int) string { return fmt.Sprintf("shard-%05d.snapshot", index) }

// WriteShardPart writes a shard's result (gob) to path, atomically: a
// shard killed while writing leaves no file, or the previous one.
func WriteShardPart(path string, part *geo.ShardPart) error {
	return WriteFileAtomic(path, func(w io.Writer) error { return gob.NewEncoder(w).Encode(part) })
}

// ReadShardPart reads a result written by WriteShardPart.
func ReadShardPart(path string) (*geo.ShardPart, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var part geo.ShardPart
	if err := gob.NewDecoder(bufio.NewReader(f)).Decode(&part); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", path, ErrShardFile, err)
	}
	if part.Version != geo.ShardPlanVersion {
		return nil, fmt.Errorf("%s: %w: version %d, want %d", path, ErrShardFile, part.Version, geo.ShardPlanVersion)
	}
	return &part, nil
}

// WriteFileAtomic writes path with write, through a temporary file in the
// same directory that is synced and renamed into place: readers see the
// old file or the whole new one, never a part.
func WriteFileAtomic(path string, write func(w io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename, nothing to remove
	w := bufio.NewWriterSize(f, 1<<20)
	if err := write(w); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
