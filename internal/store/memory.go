package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Memory is an in-memory driver for unit tests. Transactions copy-on-write
// the touched buckets, so a failed Update leaves nothing behind.
type Memory struct {
	mu   sync.RWMutex
	data map[string]map[string][]byte
	seq  map[string]int64
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{data: map[string]map[string][]byte{}, seq: map[string]int64{}}
}

func (m *Memory) Close() error { return nil }

func (m *Memory) View(ctx context.Context, fn func(Tx) error) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return fn(&memTx{m: m, ro: true})
}

func (m *Memory) Update(ctx context.Context, fn func(Tx) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	tx := &memTx{m: m, writes: map[string]map[string][]byte{}, seq: map[string]int64{}}
	if err := fn(tx); err != nil {
		return err
	}
	for b, kv := range tx.writes {
		dst := m.data[b]
		if dst == nil {
			dst = map[string][]byte{}
			m.data[b] = dst
		}
		for k, v := range kv {
			if v == nil {
				delete(dst, k)
			} else {
				dst[k] = v
			}
		}
	}
	for k, v := range tx.seq {
		m.seq[k] = v
	}
	return nil
}

type memTx struct {
	m      *Memory
	ro     bool
	writes map[string]map[string][]byte // nil value = deleted
	seq    map[string]int64
}

func (t *memTx) lookup(bucket, key string) ([]byte, bool) {
	if w, ok := t.writes[bucket]; ok {
		if v, ok := w[key]; ok {
			return v, v != nil
		}
	}
	v, ok := t.m.data[bucket][key]
	return v, ok
}

func (t *memTx) Get(bucket, key string, v any) error {
	b, err := t.GetRaw(bucket, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("store: decode %s/%s: %w", bucket, key, err)
	}
	return nil
}

func (t *memTx) GetRaw(bucket, key string) ([]byte, error) {
	v, ok := t.lookup(bucket, key)
	if !ok {
		return nil, ErrNotFound
	}
	return append([]byte(nil), v...), nil
}

func (t *memTx) Put(bucket, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode %s/%s: %w", bucket, key, err)
	}
	return t.PutRaw(bucket, key, b)
}

func (t *memTx) set(bucket, key string, v []byte) error {
	if t.ro {
		return errReadOnly
	}
	w := t.writes[bucket]
	if w == nil {
		w = map[string][]byte{}
		t.writes[bucket] = w
	}
	w[key] = v
	return nil
}

func (t *memTx) PutRaw(bucket, key string, value []byte) error {
	return t.set(bucket, key, append([]byte{}, value...))
}

func (t *memTx) Delete(bucket, key string) error { return t.set(bucket, key, nil) }

func (t *memTx) DeletePrefix(bucket, prefix string) (int, error) {
	if t.ro {
		return 0, errReadOnly
	}
	keys := t.keys(bucket, prefix)
	for _, k := range keys {
		t.set(bucket, k, nil)
	}
	return len(keys), nil
}

func (t *memTx) keys(bucket, prefix string) []string {
	seen := map[string]bool{}
	var keys []string
	add := func(k string, live bool) {
		if seen[k] || !strings.HasPrefix(k, prefix) {
			return
		}
		seen[k] = true
		if live {
			keys = append(keys, k)
		}
	}
	for k, v := range t.writes[bucket] {
		add(k, v != nil)
	}
	for k := range t.m.data[bucket] {
		add(k, true)
	}
	sort.Strings(keys)
	return keys
}

func (t *memTx) Scan(bucket string, opt ScanOptions, fn func(string, []byte) error) error {
	keys := t.keys(bucket, opt.Prefix)
	if opt.Reverse {
		sort.Sort(sort.Reverse(sort.StringSlice(keys)))
	}
	n := 0
	for _, k := range keys {
		if opt.After != "" && ((!opt.Reverse && k <= opt.After) || (opt.Reverse && k >= opt.After)) {
			continue
		}
		v, _ := t.lookup(bucket, k)
		if err := fn(k, v); err != nil {
			if err == ErrStop {
				return nil
			}
			return err
		}
		n++
		if opt.Limit > 0 && n >= opt.Limit {
			break
		}
	}
	return nil
}

func (t *memTx) NextSeq(name string) (int64, error) {
	if t.ro {
		return 0, errReadOnly
	}
	v, ok := t.seq[name]
	if !ok {
		v = t.m.seq[name]
	}
	v++
	t.seq[name] = v
	return v, nil
}
