package attendees

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is how one stack ended.
type Result struct {
	Stack    string  `json:"stack"`
	Email    string  `json:"email,omitempty"`
	Platform bool    `json:"platform,omitempty"`
	Result   string  `json:"result"`
	Phase    string  `json:"phase,omitempty"`
	Changes  Changes `json:"changes,omitempty"`
	// Duration is how long the operation ran.
	Duration        time.Duration `json:"-"`
	Seconds         float64       `json:"seconds"`
	Attempts        int           `json:"attempts"`
	AppURL          string        `json:"appUrl,omitempty"`
	SpinnakerTunnel string        `json:"spinnakerTunnel,omitempty"`
	Resources       int           `json:"resources,omitempty"`
	LastUpdate      *Update       `json:"lastUpdate,omitempty"`
	Error           string        `json:"error,omitempty"`
	Log             string        `json:"log,omitempty"`
	// Outputs are the stack's outputs, secrets revealed, for the handouts;
	// they print only with `outputs`.
	Outputs Outputs `json:"-"`
}

// Report is a whole run.
type Report struct {
	Op        Op            `json:"op"`
	Duration  time.Duration `json:"-"`
	Seconds   float64       `json:"seconds"`
	Cancelled bool          `json:"cancelled"`
	Results   []Result      `json:"results"`
	// Unlisted are stacks of the project the roster does not name; the
	// runner never touches them.
	Unlisted []string `json:"unlisted,omitempty"`
}

// Failed counts the stacks that did not end as asked.
func (r *Report) Failed() int {
	n := 0
	for _, res := range r.Results {
		switch res.Result {
		case ResultOK, ResultUnchanged, ResultAbsent:
		default:
			n++
		}
	}
	return n
}

// PrintTable writes the final table: stack, result, app URL, Spinnaker
// tunnel, duration, then every error on its own line.
func (r *Report) PrintTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ATTENDEE\tRESULT\tCHANGES\tAPP URL\tSPINNAKER TUNNEL\tDURATION")
	for _, res := range r.Results {
		name := res.Stack
		if res.Platform {
			name += " (platform)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", name, res.Result, res.Changes, orDash(res.AppURL),
			orDash(shorten(res.SpinnakerTunnel, 60)), res.Duration.Round(time.Second))
	}
	tw.Flush()
	for _, res := range r.Results {
		if res.Error != "" {
			fmt.Fprintf(w, "%s: %s\n", res.Stack, firstLines(res.Error, 6))
			if res.Log != "" {
				fmt.Fprintf(w, "%s: log %s\n", res.Stack, res.Log)
			}
		}
	}
	if len(r.Unlisted) > 0 {
		fmt.Fprintf(w, "left alone (not in the roster): %s\n", strings.Join(r.Unlisted, ", "))
	}
	fmt.Fprintf(w, "%s: %d stacks, %d not as asked, %s%s\n", r.Op, len(r.Results), r.Failed(),
		r.Duration.Round(time.Second), map[bool]string{true: ", interrupted"}[r.Cancelled])
}

// PrintStates says, after an interrupt, which stacks are in what state and
// what to do about it.
func (r *Report) PrintStates(w io.Writer) {
	fmt.Fprintln(w, "interrupted; where every stack is:")
	for _, res := range r.Results {
		fmt.Fprintf(w, "  %-20s %s\n", res.Stack, stateAdvice(r.Op, res))
	}
}

func stateAdvice(op Op, res Result) string {
	switch res.Result {
	case ResultCancelled:
		return fmt.Sprintf("cancelled while %s: the engine stopped after its in-flight steps; run %s again to finish (pending operations, if any, are listed by `pulumi stack --stack %s`)", res.Phase, op, res.Stack)
	case ResultNotStarted:
		return "not started: untouched"
	}
	return res.Result
}

// WriteJSON writes the report for machines; secret outputs are left out.
func (r *Report) WriteJSON(w io.Writer, withOutputs bool) error {
	type jsonResult struct {
		Result
		Outputs map[string]any `json:"outputs,omitempty"`
	}
	out := struct {
		*Report
		Results []jsonResult `json:"results"`
	}{Report: r}
	r.Seconds = r.Duration.Seconds()
	for _, res := range r.Results {
		res.Seconds = res.Duration.Seconds()
		jr := jsonResult{Result: res}
		if withOutputs {
			jr.Outputs = publicOutputs(res.Outputs)
		}
		out.Results = append(out.Results, jr)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// publicOutputs are the outputs with secret values masked as the CLI does.
func publicOutputs(outs Outputs) map[string]any {
	if outs == nil {
		return nil
	}
	m := map[string]any{}
	for k, o := range outs {
		if o.Secret {
			m[k] = "[secret]"
		} else {
			m[k] = o.Value
		}
	}
	return m
}

// PrintOutputs writes every stack's outputs, secrets masked, one per line.
func (r *Report) PrintOutputs(w io.Writer) {
	for _, res := range r.Results {
		outs := publicOutputs(res.Outputs)
		keys := make([]string, 0, len(outs))
		for k := range outs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := outs[k]
			if s, ok := v.(string); ok {
				fmt.Fprintf(w, "%s\t%s\t%s\n", res.Stack, k, s)
				continue
			}
			b, _ := json.Marshal(v)
			fmt.Fprintf(w, "%s\t%s\t%s\n", res.Stack, k, b)
		}
	}
}

// String prints changes as "+3 ~1 -2 =40".
func (c Changes) String() string {
	if len(c) == 0 {
		return "-"
	}
	var parts []string
	for _, k := range []struct{ op, sign string }{{"create", "+"}, {"update", "~"}, {"replace", "+-"}, {"delete", "-"}, {"same", "="}} {
		if n := c[k.op]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s%d", k.sign, n))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = append(lines[:n], fmt.Sprintf("... (%d more lines in the log)", len(lines)-n))
	}
	return strings.Join(lines, "\n  ")
}
