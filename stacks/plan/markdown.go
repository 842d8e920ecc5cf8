package plan

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

// GitHub refuses comments over 65,536 characters; DefaultBudget leaves room
// for the workflow's heading and other stacks' summaries.
const DefaultBudget = 60000

// Limits that keep one resource from crowding out the others.
const (
	maxValueChars      = 240
	maxInputsPerChange = 40
	maxChangedLines    = 30
	maxRunLines        = 50
	// maxLineDiffCells bounds the line diff's table (about 32 MB).
	maxLineDiffCells = 4_000_000
)

// DiffMarkdown renders changes as GitHub Markdown: a summary line by kind
// and type, the cost change, then the resources, replacements first. It
// stays within budget characters, leaving out whole resources and saying
// which.
func DiffMarkdown(stack string, changes []Change, costLine string, warnings []string, budget int) string {
	var head strings.Builder
	head.WriteString(summaryLine(stack, changes) + "\n\n")
	if costLine != "" {
		head.WriteString(costLine + "\n\n")
	}
	for _, w := range warnings {
		head.WriteString("> :warning: " + w + "\n\n")
	}
	blocks := changeBlocks(changes)
	size := head.Len()
	for _, b := range blocks {
		size += len(b.text)
	}
	if size <= budget {
		return head.String() + joinBlocks(blocks)
	}
	// Too long: show what fits beside a note of what is left out, dropping
	// blocks until the note fits too.
	shown, size := 0, head.Len()
	for shown < len(blocks) && size+len(blocks[shown].text)+trimNoteReserve <= budget {
		size += len(blocks[shown].text)
		shown++
	}
	for {
		note := trimNote(stack, blocks[shown:])
		if size+len(note) <= budget || shown == 0 {
			return head.String() + joinBlocks(blocks[:shown]) + note
		}
		shown--
		size -= len(blocks[shown].text)
	}
}

func joinBlocks(blocks []block) string {
	var b strings.Builder
	for _, bl := range blocks {
		b.WriteString(bl.text)
	}
	return b.String()
}

// block is one fenced diff block and the changes it shows.
type block struct {
	text    string
	changes []Change
}

// changeBlocks gives each replaced or changed resource a block; resources
// added or removed share one block per run of the same kind, a line each.
// Long runs are split so that trimming can stop between them.
func changeBlocks(changes []Change) []block {
	var out []block
	var run []Change
	flush := func() {
		if len(run) > 0 {
			var lines strings.Builder
			for _, c := range run {
				lines.WriteString(changeHeader(c) + "\n")
			}
			out = append(out, block{fenced(lines.String()), run})
			run = nil
		}
	}
	for _, c := range changes {
		if c.Kind != Added && c.Kind != Removed {
			flush()
			out = append(out, block{changeBlock(c), []Change{c}})
			continue
		}
		if len(run) > 0 && (run[0].Kind != c.Kind || len(run) == maxRunLines) {
			flush()
		}
		run = append(run, c)
	}
	flush()
	return out
}

// trimNoteReserve is room kept for the trim note, which lists at most five
// types of each kind.
const trimNoteReserve = 1200

// summaryLine is "**dev**: +1 to add · ~2 to change · ±1 to replace · −0 to
// remove", each count followed by its types.
func summaryLine(stack string, changes []Change) string {
	if len(changes) == 0 {
		return fmt.Sprintf("**`%s`**: no changes", stack)
	}
	symbols := map[Kind]string{Added: "+", Changed: "~", Replaced: "±", Removed: "−"}
	var parts []string
	for _, k := range []Kind{Added, Changed, Replaced, Removed} {
		byType := countByType(changes, k)
		n := 0
		for _, c := range byType {
			n += c.n
		}
		part := fmt.Sprintf("**%s%d to %s**", symbols[k], n, k)
		if n > 0 {
			part += " (" + typeList(byType, len(byType)) + ")"
		}
		parts = append(parts, part)
	}
	return fmt.Sprintf("**`%s`**: %s", stack, strings.Join(parts, " · "))
}

type typeCount struct {
	typ string
	n   int
}

func countByType(changes []Change, k Kind) []typeCount {
	counts := map[string]int{}
	for _, c := range changes {
		if c.Kind == k {
			counts[c.Type]++
		}
	}
	out := make([]typeCount, 0, len(counts))
	for t, n := range counts {
		out = append(out, typeCount{t, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].n != out[j].n {
			return out[i].n > out[j].n
		}
		return out[i].typ < out[j].typ
	})
	return out
}

func typeList(counts []typeCount, max int) string {
	var parts []string
	for i, c := range counts {
		if i == max {
			parts = append(parts, fmt.Sprintf("%d more types", len(counts)-max))
			break
		}
		parts = append(parts, fmt.Sprintf("`%s` %d", c.typ, c.n))
	}
	return strings.Join(parts, ", ")
}

