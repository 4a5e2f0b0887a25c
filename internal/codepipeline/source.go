package codepipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/store"
)

// Source action providers: CodeCommit (skiff's repositories), S3, and
// CodeStarSourceConnection (any git URL a connection maps to).

var sourceTypeCodeCommit = ActionTypeID{Category: "Source", Owner: "AWS", Provider: "CodeCommit", Version: "1"}

// --- CodeCommit ---

type codeCommitSource struct{}

var _ Resumer = (*codeCommitSource)(nil)

func (*codeCommitSource) Type() ActionTypeID { return sourceTypeCodeCommit }

func (*codeCommitSource) Spec() ActionSpec {
	return ActionSpec{
		Properties: []ConfigProperty{
			{Name: "RepositoryName", Required: true, Key: true, Queryable: false, Description: "The name of the repository", Type: "String"},
			{Name: "BranchName", Required: true, Description: "The branch the pipeline follows", Type: "String"},
			{Name: "PollForSourceChanges", Description: "Whether CodePipeline polls for changes (skiff starts on push either way)", Type: "Boolean"},
			{Name: "OutputArtifactFormat", Description: "CODE_ZIP (default) or CODEBUILD_CLONE_REF", Type: "String"},
		},
		MinOutputs: 1, MaxOutputs: 1,
		EntityURLTemplate:    "https://{Region}.console.aws.amazon.com/codesuite/codecommit/repositories/{Config:RepositoryName}/browse/refs/heads/{Config:BranchName}",
		ExecutionURLTemplate: "https://{Region}.console.aws.amazon.com/codesuite/codecommit/repositories/{Config:RepositoryName}/commit/{ExternalExecutionId}",
		Description:          "AWS CodeCommit source",
	}
}

func (*codeCommitSource) CheckConfig(a *ActionDeclaration) error {
	return checkFormatAndBool(a, "PollForSourceChanges")
}

func checkFormatAndBool(a *ActionDeclaration, boolKeys ...string) error {
	switch f := a.Configuration["OutputArtifactFormat"]; f {
	case "", "CODE_ZIP", "CODEBUILD_CLONE_REF":
	default:
		return fmt.Errorf("Action configuration for action '%s' has an invalid OutputArtifactFormat '%s'. Valid values: CODE_ZIP, CODEBUILD_CLONE_REF", a.Name, f)
	}
	for _, k := range boolKeys {
		switch v := a.Configuration[k]; strings.ToLower(v) {
		case "", "true", "false":
		default:
			return fmt.Errorf("Action configuration for action '%s' has an invalid value '%s' for %s. Valid values: true, false", a.Name, v, k)
		}
	}
	return nil
}

func (p *codeCommitSource) Run(ctx context.Context, job *Job) (*Outcome, error) {
	if job.Deps.Repos == nil {
		return nil, errNoService("CodeCommit")
	}
	repo, branch := job.Config["RepositoryName"], job.Config["BranchName"]
	commitish := branch
	if job.Push != nil && job.Push.NewCommit != "" {
		commitish = job.Push.NewCommit
	}
	if o := job.Override; o != nil {
		commitish = o.RevisionValue
	}
	// A resumed action archives the same commit again.
	var st struct{ Commit string }
	if job.Load(&st) && st.Commit != "" {
		commitish = st.Commit
	}
	var buf bytes.Buffer
	info, err := job.Deps.Repos.Archive(ctx, repo, commitish, &buf)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return &Outcome{Failed: true, ErrorCode: "ConfigurationError",
				ErrorMessage: fmt.Sprintf("The CodeCommit repository %s or branch %s does not exist, or has no commits", repo, commitish)}, nil
		}
		return nil, err
	}
	if err := job.Save(struct{ Commit string }{info.CommitID}); err != nil {
		return nil, err
	}
	if err := job.PutOutput(ctx, job.Outputs[0].Name, &buf); err != nil {
		return nil, fmt.Errorf("store the source artifact: %w", err)
	}
	created := info.CommitterDate
	if created.IsZero() {
		created = info.AuthorDate
	}
	u := fmt.Sprintf("https://%s.console.aws.amazon.com/codesuite/codecommit/repositories/%s/commit/%s?region=%s", job.Region, repo, info.CommitID, job.Region)
	return &Outcome{
		Summary:     firstLine(info.Message),
		ExternalID:  info.CommitID,
		ExternalURL: u,
		Variables: map[string]string{
			"CommitId": info.CommitID, "CommitMessage": info.Message, "AuthorDate": fmtTime(info.AuthorDate),
			"CommitterDate": fmtTime(info.CommitterDate), "BranchName": branch, "RepositoryName": repo,
		},
		Revision: &Revision{ID: info.CommitID, ChangeID: info.CommitID, Summary: info.Message, Created: created, URL: u, Author: author(info)},
	}, nil
}

