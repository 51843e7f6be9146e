package idptest_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/idptest"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/tokens"
)

func TestMainUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, 2, idptest.Main(context.Background(), []string{"-token", "x"}, &out, &errOut), "no base URL")
	assert.Contains(t, errOut.String(), "-base must be the absolute SCIM base URL")
	t.Setenv("SCIM_TOKEN", "")
	errOut.Reset()
	assert.Equal(t, 2, idptest.Main(context.Background(), []string{"-base", "http://127.0.0.1:1/scim/v2"}, &out, &errOut), "no token")
	assert.Contains(t, errOut.String(), "SCIM_TOKEN")
	assert.Equal(t, 2, idptest.Main(context.Background(), []string{"-bogus"}, &out, &errOut))
	assert.Equal(t, 0, idptest.Main(context.Background(), []string{"-h"}, &out, &errOut))
}

func TestMainList(t *testing.T) {
	var out bytes.Buffer
	require.Equal(t, 0, idptest.Main(context.Background(), []string{"-list", "-only", "okta, jumpcloud"}, &out, &out))
	assert.Contains(t, out.String(), "okta-push-groups")
	assert.Contains(t, out.String(), "jumpcloud-provisioning")
	assert.NotContains(t, out.String(), "entra")

	var errOut bytes.Buffer
	assert.Equal(t, 2, idptest.Main(context.Background(), []string{"-list", "-only", "okta,oktaa"}, &out, &errOut), "a word that selects nothing is a usage error")
	assert.Contains(t, errOut.String(), `no conversation matches "oktaa"`)
}

func TestMainUnreachable(t *testing.T) {
	var out bytes.Buffer
	assert.Equal(t, 1, idptest.Main(context.Background(), []string{"-base", "http://127.0.0.1:1/scim/v2", "-token", "t"}, &out, &out))
	assert.Contains(t, out.String(), "cannot reach")
}

// TestMainAgainstHandler runs the command on a handler mounted like a
// host mounts it, with the token from the environment.
func TestMainAgainstHandler(t *testing.T) {
	db := memory.New()
	target := server(t, stores{users: db, groups: db, tokens: tokens.NewMemoryStore()})
	t.Setenv("SCIM_TOKEN", target.Token)
	var out bytes.Buffer
	code := idptest.Main(context.Background(), []string{"-base", target.BaseURL + "/", "-only", "entra,okta"}, &out, &out)
	require.Equal(t, 0, code, out.String())
	assert.Contains(t, out.String(), "2 of 2 providers passed.")

	// A server that answers lists with string totals fails Okta's import.
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		if r.URL.Path == "/scim/v2/ServiceProviderConfig" {
			w.Write([]byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]}`))
			return
		}
		w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":"0","itemsPerPage":0,"startIndex":1,"Resources":[]}`))
	}))
	t.Cleanup(broken.Close)
	out.Reset()
	code = idptest.Main(context.Background(), []string{"-base", broken.URL + "/scim/v2", "-only", "okta-oin"}, &out, &out)
	assert.Equal(t, 1, code)
	assert.Contains(t, out.String(), "FAIL Okta / okta-oin-users: Test Connection: first users")
	assert.Contains(t, out.String(), `totalResults: got "0" of type string, want type integer`)
	assert.Contains(t, out.String(), "GET "+broken.URL+"/scim/v2/Users?startIndex=1&count=2")
	assert.Contains(t, out.String(), "0 of 1 providers passed.")
}
