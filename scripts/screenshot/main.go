// Command screenshot renders the planner's map of a city to a PNG with
// headless Chromium: it starts `fifteen serve` on a free port (or uses
// -url), opens /map at 1280×800, waits until the map has drawn every tile
// and answered every request, and saves a screenshot. It fails on any
// JavaScript error, so a broken page never becomes the README's picture.
//
//	go run ./scripts/screenshot -bin bin/fifteen -out docs/map.png
//	go run ./scripts/screenshot -bin bin/fifteen -- --osm city.osm.pbf   # serve flags after --
//
// It needs Chromium (Debian: apt-get install chromium).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/chromedp/chromedp"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("screenshot: ")
	bin := flag.String("bin", "bin/fifteen", "the fifteen binary to serve the city with")
	base := flag.String("url", "", "use this running server (e.g. http://localhost:8080) instead of starting one")
	page := flag.String("page", "/map", "page to open, with its query (category, profile, measure, lang) and #zoom/lat/lon")
	out := flag.String("out", "docs/map.png", "PNG to write")
	width := flag.Int("width", 1280, "viewport width in CSS pixels")
	height := flag.Int("height", 800, "viewport height in CSS pixels")
	chromium := flag.String("chromium", "/usr/bin/chromium", "Chromium executable")
	timeout := flag.Duration("timeout", 3*time.Minute, "give up after this long")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if *base == "" {
		srv, url, err := startServer(ctx, *bin, flag.Args())
		if err != nil {
			log.Fatal(err)
		}
		defer stopServer(srv)
		*base = url
	}
	png, err := shoot(ctx, *chromium, strings.TrimRight(*base, "/")+*page, *width, *height)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, png, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote %s (%d bytes, %d×%d)\n", *out, len(png), *width, *height)
}

// listenLine is the line `fifteen serve` prints once it listens.
var listenLine = regexp.MustCompile(`on (http://[^/\s]+)/`)

// startServer runs bin serve on a free port of 127.0.0.1 and returns the
// process and its base URL once it listens.
func startServer(ctx context.Context, bin string, extra []string) (*exec.Cmd, string, error) {
	args := append([]string{"serve", "--addr", "127.0.0.1:0"}, extra...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stderr = io.Discard // JSON request logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("starting %s: %w", bin, err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if m := listenLine.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, stdout)
			log.Printf("serving %s", m[1])
			return cmd, m[1], nil
		}
	}
	stopServer(cmd)
	return nil, "", fmt.Errorf("%s serve ended before it listened (run it alone to see why)", bin)
}

// stopServer asks the server to finish (SIGINT) and waits for it.
func stopServer(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
	}
}

// chromiumFlags are the flags of a headless Chromium that renders WebGL
// in software (SwiftShader through ANGLE) and talks to no other host.
func chromiumFlags(execPath, userDataDir string) []chromedp.ExecAllocatorOption {
	return append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.UserDataDir(userDataDir),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("use-angle", "swiftshader"),
		chromedp.Flag("enable-unsafe-swiftshader", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
	)
}

// shoot opens url in headless Chromium and returns a PNG of the viewport
// once the map is idle.
func shoot(ctx context.Context, chromium, url string, width, height int) ([]byte, error) {
	if _, err := os.Stat(chromium); err != nil {
		return nil, fmt.Errorf("no Chromium at %s (apt-get install chromium): %w", chromium, err)
	}
	dir, err := os.MkdirTemp("", "fifteen-screenshot-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	actx, cancel := chromedp.NewExecAllocator(ctx, chromiumFlags(chromium, dir)...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()

	var (
		mu   sync.Mutex
		msgs []string
	)
	console := chromedp.Console(bctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				msgs = append(msgs, m.String()+" "+m.URL)
				mu.Unlock()
			}
		}
	}()
	err = chromedp.Do(bctx,
		chromedp.EmulateViewport(int64(width), int64(height)),
		chromedp.Navigate(url),
		chromedp.Poll[chromedp.Void](`window.fifteenReady === true`,
			chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(2*time.Minute)),
		chromedp.Evaluate[chromedp.Void](`window.fifteen.idle()`, chromedp.EvalAwaitPromise),
		chromedp.Sleep(300*time.Millisecond), // the last frame reaches the screen
	)
	var png []byte
	if err == nil {
		png, err = chromedp.Run(bctx, chromedp.CaptureScreenshot())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(msgs) > 0 {
		err = errors.Join(err, fmt.Errorf("the page reported errors:\n\t%s", strings.Join(msgs, "\n\t")))
	}
	if err != nil {
		return nil, err
	}
	return png, nil
}
