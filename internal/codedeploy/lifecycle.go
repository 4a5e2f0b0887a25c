package codedeploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/codedeploy/appspec"
	"github.com/skiff-dev/skiff/internal/codedeploy/bundle"
	"github.com/skiff-dev/skiff/internal/runtime"
	"github.com/skiff-dev/skiff/internal/store"
)

// Lifecycle events, in the agent's order (DEFAULT_ORDERED_LIFECYCLE_EVENTS
// in aws-codedeploy-agent's deployer.rb), with CodeDeploy's own
// DownloadBundle, Install, BlockTraffic and AllowTraffic between them.
var (
	eventsBlock   = []string{"BeforeBlockTraffic", "BlockTraffic", "AfterBlockTraffic"}
	eventsInstall = []string{"ApplicationStop", "DownloadBundle", "BeforeInstall", "Install", "AfterInstall", "ApplicationStart", "ValidateService"}
	eventsAllow   = []string{"BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic"}
)

// Roles of an instance in a deployment.
const (
	roleInPlace     = ""
	roleGreen       = "Green" // replacement fleet of a blue/green deployment
	roleBlue        = "Blue"  // original fleet
	roleRollbackOld = "rollback-original"
	roleRollbackNew = "rollback-replacement"
)

// lifecycleFor returns the events an instance goes through, as in the
// "hook availability" table of the CodeDeploy user guide: in-place
// deployments run every event (the six traffic events only with a load
// balancer); a blue/green deployment runs ApplicationStop through
// ValidateService and the allow-traffic events on the replacement
// instances and the block-traffic events on the original ones; its
// rollback runs the allow-traffic events on the originals and the
// block-traffic events on the replacements.
func lifecycleFor(role string, withLB bool) []string {
	cat := func(ls ...[]string) []string {
		var out []string
		for _, l := range ls {
			out = append(out, l...)
		}
		return out
	}
	switch role {
	case roleGreen:
		return cat(eventsInstall, eventsAllow)
	case roleBlue, roleRollbackNew:
		return cat(eventsBlock)
	case roleRollbackOld:
		return cat(eventsAllow)
	}
	if withLB {
		return cat(eventsBlock, eventsInstall, eventsAllow)
	}
	return cat(eventsInstall)
}

// lastSuccessfulEvents run the scripts of the last successful revision
// on the instance (the agent's LAST_SUCCESSFUL_DEPLOYMENT mapping), unless
// the current revision has already been downloaded.
var lastSuccessfulEvents = map[string]bool{"ApplicationStop": true, "BeforeBlockTraffic": true, "AfterBlockTraffic": true}

// ignorableEvents are the events whose failure ignoreApplicationStopFailures
// lets the deployment carry on past.
var ignorableEvents = map[string]bool{"ApplicationStop": true, "BeforeBlockTraffic": true, "AfterBlockTraffic": true}

// failure is a deployment failure with a deployment error code.
type failure struct{ code, msg string }

func (f *failure) Error() string { return f.code + ": " + f.msg }

func fail(code, format string, args ...any) *failure {
	return &failure{code: code, msg: fmt.Sprintf(format, args...)}
}

const (
	msgHealthConstraints = "The overall deployment failed because too many individual instances failed deployment, too few healthy instances are available for deployment, or some instances in your deployment group are experiencing problems."
	msgNoInstances       = "The deployment failed because no instances were found for your deployment group. Check your deployment group settings to make sure the tags for your Amazon EC2 instances or Auto Scaling groups correctly identify the instances you want to deploy to, and then try again."
	msgAlarmActive       = "One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: "
)

// --- paths inside an instance (as the agent lays them out) ---

func deploymentRoot(inst *instanceRecord) string {
	return filepath.Join(inst.Root, "opt", "codedeploy-agent", "deployment-root")
}

func archiveDir(inst *instanceRecord, groupID, deploymentID string) string {
	return filepath.Join(deploymentRoot(inst), groupID, deploymentID, "deployment-archive")
}

func cleanupFile(inst *instanceRecord, groupID string) string {
	return filepath.Join(deploymentRoot(inst), "deployment-instructions", groupID+"-cleanup")
}

// --- revision staging ---

