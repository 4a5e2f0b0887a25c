package dora

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// RenderOptions shape the table.
type RenderOptions struct {
	// Explain adds the sections listing the events behind each number
	// (the report must have been computed with Query.Explain).
	Explain bool
}

const timeLayout = "2006-01-02 15:04:05"

// Render writes the report as a readable table: the window and settings,
// the five metrics with their bands, the same per application and per
// pipeline, and with opts.Explain the deployments, commits, failures,
// incidents and skipped records behind them.
func Render(w io.Writer, r *Report, opts RenderOptions) error {
	ew := &errWriter{w: w}
	title := "DORA metrics"
	if r.Filter.Application != "" {
		title += " · application " + r.Filter.Application
	}
	if r.Filter.Pipeline != "" {
		title += " · pipeline " + r.Filter.Pipeline
	}
	if r.Source != "" {
		title += " · source " + r.Source
	}
	ew.printf("%s\n", title)
	ew.printf("Window:     %s\n", describeWindow(&r.Window))
	ew.printf("Production: %s\n", r.Settings.Production)
	ew.printf("Fix window: %s · lead time from: %s date · bands: %s\n\n",
		r.Settings.FixWindow, r.Settings.LeadTimeFrom, r.Settings.BandsFrom)

	tw := newTab(ew)
	tw.row("METRIC", "VALUE", "BAND", "BASIS")
	g := &r.Overall
	df := &g.DeploymentFrequency
	tw.row("Deployment frequency",
		fmt.Sprintf("%d successful of %d attempted%s", df.Successful, df.Attempted, plural(df.Rollbacks, " (%d rollback%s not counted)")),
		band(df.Band), df.BandNote)
	tw.row("", fmt.Sprintf("%s/day · %s/week · median %d deployment day%s/week", num(df.PerDay), num(df.PerWeek),
		df.MedianDeploymentDaysPerWeek, pluralS(df.MedianDeploymentDaysPerWeek)), "", "")
	lt := &g.LeadTime
	tw.row("Change lead time", leadText(lt), band(lt.Band), lt.BandNote)
	cfr := &g.ChangeFailRate
	tw.row("Change fail rate", ratioText(cfr), band(cfr.Band), cfr.BandNote)
	rt := &g.RecoveryTime
	tw.row("Failed deployment recovery time", recoveryText(rt), band(rt.Band), rt.BandNote)
	rw := &g.ReworkRate
	tw.row("Deployment rework rate", ratioText(rw), "n/a", rw.BandNote)
	tw.flush()

	for _, set := range []struct {
		title  string
		groups []Group
	}{{"APPLICATION", r.Applications}, {"PIPELINE", r.Pipelines}} {
		if len(set.groups) == 0 {
			continue
		}
		ew.printf("\n")
		tw := newTab(ew)
		tw.row(set.title, "DEPLOYS (OK/ALL)", "PER WEEK", "LEAD TIME (MEDIAN)", "CHANGE FAIL RATE", "RECOVERY (MEDIAN)", "REWORK RATE")
		for _, g := range set.groups {
			df := &g.DeploymentFrequency
			tw.row(g.Name,
				fmt.Sprintf("%d/%d", df.Successful, df.Attempted),
				withBand(num(df.PerWeek), df.Band),
				withBand(durText(g.LeadTime.Median), g.LeadTime.Band),
				withBand(pct(g.ChangeFailRate.Rate), g.ChangeFailRate.Band),
				withBand(durText(g.RecoveryTime.Median), g.RecoveryTime.Band),
				pct(g.ReworkRate.Rate))
		}
		tw.flush()
	}
	if opts.Explain && r.Explain != nil {
		renderExplain(ew, r.Explain)
	}
	if len(r.Warnings) > 0 {
		ew.printf("\nWARNINGS\n")
		for _, s := range r.Warnings {
			ew.printf("  %s\n", s)
		}
	}
	return ew.err
}

