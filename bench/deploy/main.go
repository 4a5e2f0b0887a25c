// Command deploy is the load loop of the deployment tests and the demo
// (bench/deploy/loadtest): steady traffic against a URL, reporting
// non-2xx responses and latency percentiles.
//
//	go run ./bench/deploy -url http://127.0.0.1:8080/ -rate 200 -duration 30s
//
// With -duration 0 it runs until interrupted (Ctrl-C) and reports then.
// The exit status is 1 when more than -max-failed requests failed.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/skiff-dev/skiff/bench/deploy/loadtest"
)

func main() {
	url := flag.String("url", "", "URL to request (required)")
	rate := flag.Int("rate", 100, "requests per second")
	duration := flag.Duration("duration", 30*time.Second, "how long to run (0: until interrupted)")
	conc := flag.Int("c", 64, "requests in flight at most")
	timeout := flag.Duration("timeout", 5*time.Second, "timeout of one request")
	maxFailed := flag.Int64("max-failed", -1, "exit 1 when more requests failed (non-2xx or no response); -1 never")
	flag.Parse()
	if *url == "" {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := loadtest.Run(ctx, loadtest.Config{URL: *url, Rate: *rate, Duration: *duration, Concurrency: *conc, Timeout: *timeout})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println(res)
	if !res.FirstFailure.IsZero() {
		fmt.Printf("failures between %s and %s\n", res.FirstFailure.Format(time.RFC3339Nano), res.LastFailure.Format(time.RFC3339Nano))
	}
	if *maxFailed >= 0 && res.Failed() > *maxFailed {
		os.Exit(1)
	}
}
