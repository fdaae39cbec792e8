package workers_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/chargebooth/chargebooth/internal/workers"
)

// goroutineID is the number runtime.Stack prints for the calling goroutine.
func goroutineID() string {
	b := make([]byte, 64)
	b = b[:runtime.Stack(b, false)]
	// "goroutine 18 [running]:..."
	for i := len("goroutine "); i < len(b); i++ {
		if b[i] == ' ' {
			return string(b[len("goroutine "):i])
		}
	}
	return string(b)
}

// waitForIdleWorker waits until a worker goroutine is blocked waiting for
// work (its stack in the pool's select).
func waitForIdleWorker(t *testing.T) {
	t.Helper()
	testkit.CheckFor(t, 5*time.Second, func() error {
		b := make([]byte, 1<<20)
		b = b[:runtime.Stack(b, true)]
		for _, g := range strings.Split(string(b), "\n\n") {
			if strings.Contains(g, "[select") && strings.Contains(g, "workers.(*Pool).worker") {
				return nil
			}
		}
		return fmt.Errorf("no worker waiting for work")
	})
}

func TestRunWaitsForTheWorkOnAnotherGoroutine(t *testing.T) {
	p := workers.New(4, time.Minute)
	var ran, on string
	j := workers.NewJob(func() {
		time.Sleep(10 * time.Millisecond)
		ran, on = "yes", goroutineID()
	})
	p.Run(j)
	if ran != "yes" {
		t.Fatal("Run returned before the job ran")
	}
	if on == goroutineID() {
		t.Fatal("the job ran on the caller's goroutine")
	}
	if n := p.Workers(); n != 1 {
		t.Fatalf("Workers = %d after one Run, want 1", n)
	}
	// The same worker takes the next job once it waits for one: no new
	// goroutine per Run. (Right after Run returns the worker may not be
	// waiting yet, and a Run then starts a second one: by design, not
	// what this checks.)
	first := on
	waitForIdleWorker(t)
	p.Run(j)
	if on != first || p.Workers() != 1 {
		t.Fatalf("second Run on goroutine %s (first %s), %d workers; want the idle worker re-used", on, first, p.Workers())
	}
}

func TestNoMoreThanMaxRunAtOnce(t *testing.T) {
	const max, callers = 3, 12
	p := workers.New(max, time.Minute)
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j := workers.NewJob(func() {
				n := running.Add(1)
				for {
					m := peak.Load()
					if n <= m || peak.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(5 * time.Millisecond)
				running.Add(-1)
			})
			for range 5 {
				p.Run(j)
			}
		}()
	}
	wg.Wait()
	if got := peak.Load(); got > max {
		t.Fatalf("%d jobs ran at once, want at most %d", got, max)
	}
	if got := peak.Load(); got < 2 {
		t.Fatalf("at most %d job ran at once with %d callers, want the pool to run them side by side", got, callers)
	}
	if n := p.Workers(); n > max {
		t.Fatalf("Workers = %d, want at most %d", n, max)
	}
}

func TestIdleWorkersEndAndNewOnesStart(t *testing.T) {
	p := workers.New(1, 20*time.Millisecond)
	j := workers.NewJob(func() {})
	p.Run(j)
	testkit.CheckFor(t, 5*time.Second, func() error {
		if n := p.Workers(); n != 0 {
			return fmt.Errorf("Workers = %d long after the idle time, want 0", n)
		}
		return nil
	})
	// With its only worker gone the pool starts another.
	done := make(chan struct{})
	go func() { p.Run(j); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the pool's worker ended idle")
	}
}

// A caller that found every worker busy just as the last one ended idle
// must not wait for ever: with one worker ending after every job, runs
// from several callers all finish.
func TestBusyCallersSurviveWorkersEnding(t *testing.T) {
	p := workers.New(1, time.Nanosecond)
	var wg sync.WaitGroup
	var n atomic.Int32
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j := workers.NewJob(func() { n.Add(1) })
			for range 50 {
				p.Run(j)
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("runs stuck after %d of 200 jobs", n.Load())
	}
}

// cpuTime is the process's user and system time so far.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Callers waiting for a worker are parked, not polling: 2,000 of them
// behind one busy worker use next to no CPU. (Looking again every 10 ms,
// they used 189 ms of CPU in these 500 ms; at 8,000 chargers behind a
// slow store, both cores.)
func TestWaitingCallersUseNoCPU(t *testing.T) {
	const callers = 2000
	p := workers.New(1, time.Minute)
	release := make(chan struct{})
	started := make(chan struct{})
	go p.Run(workers.NewJob(func() { close(started); <-release }))
	<-started
	var wg sync.WaitGroup
	var ran atomic.Int32
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.Run(workers.NewJob(func() { ran.Add(1) }))
		}()
	}
	time.Sleep(100 * time.Millisecond) // the callers reach their wait
	before := cpuTime(t)
	const wait = 500 * time.Millisecond
	time.Sleep(wait)
	used := cpuTime(t) - before
	close(release)
	wg.Wait()
	t.Logf("%d callers waiting %s used %s of CPU", callers, wait, used)
	if used > wait/20 {
		t.Fatalf("%d waiting callers used %s of CPU in %s, want under %s: they poll", callers, used, wait, wait/20)
	}
	if n := ran.Load(); n != callers {
		t.Fatalf("%d of %d waiting jobs ran", n, callers)
	}
}

func TestRunAllocatesNothing(t *testing.T) {
	p := workers.New(2, time.Minute)
	j := workers.NewJob(func() {})
	p.Run(j) // the worker starts
	if a := testing.AllocsPerRun(200, func() { p.Run(j) }); a != 0 {
		t.Fatalf("Run allocates %v times, want 0", a)
	}
}
