package dora

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// Schema names the JSON document's version. Field names are stable within
// a version; a field is only ever added.
const Schema = "skiff.dora/v1"

// Report is the metrics for one window. Its JSON form (WriteJSON) is what
// `skiff dora --json` prints and the HTTP endpoint serves; every field is
// documented here by its JSON name.
type Report struct {
	// schema: always Schema.
	Schema string `json:"schema"`
	// generatedAt: when the report was computed.
	GeneratedAt time.Time `json:"generatedAt"`
	// source: a label for where the history came from ("skiff",
	// "import:legacy"); empty when not set.
	Source string `json:"source,omitempty"`
	// window: the period measured.
	Window Window `json:"window"`
	// filter: the application and pipeline the report is restricted to
	// ("" = all).
	Filter Filter `json:"filter"`
	// settings: the choices that shape the numbers.
	Settings Settings `json:"settings"`
	// overall: all production deployments the filter selects.
	Overall Group `json:"overall"`
	// applications and pipelines: the same metrics per application and per
	// pipeline, sorted by name (deployments without a pipeline are in no
	// pipeline group).
	Applications []Group `json:"applications"`
	Pipelines    []Group `json:"pipelines"`
	// warnings: records that were skipped and why.
	Warnings []string `json:"warnings"`
	// explain: the events behind every overall number (with Query.Explain).
	Explain *Explain `json:"explain,omitempty"`
}

// Filter is the report's restriction.
type Filter struct {
	Application string `json:"application"`
	Pipeline    string `json:"pipeline"`
}

// Settings echo the options that decide what counts.
type Settings struct {
	// production: the production rule, in words.
	Production string `json:"production"`
	// fixWindowSeconds: Options.FixWindow.
	FixWindow Duration `json:"fixWindowSeconds"`
	// leadTimeFrom: "commit", "author" or "push".
	LeadTimeFrom string `json:"leadTimeFrom"`
	// bandsFrom: the report the bands come from.
	BandsFrom string `json:"bandsFrom"`
}

// Group is the five metrics over one set of deployments.
type Group struct {
	// scope: "overall", "application" or "pipeline"; name: the
	// application or pipeline ("" for overall).
	Scope string `json:"scope"`
	Name  string `json:"name"`

	DeploymentFrequency DeploymentFrequency `json:"deploymentFrequency"`
	LeadTime            LeadTime            `json:"changeLeadTime"`
	ChangeFailRate      Ratio               `json:"changeFailRate"`
	RecoveryTime        RecoveryTime        `json:"failedDeploymentRecoveryTime"`
	ReworkRate          Ratio               `json:"deploymentReworkRate"`
}

// DeploymentFrequency counts successful production deployments.
type DeploymentFrequency struct {
	// successful: production deployments that succeeded (rollbacks not
	// counted). This is the deployment count the frequency is made of.
	Successful int `json:"successful"`
	// attempted: production deployments that ended, whatever their status
	// (rollbacks not counted) — the denominator of the two rates.
	Attempted int `json:"attempted"`
	// rollbacks: rollback deployments that ended (counted in no rate).
	Rollbacks int `json:"rollbacks"`
	// perDay, perWeek: successful / days, and × 7.
	PerDay  float64 `json:"perDay"`
	PerWeek float64 `json:"perWeek"`
	// deploymentDays: calendar days with at least one successful
	// deployment.
	DeploymentDays int `json:"deploymentDays"`
	// medianDeploymentDaysPerWeek: the median, over the window's weeks, of
	// the days in the week with at least one successful deployment (Four
	// Keys and DevLake's basis for the band).
	MedianDeploymentDaysPerWeek int    `json:"medianDeploymentDaysPerWeek"`
	Band                        Band   `json:"band"`
	BandNote                    string `json:"bandNote,omitempty"`
}

// LeadTime is change lead time: commit to the successful production
// deployment that first contains the commit.
type LeadTime struct {
	// commits: lead-time samples (one per commit).
	Commits int `json:"commits"`
	// medianSeconds, p90Seconds: null without samples.
	Median   *Duration `json:"medianSeconds"`
	P90      *Duration `json:"p90Seconds"`
	Band     Band      `json:"band"`
	BandNote string    `json:"bandNote,omitempty"`
}

// Ratio is a count over a count: change fail rate (failed / attempted) and
// deployment rework rate (rework / attempted).
type Ratio struct {
	// count: failed (or rework) deployments; of: attempted deployments.
	Count int `json:"count"`
	Of    int `json:"of"`
	// rate: count / of, null when of is 0.
	Rate     *float64 `json:"rate"`
	Band     Band     `json:"band"`
	BandNote string   `json:"bandNote,omitempty"`
}

// RecoveryTime is failed deployment recovery time.
type RecoveryTime struct {
	// failures: failed deployments; recovered: those with a recovery;
	// unrecovered: the rest (not in the median).
	Failures    int `json:"failures"`
	Recovered   int `json:"recovered"`
	Unrecovered int `json:"unrecovered"`
	// medianSeconds: null without a recovery.
	Median   *Duration `json:"medianSeconds"`
	Band     Band      `json:"band"`
	BandNote string    `json:"bandNote,omitempty"`
}