// changeHeader is a resource's line: its kind, type and name.
func changeHeader(c Change) string {
	header := fmt.Sprintf("%s %s %s", map[Kind]string{Added: "+", Changed: "~", Replaced: "!", Removed: "-"}[c.Kind], c.Type, c.Name)
	switch {
	case c.Kind == Removed && c.Protect:
		header += "   (protected: the update will fail until it is unprotected)"
	case c.Kind == Replaced:
		header += "   (replace: " + forcingPaths(c) + ")"
	}
	return header
}

// changeBlock is one resource as a diff block: "-" and "+" lines for each
// changed input, "# forces replacement" after an input that does.
func changeBlock(c Change) string {
	var body strings.Builder
	body.WriteString(changeHeader(c) + "\n")
	for i, in := range c.Inputs {
		if i == maxInputsPerChange {
			fmt.Fprintf(&body, "  … %d more inputs changed\n", len(c.Inputs)-i)
			break
		}
		body.WriteString(inputLines(in))
	}
	return fenced(body.String())
}

// fenced wraps text in a diff code block whose fence no backtick run inside
// can close.
func fenced(text string) string {
	fence := strings.Repeat("`", max(3, longestRun(text, '`')+1))
	return fence + "diff\n" + text + fence + "\n\n"
}

func forcingPaths(c Change) string {
	var paths []string
	for _, in := range c.Inputs {
		if in.Forces {
			paths = append(paths, in.Path.String())
		}
	}
	return strings.Join(paths, ", ") + " forces it"
}

func inputLines(in InputChange) string {
	mark := ""
	if in.Forces {
		mark = "  # forces replacement"
	}
	name := in.Path.String()
	if in.OldSet && in.NewSet {
		if lines, ok := multilineDiff(in.Old, in.New); ok {
			return "~ " + name + ":" + mark + "\n" + lines
		}
	}
	var b strings.Builder
	if in.OldSet {
		fmt.Fprintf(&b, "- %s: %s%s\n", name, render(in.Old), mark)
	}
	if in.NewSet {
		fmt.Fprintf(&b, "+ %s: %s%s\n", name, render(in.New), mark)
	}
	return b.String()
}

// render prints a value on one line, cut to maxValueChars.
func render(v any) string {
	var s string
	switch t := v.(type) {
	case string:
		if t == mockcloud.UnknownMarker {
			return "(known after apply)"
		}
		s = quote(t)
	default:
		s = compactJSON(v)
	}
	if utf8.RuneCountInString(s) > maxValueChars {
		r := []rune(s)
		s = string(r[:maxValueChars]) + fmt.Sprintf("… (%d more characters)", len(r)-maxValueChars)
	}
	return s
}

// multilineDiff shows two multi-line strings (scripts, config files) as the
// lines that differ.
func multilineDiff(a, b any) (string, bool) {
	as, okA := a.(string)
	bs, okB := b.(string)
	if !okA || !okB || (!strings.Contains(as, "\n") && !strings.Contains(bs, "\n")) {
		return "", false
	}
	al, bl := strings.Split(as, "\n"), strings.Split(bs, "\n")
	if len(al)*len(bl) > maxLineDiffCells {
		return "", false
	}
	ops := lineDiff(al, bl)
	var out strings.Builder
	shown := 0
	for _, op := range ops {
		if op.kind == ' ' {
			continue
		}
		if shown == maxChangedLines {
			out.WriteString("      … more lines changed\n")
			break
		}
		line := op.text
		if utf8.RuneCountInString(line) > maxValueChars {
			line = string([]rune(line)[:maxValueChars]) + "…"
		}
		fmt.Fprintf(&out, "%c     %s\n", op.kind, line)
		shown++
	}
	return out.String(), true
}

func longestRun(s string, r rune) int {
	longest, run := 0, 0
	for _, c := range s {
		if c == r {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// DependentsNote warns of resources that take inputs from replaced ones.
func DependentsNote(dependents []Change) string {
	if len(dependents) == 0 {
		return ""
	}
	return fmt.Sprintf("%d more resources take inputs from resources this change replaces, and may be replaced too "+
		"(`pulumi preview` knows): %s", len(dependents), typeList(countByType(dependents, Changed), 8))
}

// trimNote says what was left out and how to see it.
func trimNote(stack string, blocks []block) string {
	var left []Change
	for _, b := range blocks {
		left = append(left, b.changes...)
	}
	var parts []string
	for _, k := range []Kind{Replaced, Removed, Changed, Added} {
		counts := countByType(left, k)
		n := 0
		for _, c := range counts {
			n += c.n
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d to %s (%s)", n, k, typeList(counts, 5)))
		}
	}
	return fmt.Sprintf("> :scissors: **Trimmed** to stay under GitHub's comment limit: %d more resources not shown: %s. "+
		"The summary line above counts them all; for the full diff run `go run . plan --stack %s --diff <old plan>`.\n",
		len(left), strings.Join(parts, "; "), stack)
}
