package artifacts

import (
	"archive/zip"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, name string
		want          bool
	}{
		{"**/*", "a", true},
		{"**/*", "a/b/c.txt", true},
		{"*", "a", true},
		{"*", "a/b", false},
		{"target/*.jar", "target/app.jar", true},
		{"target/*.jar", "target/lib/dep.jar", false},
		{"target/**/*.jar", "target/app.jar", true},
		{"target/**/*.jar", "target/lib/x/dep.jar", true},
		{"**/test-*.xml", "reports/unit/test-a.xml", true},
		{"**/test-*.xml", "test-b.xml", true},
		{"**/test-*.xml", "reports/a.xml", false},
		{"dist/**", "dist/a/b", true},
		{"a/?.txt", "a/b.txt", true},
		{"a/[bc].txt", "a/c.txt", true},
		{"a/[bc].txt", "a/d.txt", false},
	} {
		if got := Match(c.pattern, c.name); got != c.want {
			t.Errorf("Match(%q, %q) = %v", c.pattern, c.name, got)
		}
	}
}

// tree builds files (name → content; content "->target" makes a symlink).
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if target, ok := strings.CutPrefix(content, "->"); ok {
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func names(fs []File) string {
	var out []string
	for _, f := range fs {
		n := f.Name
		if f.Link != "" {
			n += "->" + f.Link
		}
		out = append(out, n)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func TestCollect(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o644)
	files := map[string]string{
		"README.md":                "r",
		"target/app.jar":           "j",
		"target/lib/dep.jar":       "d",
		"target/tmp/x.tmp":         "t",
		"dist/index.html":          "i",
		"dist/js/app.js":           "a",
		"my-build1/out/a.txt":      "1",
		"my-build2/b.txt":          "2",
		"links/inside":             "->../README.md",
		"links/dir":                "->../dist",
		"links/outside-abs":        "->" + filepath.Join(outside, "secret"),
		"links/outside-rel":        "->../../../../../../../../../../" + filepath.Join(outside, "secret"),
		"escape/out":               "->" + outside,
		"reports/unit/test-a.xml":  "<x/>",
		"reports/other/test-b.xml": "<x/>",
	}
	root := tree(t, files)
	for _, c := range []struct {
		name string
		spec Spec
		want string
		err  string
	}{
		{name: "single file", spec: Spec{Files: []string{"target/app.jar"}}, want: "target/app.jar"},
		{name: "star stays in one dir", spec: Spec{Files: []string{"target/*.jar"}}, want: "target/app.jar"},
		{name: "globstar", spec: Spec{Files: []string{"target/**/*.jar"}}, want: "target/app.jar target/lib/dep.jar"},
		{name: "directory name selects its files", spec: Spec{Files: []string{"dist"}}, want: "dist/index.html dist/js/app.js"},
		{name: "leading ./", spec: Spec{Files: []string{"./dist/**/*"}}, want: "dist/index.html dist/js/app.js"},
		{name: "base directory", spec: Spec{Files: []string{"**/*"}, BaseDirectory: "dist"}, want: "index.html js/app.js"},
		{name: "base directory glob", spec: Spec{Files: []string{"**/*"}, BaseDirectory: "my-build*"}, want: "b.txt out/a.txt"},
		{name: "discard paths", spec: Spec{Files: []string{"target/**/*.jar"}, DiscardPaths: true}, want: "app.jar dep.jar"},
		{name: "exclude", spec: Spec{Files: []string{"target/**/*"}, ExcludePaths: []string{"**/*.tmp"}}, want: "target/app.jar target/lib/dep.jar"},
		{name: "exclude directory", spec: Spec{Files: []string{"target/**/*"}, ExcludePaths: []string{"target/lib"}}, want: "target/app.jar target/tmp/x.tmp"},
		{name: "reports", spec: Spec{Files: []string{"**/test-*.xml"}, BaseDirectory: "reports", DiscardPaths: true}, want: "test-a.xml test-b.xml"},
		{name: "symlink inside followed", spec: Spec{Files: []string{"links/inside"}}, want: "links/inside"},
		{name: "symlink inside stored", spec: Spec{Files: []string{"links/inside", "links/dir"}, EnableSymlinks: true}, want: "links/dir->../dist links/inside->../README.md"},
		{name: "symlinked directory not followed", spec: Spec{Files: []string{"links/dir"}}, err: ErrNoMatch.Error()},
		{name: "absolute symlink out", spec: Spec{Files: []string{"links/outside-abs"}}, err: "symlink points outside the source directory"},
		{name: "absolute symlink out stored", spec: Spec{Files: []string{"links/outside-abs"}, EnableSymlinks: true}, err: "outside the source directory"},
		{name: "relative symlink out", spec: Spec{Files: []string{"links/outside-rel"}}, err: "outside the source directory"},
		{name: "base directory through symlink out", spec: Spec{Files: []string{"**/*"}, BaseDirectory: "escape/out"}, err: "resolves outside the source directory"},
		{name: "dot-dot pattern", spec: Spec{Files: []string{"../etc/passwd"}}, err: "paths may not leave the source directory"},
		{name: "dot-dot inside pattern", spec: Spec{Files: []string{"dist/../../x"}}, err: "paths may not leave the source directory"},
		{name: "absolute pattern", spec: Spec{Files: []string{"/etc/passwd"}}, err: "absolute paths are not allowed"},
		{name: "absolute base", spec: Spec{Files: []string{"*"}, BaseDirectory: "/etc"}, err: "absolute paths are not allowed"},
		{name: "dot-dot base", spec: Spec{Files: []string{"*"}, BaseDirectory: ".."}, err: "paths may not leave the source directory"},
		{name: "dot-dot exclude", spec: Spec{Files: []string{"*"}, ExcludePaths: []string{"../x"}}, err: "paths may not leave"},
		{name: "nothing matches", spec: Spec{Files: []string{"nope/*"}}, err: "no matching artifact paths found"},
		{name: "missing base", spec: Spec{Files: []string{"*"}, BaseDirectory: "nope"}, err: "no matching artifact paths found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Collect(root, c.spec)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got %q %v, want error %q", names(got), err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n := names(got); n != c.want {
				t.Fatalf("got %q, want %q", n, c.want)
			}
		})
	}
	// The whole tree with "**/*" meets the outward symlinks and is refused.
	if _, err := Collect(root, Spec{Files: []string{"**/*"}}); err == nil {
		t.Fatal("**/* over outward symlinks accepted")
	}
}

func TestZipRoundTrip(t *testing.T) {
	root := tree(t, map[string]string{"a/b.txt": "bee", "c.sh": "#!/bin/sh", "l": "->a/b.txt"})
	os.Chmod(filepath.Join(root, "c.sh"), 0o755)
	files, err := Collect(root, Spec{Files: []string{"**/*"}, EnableSymlinks: true})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteZip(&buf, files); err != nil {
		t.Fatal(err)
	}
	dest := t.TempDir()
	if err := Extract(bytes.NewReader(buf.Bytes()), int64(buf.Len()), dest, Limits{}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dest, "a", "b.txt")); string(b) != "bee" {
		t.Fatalf("a/b.txt = %q", b)
	}
	if st, _ := os.Stat(filepath.Join(dest, "c.sh")); st == nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("mode not kept: %v", st)
	}
	if l, err := os.Readlink(filepath.Join(dest, "l")); err != nil || l != "a/b.txt" {
		t.Fatalf("symlink %q %v", l, err)
	}
}

