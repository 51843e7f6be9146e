package scim

import (
	"strings"
	"testing"
)

// canonicalPathSplit is canonicalPath as first written, by splitting the
// path into segments: the reference FuzzCanonicalPath holds it to.
func canonicalPathSplit(p string) (string, bool) {
	if len(p) > 1 {
		p = strings.TrimRight(p, "/")
	}
	segs := strings.Split(strings.TrimLeft(p, "/"), "/")
	e, ok := endpoints[strings.ToLower(segs[0])]
	if !ok {
		return "", false
	}
	segs[0] = e
	if len(segs) == 2 && (e == "Users" || e == "Groups") && strings.EqualFold(segs[1], ".search") {
		segs[1] = ".search"
	}
	return "/" + strings.Join(segs, "/"), true
}

func FuzzCanonicalPath(f *testing.F) {
	for _, s := range []string{"", "/", "//", "/Users", "/users/", "/Users/.SEARCH", "/groups/.search/x", "/Users/abc/", "/bulk", "Users", "/.Search", "/Schemas/urn:x:User", "/nope", "/USERS//", "//Users", "///users/abc", "//Users//"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, gok := canonicalPath(p)
		want, wok := canonicalPathSplit(p)
		if got != want || gok != wok {
			t.Fatalf("canonicalPath(%q) = %q, %v; by segments %q, %v", p, got, gok, want, wok)
		}
	})
}
