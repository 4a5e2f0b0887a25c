package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/skiff-dev/skiff/internal/datadir"
	"github.com/skiff-dev/skiff/internal/server"
	"github.com/spf13/cobra"
)

func newUpCmd() *cobra.Command {
	var opts server.Options
	var verbose bool
	var portMap []string
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Start skiff and serve every AWS API on one port",
		Long: `Start skiff. Every AWS API skiff implements is served on one port
(127.0.0.1:4566 by default). The endpoint is written to the data directory and
"GET /_skiff/health" answers once skiff is ready. SIGINT or SIGTERM shuts it
down cleanly.

The data directory defaults to $SKIFF_DATA, else $XDG_DATA_HOME/skiff, else
~/.local/share/skiff.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			level := slog.LevelWarn
			if verbose {
				level = slog.LevelDebug
			}
			opts.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
			if len(portMap) > 0 {
				opts.LBPortMap = server.DefaultLBPortMap()
				for _, kv := range portMap {
					var from, to int
					if _, err := fmt.Sscanf(kv, "%d=%d", &from, &to); err != nil || from <= 0 || to <= 0 {
						return fmt.Errorf("--lb-port-map %q: want LISTENERPORT=LOCALPORT", kv)
					}
					opts.LBPortMap[from] = to
				}
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			srv, err := server.New(opts)
			if err != nil {
				return err
			}
			if err := srv.Start(); err != nil {
				srv.Shutdown(context.Background())
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "skiff ready on %s (data %s, account %s)\n", srv.URL(), srv.DataDir().Path, srv.DataDir().Identity.AccountID)
			<-ctx.Done()
			stop()
			sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			fmt.Fprintln(cmd.ErrOrStderr(), "skiff: shutting down")
			return srv.Shutdown(sctx)
		},
	}
	cmd.Flags().StringVar(&opts.Addr, "addr", datadir.DefaultAddr, "address to listen on")
	cmd.Flags().StringVar(&opts.DataDir, "data", datadir.Default(), "data directory")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "log every request and background step")
	cmd.Flags().StringSliceVar(&portMap, "lb-port-map", nil, "serve a load balancer listener port on another local port, e.g. 80=9080 (default: ports below 1024 map to port+8000 unless running as root)")
	cmd.Flags().StringVar(&opts.BuildRunner, "build-runner", "auto", "where CodeBuild builds run: auto (AWS's curated images on this machine, other images in Docker), host, or docker")
	cmd.Flags().Float64Var(&opts.TimeScale, "time-scale", 1, "multiply AWS-defined waits (canary intervals, alarm periods, metric publishing) by this factor; 0.05 makes a 5-minute canary step take 15 s")
	return cmd
}
