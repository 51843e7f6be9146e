package scim

import (
	"context"
	"net/url"
	"slices"

	"github.com/scimkit/scim/internal/names"
)

// queryParams are the query parameters RFC 7644 names (§3.4.2: filter,
// sortBy, sortOrder, startIndex, count; §3.9: attributes,
// excludedAttributes; RFC 9865: cursor), spelled as the RFCs spell them:
// a list's singleParams and the two that take lists, derived so that the
// two lists cannot drift apart. (The full slice expression makes append
// copy rather than share singleParams' array.)
var queryParams = append(singleParams[:len(singleParams):len(singleParams)], "attributes", "excludedAttributes")

// queryParam is the RFC spelling of the query parameter name, when name
// is one of queryParams in another letter case.
func queryParam(name string) (string, bool) {
	for _, p := range queryParams {
		if names.Equal(name, p) {
			return p, true
		}
	}
	return "", false
}

// canonicalParams is q with each of queryParams that the client spelled
// in another letter case ("Filter", "startindex", "ATTRIBUTES") under
// its RFC spelling, with a warning. RFC 7644 spells each name once and
// says nothing of other spellings; a parameter the handler looked up by
// its exact name alone would be dropped silently, and a lookup whose
// filter is dropped lists every user, which a provider can take for its
// match. The names are not ambiguous, and reading one changes no data,
// so it is taken in both modes, as an endpoint's spelling is. A
// parameter given in two spellings is given twice: onceEach refuses two
// different values. q is the request's (see queryOf) and is not changed;
// the common case, every name spelled as the RFC spells it, returns q
// itself and allocates nothing.
func canonicalParams(ctx context.Context, q url.Values) url.Values {
	var other []string
	for k := range q {
		if p, ok := queryParam(k); ok && p != k {
			other = append(other, k)
		}
	}
	if other == nil {
		return q
	}
	slices.Sort(other) // values given in several spellings join in one order
	out := make(url.Values, len(q))
	for k, vs := range q {
		out[k] = slices.Clip(vs)
	}
	for _, k := range other {
		p, _ := queryParam(k)
		warn(ctx, "query parameter %q taken as %q", k, p)
		out[p] = append(out[p], q[k]...)
		delete(out, k)
	}
	return out
}