func renderExplain(ew *errWriter, ex *Explain) {
	ew.printf("\nDEPLOYMENTS (production, ended in the window)\n")
	if len(ex.Deployments) == 0 {
		ew.printf("  none\n")
	} else {
		tw := newTab(ew)
		tw.row("  ID", "APPLICATION", "ENVIRONMENT", "STARTED", "ENDED", "STATUS", "COUNTS AS", "NEW COMMITS", "FAILED BECAUSE", "REWORK BECAUSE")
		for _, d := range ex.Deployments {
			counts := "attempted"
			switch {
			case d.Kind == "rollback":
				counts = "rollback of " + cmp.Or(d.RollbackOf, "?") + " (" + d.RollbackReason + ")"
			case d.Successful:
				counts = "successful"
			}
			commits := "-"
			if d.Kind != "rollback" {
				commits = strconv.Itoa(len(d.Commits))
			}
			tw.row("  "+d.ID, d.Application, d.Environment, d.Start.Format(timeLayout), d.End.Format(timeLayout),
				string(d.Status), counts, commits, dash(joinReasons(d.FailureReasons)), dash(joinReasons(d.ReworkReasons)))
		}
		tw.flush()
	}

	ew.printf("\nCOMMITS (lead time: commit time → end of the first successful production deployment containing it)\n")
	if len(ex.Commits) == 0 {
		ew.printf("  none\n")
	} else {
		tw := newTab(ew)
		tw.row("  COMMIT", "REPOSITORY", "COMMITTED", "DEPLOYED BY", "DEPLOYED", "LEAD TIME")
		for _, c := range ex.Commits {
			committed := "?"
			if !c.Committed.IsZero() {
				committed = c.Committed.Format(timeLayout)
			}
			lead := durText(c.LeadTime)
			if c.Excluded != "" {
				lead = "excluded: " + c.Excluded
			}
			tw.row("  "+short(c.Commit), dash(c.Repository), committed, c.Deployment, c.Deployed.Format(timeLayout), lead)
		}
		tw.flush()
	}

	ew.printf("\nFAILURES AND RECOVERIES (recovery: failed deployment's start → end of the next healthy production deployment)\n")
	if len(ex.Failures) == 0 {
		ew.printf("  none\n")
	} else {
		tw := newTab(ew)
		tw.row("  DEPLOYMENT", "STARTED", "FAILED BECAUSE", "RECOVERED BY", "RECOVERED", "RECOVERY TIME")
		for _, f := range ex.Failures {
			by, at := "not yet", "-"
			if f.RecoveredAt != nil {
				by, at = f.RecoveredBy, f.RecoveredAt.Format(timeLayout)
			}
			tw.row("  "+f.Deployment, f.Start.Format(timeLayout), joinReasons(f.Reasons), by, at, durText(f.Recovery))
		}
		tw.flush()
	}

	if len(ex.Incidents) > 0 {
		ew.printf("\nINCIDENTS\n")
		tw := newTab(ew)
		tw.row("  ID", "APPLICATION", "SOURCE", "START", "END", "ATTRIBUTED TO")
		for _, in := range ex.Incidents {
			end := "open"
			if in.End != nil {
				end = in.End.Format(timeLayout)
			}
			tw.row("  "+in.ID, dash(in.Application), dash(in.Source), in.Start.Format(timeLayout), end, dash(in.Deployment))
		}
		tw.flush()
	}
	if len(ex.NotCounted) > 0 {
		ew.printf("\nNOT COUNTED\n")
		tw := newTab(ew)
		for _, n := range ex.NotCounted {
			tw.row("  "+n.ID, n.Reason)
		}
		tw.flush()
	}
}

