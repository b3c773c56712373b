// Package client is the command line's side of the control API: a small typed HTTP client that
// dials the agent's unix socket.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"syscall"
	"time"

	"alarmd/agent/api"
	"alarmd/agent/history"
)

// ErrNotRunning means no agent answers on the socket.
var ErrNotRunning = errors.New("the agent is not running")

// APIError is an error answer from the agent.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string { return e.Message }

// Client talks to one agent.
type Client struct {
	socket string
	http   *http.Client
	// From is sent in api.FromHeader: where the changes this client asks for come from, for the
	// history ("cli" unless set otherwise).
	From string
}

// New returns a client for the agent listening on socket.
func New(socket string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
		DisableCompression: true,
		MaxIdleConns:       1,
	}
	return &Client{socket: socket, http: &http.Client{Transport: tr, Timeout: 15 * time.Second}, From: "cli"}
}

// CloseIdleConnections closes the connection kept alive after the last request, if any. A
// client that stays around after its requests calls it when it goes quiet: otherwise the
// agent wakes up 5 s later to time the connection out.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// do sends a request and decodes a JSON answer into out (when not nil).
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+api.Host+path, rd)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set(api.FromHeader, c.From)
	resp, err := c.http.Do(req)
	if err != nil {
		if isNotRunning(err) {
			return ErrNotRunning
		}
		return fmt.Errorf("talk to the agent: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("read the agent's answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		var e api.Error
		if json.Unmarshal(data, &e) != nil || e.Error == "" {
			e.Error = fmt.Sprintf("agent answered %s", resp.Status)
		}
		return &APIError{Status: resp.StatusCode, Message: e.Error}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("decode the agent's answer: %w", err)
		}
	}
	return nil
}

// isNotRunning tells a missing or dead socket from other failures.
func isNotRunning(err error) bool {
	return errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT)
}

// Status asks for the agent's status.
func (c *Client) Status(ctx context.Context) (api.Status, error) {
	var st api.Status
	err := c.do(ctx, http.MethodGet, "/v1/status", nil, &st)
	return st, err
}

// List returns every alarm.
func (c *Client) List(ctx context.Context) ([]api.Alarm, error) {
	var l api.AlarmList
	err := c.do(ctx, http.MethodGet, "/v1/alarms", nil, &l)
	return l.Alarms, err
}

// Get returns one alarm.
func (c *Client) Get(ctx context.Context, id int) (api.Alarm, error) {
	var a api.Alarm
	err := c.do(ctx, http.MethodGet, "/v1/alarms/"+strconv.Itoa(id), nil, &a)
	return a, err
}

// Add creates an alarm.
func (c *Client) Add(ctx context.Context, req api.AddRequest) (api.Alarm, error) {
	var a api.Alarm
	err := c.do(ctx, http.MethodPost, "/v1/alarms", req, &a)
	return a, err
}

// Edit changes an alarm.
func (c *Client) Edit(ctx context.Context, id int, req api.EditRequest) (api.Alarm, error) {
	var a api.Alarm
	err := c.do(ctx, http.MethodPatch, "/v1/alarms/"+strconv.Itoa(id), req, &a)
	return a, err
}

// Delete removes an alarm.
func (c *Client) Delete(ctx context.Context, id int) error {
	return c.do(ctx, http.MethodDelete, "/v1/alarms/"+strconv.Itoa(id), nil, nil)
}

// Snooze snoozes ringing alarm id (0: every ringing alarm) for d (0: each alarm's own snooze
// time) and returns the alarms snoozed.
func (c *Client) Snooze(ctx context.Context, id int, d time.Duration) ([]int, error) {
	req := api.SnoozeAllRequest{ID: id}
	if d > 0 {
		req.For = d.String()
	}
	var out api.SnoozeResponse
	err := c.do(ctx, http.MethodPost, "/v1/snooze", req, &out)
	return out.Snoozed, err
}

// Skip skips the next count occurrences of alarm id.
func (c *Client) Skip(ctx context.Context, id, count int) (api.Alarm, error) {
	var a api.Alarm
	err := c.do(ctx, http.MethodPost, "/v1/alarms/"+strconv.Itoa(id)+"/skip", api.SkipRequest{Count: count}, &a)
	return a, err
}

// Unskip takes back alarm id's skips.
func (c *Client) Unskip(ctx context.Context, id int) (api.Alarm, error) {
	var a api.Alarm
	err := c.do(ctx, http.MethodPost, "/v1/alarms/"+strconv.Itoa(id)+"/unskip", nil, &a)
	return a, err
}

// History returns the history entries that ended at or after since (zero: all) of alarm id (0:
// all).
func (c *Client) History(ctx context.Context, since time.Time, id int) ([]history.Entry, error) {
	q := url.Values{}
	if !since.IsZero() {
		q.Set("since", since.Format(time.RFC3339))
	}
	if id > 0 {
		q.Set("id", strconv.Itoa(id))
	}
	path := "/v1/history"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out api.HistoryList
	err := c.do(ctx, http.MethodGet, path, nil, &out)
	return out.Entries, err
}

// Events opens GET /v1/events and calls fn with each event until the stream ends, ctx is done
// or fn returns an error. It returns ErrNotRunning when no agent answers, and nil when the agent
// ended the stream (it stopped, or the watcher fell behind).
func (c *Client) Events(ctx context.Context, fn func(api.Event) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+api.Host+"/v1/events", nil)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set(api.FromHeader, c.From)
	stream := &http.Client{Transport: c.http.Transport} // no overall timeout: the stream stays open
	resp, err := stream.Do(req)
	if err != nil {
		if isNotRunning(err) {
			return ErrNotRunning
		}
		return fmt.Errorf("talk to the agent: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &APIError{Status: resp.StatusCode, Message: fmt.Sprintf("agent answered %s", resp.Status)}
	}
	dec := json.NewDecoder(resp.Body)
	for {
		var ev api.Event
		if err := dec.Decode(&ev); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return nil // the agent ended the stream
		}
		if err := fn(ev); err != nil {
			return err
		}
	}
}

// Dismiss stops ringing alarm id (0: all ringing alarms).
func (c *Client) Dismiss(ctx context.Context, id int) ([]int, error) {
	var out api.DismissResponse
	err := c.do(ctx, http.MethodPost, "/v1/dismiss", api.DismissRequest{ID: id}, &out)
	return out.Dismissed, err
}

// Stop asks the agent to exit.
func (c *Client) Stop(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/v1/stop", nil, nil)
}
