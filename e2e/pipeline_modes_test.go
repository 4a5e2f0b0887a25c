package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	cbtypes "github.com/aws/aws-sdk-go-v2/service/codebuild/types"
	"github.com/aws/aws-sdk-go-v2/service/codecommit"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	cptypes "github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// This file holds the pipeline helpers the pipeline e2e tests share: real
// git pushes to skiff's CodeCommit, a CodeBuild project whose build is a
// shell command, and a V2 pipeline Source → Build.

// pipelineEnv is what every pipeline of a test needs: an artifact bucket
// and the roles.
type pipelineEnv struct {
	t                 *testing.T
	p                 *proc
	bucket            string
	buildRole, cpRole string
}

const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"%s.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func newPipelineEnv(t *testing.T, p *proc) *pipelineEnv {
	t.Helper()
	requireTool(t, haveTool("git"), "git")
	cfg := p.config()
	env := &pipelineEnv{t: t, p: p, bucket: "artifacts"}
	if _, err := s3.NewFromConfig(cfg).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(env.bucket)}); err != nil {
		t.Fatal(err)
	}
	ic := iam.NewFromConfig(cfg)
	for _, r := range []struct {
		name, service string
		arn           *string
	}{{"builder", "codebuild", &env.buildRole}, {"pipeline", "codepipeline", &env.cpRole}} {
		out, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(r.name),
			AssumeRolePolicyDocument: aws.String(fmt.Sprintf(trust, r.service))})
		if err != nil {
			t.Fatal(err)
		}
		*r.arn = aws.ToString(out.Role.Arn)
	}
	return env
}

