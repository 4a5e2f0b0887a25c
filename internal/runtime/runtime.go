// Package runtime is where CodeDeploy's "instances" run: the interface a
// runtime implements, and the small sinks (Logs, Metrics) runtimes ship
// process output and resource samples to.
//
// An instance is what an EC2 host running the CodeDeploy agent is to AWS: a
// root directory (the instance's "/") plus every process started in it.
// The deployment engine (internal/codedeploy) runs lifecycle hooks inside an
// instance with Run; hooks start and stop the application themselves (for
// example "nohup ./server &" in ApplicationStart), and the runtime keeps
// track of everything they leave running, so Stop and Terminate end all of
// it.
//
// The interface is the lifecycle, as Woodpecker's backends are: Create,
// Run, Processes, Stop, Terminate, Recover, Close. host (internal/runtime/host)
// runs instances as process sessions on this machine; Docker and Kubernetes
// runtimes can implement the same interface later. runtimetest is the
// conformance suite every implementation passes.
//
// A hook script that exits non-zero or times out is a result (Result), not
// an error: Run returns an error only when the runtime itself failed (the
// instance is unknown, the script could not be started).
package runtime

import (
	"context"
	"errors"
	"time"
)

// Runtime runs instances.
type Runtime interface {
	// Name is the runtime's name ("host").
	Name() string
	// Create makes an instance: its root directory and its port.
	Create(ctx context.Context, spec Spec) (*Instance, error)
	// Get returns a known instance.
	Get(id string) (*Instance, bool)
	// List returns every known instance, sorted by id.
	List() []*Instance
	// Run runs a command inside the instance and waits for it to exit (not
	// for processes it leaves running). A non-zero exit or a timeout is
	// reported in the Result; the error is for failures of the runtime.
	// Cancelling ctx kills the command's process group.
	Run(ctx context.Context, id string, cmd Command) (*Result, error)
	// Processes lists the instance's live processes.
	Processes(id string) ([]Process, error)
	// Stop ends every process of the instance (SIGTERM, a grace period,
	// then SIGKILL) and keeps its files. The instance stays usable.
	Stop(ctx context.Context, id string) error
	// Terminate stops the instance and removes it and its files. Terminating
	// an unknown instance is not an error.
	Terminate(ctx context.Context, id string) error
	// Recover loads the instances an earlier run of skiff left behind (for
	// example after kill -9) and re-adopts their live processes. It
	// reports, per instance, how many processes were found alive, so the
	// caller can restart applications that are gone.
	Recover(ctx context.Context) ([]Recovered, error)
	// Close stops the runtime's background work (output shipping,
	// sampling). It leaves instances and their processes alone: call Stop
	// for that first when they should end with skiff.
	Close() error
}

// Spec describes a new instance.
type Spec struct {
	// ID names the instance; it must be unique in the runtime and safe as
	// a file name.
	ID string
	// Name is what the instance is called outside the runtime (the
	// CodeDeploy instance name): its log stream and the InstanceId
	// dimension of its metrics. "" means ID.
	Name string
	// Port is the instance's port (env PORT); 0 lets the runtime choose a
	// free one.
	Port int
	// Account and Region scope the instance's log stream and metrics.
	Account, Region string
}

// Instance is a created instance.
type Instance struct {
	ID   string
	Name string
	// Root is the instance's root directory on this machine, given to
	// every process as INSTANCE_ROOT. File destinations of an appspec are
	// placed under it.
	Root string
	// Port is given to every process as PORT; the load balancer reaches
	// the instance at 127.0.0.1:Port.
	Port            int
	Account, Region string
	Created         time.Time
}

// Command is a program to run inside an instance.
type Command struct {
	// Path is the program, an absolute path on this machine (inside the
	// instance root for hook scripts). A file without a "#!" line is run
	// by /bin/sh, as the CodeDeploy agent's Ruby does.
	Path string
	Args []string
	// Dir is the working directory; "" means the instance root.
	Dir string
	// Env is added to the runtime's base environment, after PORT,
	// INSTANCE_ROOT and the runtime's own marker, so it may override PORT.
	Env []string
	// Timeout kills the command's process group (SIGTERM, then SIGKILL
	// after a grace period) when it runs longer; 0 means no limit.
	Timeout time.Duration
	// RunAs is the user to run as. It is honoured when skiff runs as root
	// and ignored (with a note in Result.Note) otherwise.
	RunAs string
	// Banner, if set, is written to the command's output before it starts
	// (the agent's "LifecycleEvent - X" / "Script - y" lines).
	Banner string
}

// Result is how a command ended.
type Result struct {
	// ExitCode is the exit status; -1 when a signal ended the command.
	ExitCode int
	// TimedOut is set when Timeout killed the command.
	TimedOut bool
	// Stdout and Stderr are the last bytes (up to 16 KiB each) the command
	// wrote before it exited.
	Stdout, Stderr []byte
	Started, Ended time.Time
	// Note explains a deviation (for example runas ignored).
	Note string
}

// Process is one live process of an instance.
type Process struct {
	PID  int
	PGID int
	SID  int
	// Command is the process's command line, arguments joined by spaces.
	Command string
	Started time.Time
}

// Recovered reports one instance found by Recover.
type Recovered struct {
	Instance *Instance
	// Live is the number of the instance's processes found alive and
	// re-adopted.
	Live int
}

// Errors Run returns for commands that cannot start.
var (
	// ErrNoInstance is returned for an unknown instance id.
	ErrNoInstance = errors.New("no such instance")
	// ErrNotFound wraps the error for a Path that does not exist.
	ErrNotFound = errors.New("program not found")
	// ErrNotExecutable wraps the error for a Path that cannot be executed.
	ErrNotExecutable = errors.New("program not executable")
)

// LogEvent is one line of output.
type LogEvent struct {
	Timestamp time.Time
	Message   string
}

// Logs is where instance output goes (CloudWatch Logs). Calls carry the
// instance's account and region in ctx (internal/awsctx).
type Logs interface {
	EnsureGroup(ctx context.Context, group string) error
	EnsureStream(ctx context.Context, group, stream string) error
	// Append adds events to a stream, creating it when missing.
	Append(ctx context.Context, group, stream string, events []LogEvent) error
}

// Dimension is a metric dimension.
type Dimension struct {
	Name, Value string
}

// Datum is one metric sample.
type Datum struct {
	MetricName string
	Dimensions []Dimension
	Timestamp  time.Time
	Value      float64
	// Unit is a CloudWatch StandardUnit name ("Percent", "Bytes", "Count").
	Unit string
}

// Metrics is where resource samples go (CloudWatch PutMetricData). Calls
// carry the instance's account and region in ctx.
type Metrics interface {
	PutMetricData(ctx context.Context, namespace string, data []Datum) error
}

// Environment variables every process of an instance gets.
const (
	EnvPort         = "PORT"
	EnvInstanceRoot = "INSTANCE_ROOT"
	EnvInstanceID   = "SKIFF_INSTANCE_ID"
)
