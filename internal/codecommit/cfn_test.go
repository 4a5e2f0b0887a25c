package codecommit

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider/providertest"
)

// fakeS3 serves zip files by bucket/key.
type fakeS3 map[string][]byte

func (f fakeS3) GetObject(_ context.Context, bucket, key, version string) (io.ReadCloser, error) {
	b, ok := f[bucket+"/"+key]
	if !ok {
		return nil, errors.New("NoSuchKey")
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

type zipEntry struct {
	name, body string
	mode       fs.FileMode
}

func makeZip(t *testing.T, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, e.body)
	}
	zw.Close()
	return buf.Bytes()
}

func repoProvider(e *Engine) provider.Provider {
	for _, p := range e.Providers() {
		if p.Type() == "AWS::CodeCommit::Repository" {
			return p
		}
	}
	panic("no provider")
}

func TestRepositoryProviderConformance(t *testing.T) {
	s3 := fakeS3{"src/app.zip": makeZip(t,
		zipEntry{name: "README.md", body: "seeded\n"},
		zipEntry{name: "scripts/", mode: fs.ModeDir | 0o755},
		zipEntry{name: "scripts/build.sh", body: "#!/bin/sh\n", mode: 0o755},
		zipEntry{name: "scripts/latest", body: "build.sh", mode: fs.ModeSymlink | 0o777},
	)}
	e := newTestEngine(t, WithObjectReader(s3), WithEndpoint(func() string { return "http://127.0.0.1:4566" }))
	trigger := map[string]any{"Name": "notify", "DestinationArn": "arn:aws:sns:us-east-1:123456789012:t", "Events": []any{"all"}, "Branches": []any{"main"}}
	check := func(t *testing.T, ctx context.Context, id string, props map[string]any) {
		t.Helper()
		md, err := e.GetRepositoryByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if md.RepositoryName != props["RepositoryName"] {
			t.Fatalf("name %q, template %v", md.RepositoryName, props["RepositoryName"])
		}
		if d, _ := props["RepositoryDescription"].(string); md.RepositoryDescription != d {
			t.Fatalf("description %q, template %q", md.RepositoryDescription, d)
		}
		// The seed commit survives updates.
		f, err := e.GetFile(ctx, md.RepositoryName, "main", "scripts/build.sh")
		if err != nil || f.FileMode != "EXECUTABLE" || md.DefaultBranch != "main" {
			t.Fatalf("seeded file %+v %v (default branch %q)", f, err, md.DefaultBranch)
		}
		if f, err := e.GetFile(ctx, md.RepositoryName, "main", "scripts/latest"); err != nil || f.FileMode != "SYMLINK" {
			t.Fatalf("seeded symlink %+v %v", f, err)
		}
		tags, _ := e.ListTagsForResource(ctx, md.ARN)
		want := map[string]string{}
		if tl, ok := props["Tags"].([]any); ok {
			for _, x := range tl {
				m := x.(map[string]any)
				want[m["Key"].(string)] = m["Value"].(string)
			}
		}
		if len(tags) != len(want) {
			t.Fatalf("tags %v, template %v", tags, want)
		}
	}
	providertest.Run(t, repoProvider(e), providertest.Case{
		Create: map[string]any{
			"RepositoryName": "cfn-repo", "RepositoryDescription": "from a template",
			"Tags":     []any{map[string]any{"Key": "team", "Value": "web"}, map[string]any{"Key": "env", "Value": "dev"}},
			"Triggers": []any{trigger},
			"Code":     map[string]any{"S3": map[string]any{"Bucket": "src", "Key": "app.zip"}, "BranchName": "main"},
		},
		Update: map[string]any{
			"RepositoryName": "cfn-repo-renamed", "RepositoryDescription": "updated", "KmsKeyId": "alias/other",
			"Tags": []any{map[string]any{"Key": "team", "Value": "api"}},
			"Code": map[string]any{"S3": map[string]any{"Bucket": "src", "Key": "app.zip"}, "BranchName": "main"},
		},
		Check: check,
		Gone: func(t *testing.T, ctx context.Context, id string) {
			if _, err := e.GetRepositoryByID(ctx, id); !ErrRepositoryDoesNotExist.Is(err) {
				t.Fatalf("repository %s still exists: %v", id, err)
			}
		},
	})
}