// stage fetches the deployment's revision once, unpacks it and parses
// its AppSpec file, before any instance is touched: a revision that is
// missing, not an archive, unsafe, or has an invalid AppSpec fails the
// deployment with REVISION_MISSING or INVALID_REVISION while every
// instance keeps serving the last good revision. It returns the directory
// holding appspec.yml.
func (e *Engine) stage(ctx context.Context, d *deploymentRecord) (string, *appspec.AppSpec, error) {
	base := filepath.Join(e.deps.WorkDir, "revisions", d.Info.DeploymentID)
	done := filepath.Join(base, "staged")
	if b, err := os.ReadFile(done); err == nil {
		root := string(b)
		spec, err := loadAppSpec(root)
		if err == nil {
			return root, spec, nil
		}
	}
	os.RemoveAll(base)
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", nil, err
	}
	s := d.Info.Revision.S3Location
	uri := "s3://" + s.Bucket + "/" + s.Key
	if e.deps.Objects == nil {
		return "", nil, fail("REVISION_MISSING", "The revision %s could not be downloaded: no S3 is available to this CodeDeploy engine.", uri)
	}
	rc, etag, err := e.deps.Objects.GetObject(ctx, s.Bucket, s.Key, s.Version)
	if err != nil {
		if ctx.Err() != nil {
			return "", nil, ctx.Err()
		}
		return "", nil, fail("REVISION_MISSING", "The revision %s could not be downloaded: %v", uri, err)
	}
	file := filepath.Join(base, "bundle")
	f, err := os.Create(file)
	if err != nil {
		rc.Close()
		return "", nil, err
	}
	_, err = io.Copy(f, rc)
	rc.Close()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", nil, fail("REVISION_MISSING", "The revision %s could not be downloaded: %v", uri, err)
	}
	if s.ETag != "" && etag != "" && strings.Trim(s.ETag, `"`) != strings.Trim(etag, `"`) {
		return "", nil, fail("INVALID_REVISION", "The revision %s has ETag %s, but the deployment asked for ETag %s.", uri, strings.Trim(etag, `"`), strings.Trim(s.ETag, `"`))
	}
	dir := filepath.Join(base, "archive")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	if err := bundle.Extract(file, s.BundleType, dir, bundle.Limits{}); err != nil {
		var ie *bundle.InvalidError
		if errors.As(err, &ie) {
			return "", nil, fail("INVALID_REVISION", "The revision %s is invalid: %s", uri, ie.Msg)
		}
		return "", nil, err
	}
	os.Remove(file)
	root, specFile, err := bundle.FindAppSpec(dir)
	if err != nil {
		return "", nil, fail("INVALID_REVISION", "The revision %s is invalid: %v", uri, err)
	}
	b, err := os.ReadFile(specFile)
	if err != nil {
		return "", nil, err
	}
	spec, err := appspec.Parse(b)
	if err != nil {
		return "", nil, fail("INVALID_REVISION", "The AppSpec file of revision %s is invalid: %v", uri, err)
	}
	if err := os.WriteFile(done, []byte(root), 0o644); err != nil {
		return "", nil, err
	}
	return root, spec, nil
}

func (e *Engine) unstage(id string) {
	os.RemoveAll(filepath.Join(e.deps.WorkDir, "revisions", id))
}

// --- hook scripts ---

// hookEnv is the environment the agent gives hook scripts.
func hookEnv(app, group, groupID, deploymentID, event string, rev *RevisionLocation) []string {
	env := []string{"APPLICATION_NAME=" + app, "DEPLOYMENT_ID=" + deploymentID, "DEPLOYMENT_GROUP_NAME=" + group,
		"DEPLOYMENT_GROUP_ID=" + groupID, "LIFECYCLE_EVENT=" + event}
	if rev != nil && rev.S3Location != nil {
		s := rev.S3Location
		env = append(env, "BUNDLE_BUCKET="+s.Bucket, "BUNDLE_KEY="+s.Key, "BUNDLE_VERSION="+s.Version, "BUNDLE_ETAG="+strings.Trim(s.ETag, `"`))
	}
	return env
}

// scriptResult is how one script ended.
type scriptResult struct {
	code, message, logTail string
}

// scriptLog keeps the last 2048 characters of an event's script output,
// "[stdout]"/"[stderr]" line by line, as the agent's ScriptLog does.
type scriptLog struct{ b strings.Builder }

