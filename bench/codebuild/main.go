// Command codebuild measures skiff's CodeBuild orchestration against a
// running skiff (the AWS SDK for Go, signed with the keys of `skiff env`):
//
//   - overhead per build: StartBuild → SUCCEEDED for a NO_SOURCE project of
//     20 trivial commands across the four command phases, minus the time the
//     same 20 commands take on their own in one sh process;
//   - overhead per command: the slope between a 200-command and a
//     20-command build (same phases), minus the slope of the commands on
//     their own;
//   - log latency: commands print `TS <date +%s%N>`; the time each line is
//     seen by `skiff build logs -f`, by a GetLogEvents poller (10 ms), and the
//     line's ingestionTime in CloudWatch Logs, each minus the printed stamp;
//   - push → build start: a CodeCommit repository and a V2 pipeline
//     Source → Build; `git push` returning → the build's startTime (and the
//     start of its INSTALL phase, when commands begin).
//
// It writes one JSON object of results to -out (and a readable log to
// stderr). bench/codebuild/run.sh starts skiff, runs this, runs nektos/act
// on the same steps and prints the table.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	cbtypes "github.com/aws/aws-sdk-go-v2/service/codebuild/types"
	"github.com/aws/aws-sdk-go-v2/service/codecommit"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	cptypes "github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

type clients struct {
	cb   *codebuild.Client
	logs *cloudwatchlogs.Client
	cc   *codecommit.Client
	cp   *codepipeline.Client
	iam  *iam.Client
	s3   *s3.Client
}

var (
	ctx     = context.Background()
	roleARN string
)

func main() {
	out := flag.String("out", "", "write the results as JSON here (default stdout)")
	skiffBin := flag.String("skiff", "skiff", "the skiff binary (for `skiff build logs -f`)")
	dataDir := flag.String("data", "", "skiff's data directory (for `skiff build logs -f --data`)")
	runs20 := flag.Int("runs", 15, "builds of 20 commands")
	runs200 := flag.Int("runs200", 7, "builds of 200 commands")
	logBuilds := flag.Int("log-builds", 3, "builds of the log-latency test (20 lines each)")
	pushes := flag.Int("pushes", 10, "pushes of the push → build start test")
	work := flag.String("work", "", "scratch directory (git clone); default a temporary one")
	flag.Parse()
	ep := os.Getenv("AWS_ENDPOINT_URL")
	key, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if ep == "" || key == "" {
		fail(errors.New(`run eval "$(skiff env --data DIR)" first`))
	}
	if *work == "" {
		d, err := os.MkdirTemp("", "cbbench")
		check(err)
		defer os.RemoveAll(d)
		*work = d
	}
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
		BaseEndpoint: aws.String(ep),
		HTTPClient:   &http.Client{Timeout: time.Minute},
	}
	c := clients{
		cb: codebuild.NewFromConfig(cfg), logs: cloudwatchlogs.NewFromConfig(cfg),
		cc: codecommit.NewFromConfig(cfg), cp: codepipeline.NewFromConfig(cfg),
		iam: iam.NewFromConfig(cfg), s3: s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
	}
	res := map[string]any{}
	role, err := c.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bench-codebuild"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["codebuild.amazonaws.com","codepipeline.amazonaws.com"]},"Action":"sts:AssumeRole"}]}`)})
	check(err)
	roleARN = aws.ToString(role.Role.Arn)

	// The commands on their own: one sh process running them back to back
	// (what the build's persistent shell does), median of 21.
	spec20, script20 := buildspec(20)
	spec200, script200 := buildspec(200)
	own20, own200 := ownTime(script20), ownTime(script200)
	res["own20_ms"], res["own200_ms"] = ms(own20), ms(own200)
	logf("commands on their own: 20 in %.2f ms, 200 in %.2f ms", ms(own20), ms(own200))

	createProject(c, "c20", spec20)
	createProject(c, "c200", spec200)
	runBuild(c, "c20") // warm-up
	runBuild(c, "c200")
	var b20, b200 []buildTiming
	// Interleaved, so drift in the machine's load hits both alike.
	for i := 0; i < max(*runs20, *runs200); i++ {
		if i < *runs20 {
			b20 = append(b20, runBuild(c, "c20"))
		}
		if i < *runs200 {
			b200 = append(b200, runBuild(c, "c200"))
		}
	}
	summarizeBuilds(res, "b20", b20, own20)
	summarizeBuilds(res, "b200", b200, own200)
	w20, w200 := median(walls(b20)), median(walls(b200))
	perCmd := ((w200 - w20) - (own200 - own20)) / 180
	res["per_command_ms"] = ms(perCmd)
	logf("per command (slope 20 → 200): %.3f ms", ms(perCmd))

	logLatency(c, res, *skiffBin, *dataDir, *logBuilds)
	pushToBuild(c, res, *work, *pushes)

	b, _ := json.MarshalIndent(res, "", "  ")
	if *out == "" {
		fmt.Println(string(b))
	} else {
		check(os.WriteFile(*out, append(b, '\n'), 0o644))
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "codebuild bench: "+format+"\n", args...)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "codebuild bench:", err)
	os.Exit(1)
}

