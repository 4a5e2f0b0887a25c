package codebuild

import (
	"context"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Log batching: one Append call per batch, a batch being whatever is
// waiting when the writer gets to it (so an idle build's line goes out at
// once and a flood goes out in large batches), bounded like PutLogEvents.
const (
	logBatchEvents = 10000
	logBatchBytes  = 1 << 20
	logQueue       = 256 // lines buffered before the build's output blocks
	// logMaxLine is the longest line sent as one event; longer lines are
	// split by the runner.
	logMaxLine = 64 * 1024
)

// containerTime is the timestamp format of CodeBuild's agent lines:
// "[Container] 2024/07/12 01:21:51.170731 Entering phase BUILD".
const containerTime = "2006/01/02 15:04:05.000000"

// masker replaces secret values with "***".
type masker struct{ r *strings.Replacer }

// newMasker masks each value, and each line of a multi-line value (build
// output is logged line by line). Longer values are replaced first.
func newMasker(values []string) *masker {
	seen := map[string]bool{}
	var list []string
	add := func(v string) {
		if v != "" && !seen[v] {
			seen[v] = true
			list = append(list, v)
		}
	}
	for _, v := range values {
		add(v)
		if strings.Contains(v, "\n") {
			for _, l := range strings.Split(v, "\n") {
				if len(strings.TrimSpace(l)) >= 4 {
					add(strings.TrimRight(l, "\r"))
				}
			}
		}
	}
	if len(list) == 0 {
		return nil
	}
	sort.SliceStable(list, func(i, j int) bool { return len(list[i]) > len(list[j]) })
	pairs := make([]string, 0, 2*len(list))
	for _, v := range list {
		pairs = append(pairs, v, "***")
	}
	return &masker{r: strings.NewReplacer(pairs...)}
}

func (m *masker) apply(s string) string {
	if m == nil {
		return s
	}
	return m.r.Replace(s)
}

// logSink writes one build's log: masked, time-stamped, batched to Logs,
// copied to a file for S3 logs, and captured per phase for RETRY-<regex>.
type logSink struct {
	logs          Logs
	ctx           context.Context
	group, stream string
	copyTo        io.Writer

	mask atomic.Pointer[masker]
	ch   chan LogEvent
	done chan struct{}

	mu      sync.Mutex
	capture *strings.Builder // output of the current phase attempt

	// sendMu orders sends against close: senders hold it shared.
	sendMu sync.RWMutex
	closed bool
	// orderMu makes timestamps non-decreasing in channel order (agent
	// lines and build output come from different goroutines), as
	// PutLogEvents wants them.
	orderMu sync.Mutex
	last    time.Time

	onError func(error)
}

// maxCapture bounds the output kept for a RETRY-<regex> match.
const maxCapture = 1 << 20

func newLogSink(ctx context.Context, logs Logs, group, stream string, copyTo io.Writer, onError func(error)) *logSink {
	s := &logSink{logs: logs, ctx: ctx, group: group, stream: stream, copyTo: copyTo,
		ch: make(chan LogEvent, logQueue), done: make(chan struct{}), onError: onError}
	go s.loop()
	return s
}

func (s *logSink) setMask(m *masker) { s.mask.Store(m) }

// line logs one line of build output.
func (s *logSink) line(msg string) {
	msg = s.mask.Load().apply(msg)
	s.mu.Lock()
	if s.capture != nil && s.capture.Len() < maxCapture {
		s.capture.WriteString(msg)
		s.capture.WriteByte('\n')
	}
	s.mu.Unlock()
	s.sendMu.RLock()
	defer s.sendMu.RUnlock()
	if s.closed {
		return
	}
	s.orderMu.Lock()
	defer s.orderMu.Unlock()
	now := time.Now()
	if now.Before(s.last) {
		now = s.last
	}
	s.last = now
	s.ch <- LogEvent{Timestamp: now, Message: msg}
}

// container logs an agent line ("[Container] <time> msg"); the lines of a
// multi-line message after the first follow unprefixed.
func (s *logSink) container(msg string) {
	first, rest, _ := strings.Cut(msg, "\n")
	s.line("[Container] " + time.Now().UTC().Format(containerTime) + " " + first)
	if rest != "" {
		for _, l := range strings.Split(rest, "\n") {
			s.line(l)
		}
	}
}

// startCapture begins keeping output for a RETRY-<regex> phase.
func (s *logSink) startCapture() {
	s.mu.Lock()
	s.capture = &strings.Builder{}
	s.mu.Unlock()
}

func (s *logSink) takeCapture() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.capture == nil {
		return ""
	}
	out := s.capture.String()
	s.capture = nil
	return out
}

func (s *logSink) loop() {
	defer close(s.done)
	for ev := range s.ch {
		batch := []LogEvent{ev}
		size := len(ev.Message) + 26
	drain:
		for len(batch) < logBatchEvents && size < logBatchBytes {
			select {
			case ev, ok := <-s.ch:
				if !ok {
					break drain
				}
				batch = append(batch, ev)
				size += len(ev.Message) + 26
			default:
				break drain
			}
		}
		s.flush(batch)
	}
}

func (s *logSink) flush(batch []LogEvent) {
	if s.copyTo != nil {
		var b strings.Builder
		for _, ev := range batch {
			b.WriteString(ev.Message)
			b.WriteByte('\n')
		}
		io.WriteString(s.copyTo, b.String())
	}
	if s.logs == nil || s.group == "" {
		return
	}
	if err := s.logs.Append(s.ctx, s.group, s.stream, batch); err != nil && s.onError != nil {
		s.onError(err)
	}
}

// close flushes everything logged so far and stops the writer.
func (s *logSink) close() {
	s.sendMu.Lock()
	if s.closed {
		s.sendMu.Unlock()
		return
	}
	s.closed = true
	close(s.ch)
	s.sendMu.Unlock()
	<-s.done
}
