package harness

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is one running server; its last lines of output are kept for
// error messages.
type Process struct {
	Name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	tail *tailBuffer
}

// Start runs bin with args; output goes to log and to the kept tail.
func Start(ctx context.Context, name, bin string, args []string, log io.Writer) (*Process, error) {
	if bin == "" {
		return nil, fmt.Errorf("%s: no binary given", name)
	}
	p := &Process{Name: name, done: make(chan struct{}), tail: &tailBuffer{max: 40}}
	p.cmd = exec.Command(bin, args...)
	out := io.MultiWriter(p.tail, prefixed(log, name))
	p.cmd.Stdout, p.cmd.Stderr = out, out
	// Its own process group, so Stop reaches anything it starts.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	go func() {
		select {
		case <-ctx.Done():
			p.Stop()
		case <-p.done:
		}
	}()
	return p, nil
}

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err is how the process exited, once Done is closed.
func (p *Process) Err() error { return p.err }

// Tail is the last lines the process printed.
func (p *Process) Tail() string { return p.tail.String() }

// Stop asks the process to end, and kills it after five seconds.
func (p *Process) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

type tailBuffer struct {
	mu    sync.Mutex
	max   int
	lines []string
	part  string
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	parts := strings.Split(b.part+string(p), "\n")
	b.part = parts[len(parts)-1]
	b.lines = append(b.lines, parts[:len(parts)-1]...)
	if len(b.lines) > b.max {
		b.lines = b.lines[len(b.lines)-b.max:]
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(append(append([]string(nil), b.lines...), b.part), "\n")
}

type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	part   []byte
}

func prefixed(w io.Writer, name string) io.Writer {
	if w == nil || w == io.Discard {
		return io.Discard
	}
	return &prefixWriter{w: w, prefix: "[" + name + "] "}
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.part = append(p.part, b...)
	for {
		i := strings.IndexByte(string(p.part), '\n')
		if i < 0 {
			return len(b), nil
		}
		if _, err := fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.part[:i]); err != nil {
			return len(b), err
		}
		p.part = p.part[i+1:]
	}
}
