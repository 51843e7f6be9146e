package scim

import (
	"net/http"

	"github.com/scimkit/scim/internal/backoff"
)

// NewPacedHandlerForTest is NewHandler with the retries of a write that
// lost to a concurrent one paced by pace (its Budget, backoff.DefaultBudget
// when zero, as in production): a test sets the clock, the sleep and
// the jitter, so that how many times such a write is tried does not
// depend on how fast the machine runs it.
func NewPacedHandlerForTest(cfg Config, pace backoff.Policy) (http.Handler, error) {
	h, err := newHandler(cfg)
	if err != nil {
		return nil, err
	}
	h.pace = pace
	return h.middleware(h.mux), nil
}

// BulkPathForTest is bulkPath, whose resolved ids a store makes (a UUID
// in ours) and a test cannot choose through the handler.
var BulkPathForTest = bulkPath