func check(err error) {
	if err != nil {
		fail(err)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// buildspec returns a 0.2 buildspec of n trivial commands spread evenly
// over install, pre_build, build and post_build (alternately `true` and
// `echo step N`, as in internal/codebuild's BenchmarkBuildOverhead), and
// the same commands as one sh script.
func buildspec(n int) (spec, script string) {
	var b, s strings.Builder
	b.WriteString("version: 0.2\nphases:\n")
	k := 0
	for _, ph := range []string{"install", "pre_build", "build", "post_build"} {
		b.WriteString("  " + ph + ":\n    commands:\n")
		for i := 0; i < n/4; i++ {
			k++
			cmd := "true"
			if i%2 == 1 {
				cmd = fmt.Sprintf("echo step %d", k)
			}
			b.WriteString("      - " + cmd + "\n")
			s.WriteString(cmd + "\n")
		}
	}
	return b.String(), s.String()
}

func ownTime(script string) time.Duration {
	var ds []time.Duration
	for range 21 {
		t0 := time.Now()
		cmd := exec.Command("/bin/sh", "-c", script)
		check(cmd.Run())
		ds = append(ds, time.Since(t0))
	}
	return median(ds)
}

func median(ds []time.Duration) time.Duration { return pct(ds, 0.5) }

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(p*float64(len(s)-1)+0.5)]
}

func createProject(c clients, name, spec string) {
	_, err := c.cb.CreateProject(ctx, &codebuild.CreateProjectInput{
		Name:      aws.String(name),
		Source:    &cbtypes.ProjectSource{Type: cbtypes.SourceTypeNoSource, Buildspec: aws.String(spec)},
		Artifacts: &cbtypes.ProjectArtifacts{Type: cbtypes.ArtifactsTypeNoArtifacts},
		Environment: &cbtypes.ProjectEnvironment{Type: cbtypes.EnvironmentTypeLinuxContainer,
			Image: aws.String("aws/codebuild/standard:7.0"), ComputeType: cbtypes.ComputeTypeBuildGeneral1Small},
		ServiceRole: aws.String(roleARN),
	})
	check(err)
}

// buildTiming is one build: the client's clock before StartBuild, when a
// poll first saw it complete, and the build's own record.
type buildTiming struct {
	t0, seen time.Time
	b        cbtypes.Build
}

// wall is StartBuild called → the build's endTime (COMPLETED, SUCCEEDED),
// at the millisecond resolution of the API's timestamps.
func (t buildTiming) wall() time.Duration { return aws.ToTime(t.b.EndTime).Sub(t.t0) }

func walls(ts []buildTiming) []time.Duration {
	var ds []time.Duration
	for _, t := range ts {
		ds = append(ds, t.wall())
	}
	return ds
}

