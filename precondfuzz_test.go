package scim_test

import (
	"net/http"
	"strings"
	"testing"
)

// preconditionTargets are the requests FuzzPreconditions sends with
// fuzzed If-Match and If-None-Match headers: a read and each kind of
// write of the target user and group ({uid}, {gid}), with bodies that
// change them, so that a precondition that wrongly passes shows as a
// change. The group's member add goes the member-only way
// (store.CheckedMemberModifier on the stores that have it), its rename
// the whole-resource way.
var preconditionTargets = []struct{ method, path, body string }{
	{"GET", "/Users/{uid}", ""},
	{"GET", "/Groups/{gid}", ""},
	{"PUT", "/Users/{uid}", `{"userName":"fuzz@example.com","displayName":"Put"}`},
	{"PATCH", "/Users/{uid}", `{"Operations":[{"op":"replace","path":"displayName","value":"Patched"}]}`},
	{"PUT", "/Groups/{gid}", `{"displayName":"fuzz","members":[]}`},
	{"PATCH", "/Groups/{gid}", `{"Operations":[{"op":"add","path":"members","value":[{"value":"@alice"}]}]}`},
	{"PATCH", "/Groups/{gid}", `{"Operations":[{"op":"replace","path":"displayName","value":"renamed"}]}`},
	{"DELETE", "/Users/{uid}", ""},
	{"DELETE", "/Groups/{gid}", ""},
}

// tagLines turns a fuzzed entity tag header into its lines: "\n"
// separates lines (a header given several times), "@v" is the target's
// current ETag (W/"3") and "@o" its opaque part unquoted (3), so that the
// fuzzer can name the current version, quoted or not, anywhere in a list.
// Empty text is no header. ok is false for a line net/http would not
// deliver to a handler (a control character other than a tab).
func tagLines(text, current string) (lines []string, ok bool) {
	if text == "" {
		return nil, true
	}
	r := strings.NewReplacer("@v", current, "@o", opaqueTag(current))
	for _, l := range strings.Split(text, "\n") {
		for i := 0; i < len(l); i++ {
			if c := l[i]; (c < ' ' && c != '\t') || c == 0x7f {
				return nil, false
			}
		}
		lines = append(lines, r.Replace(l))
	}
	return lines, true
}

// opaqueTag is an entity tag without W/ and its quotes.
func opaqueTag(tag string) string {
	return strings.Trim(strings.TrimPrefix(tag, "W/"), `"`)
}

// namesCurrentFirst reports whether the first element of a fuzzed tag
// header's first line is "@v" alone: a list that names the current
// version whatever follows it.
func namesCurrentFirst(text string) bool {
	line, _, _ := strings.Cut(text, "\n")
	first, _, _ := strings.Cut(line, ",")
	return strings.Trim(first, " \t") == "@v"
}

// mayName reports whether header lines could name an entity tag whose
// opaque part is opaque: they hold it or "*". Every tag that matches
// holds its opaque part, quoted or not, weak or strong, so lines without
// it match nothing, whatever the parsing.
func mayName(lines []string, opaque string) bool {
	all := strings.Join(lines, "\n")
	return strings.Contains(all, "*") || strings.Contains(all, opaque)
}

