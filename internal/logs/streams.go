package logs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/skiff-dev/skiff/internal/store"
)

// bucketStreamTime indexes a group's streams by last event time for
// DescribeLogStreams orderBy=LastEventTime:
//
//	logs.streamtime  <group key>|<lastEventTimestamp, 16 hex><stream>  → ""
const bucketStreamTime = "logs.streamtime"

var streamNamePattern = regexp.MustCompile(`^[^:*]*$`)

const streamNamePatternText = `[^:*]*`

// streamRecord is a log stream as stored under <group key>|<stream>.
type streamRecord struct {
	Name         string `json:"name"`
	CreationTime int64  `json:"creationTime"`
	// HasEvents is set once an event was stored; First and Last are then
	// the smallest and largest event timestamps ever stored.
	HasEvents     bool  `json:"hasEvents,omitempty"`
	First         int64 `json:"first,omitempty"`
	Last          int64 `json:"last,omitempty"`
	LastIngestion int64 `json:"lastIngestion,omitempty"`
	// Seq counts accepted uploads: the upload sequence token.
	Seq         int64 `json:"seq,omitempty"`
	StoredBytes int64 `json:"storedBytes,omitempty"`
	// MaxSpan is the largest time span (ms) of any of the stream's chunks
	// (never more than chunkSpan); readers look back that far.
	MaxSpan int64 `json:"maxSpan,omitempty"`
	// Tail is the key of the stream's newest chunk, which small later
	// batches join; TailCount and TailLen are its event count and size.
	Tail      string `json:"tail,omitempty"`
	TailCount int    `json:"tailCount,omitempty"`
	TailLen   int    `json:"tailLen,omitempty"`
}

func (r *streamRecord) span() int64 { return min(r.MaxSpan, chunkSpan) }

// LogStream is a log stream as DescribeLogStreams reports it.
type LogStream struct {
	Name                string
	ARN                 string
	CreationTime        int64
	FirstEventTimestamp *int64
	LastEventTimestamp  *int64
	LastIngestionTime   *int64
	UploadSequenceToken string
}

func streamARN(g *LogGroup, stream string) string {
	return g.ARN() + ":log-stream:" + stream
}

func (r *streamRecord) out(g *LogGroup) *LogStream {
	s := &LogStream{Name: r.Name, ARN: streamARN(g, r.Name), CreationTime: r.CreationTime}
	if r.HasEvents {
		first, last, ing := r.First, r.Last, r.LastIngestion
		s.FirstEventTimestamp, s.LastEventTimestamp, s.LastIngestionTime = &first, &last, &ing
	}
	if r.Seq > 0 {
		s.UploadSequenceToken = sequenceToken(r.Seq)
	}
	return s
}

// sequenceToken formats an upload sequence number the way CloudWatch Logs
// shows sequence tokens: 56 decimal digits.
func sequenceToken(seq int64) string { return fmt.Sprintf("49%054d", seq) }

func streamKey(gk, name string) string { return gk + "|" + name }
func timeKey(gk string, last int64, name string) string {
	return gk + "|" + hex16(last) + name
}

func (v *validation) streamName(member, name string) {
	v.str(member, name, 1, 512, streamNamePattern, streamNamePatternText)
}

func streamNotFound() error {
	return ErrResourceNotFound.New("The specified log stream does not exist.")
}

func getStream(tx store.Tx, gk, name string) (*streamRecord, error) {
	var s streamRecord
	if err := tx.Get(bucketStreams, streamKey(gk, name), &s); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, streamNotFound()
		}
		return nil, err
	}
	return &s, nil
}

// putStream saves a stream and moves its LastEventTime index entry (the
// stream's Last was oldLast; isNew means it has no entry yet).
func putStream(tx store.Tx, gk string, s *streamRecord, oldLast int64, isNew bool) error {
	if isNew || oldLast != s.Last {
		if !isNew {
			if err := tx.Delete(bucketStreamTime, timeKey(gk, oldLast, s.Name)); err != nil {
				return err
			}
		}
		if err := tx.PutRaw(bucketStreamTime, timeKey(gk, s.Last, s.Name), []byte(s.Name)); err != nil {
			return err
		}
	}
	return tx.Put(bucketStreams, streamKey(gk, s.Name), s)
}