func runBuild(c clients, project string) buildTiming {
	t0 := time.Now()
	sb, err := c.cb.StartBuild(ctx, &codebuild.StartBuildInput{ProjectName: aws.String(project)})
	check(err)
	b := waitBuild(c, aws.ToString(sb.Build.Id), 5*time.Millisecond)
	if b.BuildStatus != cbtypes.StatusTypeSucceeded {
		fail(fmt.Errorf("build %s of %s: %s", aws.ToString(b.Id), project, b.BuildStatus))
	}
	return buildTiming{t0: t0, seen: time.Now(), b: b}
}

func waitBuild(c clients, id string, every time.Duration) cbtypes.Build {
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		out, err := c.cb.BatchGetBuilds(ctx, &codebuild.BatchGetBuildsInput{Ids: []string{id}})
		check(err)
		if len(out.Builds) == 1 && out.Builds[0].BuildComplete {
			return out.Builds[0]
		}
		time.Sleep(every)
	}
	fail(fmt.Errorf("build %s did not complete in 5 minutes", id))
	panic("unreachable")
}

func phase(b cbtypes.Build, t cbtypes.BuildPhaseType) *cbtypes.BuildPhase {
	for i := range b.Phases {
		if b.Phases[i].PhaseType == t {
			return &b.Phases[i]
		}
	}
	return nil
}

// summarizeBuilds records median figures of builds: wall, overhead
// (wall − own), the client-observed wall (poll every 5 ms), and where the
// time goes by the build's phase timestamps.
func summarizeBuilds(res map[string]any, key string, ts []buildTiming, own time.Duration) {
	var wall, seen, api, before, cmds, after []time.Duration
	for _, t := range ts {
		b := t.b
		inst, post := phase(b, cbtypes.BuildPhaseTypeInstall), phase(b, cbtypes.BuildPhaseTypePostBuild)
		wall = append(wall, t.wall())
		seen = append(seen, t.seen.Sub(t.t0))
		api = append(api, aws.ToTime(b.StartTime).Sub(t.t0))
		before = append(before, aws.ToTime(inst.StartTime).Sub(aws.ToTime(b.StartTime)))
		cmds = append(cmds, aws.ToTime(post.EndTime).Sub(aws.ToTime(inst.StartTime)))
		after = append(after, aws.ToTime(b.EndTime).Sub(aws.ToTime(post.EndTime)))
	}
	m := map[string]any{
		"n":               len(ts),
		"wall_ms":         ms(median(wall)),
		"wall_p90_ms":     ms(pct(wall, 0.9)),
		"overhead_ms":     ms(median(wall) - own),
		"overhead_p90_ms": ms(pct(wall, 0.9) - own),
		"observed_ms":     ms(median(seen)),
		"startbuild_ms":   ms(median(api)),
		"to_install_ms":   ms(median(before)),
		"command_phases":  ms(median(cmds)),
		"after_post_ms":   ms(median(after)),
	}
	res[key] = m
	logf("%s: %d builds, wall median %.1f ms p90 %.1f ms (observed by polling %.1f ms); overhead %.1f ms; StartBuild %.1f, submit→INSTALL %.1f, INSTALL..POST_BUILD %.1f, →COMPLETED %.1f ms",
		key, len(ts), m["wall_ms"], m["wall_p90_ms"], m["observed_ms"], m["overhead_ms"], m["startbuild_ms"], m["to_install_ms"], m["command_phases"], m["after_post_ms"])
}

