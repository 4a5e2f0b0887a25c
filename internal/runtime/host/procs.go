package host

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// procInfo is what /proc/<pid>/stat says about a process.
type procInfo struct {
	pid, ppid, pgid, sid int
	state                byte
	// start is the start time in clock ticks since boot: with the pid it
	// identifies a process across pid reuse.
	start    uint64
	cpuTicks uint64 // utime + stime
	rssPages int64
}

// userHZ is the kernel's USER_HZ, the unit of /proc times; it is 100 on
// every Linux ABI.
const userHZ = 100

func readStat(pid int) (procInfo, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procInfo{}, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return procInfo{}, false
	}
	f := strings.Fields(string(b[i+2:]))
	if len(f) < 22 {
		return procInfo{}, false
	}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	atou := func(s string) uint64 { n, _ := strconv.ParseUint(s, 10, 64); return n }
	p := procInfo{pid: pid, state: f[0][0], ppid: atoi(f[1]), pgid: atoi(f[2]), sid: atoi(f[3]),
		cpuTicks: atou(f[11]) + atou(f[12]), start: atou(f[19])}
	p.rssPages, _ = strconv.ParseInt(f[21], 10, 64)
	return p, true
}

// environHas reports whether pid's environment holds entry ("NAME=value")
// as a whole entry.
func environHas(pid int, entry string) bool {
	env, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil || len(env) == 0 {
		return false
	}
	m := []byte(entry)
	if bytes.HasPrefix(env, append(m, 0)) {
		return true
	}
	return bytes.Contains(env, append(append([]byte{0}, m...), 0))
}

func cmdline(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}

// allPIDs lists the processes on the machine, skiff itself excluded.
func allPIDs() []int {
	d, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	self := os.Getpid()
	out := make([]int, 0, len(names))
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil || pid == self {
			continue
		}
		out = append(out, pid)
	}
	return out
}

// session is a process session an instance started: every Run starts its
// command as the leader of a new session, so a daemon it leaves behind
// stays in that session (and its process group) unless it calls setsid
// itself. Start is the leader's start time, to tell a reused pid apart.
type session struct {
	SID   int    `json:"sid"`
	Start uint64 `json:"start"`
}

// member is how the scan decides that a process belongs to an instance:
// its environment carries the instance's marker (inherited by everything
// it starts, daemons included, unless they scrub their environment), or it
// lives in one of the sessions the instance's commands started (which
// catches a daemon that scrubbed its environment but did not setsid).
type matcher struct {
	mark     string
	sessions map[int]uint64 // sid → leader start time
}

// scan finds the live processes of each instance in one pass over /proc.
// Zombies are left out: they run nothing and hold nothing.
func scan(ms map[string]*matcher) map[string][]procInfo {
	out := map[string][]procInfo{}
	if len(ms) == 0 {
		return out
	}
	infos := map[int]procInfo{}
	for _, pid := range allPIDs() {
		if p, ok := readStat(pid); ok {
			infos[pid] = p
		}
	}
	// A recorded session is ours unless its leader's pid now belongs to a
	// different process (pid reuse), in which case the sid is somebody
	// else's.
	valid := func(m *matcher, sid int) bool {
		start, ok := m.sessions[sid]
		if !ok {
			return false
		}
		if leader, alive := infos[sid]; alive && leader.start != start {
			return false
		}
		return true
	}
	for pid, p := range infos {
		if p.state == 'Z' {
			continue
		}
		for id, m := range ms {
			if valid(m, p.sid) || environHas(pid, m.mark) {
				out[id] = append(out[id], p)
				break
			}
		}
	}
	return out
}

// signalAll sends sig to each process.
func signalAll(ps []procInfo, sig syscall.Signal) {
	for _, p := range ps {
		syscall.Kill(p.pid, sig)
	}
}

// openFiles returns the paths of files under dir that the processes hold
// open (stdout and stderr files they inherited).
func openFiles(ps []procInfo, dir string) map[string]bool {
	out := map[string]bool{}
	for _, p := range ps {
		fdDir := "/proc/" + strconv.Itoa(p.pid) + "/fd"
		d, err := os.Open(fdDir)
		if err != nil {
			continue
		}
		names, _ := d.Readdirnames(-1)
		d.Close()
		for _, n := range names {
			target, err := os.Readlink(fdDir + "/" + n)
			if err == nil && strings.HasPrefix(target, dir) {
				out[filepath.Clean(target)] = true
			}
		}
	}
	return out
}

var bootTime = func() time.Time {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return time.Unix(n, 0)
		}
	}
	return time.Time{}
}()

func startTime(ticks uint64) time.Time {
	if bootTime.IsZero() {
		return time.Time{}
	}
	return bootTime.Add(time.Duration(ticks) * time.Second / userHZ)
}
