package codebuild

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/codebuild/buildspec"
	"github.com/skiff-dev/skiff/internal/codebuild/runner"
)

// execution is one build being run. Only its goroutine writes the build
// record while it runs; StopBuild, the timeout and Close reach it by
// cancelling ctx with a cause.
type execution struct {
	e   *Engine
	rec *buildRecord
	key string
	// ctx carries the build's account and region and is cancelled on stop,
	// timeout and shutdown; bg carries the same scope but outlives that
	// cancellation, for teardown.
	ctx, bg context.Context

	sink      *logSink
	logCopy   *os.File // for S3 logs
	env       runner.Env
	dirs      runner.Dirs
	srcDir    string // CODEBUILD_SRC_DIR on the host
	buildSrc  string // CODEBUILD_SRC_DIR as the build sees it
	secondary map[string]*secondarySource
	spec      *buildspec.Spec
	vars      []string // environment new shells start with
	creds     [3]string
	failed    bool // a phase failed: CODEBUILD_BUILD_SUCCEEDING=0
	fault     bool
	phasesRun bool // a command phase ran, so exported variables apply
	stopKill  func() bool
}

// execute runs a queued build to completion.
func (e *Engine) execute(ctx context.Context, key string, cancel context.CancelCauseFunc) {
	rec, err := e.getBuild(context.WithoutCancel(ctx), key)
	if err != nil || rec.Build.BuildComplete {
		return
	}
	scope := awsctx.Scope{AccountID: rec.Account, Region: rec.Region, RequestID: "codebuild-" + buildUUID(rec.Build.ID)}
	x := &execution{
		e: e, rec: rec, key: key,
		ctx: awsctx.With(ctx, scope), bg: awsctx.With(context.WithoutCancel(ctx), scope),
		secondary: map[string]*secondarySource{},
	}
	if rec.Build.TimeoutInMinutes > 0 {
		t := time.AfterFunc(e.clk.Scale(time.Duration(rec.Build.TimeoutInMinutes)*time.Minute), func() { cancel(errTimedOut) })
		defer t.Stop()
	}
	x.run()
}

// now is the engine clock's time.
func (x *execution) now() time.Time { return x.e.clk.Now() }

// commit writes the record; a store failure is logged (the build goes on:
// the next transition writes the whole record again).
func (x *execution) commit() {
	if err := x.e.putBuild(x.rec); err != nil {
		x.e.log.Error("codebuild: record build", "build", x.rec.Build.ID, "err", err)
	}
}

// containerPhase reports whether the phase runs in the build container,
// whose agent logs "Phase complete" lines and gives contexts.
func containerPhase(t string) bool {
	switch t {
	case PhaseSubmitted, PhaseQueued, PhaseCompleted:
		return false
	}
	return true
}

// begin starts a phase (committing the end of the previous one with it).
func (x *execution) begin(t string) {
	x.rec.Build.Phases = append(x.rec.Build.Phases, BuildPhase{PhaseType: t, StartTime: x.now()})
	x.rec.Build.CurrentPhase = t
	x.commit()
}

// end closes the current phase; the commit comes with the next begin.
func (x *execution) end(status string, pc *PhaseContext) {
	b := &x.rec.Build
	t := b.CurrentPhase
	var contexts []PhaseContext
	if containerPhase(t) {
		c := PhaseContext{}
		if pc != nil {
			c = *pc
			c.Message = x.mask(c.Message)
		}
		contexts = []PhaseContext{c}
		if x.sink != nil && t != PhaseProvisioning && t != PhaseFinalizing {
			x.sink.container(fmt.Sprintf("Phase complete: %s State: %s", t, status))
			x.sink.container(fmt.Sprintf("Phase context status code: %s Message: %s", c.StatusCode, c.Message))
		}
	}
	endPhase(b, x.now(), status, contexts)
	switch status {
	case StatusFailed:
		x.failed = true
	case StatusFault:
		x.fault = true
	}
}