// logLatency runs builds whose commands print their own nanosecond
// timestamps and measures when three followers see each line.
func logLatency(c clients, res map[string]any, skiffBin, dataDir string, builds int) {
	var b strings.Builder
	b.WriteString("version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 1\n")
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&b, "      - echo \"TS %d $(date +%%s%%N)\"\n      - sleep 0.1\n", i)
	}
	createProject(c, "logs", b.String())
	var cli, poll, ingest []time.Duration
	for range builds {
		sb, err := c.cb.StartBuild(ctx, &codebuild.StartBuildInput{ProjectName: aws.String("logs")})
		check(err)
		id := aws.ToString(sb.Build.Id)
		var wg sync.WaitGroup
		var mu sync.Mutex
		wg.Add(2)
		go func() { // skiff build logs -f
			defer wg.Done()
			args := []string{"build", "logs", "-f", id}
			if dataDir != "" {
				args = append(args, "--data", dataDir)
			}
			cmd := exec.Command(skiffBin, args...)
			cmd.Stderr = os.Stderr
			stdout, err := cmd.StdoutPipe()
			check(err)
			check(cmd.Start())
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				now := time.Now()
				if ts, ok := stamp(sc.Text()); ok {
					mu.Lock()
					cli = append(cli, now.Sub(ts))
					mu.Unlock()
				}
			}
			check(cmd.Wait())
		}()
		go func() { // GetLogEvents every 10 ms
			defer wg.Done()
			build := waitFor(func() (cbtypes.Build, bool) {
				out, err := c.cb.BatchGetBuilds(ctx, &codebuild.BatchGetBuildsInput{Ids: []string{id}})
				check(err)
				b := out.Builds[0]
				return b, b.Logs != nil && b.Logs.StreamName != nil
			})
			group, stream := build.Logs.GroupName, build.Logs.StreamName
			var token *string
			seenLines := 0
			deadline := time.Now().Add(2 * time.Minute)
			for seenLines < 20 && time.Now().Before(deadline) {
				out, err := c.logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: group, LogStreamName: stream, StartFromHead: aws.Bool(true), NextToken: token})
				now := time.Now()
				if err == nil {
					for _, ev := range out.Events {
						if ts, ok := stamp(aws.ToString(ev.Message)); ok {
							seenLines++
							mu.Lock()
							poll = append(poll, now.Sub(ts))
							ingest = append(ingest, time.UnixMilli(aws.ToInt64(ev.IngestionTime)).Sub(ts))
							mu.Unlock()
						}
					}
					token = out.NextForwardToken
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
		wg.Wait()
		waitBuild(c, id, 20*time.Millisecond)
	}
	put := func(key string, ds []time.Duration) {
		res[key] = map[string]any{"n": len(ds), "p50_ms": ms(pct(ds, 0.5)), "p90_ms": ms(pct(ds, 0.9)), "max_ms": ms(pct(ds, 1))}
		logf("log latency %s: %d lines, p50 %.1f ms, p90 %.1f ms, max %.1f ms", key, len(ds), ms(pct(ds, 0.5)), ms(pct(ds, 0.9)), ms(pct(ds, 1)))
	}
	put("log_cli", cli)
	put("log_poll10ms", poll)
	put("log_ingest", ingest)
}

// stamp parses "TS <n> <unix nanoseconds>" anywhere in a line.
func stamp(line string) (time.Time, bool) {
	i := strings.Index(line, "TS ")
	if i < 0 || strings.Contains(line, "date +") {
		return time.Time{}, false
	}
	f := strings.Fields(line[i:])
	if len(f) < 3 {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, n), true
}

