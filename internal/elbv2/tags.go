package elbv2

import (
	"context"

	"github.com/skiff-dev/skiff/internal/store"
)

// tagRef points at one taggable record: its tags, and how to store a copy
// with new tags.
type tagRef struct {
	tags  map[string]string
	store func(tx store.Tx, tags map[string]string) (commit func(), err error)
}

func (e *Engine) tagRefLocked(ctx context.Context, arn string) (tagRef, error) {
	switch arnKind(arn) {
	case "loadbalancer":
		lb, err := e.lbLocked(ctx, arn)
		if err != nil {
			return tagRef{}, err
		}
		return tagRef{lb.rec.Tags, func(tx store.Tx, tags map[string]string) (func(), error) {
			rec := cloneLB(lb.rec)
			rec.Tags = tags
			return func() { lb.rec = rec }, tx.Put(bucketLBs, arn, rec)
		}}, nil
	case "targetgroup":
		tg, err := e.tgLocked(ctx, arn)
		if err != nil {
			return tagRef{}, err
		}
		return tagRef{tg.rec.Tags, func(tx store.Tx, tags map[string]string) (func(), error) {
			rec := cloneTG(tg.rec)
			rec.Tags = tags
			return func() { tg.rec = rec }, tx.Put(bucketTGs, arn, rec)
		}}, nil
	case "listener":
		ls, err := e.listenerLocked(ctx, arn)
		if err != nil {
			return tagRef{}, err
		}
		return tagRef{ls.rec.Tags, func(tx store.Tx, tags map[string]string) (func(), error) {
			rec := cloneListener(ls.rec)
			rec.Tags = tags
			return func() { ls.rec = rec }, tx.Put(bucketListeners, arn, rec)
		}}, nil
	case "listener-rule":
		rs, _, err := e.ruleLocked(ctx, arn)
		if err != nil {
			return tagRef{}, err
		}
		if rs == nil {
			return tagRef{}, ErrOperationNotPermitted.New("Default rule '%s' cannot be tagged", arn)
		}
		return tagRef{rs.rec.Tags, func(tx store.Tx, tags map[string]string) (func(), error) {
			rec := *rs.rec
			rec.Tags = tags
			return func() { rs.rec = &rec }, tx.Put(bucketRules, arn, &rec)
		}}, nil
	}
	return tagRef{}, validation("'%s' is not a valid resource ARN", arn)
}

// changeTags applies fn to each resource's tags in one transaction.
func (e *Engine) changeTags(ctx context.Context, arns []string, fn func(tags map[string]string) error) error {
	if len(arns) == 0 {
		return validation("1 validation error detected: Value null at 'resourceArns' failed to satisfy constraint: Member must not be null")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	refs := make([]tagRef, len(arns))
	next := make([]map[string]string, len(arns))
	for i, arn := range arns {
		ref, err := e.tagRefLocked(ctx, arn)
		if err != nil {
			return err
		}
		tags := cloneMap(ref.tags)
		if tags == nil {
			tags = map[string]string{}
		}
		if err := fn(tags); err != nil {
			return err
		}
		refs[i], next[i] = ref, tags
	}
	var commits []func()
	err := e.st.Update(ctx, func(tx store.Tx) error {
		commits = commits[:0]
		for i, ref := range refs {
			c, err := ref.store(tx, next[i])
			if err != nil {
				return err
			}
			commits = append(commits, c)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, c := range commits {
		c()
	}
	return nil
}

// AddTags adds or overwrites tags on load balancers, target groups,
// listeners and rules.
func (e *Engine) AddTags(ctx context.Context, arns []string, tags map[string]string) error {
	if len(tags) == 0 {
		return validation("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	return e.changeTags(ctx, arns, func(cur map[string]string) error {
		for k, v := range tags {
			cur[k] = v
		}
		if len(cur) > maxTagsPerResource {
			return ErrTooManyTags.New("The quota for the number of tags that can be assigned to a load balancer has been reached")
		}
		return nil
	})
}

// RemoveTags removes tag keys (missing keys are ignored).
func (e *Engine) RemoveTags(ctx context.Context, arns []string, keys []string) error {
	if len(keys) == 0 {
		return validation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
	}
	return e.changeTags(ctx, arns, func(cur map[string]string) error {
		for _, k := range keys {
			delete(cur, k)
		}
		return nil
	})
}

// DescribeTags returns each resource's tags, in the order asked.
func (e *Engine) DescribeTags(ctx context.Context, arns []string) ([]map[string]string, error) {
	if len(arns) == 0 {
		return nil, validation("1 validation error detected: Value null at 'resourceArns' failed to satisfy constraint: Member must not be null")
	}
	if len(arns) > 20 {
		return nil, validation("1 validation error detected: Value at 'resourceArns' failed to satisfy constraint: Member must have length less than or equal to 20")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]map[string]string, len(arns))
	for i, arn := range arns {
		ref, err := e.tagRefLocked(ctx, arn)
		if err != nil {
			return nil, err
		}
		out[i] = cloneMap(ref.tags)
	}
	return out, nil
}
