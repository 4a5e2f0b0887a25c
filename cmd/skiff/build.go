package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	"github.com/skiff-dev/skiff/internal/datadir"
	"github.com/spf13/cobra"
)

func newBuildCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "build", Short: "Follow CodeBuild builds"}
	var dataDir string
	var follow bool
	logsCmd := &cobra.Command{
		Use:   "logs BUILD_ID",
		Short: "Print a build's log (-f follows it until the build ends)",
		Long: `Print a build's log from CloudWatch Logs (the group and stream the build
reports), with the [Container] phase lines CodeBuild writes. With -f, new lines
appear as the build prints them, until the build ends.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			cfg, err := clientConfig(ctx, dataDir, "")
			if err != nil {
				return err
			}
			cb, cw := codebuild.NewFromConfig(cfg), cloudwatchlogs.NewFromConfig(cfg)
			out := cmd.OutOrStdout()
			var group, stream, token string
			for {
				b, err := cb.BatchGetBuilds(ctx, &codebuild.BatchGetBuildsInput{Ids: []string{args[0]}})
				if err != nil {
					return errors.New(apiMessage(err))
				}
				if len(b.Builds) == 0 {
					return fmt.Errorf("build %s not found", args[0])
				}
				build := b.Builds[0]
				if build.Logs != nil {
					group, stream = aws.ToString(build.Logs.GroupName), aws.ToString(build.Logs.StreamName)
				}
				done := build.BuildComplete
				// Read everything there is now.
				for group != "" && stream != "" {
					in := &cloudwatchlogs.GetLogEventsInput{LogGroupName: &group, LogStreamName: &stream, StartFromHead: aws.Bool(true)}
					if token != "" {
						in.NextToken = &token
					}
					page, err := cw.GetLogEvents(ctx, in)
					if err != nil {
						if ctx.Err() != nil {
							return nil
						}
						break // the stream may not exist yet
					}
					for _, ev := range page.Events {
						fmt.Fprintln(out, aws.ToString(ev.Message))
					}
					next := aws.ToString(page.NextForwardToken)
					if next == token || len(page.Events) == 0 {
						token = next
						break
					}
					token = next
				}
				if !follow || done {
					if follow {
						fmt.Fprintf(out, "build %s: %s\n", args[0], build.BuildStatus)
					}
					return nil
				}
				if sleep(ctx, 50*time.Millisecond) != nil {
					return nil
				}
			}
		},
	}
	logsCmd.Flags().StringVar(&dataDir, "data", datadir.Default(), "data directory of the running skiff")
	logsCmd.Flags().BoolVarP(&follow, "follow", "f", false, "follow the log until the build ends")
	cmd.AddCommand(logsCmd)
	return cmd
}