func (l *scriptLog) add(prefix string, out []byte) {
	s := string(out)
	if s == "" {
		return
	}
	for _, line := range strings.SplitAfter(s, "\n") {
		if line == "" {
			continue
		}
		if !strings.HasSuffix(line, "\n") {
			line += "\n"
		}
		l.b.WriteString(prefix + line)
	}
}

func (l *scriptLog) tail() string {
	s := l.b.String()
	if len(s) > 2048 {
		s = s[len(s)-2048:]
	}
	return s
}

// runScript runs one hook script in an instance and classifies the result
// as the agent does: ScriptMissing, ScriptNotExecutable (after trying to
// make it executable), ScriptTimedOut, ScriptFailed, or Success. The
// error is for failures of skiff itself.
func (e *Engine) runScript(ctx context.Context, inst *instanceRecord, archive, event string, sc appspec.Script, env []string, deploymentID string) (*scriptResult, error) {
	return e.runScriptLog(ctx, inst, archive, event, sc, env, &scriptLog{})
}

func (e *Engine) runScriptLog(ctx context.Context, inst *instanceRecord, archive, event string, sc appspec.Script, env []string, log *scriptLog) (*scriptResult, error) {
	rel := path.Clean("/" + sc.Location)
	p := filepath.Join(archive, filepath.FromSlash(rel))
	st, err := os.Stat(p)
	if err != nil || st.IsDir() {
		return &scriptResult{code: "ScriptMissing", message: "Script does not exist at specified location: " + sc.Location, logTail: log.tail()}, nil
	}
	if st.Mode().Perm()&0o111 == 0 {
		// The agent makes it executable ("chmod +x") and goes on.
		if err := os.Chmod(p, st.Mode().Perm()|0o111); err != nil {
			return &scriptResult{code: "ScriptNotExecutable", message: "Unable to set script at specified location: " + sc.Location + " as executable", logTail: log.tail()}, nil
		}
	}
	timeout := e.hookTimeout(sc.Timeout)
	res, err := e.rt.Run(ctx, inst.RuntimeID, runtime.Command{Path: p, Env: env, Timeout: timeout, RunAs: sc.RunAs,
		Banner: "LifecycleEvent - " + event + "\nScript - " + sc.Location})
	switch {
	case errors.Is(err, runtime.ErrNotFound):
		return &scriptResult{code: "ScriptMissing", message: "Script does not exist at specified location: " + sc.Location, logTail: log.tail()}, nil
	case errors.Is(err, runtime.ErrNotExecutable):
		return &scriptResult{code: "ScriptNotExecutable", message: "Unable to set script at specified location: " + sc.Location + " as executable", logTail: log.tail()}, nil
	case res == nil && err != nil:
		return nil, err
	}
	log.add("[stdout]", res.Stdout)
	log.add("[stderr]", res.Stderr)
	out := &scriptResult{code: "Success", message: "Succeeded", logTail: log.tail()}
	switch {
	case err != nil:
		return nil, err
	case res.TimedOut:
		out.code = "ScriptTimedOut"
		out.message = fmt.Sprintf("Script at specified location: %s failed to complete in %d seconds", sc.Location, int64(sc.Timeout/time.Second))
	case res.ExitCode != 0:
		out.code = "ScriptFailed"
		if sc.RunAs != "" {
			out.message = fmt.Sprintf("Script at specified location: %s run as user %s failed with exit code %d", sc.Location, sc.RunAs, res.ExitCode)
		} else {
			out.message = fmt.Sprintf("Script at specified location: %s failed with exit code %d", sc.Location, res.ExitCode)
		}
	}
	return out, nil
}

// hookTimeout scales a script's timeout by the clock, but never below
// ten seconds (or the timeout itself when shorter): a time scale
// compresses waits, while scripts do real work that takes real time.
func (e *Engine) hookTimeout(t time.Duration) time.Duration {
	return max(e.clk.Scale(t), min(t, 10*time.Second))
}

