package sqlstore_test

import "github.com/scimkit/scim/store"

// walkNext is where a walk goes on after page, and whether it does.
func walkNext[T any](p store.CursorPage[T]) (string, bool) {
	if !p.More {
		return "", false
	}
	return p.Positions[len(p.Positions)-1], true
}
