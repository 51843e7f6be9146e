package admin_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/tokens"
)

func TestAdminFeed(t *testing.T) {
	db := memory.New(memory.WithChangeFeed(0))
	acme := store.WithTenant(context.Background(), "acme")
	for _, name := range []string{"ann", "bob", "cy"} {
		_, err := db.CreateUser(acme, &resources.User{UserName: name, Active: ptr(true)})
		require.NoError(t, err)
	}
	_, err := db.CreateUser(store.WithTenant(context.Background(), "globex"), &resources.User{UserName: "other", Active: ptr(true)})
	require.NoError(t, err)
	_, err = db.Feed().LeaseFeed(acme, "sessions", "replica-1", time.Minute)
	require.NoError(t, err)
	require.NoError(t, db.Feed().AckFeed(acme, "sessions", "replica-1", 1, time.Minute))

	e := newAdminEnv(t, tokens.OneActive)
	h := admin.NewHandler(e.m, admin.Options{Tenant: func(r *http.Request) (string, error) { return r.Header.Get("X-Tenant"), nil }, Feed: db.Feed()})
	e.h = h

	tests := []struct {
		name, query, tenant string
		status              int
		head                float64
		entries             int
		lag                 float64
	}{
		{"all", "", "acme", http.StatusOK, 3, 3, 2},
		{"limit", "?limit=2", "acme", http.StatusOK, 3, 2, 2},
		{"bad limit", "?limit=0", "acme", http.StatusBadRequest, 0, 0, 0},
		{"another tenant sees its own", "", "globex", http.StatusOK, 1, 1, -1},
		{"a tenant without a feed", "", "nobody", http.StatusOK, 0, 0, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do("GET", "/feed"+tc.query, "", "X-Tenant: "+tc.tenant)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			if tc.status != http.StatusOK {
				return
			}
			body := decode(t, w)
			assert.Equal(t, true, body["enabled"])
			assert.Equal(t, tc.head, body["head"])
			entries := body["entries"].([]any)
			require.Len(t, entries, tc.entries)
			if tc.entries > 0 {
				first := entries[0].(map[string]any)
				assert.Equal(t, tc.head, first["seq"], "newest first")
				assert.Equal(t, "user.created", first["kind"])
				assert.Equal(t, tc.tenant, first["tenant"])
			}
			consumers := body["consumers"].([]any)
			if tc.lag < 0 {
				assert.Empty(t, consumers)
				return
			}
			require.Len(t, consumers, 1)
			c := consumers[0].(map[string]any)
			assert.Equal(t, "sessions", c["name"])
			assert.Equal(t, tc.lag, c["lag"], "lag is head minus acknowledged")
			assert.Equal(t, "replica-1", c["holder"])
		})
	}

	off := newAdminEnv(t, tokens.OneActive)
	body := decode(t, off.do("GET", "/feed", "", "X-Tenant: acme"))
	assert.Equal(t, false, body["enabled"], "without Options.Feed")
}

func ptr[T any](v T) *T { return &v }
