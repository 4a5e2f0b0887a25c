package codecommit

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
)

const repositoryType = "AWS::CodeCommit::Repository"

// Limits on the Code zip (CodeCommit's own limit for a repository seeded
// by CloudFormation is 20 MB of zip; the extracted size is bounded too).
const (
	maxSeedZip      = 20 << 20
	maxSeedExpanded = 200 << 20
	maxSeedFiles    = 10000
)

// Providers returns the CloudFormation resource providers backed by this
// engine: AWS::CodeCommit::Repository.
func (e *Engine) Providers() []provider.Provider {
	return []provider.Provider{&repositoryProvider{e: e}}
}

// Every property is updatable in place ("Update requires: No
// interruption"); Code only matters at creation, so Read never returns it.
var repositorySchema = &provider.Schema{
	Properties: []string{"RepositoryName", "RepositoryDescription", "Tags", "Triggers", "KmsKeyId", "Code"},
	Required:   []string{"RepositoryName"},
	Attributes: []string{"Arn", "CloneUrlHttp", "CloneUrlSsh", "Name"},
	WriteOnly:  []string{"Code"},
	Unordered:  []string{"Tags"},
}

type repositoryProvider struct{ e *Engine }

func (p *repositoryProvider) Type() string             { return repositoryType }
func (p *repositoryProvider) Schema() *provider.Schema { return repositorySchema }

type cfnRepository struct {
	name, desc, kms string
	tags            map[string]string
	triggers        []Trigger
	hasTriggers     bool
	code            *cfnCode
}

type cfnCode struct {
	bucket, key, version, branch string
}

func readRepositoryProps(req *provider.Request) (*cfnRepository, error) {
	props := provider.Read(req.Properties, repositorySchema)
	c := &cfnRepository{
		name: props.String("RepositoryName"),
		desc: props.String("RepositoryDescription"),
		kms:  props.String("KmsKeyId"),
		tags: props.Tags("Tags"),
	}
	if props.Has("Triggers") {
		c.hasTriggers = true
		for i, raw := range props.List("Triggers") {
			m, ok := raw.(map[string]any)
			if !ok {
				props.Fail(fmt.Sprintf("Triggers/%d", i), "expected type: JSONObject, found: %T", raw)
				continue
			}
			tp := provider.Read(m, &provider.Schema{
				Properties: []string{"Name", "DestinationArn", "CustomData", "Branches", "Events"},
				Required:   []string{"Name", "DestinationArn", "Events"},
			})
			t := Trigger{Name: tp.String("Name"), DestinationArn: tp.String("DestinationArn"), CustomData: tp.String("CustomData"),
				Branches: tp.StringList("Branches"), Events: tp.StringList("Events")}
			if err := tp.Err(); err != nil {
				var pe *provider.PropertyError
				if errors.As(err, &pe) {
					for _, prob := range pe.Problems {
						props.Fail(fmt.Sprintf("Triggers/%d", i), "%s", strings.TrimPrefix(prob, "#: "))
					}
				}
				continue
			}
			if t.Branches == nil {
				t.Branches = []string{}
			}
			c.triggers = append(c.triggers, t)
		}
	}
	if code := props.Map("Code"); code != nil {
		cp := provider.Read(code, &provider.Schema{Properties: []string{"S3", "BranchName"}, Required: []string{"S3"}})
		cc := &cfnCode{branch: cp.String("BranchName")}
		if s3 := cp.Map("S3"); s3 != nil {
			sp := provider.Read(s3, &provider.Schema{Properties: []string{"Bucket", "Key", "ObjectVersion"}, Required: []string{"Bucket", "Key"}})
			cc.bucket, cc.key, cc.version = sp.String("Bucket"), sp.String("Key"), sp.String("ObjectVersion")
			if err := sp.Err(); err != nil {
				props.Fail("Code/S3", "%v", err)
			}
		}
		if err := cp.Err(); err != nil {
			props.Fail("Code", "%v", err)
		}
		if cc.branch == "" {
			cc.branch = "main"
		}
		c.code = cc
	}
	if err := props.Err(); err != nil {
		return nil, err
	}
	if err := checkNewRepoName(c.name); err != nil {
		return nil, err
	}
	return c, nil
}

// PhysicalID is the repository id (what Ref returns), decided here so the
// engine can record it before Create: derived from the stack, the logical
// id and the engine's suffix for this resource.
func (p *repositoryProvider) PhysicalID(req *provider.Request) (string, error) {
	if _, err := readRepositoryProps(req); err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(req.Stack.ID + "\x00" + req.LogicalID + "\x00" + req.Suffix))
	var b [16]byte
	copy(b[:], sum[:16])
	return formatUUID(b), nil
}

