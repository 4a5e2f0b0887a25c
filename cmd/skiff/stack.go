package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
	"github.com/skiff-dev/skiff/internal/datadir"
	"github.com/spf13/cobra"
)

type stackFlags struct {
	dataDir string
	region  string
}

func (f *stackFlags) client(ctx context.Context) (*cfn.Client, error) {
	cfg, err := clientConfig(ctx, f.dataDir, f.region)
	if err != nil {
		return nil, err
	}
	return cfn.NewFromConfig(cfg), nil
}

func newStackCmd() *cobra.Command {
	f := &stackFlags{}
	cmd := &cobra.Command{
		Use:   "stack",
		Short: "Deploy and inspect CloudFormation stacks",
		Long: `Deploy and inspect CloudFormation stacks on a running skiff, with readable
change tables, live progress and drift diffs. Everything here goes through the
same CloudFormation API the AWS CLI uses.`,
	}
	cmd.PersistentFlags().StringVar(&f.dataDir, "data", datadir.Default(), "data directory of the running skiff")
	cmd.PersistentFlags().StringVar(&f.region, "region", "", "region (default $AWS_REGION or us-east-1)")
	cmd.AddCommand(newStackDeployCmd(f), newStackDriftCmd(f), newStackDeleteCmd(f), newStackLsCmd(f), newStackEventsCmd(f))
	return cmd
}

