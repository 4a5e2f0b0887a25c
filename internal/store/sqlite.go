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
	// serializing in Go avoids SQLITE_BUSY retries. wmu guards queue and
	// writing (see Update).
	wmu     sync.Mutex
	queue   []*writeReq
	writing bool
	w       *sql.DB
	r       *sql.DB
	// Prepared statements by query text, per pool (see prepareAll).
	wstmts, rstmts map[string]*sql.Stmt
}

// The statements the driver runs, prepared once per pool when the store
// opens: parsing SQL on every call was a fifth of the cost of a write, and
// preparing lazily inside a transaction would need a second connection the
// single-writer pool does not have.
const (
	qGet      = `SELECT value FROM kv WHERE bucket = ? AND key = ?`
	qPut      = `INSERT INTO kv(bucket, key, value) VALUES (?, ?, ?) ON CONFLICT(bucket, key) DO UPDATE SET value = excluded.value`
	qDel      = `DELETE FROM kv WHERE bucket = ? AND key = ?`
	qDelFrom  = `DELETE FROM kv WHERE bucket = ? AND key >= ?`
	qDelRange = `DELETE FROM kv WHERE bucket = ? AND key >= ? AND key < ?`
	qSeq      = `INSERT INTO seq(name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value`
)

// Savepoints isolate each update of a group-committed batch.
const (
	qSavepoint  = `SAVEPOINT u`
	qRollbackTo = `ROLLBACK TO u`
	qRelease    = `RELEASE u`
)

// scanQuery builds one of the twelve scan variants.
func scanQuery(bounded bool, after int, reverse bool) string {
	q := `SELECT key, value FROM kv WHERE bucket = ? AND key >= ?`
	if bounded {
		q += ` AND key < ?`
	}
	switch after {
	case 1:
		q += ` AND key > ?`
	case 2:
		q += ` AND key < ?`
	}
	if reverse {
		q += ` ORDER BY key DESC`
	} else {
		q += ` ORDER BY key ASC`
	}
	return q + ` LIMIT ?`
}

func prepareAll(db *sql.DB) (map[string]*sql.Stmt, error) {
	qs := []string{qGet, qPut, qDel, qDelFrom, qDelRange, qSeq, qSavepoint, qRollbackTo, qRelease}
	for _, bounded := range []bool{false, true} {
		for after := 0; after < 3; after++ {
			for _, rev := range []bool{false, true} {
				qs = append(qs, scanQuery(bounded, after, rev))
			}
		}
	}
	out := map[string]*sql.Stmt{}
	for _, q := range qs {
		st, err := db.Prepare(q)
		if err != nil {
			return nil, fmt.Errorf("prepare %q: %w", q, err)
		}
		out[q] = st
	}
	return out, nil
}

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
	// A larger page cache (32 MiB) and fewer checkpoints (every ~16 MiB of
	// WAL): checkpoints are what fsync, so batches of small writes land in
	// the WAL and reach the database file in bulk.
	q.Add("_pragma", "cache_size(-32768)")
	q.Add("_pragma", "wal_autocheckpoint(4096)")
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
	if s.wstmts, err = prepareAll(w); err == nil {
		s.rstmts, err = prepareAll(r)
	}
	if err != nil {
		s.Close()
		return nil, err
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
	for _, m := range []map[string]*sql.Stmt{s.wstmts, s.rstmts} {
		for _, st := range m {
			st.Close()
		}
	}
	return errors.Join(s.w.Close(), s.r.Close())
}

