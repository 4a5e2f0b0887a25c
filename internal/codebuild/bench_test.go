package codebuild

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/store"
)

// twentyCommands is the benchmark's buildspec: 20 trivial commands across
// the four phases.
func twentyCommands() (spec string, script string) {
	var b, s strings.Builder
	b.WriteString("version: 0.2\nphases:\n")
	n := 0
	for _, ph := range []string{"install", "pre_build", "build", "post_build"} {
		b.WriteString("  " + ph + ":\n    commands:\n")
		for i := 0; i < 5; i++ {
			n++
			cmd := "true"
			if i%2 == 1 {
				cmd = fmt.Sprintf("echo step %d", n)
			}
			b.WriteString("      - " + cmd + "\n")
			s.WriteString(cmd + "\n")
		}
	}
	return b.String(), s.String()
}

// BenchmarkBuildOverhead measures orchestration overhead: the time from
// StartBuild to a SUCCEEDED build of 20 trivial commands, minus the time
// the commands take on their own (run as one sh script), per build and per
// command. The per-command figure is the marginal cost of a command: the
// difference to a build without commands, divided by 20.
//
//	go test ./internal/codebuild -run '^$' -bench BuildOverhead -benchtime 50x
func BenchmarkBuildOverhead(b *testing.B) {
	spec, script := twentyCommands()
	for _, storeKind := range []string{"memory", "sqlite"} {
		b.Run(storeKind, func(b *testing.B) {
			h := newHarness(b)
			if storeKind == "memory" {
				h.e.Close()
				h.st = store.NewMemory()
				h.startEngine(b, h.e.deps)
			}
			h.t = nil
			mk := func(name, s string) {
				if _, err := h.e.CreateProject(h.ctx, ProjectInput{Name: name, Source: &ProjectSource{Type: "NO_SOURCE", Buildspec: s},
					Artifacts: &ProjectArtifacts{Type: "NO_ARTIFACTS"}, ServiceRole: "r",
					Environment: &ProjectEnvironment{Type: "LINUX_CONTAINER", Image: "i", ComputeType: "BUILD_GENERAL1_SMALL"}}); err != nil {
					b.Fatal(err)
				}
			}
			mk("twenty", spec)
			mk("empty", "version: 0.2\nphases:\n  build:\n    commands: []\n")
			run := func(project string) time.Duration {
				start := time.Now()
				sb, err := h.e.StartBuild(h.ctx, StartBuildInput{ProjectName: project})
				if err != nil {
					b.Fatal(err)
				}
				done, err := h.e.WaitBuild(h.ctx, sb.ID)
				if err != nil || done.BuildStatus != StatusSucceeded {
					b.Fatalf("build %v %v", done, err)
				}
				return time.Since(start)
			}
			// The commands on their own.
			var own time.Duration
			for range 20 {
				start := time.Now()
				if err := exec.Command("/bin/sh", "-c", script).Run(); err != nil {
					b.Fatal(err)
				}
				own += time.Since(start)
			}
			own /= 20
			run("twenty") // warm up
			var full, empty time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				full += run("twenty")
				empty += run("empty")
			}
			b.StopTimer()
			n := time.Duration(b.N)
			perBuild := full/n - own
			perCommand := (full/n - empty/n - own) / 20
			b.ReportMetric(float64(perBuild.Microseconds())/1000, "ms-overhead/build")
			b.ReportMetric(float64(perCommand.Microseconds())/1000, "ms-overhead/command")
			b.ReportMetric(float64((full/n).Microseconds())/1000, "ms-total/build")
			b.ReportMetric(float64(own.Microseconds())/1000, "ms-commands-alone")
		})
	}
}
