package scim_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// bareVersions is a user store whose versions are opaque strings that are
// not entity tags ("1", `a"b`), as a host's store may return: the memory
// store's W/"n" with the tag syntax taken off, plus a suffix.
type bareVersions struct {
	store.UserStore // the interface alone: memory's UpdateUser would return its own versions
	suffix          string
}

func (b bareVersions) out(u *resources.User, err error) (*resources.User, error) {
	if u != nil {
		u.Meta.Version = strings.TrimSuffix(strings.TrimPrefix(u.Meta.Version, `W/"`), `"`) + b.suffix
	}
	return u, err
}

func (b bareVersions) in(v string) string {
	if v == "" {
		return ""
	}
	return `W/"` + strings.TrimSuffix(v, b.suffix) + `"`
}

func (b bareVersions) CreateUser(ctx context.Context, u *resources.User) (*resources.User, error) {
	return b.out(b.UserStore.CreateUser(ctx, u))
}

func (b bareVersions) GetUser(ctx context.Context, id string, opts store.GetOptions) (*resources.User, error) {
	return b.out(b.UserStore.GetUser(ctx, id, opts))
}

func (b bareVersions) ReplaceUser(ctx context.Context, u *resources.User, ifVersion string) (*resources.User, error) {
	return b.out(b.UserStore.ReplaceUser(ctx, u, b.in(ifVersion)))
}

func (b bareVersions) DeleteUser(ctx context.Context, id, ifVersion string) error {
	return b.UserStore.DeleteUser(ctx, id, b.in(ifVersion))
}

func (b bareVersions) ListUsers(ctx context.Context, q store.Query) (store.Page[*resources.User], error) {
	p, err := b.UserStore.ListUsers(ctx, q)
	for _, u := range p.Items {
		b.out(u, nil)
	}
	return p, err
}

// TestETagFromOpaqueVersion: whatever opaque version a store returns, the
// ETag header is a valid entity tag, meta.version carries the same tag,
// and If-Match / If-None-Match compare with it.
func TestETagFromOpaqueVersion(t *testing.T) {
	for _, tc := range []struct {
		name, suffix, tag1, tag2 string
	}{
		{"bare number", "", `W/"1"`, `W/"2"`},
		{"quote and space", `"x y`, `W/"1%22x%20y"`, `W/"2%22x%20y"`},
		{"percent", "%", `W/"1%25"`, `W/"2%25"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *scim.Config) { c.Users = bareVersions{memory.New(), tc.suffix}; c.Groups = nil })
			created := e.do("POST", "/Users", map[string]any{"userName": "etag"})
			require.Equal(t, 201, created.Code, created.Raw)
			assert.Equal(t, tc.tag1, created.Header.Get("ETag"))
			assert.Equal(t, tc.tag1, created.Body["meta"].(map[string]any)["version"])
			path := "/Users/" + created.str("id")

			got := e.do("GET", path, nil)
			assert.Equal(t, tc.tag1, got.Header.Get("ETag"))
			assert.Equal(t, 304, e.do("GET", path, nil, "If-None-Match: "+tc.tag1).Code)

			stale := e.do("PUT", path, map[string]any{"userName": "etag", "title": "x"}, "If-Match: "+tc.tag2)
			requireError(t, stale, 412, "", "If-Match")
			put := e.do("PUT", path, map[string]any{"userName": "etag", "title": "x"}, "If-Match: "+tc.tag1)
			require.Equal(t, 200, put.Code, put.Raw)
			assert.Equal(t, tc.tag2, put.Header.Get("ETag"))

			requireError(t, e.do("DELETE", path, nil, "If-Match: "+tc.tag1), 412, "", "If-Match")
			assert.Equal(t, 204, e.do("DELETE", path, nil, "If-Match: "+tc.tag2).Code)
		})
	}
}