// View runs fn in a read transaction.
func (s *SQLite) View(ctx context.Context, fn func(Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback()
	return fn(&sqliteTx{tx: tx, ro: true, stmts: s.rstmts})
}

// Update runs fn in the single write transaction.
func (s *SQLite) Update(ctx context.Context, fn func(Tx) error) error {
	req := &writeReq{fn: fn, done: make(chan error, 1)}
	s.wmu.Lock()
	s.queue = append(s.queue, req)
	leader := !s.writing
	s.writing = true
	s.wmu.Unlock()
	if leader {
		s.drain()
	}
	err := <-req.done
	if p, ok := err.(panicked); ok {
		panic(p.v)
	}
	return err
}

// Group commit: concurrent Update calls share one SQLite transaction. The
// caller that finds no writer running becomes the leader and commits
// batches until the queue is empty; each fn runs inside its own SAVEPOINT,
// so one that fails is rolled back alone and the others commit together.
// A lone Update runs at once, so batching adds no latency; under load the
// cost of a commit (WAL frames, locking) is paid once per batch.

type writeReq struct {
	fn   func(Tx) error
	done chan error
}

// panicked carries a panic from fn back to its caller's goroutine.
type panicked struct{ v any }

func (p panicked) Error() string { return fmt.Sprint("panic in store update: ", p.v) }

// maxBatch bounds how many updates share a transaction.
const maxBatch = 256

func (s *SQLite) drain() {
	for {
		s.wmu.Lock()
		batch := s.queue
		if len(batch) > maxBatch {
			batch = batch[:maxBatch]
		}
		s.queue = s.queue[len(batch):]
		if len(batch) == 0 {
			s.writing = false
			s.wmu.Unlock()
			return
		}
		s.wmu.Unlock()
		s.commitBatch(batch)
	}
}

func (s *SQLite) commitBatch(batch []*writeReq) {
	fail := func(err error) {
		for _, r := range batch {
			r.done <- err
		}
	}
	// A write that has started is finished or rolled back as a whole, even
	// if a caller's context ends mid-way.
	tx, err := s.w.BeginTx(context.Background(), nil)
	if err != nil {
		fail(fmt.Errorf("begin write: %w", err))
		return
	}
	results := make([]error, len(batch))
	single := len(batch) == 1
	for i, r := range batch {
		if !single {
			if _, err := tx.Stmt(s.wstmts[qSavepoint]).Exec(); err != nil {
				tx.Rollback()
				fail(fmt.Errorf("savepoint: %w", err))
				return
			}
		}
		results[i] = runUpdate(r.fn, &sqliteTx{tx: tx, stmts: s.wstmts})
		if single {
			break
		}
		if results[i] != nil {
			if _, err := tx.Stmt(s.wstmts[qRollbackTo]).Exec(); err != nil {
				tx.Rollback()
				fail(fmt.Errorf("rollback to savepoint: %w", err))
				return
			}
		}
		if _, err := tx.Stmt(s.wstmts[qRelease]).Exec(); err != nil {
			tx.Rollback()
			fail(fmt.Errorf("release savepoint: %w", err))
			return
		}
	}
	if single && results[0] != nil {
		tx.Rollback()
		batch[0].done <- results[0]
		return
	}
	if err := tx.Commit(); err != nil {
		fail(fmt.Errorf("commit: %w", err))
		return
	}
	for i, r := range batch {
		r.done <- results[i]
	}
}

func runUpdate(fn func(Tx) error, tx Tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicked{v}
		}
	}()
	return fn(tx)
}

type sqliteTx struct {
	tx    *sql.Tx
	ro    bool
	stmts map[string]*sql.Stmt
}

// The statements are prepared on the pool; tx.Stmt binds them to the
// transaction's connection (reusing the preparation made there).
func (t *sqliteTx) exec(q string, args ...any) (sql.Result, error) {
	return t.tx.Stmt(t.stmts[q]).Exec(args...)
}

func (t *sqliteTx) queryRow(q string, args ...any) *sql.Row {
	return t.tx.Stmt(t.stmts[q]).QueryRow(args...)
}

func (t *sqliteTx) query(q string, args ...any) (*sql.Rows, error) {
	return t.tx.Stmt(t.stmts[q]).Query(args...)
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
	err := t.queryRow(qGet, bucket, key).Scan(&b)
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
	_, err := t.exec(qPut, bucket, key, value)
	return err
}

func (t *sqliteTx) Delete(bucket, key string) error {
	if t.ro {
		return errReadOnly
	}
	_, err := t.exec(qDel, bucket, key)
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
		res, err = t.exec(qDelFrom, bucket, lo)
	} else {
		res, err = t.exec(qDelRange, bucket, lo, hi)
	}
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func (t *sqliteTx) Scan(bucket string, opt ScanOptions, fn func(string, []byte) error) error {
	lo, hi := prefixRange(opt.Prefix)
	args := []any{bucket, lo}
	if hi != "" {
		args = append(args, hi)
	}
	after := 0
	if opt.After != "" {
		after = 1
		if opt.Reverse {
			after = 2
		}
		args = append(args, opt.After)
	}
	limit := -1 // SQLite: no limit
	if opt.Limit > 0 {
		limit = opt.Limit
	}
	args = append(args, limit)
	rows, err := t.query(scanQuery(hi != "", after, opt.Reverse), args...)
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
	err := t.queryRow(qSeq, name).Scan(&v)
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
