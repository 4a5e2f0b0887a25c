package server

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/datadir"
	"github.com/skiff-dev/skiff/internal/dora"
)

// AdminPrefix is where skiff's own JSON API lives: views that have no AWS
// API (local instances with their ports, a deployment's live traffic
// split). The `skiff` CLI is its client. Requests carry the data
// directory's secret key as a bearer token, so only a user who can read
// the data directory can use it, as with the AWS APIs.
const AdminPrefix = "/_skiff/api/"

func (s *Server) adminRoutes(mux *http.ServeMux) {
	mux.Handle("GET "+AdminPrefix+"instances", s.admin(s.listInstances))
	mux.Handle("POST "+AdminPrefix+"instances", s.admin(s.createInstances))
	mux.Handle("DELETE "+AdminPrefix+"instances", s.admin(s.deleteInstances))
	mux.Handle("GET "+AdminPrefix+"deployments/{id}", s.admin(s.deploymentStatus))
	mux.Handle("GET "+dora.Path, s.doraHandler())
	mux.Handle("POST "+AdminPrefix+"dora/import", s.admin(s.doraImport))
	mux.Handle("GET "+AdminPrefix+"dora/batches", s.admin(s.doraBatches))
	mux.Handle("DELETE "+AdminPrefix+"dora/batches/{name}", s.admin(s.doraForget))
	mux.Handle("GET "+AdminPrefix+"pipelines", s.admin(func(ctx context.Context, r *http.Request) (any, error) {
		return s.cp.PipelineList(ctx)
	}))
	mux.Handle("GET "+AdminPrefix+"pipelines/{name}", s.admin(s.pipelineView))
	mux.Handle("POST "+AdminPrefix+"pipelines/{name}/start", s.admin(s.startPipeline))
	mux.Handle("POST "+AdminPrefix+"pipelines/{name}/approve", s.admin(s.approve))
}

// admin authenticates a request and scopes its context to the account and
// the region the request names (default us-east-1).
func (s *Server) admin(h func(ctx context.Context, r *http.Request) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(w, r) {
			return
		}
		region := r.URL.Query().Get("region")
		if region == "" {
			region = datadir.DefaultRegion
		}
		ctx := awsctx.With(r.Context(), awsctx.Scope{AccountID: s.dir.Identity.AccountID, Region: region,
			Principal: awsctx.ARN("iam", "", s.dir.Identity.AccountID, "root")})
		v, err := h(ctx, r)
		if err != nil {
			status := http.StatusBadRequest
			var ae *apierr.Error
			if errors.As(err, &ae) && ae.Code.Status != 0 {
				status = ae.Code.Status
			}
			writeAdminError(w, status, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	})
}

// authorized checks the bearer token (the data directory's secret access
// key, AWS_SECRET_ACCESS_KEY in skiff env's output) and answers 401 when it
// is missing or wrong.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(tok), []byte(s.dir.Identity.SecretAccessKey)) != 1 {
		writeAdminError(w, http.StatusUnauthorized, errors.New("missing or wrong bearer token: send the data directory's secret access key (AWS_SECRET_ACCESS_KEY in the output of skiff env), as the skiff CLI does"))
		return false
	}
	return true
}

func writeAdminError(w http.ResponseWriter, status int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

func (s *Server) listInstances(ctx context.Context, r *http.Request) (any, error) {
	return s.cd.ListInstances(ctx, r.URL.Query().Get("all") != "")
}

// CreateInstancesRequest is the body of POST /_skiff/api/instances.
type CreateInstancesRequest struct {
	Tags  map[string]string `json:"tags"`
	Count int               `json:"count"`
}

func (s *Server) createInstances(ctx context.Context, r *http.Request) (any, error) {
	var in CreateInstancesRequest
	if err := decodeAdmin(r, &in); err != nil {
		return nil, err
	}
	return s.cd.CreateInstances(ctx, in.Tags, in.Count)
}

func (s *Server) deleteInstances(ctx context.Context, r *http.Request) (any, error) {
	names := r.URL.Query()["name"]
	if len(names) == 0 {
		return nil, errors.New("name a instance to delete (?name=...)")
	}
	return map[string]any{"deleted": names}, s.cd.DeleteInstances(ctx, names)
}

func (s *Server) deploymentStatus(ctx context.Context, r *http.Request) (any, error) {
	return s.cd.DeploymentStatus(ctx, r.PathValue("id"))
}

// pipelineView answers a pipeline's view; with ?watch=1 it first waits
// for the pipeline to change (or a second to pass), so a client redraws
// on every change without polling hard.
func (s *Server) pipelineView(ctx context.Context, r *http.Request) (any, error) {
	name := r.PathValue("name")
	if r.URL.Query().Get("watch") != "" {
		ch, cancel := s.cp.Watch(ctx, name)
		t := time.NewTimer(time.Second)
		select {
		case <-ch:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
		cancel()
	}
	return s.cp.View(ctx, name)
}

// StartPipelineRequest is the body of POST .../pipelines/{name}/start.
type StartPipelineRequest struct {
	Variables map[string]string `json:"variables"`
}

func (s *Server) startPipeline(ctx context.Context, r *http.Request) (any, error) {
	var in StartPipelineRequest
	if err := decodeAdmin(r, &in); err != nil {
		return nil, err
	}
	id, err := s.cp.StartCLI(ctx, r.PathValue("name"), in.Variables)
	return map[string]string{"pipelineExecutionId": id}, err
}

// ApproveRequest is the body of POST .../pipelines/{name}/approve.
type ApproveRequest struct {
	Stage   string `json:"stage"`
	Action  string `json:"action"`
	Reject  bool   `json:"reject"`
	Summary string `json:"summary"`
}

func (s *Server) approve(ctx context.Context, r *http.Request) (any, error) {
	var in ApproveRequest
	if err := decodeAdmin(r, &in); err != nil {
		return nil, err
	}
	at, err := s.cp.Approve(ctx, r.PathValue("name"), in.Stage, in.Action, in.Reject, in.Summary)
	return map[string]time.Time{"approvedAt": at}, err
}

func decodeAdmin(r *http.Request, v any) error {
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20)).Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return errors.New("request body: " + err.Error())
	}
	return nil
}