func (p *codeCommitSource) Resume(ctx context.Context, job *Job) (*Outcome, error) {
	return p.Run(ctx, job)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 2048 {
		s = s[:2048]
	}
	return s
}

func author(c CommitInfo) string {
	switch {
	case c.AuthorName != "" && c.AuthorEmail != "":
		return c.AuthorName + " <" + c.AuthorEmail + ">"
	case c.AuthorName != "":
		return c.AuthorName
	}
	return c.AuthorEmail
}

// --- S3 ---

type s3Source struct{}

var _ Resumer = (*s3Source)(nil)

func (*s3Source) Type() ActionTypeID {
	return ActionTypeID{Category: "Source", Owner: "AWS", Provider: "S3", Version: "1"}
}

func (*s3Source) Spec() ActionSpec {
	return ActionSpec{
		Properties: []ConfigProperty{
			{Name: "S3Bucket", Required: true, Key: true, Description: "The bucket of the source object", Type: "String"},
			{Name: "S3ObjectKey", Required: true, Description: "The key of the source object (a zip)", Type: "String"},
			{Name: "PollForSourceChanges", Description: "Whether CodePipeline polls for changes", Type: "Boolean"},
			{Name: "AllowOverrideForS3ObjectKey", Description: "Whether StartPipelineExecution may override the key", Type: "Boolean"},
		},
		MinOutputs: 1, MaxOutputs: 1,
		Description: "Amazon S3 source",
	}
}

func (*s3Source) CheckConfig(a *ActionDeclaration) error {
	return checkFormatAndBool(a, "PollForSourceChanges", "AllowOverrideForS3ObjectKey")
}

func (p *s3Source) Run(ctx context.Context, job *Job) (*Outcome, error) {
	if job.Deps.Objects == nil {
		return nil, errNoService("S3")
	}
	bucket, key, version := job.Config["S3Bucket"], job.Config["S3ObjectKey"], ""
	if o := job.Override; o != nil {
		switch o.RevisionType {
		case "S3_OBJECT_VERSION_ID":
			version = o.RevisionValue
		case "S3_OBJECT_KEY":
			if !strings.EqualFold(job.Config["AllowOverrideForS3ObjectKey"], "true") {
				return &Outcome{Failed: true, ErrorCode: "ConfigurationError", ErrorMessage: "The S3 object key can only be overridden when AllowOverrideForS3ObjectKey is true"}, nil
			}
			key = o.RevisionValue
		}
	}
	var meta ObjectMeta
	if st, ok := job.Deps.Objects.(ObjectStater); ok {
		m, err := st.StatObject(ctx, bucket, key, version)
		if err != nil {
			return s3Missing(bucket, key, err)
		}
		meta = m
		if version == "" {
			version = m.VersionID
		}
	}
	rc, err := job.Deps.Objects.GetObject(ctx, bucket, key, version)
	if err != nil {
		return s3Missing(bucket, key, err)
	}
	defer rc.Close()
	if err := job.PutOutput(ctx, job.Outputs[0].Name, rc); err != nil {
		return nil, fmt.Errorf("store the source artifact: %w", err)
	}
	rev := meta.VersionID
	if rev == "" {
		rev = strings.Trim(meta.ETag, `"`)
	}
	if rev == "" {
		rev = key
	}
	return &Outcome{
		Summary:    "Amazon S3 object s3://" + bucket + "/" + key,
		ExternalID: rev,
		Variables:  map[string]string{"ETag": strings.Trim(meta.ETag, `"`), "VersionId": meta.VersionID},
		Revision:   &Revision{ID: rev, ChangeID: rev, Summary: "Amazon S3 version id: " + rev, Created: meta.LastModified},
	}, nil
}

func (p *s3Source) Resume(ctx context.Context, job *Job) (*Outcome, error) { return p.Run(ctx, job) }

func s3Missing(bucket, key string, err error) (*Outcome, error) {
	if errors.Is(err, ErrNotFound) {
		return &Outcome{Failed: true, ErrorCode: "ConfigurationError",
			ErrorMessage: fmt.Sprintf("The object with key '%s' does not exist in bucket '%s'", key, bucket)}, nil
	}
	return nil, err
}

// --- CodeStarSourceConnection / generic git ---

type connectionSource struct{}

var _ Resumer = (*connectionSource)(nil)

func (*connectionSource) Type() ActionTypeID {
	return ActionTypeID{Category: "Source", Owner: "AWS", Provider: "CodeStarSourceConnection", Version: "1"}
}