func waitFor[T any](f func() (T, bool)) T {
	deadline := time.Now().Add(time.Minute)
	for {
		v, ok := f()
		if ok {
			return v
		}
		if time.Now().After(deadline) {
			fail(errors.New("timed out waiting"))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// gitRun runs git in dir with a fixed identity and no prompts.
func gitRun(dir string, args ...string) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_AUTHOR_NAME=bench", "GIT_AUTHOR_EMAIL=bench@example.com",
		"GIT_COMMITTER_NAME=bench", "GIT_COMMITTER_EMAIL=bench@example.com", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		fail(fmt.Errorf("git %s: %v\n%s", strings.Join(args, " "), err, out))
	}
}

// gitRemote creates repository name and a local clone of it in dir/name
// with one commit on main pushed, and returns the clone's path.
func gitRemote(c clients, dir, name string) string {
	r, err := c.cc.CreateRepository(ctx, &codecommit.CreateRepositoryInput{RepositoryName: aws.String(name)})
	check(err)
	if _, err := c.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bench-git")}); err != nil && !strings.Contains(err.Error(), "EntityAlreadyExists") {
		check(err)
	}
	cred, err := c.iam.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: aws.String("bench-git"), ServiceName: aws.String("codecommit.amazonaws.com")})
	check(err)
	u, err := url.Parse(aws.ToString(r.RepositoryMetadata.CloneUrlHttp))
	check(err)
	u.User = url.UserPassword(aws.ToString(cred.ServiceSpecificCredential.ServiceUserName), aws.ToString(cred.ServiceSpecificCredential.ServicePassword))
	clone := filepath.Join(dir, name)
	check(os.MkdirAll(clone, 0o755))
	gitRun(clone, "init", "-q", "-b", "main")
	gitRun(clone, "remote", "add", "origin", u.String())
	check(os.WriteFile(filepath.Join(clone, "README"), []byte("bench\n"), 0o644))
	gitRun(clone, "add", ".")
	gitRun(clone, "commit", "-q", "-m", "initial")
	gitRun(clone, "push", "-q", "origin", "main")
	return clone
}

