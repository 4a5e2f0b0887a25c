// Package cloudformation is the CloudFormation engine: stacks, their
// lifecycle (create, update, delete, rollbacks, cleanup) with AWS's exact
// statuses and events, change sets, drift detection, exports and nested
// stacks.
//
// The engine reads templates through package template, orders work with
// package dag, and provisions through the resource providers registered in
// a provider.Registry — it never calls other services' wire layers. Every
// transition is recorded in the state store before the next step starts, so
// a restart resumes or rolls back any operation that was in flight.
package cloudformation