// runHooks runs an event's scripts in order and returns the event's
// diagnostics; ok is false when a script failed.
func (e *Engine) runHooks(ctx context.Context, inst *instanceRecord, archive, event string, spec *appspec.AppSpec, env []string) (*Diagnostics, bool, error) {
	log := &scriptLog{}
	for _, sc := range spec.ScriptsFor(event) {
		res, err := e.runScriptLog(ctx, inst, archive, event, sc, env, log)
		if err != nil {
			return nil, false, err
		}
		if res.code != "Success" {
			return &Diagnostics{ErrorCode: res.code, ScriptName: sc.Location, Message: res.message, LogTail: res.logTail}, false, nil
		}
	}
	return &Diagnostics{ErrorCode: "Success", Message: "Succeeded", LogTail: log.tail()}, true, nil
}

// --- DownloadBundle and Install ---

func copyTree(src, dst string) error {
	return filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		switch {
		case info.IsDir():
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		case info.Mode()&os.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(l, target)
		default:
			in, err := os.Open(p)
			if err != nil {
				return err
			}
			defer in.Close()
			out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, info.Mode().Perm())
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, in); err != nil {
				out.Close()
				return err
			}
			return out.Close()
		}
	})
}

// download puts the staged revision into the instance's deployment root.
func download(stageDir string, inst *instanceRecord, groupID, deploymentID string) error {
	dst := archiveDir(inst, groupID, deploymentID)
	os.RemoveAll(dst)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	return copyTree(stageDir, dst)
}

// pruneArchives keeps an instance's archives of the current and the
// previous successful deployment of a group and removes older ones.
func pruneArchives(inst *instanceRecord, groupID string, keep ...string) {
	dir := filepath.Join(deploymentRoot(inst), groupID)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, en := range entries {
		if !contains(keep, en.Name()) {
			os.RemoveAll(filepath.Join(dir, en.Name()))
		}
	}
}

// --- traffic ---

// targetFor is how an instance is registered with a target group: as the
// ip target 127.0.0.1:PORT, or — in a target group of type instance, when
// the load balancer tells target types — by its name and port, which the
// load balancer resolves through ResolveInstance.
func (e *Engine) targetFor(ctx context.Context, tg string, inst *instanceRecord) (Target, error) {
	if tt, ok := e.deps.LoadBalancer.(TargetTypes); ok {
		typ, err := tt.TargetType(ctx, tg)
		if err != nil {
			return Target{}, fmt.Errorf("read the target type of %s: %w", tgName(tg), err)
		}
		if typ == "instance" {
			return Target{ID: inst.Info.InstanceName, Port: inst.Port}, nil
		}
	}
	return Target{ID: "127.0.0.1", Port: inst.Port}, nil
}

// allowWait bounds how long AllowTraffic waits for an instance to pass
// its health checks: five scaled minutes, but never less than 30 s of real
// time, which is what applications need to start whatever the scale.
func (e *Engine) allowWait() time.Duration { return max(e.clk.Scale(5*time.Minute), 30*time.Second) }

// block takes an instance out of target groups: deregister, then wait
// until draining has finished (the group's deregistration delay).
func (e *Engine) block(ctx context.Context, inst *instanceRecord, tgs []string) error {
	lb := e.deps.LoadBalancer
	targets := map[string][]Target{}
	for _, tg := range tgs {
		t, err := e.targetFor(ctx, tg, inst)
		if err != nil {
			return err
		}
		targets[tg] = []Target{t}
		// Only a registered target can be deregistered (ELB answers
		// InvalidTarget otherwise); one not registered is out already.
		hs, err := lb.TargetHealth(ctx, tg)
		if err != nil {
			return fmt.Errorf("read the targets of %s: %w", tgName(tg), err)
		}
		registered := false
		for _, h := range hs {
			if h.Target == t && h.State != "draining" {
				registered = true
			}
		}
		if !registered {
			continue
		}
		if err := lb.DeregisterTargets(ctx, tg, targets[tg]); err != nil {
			return fmt.Errorf("deregister from %s: %w", tgName(tg), err)
		}
	}
	wctx, cancel := context.WithTimeout(ctx, max(e.clk.Scale(time.Hour), time.Minute))
	defer cancel()
	for _, tg := range tgs {
		if err := lb.WaitDrained(wctx, tg, targets[tg]); err != nil {
			return fmt.Errorf("wait for draining from %s: %w", tgName(tg), err)
		}
	}
	return nil
}