// FuzzPreconditions sends each request of preconditionTargets with
// fuzzed If-Match and If-None-Match headers (see tagLines) on every store
// (fuzzStoresEnv picks), and holds the handler to RFC 9110 §13's
// preconditions as scimkit applies them (weak comparison, unquoted tags
// taken as quoted):
//   - every answer is below 500, an error a SCIM error;
//   - a 4xx, and a 304, change nothing;
//   - a request passes an If-Match (2xx or 304) only when the header
//     holds the current version's opaque part or "*", and a 304 needs the
//     same of If-None-Match;
//   - an If-Match whose first element is the current ETag never answers
//     412 for it, and an If-None-Match whose first element is the current
//     ETag answers a GET with 304 and a write with 412, when If-Match
//     passes.
func FuzzPreconditions(f *testing.F) {
	for i := range preconditionTargets {
		t := uint8(i)
		f.Add(t, "", "")
		f.Add(t, "@v", "")
		f.Add(t, "", "@v")
		f.Add(t, "@o", "")
		f.Add(t, "W/@o", `"other", @v`)
		f.Add(t, `"other", *`, "")
		f.Add(t, `"a,b", @v`, "")
		f.Add(t, "@v, \"unclosed", "*")
		f.Add(t, "\n@v", `W/"x"`+"\n"+"@o")
		f.Add(t, "@v", "@v")
		f.Add(t, `W/"other"`, "")
	}
	sites := fuzzSites(f, "memory", "sqlite", "postgres")
	f.Fuzz(func(t *testing.T, target uint8, ifMatch, ifNoneMatch string) {
		tg := preconditionTargets[int(target)%len(preconditionTargets)]
		for _, s := range sites {
			path := strings.NewReplacer("{uid}", s.uid, "{gid}", s.gid).Replace(tg.path)
			body := s.named(tg.body)
			current := s.send("GET", path, "", "").Header().Get("ETag")
			if current == "" {
				t.Fatalf("%s: GET %s has no ETag", s.name, path)
			}
			im, ok1 := tagLines(ifMatch, current)
			inm, ok2 := tagLines(ifNoneMatch, current)
			if !ok1 || !ok2 {
				t.Skip("a header net/http would refuse")
			}
			hdr := http.Header{}
			if im != nil {
				hdr["If-Match"] = im
			}
			if inm != nil {
				hdr["If-None-Match"] = inm
			}
			wide := body != tg.body
			before := s.snapshot(wide)
			s.logs.Reset()
			rec := s.sendHeader(tg.method, path, "", body, hdr)
			s.checkAnswer(t, tg.method, path, "", body, rec)
			what := func() string {
				return s.name + ": " + tg.method + " " + path + " If-Match " + strings.Join(im, "|") + " If-None-Match " + strings.Join(inm, "|") + ": " + rec.Result().Status + " " + rec.Body.String()
			}
			if rec.Code >= 400 || rec.Code == http.StatusNotModified {
				if after := s.snapshot(wide); after != before {
					t.Fatalf("%s\nchanged\n%s\ninto\n%s", what(), before, after)
				}
			}
			opaque := opaqueTag(current)
			passed := rec.Code < 300 || rec.Code == http.StatusNotModified
			if passed && strings.Trim(strings.Join(im, ""), " \t,") != "" && !mayName(im, opaque) {
				t.Fatalf("%s\npassed an If-Match that cannot name %s", what(), current)
			}
			if rec.Code == http.StatusNotModified && !mayName(inm, opaque) {
				t.Fatalf("%s\n304 for an If-None-Match that cannot name %s", what(), current)
			}
			imPasses := im == nil || namesCurrentFirst(ifMatch)
			switch {
			case namesCurrentFirst(ifMatch) && rec.Code == http.StatusPreconditionFailed && strings.Contains(rec.Body.String(), "If-Match;"):
				t.Fatalf("%s\nIf-Match names the current version %s", what(), current)
			case imPasses && namesCurrentFirst(ifNoneMatch) && tg.method == "GET" && rec.Code != http.StatusNotModified:
				t.Fatalf("%s\nwant 304: If-None-Match names the current version %s", what(), current)
			case imPasses && namesCurrentFirst(ifNoneMatch) && tg.method != "GET" && rec.Code != http.StatusPreconditionFailed:
				t.Fatalf("%s\nwant 412: If-None-Match names the current version %s", what(), current)
			}
			if tg.method == "DELETE" && rec.Code < 300 {
				s.reset(t) // the target is gone: the data set is made again
				continue
			}
			s.restore(t, tg.method, path, rec, wide)
		}
	})
}
