package server

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/codebuild"
	"github.com/skiff-dev/skiff/internal/codebuild/runner"
	"github.com/skiff-dev/skiff/internal/codecommit"
	"github.com/skiff-dev/skiff/internal/logs"
	"github.com/skiff-dev/skiff/internal/s3"
	"github.com/skiff-dev/skiff/internal/secretsmanager"
	"github.com/skiff-dev/skiff/internal/ssm"
	"github.com/skiff-dev/skiff/internal/sts"
)

// Adapters from skiff's engines to CodeBuild's dependency interfaces.

type cbSources struct{ cc *codecommit.Engine }

func (a cbSources) FetchCodeCommit(ctx context.Context, repo, version, dir string, depth int) (string, error) {
	c, err := a.cc.Clone(ctx, repo, version, dir, depth)
	if err != nil && (codecommit.ErrRepositoryDoesNotExist.Is(err) || strings.Contains(err.Error(), "DoesNotExist")) {
		return "", fmt.Errorf("%w: %v", codebuild.ErrSourceNotFound, err)
	}
	return c, err
}

type cbObjects struct{ e *s3.Engine }

func (a cbObjects) GetObject(ctx context.Context, bucket, key, version string) (io.ReadCloser, error) {
	r, _, err := a.e.GetObject(ctx, bucket, key, version)
	if err != nil && (strings.Contains(err.Error(), "NoSuchKey") || strings.Contains(err.Error(), "NoSuchBucket")) {
		return nil, fmt.Errorf("%w: s3://%s/%s: %v", codebuild.ErrSourceNotFound, bucket, key, err)
	}
	return r, err
}

func (a cbObjects) PutObject(ctx context.Context, bucket, key string, r io.Reader) error {
	_, err := a.e.PutObject(ctx, bucket, key, r, s3.PutOptions{})
	return err
}

type cbParams struct{ e *ssm.Engine }

func (a cbParams) GetParameter(ctx context.Context, name string) (string, error) {
	p, err := a.e.GetParameter(ctx, name, true)
	if err != nil {
		return "", err
	}
	return p.Value, nil
}

type cbSecrets struct{ e *secretsmanager.Engine }

func (a cbSecrets) GetSecretValue(ctx context.Context, id, versionID, stage string) (string, error) {
	v, err := a.e.GetSecretValue(ctx, id, versionID, stage)
	if err != nil {
		return "", err
	}
	if v.SecretString == "" && v.SecretBinary != nil {
		return base64.StdEncoding.EncodeToString(v.SecretBinary), nil
	}
	return v.SecretString, nil
}

type cbLogs struct{ e *logs.Engine }

func (a cbLogs) EnsureGroup(ctx context.Context, group string) error {
	return a.e.EnsureGroup(ctx, group)
}

func (a cbLogs) EnsureStream(ctx context.Context, group, stream string) error {
	return a.e.EnsureStream(ctx, group, stream)
}

func (a cbLogs) Append(ctx context.Context, group, stream string, events []codebuild.LogEvent) error {
	out := make([]logs.Event, len(events))
	for i, ev := range events {
		out[i] = logs.Event{Timestamp: ev.Timestamp, Message: ev.Message}
	}
	return a.e.Append(ctx, group, stream, out)
}

func (a cbLogs) Subscribe(ctx context.Context, group, stream string) (<-chan codebuild.LogEvent, func()) {
	in, cancel := a.e.Subscribe(ctx, group, stream)
	out := make(chan codebuild.LogEvent, 64)
	go func() {
		defer close(out)
		for ev := range in {
			select {
			case out <- codebuild.LogEvent{Timestamp: ev.Timestamp, Message: ev.Message}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, cancel
}

type cbCredentials struct{ e *sts.Engine }

func (a cbCredentials) ForRole(ctx context.Context, roleARN string) (string, string, string, error) {
	s, err := a.e.ForService(ctx, roleARN, fmt.Sprintf("AWSCodeBuild-%d", time.Now().UnixNano()%1e9), 8*time.Hour)
	if err != nil {
		return "", "", "", err
	}
	return s.AccessKeyID, s.SecretAccessKey, s.SessionToken, nil
}

// buildRunner picks where builds run (Options.BuildRunner): the host
// runner, and a Docker runner unless the policy is "host". Without a
// reachable engine skiff still starts; builds that need Docker then fail in
// PROVISIONING with the reason.
func (s *Server) buildRunner(dir string) (runner.Runner, error) {
	policy, err := runner.ParsePolicy(s.opts.BuildRunner)
	if err != nil {
		return nil, err
	}
	host := runner.NewHost(filepath.Join(dir, "builds"))
	if policy == runner.PolicyHost {
		return runner.Select(host, nil, policy), nil
	}
	d, err := runner.NewDocker(filepath.Join(dir, "docker"), runner.DockerOptions{})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.Ping(ctx); err != nil {
		s.log.Info("codebuild: no Docker engine; builds with custom images will fail to provision", "err", err)
	} else if err := d.Prune(ctx); err != nil {
		// Containers of builds an earlier run left behind (the builds
		// themselves are marked FAULT when the engine starts).
		s.log.Warn("codebuild: remove leftover build containers", "err", err)
	}
	s.closers = append(s.closers, func(context.Context) error { return d.Close() })
	return runner.Select(host, d, policy), nil
}