// allow puts an instance into target groups and waits until it is healthy
// in each.
func (e *Engine) allow(ctx context.Context, inst *instanceRecord, tgs []string) error {
	lb := e.deps.LoadBalancer
	targets := map[string][]Target{}
	for _, tg := range tgs {
		t, err := e.targetFor(ctx, tg, inst)
		if err != nil {
			return err
		}
		targets[tg] = []Target{t}
		if err := lb.RegisterTargets(ctx, tg, targets[tg]); err != nil {
			return fmt.Errorf("register with %s: %w", tgName(tg), err)
		}
	}
	wait := e.allowWait()
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for _, tg := range tgs {
		if err := lb.WaitHealthy(wctx, tg, targets[tg]); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			reason := ""
			if hs, herr := lb.TargetHealth(ctx, tg); herr == nil {
				for _, h := range hs {
					if h.Target == targets[tg][0] {
						reason = fmt.Sprintf(" (state %s, reason %s)", h.State, h.Reason)
					}
				}
			}
			return fmt.Errorf("the instance did not pass the health checks of target group %s within %s%s", tgName(tg), wait.Round(time.Second), reason)
		}
	}
	return nil
}

// tgName shortens a target group ARN to its name for messages.
func tgName(arn string) string {
	if i := strings.Index(arn, ":targetgroup/"); i >= 0 {
		rest := arn[i+len(":targetgroup/"):]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			return rest[:j]
		}
		return rest
	}
	return arn
}

// resolveTGs turns target group names into ARNs.
func (e *Engine) resolveTGs(ctx context.Context, names []NameInfo) ([]string, error) {
	var out []string
	for _, n := range names {
		arn, err := e.deps.LoadBalancer.TargetGroupARN(ctx, n.Name)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fail("ELASTIC_LOAD_BALANCING_INVALID", "The target group %s could not be found: %v", n.Name, err)
		}
		out = append(out, arn)
	}
	return out, nil
}

// shiftSteps returns the green weights (percent) a traffic routing config
// goes through and the wait between steps: AllAtOnce [100]; a canary of p%
// every m minutes [p, 100]; linear p% every m minutes [p, 2p, …, 100].
func shiftSteps(t *TrafficRoutingConfig) ([]int, time.Duration) {
	switch {
	case t == nil || t.Type == AllAtOnceType:
		return []int{100}, 0
	case t.Type == TimeBasedCanaryType && t.TimeBasedCanary != nil:
		c := t.TimeBasedCanary
		return []int{c.CanaryPercentage, 100}, time.Duration(c.CanaryInterval) * time.Minute
	case t.Type == TimeBasedLinearType && t.TimeBasedLinear != nil:
		l := t.TimeBasedLinear
		var steps []int
		for w := l.LinearPercentage; w < 100; w += l.LinearPercentage {
			steps = append(steps, w)
		}
		return append(steps, 100), time.Duration(l.LinearInterval) * time.Minute
	}
	return []int{100}, 0
}

// --- instance bookkeeping ---

// recordDeployed notes the revision an instance now runs for a group.
func (e *Engine) recordDeployed(ctx context.Context, d *deploymentRecord, name string) error {
	sc := d.scope()
	var prev string
	var rec *instanceRecord
	err := e.st.Update(ctx, func(tx store.Tx) error {
		r, err := getJSON[instanceRecord](tx, bucketInstances, instanceKey(sc, name))
		if err != nil {
			return err
		}
		if r.Deployed == nil {
			r.Deployed = map[string]*deployedRevision{}
		}
		if old := r.Deployed[d.GroupID]; old != nil {
			prev = old.DeploymentID
		}
		r.Deployed[d.GroupID] = &deployedRevision{DeploymentID: d.Info.DeploymentID, GroupName: d.Info.DeploymentGroupName, AppName: d.Info.ApplicationName,
			ArchiveDir: archiveDir(r, d.GroupID, d.Info.DeploymentID), Revision: d.Info.Revision, Time: e.now()}
		rec = r
		return tx.Put(bucketInstances, instanceKey(sc, name), r)
	})
	if err == nil {
		pruneArchives(rec, d.GroupID, d.Info.DeploymentID, prev)
	}
	return err
}

// terminateInstance ends a skiff instance: its processes stop, its files
// go, and it is deregistered.
func (e *Engine) terminateInstance(ctx context.Context, d *deploymentRecord, name string) error {
	return e.DeregisterOnPremisesInstance(d.scopeCtx(ctx), name)
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
