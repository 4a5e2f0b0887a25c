package codebuild

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/codebuild/buildspec"
	"github.com/skiff-dev/skiff/internal/codebuild/runner"
	"github.com/skiff-dev/skiff/internal/store"
)

// Batch phases.
const (
	batchSubmitted        = "SUBMITTED"
	batchDownloadSpec     = "DOWNLOAD_BATCHSPEC"
	batchInProgress       = "IN_PROGRESS"
	batchCombineArtifacts = "COMBINE_ARTIFACTS"
)

// StartBuildBatchInput is StartBuildBatch's input: StartBuild's members
// plus the batch-only ones (buildTimeoutInMinutesOverride,
// buildBatchConfigOverride).
type StartBuildBatchInput = StartBuildInput

// batchGroup is one build of a batch as the driver tracks it.
type batchGroup struct {
	Identifier    string             `json:"identifier"`
	Buildspec     string             `json:"buildspec,omitempty"`
	Env           buildspec.BatchEnv `json:"env"`
	DependsOn     []string           `json:"dependsOn,omitempty"`
	IgnoreFailure bool               `json:"ignoreFailure,omitempty"`
	BuildID       string             `json:"buildId,omitempty"`
	Status        string             `json:"status,omitempty"`
	Skipped       bool               `json:"skipped,omitempty"`
}

type batchRecord struct {
	Batch    BuildBatch      `json:"batch"`
	Account  string          `json:"account"`
	Region   string          `json:"region"`
	Seq      int64           `json:"seq"`
	Input    StartBuildInput `json:"input"`
	Groups   []batchGroup    `json:"groups"`
	FastFail bool            `json:"fastFail"`
	Stop     bool            `json:"stop,omitempty"`
	Pipeline *pipelineIO     `json:"pipeline,omitempty"`
	// Buildspec is the batch buildspec reference children without their
	// own use.
	Buildspec string `json:"buildspec,omitempty"`
}

func (r *batchRecord) key() string { return buildKey(r.Account, r.Region, r.Batch.ID) }

func batchARN(region, acct, id string) string {
	return awsctx.ARN("codebuild", region, acct, "build-batch/"+id)
}

func parseBatchID(s string) (string, error) {
	if strings.HasPrefix(s, "arn:") {
		a, ok := awsctx.ParseARN(s)
		if !ok || !strings.HasPrefix(a.Resource, "build-batch/") {
			return "", invalid("Invalid build batch ID provided")
		}
		s = strings.TrimPrefix(a.Resource, "build-batch/")
	}
	if i := strings.IndexByte(s, ':'); i <= 0 || i == len(s)-1 {
		return "", invalid("Invalid build batch ID provided")
	}
	return s, nil
}

func (e *Engine) getBatch(ctx context.Context, key string) (*batchRecord, error) {
	var r batchRecord
	err := e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bucketBatches, key, &r) })
	if errors.Is(err, store.ErrNotFound) {
		id := key
		if parts := strings.SplitN(key, "/", 3); len(parts) == 3 {
			id = parts[2]
		}
		return nil, ErrResourceNotFound.New("Build batch cannot be found: %s", id)
	}
	return &r, err
}

func (e *Engine) putBatch(r *batchRecord) error {
	return e.st.Update(context.WithoutCancel(e.ctx), func(tx store.Tx) error {
		if err := tx.Put(bucketBatches, r.key(), r); err != nil {
			return err
		}
		if r.Batch.Complete {
			return tx.Delete(bucketActive, "batch|"+r.key())
		}
		return tx.PutRaw(bucketActive, "batch|"+r.key(), []byte("1"))
	})
}