func (x *execution) mask(s string) string {
	if x.sink == nil {
		return s
	}
	return x.sink.mask.Load().apply(s)
}

// interrupted returns the status and context for a cancelled build.
func (x *execution) interrupted() (string, *PhaseContext) {
	switch context.Cause(x.ctx) {
	case errStopped:
		return StatusStopped, &PhaseContext{StatusCode: "BUILD_STOPPED", Message: "Build was stopped."}
	case errTimedOut:
		return StatusTimedOut, &PhaseContext{StatusCode: "BUILD_TIMED_OUT", Message: "Build has timed out. "}
	}
	return StatusFault, &PhaseContext{StatusCode: "BUILD_INTERRUPTED", Message: "skiff shut down while the build was running; its processes were ended"}
}

// run drives the phases (reference §1.4): a failure in PROVISIONING,
// DOWNLOAD_SOURCE, INSTALL or PRE_BUILD goes to FINALIZING; a BUILD
// failure still runs POST_BUILD (CODEBUILD_BUILD_SUCCEEDING=0) and
// UPLOAD_ARTIFACTS; a POST_BUILD failure still runs UPLOAD_ARTIFACTS.
// on-failure ABORT ends the build at once, CONTINUE goes on to the next
// phase. Stop, timeout and shutdown end the phase in progress and go to
// FINALIZING.
func (x *execution) run() {
	defer x.finish()
	x.end(StatusSucceeded, nil) // QUEUED
	x.begin(PhaseProvisioning)
	if st, pc := x.provision(); st != StatusSucceeded {
		x.end(st, pc)
		return
	}
	x.end(StatusSucceeded, nil)
	x.begin(PhaseDownloadSource)
	st, pc := x.downloadSource()
	if st == StatusSucceeded && x.ctx.Err() != nil {
		st, pc = x.interrupted()
	}
	x.end(st, pc)
	if st != StatusSucceeded {
		return
	}
	upload := true
phases:
	for _, name := range buildspec.PhaseNames {
		t := strings.ToUpper(name)
		x.begin(t)
		st, pc := x.commandPhase(name, t)
		x.end(st, pc)
		x.phasesRun = true
		if st == StatusSucceeded {
			continue
		}
		if st != StatusFailed {
			upload = false
			break
		}
		ph := x.spec.Phases.Get(name)
		if ph != nil && ph.OnFailure != nil {
			switch ph.OnFailure.Mode {
			case "ABORT":
				upload = false
				break phases
			case "CONTINUE":
				continue
			}
		}
		switch t {
		case PhaseInstall, PhasePreBuild:
			upload = false
			break phases
		}
	}
	x.collectExported()
	if upload && x.ctx.Err() == nil {
		x.begin(PhaseUploadArtifacts)
		st, pc := x.upload()
		if x.ctx.Err() != nil {
			st, pc = x.interrupted()
		}
		x.end(st, pc)
	}
}

