package server

import (
	"context"
	"net"
)

type peerKey struct{}

// withPeer records the uid of the process at the other end of a unix connection, so the guard
// can refuse other users even if the socket's permissions were loosened by hand.
func withPeer(ctx context.Context, c net.Conn) context.Context {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return ctx
	}
	uid, err := peerUID(uc)
	if err != nil {
		// Unknown peer: treat as foreign rather than trusting it.
		return context.WithValue(ctx, peerKey{}, -1)
	}
	if uid < 0 {
		return ctx // the platform cannot tell (Windows): the socket's ACL is the fence
	}
	return context.WithValue(ctx, peerKey{}, uid)
}

func peerFrom(ctx context.Context) (int, bool) {
	uid, ok := ctx.Value(peerKey{}).(int)
	return uid, ok
}