func haveTool(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// buildProject creates a CodeBuild project for pipelines (CODEPIPELINE
// source and artifacts) whose build runs commands on this machine.
func (env *pipelineEnv) buildProject(name string, commands ...string) {
	env.t.Helper()
	spec := "version: 0.2\nphases:\n  build:\n    commands:\n"
	for _, c := range commands {
		spec += "      - " + c + "\n"
	}
	_, err := codebuild.NewFromConfig(env.p.config()).CreateProject(ctx, &codebuild.CreateProjectInput{
		Name:      aws.String(name),
		Source:    &cbtypes.ProjectSource{Type: cbtypes.SourceTypeCodepipeline, Buildspec: aws.String(spec)},
		Artifacts: &cbtypes.ProjectArtifacts{Type: cbtypes.ArtifactsTypeCodepipeline},
		Environment: &cbtypes.ProjectEnvironment{Type: cbtypes.EnvironmentTypeLinuxContainer,
			Image: aws.String("aws/codebuild/standard:7.0"), ComputeType: cbtypes.ComputeTypeBuildGeneral1Small},
		ServiceRole: aws.String(env.buildRole),
	})
	if err != nil {
		env.t.Fatal(err)
	}
}

// buildPipeline creates the repository repo and a V2 pipeline of the same
// name in mode: Source (CodeCommit, main) → Build (project), and waits for
// the execution CreatePipeline starts to fail on the empty repository.
func (env *pipelineEnv) buildPipeline(repo, project string, mode cptypes.ExecutionMode) *codepipeline.Client {
	t := env.t
	t.Helper()
	cfg := env.p.config()
	if _, err := codecommit.NewFromConfig(cfg).CreateRepository(ctx, &codecommit.CreateRepositoryInput{RepositoryName: aws.String(repo)}); err != nil {
		t.Fatal(err)
	}
	cp := codepipeline.NewFromConfig(cfg)
	_, err := cp.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{Pipeline: &cptypes.PipelineDeclaration{
		Name: aws.String(repo), RoleArn: aws.String(env.cpRole), PipelineType: cptypes.PipelineTypeV2, ExecutionMode: mode,
		ArtifactStore: &cptypes.ArtifactStore{Type: cptypes.ArtifactStoreTypeS3, Location: aws.String(env.bucket)},
		Stages: []cptypes.StageDeclaration{
			{Name: aws.String("Source"), Actions: []cptypes.ActionDeclaration{{
				Name:            aws.String("Source"),
				ActionTypeId:    &cptypes.ActionTypeId{Category: cptypes.ActionCategorySource, Owner: cptypes.ActionOwnerAws, Provider: aws.String("CodeCommit"), Version: aws.String("1")},
				Configuration:   map[string]string{"RepositoryName": repo, "BranchName": "main", "PollForSourceChanges": "false"},
				OutputArtifacts: []cptypes.OutputArtifact{{Name: aws.String("SourceOutput")}},
			}}},
			{Name: aws.String("Build"), Actions: []cptypes.ActionDeclaration{{
				Name:           aws.String("Build"),
				ActionTypeId:   &cptypes.ActionTypeId{Category: cptypes.ActionCategoryBuild, Owner: cptypes.ActionOwnerAws, Provider: aws.String("CodeBuild"), Version: aws.String("1")},
				Configuration:  map[string]string{"ProjectName": project},
				InputArtifacts: []cptypes.InputArtifact{{Name: aws.String("SourceOutput")}},
			}}},
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the CreatePipeline execution to fail on the empty repository", 20*time.Second, func() (bool, error) {
		xs, err := executions(cp, repo)
		return len(xs) == 1 && xs[0].Status == cptypes.PipelineExecutionStatusFailed, err
	})
	return cp
}

// executions lists a pipeline's executions, newest first.
func executions(cp *codepipeline.Client, name string) ([]cptypes.PipelineExecutionSummary, error) {
	out, err := cp.ListPipelineExecutions(ctx, &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String(name)})
	if err != nil {
		return nil, err
	}
	return out.PipelineExecutionSummaries, nil
}

// executionOf waits for the execution that a push of commit started.
func executionOf(t *testing.T, cp *codepipeline.Client, name, commit string) string {
	t.Helper()
	var id string
	waitFor(t, "the execution of commit "+commit[:7], 20*time.Second, func() (bool, error) {
		xs, err := executions(cp, name)
		for _, x := range xs {
			for _, r := range x.SourceRevisions {
				if aws.ToString(r.RevisionId) == commit {
					id = aws.ToString(x.PipelineExecutionId)
				}
			}
		}
		return id != "", err
	})
	return id
}

func execution(cp *codepipeline.Client, name, id string) (*cptypes.PipelineExecution, error) {
	out, err := cp.GetPipelineExecution(ctx, &codepipeline.GetPipelineExecutionInput{PipelineName: aws.String(name), PipelineExecutionId: aws.String(id)})
	if err != nil {
		return nil, err
	}
	return out.PipelineExecution, nil
}

// waitEnded waits for an execution to leave InProgress (and Stopping) and
// returns it.
func waitEnded(t *testing.T, cp *codepipeline.Client, name, id string, limit time.Duration) *cptypes.PipelineExecution {
	t.Helper()
	var x *cptypes.PipelineExecution
	waitFor(t, "execution "+id+" to end", limit, func() (bool, error) {
		var err error
		x, err = execution(cp, name, id)
		return err == nil && x.Status != cptypes.PipelineExecutionStatusInProgress && x.Status != cptypes.PipelineExecutionStatusStopping, err
	})
	return x
}

// stageState returns a stage of the pipeline's state.
func stageState(cp *codepipeline.Client, name, stage string) (*cptypes.StageState, error) {
	st, err := cp.GetPipelineState(ctx, &codepipeline.GetPipelineStateInput{Name: aws.String(name)})
	if err != nil {
		return nil, err
	}
	for i := range st.StageStates {
		if aws.ToString(st.StageStates[i].StageName) == stage {
			return &st.StageStates[i], nil
		}
	}
	return nil, fmt.Errorf("no stage %s", stage)
}

// actionRuns returns an execution's action executions by stage.
func actionRuns(cp *codepipeline.Client, name, id string) (map[string]cptypes.ActionExecutionDetail, error) {
	out, err := cp.ListActionExecutions(ctx, &codepipeline.ListActionExecutionsInput{PipelineName: aws.String(name),
		Filter: &cptypes.ActionExecutionFilter{PipelineExecutionId: aws.String(id)}})
	if err != nil {
		return nil, err
	}
	m := map[string]cptypes.ActionExecutionDetail{}
	for _, d := range out.ActionExecutionDetails {
		m[aws.ToString(d.StageName)] = d
	}
	return m, nil
}

// gitRepo is a work tree that pushes to a skiff CodeCommit repository
// with static credentials from `skiff git-credentials`.
type gitRepo struct {
	t   *testing.T
	dir string
	env []string
}

func newGitRepo(t *testing.T, p *proc, repo string) *gitRepo {
	t.Helper()
	out, err := exec.Command(skiffBin, "git-credentials", "--data", p.data, "--user", "dev-"+repo).CombinedOutput()
	if err != nil {
		t.Fatalf("skiff git-credentials: %v\n%s", err, out)
	}
	var user, pass string
	for sc := bufio.NewScanner(bytes.NewReader(out)); sc.Scan(); {
		if v, ok := strings.CutPrefix(sc.Text(), "username: "); ok {
			user = v
		}
		if v, ok := strings.CutPrefix(sc.Text(), "password: "); ok {
			pass = v
		}
	}
	u, err := url.Parse(p.url + "/v1/repos/" + repo)
	if err != nil || user == "" || pass == "" {
		t.Fatalf("credentials %q: %v", out, err)
	}
	u.User = url.UserPassword(user, pass)
	g := &gitRepo{t: t, dir: t.TempDir()}
	g.env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull, "HOME="+g.dir,
		"GIT_AUTHOR_NAME=Dev", "GIT_AUTHOR_EMAIL=dev@example.com", "GIT_COMMITTER_NAME=Dev", "GIT_COMMITTER_EMAIL=dev@example.com")
	g.git("init", "-q", "-b", "main")
	g.git("remote", "add", "origin", u.String())
	return g
}

