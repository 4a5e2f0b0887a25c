// Package elbv2 serves Elastic Load Balancing v2 — Application Load
// Balancers — for real: the awsQuery API (signing name
// "elasticloadbalancing", version 2015-12-01), the CloudFormation
// providers, and the data plane, a reverse proxy per listener with health
// checks and CloudWatch metrics.
//
// # What it owns
//
//   - The control plane (loadbalancers.go, targetgroups.go, listeners.go,
//     targets.go, tags.go): records in the store, mirrored in memory under
//     Engine.mu, validated as AWS validates them (validate.go, errors.go).
//   - The data plane (server.go, proxy.go, match.go, balance.go): one
//     http.Server per listener (HTTP/1.1 and h2c; HTTPS listeners with a
//     self-signed certificate), one httputil.ReverseProxy with Rewrite per
//     listener, one keep-alive pooled HTTP/1.1 transport per load balancer
//     (transport.go: the round trip runs on the request's goroutine).
//     Rules are compiled into an immutable route table published through
//     an atomic pointer; a target group's routable targets are an
//     immutable pool, likewise. Requests never take the engine's lock;
//     the only mutex on the request path guards the idle connection pool.
//   - Health checks (health.go): one loop per target group on a timer
//     scaled by the clock, stopped with the engine's context or when the
//     group is deleted. Only target groups that a listener or rule
//     forwards to are checked; the others' targets are "unused"
//     (Target.NotInUse), as in AWS.
//   - Metrics (metrics.go): atomic counters on the hot path, published to
//     a MetricSink in AWS/ApplicationELB once per scaled minute.
//   - The API other services use (CodeDeploy's blue/green and canary):
//     RegisterTargets, DeregisterTargets, WaitHealthy, WaitDrained,
//     TargetHealth, SetForwardWeights, ForwardWeights.
//
// # Where listeners are served
//
// AWS listeners listen on the load balancer's DNS name; skiff's listen on
// Options.BindHost (127.0.0.1 by default). A listener's port P is served
// on Options.PortMap[P] when the map has P, otherwise on P itself. When
// that port cannot be bound — port 80 without root, or a taken port — the
// listener is served on a free port chosen by the system, and the log
// says so. The real address of every listener is reported in three
// places: Engine.ListenerAddr, the log line "load balancer listener
// serving", and the load balancer's State.Reason in DescribeLoadBalancers
// ("skiff: listener port 80 at http://127.0.0.1:8080"), which AWS only
// fills for failed load balancers and clients ignore for active ones.
//
// DNS names have AWS's shape with a local suffix:
// <name>-<number>.<region>.elb.localhost (internal-… for internal
// schemes). Names under .localhost resolve to loopback (RFC 6761; curl
// and browsers do so themselves), so with an identity PortMap
// "curl http://<DNSName>:<port>/" reaches the listener.
//
// # Differences from AWS, on purpose
//
//   - Subnets, subnet mappings, security groups and VPC ids are recorded
//     as given and not checked (there is no VPC); a load balancer needs
//     none. Availability zones are named <region>a, b, … in subnet order.
//   - ip targets may be any address, loopback included. instance targets
//     are resolved to an address by Options.ResolveInstance.
//   - Durations AWS defines (health check interval and timeout,
//     deregistration delay, slow start, the metric period) pass through
//     Clock.Scale; the health check timeout never drops below 200 ms.
//     Client-facing values (idle timeout, cookie lifetimes) stay exact.
//   - Not served: network and gateway load balancers, lambda and alb
//     target types, authenticate-* and jwt-validation actions, rule
//     transforms and regex condition values, app_cookie stickiness,
//     HTTP/2 and gRPC to targets. Each is rejected with a clear message.
//   - HTTPS listeners present a self-signed certificate for the DNS name;
//     the ACM certificate ARNs are recorded and echoed.
//   - The idle timeout applies to waiting for a target's response headers
//     (504) at once, and to idle client connections from the next time a
//     listener is bound. A client that disconnects does not cancel the
//     request to the target (as in ALB, which logs it as 460).
//
// # State
//
// Configuration lives in the store, keyed by ARN:
//
//	elbv2.loadbalancers  <lb ARN>        → LoadBalancer (attributes, tags)
//	elbv2.targetgroups   <tg ARN>        → TargetGroup (attributes, tags, registrations)
//	elbv2.listeners      <listener ARN>  → Listener (default actions, tags)
//	elbv2.rules          <rule ARN>      → Rule
//
// Registrations carry the wall time their draining ends, so after a
// restart Start serves every listener again with the last committed
// weights and registrations, finishes or resumes draining, and health
// checks start over (targets begin in state initial).
package elbv2