func (*connectionSource) Spec() ActionSpec {
	return ActionSpec{
		Properties: []ConfigProperty{
			{Name: "ConnectionArn", Required: true, Key: true, Description: "The connection (mapped to a git URL with PutConnection)", Type: "String"},
			{Name: "FullRepositoryId", Required: true, Description: "owner/repository", Type: "String"},
			{Name: "BranchName", Required: true, Description: "The branch the pipeline follows", Type: "String"},
			{Name: "OutputArtifactFormat", Description: "CODE_ZIP (default) or CODEBUILD_CLONE_REF", Type: "String"},
			{Name: "DetectChanges", Description: "Whether a push starts the pipeline (default true)", Type: "Boolean"},
		},
		MinOutputs: 1, MaxOutputs: 1,
		Description: "Source from a git repository behind a connection",
	}
}

func (*connectionSource) CheckConfig(a *ActionDeclaration) error {
	return checkFormatAndBool(a, "DetectChanges")
}

func (p *connectionSource) Run(ctx context.Context, job *Job) (*Outcome, error) {
	arn, repo, branch := job.Config["ConnectionArn"], job.Config["FullRepositoryId"], job.Config["BranchName"]
	conn, ok := job.e.connection(ctx, arn)
	if !ok {
		return &Outcome{Failed: true, ErrorCode: "ConfigurationError",
			ErrorMessage: fmt.Sprintf("Connection %s is not mapped to a git URL in skiff; map it with PutConnection (skiff pipeline connect)", arn)}, nil
	}
	commitish := branch
	if job.Push != nil && job.Push.NewCommit != "" {
		commitish = job.Push.NewCommit
	}
	if o := job.Override; o != nil {
		commitish = o.RevisionValue
	}
	var st struct{ Commit string }
	if job.Load(&st) && st.Commit != "" {
		commitish = st.Commit
	}
	var info CommitInfo
	var buf bytes.Buffer
	var err error
	if strings.HasPrefix(conn.URL, "codecommit:") {
		if job.Deps.Repos == nil {
			return nil, errNoService("CodeCommit")
		}
		info, err = job.Deps.Repos.Archive(ctx, path.Base(repo), commitish, &buf)
		if errors.Is(err, ErrNotFound) {
			return &Outcome{Failed: true, ErrorCode: "ConfigurationError",
				ErrorMessage: fmt.Sprintf("The repository %s or revision %s does not exist", repo, commitish)}, nil
		}
	} else {
		format := job.Config["OutputArtifactFormat"]
		info, err = gitArchive(ctx, job.e.deps.GitDir, repoURL(conn.URL, repo), branch, commitish, format == "CODEBUILD_CLONE_REF", &buf)
	}
	if err != nil {
		return &Outcome{Failed: true, ErrorCode: "RevisionUnavailable", ErrorMessage: err.Error()}, nil
	}
	if err := job.Save(struct{ Commit string }{info.CommitID}); err != nil {
		return nil, err
	}
	if err := job.PutOutput(ctx, job.Outputs[0].Name, &buf); err != nil {
		return nil, fmt.Errorf("store the source artifact: %w", err)
	}
	ptype := providerType(conn.URL)
	summary, _ := json.Marshal(map[string]string{"ProviderType": ptype, "CommitMessage": info.Message})
	u := commitURL(conn.URL, repo, info.CommitID)
	created := info.CommitterDate
	if created.IsZero() {
		created = info.AuthorDate
	}
	return &Outcome{
		Summary:     firstLine(info.Message),
		ExternalID:  info.CommitID,
		ExternalURL: u,
		Variables: map[string]string{
			"AuthorDate": fmtTime(info.AuthorDate), "BranchName": branch, "CommitId": info.CommitID,
			"CommitMessage": info.Message, "ConnectionArn": arn, "FullRepositoryName": repo,
		},
		Revision: &Revision{ID: info.CommitID, ChangeID: info.CommitID, Summary: string(summary), Created: created, URL: u, Author: author(info)},
	}, nil
}

func (p *connectionSource) Resume(ctx context.Context, job *Job) (*Outcome, error) {
	return p.Run(ctx, job)
}

func repoURL(base, repo string) string { return strings.TrimSuffix(base, "/") + "/" + repo }

func providerType(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return "GitHub"
	}
	switch h := strings.ToLower(u.Host); {
	case strings.Contains(h, "gitlab"):
		return "GitLab"
	case strings.Contains(h, "bitbucket"):
		return "Bitbucket"
	case strings.HasPrefix(base, "codecommit:"):
		return "CodeCommit"
	}
	return "GitHub"
}

func commitURL(base, repo, commit string) string {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	return repoURL(base, repo) + "/commit/" + commit
}

