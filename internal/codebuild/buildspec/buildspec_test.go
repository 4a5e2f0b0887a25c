package buildspec

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files with the parser's output")

// goldenSep separates a golden file's buildspec from the expected result:
// the parsed Spec as indented JSON, or "error: <message>".
const goldenSep = "\n---- want ----\n"

func render(src []byte) string {
	spec, err := Parse(src)
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	b, _ := json.MarshalIndent(spec, "", "  ")
	return string(b) + "\n"
}

func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/golden/*.txt")
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			in, want, ok := bytes.Cut(data, []byte(goldenSep))
			if !ok && !*update {
				t.Fatalf("%s: no %q separator", f, strings.TrimSpace(goldenSep))
			}
			got := render(in)
			if *update {
				os.WriteFile(f, append(append(in, goldenSep...), got...), 0o644)
				return
			}
			if got != string(want) {
				t.Errorf("%s:\ngot:\n%s\nwant:\n%s", f, got, want)
			}
		})
	}
}

// FuzzParse checks that no input makes Parse panic, hang, or return a spec
// together with an error; the goldens are the seed corpus.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/golden/*.txt")
	for _, file := range files {
		data, _ := os.ReadFile(file)
		in, _, _ := bytes.Cut(data, []byte(goldenSep))
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		var spec *Spec
		var err error
		done := make(chan struct{})
		go func() {
			defer close(done)
			spec, err = Parse(src)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("Parse did not return within 5s for %q", src)
		}
		if (spec == nil) == (err == nil) {
			t.Fatalf("Parse returned spec=%v err=%v", spec != nil, err)
		}
		if err != nil {
			if _, ok := err.(Errors); !ok {
				t.Fatalf("error of type %T", err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
		}
	})
}

func TestOnFailure(t *testing.T) {
	for _, c := range []struct {
		in      string
		mode    string
		retries int
		pattern string
		bad     bool
	}{
		{in: "ABORT", mode: "ABORT"},
		{in: "CONTINUE", mode: "CONTINUE"},
		{in: "RETRY", mode: "RETRY", retries: 3},
		{in: "RETRY-5", mode: "RETRY", retries: 5},
		{in: "RETRY-0", mode: "RETRY", retries: 0},
		{in: "RETRY-100", mode: "RETRY", retries: 100},
		{in: "RETRY-101", bad: true},
		{in: "RETRY-timeout.*", mode: "RETRY", retries: 3, pattern: "timeout.*"},
		{in: "RETRY-2-conn(ection)? reset", mode: "RETRY", retries: 2, pattern: "conn(ection)? reset"},
		{in: "RETRY-(", bad: true},
		{in: "RETRY-", bad: true},
		{in: "abort", bad: true},
		{in: "IGNORE", bad: true},
	} {
		of, msg := parseOnFailure(c.in)
		if c.bad {
			if msg == "" {
				t.Errorf("%q: accepted", c.in)
			}
			continue
		}
		if msg != "" || of.Mode != c.mode || of.Retries != c.retries || of.Pattern != c.pattern {
			t.Errorf("%q: got %+v %q", c.in, of, msg)
		}
	}
}

func TestParseSecretRef(t *testing.T) {
	for _, c := range []struct {
		in   string
		want SecretRef
		bad  bool
	}{
		{in: "prod/db", want: SecretRef{SecretID: "prod/db"}},
		{in: "prod/db:password", want: SecretRef{SecretID: "prod/db", JSONKey: "password"}},
		{in: "prod/db:password:AWSPREVIOUS", want: SecretRef{SecretID: "prod/db", JSONKey: "password", VersionStage: "AWSPREVIOUS"}},
		{in: "prod/db:::0123-abcd", want: SecretRef{SecretID: "prod/db", VersionID: "0123-abcd"}},
		{in: "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf:user", want: SecretRef{SecretID: "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf", JSONKey: "user"}},
		{in: "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf", want: SecretRef{SecretID: "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf"}},
		{in: "prod/db::AWSCURRENT:abc", bad: true},
		{in: ":key", bad: true},
	} {
		got, err := ParseSecretRef(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("%q: accepted", c.in)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: got %+v %v", c.in, got, err)
		}
	}
}