// resolveGroupName picks the group an operation names by logGroupName or
// logGroupIdentifier (a name or an ARN); exactly one must be given.
func resolveGroupName(ctx context.Context, name, identifier string) (string, error) {
	var v validation
	if name != "" {
		v.groupName("logGroupName", name)
	}
	if identifier != "" {
		v.str("logGroupIdentifier", identifier, 1, 2048, logGroupIdentifierPattern, `[\w#+=/:,.@-]*`)
	}
	if err := v.err(); err != nil {
		return "", err
	}
	switch {
	case name != "" && identifier != "":
		return "", ErrInvalidParameter.New("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
	case name == "" && identifier == "":
		return "", ErrInvalidParameter.New("Should provide either name or ARN of the log group.")
	case name != "":
		return name, nil
	}
	g, err := groupFromIdentifier(ctx, identifier)
	if err != nil {
		return "", err
	}
	var v2 validation
	v2.groupName("logGroupIdentifier", g)
	return g, v2.err()
}

var logGroupIdentifierPattern = regexp.MustCompile(`^[\w#+=/:,.@-]*$`)

// CreateLogStream creates a log stream in a group.
func (e *Engine) CreateLogStream(ctx context.Context, group, stream string) error {
	var v validation
	v.groupName("logGroupName", group)
	v.streamName("logStreamName", stream)
	if err := v.err(); err != nil {
		return err
	}
	return e.st.Update(ctx, func(tx store.Tx) error {
		gk := scopeKey(ctx, group)
		if _, err := getGroup(tx, gk); err != nil {
			return err
		}
		_, err := e.createStream(tx, gk, stream)
		return err
	})
}

func (e *Engine) createStream(tx store.Tx, gk, stream string) (*streamRecord, error) {
	if _, err := tx.GetRaw(bucketStreams, streamKey(gk, stream)); err == nil {
		return nil, ErrResourceAlreadyExists.New("The specified log stream already exists")
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	s := &streamRecord{Name: stream, CreationTime: e.now().UnixMilli()}
	return s, putStream(tx, gk, s, 0, true)
}

// DeleteLogStream deletes a stream with all its events.
func (e *Engine) DeleteLogStream(ctx context.Context, group, stream string) error {
	var v validation
	v.groupName("logGroupName", group)
	v.streamName("logStreamName", stream)
	if err := v.err(); err != nil {
		return err
	}
	gk := scopeKey(ctx, group)
	err := e.st.Update(ctx, func(tx store.Tx) error {
		g, err := getGroup(tx, gk)
		if err != nil {
			return err
		}
		s, err := getStream(tx, gk, stream)
		if err != nil {
			return err
		}
		if _, err := tx.DeletePrefix(bucketEvents, streamPrefix(gk, stream)); err != nil {
			return err
		}
		if err := tx.Delete(bucketStreamTime, timeKey(gk, s.Last, s.Name)); err != nil {
			return err
		}
		if err := tx.Delete(bucketStreams, streamKey(gk, stream)); err != nil {
			return err
		}
		if s.StoredBytes != 0 {
			g.StoredBytes = max(0, g.StoredBytes-s.StoredBytes)
			return tx.Put(bucketGroups, gk, g)
		}
		return nil
	})
	if err == nil {
		e.hub.closeStream(gk, stream)
	}
	return err
}

// Stream orders for DescribeLogStreams.
const (
	OrderByLogStreamName = "LogStreamName"
	OrderByLastEventTime = "LastEventTime"
)

// DescribeLogStreamsInput is DescribeLogStreams' input.
type DescribeLogStreamsInput struct {
	LogGroupName       string
	LogGroupIdentifier string
	NamePrefix         string
	OrderBy            string // "" means LogStreamName
	Descending         bool
	Limit              *int32
	NextToken          string
}

// DescribeLogStreams lists a group's streams, at most Limit (50 by
// default) per page.
func (e *Engine) DescribeLogStreams(ctx context.Context, in DescribeLogStreamsInput) ([]*LogStream, string, error) {
	var v validation
	if in.NamePrefix != "" {
		v.streamName("logStreamNamePrefix", in.NamePrefix)
	}
	if in.OrderBy != "" && in.OrderBy != OrderByLogStreamName && in.OrderBy != OrderByLastEventTime {
		v.add("Value '%s' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]", in.OrderBy)
	}
	v.limit(in.Limit, 50)
	if err := v.err(); err != nil {
		return nil, "", err
	}
	name, err := resolveGroupName(ctx, in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, "", err
	}
	byTime := in.OrderBy == OrderByLastEventTime
	if byTime && in.NamePrefix != "" {
		return nil, "", ErrInvalidParameter.New("Cannot order by LastEventTime with a logStreamNamePrefix.")
	}
	gk := scopeKey(ctx, name)
	after := ""
	if in.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil || !strings.HasPrefix(string(b), gk+"|") {
			return nil, "", ErrInvalidParameter.New("The specified nextToken is invalid.")
		}
		after = string(b)
	}
	limit := 50
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	var out []*LogStream
	next := ""
	err = e.st.View(ctx, func(tx store.Tx) error {
		g, err := getGroup(tx, gk)
		if err != nil {
			return err
		}
		bucket, prefix := bucketStreams, gk+"|"+in.NamePrefix
		if byTime {
			bucket, prefix = bucketStreamTime, gk+"|"
		}
		last := ""
		return tx.Scan(bucket, store.ScanOptions{Prefix: prefix, After: after, Reverse: in.Descending, Limit: limit + 1}, func(k string, b []byte) error {
			if len(out) == limit {
				next = base64.RawURLEncoding.EncodeToString([]byte(last))
				return store.ErrStop
			}
			last = k
			var s streamRecord
			if byTime {
				if err := tx.Get(bucketStreams, streamKey(gk, k[len(gk)+1+16:]), &s); err != nil {
					return err
				}
			} else if err := json.Unmarshal(b, &s); err != nil {
				return err
			}
			out = append(out, s.out(g))
			return nil
		})
	})
	return out, next, err
}

func (v *validation) limit(l *int32, maxv int32) {
	if l == nil {
		return
	}
	if *l < 1 {
		v.add("Value '%d' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1", *l)
	} else if *l > maxv {
		v.add("Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to %d", *l, maxv)
	}
}

// streamsActiveSince loads the group's streams (with a name prefix) whose
// last event is at or after lo, using the LastEventTime index: a search of
// recent events in a group with many old streams reads only the recent
// ones.
func streamsActiveSince(tx store.Tx, gk string, lo int64, prefix string) ([]*streamRecord, error) {
	if lo <= 0 {
		return streamsOf(tx, gk, nil, prefix)
	}
	var out []*streamRecord
	err := tx.Scan(bucketStreamTime, store.ScanOptions{Prefix: gk + "|", After: gk + "|" + hex16(lo)}, func(k string, _ []byte) error {
		name := k[len(gk)+1+16:]
		if !strings.HasPrefix(name, prefix) {
			return nil
		}
		s, err := getStream(tx, gk, name)
		if err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

// streamsOf loads the group's stream records (all, the named ones, or
// those with a name prefix) in name order.
func streamsOf(tx store.Tx, gk string, names []string, prefix string) ([]*streamRecord, error) {
	var out []*streamRecord
	if len(names) > 0 {
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				continue
			}
			seen[n] = true
			s, err := getStream(tx, gk, n)
			if ErrResourceNotFound.Is(err) {
				continue
			}
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	err := tx.Scan(bucketStreams, store.ScanOptions{Prefix: gk + "|" + prefix}, func(_ string, b []byte) error {
		var s streamRecord
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		out = append(out, &s)
		return nil
	})
	return out, err
}
