package codebuild

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/skiff-dev/skiff/internal/codebuild/artifacts"
	"github.com/skiff-dev/skiff/internal/codebuild/buildspec"
)

// secondarySource is a fetched secondary source.
type secondarySource struct {
	hostDir, buildDir           string
	version, location, resolved string
}

// codecommitRepo extracts the repository name from a CodeCommit source
// location: https://git-codecommit.<region>.amazonaws.com/v1/repos/<name>,
// or skiff's own cloneUrlHttp with the same path.
func codecommitRepo(loc string) string {
	_, rest, ok := strings.Cut(loc, "/v1/repos/")
	if !ok {
		return ""
	}
	rest = strings.TrimSuffix(strings.TrimSuffix(rest, "/"), ".git")
	if rest == "" || strings.Contains(rest, "/") {
		return ""
	}
	return rest
}

func clientError(format string, args ...any) *PhaseContext {
	return &PhaseContext{StatusCode: "CLIENT_ERROR", Message: fmt.Sprintf(format, args...)}
}

// fetchSources downloads the primary source into CODEBUILD_SRC_DIR and
// each secondary source into its own directory.
func (x *execution) fetchSources() *PhaseContext {
	b := &x.rec.Build
	resolved, pc := x.fetch(b.Source, b.SourceVersion, x.srcDir, "primary source")
	if pc != nil {
		return pc
	}
	b.ResolvedSourceVersion = resolved
	versions := map[string]string{}
	for _, v := range b.SecondarySourceVersions {
		versions[v.SourceIdentifier] = v.SourceVersion
	}
	for _, s := range b.SecondarySources {
		rel := filepath.Join("src2", s.SourceIdentifier)
		host := filepath.Join(x.dirs.HostRoot, rel)
		if err := os.MkdirAll(host, 0o755); err != nil {
			return &PhaseContext{StatusCode: "CLIENT_ERROR", Message: err.Error()}
		}
		res, pc := x.fetch(s, versions[s.SourceIdentifier], host, "secondary source "+s.SourceIdentifier)
		if pc != nil {
			return pc
		}
		x.secondary[s.SourceIdentifier] = &secondarySource{hostDir: host, buildDir: filepath.Join(x.dirs.BuildRoot, rel),
			version: versions[s.SourceIdentifier], location: s.Location, resolved: res}
	}
	// Pipeline input artifacts beyond the primary one are secondary
	// sources named after the artifacts.
	if p := x.rec.Pipeline; p != nil && b.Source.Type == "CODEPIPELINE" {
		primary := x.primaryInput()
		for _, in := range p.Inputs {
			if primary != nil && in.Name == primary.Name {
				continue
			}
			rel := filepath.Join("src2", in.Name)
			host := filepath.Join(x.dirs.HostRoot, rel)
			if err := os.MkdirAll(host, 0o755); err != nil {
				return clientError("%v", err)
			}
			if pc := x.extractObject(in.Bucket, in.Key, "", host, "secondary source "+in.Name); pc != nil {
				return pc
			}
			x.secondary[in.Name] = &secondarySource{hostDir: host, buildDir: filepath.Join(x.dirs.BuildRoot, rel)}
		}
	}
	return nil
}

func (x *execution) primaryInput() *InputArtifact {
	p := x.rec.Pipeline
	if p == nil || len(p.Inputs) == 0 {
		return nil
	}
	for i := range p.Inputs {
		if p.Inputs[i].Name == p.PrimarySource {
			return &p.Inputs[i]
		}
	}
	return &p.Inputs[0]
}

