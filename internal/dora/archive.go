package dora

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/store"
)

// Store buckets. dora.batches holds one Batch per imported history (key:
// the batch name); dora.records holds its records, keyed
// "<batch>/<c|d|i>/<id>" (change, deployment, incident), as JSON.
const (
	bucketBatches = "dora.batches"
	bucketRecords = "dora.records"
)

// Archive keeps imported histories in skiff's store, each under a name
// (a batch), so `skiff dora` can include them (Merge the archive with
// skiff's own source) or compare with them (a report from Batch alone).
// It is a Source over every batch.
type Archive struct {
	st store.Store
}

var _ Source = (*Archive)(nil)

// NewArchive returns an archive in st.
func NewArchive(st store.Store) *Archive { return &Archive{st: st} }

// Batch describes one imported history.
type Batch struct {
	Name        string    `json:"name"`
	ImportedAt  time.Time `json:"importedAt"`
	Changes     int       `json:"changes"`
	Deployments int       `json:"deployments"`
	Incidents   int       `json:"incidents"`
	// From and To span the records' times.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
}

var batchName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Save stores h as the batch name, replacing a batch of that name, in one
// transaction: a failed save leaves the previous batch as it was.
func (a *Archive) Save(ctx context.Context, name string, h *History) (Batch, error) {
	if !batchName.MatchString(name) {
		return Batch{}, fmt.Errorf("batch name %q: want 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", name)
	}
	b := Batch{Name: name, ImportedAt: time.Now().UTC(),
		Changes: len(h.Changes), Deployments: len(h.Deployments), Incidents: len(h.Incidents)}
	span := func(ts ...time.Time) {
		for _, t := range ts {
			if t.IsZero() {
				continue
			}
			if b.From.IsZero() || t.Before(b.From) {
				b.From = t
			}
			if t.After(b.To) {
				b.To = t
			}
		}
	}
	for _, c := range h.Changes {
		span(c.CommitTime, c.AuthorTime)
	}
	for _, d := range h.Deployments {
		span(d.Start, d.End)
	}
	for _, in := range h.Incidents {
		span(in.Start, in.End)
	}
	err := a.st.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.DeletePrefix(bucketRecords, name+"/"); err != nil {
			return err
		}
		for _, c := range h.Changes {
			if err := tx.Put(bucketRecords, name+"/c/"+c.ID, c); err != nil {
				return err
			}
		}
		for _, d := range h.Deployments {
			if err := tx.Put(bucketRecords, name+"/d/"+d.ID, d); err != nil {
				return err
			}
		}
		for _, in := range h.Incidents {
			if err := tx.Put(bucketRecords, name+"/i/"+in.ID, in); err != nil {
				return err
			}
		}
		return tx.Put(bucketBatches, name, b)
	})
	if err != nil {
		return Batch{}, fmt.Errorf("save dora batch %q: %w", name, err)
	}
	return b, nil
}

// Delete removes a batch; deleting a missing batch is not an error.
func (a *Archive) Delete(ctx context.Context, name string) error {
	return a.st.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.DeletePrefix(bucketRecords, name+"/"); err != nil {
			return err
		}
		return tx.Delete(bucketBatches, name)
	})
}

// Batches lists the imported histories by name.
func (a *Archive) Batches(ctx context.Context) ([]Batch, error) {
	var out []Batch
	err := a.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketBatches, store.ScanOptions{}, func(_ string, v []byte) error {
			var b Batch
			if err := json.Unmarshal(v, &b); err != nil {
				return err
			}
			out = append(out, b)
			return nil
		})
	})
	return out, err
}

// History returns every batch's records for [from, to) (Source).
func (a *Archive) History(ctx context.Context, from, to time.Time) (*History, error) {
	return a.read(ctx, nil, from, to)
}

// Batch returns a Source over the named batches only.
func (a *Archive) Batch(names ...string) Source {
	return SourceFunc(func(ctx context.Context, from, to time.Time) (*History, error) {
		bs, err := a.Batches(ctx)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			if !slices.ContainsFunc(bs, func(b Batch) bool { return b.Name == n }) {
				return nil, fmt.Errorf("no imported history named %q", n)
			}
		}
		return a.read(ctx, names, from, to)
	})
}

// read scans the records of the named batches (all when names is nil):
// deployments and incidents that touch [from, to), changes committed in
// it, and the changes those deployments name whatever their time.
func (a *Archive) read(ctx context.Context, names []string, from, to time.Time) (*History, error) {
	h := &History{}
	changes := map[string]Change{}
	in := func(ts ...time.Time) bool {
		for _, t := range ts {
			if !t.IsZero() && !t.Before(from) && t.Before(to) {
				return true
			}
		}
		return false
	}
	err := a.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketRecords, store.ScanOptions{}, func(key string, v []byte) error {
			batch, rest, _ := strings.Cut(key, "/")
			if names != nil && !slices.Contains(names, batch) {
				return nil
			}
			kind, _, _ := strings.Cut(rest, "/")
			var err error
			switch kind {
			case "c":
				var c Change
				if err = json.Unmarshal(v, &c); err == nil {
					changes[c.ID] = c
				}
			case "d":
				var d Deployment
				if err = json.Unmarshal(v, &d); err == nil && in(d.Start, d.End) {
					h.Deployments = append(h.Deployments, d)
				}
			case "i":
				var i Incident
				if err = json.Unmarshal(v, &i); err == nil && i.Start.Before(to) && (i.End.IsZero() || !i.End.Before(from)) {
					h.Incidents = append(h.Incidents, i)
				}
			default:
				err = errors.New("unknown record kind")
			}
			if err != nil {
				return fmt.Errorf("record %q: %w", key, err)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read imported history: %w", err)
	}
	named := map[string]bool{}
	for _, d := range h.Deployments {
		named[d.Revision] = true
		for _, c := range d.Commits {
			named[c] = true
		}
	}
	ids := make([]string, 0, len(changes))
	for id := range changes {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		c := changes[id]
		if named[id] || in(c.CommitTime, c.AuthorTime) {
			h.Changes = append(h.Changes, c)
		}
	}
	return dedupe(h), nil // the same record in two batches counts once
}