func TestRepositoryProviderDetails(t *testing.T) {
	s3 := fakeS3{"b/ok.zip": makeZip(t, zipEntry{name: "a.txt", body: "a"})}
	e := newTestEngine(t, WithObjectReader(s3))
	p := repoProvider(e)
	ctx := testCtx()
	stack := provider.StackInfo{Name: "s", ID: "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1", Region: region, AccountID: acct,
		Tags: map[string]string{"stack": "s"}}
	req := &provider.Request{LogicalID: "Repo", Type: p.Type(), Stack: stack, Suffix: "AAA",
		Properties: map[string]any{"RepositoryName": "r1", "Code": map[string]any{"S3": map[string]any{"Bucket": "b", "Key": "ok.zip"}}}}
	id, err := p.PhysicalID(req)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.PhysicalID != id || res.Attributes["Arn"] != RepositoryARN(region, acct, "r1") || res.Attributes["Name"] != "r1" ||
		!strings.HasSuffix(res.Attributes["CloneUrlHttp"].(string), "/v1/repos/r1") {
		t.Fatalf("result %+v", res)
	}
	md, _ := e.GetRepository(ctx, "r1")
	if md.RepositoryID != id || md.DefaultBranch != "main" {
		t.Fatalf("metadata %+v", md)
	}
	if tags, _ := e.ListTagsForResource(ctx, md.ARN); tags["stack"] != "s" {
		t.Fatalf("stack tags not propagated: %v", tags)
	}
	if d := provider.Diff(req.Properties, res.Properties, p.Schema()); len(d) != 0 {
		t.Fatalf("drift right after create: %+v", d)
	}
	evs := eventsOf(t, e, "r1")
	if len(evs) != 1 || evs[0].Source != SourceCloudFormation || evs[0].AuthorName != "AWS CloudFormation" {
		t.Fatalf("seed event %+v", evs)
	}
	// A second resource with the same name fails as CloudFormation does.
	req2 := *req
	req2.LogicalID, req2.Suffix = "Other", "BBB"
	if _, err := p.Create(ctx, &req2); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate name: %v", err)
	}
	// Missing required name, unknown property, bad name.
	for _, props := range []map[string]any{
		{"RepositoryDescription": "x"},
		{"RepositoryName": "x", "Bogus": 1},
		{"RepositoryName": "x.git"},
	} {
		if _, err := p.PhysicalID(&provider.Request{LogicalID: "R", Stack: stack, Properties: props}); err == nil {
			t.Errorf("PhysicalID(%v) accepted", props)
		}
	}
	// A bad zip fails the create and leaves nothing behind.
	s3["b/bad.zip"] = []byte("not a zip")
	bad := &provider.Request{LogicalID: "Bad", Stack: stack, Suffix: "CCC",
		Properties: map[string]any{"RepositoryName": "r2", "Code": map[string]any{"S3": map[string]any{"Bucket": "b", "Key": "bad.zip"}}}}
	if _, err := p.Create(ctx, bad); err == nil {
		t.Fatal("bad zip accepted")
	}
	if _, err := e.GetRepository(ctx, "r2"); !ErrRepositoryDoesNotExist.Is(err) {
		t.Fatalf("repository left behind: %v", err)
	}
}

func TestUnsafeZipEntriesRefused(t *testing.T) {
	cases := map[string][]zipEntry{
		"dotdot":           {{name: "../evil.txt", body: "x"}},
		"nested dotdot":    {{name: "a/../../evil.txt", body: "x"}},
		"absolute":         {{name: "/etc/passwd", body: "x"}},
		"backslash":        {{name: "a\\..\\evil", body: "x"}},
		"drive":            {{name: "C:/evil", body: "x"}},
		"dot git":          {{name: ".git/config", body: "x"}},
		"symlink absolute": {{name: "link", body: "/etc/passwd", mode: fs.ModeSymlink | 0o777}},
		"symlink escapes":  {{name: "a/link", body: "../../etc", mode: fs.ModeSymlink | 0o777}},
		"file and folder":  {{name: "a", body: "x"}, {name: "a/b", body: "y"}},
		"duplicate":        {{name: "a", body: "x"}, {name: "a", body: "y"}},
		"device":           {{name: "dev", body: "", mode: fs.ModeDevice | 0o644}},
	}
	for name, entries := range cases {
		if _, err := unzipSeed(makeZip(t, entries...)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	files, err := unzipSeed(makeZip(t, zipEntry{name: "a/link", body: "../b", mode: fs.ModeSymlink | 0o777}, zipEntry{name: "b", body: "x"}))
	if err != nil || len(files) != 2 || files[0].Mode != "120000" {
		t.Fatalf("safe symlink: %+v %v", files, err)
	}
}
