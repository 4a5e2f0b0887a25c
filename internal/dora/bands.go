package dora

import "time"

// Band is a performance band of the DORA report: "elite", "high",
// "medium", "low", or "" when there is none (no data, or no published
// bands).
type Band string

// Bands.
const (
	Elite  Band = "elite"
	High   Band = "high"
	Medium Band = "medium"
	Low    Band = "low"
	NoBand Band = ""
)

// BandsFrom names the report the thresholds come from.
const BandsFrom = "DORA Accelerate State of DevOps 2024 (performance clusters)"

// The 2024 report's clusters, as the thresholds below read them (doc.go
// has the table and what is done where it is odd).
const (
	day   = 24 * time.Hour
	week  = 7 * day
	month = 30 * day
)

// frequencyBand follows Four Keys and DevLake: elite ("on demand",
// multiple deploys per day) when the median deployment days per week is at
// least 3; high (between once a day and once a week) when it is at least
// 1; medium (once a week to once a month) when deployments average at
// least one per 30 days; low otherwise.
func frequencyBand(successful, medianDays int, perDay float64) (Band, string) {
	switch {
	case successful == 0:
		return NoBand, "no successful production deployment in the window"
	case medianDays >= 3:
		return Elite, "median deployment days per week ≥ 3 (on demand)"
	case medianDays >= 1:
		return High, "median deployment days per week ≥ 1 (between once per day and once per week)"
	case perDay >= 1.0/30:
		return Medium, "at least one deployment per 30 days on average (between once per week and once per month)"
	default:
		return Low, "fewer than one deployment per 30 days on average (between once per month and once every six months, or less)"
	}
}

// leadTimeBand: elite < 1 day; high < 1 week; medium < 1 month (30 days);
// low otherwise (the report's low is 1–6 months; slower is low too).
func leadTimeBand(median *Duration) (Band, string) {
	if median == nil {
		return NoBand, "no commit deployed to production in the window"
	}
	return durationBand(time.Duration(*median), day, week, month)
}

// recoveryBand: elite < 1 hour; high < 1 day; medium < 1 week; low
// otherwise. The report gives "< 1 day" for both high and medium and
// nothing between 1 day and 1 week; see doc.go.
func recoveryBand(median *Duration, failures int) (Band, string) {
	if median == nil {
		if failures == 0 {
			return NoBand, "no failed deployment in the window"
		}
		return NoBand, "no failed deployment has recovered yet"
	}
	b, note := durationBand(time.Duration(*median), time.Hour, day, week)
	if b == High {
		note += "; the 2024 report gives < 1 day for medium too, skiff reports the better band"
	}
	return b, note
}

func durationBand(d, elite, high, medium time.Duration) (Band, string) {
	switch {
	case d < elite:
		return Elite, "< " + humanLimit(elite)
	case d < high:
		return High, humanLimit(elite) + " – " + humanLimit(high)
	case d < medium:
		return Medium, humanLimit(high) + " – " + humanLimit(medium)
	default:
		return Low, "≥ " + humanLimit(medium)
	}
}

func humanLimit(d time.Duration) string {
	switch d {
	case time.Hour:
		return "1 hour"
	case day:
		return "1 day"
	case week:
		return "1 week"
	case month:
		return "1 month"
	}
	return humanDuration(d)
}

// changeFailBand: elite ≤ 5%; high ≤ 20%; medium < 40%; low ≥ 40%. The
// 2024 report's medium cluster sits at 10%, below high's 20%: bands are
// kept in order and a rate of 10% reads as high, with a note.
func changeFailBand(r *float64) (Band, string) {
	if r == nil {
		return NoBand, "no production deployment in the window"
	}
	switch v := *r; {
	case v <= 0.05:
		return Elite, "≤ 5%"
	case v <= 0.20:
		note := "≤ 20%"
		if v >= 0.05 && v <= 0.15 {
			note += " (the 2024 medium cluster's typical rate is 10%, below high's 20%; bands are kept in order)"
		}
		return High, note
	case v < 0.40:
		return Medium, "20% – 40% (the report's medium value, 10%, is out of order; see doc.go)"
	default:
		return Low, "≥ 40%"
	}
}

// reworkNote is said wherever rework rate's band would be.
const reworkNote = "no published bands: the DORA 2024 report added rework rate without performance clusters for it"