// provision prepares logs, credentials and the runner environment.
func (x *execution) provision() (string, *PhaseContext) {
	b := &x.rec.Build
	uuid := buildUUID(b.ID)
	lc := x.rec.LogsConfig
	loc := &LogsLocation{}
	cw := lc.CloudWatchLogs
	if cw == nil {
		cw = &CloudWatchLogsConfig{Status: "ENABLED"}
	}
	var group, stream string
	if cw.Status == "ENABLED" {
		group = cw.GroupName
		if group == "" {
			group = "/aws/codebuild/" + b.ProjectName
		}
		stream = uuid
		if cw.StreamName != "" {
			stream = cw.StreamName + "/" + uuid
		}
		loc.GroupName, loc.StreamName = group, stream
		loc.DeepLink = fmt.Sprintf("https://console.aws.amazon.com/cloudwatch/home?region=%s#logEvent:group=%s;stream=%s", x.rec.Region, group, stream)
		loc.CloudWatchLogsArn = awsctx.ARN("logs", x.rec.Region, x.rec.Account, "log-group:"+group+":log-stream:"+stream)
	} else {
		loc.DeepLink = fmt.Sprintf("https://console.aws.amazon.com/cloudwatch/home?region=%s#logEvent:group=null;stream=null", x.rec.Region)
	}
	loc.CloudWatchLogs = cw
	loc.S3Logs = lc.S3Logs
	if loc.S3Logs == nil {
		loc.S3Logs = defaultLogsConfig().S3Logs
	}
	b.Logs = loc
	logs := x.e.deps.Logs
	if group != "" && logs != nil {
		if err := logs.EnsureGroup(x.bg, group); err != nil {
			x.e.log.Warn("codebuild: create log group", "group", group, "err", err)
		} else if err := logs.EnsureStream(x.bg, group, stream); err != nil {
			x.e.log.Warn("codebuild: create log stream", "group", group, "stream", stream, "err", err)
		}
	} else {
		logs, group = nil, ""
	}
	if loc.S3Logs.Status == "ENABLED" {
		if f, err := os.CreateTemp(x.e.deps.WorkDir, "log-*.txt"); err == nil {
			x.logCopy = f
		}
	}
	var copyTo io.Writer
	if x.logCopy != nil {
		copyTo = x.logCopy
	}
	warned := false
	x.sink = newLogSink(x.bg, logs, group, stream, copyTo, func(err error) {
		if !warned {
			warned = true
			x.e.log.Warn("codebuild: write build log", "build", b.ID, "err", err)
		}
	})
	x.sink.container("Running on CodeBuild On-demand")
	x.sink.container("Waiting for agent ping")

	if x.e.deps.Credentials != nil && b.ServiceRole != "" {
		ak, sk, tok, err := x.e.deps.Credentials.ForRole(x.ctx, b.ServiceRole)
		if err != nil {
			if x.ctx.Err() != nil {
				return x.interrupted()
			}
			return StatusFailed, &PhaseContext{StatusCode: "ACCESS_DENIED", Message: fmt.Sprintf("CodeBuild is not authorized to perform: sts:AssumeRole on %s: %v", b.ServiceRole, err)}
		}
		x.creds = [3]string{ak, sk, tok}
	}
	env, err := x.e.runner.Setup(x.ctx, runner.Spec{
		BuildID: b.ID, Marker: "CODEBUILD_BUILD_ARN=" + b.ARN,
		Image: b.Environment.Image, Privileged: b.Environment.PrivilegedMode,
		Output: func(line []byte) { x.sink.line(string(line)) }, MaxLine: logMaxLine,
	})
	if err != nil {
		if x.ctx.Err() != nil {
			return x.interrupted()
		}
		x.sink.container("Failed to set up the build environment: " + err.Error())
		if errors.Is(err, runner.ErrUnsupported) {
			return StatusFailed, clientError("%v", err)
		}
		return StatusFault, &PhaseContext{StatusCode: "BUILD_CONTAINER_UNABLE_TO_START", Message: err.Error()}
	}
	x.env = env
	x.dirs = env.Dirs()
	x.srcDir = filepath.Join(x.dirs.HostRoot, "src")
	x.buildSrc = filepath.Join(x.dirs.BuildRoot, "src")
	l := env.Leftover()
	x.rec.Leftover = &l
	// Stop, timeout and shutdown end the build's processes at once; the
	// phase in progress sees its command killed.
	x.stopKill = context.AfterFunc(x.ctx, func() { env.Kill() })
	x.sink.container("Waiting for DOWNLOAD_SOURCE")
	if x.ctx.Err() != nil {
		return x.interrupted()
	}
	return StatusSucceeded, nil
}

