package codepipeline

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
)

// Push-started executions. There is no polling: a push to a skiff
// CodeCommit repository (Repos.OnPush) or a verified webhook delivery
// starts the matching pipelines at once.
//
//   - A CodeCommit source action matches a push to its BranchName. In AWS a
//     pipeline with PollForSourceChanges=false is started by the EventBridge
//     rule the console or template creates (trigger CloudWatchEvent); with
//     polling (the V1 default) CodePipeline notices the change on its next
//     poll (trigger PollForSourceChanges). skiff emulates both by starting
//     on push, with the trigger type AWS would report.
//   - A CodeStarSourceConnection source action matches pushes to its
//     repository: through its V2 trigger's filters when the pipeline has
//     one for the action, else (DetectChanges, default true) a push to its
//     BranchName. Its repository is a skiff CodeCommit repository when
//     the connection maps to "codecommit:", else pushes arrive on the
//     webhook endpoint.
//
// One push starts at most one execution per pipeline; the source action it
// matched is pinned to the pushed commit.

// sourceEvent is a push or pull request on a repository.
type sourceEvent struct {
	// viaCodeCommit: from Repos.OnPush; else from a webhook of connection
	// connArn.
	viaCodeCommit bool
	connArn       string
	repo          string // CodeCommit name, or the connection's full id
	push          *PushEvent
	pr            *PullRequestEvent
}

func (e *Engine) onPush(ctx context.Context, ev PushEvent) {
	sc := awsctx.From(ctx)
	if ev.Time.IsZero() {
		ev.Time = e.clk.Now()
	}
	e.sourceEvent(ctx, sc.AccountID, sc.Region, &sourceEvent{viaCodeCommit: true, repo: ev.Repository, push: &ev})
}

// sourceEvent starts the pipelines a source event matches and returns the
// execution ids.
func (e *Engine) sourceEvent(ctx context.Context, account, region string, se *sourceEvent) []string {
	e.mu.Lock()
	var recs []*pipelineRecord
	prefix := account + "/" + region + "/"
	for k, rec := range e.pipes {
		if account == "" || strings.HasPrefix(k, prefix) {
			recs = append(recs, rec)
		}
	}
	e.mu.Unlock()
	sort.Slice(recs, func(i, j int) bool { return recs[i].Name < recs[j].Name })
	var started []string
	for _, rec := range recs {
		action, trig, ok := e.matchSource(ctx, rec, se)
		if !ok {
			continue
		}
		ev := se.push
		if ev == nil {
			ev = &PushEvent{Repository: se.repo, Ref: "refs/heads/" + se.pr.SourceBranch, NewCommit: se.pr.Commit,
				Message: se.pr.Title, AuthorName: se.pr.AuthorName, ChangedFiles: se.pr.ChangedFiles, Time: e.clk.Now()}
		}
		pctx := scopeCtx(context.Background(), rec.Account, rec.Region)
		x, err := e.startExecution(pctx, pipelineKey(rec.Account, rec.Region, rec.Name), startOpts{trigger: trig, push: &pushRef{Action: action, Event: ev}})
		if err != nil {
			e.log.Warn("codepipeline: push did not start the pipeline", "pipeline", rec.Name, "err", err)
			continue
		}
		started = append(started, x.ID)
	}
	return started
}

// matchSource finds the first source action of rec that the event
// starts, and the trigger to report.
func (e *Engine) matchSource(ctx context.Context, rec *pipelineRecord, se *sourceEvent) (string, trigger, bool) {
	d := &rec.Decl
	v2 := d.PipelineType == PipelineV2
	for _, a := range d.Stages[0].Actions {
		cfg := a.Configuration
		switch a.ActionTypeID.Provider {
		case "CodeCommit":
			if !se.viaCodeCommit || se.push == nil || cfg["RepositoryName"] != se.repo {
				continue
			}
			if se.push.NewCommit == "" || se.push.Branch() != cfg["BranchName"] {
				continue
			}
			if strings.EqualFold(cfg["PollForSourceChanges"], "false") {
				return a.Name, trigger{Type: TriggerCloudWatchEvent, Detail: eventRuleARN(rec, se.repo, cfg["BranchName"])}, true
			}
			return a.Name, trigger{Type: TriggerPoll, Detail: a.Name}, true
		case "CodeStarSourceConnection":
			arn := cfg["ConnectionArn"]
			if se.viaCodeCommit {
				conn, ok := e.connection(ctx, arn)
				if !ok || !strings.HasPrefix(conn.URL, "codecommit:") || path.Base(cfg["FullRepositoryId"]) != se.repo {
					continue
				}
			} else if arn != se.connArn || !strings.EqualFold(cfg["FullRepositoryId"], se.repo) {
				continue
			}
			typ := TriggerWebhook
			if v2 {
				typ = TriggerWebhookV2
			}
			tr := trigger{Type: typ, Detail: arn}
			if g := triggerFor(d, a.Name); g != nil {
				if se.push != nil && matchPush(g.Push, se.push) {
					return a.Name, tr, true
				}
				if se.pr != nil && matchPullRequest(g.PullRequest, se.pr) {
					return a.Name, tr, true
				}
				continue
			}
			if strings.EqualFold(cfg["DetectChanges"], "false") || se.push == nil {
				continue
			}
			if se.push.NewCommit != "" && se.push.Branch() == cfg["BranchName"] {
				return a.Name, tr, true
			}
		}
	}
	return "", trigger{}, false
}

