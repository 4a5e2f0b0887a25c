package codecommit

import (
	"os/exec"
	"runtime"
	"sync"
)

// Git processes must not outlive skiff, even when skiff is killed with
// SIGKILL: on Linux each gets PR_SET_PDEATHSIG. The kernel sends that
// signal when the *thread* that started the child exits, and Go may retire
// threads, so every git process is started from one goroutine locked to
// its own thread for the life of the program.

type spawnReq struct {
	cmd  *exec.Cmd
	done chan error
}

var (
	spawnOnce sync.Once
	spawnCh   chan spawnReq
)

func startCmd(cmd *exec.Cmd) error {
	spawnOnce.Do(func() {
		spawnCh = make(chan spawnReq)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives as long as skiff
			for r := range spawnCh {
				r.done <- r.cmd.Start()
			}
		}()
	})
	done := make(chan error, 1)
	spawnCh <- spawnReq{cmd, done}
	return <-done
}

// runCmd is cmd.Run with the start on the spawning thread.
func runCmd(cmd *exec.Cmd) error {
	if err := startCmd(cmd); err != nil {
		return err
	}
	return cmd.Wait()
}
