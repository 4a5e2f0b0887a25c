package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/store"
)

func codeOf(err error) string {
	if ae, ok := apierr.As(err); ok {
		return ae.Code.Name
	}
	if err != nil {
		return "error: " + err.Error()
	}
	return ""
}

func TestValidBucketName(t *testing.T) {
	for name, want := range map[string]bool{
		"abc": true, "my-bucket.logs": true, "a1-b2": true, strings.Repeat("a", 63): true, "0bucket": true,
		"ab": false, strings.Repeat("a", 64): false, "Upper": false, "under_score": false, "-start": false, "end-": false,
		"a..b": false, "a.-b": false, "a-.b": false, "10.0.0.1": false, "xn--punycode": false, "sthree-x": false,
		"x-s3alias": false, "x--ol-s3": false, "x.mrap": false, "x--x-s3": false, "sp ace": false, "": false,
	} {
		if got := ValidBucketName(name); got != want {
			t.Errorf("ValidBucketName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestParseRange(t *testing.T) {
	cases := []struct {
		h      string
		size   int64
		off, n int64
		ok     bool
		err    bool
	}{
		{"bytes=0-0", 10, 0, 1, true, false},
		{"bytes=0-9", 10, 0, 10, true, false},
		{"bytes=5-", 10, 5, 5, true, false},
		{"bytes=5-100", 10, 5, 5, true, false},
		{"bytes=-3", 10, 7, 3, true, false},
		{"bytes=-30", 10, 0, 10, true, false},
		{"bytes=10-", 10, 0, 0, false, true},
		{"bytes=-0", 10, 0, 0, false, true},
		{"bytes=0-", 0, 0, 0, false, true},
		{"bytes=3-2", 10, 0, 0, false, false},
		{"bytes=a-b", 10, 0, 0, false, false},
		{"bytes=0-1,3-4", 10, 0, 0, false, false},
		{"items=0-1", 10, 0, 0, false, false},
		{"", 10, 0, 0, false, false},
	}
	for _, c := range cases {
		off, n, ok, err := ParseRange(c.h, c.size)
		if (err != nil) != c.err || ok != c.ok || (ok && (off != c.off || n != c.n)) {
			t.Errorf("ParseRange(%q, %d) = %d %d %v %v", c.h, c.size, off, n, ok, err)
		}
		if err != nil && codeOf(err) != "InvalidRange" {
			t.Errorf("ParseRange(%q): %v", c.h, err)
		}
	}
}

func TestConditions(t *testing.T) {
	mtime := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	before, after := mtime.Add(-time.Hour), mtime.Add(time.Hour)
	cases := []struct {
		name        string
		c           Conditions
		notModified bool
		failed      bool
	}{
		{"none", Conditions{}, false, false},
		{"if-match", Conditions{IfMatch: `"abc"`}, false, false},
		{"if-match list", Conditions{IfMatch: `"x", "abc"`}, false, false},
		{"if-match star", Conditions{IfMatch: "*"}, false, false},
		{"if-match miss", Conditions{IfMatch: `"x"`}, false, true},
		{"if-none-match hit", Conditions{IfNoneMatch: `"abc"`}, true, false},
		{"if-none-match weak", Conditions{IfNoneMatch: `W/"abc"`}, true, false},
		{"if-none-match miss", Conditions{IfNoneMatch: `"x"`}, false, false},
		{"ims not modified", Conditions{IfModifiedSince: &mtime}, true, false},
		{"ims modified", Conditions{IfModifiedSince: &before}, false, false},
		{"ius modified", Conditions{IfUnmodifiedSince: &before}, false, true},
		{"ius fine", Conditions{IfUnmodifiedSince: &after}, false, false},
		{"if-match beats ius", Conditions{IfMatch: `"abc"`, IfUnmodifiedSince: &before}, false, false},
		{"inm miss beats ims", Conditions{IfNoneMatch: `"x"`, IfModifiedSince: &after}, false, false},
	}
	for _, c := range cases {
		nm, err := c.c.Check(`"abc"`, mtime.Add(300*time.Millisecond))
		if nm != c.notModified || (err != nil) != c.failed {
			t.Errorf("%s: notModified=%v err=%v", c.name, nm, err)
		}
	}
}

func TestParseAddress(t *testing.T) {
	cases := []struct {
		host, path, bucket, key string
		err                     bool
	}{
		{"127.0.0.1:4566", "/", "", "", false},
		{"127.0.0.1:4566", "/bucket", "bucket", "", false},
		{"127.0.0.1:4566", "/bucket/", "bucket", "", false},
		{"127.0.0.1:4566", "/bucket/a/b.txt", "bucket", "a/b.txt", false},
		{"127.0.0.1:4566", "/bucket//a//b/", "bucket", "/a//b/", false},
		{"127.0.0.1:4566", "/bucket/a%20b%2Bc%25", "bucket", "a b+c%", false},
		{"127.0.0.1:4566", "/bucket/a+b", "bucket", "a+b", false},
		{"127.0.0.1:4566", "/bucket/%E6%97%A5", "bucket", "日", false},
		{"127.0.0.1:4566", "/bucket/k?versionId=1", "bucket", "k", false},
		{"localhost:4566", "/bucket/k", "bucket", "k", false},
		{"[::1]:4566", "/bucket/k", "bucket", "k", false},
		{"bucket.localhost:4566", "/", "bucket", "", false},
		{"bucket.localhost:4566", "/k/x", "bucket", "k/x", false},
		{"my.dotted.bucket.localhost", "//k", "my.dotted.bucket", "/k", false},
		{"bucket.s3.localhost.localstack.cloud:4566", "/k", "bucket", "k", false},
		{"s3.localhost.localstack.cloud:4566", "/bucket/k", "bucket", "k", false},
		{"bucket.s3.amazonaws.com", "/k", "bucket", "k", false},
		{"bucket.s3.us-west-2.amazonaws.com", "/k", "bucket", "k", false},
		{"bucket.s3-us-west-2.amazonaws.com", "/k", "bucket", "k", false},
		{"s3.amazonaws.com", "/bucket/k", "bucket", "k", false},
		{"s3.us-west-2.amazonaws.com", "/bucket/k", "bucket", "k", false},
		{"BUCKET.LOCALHOST", "/k", "bucket", "k", false},
		{"127.0.0.1", "/bucket/%zz", "", "", true},
		{"127.0.0.1", "relative", "", "", true},
		{"127.0.0.1", "//key", "", "", true},
		{"127.0.0.1", "http://127.0.0.1:4566/b/k", "b", "k", false},
	}
	for _, c := range cases {
		b, k, err := parseAddress(c.host, c.path)
		if (err != nil) != c.err || b != c.bucket || k != c.key {
			t.Errorf("parseAddress(%q, %q) = %q, %q, %v; want %q, %q", c.host, c.path, b, k, err, c.bucket, c.key)
		}
	}
}

func TestParseS3URL(t *testing.T) {
	cases := []struct {
		url, bucket, key, version string
		err                       bool
	}{
		{"https://bucket.s3.amazonaws.com/path/to/template.yaml", "bucket", "path/to/template.yaml", "", false},
		{"https://bucket.s3.us-east-1.amazonaws.com/key", "bucket", "key", "", false},
		{"https://my.bucket.s3.eu-west-1.amazonaws.com/key", "my.bucket", "key", "", false},
		{"https://bucket.s3-us-west-2.amazonaws.com/key", "bucket", "key", "", false},
		{"https://s3.amazonaws.com/bucket/key", "bucket", "key", "", false},
		{"https://s3.us-west-2.amazonaws.com/bucket/dir/key.json", "bucket", "dir/key.json", "", false},
		{"https://s3-us-west-2.amazonaws.com/bucket/key", "bucket", "key", "", false},
		{"s3://bucket/key", "bucket", "key", "", false},
		{"s3://bucket/dir/with%20space", "bucket", "dir/with space", "", false},
		{"s3://bucket", "bucket", "", "", false},
		{"http://127.0.0.1:4566/bucket/key", "bucket", "key", "", false},
		{"http://localhost:4566/bucket/a/b?versionId=v1", "bucket", "a/b", "v1", false},
		{"http://bucket.localhost:4566/key", "bucket", "key", "", false},
		{"https://bucket.s3.amazonaws.com/a%2Bb%20c", "bucket", "a+b c", "", false},
		{"ftp://bucket/key", "", "", "", true},
		{"not a url at all", "", "", "", true},
		{"https://s3.amazonaws.com/", "", "", "", true},
		{"", "", "", "", true},
	}
	for _, c := range cases {
		b, k, v, err := ParseS3URL(c.url)
		if (err != nil) != c.err || b != c.bucket || k != c.key || v != c.version {
			t.Errorf("ParseS3URL(%q) = %q %q %q %v", c.url, b, k, v, err)
		}
	}
}

func TestCRC64NVMECheckValue(t *testing.T) {
	// The CRC-64/NVME check value (the CRC of "123456789").
	h := crc64.New(nvmeTable)
	h.Write([]byte("123456789"))
	if got := h.Sum64(); got != 0xae8b14860a799888 {
		t.Fatalf("CRC64NVME check %#x", got)
	}
}

func TestEngineObjectLifecycle(t *testing.T) {
	e, dir := newTestEngine(t)
	ctx := testCtx()
	if _, err := e.CreateBucket(ctx, "eng", CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		run  func() error
		code string
	}{
		{"put", func() error {
			_, err := e.PutObject(ctx, "eng", "k", strings.NewReader("v1"), PutOptions{})
			return err
		}, ""},
		{"put missing bucket", func() error {
			_, err := e.PutObject(ctx, "nope", "k", strings.NewReader("v1"), PutOptions{})
			return err
		}, "NoSuchBucket"},
		{"put empty key", func() error { _, err := e.PutObject(ctx, "eng", "", strings.NewReader("v1"), PutOptions{}); return err }, "InvalidArgument"},
		{"put long key", func() error {
			_, err := e.PutObject(ctx, "eng", strings.Repeat("x", 1025), strings.NewReader("v1"), PutOptions{})
			return err
		}, "KeyTooLongError"},
		{"put bad utf8", func() error {
			_, err := e.PutObject(ctx, "eng", "\xff", strings.NewReader("v1"), PutOptions{})
			return err
		}, "InvalidArgument"},
		{"put short body", func() error {
			n := int64(10)
			_, err := e.PutObject(ctx, "eng", "k", strings.NewReader("v1"), PutOptions{ContentLength: &n})
			return err
		}, "IncompleteBody"},
		{"put bad md5", func() error {
			_, err := e.PutObject(ctx, "eng", "k", strings.NewReader("v1"), PutOptions{ContentMD5: "AAAAAAAAAAAAAAAAAAAAAA=="})
			return err
		}, "BadDigest"},
		{"put bad checksum", func() error {
			_, err := e.PutObject(ctx, "eng", "k", strings.NewReader("v1"), PutOptions{ChecksumAlgorithm: "crc32", Checksum: "AAAAAA=="})
			return err
		}, "BadDigest"},
		{"put bad trailer", func() error {
			_, err := e.PutObject(ctx, "eng", "k", strings.NewReader("v1"), PutOptions{ChecksumAlgorithm: "SHA1", TrailingChecksum: func() string { return "wrong" }})
			return err
		}, "BadDigest"},
		{"put too many tags", func() error {
			var tags []Tag
			for i := 0; i < 11; i++ {
				tags = append(tags, Tag{Key: fmt.Sprint(i)})
			}
			_, err := e.PutObject(ctx, "eng", "k", strings.NewReader("v1"), PutOptions{Tags: tags})
			return err
		}, "InvalidTag"},
		{"put big metadata", func() error {
			_, err := e.PutObject(ctx, "eng", "k", strings.NewReader("v1"), PutOptions{Metadata: map[string]string{"a": strings.Repeat("x", 2100)}})
			return err
		}, "MetadataTooLarge"},
		{"if-none-match", func() error {
			_, err := e.PutObject(ctx, "eng", "k", strings.NewReader("v1"), PutOptions{IfNoneMatch: "*"})
			return err
		}, "PreconditionFailed"},
		{"get version of unversioned", func() error {
			rc, _, err := e.GetObject(ctx, "eng", "k", "null")
			if err == nil {
				rc.Close()
			}
			return err
		}, ""},
		{"get missing", func() error { _, _, err := e.GetObject(ctx, "eng", "missing", ""); return err }, "NoSuchKey"},
		{"get other version", func() error { _, _, err := e.GetObject(ctx, "eng", "k", "abc"); return err }, "NoSuchVersion"},
		{"delete", func() error { _, err := e.DeleteObject(ctx, "eng", "k", ""); return err }, ""},
		{"delete again", func() error { _, err := e.DeleteObject(ctx, "eng", "k", ""); return err }, ""},
		{"head deleted", func() error { _, err := e.HeadObject(ctx, "eng", "k", ""); return err }, "NoSuchKey"},
		{"delete bucket", func() error { return e.DeleteBucket(ctx, "eng") }, ""},
		{"delete bucket again", func() error { return e.DeleteBucket(ctx, "eng") }, "NoSuchBucket"},
	}
	for _, s := range steps {
		if got := codeOf(s.run()); got != s.code {
			t.Fatalf("%s: got %q, want %q", s.name, got, s.code)
		}
	}
	if files := blobFiles(t, dir); len(files) != 0 {
		t.Fatalf("stray files: %v", files)
	}
}

func TestEngineListing(t *testing.T) {
	e, _ := newTestEngine(t)
	ctx := testCtx()
	e.CreateBucket(ctx, "list", CreateBucketOptions{})
	keys := []string{"a", "a/b", "a/c", "b/x/1", "b/x/2", "b/y", "c", "d/", "d/e"}
	for _, k := range keys {
		if _, err := e.PutObject(ctx, "list", k, strings.NewReader(k), PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		opts     ListOptions
		objects  string
		prefixes string
		trunc    bool
	}{
		{ListOptions{MaxKeys: -1}, "a,a/b,a/c,b/x/1,b/x/2,b/y,c,d/,d/e", "", false},
		{ListOptions{MaxKeys: -1, Delimiter: "/"}, "a,c", "a/,b/,d/", false},
		{ListOptions{MaxKeys: -1, Delimiter: "/", Prefix: "b/"}, "b/y", "b/x/", false},
		{ListOptions{MaxKeys: 2, Delimiter: "/"}, "a", "a/", true},
		{ListOptions{MaxKeys: -1, Delimiter: "/", After: "a/"}, "c", "b/,d/", false},
		{ListOptions{MaxKeys: -1, Delimiter: "/", After: "a/b"}, "c", "b/,d/", false},
		{ListOptions{MaxKeys: -1, Prefix: "d/", Delimiter: "/"}, "d/,d/e", "", false},
		{ListOptions{MaxKeys: 0}, "", "", false},
		{ListOptions{MaxKeys: 3, After: "b"}, "b/x/1,b/x/2,b/y", "", true},
		{ListOptions{MaxKeys: -1, Delimiter: "x", Prefix: "b/"}, "b/y", "b/x", false},
	}
	for _, c := range cases {
		res, err := e.ListObjects(ctx, "list", c.opts)
		if err != nil {
			t.Fatal(err)
		}
		var objs []string
		for _, o := range res.Objects {
			objs = append(objs, o.Key)
		}
		if strings.Join(objs, ",") != c.objects || strings.Join(res.CommonPrefixes, ",") != c.prefixes || res.IsTruncated != c.trunc {
			t.Errorf("%+v: objects %v prefixes %v truncated %v", c.opts, objs, res.CommonPrefixes, res.IsTruncated)
		}
	}
	// Continuation tokens walk everything exactly once, at every page size.
	for size := 1; size <= 4; size++ {
		for _, delim := range []string{"", "/"} {
			var all []string
			tok := ""
			for {
				res, err := e.ListObjects(ctx, "list", ListOptions{MaxKeys: size, Delimiter: delim, ContinuationToken: tok})
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range res.Objects {
					all = append(all, o.Key)
				}
				all = append(all, res.CommonPrefixes...)
				if !res.IsTruncated {
					break
				}
				tok = res.NextContinuationToken
			}
			want := 9
			if delim == "/" {
				want = 5
			}
			if len(all) != want {
				t.Errorf("page size %d delim %q: %v", size, delim, all)
			}
		}
	}
	// Delete markers hide keys, and a prefix whose only keys are hidden.
	e.PutBucketVersioning(ctx, "list", VersioningEnabled, "")
	e.DeleteObject(ctx, "list", "d/", "")
	e.DeleteObject(ctx, "list", "d/e", "")
	res, _ := e.ListObjects(ctx, "list", ListOptions{MaxKeys: -1, Delimiter: "/"})
	if strings.Join(res.CommonPrefixes, ",") != "a/,b/" {
		t.Fatalf("prefixes with hidden keys: %v", res.CommonPrefixes)
	}
	if _, err := e.ListObjects(ctx, "list", ListOptions{ContinuationToken: "bad"}); codeOf(err) != "InvalidArgument" {
		t.Fatalf("bad token: %v", err)
	}
}

func TestEngineVersioningStates(t *testing.T) {
	e, dir := newTestEngine(t)
	ctx := testCtx()
	if _, err := e.CreateBucket(ctx, "vsb", CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	put := func(body string) *ObjectInfo {
		t.Helper()
		info, err := e.PutObject(ctx, "vsb", "k", strings.NewReader(body), PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return info
	}
	if v := put("a").VersionID; v != "" {
		t.Fatalf("unversioned version id %q", v)
	}
	put("b") // replaces "a"
	if n := len(blobFiles(t, dir)); n != 1 {
		t.Fatalf("%d blobs after overwrite, want 1", n)
	}
	if err := e.PutBucketVersioning(ctx, "vsb", "", ""); codeOf(err) != "IllegalVersioningConfigurationException" {
		t.Fatalf("empty status: %v", err)
	}
	e.PutBucketVersioning(ctx, "vsb", VersioningEnabled, "")
	v1 := put("c").VersionID
	v2 := put("d").VersionID
	if v1 == "" || v2 == "" || v1 == v2 || len(v1) != 32 {
		t.Fatalf("version ids %q %q", v1, v2)
	}
	e.PutBucketVersioning(ctx, "vsb", VersioningSuspended, "")
	if v := put("e").VersionID; v != "null" {
		t.Fatalf("suspended version id %q", v)
	}
	put("f") // replaces the null version "e" (which replaced "b")
	res, err := e.ListObjectVersions(ctx, "vsb", VersionListOptions{MaxKeys: -1})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range res.Versions {
		ids = append(ids, v.VersionID)
	}
	if strings.Join(ids, ",") != "null,"+v2+","+v1 {
		t.Fatalf("versions %v", ids)
	}
	if n := len(blobFiles(t, dir)); n != 3 {
		t.Fatalf("%d blobs, want 3", n)
	}
	rc, info, err := e.GetObject(ctx, "vsb", "k", v1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "c" || info.IsLatest {
		t.Fatalf("v1: %q latest=%v", b, info.IsLatest)
	}
	// Delete every version: the key disappears.
	for _, id := range ids {
		if _, err := e.DeleteObject(ctx, "vsb", "k", id); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.DeleteBucket(ctx, "vsb"); err != nil {
		t.Fatal(err)
	}
	if files := blobFiles(t, dir); len(files) != 0 {
		t.Fatalf("stray files: %v", files)
	}
}

// failingReader yields n bytes then fails.
type failingReader struct {
	n   int
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, f.err
	}
	k := min(len(p), f.n)
	for i := range p[:k] {
		p[i] = 'x'
	}
	f.n -= k
	return k, nil
}

func TestCrashSafety(t *testing.T) {
	e, dir := newTestEngine(t)
	ctx := testCtx()
	e.CreateBucket(ctx, "safe", CreateBucketOptions{})
	if _, err := e.PutObject(ctx, "safe", "k", strings.NewReader("original"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	before := blobFiles(t, dir)
	boom := errors.New("connection reset")
	for _, body := range []io.Reader{
		&failingReader{n: 3 << 20, err: boom},
		&failingReader{n: 0, err: boom},
		io.MultiReader(strings.NewReader("partial"), &failingReader{err: io.ErrUnexpectedEOF}),
	} {
		_, err := e.PutObject(ctx, "safe", "k", body, PutOptions{})
		if err == nil || !errors.Is(err, boom) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("failing body: %v", err)
		}
		if codeOf(err) != "IncompleteBody" {
			t.Fatalf("failing body reads as %q", codeOf(err))
		}
	}
	// Cancelled context.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.PutObject(cctx, "safe", "k", strings.NewReader("new"), PutOptions{}); err == nil {
		t.Fatal("cancelled put succeeded")
	}
	rc, _, err := e.GetObject(ctx, "safe", "k", "")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != "original" {
		t.Fatalf("object after failed writes: %q", got)
	}
	if after := blobFiles(t, dir); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Fatalf("files changed: %v -> %v", before, after)
	}
	// A failing multipart part leaves nothing either.
	u, _ := e.CreateMultipartUpload(ctx, "safe", "mp", PutOptions{})
	if _, err := e.UploadPart(ctx, "safe", "mp", u.UploadID, 1, &failingReader{n: 1 << 20, err: boom}, PartOptions{}); err == nil {
		t.Fatal("failing part succeeded")
	}
	if after := blobFiles(t, dir); len(after) != len(before) {
		t.Fatalf("failing part left files: %v", after)
	}
}

func TestGarbageCollectionOnStart(t *testing.T) {
	st := store.NewMemory()
	dir := t.TempDir()
	e, err := New(st, dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx()
	if _, err := e.CreateBucket(ctx, "gcb", CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	e.PutObject(ctx, "gcb", "keep", strings.NewReader("keep me"), PutOptions{})
	u, _ := e.CreateMultipartUpload(ctx, "gcb", "mp", PutOptions{})
	e.UploadPart(ctx, "gcb", "mp", u.UploadID, 1, strings.NewReader("part"), PutOptions{}.partOpts())
	// A crash between rename and commit leaves an unreferenced blob; one
	// mid-upload leaves a temporary file.
	orphan := filepath.Join(dir, "data", "ab", "ab"+strings.Repeat("0", 30))
	os.MkdirAll(filepath.Dir(orphan), 0o700)
	os.WriteFile(orphan, []byte("orphan"), 0o600)
	os.WriteFile(filepath.Join(dir, "tmp", "up-123"), []byte("partial"), 0o600)
	if n := len(blobFiles(t, dir)); n != 4 {
		t.Fatalf("%d files before restart", n)
	}
	e2, err := New(st, dir)
	if err != nil {
		t.Fatal(err)
	}
	files := blobFiles(t, dir)
	if len(files) != 2 {
		t.Fatalf("after GC: %v", files)
	}
	for _, f := range files {
		if f == orphan {
			t.Fatal("orphan survived")
		}
	}
	rc, _, err := e2.GetObject(ctx, "gcb", "keep", "")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "keep me" {
		t.Fatalf("after restart: %q", b)
	}
	if _, err := e2.CompleteMultipartUpload(ctx, "gcb", "mp", u.UploadID, []CompletedPart{{PartNumber: 1, ETag: md5hex([]byte("part"))}}, CompleteOptions{}); err != nil {
		t.Fatal(err)
	}
}

func (PutOptions) partOpts() PartOptions { return PartOptions{} }

// Readers keep their bytes while writers replace and delete the object.
func TestConcurrentReadersAndWriters(t *testing.T) {
	t.Parallel()
	e, dir := newTestEngine(t)
	ctx := testCtx()
	e.CreateBucket(ctx, "conc", CreateBucketOptions{})
	bodies := make([][]byte, 4)
	for i := range bodies {
		bodies[i] = bytes.Repeat([]byte{byte('a' + i)}, 256<<10)
	}
	e.PutObject(ctx, "conc", "k", bytes.NewReader(bodies[0]), PutOptions{})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 100)
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if i%5 == 4 {
					e.DeleteObject(ctx, "conc", "k", "")
					continue
				}
				if _, err := e.PutObject(ctx, "conc", "k", bytes.NewReader(bodies[(i+w)%4]), PutOptions{}); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				rc, _, err := e.GetObject(ctx, "conc", "k", "")
				if codeOf(err) == "NoSuchKey" {
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				time.Sleep(100 * time.Microsecond) // let writers replace it
				b, err := io.ReadAll(rc)
				rc.Close()
				if err != nil || len(b) != 256<<10 || bytes.Count(b, b[:1]) != len(b) {
					errs <- fmt.Errorf("torn read: %d bytes, %v", len(b), err)
					return
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	e.DeleteObject(ctx, "conc", "k", "")
	if files := blobFiles(t, dir); len(files) != 0 {
		t.Fatalf("stray files after concurrent work: %v", files)
	}
}

func TestBodyTrailers(t *testing.T) {
	inner := &trailerBody{Reader: strings.NewReader("x"), t: map[string]string{"x-amz-checksum-sha256": "v"}}
	if got := bodyTrailers(io.NopCloser(inner)); got["x-amz-checksum-sha256"] != "v" {
		t.Fatalf("trailers through NopCloser: %v", got)
	}
	if got := bodyTrailers(strings.NewReader("x")); got != nil {
		t.Fatalf("plain reader: %v", got)
	}
	var nilBody io.Reader
	if got := bodyTrailers(nilBody); got != nil {
		t.Fatal("nil body")
	}
}

type trailerBody struct {
	io.Reader
	t map[string]string
}

func (b *trailerBody) Trailers() map[string]string { return b.t }

func TestLargeObjectStreams(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip()
	}
	e, _ := newTestEngine(t)
	ctx := testCtx()
	e.CreateBucket(ctx, "big", CreateBucketOptions{})
	// 64 MiB from a generator: never held in memory by the engine.
	const size = 64 << 20
	src := io.LimitReader(rand.Reader, size)
	info, err := e.PutObject(ctx, "big", "k", src, PutOptions{})
	if err != nil || info.Size != size {
		t.Fatalf("put: %+v %v", info, err)
	}
	o, err := e.OpenObject(ctx, "big", "k", "")
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, o.Range(size-100, 100))
	if err != nil || n != 100 {
		t.Fatalf("range read: %d %v", n, err)
	}
}

func TestCombineChecksums(t *testing.T) {
	data := make([]byte, 100003)
	rand.Read(data)
	for _, alg := range []string{CRC32, CRC32C, CRC64NVME} {
		for _, cuts := range [][]int{{}, {1}, {50000}, {1, 2, 3}, {0, 99999}, {40000, 40000, 100003}} {
			var sums []string
			var sizes []int64
			prev := 0
			for _, c := range append(cuts, len(data)) {
				if c < prev {
					continue
				}
				h := newChecksum(alg)
				h.Write(data[prev:c])
				sums = append(sums, b64(h))
				sizes = append(sizes, int64(c-prev))
				prev = c
			}
			got, ok := combineChecksums(alg, sums, sizes)
			h := newChecksum(alg)
			h.Write(data)
			if !ok || got != b64(h) {
				t.Errorf("%s cuts %v: combined %s, want %s", alg, cuts, got, b64(h))
			}
		}
	}
	if _, ok := combineChecksums(SHA256, []string{"x"}, []int64{1}); ok {
		t.Error("SHA256 combined")
	}
}