// gitArchive fetches a revision with the git binary and writes its tree as
// a zip (clone: the checked-out work tree with its .git, for
// CODEBUILD_CLONE_REF).
func gitArchive(ctx context.Context, scratch, remote, branch, commitish string, clone bool, w io.Writer) (CommitInfo, error) {
	dir, err := os.MkdirTemp(scratch, "skiff-pipeline-git-")
	if err != nil {
		return CommitInfo{}, err
	}
	defer os.RemoveAll(dir)
	run := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1", "GIT_ASKPASS=true")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			msg := strings.TrimSpace(errb.String())
			if msg == "" {
				msg = err.Error()
			}
			return "", fmt.Errorf("git %s: %s", args[0], msg)
		}
		return out.String(), nil
	}
	if _, err := run("init", "-q"); err != nil {
		return CommitInfo{}, err
	}
	if _, err := run("fetch", "-q", "--no-tags", remote, "+refs/heads/"+branch+":refs/remotes/origin/"+branch); err != nil {
		if _, err2 := run("fetch", "-q", remote, "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"); err2 != nil {
			return CommitInfo{}, fmt.Errorf("fetch %s: %v", remote, err)
		}
	}
	rev := commitish
	if rev == branch {
		rev = "refs/remotes/origin/" + branch
	}
	if _, err := run("cat-file", "-e", rev+"^{commit}"); err != nil {
		// A commit or tag not on the branch: fetch everything.
		if _, err := run("fetch", "-q", remote, "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"); err != nil {
			return CommitInfo{}, fmt.Errorf("fetch %s: %v", remote, err)
		}
		if _, err := run("cat-file", "-e", rev+"^{commit}"); err != nil {
			return CommitInfo{}, fmt.Errorf("revision %s does not exist in %s", commitish, remote)
		}
	}
	out, err := run("log", "-1", "--format=%H%x00%an%x00%ae%x00%aI%x00%cI%x00%B", rev+"^{commit}")
	if err != nil {
		return CommitInfo{}, err
	}
	f := strings.SplitN(out, "\x00", 6)
	if len(f) != 6 {
		return CommitInfo{}, fmt.Errorf("git log: unexpected output")
	}
	info := CommitInfo{CommitID: f[0], AuthorName: f[1], AuthorEmail: f[2], Message: strings.TrimRight(f[5], "\n")}
	info.AuthorDate, _ = time.Parse(time.RFC3339, f[3])
	info.CommitterDate, _ = time.Parse(time.RFC3339, f[4])
	if !clone {
		cmd := exec.CommandContext(ctx, "git", "archive", "--format=zip", info.CommitID)
		cmd.Dir = dir
		var errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = w, &errb
		if err := cmd.Run(); err != nil {
			return CommitInfo{}, fmt.Errorf("git archive: %s", strings.TrimSpace(errb.String()))
		}
		return info, nil
	}
	if _, err := run("checkout", "-q", "-B", branch, info.CommitID); err != nil {
		return CommitInfo{}, err
	}
	run("remote", "add", "origin", remote)
	return info, zipDir(w, dir)
}

// --- connections ---

// PutConnection maps a CodeStar connection ARN to where its repositories
// live (see Connection), for CodeStarSourceConnection actions and the
// webhook endpoint.
func (e *Engine) PutConnection(ctx context.Context, c Connection) error {
	if c.ARN == "" || c.URL == "" {
		return errValidation.New("A connection needs an ARN and a URL")
	}
	if !strings.HasPrefix(c.URL, "codecommit:") {
		if _, err := url.Parse(c.URL); err != nil {
			return errValidation.New("Invalid connection URL %q", c.URL)
		}
	}
	return e.st.Update(ctx, func(tx store.Tx) error { return tx.Put(bConns, c.ARN, &c) })
}

// DeleteConnection removes a connection mapping.
func (e *Engine) DeleteConnection(ctx context.Context, arn string) error {
	return e.st.Update(ctx, func(tx store.Tx) error { return tx.Delete(bConns, arn) })
}

// ListConnections lists the connection mappings.
func (e *Engine) ListConnections(ctx context.Context) ([]Connection, error) {
	var out []Connection
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bConns, store.ScanOptions{}, func(_ string, v []byte) error {
			var c Connection
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			out = append(out, c)
			return nil
		})
	})
	return out, err
}

func (e *Engine) connection(ctx context.Context, arn string) (Connection, bool) {
	var c Connection
	if err := e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bConns, arn, &c) }); err == nil {
		return c, true
	}
	if e.deps.Connections != nil {
		return e.deps.Connections(ctx, arn)
	}
	return Connection{}, false
}
