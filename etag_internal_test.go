package scim

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/store/memory"
)

// FuzzEntityTags holds the entity tag functions to what the handler
// relies on, for any store version v and any If-Match or If-None-Match
// list l:
//   - etag(v) is an entity tag, etag of it is itself, and it matches
//     itself and "*";
//   - a list whose quotes are balanced ends before a comma after it, so a
//     tag after such a list is still read: tagMatches(l+","+etag(v));
//   - quoteTags (lenient) leaves what it made as it is when given it
//     again, loses no match l had, and strict mode refuses exactly the
//     lists lenient mode bends.
func FuzzEntityTags(f *testing.F) {
	for _, s := range [][2]string{
		{"3", ""}, {`W/"3"`, `W/3`}, {`"abc"`, `abc, "x"`}, {"a b%", `"a,b", W/"c"`},
		{"\x00\xff", `"unclosed, W/3`}, {"", "*"}, {"W/", `W/, W/""`}, {`"`, ` , ,`},
	} {
		f.Add(s[0], s[1])
	}
	lenient, strict := entityTagHandlers(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, v, l string) {
		if v != "" {
			tag := etag(v)
			require.True(t, isEntityTag(tag), "etag(%q) = %q", v, tag)
			require.Equal(t, tag, etag(tag), "etag of etag(%q)", v)
			require.True(t, tagMatches(tag, tag), "%q matches itself", tag)
			require.True(t, tagMatches("*", tag))
			if strings.Count(l, `"`)%2 == 0 {
				require.True(t, tagMatches(l+","+tag, tag), "%q after %q", tag, l)
			}
			q, bad := lenient.quoteTags(ctx, "If-Match", l)
			require.Nil(t, bad)
			if tagMatches(l, tag) {
				require.True(t, tagMatches(q, tag), "quoting %q as %q lost %q", l, q, tag)
			}
		}
		q, bad := lenient.quoteTags(ctx, "If-Match", l)
		require.Nil(t, bad)
		again, bad := lenient.quoteTags(ctx, "If-Match", q)
		require.Nil(t, bad)
		require.Equal(t, q, again, "quoting %q twice", l)
		_, refused := strict.quoteTags(ctx, "If-Match", l)
		require.Equal(t, q != l, refused != nil, "strict mode on %q (lenient: %q)", l, q)
	})
}

// entityTagHandlers returns a lenient and a strict handler, for their
// quoteTags.
func entityTagHandlers(tb testing.TB) (lenient, strict *handler) {
	tb.Helper()
	for _, s := range []bool{false, true} {
		db := memory.New()
		h, err := newHandler(Config{BaseURL: "https://example.com/scim/v2", Users: db, Groups: db, InsecureNoAuth: true, Strict: s})
		require.NoError(tb, err)
		if s {
			strict = h
		} else {
			lenient = h
		}
	}
	return lenient, strict
}
