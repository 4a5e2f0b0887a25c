// Package dora computes the five DORA software delivery metrics from
// skiff's own records — deployment frequency, change lead time, change
// fail rate, failed deployment recovery time and deployment rework rate —
// with no sampling and no separate pipeline, and serves them: a table
// (Render), a JSON document (WriteJSON, Handler at GET /_skiff/dora) and an
// importer for histories from outside (Import, kept in an Archive).
//
// The package knows nothing of skiff's service engines. It defines its own
// input model (Change, Deployment, Incident in a History) and reads it
// through one interface, Source, that the server implements over
// CodeCommit push events, CodePipeline executions, CodeDeploy deployments
// and CloudWatch alarm history:
//
//	Source.History ─► Measure ─► Compute ─► *Report ─► Render / WriteJSON / Handler
//	Import ─► *History ─► Archive.Save (store) ─► Archive is a Source; Merge(live, archive)
//
// Compute is a pure function of its inputs (Options.Now included), so a
// report is reproducible; nothing here starts a goroutine or keeps state
// beyond the Archive's store records. Handler is safe for concurrent use
// when the Source is.
//
// # Definitions
//
// The metrics are those of dora.dev's guide (https://dora.dev/guides/dora-metrics/,
// updated 2026-01-05) and its history of the metrics
// (https://dora.dev/insights/dora-metrics-history/). Throughput: change lead
// time, the time from a change's commit to version control until it is
// deployed in production; deployment frequency, the number of deployments
// over a period (or the time between them); failed deployment recovery
// time, the time to recover from a deployment that fails and needs
// immediate intervention (renamed from MTTR in 2023 so that only failures
// caused by changes count). Instability: change fail rate, the ratio of
// deployments that need immediate intervention (a rollback or a hotfix);
// deployment rework rate (added in 2024), the ratio of deployments that are
// unplanned and caused by a production incident. Where the definitions
// leave room, the choices are these.
//
// Production. Only production deployments are measured. The Production
// selector decides; its default matches the word prod or production in a
// deployment's Environment, deployment Group or pipeline Stage ("web-prod",
// "DeployToProd", "Production"; not "preprod", "PreProd", "nonprod"), or a
// tag environment/env/stage = prod|production. Names, path.Match patterns
// and tags can be configured instead.
//
// Environment. A deployment's environment is its Application with the
// first non-empty of Environment, Group, Stage, Pipeline. "Already
// deployed" and "the next deployment" are per environment, so two
// production regions of one application are tracked apart.
//
// Which deployments count, and when. A deployment is placed in the window
// its End falls in (a deployment is "in production" when it completes; a
// failed one ends when it stopped), as DevLake uses finished_date.
// Deployments in progress count nowhere (Explain lists them). Rollback
// deployments — CodeDeploy's automatic rollback is a deployment of its own
// — count in no rate and not in deployment frequency: they redeploy a
// revision that was already counted, and counting them would let a failure
// raise the deployment count and lower the fail rate; they are counted
// apart (rollbacks) and end a failure's recovery. "Attempted" deployments
// are the production deployments that ended and are not rollbacks, whatever
// their status; they are the denominator of both rates.
//
// Rollbacks. A deployment is a rollback when marked (Rollback, or Trigger
// rollback), or — a rollback by hand — when it redeploys a revision the
// environment already ran successfully right after a non-rollback
// deployment of another revision. It undoes RollbackOf, else the
// deployment naming it in RolledBackBy, else the environment's previous
// deployment. Redeploying the undone revision afterwards is a deployment,
// not a rollback of the rollback.
//
// Deployment frequency. Successful (status Succeeded) production
// deployments that are not rollbacks, per day (count ÷ calendar days the
// window touches) and per week (× 7), and — the basis of the band, as Four
// Keys and DevLake compute it — the median over the window's weeks of the
// number of days in the week with at least one successful deployment.
// Weeks are 7-day periods counted back from the window's last day, so a
// 7-day window is one week; a leftover shorter than a week at the window's
// start is left out of the median (it would pull it down), except in a
// window shorter than a week. A deployment with no commits (configuration
// only, or a redeploy of the same revision) is a deployment.
//
// Change lead time. For each commit, from its commit time to the End of
// the first successful production deployment that contains it; median and
// p90. A deployment contains every commit reachable from its revision that
// no earlier successful deployment of the same environment contained:
// Deployment.Commits when the source computed them, else the revision and
// its ancestors through Change.Parents; the walk stops at commits already
// deployed. A commit whose first deployment failed is counted at the later
// deployment that did ship it, from its own commit time (not from the
// failed deployment). A commit deployed to two production environments
// counts once, at the first. Rollbacks deploy nothing new. Commit time is
// git's committer date by default (Change.CommitTime: when the commit took
// the form that was deployed; the author date survives rebases and amends
// and would measure authoring rather than delivery); Options.LeadTimeFrom
// selects the author date or the push time instead. A commit with no known
// time, or committed after the deployment ended (clock skew), has no lead
// time and Explain says why.
//
// Change fail rate. Failed ÷ attempted. A deployment failed — needed
// immediate intervention — when it failed, was stopped (CodeDeploy stops
// on an alarm or on request; a stop is an intervention either way), was
// rolled back (automatically or by hand), has a production incident
// attributed to it (Incident.Deployment: Four Keys' and DevLake's
// definition), or was fixed forward: a later deployment names it (or an
// incident attributed to it) in CausedBy, or a deployment marked Fix that
// names nothing starts within Options.FixWindow (default 24 h) after it
// ended, in the same environment. Unattributed incidents make no
// deployment failed: an incident not caused by a change is not a change
// failure (the 2023 rename).
//
// Failed deployment recovery time. For each failed deployment, from its
// Start to the End of the next healthy production state: the first
// successful deployment of the same environment — the rollback, or a later
// (fix) deployment — that started once the failure was known (the earliest
// of its status, rollback, incident or fix-forward) and is not itself
// failed. A planned deployment that started before the failure showed still
// contained the bad change and does not end the recovery. An alarm
// returning to OK is not a recovery: it can clear because traffic moved
// away while the bad revision is still deployed. Failures not yet recovered
// are counted (unrecovered) but are not in the median.
//
// Deployment rework rate. Rework ÷ attempted. A deployment is rework —
// unplanned, made to fix production — when it is marked Fix, names what
// caused it (CausedBy), or is the first deployment of the environment to
// start after a failed deployment's failure became known, or the first of
// the application to start after a production incident began, within
// FixWindow (of the failure; of the incident's end, or any time while it
// is open). The deployment after a failure is assumed to respond to it;
// deployments that started before the failure was known are not. A
// rollback is not rework: it is the failure's remedy and is already
// counted by change fail rate and recovery time.
//
// Percentiles use the nearest-rank method: the p-th percentile of n values
// is the value at rank ⌈p·n⌉, so every number is an observed event that
// Explain lists; for an even count the median is the lower of the two
// middle values, as DevLake's percent_rank query gives.
//
// # Windows and time zones
//
// A window of N days is the last N calendar days in Options.Location
// (default time.Local), today included, from local midnight to now; a
// custom range is [From, To) (a date as an upper bound includes that day).
// Days and weeks are cut in that location, across daylight-saving changes
// (a day may last 23 or 25 hours). Measure reads the history from
// Options.Lookback (default 90 days) before the window, so that commits
// already deployed and failures leading into the window are known, to
// FixWindow after it, so that a fix or recovery just after the window is
// seen.
//
// # Bands
//
// Each metric gets the band of the DORA 2024 report's performance clusters
// (Accelerate State of DevOps 2024; the primary PDF was not available, the
// table matches two secondary sources: dennis-whalen.com's DORA 2024 table
// and octopus.com/blog/2024-devops-performance-clusters):
//
//	               elite (19%)          high (22%)          medium (35%)         low (25%)
//	frequency      on demand (multiple  once per day –      once per week –      once per month –
//	               deploys per day)     once per week       once per month       once per 6 months
//	lead time      < 1 day              1 day – 1 week      1 week – 1 month     1 – 6 months
//	fail rate      5%                   20%                 10%                  40%
//	recovery time  < 1 hour             < 1 day             < 1 day              1 week – 1 month
//
// skiff reads it as: frequency elite when the median deployment days per
// week is ≥ 3, high when ≥ 1 (Four Keys' and DevLake's rule), medium when
// deployments average at least one per 30 days, low otherwise; lead time
// elite < 1 day, high < 1 week, medium < 30 days, low otherwise; fail rate
// elite ≤ 5%, high ≤ 20%, medium < 40%, low ≥ 40%; recovery elite < 1 hour,
// high < 1 day, medium < 1 week, low otherwise.
//
// Two rows of the table are odd, and are reported as such in the band
// notes. Medium's fail rate (10%) is below high's (20%): the clusters are
// groups of teams, and in 2024 the medium cluster was more stable but
// slower than the high one, so a single metric cannot honour both the
// value and the order; skiff keeps the bands in order and gives medium the
// range between high's and low's values (20–40%), and a rate near 10%
// reads as high with a note. High's and medium's recovery times are both
// "< 1 day" and nothing covers 1 day – 1 week: under a day reads as high
// (the better of the two) and medium takes 1 day – 1 week, as DevLake did
// for the 2023 table. Low's ranges (1–6 months, 1 week – 1 month) are open
// at the slow end: anything slower is low too. A metric without data has
// no band (""). Deployment rework rate has no published bands; its band is
// always "" and its note says so.
//
// # Explain
//
// With Query.Explain, Report.Explain lists, for the report's scope, every
// production deployment that ended in the window and how it counted
// (successful, rollback of what, the commits it first deployed, why it
// failed, why it is rework), every commit with its lead time (or why it has
// none), every failure with its recovery, the incidents, and the
// deployments that count nowhere (not production, in progress, invalid),
// so every number can be recomputed by hand.
//
// # Adapting skiff's records (for the Source)
//
//   - CodeDeploy deployment → Deployment: ID deploymentId, Application
//     applicationName, Group deploymentGroupName (its tags as Tags), Start
//     startTime (else createTime), End completeTime, Status Succeeded /
//     Failed / Stopped (RolledBack, or RolledBackBy =
//     rollbackInfo.rollbackDeploymentId, for one CodeDeploy rolled back);
//     creator "codeDeployRollback" → Rollback true, Trigger rollback,
//     RollbackOf rollbackInfo.rollbackTriggeringDeploymentId.
//   - The CodePipeline execution that ran it → Pipeline, Execution, Stage,
//     Revision and Repository (the source action's revision), Trigger
//     (a push or webhook trigger → push, StartPipelineExecution → manual);
//     Commits from `git rev-list <revision>` if handy (else Change.Parents
//     is walked).
//   - CodeCommit push events → Change: NewCommit's id, CommitterTime,
//     AuthorTime, the event Time as PushTime, Parents from git.
//   - CloudWatch alarm history → Incident: one per ALARM period of an alarm
//     on a production deployment group's target (Start at the transition
//     to ALARM, End at the next OK), Deployment the deployment CodeDeploy
//     stopped on that alarm (or in progress at Start).
//
// Give one Deployment per CodeDeploy deployment, annotated with its
// pipeline execution — not a second record for the execution's deploy
// action, which would count it twice. A pipeline execution superseded or
// stopped before its deploy action started deployed nothing and is no
// Deployment.
//
// Records a Source returns that are invalid (no id, unknown status …) are
// skipped with a warning in the report, never an error.
package dora