// StartBuildBatch starts a batch build: the buildspec's batch section
// (build-list, build-graph, build-matrix or build-fanout) becomes builds.
func (e *Engine) StartBuildBatch(ctx context.Context, in StartBuildBatchInput) (*BuildBatch, error) {
	if in.BuildTimeoutInMinutesOverride != nil {
		in.TimeoutInMinutesOverride = in.BuildTimeoutInMinutesOverride
	}
	if err := validateStartBuild(&in); err != nil {
		return nil, err
	}
	s := awsctx.From(ctx)
	p, err := e.GetProject(ctx, in.ProjectName)
	if err != nil {
		return nil, err
	}
	probe, err := e.newBuild(ctx, p, &in)
	if err != nil {
		return nil, err
	}
	b := probe.Build
	id := p.Name + ":" + newUUID()
	now := e.clk.Now()
	cfg := p.BuildBatchConfig
	if in.BuildBatchConfigOverride != nil {
		cfg = in.BuildBatchConfigOverride
	}
	in.BuildTimeoutInMinutesOverride, in.BuildBatchConfigOverride = nil, nil
	r := &batchRecord{Account: s.AccountID, Region: s.Region, Input: in, Buildspec: b.Source.Buildspec, Pipeline: probe.Pipeline}
	r.Batch = BuildBatch{
		ID: id, ARN: batchARN(s.Region, s.AccountID, id), StartTime: now, CurrentPhase: batchSubmitted,
		BuildBatchStatus: StatusInProgress, SourceVersion: b.SourceVersion, ProjectName: p.Name,
		Phases: []BuildBatchPhase{{PhaseType: batchSubmitted, StartTime: now}}, Source: b.Source,
		SecondarySources: b.SecondarySources, SecondarySourceVersions: b.SecondarySourceVersions,
		Artifacts: b.Artifacts, SecondaryArtifacts: b.SecondaryArtifacts, Cache: b.Cache, Environment: b.Environment,
		ServiceRole: b.ServiceRole, LogConfig: probe.LogsConfig, BuildTimeoutInMinutes: b.TimeoutInMinutes,
		QueuedTimeoutInMinutes: b.QueuedTimeoutInMinutes, Initiator: b.Initiator, EncryptionKey: b.EncryptionKey,
		BuildBatchConfig: cfg, BuildGroups: []BuildGroup{}, DebugSessionEnabled: in.DebugSessionEnabled,
	}
	key := r.key()
	err = e.st.Update(ctx, func(tx store.Tx) error {
		n, err := tx.NextSeq("codebuild.batchnumber/" + projectKey(s.AccountID, s.Region, p.Name))
		if err != nil {
			return err
		}
		seq, err := tx.NextSeq("codebuild.batches")
		if err != nil {
			return err
		}
		r.Batch.BuildBatchNumber, r.Seq = n, seq
		if err := tx.Put(bucketBatches, key, r); err != nil {
			return err
		}
		if err := tx.PutRaw(bucketActive, "batch|"+key, []byte("1")); err != nil {
			return err
		}
		if err := tx.PutRaw(bucketBatchSeq, projectKey(s.AccountID, s.Region, seqKey(seq)), []byte(id)); err != nil {
			return err
		}
		return tx.PutRaw(bucketProjectBatches, projectKey(s.AccountID, s.Region, p.Name)+"/"+seqKey(seq), []byte(id))
	})
	if err != nil {
		return nil, err
	}
	out := r.Batch
	e.startBatchDriver(key)
	return &out, nil
}

// startBatchDriver runs a batch's driver unless one runs already.
func (e *Engine) startBatchDriver(key string) {
	e.mu.Lock()
	if e.closed || e.batchWake[key] != nil {
		e.mu.Unlock()
		return
	}
	wake := make(chan struct{}, 1)
	e.batchWake[key] = wake
	e.wg.Add(1)
	e.mu.Unlock()
	go func() {
		defer e.wg.Done()
		defer func() {
			e.mu.Lock()
			delete(e.batchWake, key)
			e.mu.Unlock()
		}()
		e.driveBatch(key, wake)
	}()
}