// downloadSource fetches sources, reads the buildspec, resolves variables
// and restores the cache.
func (x *execution) downloadSource() (string, *PhaseContext) {
	x.sink.container("Phase is DOWNLOAD_SOURCE")
	x.sink.container("CODEBUILD_SRC_DIR=" + x.buildSrc)
	if pc := x.fetchSources(); pc != nil {
		if x.ctx.Err() != nil {
			return x.interrupted()
		}
		return StatusFailed, pc
	}
	if x.ctx.Err() != nil {
		return x.interrupted()
	}
	spec, pc := x.loadBuildspec()
	if pc != nil {
		return StatusFailed, pc
	}
	x.spec = spec
	x.sink.container("Processing environment variables")
	user, pc := x.resolveUserVars(spec)
	if pc != nil {
		return StatusFailed, pc
	}
	var secrets []string
	for _, u := range user {
		if u.secret {
			secrets = append(secrets, u.value)
		}
	}
	x.sink.setMask(newMasker(secrets))
	x.vars = x.buildEnv(user)
	if spec.Phases.Install != nil {
		for _, rv := range spec.Phases.Install.RuntimeVersions {
			x.sink.container(fmt.Sprintf("Selecting '%s' runtime version '%s' based on manual selections...", rv.Name, rv.Value))
		}
		if len(spec.Phases.Install.RuntimeVersions) > 0 {
			x.sink.container("The host runner uses the tools installed on this machine; runtime-versions are recorded only")
		}
	}
	x.sink.container("Moving to directory " + x.buildSrc)
	x.restoreCache()
	x.sink.container(fmt.Sprintf("Phases found in YAML: %d", spec.Phases.Count()))
	for _, name := range buildspec.PhaseNames {
		if ph := spec.Phases.Get(name); ph != nil {
			x.sink.container(fmt.Sprintf(" %s: %d commands", strings.ToUpper(name), len(ph.Commands)))
		}
	}
	return StatusSucceeded, nil
}

// command builds a runner command from a buildspec command.
func (x *execution) command(script, user string) runner.Command {
	c := runner.Command{
		Script: script, Persistent: x.spec.Version != buildspec.Version01,
		Dir: x.buildSrc, Env: x.vars, SetEnv: x.succeedingEnv(), Shell: x.spec.Env.Shell, User: user,
	}
	if user == "root" && os.Getuid() != 0 {
		// CodeBuild's default user is root; on a host runner that is
		// skiff's own user.
		c.User = ""
	}
	return c
}

// commandPhase runs one buildspec phase, retrying it as on-failure says.
func (x *execution) commandPhase(name, t string) (string, *PhaseContext) {
	x.sink.container("Entering phase " + t)
	ph := x.spec.Phases.Get(name)
	if ph == nil {
		return StatusSucceeded, nil
	}
	of := ph.OnFailure
	var re *regexp.Regexp
	if of != nil && of.Mode == "RETRY" && of.Pattern != "" {
		re, _ = regexp.Compile(of.Pattern)
	}
	for attempt := 0; ; attempt++ {
		if re != nil {
			x.sink.startCapture()
		}
		st, pc := x.runCommands(ph)
		out := x.sink.takeCapture()
		if st != StatusFailed || of == nil || of.Mode != "RETRY" || attempt >= of.Retries || x.ctx.Err() != nil {
			return st, pc
		}
		if re != nil && !re.MatchString(out) {
			return st, pc
		}
		x.sink.container(fmt.Sprintf("Phase %s failed: %s; retrying (retry %d of %d)", t, pc.Message, attempt+1, of.Retries))
	}
}