func (p *repositoryProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	c, err := readRepositoryProps(req)
	if err != nil {
		return nil, err
	}
	id, err := p.PhysicalID(req)
	if err != nil {
		return nil, err
	}
	tags := map[string]string{}
	for k, v := range req.Stack.Tags {
		tags[k] = v
	}
	for k, v := range c.tags {
		tags[k] = v
	}
	if len(tags) == 0 {
		tags = nil
	}
	// Read the seed first: a bad zip fails the create before anything
	// exists.
	var files []seedFile
	if c.code != nil {
		if files, err = p.readSeed(ctx, c.code); err != nil {
			return nil, err
		}
	}
	if _, err := p.e.CreateRepository(ctx, CreateRepositoryInput{ID: id, Name: c.name, Description: c.desc, Tags: tags, KMSKeyID: c.kms}); err != nil {
		if ErrRepositoryNameExists.Is(err) {
			return nil, fmt.Errorf("Resource of type '%s' with identifier '%s' already exists.", repositoryType, c.name)
		}
		return nil, err
	}
	undo := func(err error) (*provider.Result, error) {
		p.e.DeleteRepository(ctx, c.name)
		return nil, err
	}
	if c.hasTriggers && len(c.triggers) > 0 {
		if _, err := p.e.PutRepositoryTriggers(ctx, c.name, c.triggers); err != nil {
			return undo(err)
		}
	}
	if len(files) > 0 {
		if err := p.e.seed(ctx, c.name, c.code.branch, files); err != nil {
			return undo(err)
		}
	}
	return p.result(ctx, req, id)
}

// result reports a repository. Tags the stack propagated (and the
// template does not set) are left out of the properties, so they do not
// show as drift.
func (p *repositoryProvider) result(ctx context.Context, req *provider.Request, id string) (*provider.Result, error) {
	rec, err := p.e.recordByID(ctx, id)
	if err != nil {
		return nil, provider.NotFound(repositoryType, id)
	}
	md := p.e.metadata(rec)
	props := map[string]any{"RepositoryName": rec.Name}
	if rec.Description != "" {
		props["RepositoryDescription"] = rec.Description
	}
	if rec.KMSKeyID != "" {
		props["KmsKeyId"] = rec.KMSKeyID
	}
	own := provider.Read(req.Properties, nil).Tags("Tags")
	tags := map[string]string{}
	for k, v := range rec.Tags {
		if sv, fromStack := req.Stack.Tags[k]; fromStack && sv == v {
			if _, inTemplate := own[k]; !inTemplate {
				continue
			}
		}
		tags[k] = v
	}
	if tl := provider.TagList(tags); tl != nil {
		props["Tags"] = tl
	}
	if len(rec.Triggers) > 0 {
		var ts []any
		for _, t := range rec.Triggers {
			m := map[string]any{"Name": t.Name, "DestinationArn": t.DestinationArn, "Events": toAnyList(t.Events)}
			if t.CustomData != "" {
				m["CustomData"] = t.CustomData
			}
			if len(t.Branches) > 0 {
				m["Branches"] = toAnyList(t.Branches)
			}
			ts = append(ts, m)
		}
		props["Triggers"] = ts
	}
	return &provider.Result{
		PhysicalID: id,
		Attributes: map[string]any{"Arn": md.ARN, "CloneUrlHttp": md.CloneURLHTTP, "CloneUrlSsh": md.CloneURLSSH, "Name": md.RepositoryName},
		Properties: props,
	}, nil
}

func toAnyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func (p *repositoryProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	return p.result(ctx, req, req.PhysicalID)
}

// Update renames, redescribes, re-tags, re-keys and re-triggers the
// repository in place. Code changes are ignored, as CloudFormation does.
func (p *repositoryProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	c, err := readRepositoryProps(req)
	if err != nil {
		return nil, err
	}
	rec, err := p.e.recordByID(ctx, req.PhysicalID)
	if err != nil {
		return nil, provider.NotFound(repositoryType, req.PhysicalID)
	}
	ctx = awsctx.With(ctx, awsctx.Scope{AccountID: rec.AccountID, Region: rec.Region, Principal: awsctx.From(ctx).Principal, RequestID: awsctx.From(ctx).RequestID})
	name := rec.Name
	if c.name != name {
		if err := p.e.UpdateRepositoryName(ctx, name, c.name); err != nil {
			return nil, err
		}
		name = c.name
	}
	if c.desc != rec.Description {
		if err := p.e.UpdateRepositoryDescription(ctx, name, c.desc); err != nil {
			return nil, err
		}
	}
	if c.kms != rec.KMSKeyID {
		if err := p.e.updateKMSKey(ctx, name, c.kms); err != nil {
			return nil, err
		}
	}
	tags := map[string]string{}
	for k, v := range req.Stack.Tags {
		tags[k] = v
	}
	for k, v := range c.tags {
		tags[k] = v
	}
	if err := p.e.setTags(ctx, name, tags); err != nil {
		return nil, err
	}
	triggers := c.triggers
	if triggers == nil {
		triggers = []Trigger{}
	}
	if len(triggers) > 0 || len(rec.Triggers) > 0 {
		if _, err := p.e.PutRepositoryTriggers(ctx, name, triggers); err != nil {
			return nil, err
		}
	}
	return p.result(ctx, req, req.PhysicalID)
}