// moveTo points the remote at p, a restarted skiff on a new port.
func (g *gitRepo) moveTo(p *proc) {
	g.t.Helper()
	u, err := url.Parse(g.git("remote", "get-url", "origin"))
	if err != nil {
		g.t.Fatal(err)
	}
	nu, err := url.Parse(p.url)
	if err != nil {
		g.t.Fatal(err)
	}
	u.Host = nu.Host
	g.git("remote", "set-url", "origin", u.String())
}

func (g *gitRepo) git(args ...string) string {
	g.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = g.dir, g.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		g.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// push commits a file and pushes main; it returns the commit id.
func (g *gitRepo) push(file, content, message string) string {
	g.t.Helper()
	if err := os.WriteFile(filepath.Join(g.dir, file), []byte(content), 0o644); err != nil {
		g.t.Fatal(err)
	}
	g.git("add", file)
	g.git("commit", "-q", "-m", message)
	g.git("push", "-q", "origin", "main")
	return g.git("rev-parse", "HEAD")
}

// TestPipelineSupersededVsQueued pushes A, waits until its build runs, then
// pushes B and C in quick succession, against the real engines (git push
// to CodeCommit, CodeBuild running a shell loop), once per execution mode.
// A's build waits for a gate file the test writes once B and C are where
// the mode puts them (a fixed sleep could end first on a loaded machine).
//
// SUPERSEDED (AWS: "a more recent execution can overtake an older one"): B
// finishes Source and waits at Build's boundary while A builds; C arrives
// at the same boundary and takes B's place, so B ends Superseded without
// ever entering Build, and A and C succeed. QUEUED: B and C wait in line at
// Build's boundary and all three succeed, each entering Build after the
// previous one left it.
func TestPipelineSupersededVsQueued(t *testing.T) {
	p := start(t, t.TempDir())
	env := newPipelineEnv(t, p)
	// Builds wait for the gate file named after their pipeline.
	gates := t.TempDir()
	env.buildProject("sleeper", `while [ ! -f "`+gates+`/${CODEBUILD_INITIATOR#codepipeline/}" ]; do sleep 0.05; done`)
	for _, mode := range []cptypes.ExecutionMode{cptypes.ExecutionModeSuperseded, cptypes.ExecutionModeQueued} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			env := *env
			env.t = t
			name := strings.ToLower(string(mode))
			cp := env.buildPipeline(name, "sleeper", mode)
			g := newGitRepo(t, p, name)

			a := executionOf(t, cp, name, g.push("f", "A", "A"))
			waitFor(t, "A building", 20*time.Second, func() (bool, error) {
				runs, err := actionRuns(cp, name, a)
				return runs["Build"].Status == cptypes.ActionExecutionStatusInProgress, err
			})
			cB := g.push("f", "B", "B")
			cC := g.push("f", "C", "C")
			b, c := executionOf(t, cp, name, cB), executionOf(t, cp, name, cC)

			if mode == cptypes.ExecutionModeQueued {
				// Both wait at Build's boundary, B first, while A builds.
				waitFor(t, "B and C queued at Build", 10*time.Second, func() (bool, error) {
					st, err := stageState(cp, name, "Build")
					if err != nil || len(st.InboundExecutions) != 2 {
						return false, err
					}
					return aws.ToString(st.InboundExecutions[0].PipelineExecutionId) == b &&
						aws.ToString(st.InboundExecutions[1].PipelineExecutionId) == c, nil
				})
				if runs, _ := actionRuns(cp, name, a); runs["Build"].Status != cptypes.ActionExecutionStatusInProgress {
					t.Fatalf("A's build ended (%s) before B and C were seen queued", runs["Build"].Status)
				}
			} else {
				// C takes B's place at Build's boundary while A builds.
				waitEnded(t, cp, name, b, 30*time.Second)
				if runs, _ := actionRuns(cp, name, a); runs["Build"].Status != cptypes.ActionExecutionStatusInProgress {
					t.Fatalf("A's build ended (%s) before B ended", runs["Build"].Status)
				}
			}
			if err := os.WriteFile(filepath.Join(gates, name), nil, 0o644); err != nil {
				t.Fatal(err)
			}

			xa := waitEnded(t, cp, name, a, 30*time.Second)
			xb := waitEnded(t, cp, name, b, 30*time.Second)
			xc := waitEnded(t, cp, name, c, 30*time.Second)
			if xa.Status != cptypes.PipelineExecutionStatusSucceeded || xc.Status != cptypes.PipelineExecutionStatusSucceeded {
				t.Fatalf("A %s (%s), C %s (%s); want both Succeeded", xa.Status, aws.ToString(xa.StatusSummary), xc.Status, aws.ToString(xc.StatusSummary))
			}
			runsB, err := actionRuns(cp, name, b)
			if err != nil {
				t.Fatal(err)
			}
			switch mode {
			case cptypes.ExecutionModeSuperseded:
				if xb.Status != cptypes.PipelineExecutionStatusSuperseded {
					t.Fatalf("B %s (%s), want Superseded", xb.Status, aws.ToString(xb.StatusSummary))
				}
				if want := "Superseded by pipeline execution " + c; aws.ToString(xb.StatusSummary) != want {
					t.Errorf("B's summary %q, want %q", aws.ToString(xb.StatusSummary), want)
				}
				// At the stage boundary: its source ran, its build never did.
				if runsB["Source"].Status != cptypes.ActionExecutionStatusSucceeded {
					t.Errorf("B's Source action %s, want Succeeded", runsB["Source"].Status)
				}
				if _, ok := runsB["Build"]; ok {
					t.Errorf("B's Build action ran (%s); a superseded execution never enters the stage", runsB["Build"].Status)
				}
				xs, _ := executions(cp, name)
				if len(xs) != 4 || xs[0].Status != cptypes.PipelineExecutionStatusSucceeded || xs[1].Status != cptypes.PipelineExecutionStatusSuperseded {
					t.Errorf("executions %v", summaries(xs))
				}
			case cptypes.ExecutionModeQueued:
				if xb.Status != cptypes.PipelineExecutionStatusSucceeded {
					t.Fatalf("B %s (%s), want Succeeded", xb.Status, aws.ToString(xb.StatusSummary))
				}
				// In order: each build started after the previous ended.
				var prevEnd time.Time
				for i, id := range []string{a, b, c} {
					runs, err := actionRuns(cp, name, id)
					if err != nil {
						t.Fatal(err)
					}
					bd := runs["Build"]
					if bd.Status != cptypes.ActionExecutionStatusSucceeded || bd.StartTime == nil || bd.LastUpdateTime == nil {
						t.Fatalf("execution %c's build: %s", "ABC"[i], bd.Status)
					}
					if bd.StartTime.Before(prevEnd) {
						t.Errorf("execution %c's build started at %s, before the previous one ended at %s", "ABC"[i], bd.StartTime, prevEnd)
					}
					prevEnd = *bd.LastUpdateTime
				}
			}
			// Each execution built its own commit.
			for _, x := range []*cptypes.PipelineExecution{xa, xc} {
				if len(x.ArtifactRevisions) != 1 {
					t.Errorf("execution %s: revisions %v", aws.ToString(x.PipelineExecutionId), x.ArtifactRevisions)
				}
			}
			if got := aws.ToString(xc.ArtifactRevisions[0].RevisionId); got != cC {
				t.Errorf("C built %s, want %s", got, cC)
			}
		})
	}
}

func summaries(xs []cptypes.PipelineExecutionSummary) string {
	var b strings.Builder
	for _, x := range xs {
		fmt.Fprintf(&b, "\n  %s %s %s", aws.ToString(x.PipelineExecutionId), x.Status, aws.ToString(x.StatusSummary))
	}
	return b.String()
}
