package attendees

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"golang.org/x/term"
)

// refresh is how often the live view redraws.
const refresh = 250 * time.Millisecond

// Show displays the board until done closes: a live line per stack when out
// is a terminal (Bubble Tea redraws them in place), otherwise a plain line
// whenever a stack changes phase.
func Show(out io.Writer, board *Board, title string, done <-chan struct{}) {
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		// No input and no signal handler of its own: Ctrl-C stays a
		// SIGINT, which cancels the run gracefully.
		p := tea.NewProgram(liveModel{board: board, title: title, done: done, rows: board.Snapshot()},
			tea.WithOutput(out), tea.WithInput(nil), tea.WithoutSignalHandler())
		if _, err := p.Run(); err == nil {
			return
		}
	}
	plainLines(out, board, done, time.Second)
}

type liveModel struct {
	board *Board
	title string
	done  <-chan struct{}
	rows  []Row
}

type tickMsg struct{}

func tick() tea.Cmd { return tea.Tick(refresh, func(time.Time) tea.Msg { return tickMsg{} }) }

func (m liveModel) Init() tea.Cmd { return tick() }

func (m liveModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tickMsg); !ok {
		return m, nil
	}
	m.rows = m.board.Snapshot()
	select {
	case <-m.done:
		return m, tea.Quit
	default:
		return m, tick()
	}
}

func (m liveModel) View() string { return renderRows(m.title, m.rows) }

// renderRows is the live view: one line per stack with its phase (or
// result), resources done of the expected total, and time so far.
func renderRows(title string, rows []Row) string {
	var b strings.Builder
	b.WriteString(title + "\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "  %-20s %-26s %s %10s %7s\n", r.Stack, state(r), bar(r), count(r), r.Elapsed.Round(time.Second))
	}
	return b.String()
}

func state(r Row) string {
	if r.Result != "" {
		return r.Result
	}
	if r.Attempt > 1 && !strings.HasPrefix(r.Phase, PhaseRetrying) {
		return fmt.Sprintf("%s (try %d)", r.Phase, r.Attempt)
	}
	return r.Phase
}

// count is "done/total"; the total is what the stack holds or is expected
// to, raised to what the engine has announced when that is more.
func count(r Row) string {
	total := max(r.Total, r.Seen, r.Done)
	if total == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d", r.Done, total)
}

func bar(r Row) string {
	const width = 20
	total := max(r.Total, r.Seen, r.Done)
	filled := 0
	switch {
	case r.Result != "" && r.Result != ResultFailed && r.Result != ResultCancelled:
		filled = width
	case total > 0:
		filled = r.Done * width / total
	}
	return "[" + strings.Repeat("#", filled) + strings.Repeat(".", width-filled) + "]"
}

// plainLines prints a line whenever a stack's phase or result changes, for
// logs and pipes, where redrawing in place would print garbage.
func plainLines(out io.Writer, board *Board, done <-chan struct{}, every time.Duration) {
	last := map[string]string{}
	flush := func() {
		for _, r := range board.Snapshot() {
			s := state(r)
			if last[r.Stack] == s {
				continue
			}
			last[r.Stack] = s
			fmt.Fprintf(out, "%s %-20s %-26s %10s %7s\n", time.Now().Format("15:04:05"), r.Stack, s, count(r), r.Elapsed.Round(time.Second))
		}
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-done:
			flush()
			return
		case <-t.C:
			flush()
		}
	}
}