// Delete removes the repository; one already gone is not an error.
func (p *repositoryProvider) Delete(ctx context.Context, req *provider.Request) error {
	rec, err := p.e.recordByID(ctx, req.PhysicalID)
	if err != nil {
		return nil
	}
	ctx = awsctx.With(ctx, awsctx.Scope{AccountID: rec.AccountID, Region: rec.Region, Principal: awsctx.From(ctx).Principal})
	_, err = p.e.DeleteRepository(ctx, rec.Name)
	return err
}

// readSeed fetches and unpacks the Code zip, refusing unsafe entries.
func (p *repositoryProvider) readSeed(ctx context.Context, code *cfnCode) ([]seedFile, error) {
	if p.e.objects == nil {
		return nil, errors.New("Code.S3 is not supported: this skiff has no S3 object reader")
	}
	rc, err := p.e.objects.GetObject(ctx, code.bucket, code.key, code.version)
	if err != nil {
		return nil, fmt.Errorf("could not read s3://%s/%s: %w", code.bucket, code.key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxSeedZip+1))
	if err != nil {
		return nil, fmt.Errorf("could not read s3://%s/%s: %w", code.bucket, code.key, err)
	}
	if len(data) > maxSeedZip {
		return nil, fmt.Errorf("the zip file s3://%s/%s exceeds the maximum size of 20 MB", code.bucket, code.key)
	}
	return unzipSeed(data)
}

// unzipSeed reads a zip's regular files and symbolic links. Entries whose
// path is absolute, contains "..", names .git, or whose link target leaves
// the repository are refused, as are duplicate paths and file/folder
// clashes.
func unzipSeed(data []byte) ([]seedFile, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("the Code object is not a valid zip file: %v", err)
	}
	var files []seedFile
	seen := map[string]bool{}
	var total int64
	for _, f := range zr.File {
		name := f.Name
		if strings.Contains(name, "\\") || strings.HasPrefix(name, "/") || (len(name) > 1 && name[1] == ':') {
			return nil, fmt.Errorf("zip entry %q has an absolute or non-portable path", name)
		}
		mode := f.Mode()
		if mode.IsDir() || strings.HasSuffix(name, "/") {
			if _, ok := cleanFolderPath(name); !ok {
				return nil, fmt.Errorf("zip entry %q has an unsafe path", name)
			}
			continue
		}
		clean, ok := cleanRepoPath(name)
		if !ok || path.Clean(clean) != clean {
			return nil, fmt.Errorf("zip entry %q has an unsafe path", name)
		}
		if seen[clean] {
			return nil, fmt.Errorf("zip entry %q appears twice", name)
		}
		seen[clean] = true
		if len(files) >= maxSeedFiles {
			return nil, fmt.Errorf("the zip file has more than %d files", maxSeedFiles)
		}
		if f.UncompressedSize64 > maxSeedExpanded {
			return nil, fmt.Errorf("the zip file expands beyond %d bytes", maxSeedExpanded)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("zip entry %q: %v", name, err)
		}
		content, err := io.ReadAll(io.LimitReader(rc, maxSeedExpanded-total+1))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("zip entry %q: %v", name, err)
		}
		total += int64(len(content))
		if total > maxSeedExpanded {
			return nil, fmt.Errorf("the zip file expands beyond %d bytes", maxSeedExpanded)
		}
		sf := seedFile{Path: clean, Mode: "100644", Content: content}
		switch {
		case mode&fs.ModeSymlink != 0:
			target := string(content)
			if target == "" || strings.HasPrefix(target, "/") || strings.Contains(target, "\\") || strings.IndexByte(target, 0) >= 0 {
				return nil, fmt.Errorf("zip entry %q is a symbolic link out of the repository", name)
			}
			resolved := path.Clean(path.Join(path.Dir(clean), target))
			if resolved == ".." || strings.HasPrefix(resolved, "../") {
				return nil, fmt.Errorf("zip entry %q is a symbolic link out of the repository", name)
			}
			sf.Mode = "120000"
		case mode.Type() != 0:
			return nil, fmt.Errorf("zip entry %q is not a regular file", name)
		case mode.Perm()&0o111 != 0:
			sf.Mode = "100755"
		}
		files = append(files, sf)
	}
	// A path cannot be both a file and a folder.
	t := tree{}
	for _, f := range files {
		t[f.Path] = treeEntry{Type: "blob"}
	}
	dirs := t.dirs()
	for _, f := range files {
		if dirs[f.Path] {
			return nil, fmt.Errorf("zip entry %q is both a file and a folder", f.Path)
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}
