// Package store is skiff's durable state: a small transactional, ordered
// key-value interface (bucket, key → value) with a SQLite driver (pure Go,
// WAL, the default) and an in-memory driver for tests.
//
// The interface is deliberately small — get, put, delete, ordered scan and a
// sequence counter inside a transaction — so that another SQL database
// (PostgreSQL) can implement it with one table. Services build secondary
// indexes as extra keys in the same transaction.
package store

import (
	"context"
	"errors"
)

// ErrNotFound is returned by Get when the key does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrStop ends a Scan early without error.
var ErrStop = errors.New("store: stop scan")

// Store runs transactions. Update transactions are serialized; View
// transactions run concurrently with each other and with one Update.
type Store interface {
	View(ctx context.Context, fn func(tx Tx) error) error
	// Update runs fn in a write transaction that commits when fn returns
	// nil and rolls back otherwise. A committed Update survives kill -9.
	Update(ctx context.Context, fn func(tx Tx) error) error
	Close() error
}

// Tx is one transaction. Writes fail inside View.
type Tx interface {
	// Get decodes the JSON value at (bucket, key) into v.
	Get(bucket, key string, v any) error
	// GetRaw returns the value bytes.
	GetRaw(bucket, key string) ([]byte, error)
	// Put stores v encoded as JSON.
	Put(bucket, key string, v any) error
	PutRaw(bucket, key string, value []byte) error
	// Delete removes the key; deleting a missing key is not an error.
	Delete(bucket, key string) error
	// DeletePrefix removes every key with the prefix and returns how many.
	DeletePrefix(bucket, prefix string) (int, error)
	// Scan calls fn for keys in the bucket in byte order. fn returning
	// ErrStop ends the scan without error. The value slice is only valid
	// during the call.
	Scan(bucket string, opt ScanOptions, fn func(key string, value []byte) error) error
	// NextSeq returns the next value (1, 2, 3, …) of a named counter.
	NextSeq(name string) (int64, error)
}

// ScanOptions selects a key range.
type ScanOptions struct {
	Prefix string
	// After starts strictly after this key (for pagination); with Reverse,
	// strictly before it.
	After   string
	Reverse bool
	// Limit stops after this many keys; 0 means no limit.
	Limit int
}