func triggerFor(d *PipelineDeclaration, action string) *GitConfiguration {
	for _, t := range d.Triggers {
		if t.GitConfiguration != nil && t.GitConfiguration.SourceActionName == action {
			return t.GitConfiguration
		}
	}
	return nil
}

// eventRuleARN is the EventBridge rule AWS's console creates for a
// CodeCommit source.
func eventRuleARN(rec *pipelineRecord, repo, branch string) string {
	return awsctx.ARN("events", rec.Region, rec.Account, "rule/codepipeline-"+truncate(repo, 20)+"-"+truncate(branch, 20)+"-rule")
}

// --- webhooks ---

// maxWebhookBody is GitHub's payload cap.
const maxWebhookBody = 25 << 20

// WebhookHandler serves git hosting webhooks for connections (mount it
// under /_skiff/codepipeline/webhooks/). The last path segment names the
// connection: its id (the part after "connection/" in the ARN) or the
// URL-escaped ARN. GitHub deliveries must carry a valid X-Hub-Signature-256
// (HMAC-SHA256 of the body with the connection's WebhookSecret), GitLab
// deliveries the secret as X-Gitlab-Token; anything else is refused (401
// without a signature, 403 with a wrong one) and changes nothing. Push
// and pull request events start the matching pipelines.
func (e *Engine) WebhookHandler() http.Handler {
	return http.HandlerFunc(e.serveWebhook)
}

func (e *Engine) serveWebhook(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	id := path.Base(strings.TrimRight(r.URL.Path, "/"))
	conn, ok := e.findConnection(r.Context(), id)
	if !ok {
		http.Error(w, "unknown connection", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBody+1))
	if err != nil || len(body) > maxWebhookBody {
		http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
		return
	}
	sig, token := r.Header.Get("X-Hub-Signature-256"), r.Header.Get("X-Gitlab-Token")
	switch {
	case sig == "" && token == "":
		http.Error(w, "missing webhook signature", http.StatusUnauthorized)
		return
	case conn.WebhookSecret == "":
		http.Error(w, "the connection has no webhook secret", http.StatusForbidden)
		return
	case sig != "":
		mac := hmac.New(sha256.New, []byte(conn.WebhookSecret))
		mac.Write(body)
		want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		if !hmac.Equal([]byte(sig), []byte(want)) {
			http.Error(w, "invalid webhook signature", http.StatusForbidden)
			return
		}
	default:
		if subtle.ConstantTimeCompare([]byte(token), []byte(conn.WebhookSecret)) != 1 {
			http.Error(w, "invalid webhook token", http.StatusForbidden)
			return
		}
	}
	se, err := parseWebhook(r.Header, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var started []string
	if se != nil {
		se.connArn = conn.ARN
		account, region := "", ""
		if p, ok := awsctx.ParseARN(conn.ARN); ok {
			account, region = p.Account, p.Region
		}
		started = e.sourceEvent(r.Context(), account, region, se)
	}
	w.Header().Set("Content-Type", "application/json")
	if started == nil {
		started = []string{}
	}
	json.NewEncoder(w).Encode(map[string]any{"pipelineExecutionIds": started})
}

func (e *Engine) findConnection(ctx context.Context, id string) (Connection, bool) {
	if c, ok := e.connection(ctx, id); ok {
		return c, true
	}
	conns, _ := e.ListConnections(ctx)
	for _, c := range conns {
		if strings.HasSuffix(c.ARN, "/"+id) {
			return c, true
		}
	}
	return Connection{}, false
}

type ghCommit struct {
	ID        string `json:"id"`
	Message   string `json:"message"`
	Timestamp string `json:"timestamp"`
	Author    struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	} `json:"author"`
	Added    []string `json:"added"`
	Removed  []string `json:"removed"`
	Modified []string `json:"modified"`
}

