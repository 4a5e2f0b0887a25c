package secretsmanager

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/skiff-dev/skiff/internal/store"
)

func writeSecrets(t *testing.T, e *Engine) {
	t.Helper()
	if _, err := e.CreateSecret(ctx, CreateSecretInput{Name: "at-rest", SecretString: str("TOP-SECRET-value-1"), ClientRequestToken: token(1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.PutSecretValue(ctx, PutSecretValueInput{SecretID: "at-rest", SecretString: str("TOP-SECRET-value-2"), ClientRequestToken: token(2)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.UpdateSecret(ctx, UpdateSecretInput{SecretID: "at-rest", SecretBinary: []byte("TOP-SECRET-binary"), ClientRequestToken: token(3)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateSecret(ctx, CreateSecretInput{Name: "bin", SecretBinary: []byte("TOP-SECRET-bin"), ClientRequestToken: token(4)}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"at-rest", "bin"} {
		if _, err := e.GetSecretValue(ctx, id, "", ""); err != nil {
			t.Fatal(err)
		}
	}
}

func TestValuesNeverStoredInClear(t *testing.T) {
	st := store.NewMemory()
	e := New(st, testSealer(t))
	writeSecrets(t, e)
	n := 0
	err := st.View(ctx, func(tx store.Tx) error {
		for _, b := range []string{bucketSecrets, bucketValues} {
			if err := tx.Scan(b, store.ScanOptions{}, func(k string, v []byte) error {
				n++
				if bytes.Contains(v, []byte("TOP-SECRET")) || bytes.Contains([]byte(k), []byte("TOP-SECRET")) {
					t.Errorf("plaintext in %s/%s", b, k)
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || n != 6 {
		t.Fatalf("scanned %d records: %v", n, err)
	}
}

func TestValuesNotInDatabaseFile(t *testing.T) {
	dir := t.TempDir()
	st, err := store.OpenSQLite(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	writeSecrets(t, New(st, testSealer(t)))
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("TOP-SECRET")) {
			t.Errorf("plaintext found in %s", f)
		}
	}
	if len(files) == 0 {
		t.Fatal("no database files")
	}
}

// A sealed value copied onto another version does not open: values are
// bound to their secret and version.
func TestSwappedValueFailsToOpen(t *testing.T) {
	st := store.NewMemory()
	e := New(st, testSealer(t))
	writeSecrets(t, e)
	sc := scopeOf()
	err := st.Update(ctx, func(tx store.Tx) error {
		raw, err := tx.GetRaw(bucketValues, valueKey(sc, "bin", token(4)))
		if err != nil {
			return err
		}
		return tx.PutRaw(bucketValues, valueKey(sc, "at-rest", token(3)), raw)
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.GetSecretValue(ctx, "at-rest", "", "")
	if !ErrDecryptionFailure.Is(err) {
		t.Fatalf("swapped value: %v", err)
	}
}
