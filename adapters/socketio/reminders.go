package socketio

import (
	"context"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// reminderAnswer is the reminder protocol's acknowledgement.
type reminderAnswer struct {
	Status   string `json:"status"`
	Response any    `json:"response,omitempty"`
	Error    string `json:"error,omitempty"`
}

func reminderFailure(msg string) reminderAnswer { return reminderAnswer{Status: "failure", Error: msg} }

// reminderCommand answers one emit('command', …) of the reminder protocol.
func (s *Server) reminderCommand(c *conn, arg any) reminderAnswer {
	cmd, fail := parseReminder(arg)
	if fail != "" {
		return reminderFailure(fail)
	}
	switch cmd.name {
	case "getAllTimeZones":
		return reminderAnswer{Status: "success", Response: TimeZones()}
	case "scheduleEvent":
		return s.scheduleEvent(c, cmd)
	}
	return reminderFailure(failUnrecognized)
}

// scheduleEvent schedules a durable notice at the command's local time.
func (s *Server) scheduleEvent(c *conn, cmd reminderCommand) reminderAnswer {
	now := s.now()
	at, fail := reminderTime(cmd.time, cmd.timeZone, now)
	if fail != "" {
		return reminderFailure(fail)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ctx = domain.WithActor(ctx, c.cred.actor)
	local := at.Format(reminderLayout)
	events, err := s.cfg.Service.OnNotices(ctx, func(n *domain.Notices, x domain.Ctx) ([]domain.Event, error) {
		return n.Schedule(x, local, cmd.timeZone, cmd.eventName, loadZone)
	})
	if err != nil {
		msg := domain.ErrorMessage(err)
		if domain.ErrorCode(err) == domain.CodeInternal {
			s.log.Warn("socket.io scheduleEvent", "err", err)
			msg = "The reminder could not be stored; try again."
		}
		return reminderFailure(msg)
	}
	for _, e := range events {
		d, ok := e.Data.(domain.NoticeScheduled)
		if !ok {
			continue
		}
		if s.cfg.WaitApplied != nil {
			wctx, wcancel := context.WithTimeout(ctx, 2*time.Second)
			_ = s.cfg.WaitApplied(wctx, e.Seq)
			wcancel()
		}
		return reminderAnswer{Status: "success", Response: reminder{Name: d.Text, Time: d.At.UTC().Format(isoMillis), ID: d.NoticeID}}
	}
	return reminderFailure("The reminder could not be stored; try again.")
}
