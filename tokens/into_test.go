package tokens_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/clocktest"
	"github.com/scimkit/scim/internal/race"
	"github.com/scimkit/scim/tokens"
)

// TestAuthenticateInto holds AuthenticateInto to Authenticate's answers,
// on a store lookup and on a cache hit, for valid and invalid tokens: the
// record written into dst is the one Authenticate returns, and an error
// leaves dst as it was.
func TestAuthenticateInto(t *testing.T) {
	for _, tc := range []struct {
		name string
		// bearer makes the token to present from a valid one, with the
		// Manager and clock to revoke or age it.
		bearer  func(t *testing.T, m *tokens.Manager, plain, id string, clk *clocktest.Clock) string
		wantErr bool
	}{
		{"valid", func(_ *testing.T, _ *tokens.Manager, plain, _ string, _ *clocktest.Clock) string {
			return plain
		}, false},
		{"unknown", func(*testing.T, *tokens.Manager, string, string, *clocktest.Clock) string {
			return tokens.Prefix + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		}, true},
		{"empty", func(*testing.T, *tokens.Manager, string, string, *clocktest.Clock) string {
			return ""
		}, true},
		{"revoked", func(t *testing.T, m *tokens.Manager, plain, id string, _ *clocktest.Clock) string {
			require.NoError(t, m.Revoke(ctx, "acme", id))
			return plain
		}, true},
		{"expired", func(_ *testing.T, _ *tokens.Manager, plain, _ string, clk *clocktest.Clock) string {
			clk.Advance(time.Hour)
			return plain
		}, true},
	} {
		for _, warm := range []bool{false, true} {
			name := tc.name + "/lookup"
			if warm {
				name = tc.name + "/cached"
			}
			t.Run(name, func(t *testing.T) {
				m, _, _, clk := setup(t, tokens.Options{CacheTTL: 2 * time.Hour})
				plain, tok, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: "acme", Labels: map[string]string{"k": "v"}, ExpiresIn: time.Minute})
				require.NoError(t, err)
				if warm {
					_, err := m.Authenticate(ctx, plain)
					require.NoError(t, err)
				}
				bearer := tc.bearer(t, m, plain, tok.ID, clk)

				sentinel := tokens.Token{ID: "untouched"}
				dst := sentinel
				err = m.AuthenticateInto(ctx, bearer, &dst)
				want, wantErr := m.Authenticate(ctx, bearer)
				if tc.wantErr {
					assert.Same(t, tokens.ErrInvalidToken, err)
					assert.Same(t, tokens.ErrInvalidToken, wantErr)
					assert.Equal(t, sentinel, dst, "an error leaves dst as it was")
					return
				}
				require.NoError(t, err)
				require.NoError(t, wantErr)
				assert.Equal(t, *want, dst)
				assert.Nil(t, dst.Hash, "never the hash")
				assert.Equal(t, "acme", dst.TenantID)
				dst.Labels["k"] = "changed" // dst's Labels are its own
				again, err := m.Authenticate(ctx, bearer)
				require.NoError(t, err)
				assert.Equal(t, "v", again.Labels["k"])
			})
		}
	}
}

// TestAuthenticateIntoAllocations: a cached token without labels is
// written into dst without an allocation, the point of AuthenticateInto.
func TestAuthenticateIntoAllocations(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector allocates on its own")
	}
	m, _, _, _ := setup(t, tokens.Options{})
	plain, _, err := m.Generate(context.Background(), tokens.GenerateOptions{TenantID: "acme"})
	require.NoError(t, err)
	var dst tokens.Token
	require.NoError(t, m.AuthenticateInto(ctx, plain, &dst)) // cached, last use written
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		if err := m.AuthenticateInto(ctx, plain, &dst); err != nil {
			t.Fatal(err)
		}
	}))
}