type hookPayload struct {
	ObjectKind  string     `json:"object_kind"`
	Ref         string     `json:"ref"`
	Before      string     `json:"before"`
	After       string     `json:"after"`
	CheckoutSHA string     `json:"checkout_sha"`
	Deleted     bool       `json:"deleted"`
	HeadCommit  *ghCommit  `json:"head_commit"`
	Commits     []ghCommit `json:"commits"`
	Repository  struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
	Project struct {
		Path string `json:"path_with_namespace"`
	} `json:"project"`
	Pusher struct {
		Name string `json:"name"`
	} `json:"pusher"`
	UserName string `json:"user_username"`
	// GitHub pull_request.
	Action      string `json:"action"`
	PullRequest *struct {
		Title string `json:"title"`
		Head  struct {
			Ref string `json:"ref"`
			SHA string `json:"sha"`
		} `json:"head"`
		Base struct {
			Ref string `json:"ref"`
		} `json:"base"`
		User struct {
			Login string `json:"login"`
		} `json:"user"`
	} `json:"pull_request"`
	// GitLab merge_request.
	Attrs *struct {
		Action       string `json:"action"`
		SourceBranch string `json:"source_branch"`
		TargetBranch string `json:"target_branch"`
		Title        string `json:"title"`
		LastCommit   struct {
			ID string `json:"id"`
		} `json:"last_commit"`
	} `json:"object_attributes"`
}

// parseWebhook reads a GitHub or GitLab delivery; nil means an event that
// starts nothing (ping).
func parseWebhook(h http.Header, body []byte) (*sourceEvent, error) {
	var p hookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, err
	}
	event := h.Get("X-GitHub-Event")
	if event == "" {
		event = h.Get("X-Gitlab-Event")
	}
	repo := p.Repository.FullName
	if repo == "" {
		repo = p.Project.Path
	}
	switch event {
	case "push", "Push Hook", "Tag Push Hook":
		after := p.After
		if p.Deleted || strings.Trim(after, "0") == "" {
			after = ""
		} else if p.CheckoutSHA != "" {
			after = p.CheckoutSHA
		}
		ev := &PushEvent{Repository: repo, Ref: p.Ref, NewCommit: after, Pusher: p.Pusher.Name}
		if strings.Trim(p.Before, "0") != "" {
			ev.OldCommit = p.Before
		}
		if ev.Pusher == "" {
			ev.Pusher = p.UserName
		}
		head := p.HeadCommit
		files := map[string]bool{}
		for i := range p.Commits {
			c := &p.Commits[i]
			if c.ID == after {
				head = c
			}
			for _, l := range [][]string{c.Added, c.Removed, c.Modified} {
				for _, f := range l {
					files[f] = true
				}
			}
		}
		if head != nil {
			ev.Message, ev.AuthorName, ev.AuthorEmail = head.Message, head.Author.Name, head.Author.Email
			ev.AuthorDate, _ = time.Parse(time.RFC3339, head.Timestamp)
			ev.CommitterDate = ev.AuthorDate
		}
		ev.ChangedFiles = sortedStrings(files)
		return &sourceEvent{repo: repo, push: ev}, nil
	case "pull_request":
		if p.PullRequest == nil {
			return nil, nil
		}
		kind := map[string]string{"opened": "OPEN", "reopened": "OPEN", "synchronize": "UPDATED", "closed": "CLOSED"}[p.Action]
		if kind == "" {
			return nil, nil
		}
		pr := p.PullRequest
		return &sourceEvent{repo: repo, pr: &PullRequestEvent{Event: kind, SourceBranch: pr.Head.Ref, DestinationBranch: pr.Base.Ref,
			Commit: pr.Head.SHA, Title: pr.Title, AuthorName: pr.User.Login}}, nil
	case "Merge Request Hook":
		if p.Attrs == nil {
			return nil, nil
		}
		kind := map[string]string{"open": "OPEN", "reopen": "OPEN", "update": "UPDATED", "close": "CLOSED", "merge": "CLOSED"}[p.Attrs.Action]
		if kind == "" {
			return nil, nil
		}
		a := p.Attrs
		return &sourceEvent{repo: repo, pr: &PullRequestEvent{Event: kind, SourceBranch: a.SourceBranch, DestinationBranch: a.TargetBranch,
			Commit: a.LastCommit.ID, Title: a.Title}}, nil
	}
	return nil, nil
}
