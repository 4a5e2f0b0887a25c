package codedeploytest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"sync"

	"github.com/skiff-dev/skiff/internal/codedeploy"
)

// Objects is an in-memory S3: bucket/key → content, with MD5 ETags.
type Objects struct {
	mu sync.Mutex
	m  map[string][]byte
}

var _ codedeploy.Objects = (*Objects)(nil)

// Put stores an object and returns its ETag.
func (o *Objects) Put(bucket, key string, data []byte) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m == nil {
		o.m = map[string][]byte{}
	}
	o.m[bucket+"/"+key] = append([]byte(nil), data...)
	return etag(data)
}

func etag(b []byte) string {
	h := md5.Sum(b)
	return hex.EncodeToString(h[:])
}

// GetObject implements codedeploy.Objects.
func (o *Objects) GetObject(ctx context.Context, bucket, key, version string) (io.ReadCloser, string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	b, ok := o.m[bucket+"/"+key]
	if !ok {
		return nil, "", fmt.Errorf("NoSuchKey: s3://%s/%s: %w", bucket, key, codedeploy.ErrObjectNotFound)
	}
	return io.NopCloser(bytes.NewReader(b)), `"` + etag(b) + `"`, nil
}

// Alarms holds alarm states set by the test and notifies subscribers of
// changes, as CloudWatch's OnAlarmStateChange does.
type Alarms struct {
	mu     sync.Mutex
	states map[string]string
	subs   []func(ctx context.Context, name, oldState, newState string)
	// Fail makes AlarmState fail for these alarms.
	Fail map[string]bool
}

var _ codedeploy.Alarms = (*Alarms)(nil)

// Set changes an alarm's state and notifies subscribers.
func (a *Alarms) Set(ctx context.Context, name, state string) {
	a.mu.Lock()
	if a.states == nil {
		a.states = map[string]string{}
	}
	old := a.states[name]
	a.states[name] = state
	subs := append([]func(context.Context, string, string, string){}, a.subs...)
	a.mu.Unlock()
	if old == state {
		return
	}
	for _, fn := range subs {
		fn(ctx, name, old, state)
	}
}

// AlarmState implements codedeploy.Alarms.
func (a *Alarms) AlarmState(ctx context.Context, name string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.Fail[name] {
		return "", fmt.Errorf("ResourceNotFound: alarm %s", name)
	}
	if s, ok := a.states[name]; ok {
		return s, nil
	}
	return codedeploy.AlarmInsufficientData, nil
}

// OnAlarmStateChange implements codedeploy.Alarms.
func (a *Alarms) OnAlarmStateChange(fn func(ctx context.Context, name, oldState, newState string)) {
	a.mu.Lock()
	a.subs = append(a.subs, fn)
	a.mu.Unlock()
}