// RenderCompare writes two reports' overall metrics side by side, for
// comparing skiff's own history with an imported one (or two windows).
func RenderCompare(w io.Writer, a, b *Report, labelA, labelB string) error {
	ew := &errWriter{w: w}
	ew.printf("DORA metrics compared\n")
	ew.printf("%s: %s\n", labelA, describeWindow(&a.Window))
	ew.printf("%s: %s\n\n", labelB, describeWindow(&b.Window))
	tw := newTab(ew)
	tw.row("METRIC", strings.ToUpper(labelA), strings.ToUpper(labelB))
	ga, gb := &a.Overall, &b.Overall
	tw.row("Deployment frequency (per week)",
		withBand(num(ga.DeploymentFrequency.PerWeek), ga.DeploymentFrequency.Band),
		withBand(num(gb.DeploymentFrequency.PerWeek), gb.DeploymentFrequency.Band))
	tw.row("Change lead time (median)", withBand(durText(ga.LeadTime.Median), ga.LeadTime.Band),
		withBand(durText(gb.LeadTime.Median), gb.LeadTime.Band))
	tw.row("Change lead time (p90)", durText(ga.LeadTime.P90), durText(gb.LeadTime.P90))
	tw.row("Change fail rate", withBand(ratioText(&ga.ChangeFailRate), ga.ChangeFailRate.Band),
		withBand(ratioText(&gb.ChangeFailRate), gb.ChangeFailRate.Band))
	tw.row("Failed deployment recovery time (median)", withBand(durText(ga.RecoveryTime.Median), ga.RecoveryTime.Band),
		withBand(durText(gb.RecoveryTime.Median), gb.RecoveryTime.Band))
	tw.row("Deployment rework rate", ratioText(&ga.ReworkRate), ratioText(&gb.ReworkRate))
	tw.flush()
	return ew.err
}

func describeWindow(w *Window) string {
	what := "last " + strconv.Itoa(w.Days) + " days"
	if w.Label == "custom" {
		what = "custom range"
	}
	return fmt.Sprintf("%s, %s – %s %s (%d day%s, %d week%s for the weekly median)", what,
		w.From.Format(timeLayout), w.To.Format(timeLayout), w.TimeZone, w.Days, pluralS(w.Days), w.Weeks, pluralS(w.Weeks))
}

func leadText(lt *LeadTime) string {
	if lt.Median == nil {
		return "no commits deployed"
	}
	return fmt.Sprintf("median %s · p90 %s (%d commit%s)", lt.Median, lt.P90, lt.Commits, pluralS(lt.Commits))
}

func recoveryText(rt *RecoveryTime) string {
	if rt.Failures == 0 {
		return "no failed deployments"
	}
	if rt.Median == nil {
		return fmt.Sprintf("none of %d failure%s recovered yet", rt.Failures, pluralS(rt.Failures))
	}
	s := fmt.Sprintf("median %s (%d of %d failure%s recovered)", rt.Median, rt.Recovered, rt.Failures, pluralS(rt.Failures))
	return s
}

func ratioText(r *Ratio) string {
	if r.Rate == nil {
		return "no deployments"
	}
	return fmt.Sprintf("%s (%d of %d)", pct(r.Rate), r.Count, r.Of)
}

func pct(r *float64) string {
	if r == nil {
		return "-"
	}
	return strconv.FormatFloat(*r*100, 'f', 1, 64) + "%"
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

func durText(d *Duration) string {
	if d == nil {
		return "-"
	}
	return d.String()
}

func band(b Band) string {
	if b == NoBand {
		return "-"
	}
	return string(b)
}

func withBand(v string, b Band) string {
	if b == NoBand || v == "-" {
		return v
	}
	return v + " " + string(b)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// plural formats n with format (which takes n and the plural "s") when n
// is not 0.
func plural(n int, format string) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(format, n, pluralS(n))
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }

// tab aligns rows in columns; flush writes them with trailing blanks
// trimmed.
type tab struct {
	out io.Writer
	buf bytes.Buffer
	tw  *tabwriter.Writer
}

func newTab(w io.Writer) *tab {
	t := &tab{out: w}
	t.tw = tabwriter.NewWriter(&t.buf, 0, 0, 2, ' ', 0)
	return t
}

func (t *tab) row(cells ...string) { fmt.Fprintln(t.tw, strings.Join(cells, "\t")) }

func (t *tab) flush() {
	t.tw.Flush()
	for _, line := range strings.SplitAfter(t.buf.String(), "\n") {
		if line == "" {
			continue
		}
		io.WriteString(t.out, strings.TrimRight(line, " \n")+"\n")
	}
}
