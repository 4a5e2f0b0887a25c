package main

import (
	"net/url"
	"os"
	"os/signal"
	"time"

	"github.com/skiff-dev/skiff/internal/codedeploy"
	"github.com/skiff-dev/skiff/internal/datadir"
	"github.com/spf13/cobra"
)

func newInstancesCmd() *cobra.Command {
	var dataDir, region string
	cmd := &cobra.Command{
		Use:   "instances",
		Short: "Create and list local instances for CodeDeploy",
		Long: `Local instances are what EC2 hosts running the CodeDeploy agent are to AWS:
each has its own root directory (INSTANCE_ROOT) and port (PORT), is registered
as a CodeDeploy on-premises instance with its tags, and runs the lifecycle
hooks of deployments to it. Templates can create them too (Skiff::CodeDeploy::Instances).`,
	}
	cmd.PersistentFlags().StringVar(&dataDir, "data", datadir.Default(), "data directory of the running skiff")
	cmd.PersistentFlags().StringVar(&region, "region", "", "region (default $AWS_REGION or us-east-1)")

	var tags []string
	var count int
	create := &cobra.Command{
		Use: "create --tag K=V [--count N]", Short: "Create local instances with tags", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tm, err := splitKV(tags, "tag")
			if err != nil {
				return err
			}
			a, err := newAdmin(dataDir, region)
			if err != nil {
				return err
			}
			var insts []codedeploy.Instance
			if err := a.do(cmd.Context(), "POST", "instances", nil, map[string]any{"tags": tm, "count": count}, &insts); err != nil {
				return err
			}
			codedeploy.RenderInstances(cmd.OutOrStdout(), insts)
			return nil
		},
	}
	create.Flags().StringArrayVar(&tags, "tag", nil, "tag KEY=VALUE (repeatable)")
	create.Flags().IntVar(&count, "count", 1, "number of instances")

	var all bool
	ls := &cobra.Command{
		Use: "ls", Short: "List local instances with their ports, processes and revisions", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := newAdmin(dataDir, region)
			if err != nil {
				return err
			}
			q := url.Values{}
			if all {
				q.Set("all", "1")
			}
			var insts []codedeploy.Instance
			if err := a.do(cmd.Context(), "GET", "instances", q, nil, &insts); err != nil {
				return err
			}
			codedeploy.RenderInstances(cmd.OutOrStdout(), insts)
			return nil
		},
	}
	ls.Flags().BoolVar(&all, "all", false, "include deregistered instances")

	rm := &cobra.Command{
		Use: "rm NAME...", Short: "Deregister instances, ending their processes and removing their files", Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := newAdmin(dataDir, region)
			if err != nil {
				return err
			}
			return a.do(cmd.Context(), "DELETE", "instances", url.Values{"name": args}, nil, nil)
		},
	}
	cmd.AddCommand(create, ls, rm)
	return cmd
}

func newDeployCmd() *cobra.Command {
	var dataDir, region string
	cmd := &cobra.Command{Use: "deploy", Short: "Follow CodeDeploy deployments"}
	cmd.PersistentFlags().StringVar(&dataDir, "data", datadir.Default(), "data directory of the running skiff")
	cmd.PersistentFlags().StringVar(&region, "region", "", "region (default $AWS_REGION or us-east-1)")
	var follow bool
	status := &cobra.Command{
		Use:   "status DEPLOYMENT_ID",
		Short: "Show a deployment: traffic split, per-instance lifecycle events, alarms (-f follows it to the end)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			a, err := newAdmin(dataDir, region)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for {
				var v codedeploy.StatusView
				if err := a.do(ctx, "GET", "deployments/"+url.PathEscape(args[0]), nil, nil, &v); err != nil {
					if ctx.Err() != nil {
						return nil
					}
					return err
				}
				if follow {
					if f, ok := out.(*os.File); ok && isTerminal(f) {
						out.Write([]byte("\x1b[H\x1b[2J"))
					}
				}
				codedeploy.RenderStatus(out, &v)
				if !follow || v.Done() {
					return nil
				}
				if sleep(ctx, 500*time.Millisecond) != nil {
					return nil
				}
			}
		},
	}
	status.Flags().BoolVarP(&follow, "follow", "f", false, "redraw until the deployment ends")
	cmd.AddCommand(status)
	return cmd
}
