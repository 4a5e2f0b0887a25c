package sns

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// HTTP(S) delivery: a small worker pool drains a queue of deliveries; a
// failed delivery is retried after the delivery policy's delay (20 s, three
// retries by default), scaled by the engine's clock. Nothing here blocks
// Publish or Subscribe.

type delivery struct {
	sub      *Subscription
	msgType  string // SubscriptionConfirmation or Notification
	msgID    string
	body     []byte
	raw      bool
	attempts int
}

type deliveryQueue struct {
	e       *Engine
	mu      sync.Mutex
	cond    *sync.Cond
	q       []*delivery
	closed  bool
	wg      sync.WaitGroup
	timers  map[*time.Timer]bool
	stopped chan struct{}
}

func newDeliveryQueue(e *Engine, workers int) *deliveryQueue {
	d := &deliveryQueue{e: e, timers: map[*time.Timer]bool{}, stopped: make(chan struct{})}
	d.cond = sync.NewCond(&d.mu)
	for i := 0; i < workers; i++ {
		d.wg.Add(1)
		go d.worker()
	}
	return d
}

func (d *deliveryQueue) push(job *delivery) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	d.q = append(d.q, job)
	d.cond.Signal()
}

func (d *deliveryQueue) worker() {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		for len(d.q) == 0 && !d.closed {
			d.cond.Wait()
		}
		if d.closed {
			d.mu.Unlock()
			return
		}
		job := d.q[0]
		d.q = d.q[1:]
		d.mu.Unlock()
		d.attempt(job)
	}
}

const (
	numRetries = 3
	retryDelay = 20 * time.Second
)

func (d *deliveryQueue) attempt(job *delivery) {
	job.attempts++
	err := d.e.post(job)
	if err == nil {
		return
	}
	if job.attempts > numRetries {
		d.e.log.Warn("SNS delivery failed; giving up", "subscription", job.sub.ARN, "endpoint", job.sub.Endpoint, "type", job.msgType, "attempts", job.attempts, "err", err)
		return
	}
	d.e.log.Info("SNS delivery failed; will retry", "subscription", job.sub.ARN, "endpoint", job.sub.Endpoint, "err", err)
	delay := d.e.clk.Load().Scale(retryDelay)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	var t *time.Timer
	t = time.AfterFunc(delay, func() {
		d.mu.Lock()
		delete(d.timers, t)
		d.mu.Unlock()
		d.push(job)
	})
	d.timers[t] = true
}

func (d *deliveryQueue) close() {
	d.mu.Lock()
	d.closed = true
	for t := range d.timers {
		t.Stop()
	}
	d.cond.Broadcast()
	d.mu.Unlock()
	d.wg.Wait()
}

func (e *Engine) post(job *delivery) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, job.sub.Endpoint, bytes.NewReader(job.body))
	if err != nil {
		return err
	}
	h := req.Header
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	h.Set("User-Agent", "Amazon Simple Notification Service Agent")
	h.Set("x-amz-sns-message-type", job.msgType)
	h.Set("x-amz-sns-message-id", job.msgID)
	h.Set("x-amz-sns-topic-arn", job.sub.TopicARN)
	if job.msgType == "Notification" {
		h.Set("x-amz-sns-subscription-arn", job.sub.ARN)
	}
	if job.raw {
		h.Set("x-amz-sns-rawdelivery", "true")
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("endpoint answered %s", resp.Status)
	}
	return nil
}

// snsTime is the Timestamp format of SNS messages.
func snsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// message is an SNS HTTP message in AWS's member order. The messages are
// unsigned: SignatureVersion, Signature and SigningCertURL are omitted.
type message struct {
	Type              string                   `json:"Type"`
	MessageID         string                   `json:"MessageId"`
	Token             string                   `json:"Token,omitempty"`
	TopicArn          string                   `json:"TopicArn"`
	Subject           string                   `json:"Subject,omitempty"`
	Message           string                   `json:"Message"`
	SubscribeURL      string                   `json:"SubscribeURL,omitempty"`
	Timestamp         string                   `json:"Timestamp"`
	UnsubscribeURL    string                   `json:"UnsubscribeURL,omitempty"`
	MessageAttributes map[string]attrInMessage `json:"MessageAttributes,omitempty"`
}

type attrInMessage struct {
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

func encodeMessage(m *message) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	enc.Encode(m)
	return bytes.TrimRight(b.Bytes(), "\n")
}

// SubscribeURL is the confirmation link of a pending subscription.
func (e *Engine) SubscribeURL(s *Subscription) string {
	return e.endpoint() + ConfirmPath + "?Action=ConfirmSubscription&TopicArn=" + url.QueryEscape(s.TopicARN) + "&Token=" + url.QueryEscape(s.Token)
}

func (e *Engine) unsubscribeURL(s *Subscription) string {
	return e.endpoint() + ConfirmPath + "?Action=Unsubscribe&SubscriptionArn=" + url.QueryEscape(s.ARN)
}

func (e *Engine) confirmationDelivery(s *Subscription) *delivery {
	id := newID()
	m := &message{
		Type: "SubscriptionConfirmation", MessageID: id, Token: s.Token, TopicArn: s.TopicARN,
		Message:      "You have chosen to subscribe to the topic " + s.TopicARN + ".\nTo confirm the subscription, visit the SubscribeURL included in this message.",
		SubscribeURL: e.SubscribeURL(s), Timestamp: snsTime(e.now()),
	}
	cp := *s
	return &delivery{sub: &cp, msgType: m.Type, msgID: id, body: encodeMessage(m)}
}

func (e *Engine) notificationDelivery(s *Subscription, id string, in PublishInput, msg string, now time.Time) *delivery {
	cp := *s
	if s.Attributes["RawMessageDelivery"] == "true" {
		return &delivery{sub: &cp, msgType: "Notification", msgID: id, body: []byte(msg), raw: true}
	}
	m := &message{Type: "Notification", MessageID: id, TopicArn: s.TopicARN, Subject: in.Subject, Message: msg,
		Timestamp: snsTime(now), UnsubscribeURL: e.unsubscribeURL(s)}
	if len(in.MessageAttributes) > 0 {
		m.MessageAttributes = map[string]attrInMessage{}
		for k, a := range in.MessageAttributes {
			v := a.StringValue
			if a.BinaryValue != nil {
				v = b64(a.BinaryValue)
			}
			m.MessageAttributes[k] = attrInMessage{Type: a.DataType, Value: v}
		}
	}
	return &delivery{sub: &cp, msgType: "Notification", msgID: id, body: encodeMessage(m)}
}
