// Package datadir owns skiff's data directory: the identity (account id and
// root access key), the master key that encrypts secrets at rest, the state
// database path, the endpoint of the running server and a lock that keeps
// two servers off one directory.
package datadir

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// DefaultRegion is the region `skiff env` exports and skiff uses for work it
// does on its own (CDK bootstrap).
const DefaultRegion = "us-east-1"

// DefaultAddr is where `skiff up` listens: the port local AWS tools expect.
const DefaultAddr = "127.0.0.1:4566"

// Default returns the default data directory: $SKIFF_DATA, else
// $XDG_DATA_HOME/skiff, else ~/.local/share/skiff.
func Default() string {
	if d := os.Getenv("SKIFF_DATA"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "skiff")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "skiff")
	}
	return filepath.Join(home, ".local", "share", "skiff")
}

// Identity is the account a data directory serves.
type Identity struct {
	AccountID       string    `json:"account_id"`
	AccessKeyID     string    `json:"access_key_id"`
	SecretAccessKey string    `json:"secret_access_key"`
	Created         time.Time `json:"created"`
}

// Dir is an opened data directory.
type Dir struct {
	Path     string
	Identity Identity
	// MasterKey encrypts secrets at rest (SSM SecureString, Secrets Manager).
	MasterKey []byte
	// Fresh is true when this open created the identity (first start).
	Fresh bool
	lock  *os.File
}

// Open creates the directory and identity on first use and loads them.
func Open(path string) (*Dir, error) {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	d := &Dir{Path: path}
	idPath := filepath.Join(path, "identity.json")
	b, err := os.ReadFile(idPath)
	switch {
	case errors.Is(err, os.ErrNotExist):
		d.Identity = Identity{
			AccountID:       randomDigits(12),
			AccessKeyID:     "AKIA" + randomString(16, upperAlnum),
			SecretAccessKey: randomString(40, secretAlphabet),
			Created:         time.Now().UTC(),
		}
		b, _ = json.MarshalIndent(d.Identity, "", "  ")
		if err := writeFileAtomic(idPath, append(b, '\n'), 0o600); err != nil {
			return nil, fmt.Errorf("write identity: %w", err)
		}
		d.Fresh = true
	case err != nil:
		return nil, fmt.Errorf("read identity: %w", err)
	default:
		if err := json.Unmarshal(b, &d.Identity); err != nil || d.Identity.AccountID == "" || d.Identity.AccessKeyID == "" {
			return nil, fmt.Errorf("identity file %s is damaged; move it away to start a new account", idPath)
		}
	}
	keyPath := filepath.Join(path, "master.key")
	d.MasterKey, err = os.ReadFile(keyPath)
	if errors.Is(err, os.ErrNotExist) {
		d.MasterKey = make([]byte, 32)
		rand.Read(d.MasterKey)
		if err := writeFileAtomic(keyPath, d.MasterKey, 0o600); err != nil {
			return nil, fmt.Errorf("write master key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("read master key: %w", err)
	}
	if len(d.MasterKey) != 32 {
		return nil, fmt.Errorf("master key %s is damaged (want 32 bytes)", keyPath)
	}
	return d, nil
}

// Lock takes the directory's exclusive lock for a running server. It fails
// at once if another skiff holds it.
func (d *Dir) Lock() error {
	f, err := os.OpenFile(filepath.Join(d.Path, "skiff.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		ep, _ := d.Endpoint()
		return fmt.Errorf("another skiff is already using %s (endpoint %s)", d.Path, ep)
	}
	f.Truncate(0)
	fmt.Fprintf(f, "%d\n", os.Getpid())
	d.lock = f
	return nil
}

// Unlock releases the lock and removes the endpoint file.
func (d *Dir) Unlock() {
	os.Remove(filepath.Join(d.Path, "endpoint"))
	if d.lock != nil {
		syscall.Flock(int(d.lock.Fd()), syscall.LOCK_UN)
		d.lock.Close()
		d.lock = nil
	}
}

// DBPath is the state database file.
func (d *Dir) DBPath() string { return filepath.Join(d.Path, "state.db") }

// Sub returns (creating) a subdirectory for a service's files.
func (d *Dir) Sub(name string) (string, error) {
	p := filepath.Join(d.Path, name)
	return p, os.MkdirAll(p, 0o700)
}

// SetEndpoint records the running server's endpoint URL.
func (d *Dir) SetEndpoint(url string) error {
	return writeFileAtomic(filepath.Join(d.Path, "endpoint"), []byte(url+"\n"), 0o600)
}

// Endpoint returns the recorded endpoint of a running server.
func (d *Dir) Endpoint() (string, error) { return ReadEndpoint(d.Path) }

// ReadEndpoint reads the endpoint file of a data directory.
func ReadEndpoint(path string) (string, error) {
	b, err := os.ReadFile(filepath.Join(path, "endpoint"))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// ReadIdentity loads the identity without creating anything.
func ReadIdentity(path string) (Identity, error) {
	var id Identity
	b, err := os.ReadFile(filepath.Join(path, "identity.json"))
	if err != nil {
		return id, err
	}
	return id, json.Unmarshal(b, &id)
}

// writeFileAtomic writes via a temporary file and rename, so a crash never
// leaves a half-written file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

const (
	upperAlnum     = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		v, _ := rand.Int(rand.Reader, max)
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}

func randomDigits(n int) string {
	s := randomString(n, "0123456789")
	if s[0] == '0' {
		s = "1" + s[1:]
	}
	return s
}
