package client

import (
	"context"
	"net/http"

	"alarmd/agent/api"
)

// OpenWindow asks the agent to show the Alarms window (DESIGN §14); shown is false when it was
// open already and was brought forward.
func (c *Client) OpenWindow(ctx context.Context) (shown bool, err error) {
	var out api.WindowResponse
	err = c.do(ctx, http.MethodPost, "/v1/window", nil, &out)
	return out.Shown, err
}
