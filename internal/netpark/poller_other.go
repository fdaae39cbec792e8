//go:build !linux

package netpark

import "errors"

// poller is missing where there is no epoll: Listen returns its listener
// as it is, and no Conn is ever made.
type poller struct{}

func sharedPoller() (*poller, error) { return nil, errors.New("parking needs epoll (Linux)") }

func (p *poller) add(*Conn) error { return errors.New("no poller") }

func (p *poller) remove(*Conn) {}
