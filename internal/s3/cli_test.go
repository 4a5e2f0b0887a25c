package s3

import (
	"bytes"
	"crypto/rand"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// awsCLI runs the AWS CLI against the server.
func awsCLI(t *testing.T, srv *testServer, args ...string) string {
	t.Helper()
	return awsCLIEnv(t, srv, nil, args...)
}

func awsCLIEnv(t *testing.T, srv *testServer, extra []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("aws", args...)
	cmd.Env = append(cliEnv(srv), extra...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("aws %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// cliEnv is srv.Env() without empty AWS_PROFILE / AWS_SESSION_TOKEN
// entries, which the CLI v1 reads as a profile named "" (not found).
func cliEnv(srv *testServer) []string {
	var env []string
	for _, kv := range srv.Env() {
		if kv == "AWS_PROFILE=" || kv == "AWS_SESSION_TOKEN=" || strings.HasPrefix(kv, "AWS_DEFAULT_PROFILE=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func needCLI(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("AWS CLI tests are slow")
	}
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not on PATH")
	}
}

func randomFile(t *testing.T, path string, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCLI(t *testing.T) {
	t.Parallel()
	needCLI(t)
	srv := startServer(t)
	dir := t.TempDir()
	awsCLI(t, srv, "s3", "mb", "s3://cli-bucket")
	if out := awsCLI(t, srv, "s3", "ls"); !strings.Contains(out, "cli-bucket") {
		t.Fatalf("s3 ls: %q", out)
	}
	small := randomFile(t, filepath.Join(dir, "small.bin"), 1234)
	big := randomFile(t, filepath.Join(dir, "big.bin"), 20<<20)
	awsCLI(t, srv, "s3", "cp", filepath.Join(dir, "small.bin"), "s3://cli-bucket/dir/small file.bin")
	awsCLI(t, srv, "s3", "cp", filepath.Join(dir, "big.bin"), "s3://cli-bucket/dir/big.bin")
	awsCLI(t, srv, "s3", "cp", "s3://cli-bucket/dir/small file.bin", filepath.Join(dir, "small.out"))
	awsCLI(t, srv, "s3", "cp", "s3://cli-bucket/dir/big.bin", filepath.Join(dir, "big.out"))
	for name, want := range map[string][]byte{"small.out": small, "big.out": big} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: %d bytes differ from the %d uploaded (%v)", name, len(got), len(want), err)
		}
	}
	// The 20 MiB upload went multipart: its ETag says how many parts.
	info, err := srv.e.HeadObject(testCtx(), "cli-bucket", "dir/big.bin", "")
	if err != nil || !strings.HasSuffix(info.ETag, `-3"`) {
		t.Fatalf("big object: %+v %v", info, err)
	}
	out := awsCLI(t, srv, "s3", "ls", "s3://cli-bucket/dir/")
	if !strings.Contains(out, "small file.bin") || !strings.Contains(out, "big.bin") {
		t.Fatalf("ls: %s", out)
	}

	// sync a directory tree up, and back down.
	src := filepath.Join(dir, "tree")
	for _, p := range []string{"a.txt", "sub/b.txt", "sub/deeper/c d.txt", "unicode-é.txt"} {
		os.MkdirAll(filepath.Dir(filepath.Join(src, p)), 0o700)
		os.WriteFile(filepath.Join(src, p), []byte("content of "+p), 0o600)
		// Older than the upload, so the second sync sees nothing newer.
		old := time.Now().Add(-time.Hour)
		os.Chtimes(filepath.Join(src, p), old, old)
	}
	awsCLI(t, srv, "s3", "sync", src, "s3://cli-bucket/tree")
	down := filepath.Join(dir, "down")
	awsCLI(t, srv, "s3", "sync", "s3://cli-bucket/tree", down)
	for _, p := range []string{"a.txt", "sub/b.txt", "sub/deeper/c d.txt", "unicode-é.txt"} {
		got, err := os.ReadFile(filepath.Join(down, p))
		if err != nil || string(got) != "content of "+p {
			t.Fatalf("synced %s: %q %v", p, got, err)
		}
	}
	// A second sync uploads nothing.
	if out := awsCLI(t, srv, "s3", "sync", src, "s3://cli-bucket/tree"); strings.Contains(out, "upload:") {
		t.Fatalf("second sync uploaded again: %s", out)
	}

	// presign a GET and fetch it with plain HTTP. botocore presigns S3 URLs
	// with Signature Version 2 unless configured otherwise; the gateway
	// verifies Signature Version 4, so the test configures s3v4.
	cfgFile := filepath.Join(dir, "aws-config")
	os.WriteFile(cfgFile, []byte("[default]\ns3 =\n    signature_version = s3v4\n"), 0o600)
	u := strings.TrimSpace(awsCLIEnv(t, srv, []string{"AWS_CONFIG_FILE=" + cfgFile}, "s3", "presign", "s3://cli-bucket/dir/small file.bin"))
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, small) {
		t.Fatalf("presigned GET: %d %q", resp.StatusCode, got)
	}

	// s3api: versioning.
	awsCLI(t, srv, "s3api", "put-bucket-versioning", "--bucket", "cli-bucket", "--versioning-configuration", "Status=Enabled")
	if out := awsCLI(t, srv, "s3api", "get-bucket-versioning", "--bucket", "cli-bucket"); !strings.Contains(out, "Enabled") {
		t.Fatalf("get-bucket-versioning: %s", out)
	}
	awsCLI(t, srv, "s3", "cp", filepath.Join(dir, "small.bin"), "s3://cli-bucket/v.bin")
	awsCLI(t, srv, "s3", "cp", filepath.Join(dir, "small.bin"), "s3://cli-bucket/v.bin")
	out = awsCLI(t, srv, "s3api", "list-object-versions", "--bucket", "cli-bucket", "--prefix", "v.bin")
	if strings.Count(out, `"VersionId"`) != 2 {
		t.Fatalf("list-object-versions: %s", out)
	}

	// rm --recursive, then rb --force on what is left (versions included).
	awsCLI(t, srv, "s3", "rm", "--recursive", "s3://cli-bucket/tree")
	if out := awsCLI(t, srv, "s3api", "list-objects-v2", "--bucket", "cli-bucket", "--prefix", "tree/"); strings.Contains(out, `"Contents"`) {
		t.Fatalf("after rm: %s", out)
	}
	awsCLI(t, srv, "s3api", "put-bucket-versioning", "--bucket", "cli-bucket", "--versioning-configuration", "Status=Suspended")
	awsCLI(t, srv, "s3", "mb", "s3://cli-bucket-2")
	awsCLI(t, srv, "s3", "cp", filepath.Join(dir, "small.bin"), "s3://cli-bucket-2/x")
	awsCLI(t, srv, "s3", "rb", "--force", "s3://cli-bucket-2")
	if ok, _ := srv.e.BucketExists(testCtx(), "cli-bucket-2"); ok {
		t.Fatal("rb --force left the bucket")
	}
}
