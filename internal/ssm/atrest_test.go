package ssm

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/skiff-dev/skiff/internal/store"
)

const plaintext = "TOP-SECRET-plaintext-0123456789"

func putSecrets(t *testing.T, e *Engine) {
	t.Helper()
	for i, v := range []string{plaintext, plaintext + "-v2", plaintext + "-v3"} {
		in := PutParameterInput{Name: "/secret/db", Value: v, Type: TypeSecureString, Overwrite: i > 0}
		if _, err := e.PutParameter(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := e.LabelParameterVersion(ctx, "/secret/db", nil, []string{"current"}); err != nil {
		t.Fatal(err)
	}
	if err := e.AddTagsToResource(ctx, "Parameter", "/secret/db", []Tag{{"k", "v"}}); err != nil {
		t.Fatal(err)
	}
	// Reads work, so the values are there, just not in clear.
	for _, n := range []string{"/secret/db", "/secret/db:1", "/secret/db:current"} {
		if _, err := e.GetParameter(ctx, n, true); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSecureStringNeverStoredInClear scans every key and value the engine
// wrote.
func TestSecureStringNeverStoredInClear(t *testing.T) {
	st := store.NewMemory()
	e := New(st, testSealer(t))
	putSecrets(t, e)
	n := 0
	err := st.View(ctx, func(tx store.Tx) error {
		for _, b := range []string{bucketParams, bucketVersions} {
			if err := tx.Scan(b, store.ScanOptions{}, func(k string, v []byte) error {
				n++
				if bytes.Contains([]byte(k), []byte("TOP-SECRET")) || bytes.Contains(v, []byte("TOP-SECRET")) {
					t.Errorf("plaintext in %s/%s: %s", b, k, v)
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || n != 4 {
		t.Fatalf("scanned %d records: %v", n, err)
	}
}

// TestSecureStringNotInDatabaseFile checks the SQLite files byte for byte.
func TestSecureStringNotInDatabaseFile(t *testing.T) {
	dir := t.TempDir()
	st, err := store.OpenSQLite(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	e := New(st, testSealer(t))
	putSecrets(t, e)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) == 0 {
		t.Fatal("no database files")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("TOP-SECRET")) {
			t.Errorf("plaintext found in %s", f)
		}
	}
}

// TestOnSQLite runs the queries that read inside a scan against the SQLite
// driver skiff uses in production.
func TestOnSQLite(t *testing.T) {
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := New(st, testSealer(t))
	seedTree(t, e)
	mustPut(t, e, PutParameterInput{Name: "/app/a", Value: "1b", Overwrite: true})
	if _, _, err := e.LabelParameterVersion(ctx, "/app/a", ptr(int64(1)), []string{"stable"}); err != nil {
		t.Fatal(err)
	}
	ps, _, err := e.GetParametersByPath(ctx, ByPathInput{Path: "/app", Recursive: true, WithDecryption: true,
		Filters: []StringFilter{{Key: "Label", Values: []string{"stable"}}}})
	if err != nil || len(ps) != 1 || ps[0].Value != "1" {
		t.Fatalf("label filter: %+v %v", ps, err)
	}
	ps, next, err := e.DescribeParameters(ctx, DescribeInput{MaxResults: 3})
	if err != nil || len(ps) != 3 || next == "" {
		t.Fatalf("describe: %d %q %v", len(ps), next, err)
	}
	hist, _, err := e.GetParameterHistory(ctx, "/app/a", true, 0, "")
	if err != nil || len(hist) != 2 || fmt.Sprint(hist[0].Labels) != "[stable]" {
		t.Fatalf("history: %+v %v", hist, err)
	}
	if _, _, err := e.DeleteParameters(ctx, []string{"/app/a", "/app/b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.GetParameter(ctx, "/app/a", false); !ErrParameterNotFound.Is(err) {
		t.Fatalf("deleted: %v", err)
	}
}
