package bundle

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skiff-dev/skiff/internal/codedeploy/appspec"
)

type entry struct {
	name, body, link string
	mode             os.FileMode
	dir              bool
}

func makeZip(t *testing.T, entries []entry) string {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		switch {
		case e.dir:
			h.SetMode(os.ModeDir | 0o755)
		case e.link != "":
			h.SetMode(os.ModeSymlink | 0o777)
		default:
			m := e.mode
			if m == 0 {
				m = 0o644
			}
			h.SetMode(m)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if e.link != "" {
			w.Write([]byte(e.link))
		} else {
			w.Write([]byte(e.body))
		}
	}
	zw.Close()
	p := filepath.Join(t.TempDir(), "bundle.zip")
	os.WriteFile(p, b.Bytes(), 0o644)
	return p
}

func makeTar(t *testing.T, entries []entry, gz bool) string {
	t.Helper()
	var b bytes.Buffer
	var w = &b
	var tw *tar.Writer
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(w)
		tw = tar.NewWriter(zw)
	} else {
		tw = tar.NewWriter(w)
	}
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: tar.TypeReg}
		if e.mode != 0 {
			h.Mode = int64(e.mode)
		}
		switch {
		case e.dir:
			h.Typeflag, h.Size, h.Mode = tar.TypeDir, 0, 0o755
		case e.link != "":
			h.Typeflag, h.Size, h.Linkname = tar.TypeSymlink, 0, e.link
		}
		tw.WriteHeader(h)
		if h.Typeflag == tar.TypeReg {
			tw.Write([]byte(e.body))
		}
	}
	tw.Close()
	if zw != nil {
		zw.Close()
	}
	p := filepath.Join(t.TempDir(), "bundle")
	os.WriteFile(p, b.Bytes(), 0o644)
	return p
}

var good = []entry{
	{name: "appspec.yml", body: "version: 0.0\nos: linux\n"},
	{name: "scripts/", dir: true},
	{name: "scripts/start.sh", body: "#!/bin/sh\necho hi\n", mode: 0o755},
	{name: "app/index.html", body: "hello"},
	{name: "app/current", link: "index.html"},
}

func TestExtractFormats(t *testing.T) {
	for _, c := range []struct {
		name, typ string
		file      func(t *testing.T) string
	}{
		{"zip", Zip, func(t *testing.T) string { return makeZip(t, good) }},
		{"tar", Tar, func(t *testing.T) string { return makeTar(t, good, false) }},
		{"tgz", Tgz, func(t *testing.T) string { return makeTar(t, good, true) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := Extract(c.file(t), c.typ, dir, Limits{}); err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(filepath.Join(dir, "scripts/start.sh"))
			if err != nil || st.Mode().Perm() != 0o755 {
				t.Fatalf("start.sh: %v %v", st, err)
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "app/current")); string(b) != "hello" {
				t.Fatalf("symlink: %q", b)
			}
			root, file, err := FindAppSpec(dir)
			if err != nil || root != dir || filepath.Base(file) != "appspec.yml" {
				t.Fatalf("FindAppSpec: %s %s %v", root, file, err)
			}
		})
	}
}

func TestExtractRefusesUnsafe(t *testing.T) {
	for _, c := range []struct {
		name    string
		entries []entry
		want    string
	}{
		{"dotdot", []entry{{name: "../../evil.sh", body: "x"}}, "escapes the revision"},
		{"nested dotdot", []entry{{name: "a/../../evil.sh", body: "x"}}, "escapes the revision"},
		{"absolute", []entry{{name: "/etc/evil", body: "x"}}, "absolute path"},
		{"symlink out", []entry{{name: "link", link: "../../etc"}}, "points outside"},
		{"symlink absolute", []entry{{name: "link", link: "/etc"}}, "absolute path"},
		{"write through symlink", []entry{{name: "d/", dir: true}, {name: "link", link: "d"}, {name: "link/x", body: "x"}}, "through the symbolic link"},
	} {
		for _, kind := range []string{Zip, Tgz} {
			t.Run(c.name+"/"+kind, func(t *testing.T) {
				var f string
				if kind == Zip {
					f = makeZip(t, c.entries)
				} else {
					f = makeTar(t, c.entries, true)
				}
				dir := filepath.Join(t.TempDir(), "x", "y", "target")
				os.MkdirAll(dir, 0o755)
				err := Extract(f, kind, dir, Limits{})
				var ie *InvalidError
				if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("got %v, want an InvalidError containing %q", err, c.want)
				}
				if _, err := os.Stat(filepath.Join(dir, "..", "..", "evil.sh")); err == nil {
					t.Fatal("file written outside the target")
				}
			})
		}
	}
}

func TestExtractInvalidAndLimits(t *testing.T) {
	junk := filepath.Join(t.TempDir(), "junk")
	os.WriteFile(junk, []byte("this is not an archive"), 0o644)
	for _, typ := range []string{Zip, Tar, Tgz} {
		err := Extract(junk, typ, t.TempDir(), Limits{})
		var ie *InvalidError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "not a valid") {
			t.Fatalf("%s: %v", typ, err)
		}
	}
	if err := Extract(junk, "YAML", t.TempDir(), Limits{}); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("YAML: %v", err)
	}
	big := makeZip(t, []entry{{name: "a", body: strings.Repeat("x", 1000)}})
	if err := Extract(big, Zip, t.TempDir(), Limits{MaxBytes: 100}); err == nil || !strings.Contains(err.Error(), "more than 100 bytes") {
		t.Fatalf("size limit: %v", err)
	}
	many := makeZip(t, []entry{{name: "a", body: "1"}, {name: "b", body: "2"}, {name: "c", body: "3"}})
	if err := Extract(many, Zip, t.TempDir(), Limits{MaxEntries: 2}); err == nil || !strings.Contains(err.Error(), "more than 2 entries") {
		t.Fatalf("entry limit: %v", err)
	}
}

