package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	_ "modernc.org/sqlite" // pure-Go SQLite driver: no cgo
)

// migrations are the schema versions, applied in order on open. Append only:
// never edit an applied migration.
var migrations = []string{
	// 1: the key-value table and sequences.
	`CREATE TABLE kv (
		bucket TEXT NOT NULL,
		key    TEXT NOT NULL,
		value  BLOB NOT NULL,
		PRIMARY KEY (bucket, key)
	) WITHOUT ROWID;
	CREATE TABLE seq (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;`,
}

// SQLite is the embedded default driver.
type SQLite struct {
	// Writes go through one connection: SQLite has a single writer, and
	// serializing in Go avoids SQLITE_BUSY retries.
	wmu sync.Mutex
	w   *sql.DB
	r   *sql.DB
}

var _ Store = (*SQLite)(nil)

// OpenSQLite opens (creating if needed) the database file at path and
// applies pending migrations.
func OpenSQLite(path string) (*SQLite, error) {
	// WAL lets readers run beside the writer. synchronous=NORMAL in WAL mode
	// keeps every committed transaction across a process crash (kill -9);
	// only an OS crash or power loss can lose the last commits.
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(ON)")
	dsn := "file:" + path + "?" + q.Encode()
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open state store %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", dsn)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open state store %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	r.SetConnMaxLifetime(0)
	s := &SQLite{w: w, r: r}
	if err := s.migrate(); err != nil {
		s.Close()
		return nil, fmt.Errorf("migrate state store %s: %w", path, err)
	}
	return s, nil
}

func (s *SQLite) migrate() error {
	ctx := context.Background()
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return err
	}
	var cur int
	if err := s.w.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&cur); err != nil {
		return err
	}
	if cur > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this skiff (%d)", cur, len(migrations))
	}
	for v := cur + 1; v <= len(migrations); v++ {
		tx, err := s.w.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, migrations[v-1]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)`, v, time.Now().UTC().Format(time.RFC3339)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// Close closes both connection pools.
func (s *SQLite) Close() error {
	return errors.Join(s.w.Close(), s.r.Close())
}

// View runs fn in a read transaction.
func (s *SQLite) View(ctx context.Context, fn func(Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback()
	return fn(&sqliteTx{tx: tx, ro: true})
}

// Update runs fn in the single write transaction.
func (s *SQLite) Update(ctx context.Context, fn func(Tx) error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	// A write that has started is finished or rolled back as a whole, even
	// if the caller's context ends mid-way.
	tx, err := s.w.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return fmt.Errorf("begin write: %w", err)
	}
	if err := fn(&sqliteTx{tx: tx}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

type sqliteTx struct {
	tx *sql.Tx
	ro bool
}

var errReadOnly = errors.New("store: write in a read-only transaction")

func (t *sqliteTx) Get(bucket, key string, v any) error {
	b, err := t.GetRaw(bucket, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("store: decode %s/%s: %w", bucket, key, err)
	}
	return nil
}

func (t *sqliteTx) GetRaw(bucket, key string) ([]byte, error) {
	var b []byte
	err := t.tx.QueryRow(`SELECT value FROM kv WHERE bucket = ? AND key = ?`, bucket, key).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return b, err
}

func (t *sqliteTx) Put(bucket, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode %s/%s: %w", bucket, key, err)
	}
	return t.PutRaw(bucket, key, b)
}

func (t *sqliteTx) PutRaw(bucket, key string, value []byte) error {
	if t.ro {
		return errReadOnly
	}
	_, err := t.tx.Exec(`INSERT INTO kv(bucket, key, value) VALUES (?, ?, ?) ON CONFLICT(bucket, key) DO UPDATE SET value = excluded.value`, bucket, key, value)
	return err
}

func (t *sqliteTx) Delete(bucket, key string) error {
	if t.ro {
		return errReadOnly
	}
	_, err := t.tx.Exec(`DELETE FROM kv WHERE bucket = ? AND key = ?`, bucket, key)
	return err
}

func (t *sqliteTx) DeletePrefix(bucket, prefix string) (int, error) {
	if t.ro {
		return 0, errReadOnly
	}
	lo, hi := prefixRange(prefix)
	var res sql.Result
	var err error
	if hi == "" {
		res, err = t.tx.Exec(`DELETE FROM kv WHERE bucket = ? AND key >= ?`, bucket, lo)
	} else {
		res, err = t.tx.Exec(`DELETE FROM kv WHERE bucket = ? AND key >= ? AND key < ?`, bucket, lo, hi)
	}
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func (t *sqliteTx) Scan(bucket string, opt ScanOptions, fn func(string, []byte) error) error {
	lo, hi := prefixRange(opt.Prefix)
	q := `SELECT key, value FROM kv WHERE bucket = ? AND key >= ?`
	args := []any{bucket, lo}
	if hi != "" {
		q += ` AND key < ?`
		args = append(args, hi)
	}
	if opt.After != "" {
		if opt.Reverse {
			q += ` AND key < ?`
		} else {
			q += ` AND key > ?`
		}
		args = append(args, opt.After)
	}
	if opt.Reverse {
		q += ` ORDER BY key DESC`
	} else {
		q += ` ORDER BY key ASC`
	}
	if opt.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, opt.Limit)
	}
	rows, err := t.tx.Query(q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var v []byte
		if err := rows.Scan(&k, &v); err != nil {
			return err
		}
		if err := fn(k, v); err != nil {
			if errors.Is(err, ErrStop) {
				return nil
			}
			return err
		}
	}
	return rows.Err()
}

func (t *sqliteTx) NextSeq(name string) (int64, error) {
	if t.ro {
		return 0, errReadOnly
	}
	var v int64
	err := t.tx.QueryRow(`INSERT INTO seq(name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value`, name).Scan(&v)
	return v, err
}

// prefixRange returns the half-open key range [lo, hi) holding every key
// with the prefix; hi is "" when unbounded.
func prefixRange(prefix string) (lo, hi string) {
	if prefix == "" {
		return "", ""
	}
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return prefix, string(b[:i+1])
		}
	}
	return prefix, ""
}