// batchBuildDone wakes a batch's driver when one of its builds completes.
func (e *Engine) batchBuildDone(key string) {
	e.mu.Lock()
	wake := e.batchWake[key]
	e.mu.Unlock()
	if wake != nil {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
}

func (r *batchRecord) beginPhase(t string, now time.Time) {
	r.Batch.Phases = append(r.Batch.Phases, BuildBatchPhase{PhaseType: t, StartTime: now})
	r.Batch.CurrentPhase = t
}

func (r *batchRecord) endPhase(status string, now time.Time, pc *PhaseContext) {
	if len(r.Batch.Phases) == 0 {
		return
	}
	p := &r.Batch.Phases[len(r.Batch.Phases)-1]
	if p.PhaseStatus != "" {
		return
	}
	p.PhaseStatus, p.EndTime = status, now
	d := int64(now.Sub(p.StartTime) / time.Second)
	p.DurationInSeconds = &d
	if pc != nil {
		p.Contexts = []PhaseContext{*pc}
	}
}

// driveBatch moves a batch through DOWNLOAD_BATCHSPEC and IN_PROGRESS,
// starting each build when the builds it depends on succeeded, until every
// build is done. It resumes after a restart from what the store says.
func (e *Engine) driveBatch(key string, wake chan struct{}) {
	ctx := context.WithoutCancel(e.ctx)
	r, err := e.getBatch(ctx, key)
	if err != nil || r.Batch.Complete {
		return
	}
	ctx = awsctx.With(ctx, awsctx.Scope{AccountID: r.Account, Region: r.Region, RequestID: "codebuild-batch"})
	if r.Batch.CurrentPhase == batchSubmitted || r.Batch.CurrentPhase == batchDownloadSpec {
		now := e.clk.Now()
		if r.Batch.CurrentPhase == batchSubmitted {
			r.endPhase(StatusSucceeded, now, nil)
			r.beginPhase(batchDownloadSpec, now)
			e.putBatch(r)
		}
		groups, pc := e.batchSpec(ctx, r)
		now = e.clk.Now()
		if pc != nil {
			r.endPhase(StatusFailed, now, pc)
			e.finishBatch(r, StatusFailed)
			return
		}
		r.Groups = groups
		r.endPhase(StatusSucceeded, now, nil)
		r.beginPhase(batchInProgress, now)
		e.putBatch(r)
	}
	for {
		if done := e.stepBatch(ctx, r); done {
			return
		}
		select {
		case <-wake:
		case <-e.ctx.Done():
			return
		case <-time.After(2 * time.Second):
			// Also poll: a build may have completed while no driver ran.
		}
		nr, err := e.getBatch(ctx, key)
		if err != nil {
			return
		}
		r = nr
	}
}

// batchSpec downloads the source and reads the batch section.
func (e *Engine) batchSpec(ctx context.Context, r *batchRecord) ([]batchGroup, *PhaseContext) {
	root, err := os.MkdirTemp(e.deps.WorkDir, "batchspec")
	if err != nil {
		return nil, clientError("%v", err)
	}
	defer os.RemoveAll(root)
	src := filepath.Join(root, "src")
	os.Mkdir(src, 0o755)
	rec := &buildRecord{Account: r.Account, Region: r.Region, Pipeline: r.Pipeline, Build: Build{
		ID: r.Batch.ID, Source: r.Batch.Source, SourceVersion: r.Batch.SourceVersion, ProjectName: r.Batch.ProjectName,
	}}
	sink := newLogSink(ctx, nil, "", "", nil, nil)
	defer sink.close()
	x := &execution{e: e, rec: rec, ctx: ctx, bg: ctx, sink: sink, srcDir: src, buildSrc: src,
		dirs: runner.Dirs{HostRoot: root, BuildRoot: root}, secondary: map[string]*secondarySource{}}
	resolved, pc := x.fetch(rec.Build.Source, rec.Build.SourceVersion, src, "primary source")
	if pc != nil {
		return nil, pc
	}
	r.Batch.ResolvedSourceVersion = resolved
	spec, pc := x.loadBuildspec()
	if pc != nil {
		return nil, pc
	}
	if spec.Batch == nil {
		return nil, &PhaseContext{StatusCode: "YAML_FILE_ERROR", Message: "the buildspec has no batch section"}
	}
	r.FastFail = spec.Batch.FastFail
	var groups []batchGroup
	bb := spec.Batch
	switch {
	case bb.BuildList != nil || bb.BuildGraph != nil:
		list := bb.BuildList
		if bb.BuildGraph != nil {
			list = bb.BuildGraph
		}
		for _, b := range list {
			groups = append(groups, batchGroup{Identifier: b.Identifier, Buildspec: b.Buildspec, Env: b.Env, DependsOn: b.DependOn, IgnoreFailure: b.IgnoreFailure})
		}
	case bb.BuildMatrix != nil:
		groups = matrixGroups(bb.BuildMatrix)
	case bb.BuildFanout != nil:
		for i := 1; i <= bb.BuildFanout.Parallelism; i++ {
			groups = append(groups, batchGroup{Identifier: "build" + strconv.Itoa(i), IgnoreFailure: bb.BuildFanout.IgnoreFailure})
		}
	}
	if len(groups) == 0 {
		return nil, &PhaseContext{StatusCode: "YAML_FILE_ERROR", Message: "the batch section defines no builds"}
	}
	if limit := maxBatchBuilds(r.Batch.BuildBatchConfig); limit > 0 && len(groups) > limit {
		return nil, clientError("the batch has %d builds, more than the %d the project's batch restrictions allow", len(groups), limit)
	}
	return groups, nil
}

func maxBatchBuilds(cfg json.RawMessage) int {
	var c struct {
		Restrictions struct {
			MaximumBuildsAllowed int `json:"maximumBuildsAllowed"`
		} `json:"restrictions"`
	}
	if len(cfg) > 0 && json.Unmarshal(cfg, &c) == nil {
		return c.Restrictions.MaximumBuildsAllowed
	}
	return 0
}

// matrixGroups expands a build matrix: every combination of the dynamic
// buildspecs, images, compute types and variable values.
func matrixGroups(m *buildspec.BuildMatrix) []batchGroup {
	type combo struct {
		spec string
		env  buildspec.BatchEnv
	}
	combos := []combo{{env: m.Static.Env}}
	expand := func(values []string, set func(c *combo, v string)) {
		if len(values) == 0 {
			return
		}
		var next []combo
		for _, c := range combos {
			for _, v := range values {
				n := c
				n.env.Variables = append([]buildspec.KV(nil), c.env.Variables...)
				set(&n, v)
				next = append(next, n)
			}
		}
		combos = next
	}
	expand(m.Dynamic.Buildspec, func(c *combo, v string) { c.spec = v })
	expand(m.Dynamic.Image, func(c *combo, v string) { c.env.Image = v })
	expand(m.Dynamic.ComputeType, func(c *combo, v string) { c.env.ComputeType = v })
	for _, mv := range m.Dynamic.Variables {
		name := mv.Name
		expand(mv.Values, func(c *combo, v string) {
			c.env.Variables = append(c.env.Variables, buildspec.KV{Name: name, Value: v})
		})
	}
	out := make([]batchGroup, len(combos))
	for i, c := range combos {
		out[i] = batchGroup{Identifier: "build" + strconv.Itoa(i+1), Buildspec: c.spec, Env: c.env, IgnoreFailure: m.Static.IgnoreFailure}
	}
	return out
}

// stepBatch starts what can start and reports whether the batch is done.
func (e *Engine) stepBatch(ctx context.Context, r *batchRecord) bool {
	status := map[string]string{}
	failed := false
	running := 0
	for i := range r.Groups {
		g := &r.Groups[i]
		if g.BuildID != "" && (g.Status == "" || g.Status == StatusInProgress) {
			if b, err := e.GetBuild(ctx, g.BuildID); err == nil {
				g.Status = b.BuildStatus
			}
		}
		status[g.Identifier] = g.Status
		if g.Status == StatusInProgress {
			running++
		}
		if g.Status != "" && g.Status != StatusInProgress && g.Status != StatusSucceeded && !g.IgnoreFailure {
			failed = true
		}
	}
	stopping := r.Stop || (failed && r.FastFail)
	if stopping {
		for _, g := range r.Groups {
			if g.BuildID != "" && g.Status == StatusInProgress {
				e.StopBuild(ctx, g.BuildID)
			}
		}
	} else {
		for i := range r.Groups {
			g := &r.Groups[i]
			if g.BuildID != "" || g.Skipped {
				continue
			}
			ready, blocked := true, false
			for _, d := range g.DependsOn {
				switch status[d] {
				case StatusSucceeded:
				case "", StatusInProgress:
					ready = false
				default:
					blocked = true
				}
			}
			if blocked {
				g.Skipped = true
				continue
			}
			if !ready {
				continue
			}
			b, err := e.startBatchBuild(ctx, r, g)
			if err != nil {
				g.Skipped, g.Status = true, StatusFailed
				failed = failed || !g.IgnoreFailure
				continue
			}
			g.BuildID, g.Status = b.ID, StatusInProgress
			running++
		}
	}
	e.refreshGroups(ctx, r)
	pending := false
	for _, g := range r.Groups {
		if g.Status == StatusInProgress || (g.BuildID == "" && !g.Skipped && !stopping) {
			pending = true
		}
	}
	if pending {
		e.putBatch(r)
		return false
	}
	now := e.clk.Now()
	final := StatusSucceeded
	switch {
	case r.Stop:
		final = StatusStopped
	case failed:
		final = StatusFailed
	}
	for _, g := range r.Groups {
		if g.Skipped && !g.IgnoreFailure && final == StatusSucceeded {
			final = StatusFailed
		}
	}
	r.endPhase(final, now, nil)
	combine := len(r.Batch.BuildBatchConfig) > 0 && strings.Contains(string(r.Batch.BuildBatchConfig), `"combineArtifacts":true`)
	if (combine || r.Pipeline != nil) && final == StatusSucceeded {
		r.beginPhase(batchCombineArtifacts, now)
		status, pc := StatusSucceeded, (*PhaseContext)(nil)
		if err := e.combinePipelineArtifacts(ctx, r); err != nil {
			status, pc, final = StatusFailed, clientError("%v", err), StatusFailed
		}
		r.endPhase(status, e.clk.Now(), pc)
	}
	e.finishBatch(r, final)
	return true
}

// startBatchBuild starts one build of a batch.
func (e *Engine) startBatchBuild(ctx context.Context, r *batchRecord, g *batchGroup) (*Build, error) {
	in := r.Input
	in.IdempotencyToken = ""
	in.Initiator = r.Batch.Initiator
	if g.Buildspec != "" {
		in.BuildspecOverride = g.Buildspec
	} else {
		in.BuildspecOverride = r.Buildspec
	}
	if g.Env.Image != "" {
		in.ImageOverride = g.Env.Image
	}
	if g.Env.ComputeType != "" {
		in.ComputeTypeOverride = g.Env.ComputeType
	}
	if g.Env.Type != "" {
		in.EnvironmentTypeOverride = g.Env.Type
	}
	if g.Env.PrivilegedMode {
		t := true
		in.PrivilegedModeOverride = &t
	}
	in.EnvironmentVariablesOverride = append([]EnvironmentVariable(nil), in.EnvironmentVariablesOverride...)
	for _, kv := range g.Env.Variables {
		in.EnvironmentVariablesOverride = append(in.EnvironmentVariablesOverride, EnvironmentVariable{Name: kv.Name, Value: kv.Value, Type: "PLAINTEXT"})
	}
	if r.Batch.ResolvedSourceVersion != "" && (r.Batch.Source.Type == "CODECOMMIT" || r.Batch.Source.Type == "GITHUB") {
		// Every build of the batch builds the same commit.
		in.SourceVersion = r.Batch.ResolvedSourceVersion
	}
	in.batch = &batchLink{BatchKey: r.key(), BatchARN: r.Batch.ARN, Identifier: g.Identifier}
	if p := r.Pipeline; p != nil {
		in.InputArtifacts, in.PrimarySource, in.OutputArtifacts = p.Inputs, p.PrimarySource, nil
		// Each build of a pipeline batch writes its outputs under its
		// identifier; the pipeline's outputs take the batch's combined
		// artifacts (COMBINE_ARTIFACTS).
		for _, o := range p.Outputs {
			in.OutputArtifacts = append(in.OutputArtifacts, OutputArtifact{Name: o.Name, Bucket: o.Bucket, Key: joinKey(o.Key+".d", g.Identifier+".zip")})
		}
	}
	return e.StartBuild(ctx, in)
}

// refreshGroups rebuilds the API view of the batch's builds.
func (e *Engine) refreshGroups(ctx context.Context, r *batchRecord) {
	old := map[string]BuildGroup{}
	for _, bg := range r.Batch.BuildGroups {
		old[bg.Identifier] = bg
	}
	groups := make([]BuildGroup, 0, len(r.Groups))
	for _, g := range r.Groups {
		bg := BuildGroup{Identifier: g.Identifier, DependsOn: append([]string{}, g.DependsOn...), IgnoreFailure: g.IgnoreFailure,
			PriorBuildSummaryList: old[g.Identifier].PriorBuildSummaryList}
		if g.BuildID != "" {
			if b, err := e.GetBuild(ctx, g.BuildID); err == nil {
				sum := &BuildSummary{ARN: b.ARN, RequestedOn: b.StartTime, BuildStatus: b.BuildStatus}
				if b.Artifacts != nil && b.Artifacts.Location != "" {
					sum.PrimaryArtifact = &ResolvedArtifact{Type: "S3", Location: b.Artifacts.Location}
				}
				for _, sa := range b.SecondaryArtifacts {
					sum.SecondaryArtifacts = append(sum.SecondaryArtifacts, ResolvedArtifact{Type: "S3", Location: sa.Location, Identifier: sa.ArtifactIdentifier})
				}
				bg.CurrentBuildSummary = sum
			}
		}
		groups = append(groups, bg)
	}
	r.Batch.BuildGroups = groups
}

func (e *Engine) finishBatch(r *batchRecord, status string) {
	now := e.clk.Now()
	r.beginPhase(status, now)
	r.Batch.BuildBatchStatus = status
	r.Batch.Complete = true
	r.Batch.EndTime = now
	var arns []string
	for _, g := range r.Groups {
		if g.BuildID == "" {
			continue
		}
		if b, err := e.GetBuild(awsctx.With(context.WithoutCancel(e.ctx), awsctx.Scope{AccountID: r.Account, Region: r.Region}), g.BuildID); err == nil {
			arns = append(arns, b.ReportArns...)
		}
	}
	r.Batch.ReportArns = arns
	if err := e.putBatch(r); err != nil {
		e.log.Error("codebuild: record batch", "batch", r.Batch.ID, "err", err)
	}
}

// BatchGetBuildBatches returns batches by id or ARN.
func (e *Engine) BatchGetBuildBatches(ctx context.Context, ids []string) ([]*BuildBatch, []string, error) {
	if len(ids) == 0 || len(ids) > 100 {
		return nil, nil, invalid("1 validation error detected: Value at 'ids' failed to satisfy constraint: Member must have length between 1 and 100")
	}
	s := awsctx.From(ctx)
	found, missing := []*BuildBatch{}, []string{}
	for _, raw := range ids {
		id, err := parseBatchID(raw)
		if err != nil {
			return nil, nil, err
		}
		r, err := e.getBatch(ctx, buildKey(s.AccountID, s.Region, id))
		if err != nil {
			if ErrResourceNotFound.Is(err) {
				missing = append(missing, raw)
				continue
			}
			return nil, nil, err
		}
		b := r.Batch
		found = append(found, &b)
	}
	return found, missing, nil
}

// ListBuildBatches lists batch ids; project "" lists all.
func (e *Engine) ListBuildBatches(ctx context.Context, project, status, sortOrder, nextToken string, maxResults *int32) ([]string, string, error) {
	var v validation
	v.enum("filter.status", status, StatusSucceeded, StatusFailed, StatusFault, StatusTimedOut, StatusInProgress, StatusStopped)
	v.enum("sortOrder", sortOrder, "ASCENDING", "DESCENDING")
	if err := v.err(); err != nil {
		return nil, "", err
	}
	size, err := pageSize(maxResults)
	if err != nil {
		return nil, "", err
	}
	s := awsctx.From(ctx)
	bucket, prefix := bucketBatchSeq, s.AccountID+"/"+s.Region+"/"
	if project != "" {
		if _, err := e.GetProject(ctx, project); err != nil {
			return nil, "", err
		}
		bucket, prefix = bucketProjectBatches, projectKey(s.AccountID, s.Region, project)+"/"
	}
	var ids []string
	err = e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucket, store.ScanOptions{Prefix: prefix, Reverse: sortOrder != "ASCENDING"}, func(_ string, v []byte) error {
			id := string(v)
			if status != "" {
				var r batchRecord
				if err := tx.Get(bucketBatches, buildKey(s.AccountID, s.Region, id), &r); err != nil || r.Batch.BuildBatchStatus != status {
					return nil
				}
			}
			ids = append(ids, id)
			return nil
		})
	})
	if err != nil {
		return nil, "", err
	}
	return page(len(ids), nextToken, size, func(i int) string { return ids[i] })
}

