package codedeploy

import (
	"context"
	"io"
	"time"

	"github.com/skiff-dev/skiff/internal/runtime"
)

// The engine reaches the rest of skiff only through the small interfaces
// below, defined here where they are used. The server adapts its engines to
// them; tests use fakes. Every call carries the deployment's account and
// region in ctx (internal/awsctx), so adapters act as that account.

// Target is a load balancer target. skiff registers instances as ip
// targets: ID "127.0.0.1" and the instance's port.
type Target struct {
	ID   string
	Port int
}

// TargetHealth is a target's health: State is initial, healthy,
// unhealthy, unused, draining or unavailable; Reason is ELB's reason code.
type TargetHealth struct {
	Target Target
	State  string
	Reason string
}

// LoadBalancer is the skiff ELBv2 engine as CodeDeploy uses it.
type LoadBalancer interface {
	// RegisterTargets adds targets to a target group; they get traffic
	// once healthy.
	RegisterTargets(ctx context.Context, tgARN string, targets []Target) error
	// DeregisterTargets starts draining targets (honouring the group's
	// deregistration delay) and returns at once.
	DeregisterTargets(ctx context.Context, tgARN string, targets []Target) error
	// WaitDrained blocks until the targets have finished draining. Targets
	// that are not registered count as drained.
	WaitDrained(ctx context.Context, tgARN string, targets []Target) error
	// TargetHealth reports every registered target's health.
	TargetHealth(ctx context.Context, tgARN string) ([]TargetHealth, error)
	// WaitHealthy blocks until the targets are healthy, or ctx ends.
	WaitHealthy(ctx context.Context, tgARN string, targets []Target) error
	// SetForwardWeights atomically sets the target group weights (target
	// group ARN → weight) of the forward action of a listener (its default
	// action) or rule: the canary primitive.
	SetForwardWeights(ctx context.Context, listenerOrRuleARN string, weights map[string]int) error
	// ForwardWeights returns those weights.
	ForwardWeights(ctx context.Context, listenerOrRuleARN string) (map[string]int, error)
	// TargetGroupARN resolves a target group name (loadBalancerInfo names
	// target groups by name) to its ARN; an ARN is returned as is. The
	// ELBv2 adapter implements it with DescribeTargetGroups.
	TargetGroupARN(ctx context.Context, name string) (string, error)
}

// TargetTypes is implemented by a LoadBalancer that can tell a target
// group's target type ("ip" or "instance"). Instances are registered with
// ip target groups as 127.0.0.1:PORT, and with instance target groups by
// their name and port — the load balancer then resolves the name through
// Engine.ResolveInstance (ELBv2's Options.ResolveInstance). A
// LoadBalancer without it has every target group taken as type ip.
type TargetTypes interface {
	TargetType(ctx context.Context, tgARN string) (string, error)
}

// Alarm states.
const (
	AlarmOK               = "OK"
	AlarmAlarm            = "ALARM"
	AlarmInsufficientData = "INSUFFICIENT_DATA"
)

// Alarms is CloudWatch alarms as deployments watch them.
type Alarms interface {
	// AlarmState returns an alarm's state (OK, ALARM, INSUFFICIENT_DATA).
	AlarmState(ctx context.Context, name string) (string, error)
	// OnAlarmStateChange subscribes fn to every alarm state change; ctx
	// carries the alarm's account and region. fn must not block for long.
	OnAlarmStateChange(fn func(ctx context.Context, name, oldState, newState string))
}

// Objects reads revisions from S3.
type Objects interface {
	// GetObject opens an object (version "" = current) and returns its
	// ETag (quoted or not). A missing bucket, key or version should be an
	// error wrapping ErrObjectNotFound.
	GetObject(ctx context.Context, bucket, key, version string) (io.ReadCloser, string, error)
}

// Logs, LogEvent, Metrics, Datum and Dimension are the runtime's sinks:
// instance output goes to CloudWatch Logs (group "/skiff/instances",
// stream = instance name) and CPU and memory samples to CloudWatch
// metrics (namespace "skiff/Instances", dimension InstanceId).
type (
	Logs      = runtime.Logs
	LogEvent  = runtime.LogEvent
	Metrics   = runtime.Metrics
	Datum     = runtime.Datum
	Dimension = runtime.Dimension
)

// Deps are the engine's collaborators. Nil interfaces disable what they
// serve: without LoadBalancer, deployment groups with load balancer info
// are refused; without Alarms, alarm configurations are stored but alarms
// are not watched (as if ignorePollAlarmFailure were set); without
// Objects, S3 revisions fail with REVISION_MISSING; without Logs and
// Metrics, instance output and samples stay local.
type Deps struct {
	LoadBalancer LoadBalancer
	Alarms       Alarms
	Objects      Objects
	Logs         Logs
	Metrics      Metrics
	// Runtime runs instances; nil means the host runtime
	// (internal/runtime/host) under WorkDir/instances.
	Runtime runtime.Runtime
	// WorkDir holds instances (host runtime) and staged revisions.
	// Required.
	WorkDir string
	// KeepInstancesRunning leaves instance processes running when the
	// engine is closed (the next Start re-adopts them). By default Close
	// stops them, and the next Start re-runs ApplicationStart of each
	// instance's last successful revision.
	KeepInstancesRunning bool
	// AlarmPollInterval is how often alarm states are polled during a
	// deployment, on top of state-change notifications; 0 means 10 s
	// scaled by the clock (at least 100 ms).
	AlarmPollInterval time.Duration
}