// runCommands runs a phase's commands, then its finally block.
func (x *execution) runCommands(ph *buildspec.Phase) (string, *PhaseContext) {
	user := ph.RunAs
	if user == "" {
		user = x.spec.RunAs
	}
	status, pc := StatusSucceeded, (*PhaseContext)(nil)
	run := func(cmd string) (bool, string, *PhaseContext) {
		if x.ctx.Err() != nil {
			st, pc := x.interrupted()
			return false, st, pc
		}
		x.sink.container("Running command " + cmd)
		res, err := x.env.Run(x.ctx, x.command(cmd, user))
		if x.ctx.Err() != nil {
			st, pc := x.interrupted()
			return false, st, pc
		}
		if err != nil {
			if errors.Is(err, runner.ErrUnsupported) {
				return false, StatusFailed, clientError("%v", err)
			}
			return false, StatusFault, &PhaseContext{StatusCode: "BUILD_CONTAINER_UNABLE_TO_RUN", Message: err.Error()}
		}
		if res.ExitCode != 0 {
			reason := fmt.Sprintf("exit status %d", res.ExitCode)
			x.sink.container(fmt.Sprintf("Command did not exit successfully %s %s", cmd, reason))
			return false, StatusFailed, &PhaseContext{StatusCode: "COMMAND_EXECUTION_ERROR",
				Message: fmt.Sprintf("Error while executing command: %s. Reason: %s", cmd, reason)}
		}
		return true, "", nil
	}
	for _, c := range ph.Commands {
		ok, st, p := run(c)
		if !ok {
			status, pc = st, p
			break
		}
	}
	if status == StatusSucceeded || status == StatusFailed {
		// finally runs even when a command failed; the phase succeeds
		// only if both blocks do.
		for _, c := range ph.Finally {
			ok, st, p := run(c)
			if !ok {
				if status == StatusSucceeded || st != StatusFailed {
					status, pc = st, p
				}
				break
			}
		}
	}
	return status, pc
}

// collectExported freezes the exported variables: their values at the end
// of the last command phase that ran.
func (x *execution) collectExported() {
	if x.spec == nil || len(x.spec.Env.ExportedVariables) == 0 || !x.phasesRun || x.env == nil || x.ctx.Err() != nil {
		return
	}
	var names []string
	blocked := map[string]bool{}
	for _, n := range x.rec.ProjectSecretNames {
		blocked[n] = true
	}
	for _, n := range x.spec.Env.ExportedVariables {
		if blocked[n] {
			x.sink.container(fmt.Sprintf("Not exporting %s: project-level Parameter Store and Secrets Manager variables cannot be exported", n))
			continue
		}
		names = append(names, n)
	}
	c := x.command("", "")
	vals, err := x.env.Vars(x.ctx, names, c)
	if err != nil {
		x.sink.container("Unable to read exported variables: " + err.Error())
		return
	}
	out := []ExportedEnvironmentVariable{}
	for _, n := range names {
		out = append(out, ExportedEnvironmentVariable{Name: n, Value: x.mask(vals[n])})
	}
	x.rec.Build.ExportedEnvironmentVariables = out
}

// finish runs FINALIZING and COMPLETED: the environment is destroyed on a
// context that outlives the build's cancellation, the log is flushed (and
// uploaded to S3 when configured), and the final status recorded.
func (x *execution) finish() {
	b := &x.rec.Build
	x.begin(PhaseFinalizing)
	if x.stopKill != nil {
		x.stopKill()
	}
	if x.env != nil {
		if err := x.env.Destroy(x.bg); err != nil {
			x.e.log.Warn("codebuild: destroy build environment", "build", b.ID, "err", err)
		}
	}
	if x.sink != nil {
		x.sink.close()
	}
	if x.logCopy != nil {
		x.uploadS3Logs()
	}
	x.end(StatusSucceeded, nil)
	now := x.now()
	b.Phases = append(b.Phases, BuildPhase{PhaseType: PhaseCompleted, StartTime: now})
	b.CurrentPhase = PhaseCompleted
	b.EndTime = now
	b.BuildComplete = true
	b.BuildStatus = x.finalStatus()
	x.rec.Leftover = nil
	x.commit()
	x.e.notifyComplete(x.key, b)
	if x.rec.Batch != nil {
		x.e.batchBuildDone(x.rec.Batch.BatchKey)
	}
}

// finalStatus is the build status from its phases.
func (x *execution) finalStatus() string {
	status := StatusSucceeded
	for _, p := range x.rec.Build.Phases {
		switch p.PhaseStatus {
		case StatusStopped, StatusTimedOut, StatusFault:
			return p.PhaseStatus
		case StatusFailed:
			status = StatusFailed
		}
	}
	return status
}