// StopBuildBatch stops a batch and its running builds.
func (e *Engine) StopBuildBatch(ctx context.Context, id string) (*BuildBatch, error) {
	bid, err := parseBatchID(id)
	if err != nil {
		return nil, err
	}
	s := awsctx.From(ctx)
	key := buildKey(s.AccountID, s.Region, bid)
	r, err := e.getBatch(ctx, key)
	if err != nil {
		return nil, err
	}
	if r.Batch.Complete {
		return &r.Batch, nil
	}
	r.Stop = true
	if err := e.putBatch(r); err != nil {
		return nil, err
	}
	for _, g := range r.Groups {
		if g.BuildID != "" {
			e.StopBuild(ctx, g.BuildID)
		}
	}
	e.startBatchDriver(key)
	e.batchBuildDone(key)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if r, err = e.getBatch(ctx, key); err != nil || r.Batch.Complete {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return nil, err
	}
	return &r.Batch, nil
}

// RetryBuildBatch reruns a completed batch's failed builds
// (RETRY_FAILED_BUILDS, the default) or all of them.
func (e *Engine) RetryBuildBatch(ctx context.Context, id, retryType string) (*BuildBatch, error) {
	var v validation
	v.enum("retryType", retryType, "RETRY_ALL_BUILDS", "RETRY_FAILED_BUILDS")
	if err := v.err(); err != nil {
		return nil, err
	}
	bid, err := parseBatchID(id)
	if err != nil {
		return nil, err
	}
	s := awsctx.From(ctx)
	key := buildKey(s.AccountID, s.Region, bid)
	r, err := e.getBatch(ctx, key)
	if err != nil {
		return nil, err
	}
	if !r.Batch.Complete || r.Batch.BuildBatchStatus == StatusSucceeded {
		return nil, invalid("Only batch builds that have failed can be retried")
	}
	for i := range r.Batch.BuildGroups {
		bg := &r.Batch.BuildGroups[i]
		g := &r.Groups[i]
		if retryType == "RETRY_ALL_BUILDS" || g.Status != StatusSucceeded {
			if bg.CurrentBuildSummary != nil {
				bg.PriorBuildSummaryList = append(bg.PriorBuildSummaryList, *bg.CurrentBuildSummary)
				bg.CurrentBuildSummary = nil
			}
			g.BuildID, g.Status, g.Skipped = "", "", false
		}
	}
	now := e.clk.Now()
	r.Stop = false
	r.Batch.Complete = false
	r.Batch.EndTime = time.Time{}
	r.Batch.BuildBatchStatus = StatusInProgress
	r.beginPhase(batchInProgress, now)
	if err := e.putBatch(r); err != nil {
		return nil, err
	}
	e.startBatchDriver(key)
	out := r.Batch
	return &out, nil
}

