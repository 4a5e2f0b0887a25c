package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/skiff-dev/skiff/internal/datadir"
	"github.com/skiff-dev/skiff/internal/dora"
	"github.com/skiff-dev/skiff/internal/server"
	"github.com/spf13/cobra"
)

// demoTimeScale runs AWS-defined waits (the canary's minutes, the alarm's
// period, health check intervals) 20 times faster, so the story takes about
// a minute and a half.
const demoTimeScale = 0.05

// demoAlarmEvaluation is the 5XX alarm's evaluation time in
// examples/demo/pipeline.yaml (one period of 60 s), at time scale 1.
const demoAlarmEvaluation = 60 * time.Second

func newDemoCmd() *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "The whole story: push code, build and test, canary deploy, alarm, rollback, fix, DORA metrics",
		Long: `Start skiff and play the story end to end, narrating it:

  1. deploy examples/demo/pipeline.yaml: a CodeCommit repository, a CodeBuild
     project, a V2 pipeline (Source → Build & Test → Deploy), a CodeDeploy
     blue/green canary over two local instances behind a load balancer, and
     a CloudWatch alarm on the app's 5XX count that rolls a release back;
  2. push the Go web app in examples/demo/app with git: the pipeline tests,
     builds and deploys it while traffic flows through the load balancer;
  3. push a commit that passes its tests but answers 500: the canary takes
     traffic, the alarm fires, the deployment rolls back by itself;
  4. push the fix, which deploys cleanly;
  5. print the DORA metrics of the story.

It needs Go and git, nothing else. Without --keep it exits 0 when every step
went as expected and non-zero naming the step that did not; with --keep skiff
keeps running afterwards for exploring. "skiff demo stack" is a shorter tour
of CloudFormation alone (deploy, change set, drift).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			o.out = cmd.OutOrStdout()
			if o.dataDir == "" {
				d, err := os.MkdirTemp("", "skiff-demo-")
				if err != nil {
					return err
				}
				o.dataDir = d
				if !o.keep {
					defer os.RemoveAll(d)
				}
			}
			_, err := runDemo(ctx, o)
			return err
		},
	}
	cmd.Flags().StringVar(&o.dataDir, "data", "", "data directory (default: a new temporary one)")
	cmd.Flags().StringVar(&o.addr, "addr", "127.0.0.1:0", "address for skiff to listen on")
	cmd.Flags().BoolVar(&o.keep, "keep", false, "leave skiff running afterwards")
	// At 1 the story takes about a quarter of an hour: for measuring
	// failover in AWS's own time (BENCHMARKS.md), not for a first look.
	cmd.Flags().Float64Var(&o.timeScale, "time-scale", demoTimeScale, "how fast AWS-defined waits run (1: real time)")
	cmd.Flags().MarkHidden("time-scale")
	cmd.AddCommand(newDemoStackCmd())
	return cmd
}

type demoOptions struct {
	out           io.Writer
	dataDir, addr string
	keep          bool
	timeScale     float64
}

// demoResult is what happened, for the caller (and the demo's test) to
// check.
type demoResult struct {
	Pushes   []pushResult
	DORA     *dora.Report
	AppURL   string
	Duration time.Duration
}

// pushResult is one push and what the pipeline made of it.
type pushResult struct {
	Commit, Message              string
	Execution, ExecutionStatus   string
	FailedStage                  string
	Deployment, DeploymentStatus string
	DeploymentError              string
	Rollback, RollbackStatus     string
	Serving                      string
	// Errors is the number of 5XX answers seen while the push was
	// deployed; Total all requests.
	Errors, Total int
	// ErrorWindow is the first 5XX answer to the last.
	ErrorWindow time.Duration
	Elapsed     time.Duration
}

// demoRun is the story's state.
type demoRun struct {
	out        io.Writer
	t0         time.Time
	cfg        aws.Config
	cp         *codepipeline.Client
	cd         *codedeploy.Client
	cw         *cloudwatch.Client
	appURL     string
	work       string
	gitEnv     []string
	traffic    *trafficGen
	pipeline   string
	alarm      string
	alarmState string
	// slow stretches the limits of AWS-paced waits when the demo runs
	// slower than its usual time scale.
	slow float64
}

// paced is a limit for a wait that AWS-defined times govern.
func (r *demoRun) paced(d time.Duration) time.Duration {
	if r.slow > 1 {
		return time.Duration(float64(d) * r.slow)
	}
	return d
}

func runDemo(ctx context.Context, o demoOptions) (*demoResult, error) {
	out := o.out
	t0 := time.Now()
	if o.timeScale == 0 {
		o.timeScale = demoTimeScale
	}
	if o.timeScale < 0 || o.timeScale > 1 {
		return nil, fmt.Errorf("--time-scale %g: want a factor in (0, 1]", o.timeScale)
	}
	if _, err := exec.LookPath("git"); err != nil {
		return nil, errors.New("the demo pushes code with git: install git first")
	}
	if _, err := exec.LookPath("go"); err != nil {
		return nil, errors.New("the demo's build runs `go test` and `go build` on this machine: put go on PATH")
	}
	template, err := findExample("demo/pipeline.yaml")
	if err != nil {
		return nil, err
	}
	appDir, err := exampleDir("demo/app")
	if err != nil {
		return nil, err
	}
	commitsDir, err := exampleDir("demo/_commits")
	if err != nil {
		return nil, err
	}

	if o.timeScale < 1 {
		step(out, "Start skiff (time runs %gx faster for AWS-defined waits: canary steps, alarm periods, health checks)", 1/o.timeScale)
	} else {
		step(out, "Start skiff (AWS-defined waits — canary steps, alarm periods, health checks — take their real time)")
	}
	srv, err := server.New(server.Options{Addr: o.addr, DataDir: o.dataDir, TimeScale: o.timeScale, Log: slog.New(slog.DiscardHandler),
		LBPortMap: map[int]int{}})
	if err != nil {
		return nil, err
	}
	if err := srv.Start(); err != nil {
		srv.Shutdown(context.Background())
		return nil, err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	fmt.Fprintf(out, "  skiff is up at %s in %s · account %s · data in %s\n", srv.URL(), time.Since(t0).Round(time.Millisecond),
		srv.DataDir().Identity.AccountID, o.dataDir)
	cfg, err := clientConfig(ctx, o.dataDir, datadir.DefaultRegion)
	if err != nil {
		return nil, err
	}
	r := &demoRun{out: out, t0: t0, slow: o.timeScale / demoTimeScale, cfg: cfg, cp: codepipeline.NewFromConfig(cfg), cd: codedeploy.NewFromConfig(cfg),
		cw: cloudwatch.NewFromConfig(cfg)}
	res := &demoResult{}

	port, err := freePort()
	if err != nil {
		return nil, err
	}
	step(out, "Deploy examples/demo/pipeline.yaml with CloudFormation")
	outputs, err := r.deployStack(ctx, string(template), port)
	if err != nil {
		return nil, err
	}
	r.pipeline, r.alarm = outputs["PipelineName"], outputs["AlarmName"]
	r.appURL = fmt.Sprintf("http://127.0.0.1:%d/", port)
	res.AppURL = r.appURL
	fmt.Fprintf(out, "  repository %s\n  app        %s (listener of the load balancer; %s)\n", outputs["RepositoryCloneUrl"], r.appURL, outputs["AppUrl"])

	step(out, "Send traffic through the load balancer for the whole story (20 requests/s)")
	r.traffic = newTrafficGen(r.appURL, 20)
	go r.traffic.run(ctx)
	defer r.traffic.stop()
	fmt.Fprintln(out, "  nothing is deployed yet, so the load balancer answers 503 until the first release is healthy")

	if err := r.setupGit(ctx, appDir, outputs["RepositoryCloneUrl"]); err != nil {
		return nil, err
	}
	pushes := []struct {
		title, message, from, expect string
	}{
		{"Push the app (v1): the pipeline tests, builds and deploys it with a canary", "demoapp v1", "", "v1"},
		{"Push v2: its tests pass, but every anonymous request answers 500", "Greet by configured names", "2-break", "v1"},
		{"Push the fix (v3), with the test v2 lacked", "Fix the default name's key; test it", "3-fix", "v3"},
	}
	for i, p := range pushes {
		step(out, "%s", p.title)
		if i == 2 {
			// The next deployment would stop at once while the alarm
			// still reports the failure: wait for it to clear.
			if r.watchAlarm(ctx) != "OK" {
				r.logf("waiting for alarm %s to clear (no errors for one period) before pushing", r.alarm)
			}
			if err := r.waitAlarm(ctx, "OK", r.paced(60*time.Second)); err != nil {
				return res, err
			}
		}
		from := ""
		if p.from != "" {
			from = filepath.Join(commitsDir, p.from)
		}
		pr, err := r.push(ctx, from, p.message, p.expect)
		if pr != nil {
			res.Pushes = append(res.Pushes, *pr)
		}
		if err != nil {
			return res, fmt.Errorf("push %d (%s): %w", i+1, p.message, err)
		}
		if err := checkPush(i, pr); err != nil {
			return res, fmt.Errorf("push %d (%s): %w", i+1, p.message, err)
		}
	}

	step(out, "DORA metrics of the story (skiff dora --app demoapp --window 1d)")
	rep, err := r.dora(ctx, o.dataDir)
	if err != nil {
		return res, err
	}
	res.DORA = rep
	if err := dora.Render(out, rep, dora.RenderOptions{}); err != nil {
		return res, err
	}
	if err := checkDORA(rep); err != nil {
		return res, err
	}
	res.Duration = time.Since(t0)
	tot := r.traffic.overall()
	step(out, "The story went as expected in %s", res.Duration.Round(100*time.Millisecond))
	fmt.Fprintf(out, "  %d requests through the load balancer; %d answered 500 during the v2 canary, for %s from the first to the last, before the alarm rolled it back (its evaluation time: %s); %s is serving\n",
		tot.total, res.Pushes[1].Errors, res.Pushes[1].ErrorWindow.Round(100*time.Millisecond),
		time.Duration(float64(demoAlarmEvaluation)*o.timeScale).Round(100*time.Millisecond), res.Pushes[2].Serving)
	fmt.Fprintf(out, "\n  Explore (eval \"$(skiff env --data %s)\" first for the aws commands):\n", o.dataDir)
	for _, c := range []string{
		"curl " + r.appURL,
		"skiff pipeline show " + r.pipeline + " --data " + o.dataDir,
		"skiff deploy status " + res.Pushes[1].Deployment + " --data " + o.dataDir,
		"skiff build logs $(aws codebuild list-builds --query 'ids[0]' --output text) --data " + o.dataDir,
		"skiff dora --explain --data " + o.dataDir,
		"skiff stack drift demo --data " + o.dataDir,
		"aws codepipeline get-pipeline-state --name " + r.pipeline,
		"aws deploy list-deployments",
		"aws cloudwatch describe-alarm-history --alarm-name " + r.alarm,
	} {
		fmt.Fprintln(out, "    "+c)
	}
	if o.keep {
		fmt.Fprintf(out, "\nskiff keeps running at %s. Press Ctrl-C to stop.\n", srv.URL())
		r.traffic.stop()
		<-ctx.Done()
	}
	return res, nil
}

// checkPush compares a push's outcome with the story.
func checkPush(i int, p *pushResult) error {
	var want []string
	check := func(ok bool, format string, args ...any) {
		if !ok {
			want = append(want, fmt.Sprintf(format, args...))
		}
	}
	switch i {
	case 0, 2:
		check(p.ExecutionStatus == "Succeeded", "the pipeline execution to succeed, got %s (failed stage %q)", p.ExecutionStatus, p.FailedStage)
		check(p.DeploymentStatus == "Succeeded", "the deployment to succeed, got %q (%s)", p.DeploymentStatus, p.DeploymentError)
	case 1:
		check(p.ExecutionStatus == "Failed" && p.FailedStage == "DeployToProduction", "the execution to fail at DeployToProduction, got %s at %q", p.ExecutionStatus, p.FailedStage)
		check(p.DeploymentStatus == "Stopped" && strings.HasPrefix(p.DeploymentError, "ALARM_ACTIVE"), "the deployment to stop on the alarm, got %s (%s)", p.DeploymentStatus, p.DeploymentError)
		check(p.Rollback != "" && p.RollbackStatus == "Succeeded", "an automatic rollback that succeeds, got %q %s", p.Rollback, p.RollbackStatus)
		check(p.Errors > 0, "HTTP 500 answers while the canary served v2, saw none")
	}
	expect := map[int]string{0: "v1", 1: "v1", 2: "v3"}[i]
	check(p.Serving == expect, "%s to be serving afterwards, got %q", expect, p.Serving)
	if len(want) > 0 {
		return errors.New("expected " + strings.Join(want, "; "))
	}
	return nil
}

// checkDORA compares the metrics with the story: three production
// deployments attempted, two succeeded, one failed and was rolled back.
func checkDORA(r *dora.Report) error {
	g := r.Overall
	f := g.DeploymentFrequency
	var want []string
	if f.Attempted != 3 || f.Successful != 2 || f.Rollbacks != 1 {
		want = append(want, fmt.Sprintf("3 deployments attempted, 2 successful, 1 rollback; got %d, %d, %d", f.Attempted, f.Successful, f.Rollbacks))
	}
	if g.ChangeFailRate.Count != 1 || g.ChangeFailRate.Of != 3 {
		want = append(want, fmt.Sprintf("change fail rate 1/3, got %d/%d", g.ChangeFailRate.Count, g.ChangeFailRate.Of))
	}
	if g.RecoveryTime.Recovered != 1 {
		want = append(want, fmt.Sprintf("1 failure recovered, got %d", g.RecoveryTime.Recovered))
	}
	if g.LeadTime.Commits != 3 {
		want = append(want, fmt.Sprintf("lead time over the 3 commits, got %d", g.LeadTime.Commits))
	}
	if len(want) > 0 {
		return errors.New("DORA metrics: expected " + strings.Join(want, "; "))
	}
	return nil
}

// deployStack creates the demo stack and returns its outputs.
func (r *demoRun) deployStack(ctx context.Context, body string, port int) (map[string]string, error) {
	c := cfn.NewFromConfig(r.cfg)
	start := time.Now()
	id, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("demo"), TemplateBody: &body,
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam},
		Parameters:   []cfntypes.Parameter{{ParameterKey: aws.String("ListenerPort"), ParameterValue: aws.String(fmt.Sprint(port))}}})
	if err != nil {
		return nil, fmt.Errorf("create stack: %s", apiMessage(err))
	}
	var st cfntypes.Stack
	for {
		d, err := c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: id.StackId})
		if err != nil {
			return nil, errors.New(apiMessage(err))
		}
		st = d.Stacks[0]
		if !strings.HasSuffix(string(st.StackStatus), "_IN_PROGRESS") {
			break
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return nil, err
		}
	}
	if st.StackStatus != cfntypes.StackStatusCreateComplete {
		return nil, fmt.Errorf("stack demo: %s: %s", st.StackStatus, aws.ToString(st.StackStatusReason))
	}
	res, err := c.DescribeStackResources(ctx, &cfn.DescribeStackResourcesInput{StackName: id.StackId})
	if err != nil {
		return nil, errors.New(apiMessage(err))
	}
	byType := map[string]int{}
	for _, x := range res.StackResources {
		byType[strings.TrimPrefix(aws.ToString(x.ResourceType), "AWS::")]++
	}
	var types []string
	for t, n := range byType {
		if n > 1 {
			t = fmt.Sprintf("%s ×%d", t, n)
		}
		types = append(types, t)
	}
	sort.Strings(types)
	fmt.Fprintf(r.out, "  stack demo: %s, %d resources in %s\n", st.StackStatus, len(res.StackResources), time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(r.out, "  %s\n", wrapList(types, 100, "  "))
	outputs := map[string]string{}
	for _, o := range st.Outputs {
		outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return outputs, nil
}

func wrapList(items []string, width int, indent string) string {
	var b strings.Builder
	line := 0
	for i, it := range items {
		if i > 0 {
			if line+len(it)+2 > width {
				b.WriteString(",\n" + indent)
				line = 0
			} else {
				b.WriteString(", ")
				line += 2
			}
		}
		b.WriteString(it)
		line += len(it)
	}
	return b.String()
}

// setupGit makes the work tree the pushes come from, with static git
// credentials from IAM (as `skiff git-credentials` issues them) handed to
// git by a credential helper.
func (r *demoRun) setupGit(ctx context.Context, appDir, cloneURL string) error {
	user, password, err := issueGitCredentials(ctx, r.cfg, "demo-developer")
	if err != nil {
		return fmt.Errorf("git credentials: %w", err)
	}
	work, err := os.MkdirTemp("", "skiff-demo-app-")
	if err != nil {
		return err
	}
	r.work = work
	if err := os.CopyFS(work, os.DirFS(appDir)); err != nil {
		return err
	}
	r.gitEnv = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
		"SKIFF_DEMO_GIT_USER="+user, "SKIFF_DEMO_GIT_PASSWORD="+password)
	helper := `!f() { test "$1" = get && echo "username=$SKIFF_DEMO_GIT_USER" && echo "password=$SKIFF_DEMO_GIT_PASSWORD"; }; f`
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"config", "user.name", "Dana Developer"},
		{"config", "user.email", "dana@example.com"},
		{"config", "credential.helper", helper},
		{"remote", "add", "origin", cloneURL},
	} {
		if _, err := r.git(ctx, args...); err != nil {
			return err
		}
	}
	fmt.Fprintf(r.out, "  (git work tree %s; pushes authenticate with IAM user demo-developer's CodeCommit credentials)\n", work)
	return nil
}

func (r *demoRun) git(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir, cmd.Env = r.work, r.gitEnv
	b, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("git %s: %v: %s", args[0], err, strings.TrimSpace(string(b)))
	}
	return strings.TrimSpace(string(b)), nil
}

// push commits the files of from (the whole app when "") and pushes, then
// follows the pipeline execution the push starts to its end, narrating.
func (r *demoRun) push(ctx context.Context, from, message, expect string) (*pushResult, error) {
	if from != "" {
		if err := overwriteFrom(r.work, from); err != nil {
			return nil, err
		}
	}
	for _, args := range [][]string{{"add", "-A"}, {"commit", "-q", "-m", message}, {"push", "-q", "origin", "main"}} {
		if _, err := r.git(ctx, args...); err != nil {
			return nil, err
		}
	}
	commit, err := r.git(ctx, "rev-parse", "HEAD")
	if err != nil {
		return nil, err
	}
	p := &pushResult{Commit: commit, Message: message}
	start := time.Now()
	r.traffic.reset()
	r.logf("git push: %s %s", commit[:7], message)

	// The push starts an execution (an EventBridge-style trigger, no
	// polling).
	deadline := time.Now().Add(30 * time.Second)
	var started time.Time
	for p.Execution == "" {
		l, err := r.cp.ListPipelineExecutions(ctx, &codepipeline.ListPipelineExecutionsInput{PipelineName: &r.pipeline})
		if err != nil {
			return p, errors.New(apiMessage(err))
		}
		for _, x := range l.PipelineExecutionSummaries {
			for _, sr := range x.SourceRevisions {
				if aws.ToString(sr.RevisionId) == commit {
					p.Execution = aws.ToString(x.PipelineExecutionId)
					started = aws.ToTime(x.StartTime)
					trig := ""
					if x.Trigger != nil {
						trig = string(x.Trigger.TriggerType)
					}
					r.logf("pipeline %s: execution %s started (trigger %s)", r.pipeline, p.Execution[:8], trig)
				}
			}
		}
		if p.Execution == "" {
			if time.Now().After(deadline) {
				return p, errors.New("no pipeline execution started for the push within 30s")
			}
			if err := sleep(ctx, 50*time.Millisecond); err != nil {
				return p, err
			}
		}
	}

	seen := map[string]string{}
	var msgs int
	deployStatus := ""
	mix := &mixPrinter{}
	deadline = time.Now().Add(r.paced(5 * time.Minute))
	for {
		x, err := r.cp.GetPipelineExecution(ctx, &codepipeline.GetPipelineExecutionInput{PipelineName: &r.pipeline, PipelineExecutionId: &p.Execution})
		if err != nil {
			return p, errors.New(apiMessage(err))
		}
		status := string(x.PipelineExecution.Status)
		state, err := r.cp.GetPipelineState(ctx, &codepipeline.GetPipelineStateInput{Name: &r.pipeline})
		if err != nil {
			return p, errors.New(apiMessage(err))
		}
		for _, s := range state.StageStates {
			le := s.LatestExecution
			if le == nil || aws.ToString(le.PipelineExecutionId) != p.Execution {
				continue
			}
			for _, a := range s.ActionStates {
				// A stage this execution has entered still shows its
				// actions' runs from an earlier execution until they start.
				ae := a.LatestExecution
				if ae == nil || aws.ToTime(ae.LastStatusChange).Before(started) {
					continue
				}
				key := aws.ToString(s.StageName)
				st := string(ae.Status)
				if seen[key] != st {
					seen[key] = st
					line := fmt.Sprintf("stage %-18s %s", key, st)
					if id := aws.ToString(ae.ExternalExecutionId); id != "" && st == "InProgress" {
						line += "  " + id
					}
					if sum := aws.ToString(ae.Summary); sum != "" && st != "InProgress" {
						line += "  " + firstLineOf(sum)
					}
					if ae.ErrorDetails != nil && aws.ToString(ae.ErrorDetails.Message) != "" {
						line += "  " + aws.ToString(ae.ErrorDetails.Message)
					}
					r.logf("%s", line)
					if st == "Failed" {
						p.FailedStage = key
					}
				}
				if id := aws.ToString(ae.ExternalExecutionId); key == "DeployToProduction" && id != "" && id != p.Deployment {
					p.Deployment, msgs, deployStatus = id, 0, ""
					p.DeploymentStatus, p.DeploymentError, p.Rollback = "", "", ""
				}
			}
		}
		if p.Deployment != "" {
			d, err := r.cd.GetDeployment(ctx, &codedeploy.GetDeploymentInput{DeploymentId: &p.Deployment})
			if err == nil && d.DeploymentInfo != nil {
				di := d.DeploymentInfo
				for ; msgs < len(di.DeploymentStatusMessages); msgs++ {
					r.logf("deployment %s: %s", p.Deployment, di.DeploymentStatusMessages[msgs])
				}
				if s := string(di.Status); s != deployStatus {
					deployStatus = s
					r.logf("deployment %s: %s", p.Deployment, s)
				}
				p.DeploymentStatus = string(di.Status)
				if e := di.ErrorInformation; e != nil {
					p.DeploymentError = string(e.Code) + ": " + aws.ToString(e.Message)
				}
				if ri := di.RollbackInfo; ri != nil && aws.ToString(ri.RollbackDeploymentId) != "" {
					p.Rollback = aws.ToString(ri.RollbackDeploymentId)
				}
			}
		}
		r.watchAlarm(ctx)
		mix.update(r)
		if status != "InProgress" && status != "Stopping" {
			p.ExecutionStatus = status
			r.logf("pipeline %s: execution %s %s in %s", r.pipeline, p.Execution[:8], status, time.Since(start).Round(100*time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			return p, fmt.Errorf("the pipeline execution did not end within %s", r.paced(5*time.Minute))
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return p, err
		}
	}
	if p.Rollback != "" {
		if err := r.followRollback(ctx, p, mix); err != nil {
			return p, err
		}
	}
	// The served version settles once traffic has moved.
	p.Serving = r.waitServing(ctx, expect, r.paced(20*time.Second))
	mix.update(r)
	tot := r.traffic.total()
	p.Errors, p.Total = tot.by["HTTP 500"], tot.total
	if !tot.firstErr.IsZero() {
		p.ErrorWindow = tot.lastErr.Sub(tot.firstErr)
	}
	p.Elapsed = time.Since(start)
	r.logf("app answers %q · %d requests during this push: %s", r.answer(ctx), p.Total, tot)
	return p, nil
}

// followRollback waits for the rollback deployment CodeDeploy started.
func (r *demoRun) followRollback(ctx context.Context, p *pushResult, mix *mixPrinter) error {
	r.logf("deployment %s: rolled back automatically by %s", p.Deployment, p.Rollback)
	status := ""
	deadline := time.Now().Add(r.paced(3 * time.Minute))
	for {
		d, err := r.cd.GetDeployment(ctx, &codedeploy.GetDeploymentInput{DeploymentId: &p.Rollback})
		if err != nil {
			return errors.New(apiMessage(err))
		}
		if s := string(d.DeploymentInfo.Status); s != status {
			status = s
			r.logf("deployment %s (rollback): %s", p.Rollback, s)
		}
		r.watchAlarm(ctx)
		mix.update(r)
		switch status {
		case "Succeeded", "Failed", "Stopped":
			p.RollbackStatus = status
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the rollback deployment did not end within %s", r.paced(3*time.Minute))
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}

// watchAlarm narrates the alarm's state changes.
func (r *demoRun) watchAlarm(ctx context.Context) string {
	a, err := r.cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{r.alarm}})
	if err != nil || len(a.MetricAlarms) == 0 {
		return r.alarmState
	}
	m := a.MetricAlarms[0]
	if s := string(m.StateValue); s != r.alarmState {
		if r.alarmState != "" {
			r.logf("alarm %s: %s → %s (%s)", r.alarm, r.alarmState, s, firstLineOf(aws.ToString(m.StateReason)))
		}
		r.alarmState = s
	}
	return r.alarmState
}

func (r *demoRun) waitAlarm(ctx context.Context, want string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for r.watchAlarm(ctx) != want {
		if time.Now().After(deadline) {
			return fmt.Errorf("alarm %s did not return to %s within %s", r.alarm, want, limit)
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

var versionRE = regexp.MustCompile(`\(demoapp (v\d+)\)`)

// answer is the app's answer to one request through the load balancer.
func (r *demoRun) answer(ctx context.Context) string {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, r.appURL, nil)
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return resp.Status
	}
	return strings.TrimSpace(string(b))
}

// waitServing waits until every answer in a row of ten comes from version
// want, and returns the version answering (what it last saw when the wait
// ends first).
func (r *demoRun) waitServing(ctx context.Context, want string, limit time.Duration) string {
	deadline := time.Now().Add(limit)
	got := ""
	for {
		same := 0
		for same < 10 {
			m := versionRE.FindStringSubmatch(r.answer(ctx))
			got = ""
			if m != nil {
				got = m[1]
			}
			if got != want {
				break
			}
			same++
		}
		if same == 10 || time.Now().After(deadline) || ctx.Err() != nil {
			return got
		}
		sleep(ctx, 100*time.Millisecond)
	}
}

// dora reads the story's metrics from the DORA endpoint, as `skiff dora`
// does.
func (r *demoRun) dora(ctx context.Context, dataDir string) (*dora.Report, error) {
	a, err := newAdmin(dataDir, datadir.DefaultRegion)
	if err != nil {
		return nil, err
	}
	var rep dora.Report
	err = a.do(ctx, "GET", dora.Path, url.Values{"app": {"demoapp"}, "window": {"1d"}}, nil, &rep)
	return &rep, err
}

func (r *demoRun) logf(format string, args ...any) {
	fmt.Fprintf(r.out, "  [%5.1fs] %s\n", time.Since(r.t0).Seconds(), fmt.Sprintf(format, args...))
}

func firstLineOf(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}

// overwriteFrom copies the regular files of dir into dst, replacing files
// of the same name.
func overwriteFrom(dst, dir string) error {
	return filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
}

// exampleDir locates a directory under examples/ (see findExample).
func exampleDir(rel string) (string, error) {
	for _, d := range exampleRoots() {
		p := filepath.Join(d, "examples", rel)
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("examples/%s not found: run the demo from the skiff repository", rel)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// trafficGen sends steady traffic to the app and counts the answers.
type trafficGen struct {
	url    string
	rate   int
	mu     sync.Mutex
	recent []sample
	since  counts
	all    counts
	done   chan struct{}
	once   sync.Once
}

type sample struct {
	at  time.Time
	key string
}

type counts struct {
	total, errors5xx int
	by               map[string]int
	// firstErr and lastErr bound the 5XX answers: how long users saw
	// the bad release.
	firstErr, lastErr time.Time
}

// String is "230 × HTTP 503, 175 × v1".
func (c counts) String() string {
	var keys []string
	for k := range c.by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d × %s", c.by[k], k))
	}
	return strings.Join(parts, ", ")
}

func newTrafficGen(url string, rate int) *trafficGen {
	return &trafficGen{url: url, rate: rate, done: make(chan struct{})}
}

func (t *trafficGen) run(ctx context.Context) {
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	tick := time.NewTicker(time.Second / time.Duration(t.rate))
	defer tick.Stop()
	sem := make(chan struct{}, 8)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.done:
			return
		case <-tick.C:
		}
		select {
		case sem <- struct{}{}:
		default:
			continue // the app is slow: do not pile up
		}
		go func() {
			defer func() { <-sem }()
			key := "error"
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, t.url, nil)
			if resp, err := c.Do(req); err == nil {
				b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
				resp.Body.Close()
				if m := versionRE.FindSubmatch(b); resp.StatusCode == 200 && m != nil {
					key = string(m[1])
				} else {
					key = fmt.Sprintf("HTTP %d", resp.StatusCode)
				}
				t.record(key, resp.StatusCode >= 500)
				return
			}
			if ctx.Err() == nil {
				t.record(key, false)
			}
		}()
	}
}

func (t *trafficGen) record(key string, is5xx bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	t.recent = append(t.recent, sample{now, key})
	if len(t.recent) > 200 {
		t.recent = t.recent[len(t.recent)-200:]
	}
	t.since.total++
	t.all.total++
	if t.since.by == nil {
		t.since.by = map[string]int{}
	}
	t.since.by[key]++
	if is5xx {
		t.since.errors5xx++
		t.all.errors5xx++
		if t.since.firstErr.IsZero() {
			t.since.firstErr = now
		}
		t.since.lastErr = now
	}
}

// mix describes the answers of the last window ("100% v1", "82% v1 · 18%
// HTTP 500") and returns with it a signature: the answers that made up at
// least 5%, so a narrator prints only when the mix really changes.
func (t *trafficGen) mix(window time.Duration) (text string, shares map[string]int, total int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	cut := time.Now().Add(-window)
	n := map[string]int{}
	for _, s := range t.recent {
		if s.at.After(cut) {
			n[s.key]++
			total++
		}
	}
	if total < 5 {
		return "", nil, total
	}
	var keys []string
	for k := range n {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	shares = map[string]int{}
	for _, k := range keys {
		shares[k] = (n[k]*100 + total/2) / total
		parts = append(parts, fmt.Sprintf("%d%% %s", shares[k], k))
	}
	return strings.Join(parts, " · "), shares, total
}

// mixPrinter narrates the traffic mix when it changes: a new kind of
// answer (at 5% or more), one gone, or a share that moved by 10 points —
// and by more than sampling noise could (shifted) — and held for a moment.
type mixPrinter struct {
	printed map[string]int
	at      time.Time
}

// mixWindow is how much recent traffic a mix is judged on. At the demo's
// time scale traffic shifts within seconds and 2 s (40 answers) follows
// it; slower runs hold each canary step for minutes, so a longer window
// (up to the 200 answers the generator keeps) keeps sampling noise —
// several points either way on 40 answers — from reading as a shift.
func (r *demoRun) mixWindow() time.Duration {
	return min(max(time.Duration(float64(2*time.Second)*r.slow), 2*time.Second), 10*time.Second)
}

func (m *mixPrinter) update(r *demoRun) {
	win := r.mixWindow()
	text, shares, n := r.traffic.mix(win)
	if shares == nil {
		return
	}
	changed := false
	for k, v := range shares {
		if p, ok := m.printed[k]; (!ok && v >= 5) || (ok && shifted(p, v, n) && time.Since(m.at) > win*3/4) {
			changed = true
		}
	}
	for k := range m.printed {
		if shares[k] == 0 {
			changed = true
		}
	}
	if changed {
		m.printed, m.at = shares, time.Now()
		r.logf("traffic: %s", text)
	}
}

// shifted reports whether a share (in percent) that was printed as from
// and now reads to, over n answers, really moved: by 10 points at least,
// and by more than three standard errors of the difference of two such
// readings (about 12 points for a 20 % share of 200 answers, 27 of 40).
func shifted(from, to, n int) bool {
	p := float64(from) / 100
	noise := 3 * math.Sqrt(2*p*(1-p)/float64(n)) * 100
	return float64(abs(to-from)) >= max(10, noise)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func (t *trafficGen) reset() {
	t.mu.Lock()
	t.since = counts{}
	t.mu.Unlock()
}

// overall counts every answer since the start.
func (t *trafficGen) overall() counts {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.all
}

// total counts the answers since the last reset.
func (t *trafficGen) total() counts {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.since
	c.by = maps.Clone(c.by)
	return c
}

func (t *trafficGen) stop() { t.once.Do(func() { close(t.done) }) }
