// Package logs serves Amazon CloudWatch Logs (awsJson 1.1, target prefix
// Logs_20140328, signing name "logs"): log group management — create,
// delete, describe, retention, KMS association, data protection policies
// and tags.
//
// State lives in the store, keyed so that everything belonging to a log
// group sorts under the group's key and goes with it in one transaction:
//
//	logs.groups   <acct>/<region>/<group>                     → LogGroup
//	logs.streams  <acct>/<region>/<group>|<stream>            (log streams, next)
//	logs.events   <acct>/<region>/<group>|<stream>|<seq>      (log events, next)
//
// '|' cannot appear in a log group name, so the prefix "<group key>|"
// selects exactly one group's streams and events; DeleteLogGroup deletes
// those prefixes with the group record.
//
// Timestamps on the wire are epoch milliseconds (the model's long
// "Timestamp" shape), not the protocol's timestamp type.
package logs
