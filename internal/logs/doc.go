// Package logs serves Amazon CloudWatch Logs (awsJson 1.1, target prefix
// Logs_20140328, signing name "logs"): log groups (create, delete,
// describe, retention, KMS association, data protection policies, tags),
// log streams, and log events — PutLogEvents, GetLogEvents,
// FilterLogEvents with the filter pattern language (pattern.go) — and
// the AWS::Logs::LogGroup resource provider.
//
// State lives in the store, keyed so that everything belonging to a log
// group sorts under the group's key and goes with it in one transaction:
//
//	logs.groups      <acct>/<region>/<group>                          → LogGroup
//	logs.streams     <acct>/<region>/<group>|<stream>                 → stream record
//	logs.streamtime  <acct>/<region>/<group>|<lastEventTs><stream>    → stream name
//	logs.events      <acct>/<region>/<group>|<stream>:<minTs><chunk>  → event chunk
//
// '|' cannot appear in a log group name, so the prefix "<group key>|"
// selects exactly one group's streams, index entries and events;
// DeleteLogGroup deletes those prefixes with the group record, and
// DeleteLogStream the prefix "<group key>|<stream>:" (':' cannot appear in
// a stream name) with the stream record. Timestamps in keys are 16 hex
// digits, so keys sort by time.
//
// Events are stored compactly, many per store value (chunk.go): a
// PutLogEvents batch becomes one chunk per 64 KB (or per 10 minutes of
// event time), small batches join the stream's newest chunk, and the whole
// batch commits in one transaction before the call answers. Reads
// (read.go) merge a stream's chunks, or a group's streams, lazily in time
// order, loading only the chunks a page needs. Followers (follow.go) get
// events as they commit. Retention (janitor.go) hides expired events from
// every read and deletes them in the background.
//
// Other skiff services write and follow logs through the engine API:
// EnsureGroup, EnsureStream, Append (with WithMask / SetMasker to mask
// secrets before storage), Subscribe and Tail.
//
// Timestamps on the wire are epoch milliseconds (the model's long
// "Timestamp" shape), not the protocol's timestamp type.
package logs
