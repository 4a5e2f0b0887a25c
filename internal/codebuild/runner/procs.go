package runner

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
	"time"
)

// hasMarker reports whether process pid's environment holds marker
// ("NAME=value") as a whole entry.
func hasMarker(pid int, marker string) bool {
	env, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil || len(env) == 0 {
		return false
	}
	m := []byte(marker)
	if bytes.HasPrefix(env, append(m, 0)) {
		return true
	}
	return bytes.Contains(env, append(append([]byte{0}, m...), 0))
}

// markedPIDs lists the processes whose environment holds marker.
func markedPIDs(marker string) []int {
	d, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	self := os.Getpid()
	var out []int
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil || pid == self {
			continue
		}
		if hasMarker(pid, marker) {
			out = append(out, pid)
		}
	}
	return out
}

// killMarked kills every process carrying marker and waits (up to about a
// second) until none is left. It scans again after killing because a
// process may fork while the scan runs, and it wants two empty scans in a
// row because a process in the middle of exec briefly shows no
// environment.
func killMarked(marker string) {
	if marker == "" {
		return
	}
	empty := 0
	for i := 0; i < 100 && empty < 2; i++ {
		pids := MarkedPIDs(marker)
		if len(pids) == 0 {
			empty++
		} else {
			empty = 0
		}
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		if i > 0 || empty > 0 {
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// MarkedPIDs lists the live processes whose environment holds marker;
// tests use it to check that nothing of a build survives.
func MarkedPIDs(marker string) []int {
	var live []int
	for _, pid := range markedPIDs(marker) {
		// Killed processes linger as zombies until reaped; they hold no
		// resources and run nothing.
		if st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
			if i := bytes.LastIndexByte(st, ')'); i > 0 && i+2 < len(st) && st[i+2] == 'Z' {
				continue
			}
		}
		live = append(live, pid)
	}
	return live
}
