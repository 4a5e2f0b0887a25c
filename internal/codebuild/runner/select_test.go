package runner

import (
	"context"
	"errors"
	"testing"
)

func TestParsePolicy(t *testing.T) {
	for in, want := range map[string]Policy{"": PolicyAuto, "auto": PolicyAuto, "host": PolicyHost, "Docker": PolicyDocker, " docker ": PolicyDocker} {
		if got, err := ParsePolicy(in); err != nil || got != want {
			t.Errorf("ParsePolicy(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParsePolicy("kubernetes"); err == nil {
		t.Error("ParsePolicy accepted kubernetes")
	}
}

func TestCuratedImage(t *testing.T) {
	for image, want := range map[string]bool{
		"":                           true,
		"aws/codebuild/standard:7.0": true,
		"aws/codebuild/amazonlinux2-x86_64-standard:5.0":            true,
		"public.ecr.aws/codebuild/amazonlinux2-x86_64-standard:5.0": true,
		"public.ecr.aws/codebuild/local-builds:latest":              true,
		"golang:1.22":               false,
		"ubuntu":                    false,
		"skiff-test/busybox:latest": false,
		"123456789012.dkr.ecr.us-east-1.amazonaws.com/aws/codebuild/standard:7.0": false,
		"public.ecr.aws/docker/library/alpine:3":                                  false,
	} {
		if got := CuratedImage(image); got != want {
			t.Errorf("CuratedImage(%q) = %v", image, got)
		}
	}
}

// fakeRunner records the builds set up on it.
type fakeRunner struct {
	name   string
	setups []string
	reaped []Leftover
}

func (f *fakeRunner) Name() string { return f.name }

func (f *fakeRunner) Setup(_ context.Context, s Spec) (Env, error) {
	f.setups = append(f.setups, s.Image)
	return nil, errors.New(f.name)
}

func (f *fakeRunner) Reap(_ context.Context, l Leftover) error {
	f.reaped = append(f.reaped, l)
	return nil
}

func TestSelect(t *testing.T) {
	images := []string{"", "aws/codebuild/standard:7.0", "public.ecr.aws/codebuild/amazonlinux2-x86_64-standard:5.0", "golang:1.22"}
	for _, c := range []struct {
		policy      Policy
		noDocker    bool
		host, dockr int
		failures    int
	}{
		{PolicyAuto, false, 3, 1, 0},
		{"", false, 3, 1, 0},
		{PolicyHost, false, 4, 0, 0},
		{PolicyDocker, false, 0, 4, 0},
		{PolicyAuto, true, 4, 0, 0},
		{PolicyDocker, true, 0, 0, 4},
	} {
		h, d := &fakeRunner{name: "host"}, &fakeRunner{name: "docker"}
		var dr Runner = d
		if c.noDocker {
			dr = nil
		}
		s := Select(h, dr, c.policy)
		failures := 0
		for _, img := range images {
			_, err := s.Setup(context.Background(), Spec{Image: img})
			if err.Error() != "host" && err.Error() != "docker" {
				failures++
			}
		}
		if len(h.setups) != c.host || len(d.setups) != c.dockr || failures != c.failures {
			t.Errorf("%q (no docker %v): host %v docker %v failures %d", c.policy, c.noDocker, h.setups, d.setups, failures)
		}
	}

	h, d := &fakeRunner{name: "host"}, &fakeRunner{name: "docker"}
	s := Select(h, d, PolicyHost)
	for _, l := range []Leftover{{Runner: "host", Root: "a"}, {Runner: "docker", ID: "b"}, {Root: "c"}} {
		if err := s.Reap(context.Background(), l); err != nil {
			t.Fatal(err)
		}
	}
	if len(h.reaped) != 2 || len(d.reaped) != 1 || d.reaped[0].ID != "b" {
		t.Fatalf("reaped host %v docker %v", h.reaped, d.reaped)
	}
	if err := Select(h, nil, PolicyAuto).Reap(context.Background(), Leftover{Runner: "docker"}); err == nil {
		t.Fatal("a docker leftover was reaped without a Docker runner")
	}
}

func TestSelectNilDocker(t *testing.T) {
	var d *Docker
	h := &fakeRunner{name: "host"}
	Select(h, d, PolicyAuto).Setup(context.Background(), Spec{Image: "golang:1.22"})
	if len(h.setups) != 1 {
		t.Fatal("a nil *Docker was used")
	}
}