// fetch downloads one source into dir and returns its resolved version.
func (x *execution) fetch(src ProjectSource, version, dir, what string) (string, *PhaseContext) {
	switch src.Type {
	case "NO_SOURCE":
		return "", nil
	case "CODECOMMIT":
		if x.e.deps.Sources == nil {
			return "", clientError("CodeCommit sources are not available")
		}
		repo := codecommitRepo(src.Location)
		depth := 0
		if src.GitCloneDepth != nil {
			depth = int(*src.GitCloneDepth)
		}
		commit, err := x.e.deps.Sources.FetchCodeCommit(x.ctx, repo, version, dir, depth)
		if err != nil {
			if x.ctx.Err() != nil {
				return "", nil
			}
			if errors.Is(err, ErrSourceNotFound) {
				return "", clientError("repository not found for %s and source version %s", what, displayVersion(version))
			}
			return "", clientError("error fetching %s: %v", what, err)
		}
		return commit, nil
	case "S3":
		bucket, key, _ := strings.Cut(src.Location, "/")
		return "", x.extractObject(bucket, key, version, dir, what)
	case "CODEPIPELINE":
		in := x.primaryInput()
		if in == nil {
			return "", clientError("no input artifacts for %s: CODEPIPELINE sources are provided by a pipeline", what)
		}
		// The pipeline's revision of the primary source (a commit id) is
		// CODEBUILD_RESOLVED_SOURCE_VERSION.
		return version, x.extractObject(in.Bucket, in.Key, "", dir, what)
	default: // GITHUB, GITHUB_ENTERPRISE, BITBUCKET, GITLAB, GITLAB_SELF_MANAGED
		depth := 0
		if src.GitCloneDepth != nil {
			depth = int(*src.GitCloneDepth)
		}
		submodules := src.GitSubmodulesConfig != nil && src.GitSubmodulesConfig.FetchSubmodules
		insecure := src.InsecureSsl != nil && *src.InsecureSsl
		commit, err := gitFetch(x.ctx, src.Location, version, dir, depth, submodules, insecure)
		if err != nil {
			if x.ctx.Err() != nil {
				return "", nil
			}
			return "", clientError("error fetching %s and source version %s: %v", what, displayVersion(version), err)
		}
		return commit, nil
	}
}

func displayVersion(v string) string {
	if v == "" {
		return "the default branch"
	}
	return v
}

// extractObject downloads a zip from S3 and unpacks it into dir.
func (x *execution) extractObject(bucket, key, version, dir, what string) *PhaseContext {
	if x.e.deps.Objects == nil {
		return clientError("S3 is not available to download %s", what)
	}
	rc, err := x.e.deps.Objects.GetObject(x.ctx, bucket, key, version)
	if err != nil {
		return clientError("error while downloading key %s, error: %v", key, err)
	}
	defer rc.Close()
	tmp, err := os.CreateTemp(x.e.deps.WorkDir, "source-*.zip")
	if err != nil {
		return clientError("%v", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if _, err := io.Copy(tmp, rc); err != nil {
		return clientError("error while downloading key %s, error: %v", key, err)
	}
	if err := artifacts.ExtractFile(tmp.Name(), dir, artifacts.Limits{}); err != nil {
		return clientError("error while extracting %s from s3://%s/%s: %v", what, bucket, key, err)
	}
	return nil
}

// gitFetch clones a git repository (GitHub and other git providers; only
// local or loopback URLs are reachable in tests).
func gitFetch(ctx context.Context, url, version, dir string, depth int, submodules, insecure bool) (string, error) {
	v := strings.TrimPrefix(strings.TrimPrefix(version, "refs/heads/"), "refs/tags/")
	if strings.HasPrefix(v, "pr/") {
		return "", fmt.Errorf("pull request versions (%s) need a webhook source, which skiff does not provide", v)
	}
	isCommit := len(v) >= 7 && len(v) <= 40 && strings.Trim(strings.ToLower(v), "0123456789abcdef") == ""
	args := []string{"clone", "--quiet"}
	if depth > 0 && !isCommit {
		args = append(args, "--depth", strconv.Itoa(depth))
	}
	if v != "" && !isCommit {
		args = append(args, "--branch", v)
	}
	args = append(args, "--", url, dir)
	env := append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	if insecure {
		env = append(env, "GIT_SSL_NO_VERIFY=true")
	}
	run := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Env = env
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			msg := strings.TrimSpace(errb.String())
			if msg == "" {
				msg = err.Error()
			}
			return "", errors.New(msg)
		}
		return strings.TrimSpace(out.String()), nil
	}
	if _, err := run(args...); err != nil {
		return "", err
	}
	if isCommit {
		if _, err := run("-C", dir, "checkout", "--quiet", v); err != nil {
			return "", err
		}
	}
	if submodules {
		if _, err := run("-C", dir, "submodule", "update", "--init", "--recursive"); err != nil {
			return "", err
		}
	}
	return run("-C", dir, "rev-parse", "HEAD")
}

