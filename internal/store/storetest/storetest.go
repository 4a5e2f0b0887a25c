// Package storetest is the conformance suite every store driver passes.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/skiff-dev/skiff/internal/store"
)

// Run runs the suite against fresh stores from open.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	t.Run("GetPutDelete", func(t *testing.T) {
		s := open(t)
		type doc struct{ A string }
		err := s.View(ctx, func(tx store.Tx) error {
			var d doc
			return tx.Get("b", "k", &d)
		})
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("get missing: %v, want ErrNotFound", err)
		}
		if err := s.Update(ctx, func(tx store.Tx) error { return tx.Put("b", "k", doc{"x"}) }); err != nil {
			t.Fatal(err)
		}
		var got doc
		if err := s.View(ctx, func(tx store.Tx) error { return tx.Get("b", "k", &got) }); err != nil || got.A != "x" {
			t.Fatalf("get = %+v, %v", got, err)
		}
		// Buckets are separate namespaces.
		if err := s.View(ctx, func(tx store.Tx) error { return tx.Get("other", "k", &got) }); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other bucket: %v", err)
		}
		if err := s.Update(ctx, func(tx store.Tx) error { return tx.Delete("b", "k") }); err != nil {
			t.Fatal(err)
		}
		if err := s.Update(ctx, func(tx store.Tx) error { return tx.Delete("b", "missing") }); err != nil {
			t.Fatalf("delete missing: %v", err)
		}
		if err := s.View(ctx, func(tx store.Tx) error { return tx.Get("b", "k", &got) }); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
	})
	t.Run("RollbackOnError", func(t *testing.T) {
		s := open(t)
		boom := errors.New("boom")
		err := s.Update(ctx, func(tx store.Tx) error {
			if err := tx.PutRaw("b", "k", []byte("1")); err != nil {
				return err
			}
			if _, err := tx.NextSeq("s"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("update err = %v", err)
		}
		s.View(ctx, func(tx store.Tx) error {
			if _, err := tx.GetRaw("b", "k"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("rolled-back write visible: %v", err)
			}
			return nil
		})
		s.Update(ctx, func(tx store.Tx) error {
			if n, _ := tx.NextSeq("s"); n != 1 {
				t.Errorf("sequence after rollback = %d, want 1", n)
			}
			return nil
		})
	})
	t.Run("ReadYourWrites", func(t *testing.T) {
		s := open(t)
		s.Update(ctx, func(tx store.Tx) error {
			tx.PutRaw("b", "a", []byte("1"))
			if v, err := tx.GetRaw("b", "a"); err != nil || string(v) != "1" {
				t.Errorf("read own write = %q, %v", v, err)
			}
			tx.Delete("b", "a")
			if _, err := tx.GetRaw("b", "a"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("read own delete: %v", err)
			}
			return nil
		})
	})
	t.Run("WriteInViewFails", func(t *testing.T) {
		s := open(t)
		err := s.View(ctx, func(tx store.Tx) error { return tx.PutRaw("b", "k", []byte("v")) })
		if err == nil {
			t.Fatal("write inside View succeeded")
		}
	})
	t.Run("ScanOrderPrefixPaging", func(t *testing.T) {
		s := open(t)
		s.Update(ctx, func(tx store.Tx) error {
			for _, k := range []string{"p/3", "p/1", "q/1", "p/2", "o/9", "p/\xff"} {
				tx.PutRaw("b", k, []byte(k))
			}
			return nil
		})
		scan := func(opt store.ScanOptions) string {
			var keys []string
			s.View(ctx, func(tx store.Tx) error {
				return tx.Scan("b", opt, func(k string, v []byte) error {
					if string(v) != k {
						t.Errorf("value of %q = %q", k, v)
					}
					keys = append(keys, k)
					return nil
				})
			})
			return fmt.Sprint(keys)
		}
		cases := []struct {
			opt  store.ScanOptions
			want string
		}{
			{store.ScanOptions{Prefix: "p/"}, "[p/1 p/2 p/3 p/\xff]"},
			{store.ScanOptions{Prefix: "p/", After: "p/1", Limit: 2}, "[p/2 p/3]"},
			{store.ScanOptions{Prefix: "p/", Reverse: true}, "[p/\xff p/3 p/2 p/1]"},
			{store.ScanOptions{Prefix: "p/", Reverse: true, After: "p/3"}, "[p/2 p/1]"},
			{store.ScanOptions{}, "[o/9 p/1 p/2 p/3 p/\xff q/1]"},
		}
		for _, c := range cases {
			if got := scan(c.opt); got != c.want {
				t.Errorf("scan %+v = %s, want %s", c.opt, got, c.want)
			}
		}
		var n int
		s.View(ctx, func(tx store.Tx) error {
			return tx.Scan("b", store.ScanOptions{}, func(string, []byte) error {
				n++
				if n == 2 {
					return store.ErrStop
				}
				return nil
			})
		})
		if n != 2 {
			t.Errorf("ErrStop after %d keys", n)
		}
		s.Update(ctx, func(tx store.Tx) error {
			if n, err := tx.DeletePrefix("b", "p/"); n != 4 || err != nil {
				t.Errorf("DeletePrefix = %d, %v", n, err)
			}
			return nil
		})
		if got := scan(store.ScanOptions{}); got != "[o/9 q/1]" {
			t.Errorf("after DeletePrefix: %s", got)
		}
	})
	t.Run("ConcurrentSequences", func(t *testing.T) {
		s := open(t)
		var wg sync.WaitGroup
		seen := make(chan int64, 200)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := 0; j < 25; j++ {
					s.Update(ctx, func(tx store.Tx) error {
						n, err := tx.NextSeq("c")
						seen <- n
						return err
					})
				}
			}()
		}
		wg.Wait()
		close(seen)
		got := map[int64]bool{}
		for n := range seen {
			if got[n] {
				t.Fatalf("sequence value %d handed out twice", n)
			}
			got[n] = true
		}
		if len(got) != 200 || !got[1] || !got[200] {
			t.Fatalf("sequence values: %d distinct", len(got))
		}
	})
}

// RunBatching checks the guarantees group commit must keep: concurrent
// updates where some fail commit exactly the successful ones, and a panic
// in one update reaches its own caller.
func RunBatching(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := open(t)
	var wg sync.WaitGroup
	errs := make([]error, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = s.Update(ctx, func(tx store.Tx) error {
				if err := tx.PutRaw("b", fmt.Sprintf("k%03d", i), []byte("v")); err != nil {
					return err
				}
				if i%3 == 0 {
					return fmt.Errorf("fail %d", i)
				}
				return nil
			})
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if (i%3 == 0) != (err != nil) {
			t.Fatalf("update %d: err %v", i, err)
		}
	}
	n := 0
	s.View(ctx, func(tx store.Tx) error {
		return tx.Scan("b", store.ScanOptions{}, func(k string, _ []byte) error {
			var i int
			fmt.Sscanf(k, "k%d", &i)
			if i%3 == 0 {
				t.Errorf("failed update %s was committed", k)
			}
			n++
			return nil
		})
	})
	if n != 133 {
		t.Fatalf("%d keys committed, want 133", n)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic in an update did not reach its caller")
			}
		}()
		s.Update(ctx, func(tx store.Tx) error { panic("boom") })
	}()
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.PutRaw("b", "after", []byte("x")) }); err != nil {
		t.Fatalf("store unusable after a panicking update: %v", err)
	}
}
