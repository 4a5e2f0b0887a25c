package runner

import (
	"context"
	"os"
	"testing"
)

// BenchmarkHostCommand measures one trivial command in the persistent
// shell: skiff writes the command file, the driver sources it, saves the
// environment and reports the status.
func BenchmarkHostCommand(b *testing.B) {
	for _, persistent := range []bool{true, false} {
		name := "persistent"
		if !persistent {
			name = "one-shell-per-command"
		}
		b.Run(name, func(b *testing.B) {
			env, err := NewHost(b.TempDir()).Setup(context.Background(), Spec{})
			if err != nil {
				b.Fatal(err)
			}
			defer env.Destroy(context.Background())
			for b.Loop() {
				r, err := env.Run(context.Background(), Command{Script: "true", Persistent: persistent, Env: []string{"PATH=" + os.Getenv("PATH")}})
				if err != nil || r.ExitCode != 0 {
					b.Fatal(r, err)
				}
			}
		})
	}
}
