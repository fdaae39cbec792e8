package workers_test

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/chargebooth/chargebooth/internal/workers"
)

// waitForWaiting waits until n of s's goroutines wait for a function.
func waitForWaiting(t *testing.T, s *workers.Starter, n int) {
	t.Helper()
	testkit.CheckFor(t, 5*time.Second, func() error {
		if got := s.Waiting(); got != n {
			return fmt.Errorf("%d goroutines waiting, want %d", got, n)
		}
		return nil
	})
}

// A goroutine that ran a function and waits runs the next one: no new
// goroutine (and no new stack to grow) per function.
func TestStarterReusesAWaitingGoroutine(t *testing.T) {
	s := workers.NewStarter(1)
	ids := make(chan string, 2)
	f := func() { ids <- goroutineID() }
	s.Go(f)
	first := <-ids
	waitForWaiting(t, s, 1)
	s.Go(f)
	if second := <-ids; second != first {
		t.Fatalf("second function ran on goroutine %s, want %s (the one waiting)", second, first)
	}
}

// Go never waits: with every goroutine busy it starts another, and the
// functions run side by side.
func TestStarterNeverWaits(t *testing.T) {
	s := workers.NewStarter(0)
	const n = 10
	release := make(chan struct{})
	var running atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		s.Go(func() { defer wg.Done(); running.Add(1); <-release })
	}
	testkit.CheckFor(t, 5*time.Second, func() error {
		if r := running.Load(); r != n {
			return fmt.Errorf("%d of %d functions running", r, n)
		}
		return nil
	})
	close(release)
	wg.Wait()
}

// At most keep goroutines wait once the functions are done; the others end.
func TestStarterKeepsAtMostKeep(t *testing.T) {
	const keep, n = 3, 20
	before := runtime.NumGoroutine()
	s := workers.NewStarter(keep)
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		s.Go(func() { defer wg.Done(); <-release })
	}
	close(release)
	wg.Wait()
	waitForWaiting(t, s, keep)
	testkit.CheckFor(t, 5*time.Second, func() error {
		if got := runtime.NumGoroutine() - before; got != keep {
			return fmt.Errorf("%d goroutines left, want the %d kept", got, keep)
		}
		return nil
	})
}
