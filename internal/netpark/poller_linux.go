//go:build linux

package netpark

import (
	"fmt"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// poller is the process's epoll set of parked connections and the
// goroutine that waits on it.
type poller struct {
	epfd int
	file *os.File // epfd, kept open

	mu    sync.Mutex // guards conns
	conns map[int32]*Conn
}

var (
	shared     *poller
	sharedErr  error
	sharedOnce sync.Once
)

// sharedPoller returns the process's poller, starting it at the first call.
// The epoll set is itself waited on through Go's network poller (an epoll
// descriptor is readable while it holds events), so the goroutine that
// resumes parked connections is woken like any network read and never
// holds a thread in a blocking system call.
func sharedPoller() (*poller, error) {
	sharedOnce.Do(func() {
		fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			sharedErr = fmt.Errorf("epoll: %w", err)
			return
		}
		if err := unix.SetNonblock(fd, true); err != nil {
			_ = unix.Close(fd)
			sharedErr = fmt.Errorf("epoll: %w", err)
			return
		}
		f := os.NewFile(uintptr(fd), "netpark-epoll")
		rc, err := f.SyscallConn()
		if err != nil {
			_ = f.Close()
			sharedErr = fmt.Errorf("epoll: %w", err)
			return
		}
		shared = &poller{epfd: fd, file: f, conns: map[int32]*Conn{}}
		go shared.wait(rc)
	})
	return shared, sharedErr
}

// add puts c in the set for good, edge-triggered: epoll tells each
// arrival of data, and the peer's hang-up, once, whether or not the loop is
// parked then (see Conn.wake), and no call is needed per park; c.mu is
// held.
func (p *poller) add(c *Conn) error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(c.fd)}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
		return err
	}
	c.registered = true
	p.conns[int32(c.fd)] = c
	return nil
}

// remove takes c out of the set while its descriptor is still open; c.mu
// is held.
func (p *poller) remove(c *Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
	if p.conns[int32(c.fd)] == c {
		delete(p.conns, int32(c.fd))
	}
}

// wait resumes the connections epoll reports, forever. A spurious wake is
// harmless: the read loop polls, finds nothing and parks again.
func (p *poller) wait(rc syscall.RawConn) {
	events := make([]unix.EpollEvent, 256)
	ready := make([]*Conn, 0, len(events))
	var n int
	poll := func(fd uintptr) bool {
		var err error
		n, err = unix.EpollWait(int(fd), events, 0)
		return err != nil || n > 0 // else wait until the set is readable
	}
	for {
		err := rc.Read(poll)
		if err != nil {
			return // the file was closed: not while the process runs
		}
		p.mu.Lock()
		for _, ev := range events[:n] {
			if c := p.conns[ev.Fd]; c != nil {
				ready = append(ready, c)
			}
		}
		p.mu.Unlock()
		for i, c := range ready {
			c.wake()
			ready[i] = nil
		}
		ready = ready[:0]
	}
}
