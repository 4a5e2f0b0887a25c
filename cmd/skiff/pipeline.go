package main

import (
	"net/url"
	"os"
	"os/signal"
	"time"

	"github.com/skiff-dev/skiff/internal/codepipeline"
	"github.com/skiff-dev/skiff/internal/datadir"
	"github.com/spf13/cobra"
)

func newPipelineCmd() *cobra.Command {
	var dataDir, region string
	cmd := &cobra.Command{
		Use:   "pipeline",
		Short: "Follow and drive CodePipeline pipelines",
		Long: `List pipelines, watch one run stage by stage, start one, or answer a manual
approval. The same pipelines are reachable with the CodePipeline API
(aws codepipeline get-pipeline-state ...).`,
	}
	cmd.PersistentFlags().StringVar(&dataDir, "data", datadir.Default(), "data directory of the running skiff")
	cmd.PersistentFlags().StringVar(&region, "region", "", "region (default $AWS_REGION or us-east-1)")

	ls := &cobra.Command{
		Use: "ls", Short: "List pipelines with their latest execution", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := newAdmin(dataDir, region)
			if err != nil {
				return err
			}
			var ps []codepipeline.PipelineListEntry
			if err := a.do(cmd.Context(), "GET", "pipelines", nil, nil, &ps); err != nil {
				return err
			}
			codepipeline.RenderPipelineList(cmd.OutOrStdout(), ps, time.Now())
			return nil
		},
	}

	var watch bool
	show := &cobra.Command{
		Use: "show NAME", Short: "Show a pipeline's stages, actions and recent executions (--watch redraws live)",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			a, err := newAdmin(dataDir, region)
			if err != nil {
				return err
			}
			path := "pipelines/" + url.PathEscape(args[0])
			var q url.Values
			for {
				var v codepipeline.PipelineView
				if err := a.do(ctx, "GET", path, q, nil, &v); err != nil {
					if ctx.Err() != nil {
						return nil
					}
					return err
				}
				codepipeline.RenderPipeline(cmd.OutOrStdout(), &v, watch)
				if !watch {
					return nil
				}
				q = url.Values{"watch": {"1"}}
			}
		},
	}
	show.Flags().BoolVarP(&watch, "watch", "w", false, "redraw on every change until interrupted")

	var vars []string
	start := &cobra.Command{
		Use: "start NAME", Short: "Start a pipeline execution (--var K=V sets V2 pipeline variables)",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			vm, err := splitKV(vars, "variable")
			if err != nil {
				return err
			}
			a, err := newAdmin(dataDir, region)
			if err != nil {
				return err
			}
			var out struct {
				PipelineExecutionID string `json:"pipelineExecutionId"`
			}
			if err := a.do(cmd.Context(), "POST", "pipelines/"+url.PathEscape(args[0])+"/start", nil, map[string]any{"variables": vm}, &out); err != nil {
				return err
			}
			cmd.Println(out.PipelineExecutionID)
			return nil
		},
	}
	start.Flags().StringArrayVar(&vars, "var", nil, "pipeline variable NAME=VALUE (repeatable)")

	var reject bool
	var summary string
	approve := &cobra.Command{
		Use: "approve NAME STAGE ACTION", Short: "Approve (or --reject) the manual approval waiting at STAGE/ACTION",
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := newAdmin(dataDir, region)
			if err != nil {
				return err
			}
			in := map[string]any{"stage": args[1], "action": args[2], "reject": reject, "summary": summary}
			if err := a.do(cmd.Context(), "POST", "pipelines/"+url.PathEscape(args[0])+"/approve", nil, in, nil); err != nil {
				return err
			}
			verb := "approved"
			if reject {
				verb = "rejected"
			}
			cmd.Printf("%s %s/%s of pipeline %s\n", verb, args[1], args[2], args[0])
			return nil
		},
	}
	approve.Flags().BoolVar(&reject, "reject", false, "reject instead of approving")
	approve.Flags().StringVar(&summary, "summary", "", "comment recorded with the answer")

	cmd.AddCommand(ls, show, start, approve)
	return cmd
}