// insideDir reports whether p (resolved) is dir or below it.
func insideDir(dir, p string) bool {
	d, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false
	}
	return p == d || strings.HasPrefix(p, d+string(filepath.Separator))
}

// inlineBuildspec tells an inline buildspec from a file name.
func inlineBuildspec(s string) bool {
	t := strings.TrimSpace(s)
	return strings.Contains(t, "\n") || strings.HasPrefix(t, "version") || strings.HasPrefix(t, "{")
}

// loadBuildspec reads and parses the build's buildspec: inline, a file
// relative to CODEBUILD_SRC_DIR (default buildspec.yml), or an S3 object
// ARN.
func (x *execution) loadBuildspec() (*buildspec.Spec, *PhaseContext) {
	ref := x.rec.Build.Source.Buildspec
	yamlErr := func(format string, args ...any) (*buildspec.Spec, *PhaseContext) {
		return nil, &PhaseContext{StatusCode: "YAML_FILE_ERROR", Message: fmt.Sprintf(format, args...)}
	}
	var data []byte
	switch {
	case ref != "" && inlineBuildspec(ref):
		dir := filepath.Join(x.dirs.HostRoot, "readonly")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "buildspec.yml"), []byte(ref), 0o644)
		x.sink.container("YAML location is " + filepath.Join(x.dirs.BuildRoot, "readonly", "buildspec.yml"))
		data = []byte(ref)
	case strings.HasPrefix(ref, "arn:aws:s3:::"):
		x.sink.container("YAML location is " + ref)
		bucket, key, _ := strings.Cut(strings.TrimPrefix(ref, "arn:aws:s3:::"), "/")
		if x.e.deps.Objects == nil {
			return yamlErr("YAML file does not exist")
		}
		rc, err := x.e.deps.Objects.GetObject(x.ctx, bucket, key, "")
		if err != nil {
			return yamlErr("YAML file does not exist")
		}
		data, err = io.ReadAll(io.LimitReader(rc, buildspec.MaxSize+1))
		rc.Close()
		if err != nil {
			return yamlErr("%v", err)
		}
	default:
		name := ref
		if name == "" {
			if x.rec.Build.Source.Type == "NO_SOURCE" {
				return yamlErr("YAML file does not exist")
			}
			name = "buildspec.yml"
		}
		if err := artifacts.CheckPattern(name); err != nil {
			return yamlErr("invalid buildspec path %s: %v", name, err)
		}
		x.sink.container("YAML location is " + filepath.Join(x.buildSrc, name))
		p := filepath.Join(x.srcDir, filepath.FromSlash(name))
		st, err := os.Stat(p)
		if err != nil || st.IsDir() {
			return yamlErr("YAML file does not exist")
		}
		if real, err := filepath.EvalSymlinks(p); err != nil || !insideDir(x.srcDir, real) {
			return yamlErr("invalid buildspec path %s: it resolves outside the source directory", name)
		}
		if st.Size() > buildspec.MaxSize {
			return yamlErr("buildspec is too large: %d bytes", st.Size())
		}
		data, err = os.ReadFile(p)
		if err != nil {
			return yamlErr("%v", err)
		}
	}
	spec, err := buildspec.Parse(data)
	if err != nil {
		return yamlErr("%s", err.Error())
	}
	return spec, nil
}