// DeleteBuildBatch deletes a completed batch and its builds.
func (e *Engine) DeleteBuildBatch(ctx context.Context, id string) (string, []string, []BuildNotDeleted, error) {
	bid, err := parseBatchID(id)
	if err != nil {
		return "", nil, nil, err
	}
	s := awsctx.From(ctx)
	key := buildKey(s.AccountID, s.Region, bid)
	r, err := e.getBatch(ctx, key)
	if err != nil {
		if ErrResourceNotFound.Is(err) {
			return "BATCH_NOT_FOUND", []string{}, []BuildNotDeleted{}, nil
		}
		return "", nil, nil, err
	}
	if !r.Batch.Complete {
		return "", nil, nil, invalid("Build batch %s is in progress and cannot be deleted", id)
	}
	var ids []string
	for _, g := range r.Groups {
		if g.BuildID != "" {
			ids = append(ids, g.BuildID)
		}
	}
	deleted, notDeleted := []string{}, []BuildNotDeleted{}
	if len(ids) > 0 {
		if deleted, notDeleted, err = e.BatchDeleteBuilds(ctx, ids); err != nil {
			return "", nil, nil, err
		}
	}
	err = e.st.Update(ctx, func(tx store.Tx) error {
		tx.Delete(bucketBatchSeq, projectKey(s.AccountID, s.Region, seqKey(r.Seq)))
		tx.Delete(bucketProjectBatches, projectKey(s.AccountID, s.Region, r.Batch.ProjectName)+"/"+seqKey(r.Seq))
		return tx.Delete(bucketBatches, key)
	})
	return "", deleted, notDeleted, err
}

