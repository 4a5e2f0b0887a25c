package appspec

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const sep = "----- output -----\n"

// Each testdata/*.golden holds an AppSpec file, the separator line, and
// the parse result: the parsed spec as JSON, or "error: <message>".
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.golden")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".golden"), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			in, want, ok := bytes.Cut(b, []byte(sep))
			if !ok {
				t.Fatalf("%s has no separator", f)
			}
			got := render(in)
			if *update {
				os.WriteFile(f, append(append(in, sep...), got...), 0o644)
				return
			}
			if string(got) != string(want) {
				t.Fatalf("%s:\n--- got ---\n%s\n--- want ---\n%s", f, got, want)
			}
		})
	}
}

func render(in []byte) []byte {
	s, err := Parse(in)
	if err != nil {
		return []byte("error: " + err.Error() + "\n")
	}
	b, _ := json.MarshalIndent(s, "", "  ")
	return append(b, '\n')
}

func TestScriptTimeoutsAndOrder(t *testing.T) {
	s, err := Parse([]byte("version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: a.sh\n      timeout: 7\n    - location: b.sh\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := s.ScriptsFor("AfterInstall")
	if len(got) != 2 || got[0].Location != "a.sh" || got[0].Timeout.Seconds() != 7 || got[1].Timeout != DefaultTimeout {
		t.Fatalf("%+v", got)
	}
	if s.ScriptsFor("ApplicationStart") != nil {
		t.Fatal("scripts for an event without hooks")
	}
	var nilSpec *AppSpec
	if nilSpec.ScriptsFor("x") != nil {
		t.Fatal("nil spec")
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.golden")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		in, _, _ := bytes.Cut(b, []byte(sep))
		f.Add(in)
	}
	f.Add([]byte("version: 0.0\nos: linux\nhooks: &a\n  x: *a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err == nil && (s == nil || s.Version != "0.0" || s.OS != "linux") {
			t.Fatalf("accepted without version/os: %+v", s)
		}
		if err == nil {
			for _, fl := range s.Files {
				if !strings.HasPrefix(fl.Destination, "/") || strings.HasPrefix(fl.Source, "../") || fl.Source == ".." {
					t.Fatalf("unsafe file mapping accepted: %+v", fl)
				}
			}
			for _, scripts := range s.Hooks {
				for _, sc := range scripts {
					if sc.Location == "" || sc.Timeout <= 0 {
						t.Fatalf("bad script accepted: %+v", sc)
					}
				}
			}
		}
	})
}
