package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/skiff-dev/skiff/internal/datadir"
	"github.com/skiff-dev/skiff/internal/server"
	"github.com/spf13/cobra"
)

func newDemoStackCmd() *cobra.Command {
	var dataDir, addr string
	var keep bool
	cmd := &cobra.Command{
		Use:   "stack",
		Short: "Walk through infrastructure as code: deploy, update, drift, delete",
		Long: `Start skiff (in a temporary data directory unless --data is given), deploy the
sample stack in examples/quickstart with the CloudFormation API, update it
through a change set, change a resource behind its back and detect the drift,
then delete it. It narrates each step. With --keep, skiff keeps running
afterwards so you can explore with the AWS CLI.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			out := cmd.OutOrStdout()
			if dataDir == "" {
				d, err := os.MkdirTemp("", "skiff-demo-")
				if err != nil {
					return err
				}
				dataDir = d
				if !keep {
					defer os.RemoveAll(d)
				}
			}
			return runStackDemo(ctx, out, dataDir, addr, keep)
		},
	}
	cmd.Flags().StringVar(&dataDir, "data", "", "data directory (default: a new temporary one)")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:0", "address for skiff to listen on")
	cmd.Flags().BoolVar(&keep, "keep", false, "leave skiff running afterwards")
	return cmd
}

// findExample locates a file under examples/ whether the demo runs from the
// repository (go run ./cmd/skiff demo) or from an installed binary.
func findExample(rel string) ([]byte, error) {
	for _, d := range exampleRoots() {
		if b, err := os.ReadFile(filepath.Join(d, "examples", rel)); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("examples/%s not found: run the demo from the skiff repository", rel)
}

// exampleRoots are where examples/ may be: the working directory and the
// repository the binary was built from.
func exampleRoots() []string {
	var dirs []string
	if wd, err := os.Getwd(); err == nil {
		dirs = append(dirs, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		dirs = append(dirs, filepath.Join(filepath.Dir(file), "..", ".."))
	}
	return dirs
}

// step narrates the next step, in bold on a terminal.
func step(out io.Writer, format string, args ...any) {
	if f, ok := out.(*os.File); ok && isTerminal(f) {
		fmt.Fprintf(out, "\n\x1b[1m▸ "+format+"\x1b[0m\n", args...)
		return
	}
	fmt.Fprintf(out, "\n▸ "+format+"\n", args...)
}

func runStackDemo(ctx context.Context, out io.Writer, dataDir, addr string, keep bool) error {
	body, err := findExample("quickstart/stack.yaml")
	if err != nil {
		return err
	}
	t0 := time.Now()
	srv, err := server.New(server.Options{Addr: addr, DataDir: dataDir, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		srv.Shutdown(context.Background())
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	step(out, "skiff is up at %s in %s (account %s, data in %s)", srv.URL(), time.Since(t0).Round(time.Millisecond), srv.DataDir().Identity.AccountID, dataDir)
	cfg, err := clientConfig(ctx, dataDir, datadir.DefaultRegion)
	if err != nil {
		return err
	}
	c := cfn.NewFromConfig(cfg)
	interactive := isTerminal(os.Stdout)

	step(out, "Deploy examples/quickstart/stack.yaml as stack 'quickstart' (Env=dev)")
	if err := deployStack(ctx, c, out, deployOptions{name: "quickstart", body: string(body), params: []string{"Env=dev"},
		caps: []string{"CAPABILITY_IAM"}, yes: true, interactive: interactive}); err != nil {
		return fmt.Errorf("deploy: %w", err)
	}
	d, err := c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: aws.String("quickstart")})
	if err != nil {
		return err
	}
	for _, o := range d.Stacks[0].Outputs {
		fmt.Fprintf(out, "  output %-11s %s\n", aws.ToString(o.OutputKey), aws.ToString(o.OutputValue))
	}
	sm := ssm.NewFromConfig(cfg)
	p, err := sm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/quickstart/dev/config")})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  SSM /quickstart/dev/config = %s\n", aws.ToString(p.Parameter.Value))

	step(out, "Change a parameter: the change set shows what would change, and how")
	if err := deployStack(ctx, c, out, deployOptions{name: "quickstart", body: string(body), params: []string{"Env=dev", "BaseUrl=https://app.example.org"},
		caps: []string{"CAPABILITY_IAM"}, yes: true, interactive: interactive}); err != nil {
		return fmt.Errorf("update: %w", err)
	}

	step(out, "Someone edits the parameter by hand (aws ssm put-parameter --overwrite) … drift detection finds it")
	if _, err := sm.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/quickstart/dev/config"), Value: aws.String(`{"url": "http://hotfix"}`),
		Overwrite: aws.Bool(true)}); err != nil {
		return err
	}
	drifted, err := printDrift(ctx, c, out, "quickstart")
	if err != nil {
		return err
	}
	if !drifted {
		return errors.New("drift detection did not find the hand-made change")
	}

	step(out, "Redeploying the same template does not touch it (CloudFormation only writes what changes); the next change to it writes the template's value again")
	if err := deployStack(ctx, c, out, deployOptions{name: "quickstart", body: string(body), params: []string{"Env=dev", "BaseUrl=https://app.example.net"},
		caps: []string{"CAPABILITY_IAM"}, yes: true, interactive: interactive}); err != nil {
		return err
	}
	if drifted, err = printDrift(ctx, c, out, "quickstart"); err != nil || drifted {
		return fmt.Errorf("stack still drifted after the update (%v)", err)
	}
	if keep {
		step(out, "skiff keeps running. Try:")
		fmt.Fprintf(out, "  eval \"$(skiff env --data %s)\"\n", dataDir)
		fmt.Fprintln(out, "  aws cloudformation describe-stack-events --stack-name quickstart")
		fmt.Fprintln(out, "  skiff stack drift quickstart --data "+dataDir)
		fmt.Fprintln(out, "  skiff stack delete quickstart --data "+dataDir)
		fmt.Fprintln(out, "Press Ctrl-C to stop.")
		<-ctx.Done()
		return nil
	}
	step(out, "Delete the stack")
	last := lastEventID(ctx, c, "quickstart")
	id := aws.ToString(d.Stacks[0].StackId)
	if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: &id}); err != nil {
		return err
	}
	if err := followStack(ctx, c, out, id, last, interactive); err != nil {
		return err
	}
	step(out, "Done in %s. Run `skiff up` and `eval \"$(skiff env)\"` to use skiff with the AWS CLI and SDKs.", time.Since(t0).Round(time.Millisecond))
	return nil
}
