package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"alarmd/agent/api"
)

// calendarTimeout bounds an export or import: a calendar of ten thousand alarms takes a few
// seconds, far more than the other requests.
const calendarTimeout = 5 * time.Minute

// Export fetches the alarms as iCalendar (GET /v1/export).
func (c *Client) Export(ctx context.Context) ([]byte, error) {
	resp, err := c.calendarRequest(ctx, http.MethodGet, "/v1/export", nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("read the agent's answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		return nil, apiError(resp, data)
	}
	return data, nil
}

// Import sends an iCalendar file (POST /v1/import). When the agent refuses some of its
// components the result names them and the error is an *APIError.
func (c *Client) Import(ctx context.Context, calendar []byte, dryRun bool) (api.ImportResult, error) {
	path := "/v1/import"
	if dryRun {
		path += "?dry_run=1"
	}
	resp, err := c.calendarRequest(ctx, http.MethodPost, path, calendar)
	if err != nil {
		return api.ImportResult{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return api.ImportResult{}, fmt.Errorf("read the agent's answer: %w", err)
	}
	var res api.ImportResult
	if resp.StatusCode >= 300 {
		_ = json.Unmarshal(data, &res) // a refusal of components carries the whole result
		return res, apiError(resp, data)
	}
	if err := json.Unmarshal(data, &res); err != nil {
		return api.ImportResult{}, fmt.Errorf("decode the agent's answer: %w", err)
	}
	return res, nil
}

func (c *Client) calendarRequest(ctx context.Context, method, path string, body []byte) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+api.Host+path, rd)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", api.CalendarType)
	}
	req.Header.Set(api.FromHeader, c.From)
	hc := *c.http
	hc.Timeout = calendarTimeout
	resp, err := hc.Do(req)
	if err != nil {
		if isNotRunning(err) {
			return nil, ErrNotRunning
		}
		return nil, fmt.Errorf("talk to the agent: %w", err)
	}
	return resp, nil
}

// apiError turns an error answer into an *APIError.
func apiError(resp *http.Response, data []byte) error {
	var e api.Error
	if json.Unmarshal(data, &e) != nil || e.Error == "" {
		e.Error = fmt.Sprintf("agent answered %s", resp.Status)
	}
	return &APIError{Status: resp.StatusCode, Message: e.Error}
}
