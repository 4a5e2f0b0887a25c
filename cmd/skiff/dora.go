package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/tabwriter"

	"github.com/skiff-dev/skiff/internal/datadir"
	"github.com/skiff-dev/skiff/internal/dora"
	"github.com/spf13/cobra"
)

func newDoraCmd() *cobra.Command {
	var dataDir, region string
	var app, pipeline, window, from, to, tz, source, compare string
	var asJSON, explain bool
	cmd := &cobra.Command{
		Use:   "dora",
		Short: "DORA metrics from skiff's own records: frequency, lead time, fail rate, recovery, rework",
		Long: `Compute the five DORA metrics from what skiff recorded: CodeDeploy deployments
(and pipeline deploy actions), the pipeline executions and pushes that caused
them, the commits they contained and the alarms that guarded them. Production
deployments only: a deployment group, pipeline stage or environment whose name
has the word prod or production, or tagged environment=production.

  skiff dora                       last 30 days, every application
  skiff dora --app web --window 7d
  skiff dora --from 2026-03-01 --to 2026-03-31 --tz Europe/Paris
  skiff dora --explain             the events behind every number
  skiff dora --json                the report as JSON (also GET /_skiff/dora)
  skiff dora import history.csv    bring in a history from elsewhere
  skiff dora --compare history     skiff's records beside an imported history`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := newAdmin(dataDir, region)
			if err != nil {
				return err
			}
			q := url.Values{}
			set := func(k, v string) {
				if v != "" {
					q.Set(k, v)
				}
			}
			set("app", app)
			set("pipeline", pipeline)
			set("window", window)
			set("from", from)
			set("to", to)
			set("tz", tz)
			if explain {
				q.Set("explain", "1")
			}
			out := cmd.OutOrStdout()
			get := func(src string) (*dora.Report, error) {
				qq := url.Values{}
				for k, v := range q {
					qq[k] = v
				}
				if src != "" {
					qq.Set("source", src)
				}
				var rep dora.Report
				return &rep, a.do(cmd.Context(), "GET", dora.Path, qq, nil, &rep)
			}
			if compare != "" {
				live, err := get("live")
				if err != nil {
					return err
				}
				other, err := get("import:" + compare)
				if err != nil {
					return err
				}
				return dora.RenderCompare(out, live, other, "skiff", compare)
			}
			rep, err := get(source)
			if err != nil {
				return err
			}
			if asJSON {
				return dora.WriteJSON(out, rep)
			}
			return dora.Render(out, rep, dora.RenderOptions{Explain: explain})
		},
	}
	f := cmd.Flags()
	cmd.PersistentFlags().StringVar(&dataDir, "data", datadir.Default(), "data directory of the running skiff")
	cmd.PersistentFlags().StringVar(&region, "region", "", "region (default $AWS_REGION or us-east-1)")
	f.StringVar(&app, "app", "", "only this application")
	f.StringVar(&pipeline, "pipeline", "", "only this pipeline")
	f.StringVar(&window, "window", "", "the last N days: 7d, 30d (default), 90d, or any Nd / Nw")
	f.StringVar(&from, "from", "", "start of a custom range (a date or RFC 3339 time)")
	f.StringVar(&to, "to", "", "end of a custom range (a date includes that day)")
	f.StringVar(&tz, "tz", "", "IANA time zone days and weeks are cut in (default: skiff's local zone)")
	f.StringVar(&source, "source", "", "history: all (skiff's records and imports), live, or import:NAME")
	f.StringVar(&compare, "compare", "", "show skiff's records beside the imported history NAME")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.BoolVar(&explain, "explain", false, "list the deployments, commits, failures and incidents behind each number")

	var name, format string
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Import a history of deployments, commits and incidents (CSV or JSON) to compare or merge",
		Long: `Import a history from another tool as a named batch. JSON is one object with
"changes", "deployments" and "incidents" arrays; CSV holds one kind of record per
file, recognised by its first column (deployment_id, commit_id or incident_id).
Importing under an existing name replaces that batch. Problems are reported by
line, and nothing is stored unless the whole file is valid.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fh, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer fh.Close()
			if name == "" {
				name = batchNameFor(args[0])
			}
			if format == "" {
				switch strings.ToLower(filepath.Ext(args[0])) {
				case ".csv":
					format = dora.FormatCSV
				case ".json":
					format = dora.FormatJSON
				}
			}
			a, err := newAdmin(dataDir, region)
			if err != nil {
				return err
			}
			var b dora.Batch
			if err := a.do(cmd.Context(), "POST", "dora/import", url.Values{"name": {name}, "format": {format}}, fh, &b); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "imported %s as batch %q: %d deployments, %d commits, %d incidents\n",
				args[0], b.Name, b.Deployments, b.Changes, b.Incidents)
			return nil
		},
	}
	imp.Flags().StringVar(&name, "name", "", "batch name (default: the file name)")
	imp.Flags().StringVar(&format, "format", "", "csv or json (default: by extension or content)")

	batches := &cobra.Command{
		Use: "batches", Short: "List imported histories", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := newAdmin(dataDir, region)
			if err != nil {
				return err
			}
			var bs []dora.Batch
			if err := a.do(cmd.Context(), "GET", "dora/batches", nil, nil, &bs); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tIMPORTED\tDEPLOYMENTS\tCOMMITS\tINCIDENTS\tFROM\tTO")
			for _, b := range bs {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%s\n", b.Name, b.ImportedAt.Local().Format("2006-01-02 15:04"),
					b.Deployments, b.Changes, b.Incidents, b.From.Format("2006-01-02"), b.To.Format("2006-01-02"))
			}
			return tw.Flush()
		},
	}
	forget := &cobra.Command{
		Use: "forget NAME", Short: "Delete an imported history", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := newAdmin(dataDir, region)
			if err != nil {
				return err
			}
			return a.do(cmd.Context(), "DELETE", "dora/batches/"+url.PathEscape(args[0]), nil, nil, nil)
		},
	}
	cmd.AddCommand(imp, batches, forget)
	return cmd
}

var unsafeBatchChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// batchNameFor makes a batch name from a file name.
func batchNameFor(path string) string {
	n := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	n = strings.Trim(unsafeBatchChars.ReplaceAllString(n, "-"), "-._")
	if n == "" {
		n = "import"
	}
	if len(n) > 64 {
		n = n[:64]
	}
	return n
}
