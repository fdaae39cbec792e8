package deadline_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/deadline"
)

type key struct{}

// waitDone fails unless ctx's Done closes within 5 s.
func waitDone(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal(what)
	}
}

// TestWithBehavesAsWithDeadline: Deadline, Err, Done, Value and cancel
// answer as context.WithDeadline's would, whether or not Done was asked
// for.
func TestWithBehavesAsWithDeadline(t *testing.T) {
	for _, armed := range []bool{false, true} {
		name := map[bool]string{false: "unarmed", true: "armed"}[armed]
		t.Run(name+"/deadline passes", func(t *testing.T) {
			parent := context.WithValue(context.Background(), key{}, "v")
			at := time.Now().Add(30 * time.Millisecond)
			ctx, cancel := deadline.With(parent, at)
			defer cancel()
			if dl, ok := ctx.Deadline(); !ok || !dl.Equal(at) {
				t.Fatalf("Deadline = %v, %v; want %v, true", dl, ok, at)
			}
			if ctx.Value(key{}) != "v" {
				t.Fatal("the parent's value is lost")
			}
			if armed {
				_ = ctx.Done()
			}
			if err := ctx.Err(); err != nil {
				t.Fatalf("Err before the deadline = %v", err)
			}
			if armed {
				waitDone(t, ctx, "Done not closed at the deadline")
			} else {
				time.Sleep(40 * time.Millisecond)
			}
			if err := ctx.Err(); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Err after the deadline = %v, want DeadlineExceeded", err)
			}
			// Asked for only now, Done is closed already.
			waitDone(t, ctx, "Done asked for after the deadline is not closed")
		})
		t.Run(name+"/cancel", func(t *testing.T) {
			ctx, cancel := deadline.Timeout(context.Background(), time.Hour)
			if armed {
				_ = ctx.Done()
			}
			cancel()
			cancel() // twice is harmless
			if err := ctx.Err(); !errors.Is(err, context.Canceled) {
				t.Fatalf("Err after cancel = %v, want Canceled", err)
			}
			select {
			case <-ctx.Done():
			default:
				t.Fatal("Done not closed after cancel")
			}
		})
		t.Run(name+"/parent ends", func(t *testing.T) {
			parent, pcancel := context.WithCancel(context.Background())
			ctx, cancel := deadline.Timeout(parent, time.Hour)
			defer cancel()
			if armed {
				_ = ctx.Done()
			}
			pcancel()
			if err := ctx.Err(); !errors.Is(err, context.Canceled) {
				t.Fatalf("Err after the parent's cancel = %v, want Canceled", err)
			}
			waitDone(t, ctx, "Done not closed after the parent's cancel")
		})
	}
}

// TestWithEarlierParent: a parent that ends first keeps its deadline.
func TestWithEarlierParent(t *testing.T) {
	pat := time.Now().Add(time.Minute)
	parent, pcancel := context.WithDeadline(context.Background(), pat)
	defer pcancel()
	ctx, cancel := deadline.With(parent, pat.Add(time.Hour))
	defer cancel()
	if dl, _ := ctx.Deadline(); !dl.Equal(pat) {
		t.Fatalf("Deadline = %v, want the parent's %v", dl, pat)
	}
}

// TestChildContextEndsAtDeadline: a context made from one (as a store
// read makes its own) ends at the deadline.
func TestChildContextEndsAtDeadline(t *testing.T) {
	ctx, cancel := deadline.Timeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	child, ccancel := context.WithCancel(context.WithValue(ctx, key{}, 1))
	defer ccancel()
	waitDone(t, child, "a child context outlived the deadline")
	if err := child.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("child Err = %v, want DeadlineExceeded", err)
	}
}

// TestNoTimerUntilDone: a deadline that is only read costs two
// allocations (the context and its cancel), against context.WithTimeout's
// four (context, timer, and its registration with the parent).
func TestNoTimerUntilDone(t *testing.T) {
	parent, pcancel := context.WithCancel(context.Background())
	defer pcancel()
	lazy := testing.AllocsPerRun(200, func() {
		ctx, cancel := deadline.Timeout(parent, time.Minute)
		_, _ = ctx.Deadline()
		_ = ctx.Err()
		_ = ctx.Value(key{})
		cancel()
	})
	std := testing.AllocsPerRun(200, func() {
		ctx, cancel := context.WithTimeout(parent, time.Minute)
		_, _ = ctx.Deadline()
		_ = ctx.Err()
		cancel()
	})
	if lazy > 2 || lazy >= std {
		t.Fatalf("allocations: deadline.Timeout %.0f, context.WithTimeout %.0f; want at most 2 and fewer", lazy, std)
	}
}

// TestConcurrentUse: Done, Err, Value and cancel from several goroutines
// (run with -race).
func TestConcurrentUse(t *testing.T) {
	ctx, cancel := deadline.Timeout(context.Background(), 5*time.Millisecond)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				switch i % 3 {
				case 0:
					_ = ctx.Err()
				case 1:
					_ = ctx.Value(key{})
				default:
					select {
					case <-ctx.Done():
					default:
					}
				}
			}
		}()
	}
	cancel()
	wg.Wait()
	<-ctx.Done()
}
