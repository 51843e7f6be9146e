package tokenstest_test

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/tokens"
	"github.com/scimkit/scim/tokens/tokenstest"
)

// brokenEnv names the broken store TestBrokenStoreChild runs the suite on.
const brokenEnv = "TOKENSTEST_BROKEN_STORE"

// broken is a memory store with one fault, the way a host's first token
// store goes wrong.
type broken struct {
	*tokens.MemoryStore
	fault string
}

func (b *broken) CreateToken(ctx context.Context, tok *tokens.Token) error {
	if b.fault == "panic" {
		_ = tok.Hash[0] // a store that trusts its input: index out of range on a token without hash
	}
	return b.MemoryStore.CreateToken(ctx, tok)
}

func (b *broken) TokenByHash(ctx context.Context, hash []byte) (*tokens.Token, error) {
	tok, err := b.MemoryStore.TokenByHash(ctx, hash)
	if b.fault == "nil-token" {
		return nil, nil
	}
	return tok, err
}

// TestBrokenStoreChild runs the suite on the broken store named by
// $TOKENSTEST_BROKEN_STORE; TestBrokenStores runs it in a child process.
func TestBrokenStoreChild(t *testing.T) {
	fault := os.Getenv(brokenEnv)
	if fault == "" {
		t.Skip("run by TestBrokenStores")
	}
	tokenstest.Run(t, func(*testing.T) tokens.Store { return &broken{MemoryStore: tokens.NewMemoryStore(), fault: fault} })
}

// TestBrokenStores checks, in a child process (tokenstest.Run takes a
// *testing.T that a broken store must fail), that the suite names the
// broken contract and never panics.
func TestBrokenStores(t *testing.T) {
	tests := []struct {
		fault string
		want  []string
		ok    []string // subtests that still pass
	}{
		{"panic", []string{"tokens.Store.CreateToken panicked: runtime error: index out of range", "A store must never panic"}, []string{"RoundTripAndCopies", "RevokeAndTouch", "Rotate"}},
		{"nil-token", []string{"tokens.Store.TokenByHash returned a nil token and a nil error"}, []string{"RotateErrors", "ConcurrentRotate"}},
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenStoreChild$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), brokenEnv+"="+tt.fault)
			out, err := cmd.CombinedOutput()
			text := string(out)
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "the suite must fail on the %s store:\n%s", tt.fault, text)
			for _, w := range tt.want {
				assert.True(t, strings.Contains(text, w), "the failure must state the broken contract: %q", w)
			}
			assert.False(t, regexp.MustCompile(`(?m)^panic: |\[recovered\]`).MatchString(text), "the suite must not panic on a broken store")
			for _, name := range tt.ok {
				assert.True(t, strings.Contains(text, "--- PASS: TestBrokenStoreChild/"+name+" "), "a fault must fail only the subtests that meet it: %s must pass", name)
			}
			if t.Failed() {
				t.Logf("the child's output:\n%s", text)
			}
		})
	}
}
