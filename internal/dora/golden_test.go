package dora

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files with the current output")

const (
	tableSep = "----- table -----\n"
	jsonSep  = "----- json -----\n"
)

// Each testdata/golden/*.golden holds a query line ("# now=… window=…
// tz=… explain=1"), a history in Import's JSON form, and after the
// separators the rendered table and the JSON report.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.golden")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".golden"), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			in, _, _ := bytes.Cut(b, []byte(tableSep))
			got := renderGolden(t, in)
			if *update {
				if err := os.WriteFile(f, append(bytes.Clone(in), got...), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want := b[len(in):]; string(got) != string(want) {
				t.Errorf("%s: output differs (go test -run TestGolden -update to accept)\n--- got ---\n%s", f, got)
			}
		})
	}
}

func renderGolden(t *testing.T, in []byte) []byte {
	first, body, _ := bytes.Cut(in, []byte("\n"))
	line := strings.TrimSpace(strings.TrimPrefix(string(first), "#"))
	v, err := url.ParseQuery(strings.NewReplacer(" ", "&", "+", "%2B").Replace(line))
	if err != nil {
		t.Fatalf("query line: %v", err)
	}
	now, err := time.Parse(time.RFC3339, v.Get("now"))
	if err != nil {
		t.Fatalf("now: %v", err)
	}
	v.Del("now")
	q, loc, err := ParseQuery(v, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Import(bytes.NewReader(body), FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	o := opts(now, loc)
	o.Source = "golden"
	r, err := Compute(h, q, o)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	out.WriteString(tableSep)
	if err := Render(&out, r, RenderOptions{Explain: q.Explain}); err != nil {
		t.Fatal(err)
	}
	out.WriteString(jsonSep)
	if err := WriteJSON(&out, r); err != nil {
		t.Fatal(err)
	}
	// The JSON decodes back into a Report.
	var back Report
	if err := json.Unmarshal(out.Bytes()[bytes.Index(out.Bytes(), []byte(jsonSep))+len(jsonSep):], &back); err != nil {
		t.Fatalf("JSON does not decode: %v", err)
	}
	return out.Bytes()
}