// pushToBuild measures git push returning → the pipeline's build started.
func pushToBuild(c clients, res map[string]any, work string, pushes int) {
	clone := gitRemote(c, work, "cbpush")
	_, err := c.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("cbbench-artifacts")})
	check(err)
	_, err = c.cb.CreateProject(ctx, &codebuild.CreateProjectInput{
		Name:      aws.String("pushbuild"),
		Source:    &cbtypes.ProjectSource{Type: cbtypes.SourceTypeCodepipeline, Buildspec: aws.String("version: 0.2\nphases:\n  build:\n    commands:\n      - true\n")},
		Artifacts: &cbtypes.ProjectArtifacts{Type: cbtypes.ArtifactsTypeCodepipeline},
		Environment: &cbtypes.ProjectEnvironment{Type: cbtypes.EnvironmentTypeLinuxContainer,
			Image: aws.String("aws/codebuild/standard:7.0"), ComputeType: cbtypes.ComputeTypeBuildGeneral1Small},
		ServiceRole: aws.String(roleARN),
	})
	check(err)
	_, err = c.cp.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{Pipeline: &cptypes.PipelineDeclaration{
		Name: aws.String("cbpush"), RoleArn: aws.String(roleARN), PipelineType: cptypes.PipelineTypeV2,
		ExecutionMode: cptypes.ExecutionModeQueued,
		ArtifactStore: &cptypes.ArtifactStore{Type: cptypes.ArtifactStoreTypeS3, Location: aws.String("cbbench-artifacts")},
		Stages: []cptypes.StageDeclaration{
			{Name: aws.String("Source"), Actions: []cptypes.ActionDeclaration{{
				Name:            aws.String("Source"),
				ActionTypeId:    &cptypes.ActionTypeId{Category: cptypes.ActionCategorySource, Owner: cptypes.ActionOwnerAws, Provider: aws.String("CodeCommit"), Version: aws.String("1")},
				Configuration:   map[string]string{"RepositoryName": "cbpush", "BranchName": "main", "PollForSourceChanges": "false"},
				OutputArtifacts: []cptypes.OutputArtifact{{Name: aws.String("Src")}},
			}}},
			{Name: aws.String("Build"), Actions: []cptypes.ActionDeclaration{{
				Name:           aws.String("Build"),
				ActionTypeId:   &cptypes.ActionTypeId{Category: cptypes.ActionCategoryBuild, Owner: cptypes.ActionOwnerAws, Provider: aws.String("CodeBuild"), Version: aws.String("1")},
				Configuration:  map[string]string{"ProjectName": "pushbuild"},
				InputArtifacts: []cptypes.InputArtifact{{Name: aws.String("Src")}},
			}}},
		},
	}})
	check(err)
	// Creating a pipeline starts an execution, as on AWS: let it finish.
	waitExecutions(c, "cbpush", 1)
	var toSource, toStart, toInstall []time.Duration
	for i := 1; i <= pushes; i++ {
		check(os.WriteFile(filepath.Join(clone, "n"), []byte(strconv.Itoa(i)), 0o644))
		gitRun(clone, "add", "-A")
		gitRun(clone, "commit", "-q", "-m", fmt.Sprint("change ", i))
		gitRun(clone, "push", "-q", "origin", "main")
		returned := time.Now()
		x := waitExecutions(c, "cbpush", i+1)
		acts, err := c.cp.ListActionExecutions(ctx, &codepipeline.ListActionExecutionsInput{PipelineName: aws.String("cbpush"),
			Filter: &cptypes.ActionExecutionFilter{PipelineExecutionId: x.PipelineExecutionId}})
		check(err)
		var buildID string
		for _, a := range acts.ActionExecutionDetails {
			if aws.ToString(a.StageName) == "Source" && a.Status == cptypes.ActionExecutionStatusSucceeded {
				// A succeeded action's last update is its completion.
				toSource = append(toSource, aws.ToTime(a.LastUpdateTime).Sub(returned))
			}
			if aws.ToString(a.StageName) == "Build" && a.Output != nil && a.Output.ExecutionResult != nil {
				buildID = aws.ToString(a.Output.ExecutionResult.ExternalExecutionId)
			}
		}
		if buildID == "" {
			fail(fmt.Errorf("execution %s has no build", aws.ToString(x.PipelineExecutionId)))
		}
		out, err := c.cb.BatchGetBuilds(ctx, &codebuild.BatchGetBuildsInput{Ids: []string{buildID}})
		check(err)
		b := out.Builds[0]
		toStart = append(toStart, aws.ToTime(b.StartTime).Sub(returned))
		toInstall = append(toInstall, aws.ToTime(phase(b, cbtypes.BuildPhaseTypeInstall).StartTime).Sub(returned))
	}
	res["push_to_source_complete"] = map[string]any{"n": len(toSource), "p50_ms": ms(median(toSource)), "p90_ms": ms(pct(toSource, 0.9)), "max_ms": ms(pct(toSource, 1))}
	res["push_to_build_start"] = map[string]any{"n": len(toStart), "p50_ms": ms(median(toStart)), "p90_ms": ms(pct(toStart, 0.9)), "max_ms": ms(pct(toStart, 1))}
	res["push_to_build_install"] = map[string]any{"n": len(toInstall), "p50_ms": ms(median(toInstall)), "p90_ms": ms(pct(toInstall, 0.9)), "max_ms": ms(pct(toInstall, 1))}
	logf("push → Source action complete: p50 %.1f ms p90 %.1f ms", ms(median(toSource)), ms(pct(toSource, 0.9)))
	logf("push → build startTime: p50 %.1f ms p90 %.1f ms; → INSTALL start p50 %.1f ms", ms(median(toStart)), ms(pct(toStart, 0.9)), ms(median(toInstall)))
}

// waitExecutions waits until the pipeline has n executions and the newest
// has succeeded, and returns it.
func waitExecutions(c clients, name string, n int) cptypes.PipelineExecutionSummary {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		out, err := c.cp.ListPipelineExecutions(ctx, &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String(name), MaxResults: aws.Int32(100)})
		check(err)
		if len(out.PipelineExecutionSummaries) >= n {
			x := out.PipelineExecutionSummaries[0]
			switch x.Status {
			case cptypes.PipelineExecutionStatusSucceeded:
				return x
			case cptypes.PipelineExecutionStatusFailed, cptypes.PipelineExecutionStatusStopped, cptypes.PipelineExecutionStatusSuperseded:
				fail(fmt.Errorf("pipeline %s execution %s: %s", name, aws.ToString(x.PipelineExecutionId), x.Status))
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	fail(fmt.Errorf("pipeline %s: no succeeded execution #%d in 2 minutes", name, n))
	panic("unreachable")
}
