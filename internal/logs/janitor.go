package logs

import (
	"context"
	"encoding/json"
	"time"

	"github.com/skiff-dev/skiff/internal/store"
)

// Retention is enforced twice: reads never return an event older than its
// group's retention (GetLogEvents, FilterLogEvents, Tail), and the janitor
// deletes chunks whose every event is that old, so the disk is reclaimed.
// A chunk straddling the cutoff stays until its newest event expires.

// JanitorInterval is how often RunJanitor sweeps (real time: retention is
// days, not a duration skiff scales).
const JanitorInterval = time.Minute

// janitorBatch bounds the chunks one sweep transaction deletes, so the
// store's write lock is never held long.
const janitorBatch = 256

// RunJanitor enforces retention until ctx ends: it sweeps at once, every
// JanitorInterval, and soon after PutRetentionPolicy. The server runs it in
// the background (Server.Go).
func (e *Engine) RunJanitor(ctx context.Context) {
	t := time.NewTicker(JanitorInterval)
	defer t.Stop()
	for {
		e.SweepRetention(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-e.kick:
		}
	}
}

// SweepRetention deletes the stored events of every group (all accounts
// and regions) that are older than the group's retention, and returns how
// many events it deleted.
func (e *Engine) SweepRetention(ctx context.Context) (int, error) {
	type target struct {
		gk     string
		cutoff int64
	}
	var groups []target
	now := e.now().UnixMilli()
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketGroups, store.ScanOptions{}, func(k string, b []byte) error {
			var g LogGroup
			if err := json.Unmarshal(b, &g); err != nil {
				return err
			}
			if cut := retentionCutoff(&g, now); cut > 0 {
				groups = append(groups, target{k, cut})
			}
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	total := 0
	for _, t := range groups {
		if ctx.Err() != nil {
			return total, ctx.Err()
		}
		n, err := e.sweepGroup(ctx, t.gk, t.cutoff)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (e *Engine) sweepGroup(ctx context.Context, gk string, cutoff int64) (int, error) {
	var streams []*streamRecord
	err := e.st.View(ctx, func(tx store.Tx) error {
		var err error
		streams, err = streamsOf(tx, gk, nil, "")
		return err
	})
	if err != nil {
		return 0, err
	}
	total := 0
	for _, s := range streams {
		if !s.HasEvents || s.First >= cutoff {
			continue
		}
		for {
			// Chunks whose minTs is before the cutoff, oldest first; those
			// whose newest event is before it too are expired.
			var keys []string
			prefix := streamPrefix(gk, s.Name)
			err := e.st.View(ctx, func(tx store.Tx) error {
				return tx.Scan(bucketEvents, store.ScanOptions{Prefix: prefix}, func(k string, b []byte) error {
					minTs, _, ok := parseChunkKey(k)
					if !ok || minTs >= cutoff {
						return store.ErrStop
					}
					if m, err := readMeta(string(b[:min(len(b), chunkHeader)])); err == nil && m.maxTs < cutoff {
						keys = append(keys, k)
					}
					if len(keys) == janitorBatch {
						return store.ErrStop
					}
					return nil
				})
			})
			if err != nil || len(keys) == 0 {
				return total, err
			}
			n, err := e.deleteChunks(ctx, gk, s.Name, keys, cutoff)
			total += n
			if err != nil {
				return total, err
			}
			if len(keys) < janitorBatch {
				break
			}
		}
	}
	return total, nil
}

// deleteChunks deletes expired chunks of a stream, checking again inside
// the write transaction (the stream's newest chunk may have grown).
func (e *Engine) deleteChunks(ctx context.Context, gk, stream string, keys []string, cutoff int64) (int, error) {
	deleted := 0
	err := e.st.Update(ctx, func(tx store.Tx) error {
		deleted = 0
		g, err := getGroup(tx, gk)
		if err != nil {
			return err
		}
		s, err := getStream(tx, gk, stream)
		if err != nil {
			return err
		}
		var bytes int64
		for _, k := range keys {
			b, err := tx.GetRaw(bucketEvents, k)
			if err != nil {
				continue
			}
			m, err := readMeta(string(b[:min(len(b), chunkHeader)]))
			if err != nil || m.maxTs >= cutoff {
				continue
			}
			if err := tx.Delete(bucketEvents, k); err != nil {
				return err
			}
			deleted += m.count
			bytes += m.msgBytes
			// s.Tail may name a deleted chunk: writers then start a new
			// one, and Tail's snapshot stays valid.
		}
		s.StoredBytes = max(0, s.StoredBytes-bytes)
		g.StoredBytes = max(0, g.StoredBytes-bytes)
		if err := tx.Put(bucketStreams, streamKey(gk, stream), s); err != nil {
			return err
		}
		return tx.Put(bucketGroups, gk, g)
	})
	if ErrResourceNotFound.Is(err) {
		return 0, nil
	}
	return deleted, err
}
