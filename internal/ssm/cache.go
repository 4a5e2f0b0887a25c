package ssm

import (
	"sync"
	"sync/atomic"
)

// cacheKey names one parameter in one account and region. A struct key
// keeps lookups free of string concatenation.
type cacheKey struct{ account, region, name string }

// cached is an immutable snapshot of a parameter's current version, with
// what GetParameter derives from it precomputed.
type cached struct {
	head *headRecord
	arn  string
	aad  []byte // additional data the SecureString value is sealed with
	blob string // the SecureString value as returned without decryption
}

// maxCached bounds the cache; past it the cache starts over (parameters are
// cheap to reload, and a bound keeps a scan of many names from growing
// memory without limit).
const maxCached = 1 << 16

// paramCache is a read-through cache of current versions.
//
// Correctness under concurrency rests on a generation counter. A reader
// that misses loads the generation, reads the store, and inserts only if
// the generation is unchanged. A writer invalidates after its transaction
// commits: it bumps the generation and deletes the entry, under the same
// mutex as the insert. So a reader that read the store before the commit
// either inserts before the writer's invalidation (and the writer deletes
// its entry) or after it (and sees a new generation and does not insert);
// a stale entry can only be observed while the writing call has not yet
// returned, which is indistinguishable from reading just before the commit.
// Writers also invalidate inside their transaction, which costs nothing and
// keeps the window as short as possible.
type paramCache struct {
	// m is read without locks (sync.Map is built for read-mostly keys);
	// mu orders inserts against invalidations.
	m   sync.Map // cacheKey -> *cached
	mu  sync.Mutex
	gen atomic.Uint64
	n   int // entries inserted since the last reset, under mu
}

func (c *paramCache) get(k cacheKey) *cached {
	if e, ok := c.m.Load(k); ok {
		return e.(*cached)
	}
	return nil
}

// generation is read before a miss's store read.
func (c *paramCache) generation() uint64 { return c.gen.Load() }

// put inserts an entry read at generation gen, unless a write happened
// since.
func (c *paramCache) put(k cacheKey, e *cached, gen uint64) {
	c.mu.Lock()
	if c.gen.Load() == gen {
		if c.n >= maxCached {
			c.m.Clear()
			c.n = 0
		}
		c.m.Store(k, e)
		c.n++
	}
	c.mu.Unlock()
}

// invalidate forgets a parameter after (and during) a write to it.
func (c *paramCache) invalidate(k cacheKey) {
	c.mu.Lock()
	c.gen.Add(1)
	c.m.Delete(k)
	c.mu.Unlock()
}
