package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"
)

// Result is what one scenario measured (mixed gives two: its readers and
// its writer).
type Result struct {
	Scenario string
	Unit     string        // what Ops counts per second: "records/s" or "req/s"
	Ops      int64         // records written, or requests answered 2xx
	Requests int64         // requests that got an answer or failed in transit
	Errors   int64         // non-2xx answers and failed requests
	Elapsed  time.Duration // from the first request to the last answer
	P50, P99 time.Duration // latency of the 2xx answers (per batch for writes)
	Mem      *Mem          // the server's memory after the scenario; nil without Config.PID
	Note     string        // anything the numbers alone do not say
}

// Rate is Ops per second of Elapsed.
func (r Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops) / r.Elapsed.Seconds()
}

// Mem is a process's resident memory in bytes, as /proc/PID/status shows it.
type Mem struct {
	RSS  int64 // VmRSS: resident now
	Peak int64 // VmHWM: the high-water mark since the process started
}

// ReadMem reads process pid's memory from /proc (Linux only).
func ReadMem(pid int) (Mem, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return Mem{}, fmt.Errorf("read memory of process %d: %w", pid, err)
	}
	m, err := parseStatus(b)
	if err != nil {
		return Mem{}, fmt.Errorf("read memory of process %d: %w", pid, err)
	}
	return m, nil
}

// parseStatus reads VmRSS and VmHWM ("VmHWM:\t  123456 kB") from the text
// of /proc/PID/status.
func parseStatus(b []byte) (Mem, error) {
	var m Mem
	var seen int
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, rest, ok := bytes.Cut(sc.Bytes(), []byte(":"))
		if !ok {
			continue
		}
		var dst *int64
		switch string(name) {
		case "VmRSS":
			dst = &m.RSS
		case "VmHWM":
			dst = &m.Peak
		default:
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || string(f[1]) != "kB" {
			return Mem{}, fmt.Errorf("unexpected %s line %q", name, sc.Bytes())
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return Mem{}, fmt.Errorf("unexpected %s line %q", name, sc.Bytes())
		}
		*dst = kb << 10
		seen++
	}
	if seen != 2 {
		return Mem{}, fmt.Errorf("no VmRSS and VmHWM lines (is it a kernel thread?)")
	}
	return m, nil
}

// WriteTable prints results as an aligned table, then their notes.
func WriteTable(w io.Writer, results []Result) error {
	withMem := slices.ContainsFunc(results, func(r Result) bool { return r.Mem != nil })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "scenario\tops\tunit\tcount\telapsed\tp50\tp99\terrors"
	if withMem {
		head += "\trss\tpeak rss"
	}
	fmt.Fprintln(tw, head)
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%d", r.Scenario, formatRate(r.Rate()), r.Unit, r.Ops,
			formatDuration(r.Elapsed), formatDuration(r.P50), formatDuration(r.P99), r.Errors)
		switch {
		case !withMem:
		case r.Mem != nil:
			fmt.Fprintf(tw, "\t%s\t%s", formatBytes(r.Mem.RSS), formatBytes(r.Mem.Peak))
		default:
			fmt.Fprint(tw, "\t-\t-")
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range results {
		if r.Note != "" {
			if _, err := fmt.Fprintf(w, "%s: %s\n", r.Scenario, r.Note); err != nil {
				return err
			}
		}
	}
	return nil
}

func formatRate(x float64) string {
	if x >= 100 {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strconv.FormatFloat(x, 'f', 1, 64)
}

// formatDuration prints three significant digits: 812µs, 12.3ms, 1.25s.
func formatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Microsecond), 'f', 0, 64) + "µs"
	case d < 10*time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + "ms"
	case d < 100*time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + "ms"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 0, 64) + "ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
}

func formatBytes(n int64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
}

// percentile returns the perMille/1000 quantile of sorted by the
// nearest-rank method (the smallest sample with at least that share of
// samples at or below it); 0 for no samples. Integer arithmetic keeps 99%
// of 100 samples at rank 99 exactly.
func percentile(sorted []time.Duration, perMille int) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := (n*perMille + 999) / 1000
	return sorted[min(max(rank, 1), n)-1]
}
