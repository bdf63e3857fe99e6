package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"fifteen/data"
)

// terminalProgress returns a load progress reporter drawing the stage and a
// bar on w when w is a terminal, or nil (no reports) when it is not: a
// pipe or a file gets no control characters.
func terminalProgress(w io.Writer) func(stage string, done, total int64) {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	start := time.Now()
	last := ""
	return func(stage string, done, total int64) {
		if stage == data.StageLoaded {
			fmt.Fprintf(f, "\r\033[Kloaded in %.1f s\n", time.Since(start).Seconds())
			return
		}
		if stage != last && last != "" {
			fmt.Fprint(f, "\r\033[K")
		}
		last = stage
		line := fmt.Sprintf("%5.1f s  %s", time.Since(start).Seconds(), stage)
		if total > 0 {
			const width = 24
			n := int(width * done / total)
			n = max(0, min(width, n))
			line += fmt.Sprintf(" [%s%s] %3d%%", strings.Repeat("#", n), strings.Repeat(".", width-n), 100*done/total)
		}
		fmt.Fprint(f, "\r\033[K"+line)
	}
}