// WaitBuildBatch waits until a batch in ctx's account and region completes
// (or ctx ends) and returns it.
func (e *Engine) WaitBuildBatch(ctx context.Context, id string) (*BuildBatch, error) {
	bid, err := parseBatchID(id)
	if err != nil {
		return nil, err
	}
	s := awsctx.From(ctx)
	key := buildKey(s.AccountID, s.Region, bid)
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		r, err := e.getBatch(ctx, key)
		if err != nil {
			return nil, err
		}
		if r.Batch.Complete {
			return &r.Batch, nil
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// combinePipelineArtifacts makes each pipeline output artifact of a batch
// from its builds' artifacts, each under a directory named after the
// build's identifier (CodeBuild's combined batch artifacts).
func (e *Engine) combinePipelineArtifacts(ctx context.Context, r *batchRecord) error {
	if r.Pipeline == nil || e.deps.Objects == nil {
		return nil
	}
	for _, out := range r.Pipeline.Outputs {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, g := range r.Groups {
			if g.BuildID == "" {
				continue
			}
			rc, err := e.deps.Objects.GetObject(ctx, out.Bucket, joinKey(out.Key+".d", g.Identifier+".zip"), "")
			if err != nil {
				continue // this build produced no such artifact
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return err
			}
			zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				return fmt.Errorf("artifact of %s: %w", g.Identifier, err)
			}
			for _, f := range zr.File {
				h := f.FileHeader
				h.Name = g.Identifier + "/" + f.Name
				w, err := zw.CreateHeader(&h)
				if err != nil {
					return err
				}
				src, err := f.Open()
				if err != nil {
					return err
				}
				_, err = io.Copy(w, src)
				src.Close()
				if err != nil {
					return err
				}
			}
		}
		if err := zw.Close(); err != nil {
			return err
		}
		if err := e.deps.Objects.PutObject(ctx, out.Bucket, out.Key, &buf); err != nil {
			return err
		}
	}
	return nil
}
