package tokens_test

import (
	"testing"

	"github.com/scimkit/scim/tokens"
	"github.com/scimkit/scim/tokens/tokenstest"
)

func TestMemoryStore(t *testing.T) {
	tokenstest.Run(t, func(*testing.T) tokens.Store { return tokens.NewMemoryStore() })
}