func newStackDeployCmd(f *stackFlags) *cobra.Command {
	var file string
	var params, caps, tags []string
	var yes, noExecute, disableRollback bool
	cmd := &cobra.Command{
		Use:   "deploy NAME -f TEMPLATE",
		Short: "Create or update a stack from a template, showing the changes first",
		Long: `Create or update stack NAME from a template. skiff makes a change set, shows
it as a table and asks for confirmation in a terminal (--yes skips the
question), then follows the stack's events until it is done. The exit status
is non-zero when the deployment fails, with the failing resource's reason.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			body, err := os.ReadFile(file)
			if err != nil {
				return fmt.Errorf("read template: %w", err)
			}
			c, err := f.client(ctx)
			if err != nil {
				return err
			}
			return deployStack(ctx, c, cmd.OutOrStdout(), deployOptions{
				name: args[0], body: string(body), params: params, caps: caps, tags: tags,
				yes: yes, noExecute: noExecute, disableRollback: disableRollback,
				interactive: isTerminal(os.Stdin) && isTerminal(os.Stdout), in: cmd.InOrStdin(),
			})
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "template file (YAML or JSON)")
	cmd.MarkFlagRequired("file")
	cmd.Flags().StringArrayVar(&params, "param", nil, "parameter KEY=VALUE (repeatable)")
	cmd.Flags().StringSliceVar(&caps, "capabilities", []string{"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"}, "capabilities to acknowledge")
	cmd.Flags().StringArrayVar(&tags, "tag", nil, "stack tag KEY=VALUE (repeatable)")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "deploy without asking")
	cmd.Flags().BoolVar(&noExecute, "no-execute", false, "create the change set and show it, but do not execute it")
	cmd.Flags().BoolVar(&disableRollback, "disable-rollback", false, "keep what was created if the deployment fails")
	return cmd
}

type deployOptions struct {
	name, body                   string
	params, caps, tags           []string
	yes, noExecute               bool
	disableRollback, interactive bool
	in                           io.Reader
}

func splitKV(list []string, what string) (map[string]string, error) {
	out := map[string]string{}
	for _, s := range list {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%s %q: want KEY=VALUE", what, s)
		}
		out[k] = v
	}
	return out, nil
}

func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return err.Error()
}

func deployStack(ctx context.Context, c *cfn.Client, out io.Writer, o deployOptions) error {
	pm, err := splitKV(o.params, "parameter")
	if err != nil {
		return err
	}
	tm, err := splitKV(o.tags, "tag")
	if err != nil {
		return err
	}
	csType := types.ChangeSetTypeUpdate
	existing, err := c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: &o.name})
	switch {
	case err != nil && strings.Contains(apiMessage(err), "does not exist"):
		csType = types.ChangeSetTypeCreate
	case err != nil:
		return errors.New(apiMessage(err))
	case existing.Stacks[0].StackStatus == types.StackStatusReviewInProgress:
		csType = types.ChangeSetTypeCreate
	case existing.Stacks[0].StackStatus == types.StackStatusRollbackComplete:
		return fmt.Errorf("stack %s is in ROLLBACK_COMPLETE (its first create failed); delete it with `skiff stack delete %s` and deploy again", o.name, o.name)
	}
	in := &cfn.CreateChangeSetInput{
		StackName: &o.name, ChangeSetName: aws.String(fmt.Sprintf("skiff-deploy-%d", time.Now().UnixMilli())),
		ChangeSetType: csType, TemplateBody: &o.body,
	}
	for _, cp := range o.caps {
		in.Capabilities = append(in.Capabilities, types.Capability(cp))
	}
	for _, k := range sortedMapKeys(pm) {
		in.Parameters = append(in.Parameters, types.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(pm[k])})
	}
	for _, k := range sortedMapKeys(tm) {
		in.Tags = append(in.Tags, types.Tag{Key: aws.String(k), Value: aws.String(tm[k])})
	}
	cs, err := c.CreateChangeSet(ctx, in)
	if err != nil {
		return errors.New(apiMessage(err))
	}
	var desc *cfn.DescribeChangeSetOutput
	for {
		desc, err = c.DescribeChangeSet(ctx, &cfn.DescribeChangeSetInput{ChangeSetName: cs.Id})
		if err != nil {
			return errors.New(apiMessage(err))
		}
		if desc.Status == types.ChangeSetStatusCreateComplete || desc.Status == types.ChangeSetStatusFailed {
			break
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
	if desc.Status == types.ChangeSetStatusFailed {
		reason := aws.ToString(desc.StatusReason)
		if strings.Contains(reason, "didn't contain changes") {
			c.DeleteChangeSet(ctx, &cfn.DeleteChangeSetInput{ChangeSetName: cs.Id})
			fmt.Fprintf(out, "No changes to deploy. Stack %s is up to date.\n", o.name)
			return nil
		}
		return fmt.Errorf("change set failed: %s", reason)
	}
	printChanges(out, o.name, csType, desc.Changes)
	if o.noExecute {
		fmt.Fprintf(out, "Change set %s created; not executed (--no-execute).\n", aws.ToString(cs.Id))
		return nil
	}
	if !o.yes {
		if !o.interactive {
			return errors.New("not a terminal: pass --yes to deploy without confirmation")
		}
		fmt.Fprint(out, "Deploy these changes? [y/N] ")
		line, _ := bufio.NewReader(o.in).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			c.DeleteChangeSet(ctx, &cfn.DeleteChangeSetInput{ChangeSetName: cs.Id})
			return errors.New("deployment cancelled")
		}
	}
	// Remember where the events stood, to show only this deployment's.
	last := lastEventID(ctx, c, o.name)
	if _, err := c.ExecuteChangeSet(ctx, &cfn.ExecuteChangeSetInput{ChangeSetName: cs.Id, DisableRollback: aws.Bool(o.disableRollback)}); err != nil {
		return errors.New(apiMessage(err))
	}
	return followStack(ctx, c, out, aws.ToString(cs.StackId), last, o.interactive)
}

func sortedMapKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func printChanges(out io.Writer, name string, typ types.ChangeSetType, changes []types.Change) {
	verb := "update"
	if typ == types.ChangeSetTypeCreate {
		verb = "create"
	}
	fmt.Fprintf(out, "Changes to %s stack %s:\n\n", verb, name)
	if len(changes) == 0 {
		fmt.Fprintln(out, "  (no resource changes; outputs, parameters or tags change)")
		fmt.Fprintln(out)
		return
	}
	tw := tabwriter.NewWriter(out, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "  ACTION\tLOGICAL ID\tTYPE\tREPLACEMENT\tCHANGED")
	for _, ch := range changes {
		rc := ch.ResourceChange
		if rc == nil {
			continue
		}
		var props []string
		for _, d := range rc.Details {
			if d.Target != nil && d.Target.Name != nil {
				p := aws.ToString(d.Target.Name)
				if d.Evaluation == types.EvaluationTypeDynamic {
					p += "?"
				}
				props = append(props, p)
			}
		}
		repl := string(rc.Replacement)
		if repl == "" {
			repl = "-"
		}
		fmt.Fprintf(tw, "  %s %s\tLogical: %s\t%s\t%s\t%s\n", actionMark(rc.Action), rc.Action, aws.ToString(rc.LogicalResourceId),
			aws.ToString(rc.ResourceType), repl, strings.Join(props, ", "))
	}
	tw.Flush()
	fmt.Fprintln(out)
}

func actionMark(a types.ChangeAction) string {
	switch a {
	case types.ChangeActionAdd:
		return "+"
	case types.ChangeActionRemove:
		return "-"
	case types.ChangeActionModify:
		return "~"
	}
	return "?"
}

func lastEventID(ctx context.Context, c *cfn.Client, name string) string {
	out, err := c.DescribeStackEvents(ctx, &cfn.DescribeStackEventsInput{StackName: &name})
	if err != nil || len(out.StackEvents) == 0 {
		return ""
	}
	return aws.ToString(out.StackEvents[0].EventId)
}

// newEvents returns the events after the one with id last, oldest first.
func newEvents(ctx context.Context, c *cfn.Client, stack, last string) ([]types.StackEvent, error) {
	var fresh []types.StackEvent
	p := cfn.NewDescribeStackEventsPaginator(c, &cfn.DescribeStackEventsInput{StackName: &stack})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, ev := range page.StackEvents {
			if aws.ToString(ev.EventId) == last {
				goto done
			}
			fresh = append(fresh, ev)
		}
	}
done:
	for i, j := 0, len(fresh)-1; i < j; i, j = i+1, j-1 {
		fresh[i], fresh[j] = fresh[j], fresh[i]
	}
	return fresh, nil
}

func stackDone(status string) bool {
	return strings.HasSuffix(status, "_COMPLETE") && !strings.HasSuffix(status, "CLEANUP_IN_PROGRESS") ||
		strings.HasSuffix(status, "_FAILED") || status == "REVIEW_IN_PROGRESS"
}

// followStack shows the stack's events until its operation ends, and
// returns an error naming the failing resource when it failed.
func followStack(ctx context.Context, c *cfn.Client, out io.Writer, stack, last string, live bool) error {
	var view *liveView
	if live {
		view = &liveView{out: out, status: map[string]string{}}
	}
	var firstFailure string
	start := time.Now()
	for {
		evs, err := newEvents(ctx, c, stack, last)
		if err != nil {
			return errors.New(apiMessage(err))
		}
		for _, ev := range evs {
			last = aws.ToString(ev.EventId)
			st := string(ev.ResourceStatus)
			if strings.HasSuffix(st, "_FAILED") && aws.ToString(ev.ResourceType) != "AWS::CloudFormation::Stack" && firstFailure == "" {
				firstFailure = fmt.Sprintf("%s (%s): %s", aws.ToString(ev.LogicalResourceId), aws.ToString(ev.ResourceType), aws.ToString(ev.ResourceStatusReason))
			}
			if view != nil {
				view.update(ev)
			} else {
				fmt.Fprintf(out, "%s  %-45s %-40s %s  %s\n", ev.Timestamp.Local().Format("15:04:05"), st,
					aws.ToString(ev.LogicalResourceId), aws.ToString(ev.ResourceType), aws.ToString(ev.ResourceStatusReason))
			}
			if aws.ToString(ev.ResourceType) == "AWS::CloudFormation::Stack" && aws.ToString(ev.PhysicalResourceId) == stack && stackDone(st) {
				if view != nil {
					view.finish()
				}
				elapsed := time.Since(start).Round(time.Millisecond)
				if strings.Contains(st, "ROLLBACK") || strings.HasSuffix(st, "_FAILED") {
					if firstFailure == "" {
						firstFailure = aws.ToString(ev.ResourceStatusReason)
					}
					return fmt.Errorf("stack ended in %s after %s: %s", st, elapsed, firstFailure)
				}
				fmt.Fprintf(out, "Stack %s: %s in %s\n", aws.ToString(ev.StackName), st, elapsed)
				return nil
			}
		}
		if err := sleep(ctx, 250*time.Millisecond); err != nil {
			return err
		}
	}
}

// liveView redraws one line per resource in a terminal.
type liveView struct {
	out    io.Writer
	order  []string
	status map[string]string
	drawn  int
}

func (v *liveView) update(ev types.StackEvent) {
	id := aws.ToString(ev.LogicalResourceId)
	if _, seen := v.status[id]; !seen {
		v.order = append(v.order, id)
	}
	line := fmt.Sprintf("%-12s %-40s %s", glyph(string(ev.ResourceStatus)), id, ev.ResourceStatus)
	if r := aws.ToString(ev.ResourceStatusReason); r != "" && strings.HasSuffix(string(ev.ResourceStatus), "FAILED") {
		line += "  " + r
	}
	v.status[id] = line
	v.redraw()
}

func glyph(status string) string {
	switch {
	case strings.HasSuffix(status, "_FAILED"):
		return "\x1b[31m✗\x1b[0m"
	case strings.HasSuffix(status, "_IN_PROGRESS"):
		return "\x1b[33m…\x1b[0m"
	case strings.HasSuffix(status, "_COMPLETE"), strings.HasSuffix(status, "_SKIPPED"):
		return "\x1b[32m✓\x1b[0m"
	}
	return " "
}

func (v *liveView) redraw() {
	if v.drawn > 0 {
		fmt.Fprintf(v.out, "\x1b[%dA", v.drawn)
	}
	for _, id := range v.order {
		fmt.Fprintf(v.out, "\x1b[2K%s\n", v.status[id])
	}
	v.drawn = len(v.order)
}

func (v *liveView) finish() { v.drawn = 0 }

func newStackDriftCmd(f *stackFlags) *cobra.Command {
	var exitCode bool
	cmd := &cobra.Command{
		Use:   "drift NAME",
		Short: "Detect drift and print a readable diff of every drifted property",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := f.client(ctx)
			if err != nil {
				return err
			}
			drifted, err := printDrift(ctx, c, cmd.OutOrStdout(), args[0])
			if err != nil {
				return err
			}
			if drifted && exitCode {
				os.Exit(2)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&exitCode, "exit-code", false, "exit with status 2 when the stack has drifted")
	return cmd
}

func printDrift(ctx context.Context, c *cfn.Client, out io.Writer, name string) (bool, error) {
	det, err := c.DetectStackDrift(ctx, &cfn.DetectStackDriftInput{StackName: &name})
	if err != nil {
		return false, errors.New(apiMessage(err))
	}
	var status *cfn.DescribeStackDriftDetectionStatusOutput
	for {
		status, err = c.DescribeStackDriftDetectionStatus(ctx, &cfn.DescribeStackDriftDetectionStatusInput{StackDriftDetectionId: det.StackDriftDetectionId})
		if err != nil {
			return false, errors.New(apiMessage(err))
		}
		if status.DetectionStatus != types.StackDriftDetectionStatusDetectionInProgress {
			break
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return false, err
		}
	}
	if status.DetectionStatus == types.StackDriftDetectionStatusDetectionFailed {
		return false, fmt.Errorf("drift detection failed: %s", aws.ToString(status.DetectionStatusReason))
	}
	var drifts []types.StackResourceDrift
	p := cfn.NewDescribeStackResourceDriftsPaginator(c, &cfn.DescribeStackResourceDriftsInput{StackName: &name})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return false, errors.New(apiMessage(err))
		}
		drifts = append(drifts, page.StackResourceDrifts...)
	}
	counts := map[types.StackResourceDriftStatus]int{}
	for _, d := range drifts {
		counts[d.StackResourceDriftStatus]++
		switch d.StackResourceDriftStatus {
		case types.StackResourceDriftStatusModified:
			fmt.Fprintf(out, "~ %s (%s) %s\n", aws.ToString(d.LogicalResourceId), aws.ToString(d.ResourceType), aws.ToString(d.PhysicalResourceId))
			for _, pd := range d.PropertyDifferences {
				switch pd.DifferenceType {
				case types.DifferenceTypeAdd:
					fmt.Fprintf(out, "    + %s: %s (not in the template)\n", aws.ToString(pd.PropertyPath), aws.ToString(pd.ActualValue))
				case types.DifferenceTypeRemove:
					fmt.Fprintf(out, "    - %s: %s (gone from the resource)\n", aws.ToString(pd.PropertyPath), aws.ToString(pd.ExpectedValue))
				default:
					fmt.Fprintf(out, "    ~ %s: %q → %q\n", aws.ToString(pd.PropertyPath), aws.ToString(pd.ExpectedValue), aws.ToString(pd.ActualValue))
				}
			}
		case types.StackResourceDriftStatusDeleted:
			fmt.Fprintf(out, "- %s (%s) %s was deleted outside the stack\n", aws.ToString(d.LogicalResourceId), aws.ToString(d.ResourceType), aws.ToString(d.PhysicalResourceId))
		}
	}
	fmt.Fprintf(out, "Stack %s: %s (%d in sync, %d modified, %d deleted, %d not checked)\n", name, status.StackDriftStatus,
		counts[types.StackResourceDriftStatusInSync], counts[types.StackResourceDriftStatusModified],
		counts[types.StackResourceDriftStatusDeleted], counts[types.StackResourceDriftStatusNotChecked])
	return status.StackDriftStatus == types.StackDriftStatusDrifted, nil
}

func newStackDeleteCmd(f *stackFlags) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a stack and follow its deletion",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := f.client(ctx)
			if err != nil {
				return err
			}
			name := args[0]
			d, err := c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: &name})
			if err != nil {
				return errors.New(apiMessage(err))
			}
			interactive := isTerminal(os.Stdin) && isTerminal(os.Stdout)
			if !yes {
				if !interactive {
					return errors.New("not a terminal: pass --yes to delete without confirmation")
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Delete stack %s and its resources? [y/N] ", name)
				line, _ := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
				if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
					return errors.New("cancelled")
				}
			}
			id := aws.ToString(d.Stacks[0].StackId)
			last := lastEventID(ctx, c, id)
			if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: &id}); err != nil {
				return errors.New(apiMessage(err))
			}
			return followStack(ctx, c, cmd.OutOrStdout(), id, last, interactive)
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking")
	return cmd
}

func newStackLsCmd(f *stackFlags) *cobra.Command {
	var all bool
	return &cobra.Command{
		Use:   "ls",
		Short: "List stacks",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := f.client(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tSTATUS\tDRIFT\tCREATED\tUPDATED")
			p := cfn.NewListStacksPaginator(c, &cfn.ListStacksInput{})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					return errors.New(apiMessage(err))
				}
				for _, s := range page.StackSummaries {
					if s.StackStatus == types.StackStatusDeleteComplete && !all {
						continue
					}
					upd := "-"
					if s.LastUpdatedTime != nil {
						upd = s.LastUpdatedTime.Local().Format("2006-01-02 15:04:05")
					}
					drift := "NOT_CHECKED"
					if s.DriftInformation != nil {
						drift = string(s.DriftInformation.StackDriftStatus)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", aws.ToString(s.StackName), s.StackStatus, drift,
						s.CreationTime.Local().Format("2006-01-02 15:04:05"), upd)
				}
			}
			return tw.Flush()
		},
	}
}

func newStackEventsCmd(f *stackFlags) *cobra.Command {
	var follow bool
	cmd := &cobra.Command{
		Use:   "events NAME",
		Short: "Show a stack's events (-f to follow)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			c, err := f.client(ctx)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			last := ""
			for {
				evs, err := newEvents(ctx, c, args[0], last)
				if err != nil {
					if ctx.Err() != nil {
						return nil
					}
					return errors.New(apiMessage(err))
				}
				for _, ev := range evs {
					last = aws.ToString(ev.EventId)
					fmt.Fprintf(out, "%s  %-45s %-40s %s  %s\n", ev.Timestamp.Local().Format("2006-01-02 15:04:05"), ev.ResourceStatus,
						aws.ToString(ev.LogicalResourceId), aws.ToString(ev.ResourceType), aws.ToString(ev.ResourceStatusReason))
				}
				if !follow {
					return nil
				}
				if sleep(ctx, 500*time.Millisecond) != nil {
					return nil
				}
			}
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new events")
	return cmd
}