type entry struct {
	name, body string
	mode       fs.FileMode
}

func zipOf(t *testing.T, entries ...entry) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name}
		if e.mode != 0 {
			h.SetMode(e.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.body))
	}
	zw.Close()
	return buf.Bytes()
}

func TestExtractZipSlip(t *testing.T) {
	for _, c := range []struct {
		name    string
		entries []entry
		err     string
	}{
		{"dot-dot", []entry{{name: "../evil", body: "x"}}, "path leaves the destination"},
		{"nested dot-dot", []entry{{name: "a/../../evil", body: "x"}}, "path leaves the destination"},
		{"backslash dot-dot", []entry{{name: `..\evil`, body: "x"}}, "path leaves the destination"},
		{"absolute", []entry{{name: "/tmp/evil", body: "x"}}, "absolute path"},
		{"drive letter", []entry{{name: "C:/evil", body: "x"}}, "absolute path"},
		{"symlink out absolute", []entry{{name: "l", body: "/etc", mode: fs.ModeSymlink | 0o777}}, "symlink points outside"},
		{"symlink out relative", []entry{{name: "a/l", body: "../../x", mode: fs.ModeSymlink | 0o777}}, "symlink points outside"},
		{"ok", []entry{{name: "a/b/c.txt", body: "x"}, {name: "d/", body: ""}, {name: "a/l", body: "b/c.txt", mode: fs.ModeSymlink | 0o777}}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			parent := t.TempDir()
			dest := filepath.Join(parent, "dest")
			os.Mkdir(dest, 0o755)
			z := zipOf(t, c.entries...)
			err := Extract(bytes.NewReader(z), int64(len(z)), dest, Limits{})
			if c.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ee *EntryError
			if !errors.As(err, &ee) || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("got %v, want %q", err, c.err)
			}
			if _, err := os.Stat(filepath.Join(parent, "evil")); err == nil {
				t.Fatal("file written outside the destination")
			}
		})
	}
}

func TestExtractThroughPlantedSymlink(t *testing.T) {
	// A link planted by an earlier extraction (or the build) must not be
	// written through.
	parent := t.TempDir()
	outside := filepath.Join(parent, "outside")
	dest := filepath.Join(parent, "dest")
	os.Mkdir(outside, 0o755)
	os.Mkdir(dest, 0o755)
	os.Symlink(outside, filepath.Join(dest, "a"))
	z := zipOf(t, entry{name: "a/passwd", body: "pwned"})
	err := Extract(bytes.NewReader(z), int64(len(z)), dest, Limits{})
	if err == nil || !strings.Contains(err.Error(), "symlink outside") {
		t.Fatalf("got %v", err)
	}
	if _, err := os.Stat(filepath.Join(outside, "passwd")); err == nil {
		t.Fatal("written through the symlink")
	}
}

func TestExtractLimits(t *testing.T) {
	z := zipOf(t, entry{name: "big", body: strings.Repeat("x", 1000)})
	err := Extract(bytes.NewReader(z), int64(len(z)), t.TempDir(), Limits{MaxBytes: 100})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v", err)
	}
	z = zipOf(t, entry{name: "a"}, entry{name: "b"}, entry{name: "c"})
	err = Extract(bytes.NewReader(z), int64(len(z)), t.TempDir(), Limits{MaxFiles: 2})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v", err)
	}
}
