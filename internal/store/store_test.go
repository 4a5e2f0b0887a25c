package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/skiff-dev/skiff/internal/store"
	"github.com/skiff-dev/skiff/internal/store/storetest"
)

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := store.OpenSQLite(filepath.Join(t.TempDir(), "state.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestSQLiteBatching(t *testing.T) {
	storetest.RunBatching(t, func(t *testing.T) store.Store {
		s, err := store.OpenSQLite(filepath.Join(t.TempDir(), "state.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestMemoryBatching(t *testing.T) {
	storetest.RunBatching(t, func(t *testing.T) store.Store { return store.NewMemory() })
}

func TestMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return store.NewMemory() })
}

func TestSQLiteReopenKeepsDataAndSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := store.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.Put("b", "k", "v") }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = store.OpenSQLite(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	var v string
	if err := s.View(ctx, func(tx store.Tx) error { return tx.Get("b", "k", &v) }); err != nil || v != "v" {
		t.Fatalf("after reopen: %q, %v", v, err)
	}
}

func BenchmarkSQLiteUpdate(b *testing.B) {
	s, err := store.OpenSQLite(filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		s.Update(ctx, func(tx store.Tx) error { return tx.Put("b", "k", i) })
	}
}

func BenchmarkSQLiteUpdateParallel(b *testing.B) {
	s, err := store.OpenSQLite(filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	b.SetParallelism(16)
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			s.Update(ctx, func(tx store.Tx) error { return tx.Put("b", fmt.Sprint(i), i) })
		}
	})
}

func BenchmarkSQLiteGet(b *testing.B) {
	s, err := store.OpenSQLite(filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	s.Update(ctx, func(tx store.Tx) error { return tx.Put("b", "k", "value") })
	b.RunParallel(func(pb *testing.PB) {
		var v string
		for pb.Next() {
			s.View(ctx, func(tx store.Tx) error { return tx.Get("b", "k", &v) })
		}
	})
}
