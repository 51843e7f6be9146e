package filter

import (
	"errors"
	"reflect"
	"testing"
)

// roundTrip re-parses String() output. Its limits are generous because
// String() may be a little longer than the input (e.g. 1E5 renders as
// 100000.0).
var roundTrip = Parser{MaxLength: 1 << 20, MaxDepth: 1 << 10}

func filterSeeds() []string {
	var seeds []string
	for _, c := range validFilters {
		seeds = append(seeds, c.in)
	}
	for _, c := range invalidFilters {
		if len(c.in) < 256 {
			seeds = append(seeds, c.in)
		}
	}
	for _, c := range unquotedFilters {
		seeds = append(seeds, c.in)
	}
	seeds = append(seeds, differentialFilters...)
	for _, d := range filterDeviations {
		if len(d.in) < 256 {
			seeds = append(seeds, d.in)
		}
	}
	return seeds
}

// checkSyntaxError fails unless err is a *SyntaxError with a sensible
// offset and message.
func checkSyntaxError(t *testing.T, in string, err error) {
	t.Helper()
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("%q: error %T %v is not a *SyntaxError", in, err, err)
	}
	if se.Offset < 0 || se.Offset > len(in) || se.Msg == "" || err.Error() == "" {
		t.Fatalf("%q: bad SyntaxError %+v", in, se)
	}
}

// checkStrict fails unless Parser.Strict gives the lenient result got
// (err) when it has no unquoted value, and an error otherwise.
func checkStrict(t *testing.T, in string, got Expr, err error) {
	t.Helper()
	sgot, serr := Parser{Strict: true}.Parse(in)
	switch {
	case err != nil:
		if serr == nil {
			t.Fatalf("%q: strict mode accepts it as %v, lenient mode rejects it: %v", in, sgot, err)
		}
	case UnquotedValues(got) != nil:
		if serr == nil {
			t.Fatalf("%q: strict mode accepts unquoted values: %v", in, sgot)
		}
		checkSyntaxError(t, in, serr)
	case serr != nil || !reflect.DeepEqual(got, sgot):
		t.Fatalf("%q: strict mode gives %v (%v), lenient mode %v", in, sgot, serr, got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range filterSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := Parse(in)
		if err != nil {
			checkSyntaxError(t, in, err)
			if got != nil {
				t.Fatalf("%q: error %v with a tree %v", in, err, got)
			}
		} else {
			n := 0
			Walk(got, func(Expr) bool { n++; return true })
			s := got.String()
			again, err := roundTrip.Parse(s)
			if err != nil {
				t.Fatalf("%q: String() = %q does not parse: %v", in, s, err)
			}
			// String quotes unquoted values, so only the flag may differ.
			if !reflect.DeepEqual(quoted(got), again) {
				t.Fatalf("%q: String() = %q parses to a different tree %q", in, s, again)
			}
		}
		checkStrict(t, in, got, err)

		te, terr := theirFilter(in)
		if terr != nil {
			return // ours may accept more
		}
		want, cerr := fromFP(te)
		if err == nil && cerr == nil && reflect.DeepEqual(got, want) {
			return
		}
		if class := filterDeviationClass(in, te, cerr); class != "" {
			return
		}
		t.Fatalf("%q: filter-parser gives %v (%v); ours gives %v (%v)", in, want, cerr, got, err)
	})
}

func FuzzParsePath(f *testing.F) {
	for _, c := range validPaths {
		f.Add(c.in)
	}
	for _, c := range invalidPaths {
		f.Add(c.in)
	}
	for _, s := range differentialPaths {
		f.Add(s)
	}
	for _, d := range pathDeviations {
		f.Add(d.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParsePath(in)
		if err != nil {
			checkSyntaxError(t, in, err)
			if !reflect.DeepEqual(got, Path{}) {
				t.Fatalf("%q: error %v with a path %v", in, err, got)
			}
		} else {
			s := got.String()
			again, err := roundTrip.ParsePath(s)
			if err != nil {
				t.Fatalf("%q: String() = %q does not parse: %v", in, s, err)
			}
			if !reflect.DeepEqual(quotedPath(got), again) {
				t.Fatalf("%q: String() = %q parses to a different path %v", in, s, again)
			}
		}

		tp, terr := theirPath(in)
		if terr != nil {
			return
		}
		want, cerr := fromFPPath(tp)
		if err == nil && cerr == nil && reflect.DeepEqual(got, want) {
			return
		}
		if class := pathDeviationClass(in, tp, got); class != "" {
			return
		}
		t.Fatalf("%q: filter-parser gives %v (%v); ours gives %v (%v)", in, want, cerr, got, err)
	})
}