func TestFindAppSpecNestedAndMissing(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "myapp-1.0"), 0o755)
	os.WriteFile(filepath.Join(dir, "myapp-1.0", "appspec.yaml"), []byte("x"), 0o644)
	root, _, err := FindAppSpec(dir)
	if err != nil || root != filepath.Join(dir, "myapp-1.0") {
		t.Fatalf("%s %v", root, err)
	}
	if _, _, err := FindAppSpec(t.TempDir()); err == nil || !strings.Contains(err.Error(), "did not find an AppSpec file") {
		t.Fatalf("missing: %v", err)
	}
}

func TestInstall(t *testing.T) {
	archive := t.TempDir()
	os.MkdirAll(filepath.Join(archive, "web", "static"), 0o755)
	os.WriteFile(filepath.Join(archive, "web", "index.html"), []byte("v1"), 0o644)
	os.WriteFile(filepath.Join(archive, "web", "run.sh"), []byte("#!/bin/sh\n"), 0o644)
	os.WriteFile(filepath.Join(archive, "web", "static", "a.css"), []byte("css"), 0o644)
	os.WriteFile(filepath.Join(archive, "app.conf"), []byte("conf"), 0o644)
	root := t.TempDir()
	cleanupFile := filepath.Join(t.TempDir(), "dg-cleanup")
	spec := &appspec.AppSpec{
		Files: []appspec.File{{Source: "web", Destination: "/opt/site"}, {Source: "app.conf", Destination: "/etc/app"}},
		Permissions: []appspec.Permission{
			{Object: "/opt/site", Pattern: "*.sh", Mode: "755", Type: []string{"file"}},
			{Object: "/etc/app/app.conf", Pattern: "**", Mode: "600", Type: []string{"file"}},
		},
	}
	if err := Install(archive, root, spec, appspec.Disallow, cleanupFile); err != nil {
		t.Fatal(err)
	}
	check := func(rel, want string, mode os.FileMode) {
		t.Helper()
		p := filepath.Join(root, rel)
		b, err := os.ReadFile(p)
		if err != nil || string(b) != want {
			t.Fatalf("%s: %q %v", rel, b, err)
		}
		if st, _ := os.Stat(p); mode != 0 && st.Mode().Perm() != mode {
			t.Fatalf("%s mode %v, want %v", rel, st.Mode().Perm(), mode)
		}
	}
	check("opt/site/index.html", "v1", 0o644)
	check("opt/site/run.sh", "#!/bin/sh\n", 0o755)
	check("opt/site/static/a.css", "css", 0o644)
	check("etc/app/app.conf", "conf", 0o600)

	// The next deployment of the group first removes what this one
	// installed, so DISALLOW does not trip over it.
	os.WriteFile(filepath.Join(archive, "web", "index.html"), []byte("v2"), 0o644)
	os.Remove(filepath.Join(archive, "web", "static", "a.css"))
	if err := Install(archive, root, spec, appspec.Disallow, cleanupFile); err != nil {
		t.Fatal(err)
	}
	check("opt/site/index.html", "v2", 0)
	if _, err := os.Stat(filepath.Join(root, "opt/site/static/a.css")); !os.IsNotExist(err) {
		t.Fatalf("stale file kept: %v", err)
	}

	// A file not installed by CodeDeploy is in the way.
	os.WriteFile(filepath.Join(root, "etc/app/other"), []byte("mine"), 0o644)
	os.WriteFile(filepath.Join(archive, "other"), []byte("theirs"), 0o644)
	spec2 := &appspec.AppSpec{Files: []appspec.File{{Source: "other", Destination: "/etc/app"}}}
	err := Install(archive, root, spec2, appspec.Disallow, filepath.Join(t.TempDir(), "other-cleanup"))
	var ie *InstallError
	if !errors.As(err, &ie) || ie.Msg != "The deployment failed because a specified file already exists at this location: /etc/app/other" {
		t.Fatalf("DISALLOW: %v", err)
	}
	if err := Install(archive, root, spec2, appspec.Retain, filepath.Join(t.TempDir(), "c2")); err != nil {
		t.Fatal(err)
	}
	check("etc/app/other", "mine", 0)
	if err := Install(archive, root, spec2, appspec.Overwrite, filepath.Join(t.TempDir(), "c3")); err != nil {
		t.Fatal(err)
	}
	check("etc/app/other", "theirs", 0)

	// A source missing from the revision.
	err = Install(archive, root, &appspec.AppSpec{Files: []appspec.File{{Source: "nope", Destination: "/x"}}}, appspec.Overwrite, filepath.Join(t.TempDir(), "c4"))
	if !errors.As(err, &ie) || !strings.Contains(ie.Msg, "nope") {
		t.Fatalf("missing source: %v", err)
	}
}