// Duration is a time.Duration that encodes in JSON as seconds (a number,
// to the millisecond).
type Duration time.Duration

// MarshalJSON encodes seconds.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(math.Round(time.Duration(d).Seconds()*1000) / 1000)
}

// UnmarshalJSON decodes seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s float64
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*d = Duration(s * float64(time.Second))
	return nil
}

// String is a short human form: "45s", "12m30s", "3h05m", "2d4h".
func (d Duration) String() string { return humanDuration(time.Duration(d)) }

func humanDuration(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	var s string
	switch {
	case d < time.Second:
		s = d.Round(time.Millisecond).String()
	case d < time.Minute:
		s = fmt.Sprintf("%gs", math.Round(d.Seconds()*10)/10)
	case d < time.Hour:
		d = d.Round(time.Second)
		s = fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		d = d.Round(time.Minute)
		s = fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		d = d.Round(time.Hour)
		s = fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Explain lists the events behind the overall numbers of a report.
type Explain struct {
	// deployments: every production deployment that ended (or is in
	// progress) in the window, in order of end, with how it counted.
	Deployments []DeploymentFact `json:"deployments"`
	// commits: every commit first deployed to production in the window by a
	// successful deployment, with its lead time (or why it has none).
	Commits []CommitFact `json:"commits"`
	// failures: every failed deployment in the window, why it failed, and
	// its recovery.
	Failures []FailureFact `json:"failures"`
	// incidents: incidents that overlap the window.
	Incidents []IncidentFact `json:"incidents"`
	// notCounted: deployments in the window that count nowhere, and why
	// (not production, in progress, invalid).
	NotCounted []NotCounted `json:"notCounted"`
}

// DeploymentFact is one production deployment and how it counted.
type DeploymentFact struct {
	ID          string    `json:"id"`
	Application string    `json:"application"`
	Pipeline    string    `json:"pipeline,omitempty"`
	Environment string    `json:"environment"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end,omitzero"`
	Status      Status    `json:"status"`
	Revision    string    `json:"revision,omitempty"`
	// production: why it is a production deployment.
	Production string `json:"production"`
	// kind: "deployment" (counted in the rates; in the frequency when
	// successful) or "rollback" (counted in no rate; ends a failure's
	// recovery).
	Kind string `json:"kind"`
	// rollbackOf: for a rollback, the deployment it undid; rollbackReason:
	// how it was recognised.
	RollbackOf     string `json:"rollbackOf,omitempty"`
	RollbackReason string `json:"rollbackReason,omitempty"`
	// successful: counted in deployment frequency.
	Successful bool `json:"successful"`
	// commits: commits first deployed to this environment by it.
	Commits []string `json:"commits"`
	// failed: counted as a failure in change fail rate; failureReasons:
	// why.
	Failed         bool     `json:"failed"`
	FailureReasons []string `json:"failureReasons,omitempty"`
	// rework: counted in deployment rework rate; reworkReasons: why.
	Rework        bool     `json:"rework"`
	ReworkReasons []string `json:"reworkReasons,omitempty"`
}

// CommitFact is one commit's lead time.
type CommitFact struct {
	Commit     string    `json:"commit"`
	Repository string    `json:"repository,omitempty"`
	Author     string    `json:"author,omitempty"`
	Committed  time.Time `json:"committed,omitzero"`
	Deployment string    `json:"deployment"`
	Deployed   time.Time `json:"deployed"`
	// leadTimeSeconds: null when excluded.
	LeadTime *Duration `json:"leadTimeSeconds"`
	// excluded: why the commit has no lead time ("commit time unknown",
	// "committed after the deployment ended").
	Excluded string `json:"excluded,omitempty"`
}

// FailureFact is one failed deployment and its recovery.
type FailureFact struct {
	Deployment  string    `json:"deployment"`
	Application string    `json:"application"`
	Environment string    `json:"environment"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Reasons     []string  `json:"reasons"`
	// recoveredBy: the successful deployment (rollback or later
	// deployment) that restored production; empty while unrecovered.
	RecoveredBy string     `json:"recoveredBy,omitempty"`
	RecoveredAt *time.Time `json:"recoveredAt,omitempty"`
	// recoverySeconds: recoveredAt − start; null while unrecovered.
	Recovery *Duration `json:"recoverySeconds"`
}

// IncidentFact is one incident.
type IncidentFact struct {
	ID          string     `json:"id"`
	Application string     `json:"application,omitempty"`
	Source      string     `json:"source,omitempty"`
	Start       time.Time  `json:"start"`
	End         *time.Time `json:"end,omitempty"`
	Deployment  string     `json:"deployment,omitempty"`
}

// NotCounted is a deployment that counts nowhere.
type NotCounted struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// WriteJSON writes the report as indented JSON (one document, a trailing
// newline).
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

func joinReasons(r []string) string { return strings.Join(r, "; ") }
