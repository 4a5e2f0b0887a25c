package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Policy says which runner a build's environment image selects.
type Policy string

const (
	// PolicyAuto runs AWS-curated images (which the host runner stands in
	// for) on the host and any other image in Docker.
	PolicyAuto Policy = "auto"
	// PolicyHost runs every build on the host; images are recorded only.
	PolicyHost Policy = "host"
	// PolicyDocker runs every build in a container of its image.
	PolicyDocker Policy = "docker"
)

// ParsePolicy parses a --build-runner value: auto (also ""), host or
// docker.
func ParsePolicy(s string) (Policy, error) {
	switch p := Policy(strings.ToLower(strings.TrimSpace(s))); p {
	case "":
		return PolicyAuto, nil
	case PolicyAuto, PolicyHost, PolicyDocker:
		return p, nil
	}
	return "", fmt.Errorf("invalid build runner %q: want auto, host or docker", s)
}

// CuratedImage reports whether image is one of CodeBuild's own images
// (aws/codebuild/..., public.ecr.aws/codebuild/...) or unset: the host
// runner stands in for those, with the tools installed on skiff's machine.
func CuratedImage(image string) bool {
	return image == "" || strings.HasPrefix(image, "aws/codebuild/") || strings.HasPrefix(image, "public.ecr.aws/codebuild/")
}

// Select returns a runner that sets each build up on host or docker by its
// image, as policy says (see Policy). docker may be nil: then every build
// runs on the host unless policy is PolicyDocker, whose builds then fail
// to provision. Reap goes to the runner named in the leftover.
func Select(host, docker Runner, policy Policy) Runner {
	if policy == "" {
		policy = PolicyAuto
	}
	if d, ok := docker.(*Docker); ok && d == nil {
		docker = nil // a nil *Docker is no runner
	}
	return &selector{host: host, docker: docker, policy: policy}
}

type selector struct {
	host, docker Runner
	policy       Policy
}

// Name implements Runner.
func (s *selector) Name() string { return string(s.policy) }

// Pick returns the runner a build with this image runs on.
func (s *selector) pick(image string) (Runner, error) {
	useDocker := false
	switch s.policy {
	case PolicyDocker:
		useDocker = true
	case PolicyAuto:
		useDocker = s.docker != nil && !CuratedImage(image)
	}
	if !useDocker {
		if s.host == nil {
			return nil, errors.New("no host build runner configured")
		}
		return s.host, nil
	}
	if s.docker == nil {
		return nil, errors.New("the Docker build runner is not configured")
	}
	return s.docker, nil
}

// Setup implements Runner.
func (s *selector) Setup(ctx context.Context, spec Spec) (Env, error) {
	r, err := s.pick(spec.Image)
	if err != nil {
		return nil, err
	}
	return r.Setup(ctx, spec)
}

// Reap implements Runner.
func (s *selector) Reap(ctx context.Context, l Leftover) error {
	for _, r := range []Runner{s.host, s.docker} {
		if r != nil && r.Name() == l.Runner {
			return r.Reap(ctx, l)
		}
	}
	if l.Runner == "" && s.host != nil {
		return s.host.Reap(ctx, l)
	}
	return fmt.Errorf("reap: no %q build runner configured", l.Runner)
}
