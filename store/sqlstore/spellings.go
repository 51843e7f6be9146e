package sqlstore

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/scimkit/scim/internal/names"
)

// adoptSlots is how many spellings of a resource's value adoption
// compares the host's column with (adoptSpellings), each a parameter of
// one arm of the adoption statement's UNION ALL (adoptSQL): a fixed
// number, so that the statement's text is fixed (SQLite compiles it
// once, pgx prepares it once) and each spelling is one probe of the
// host's index on lower(Column).
const adoptSlots = 16

// adoptCaseVariants bounds the case spellings of one Unicode form that
// adoptSpellings lists letter by letter: 2^3, every spelling of three
// letters outside ASCII of two cases each (lower() folds ASCII on every
// database), so that both forms' fit adoptSlots.
const adoptCaseVariants = 8

// adoptSpellings returns the spellings of v (a Match value, in NFC) a
// host's row may hold the same account under, as far as lower() on both
// sides leaves them apart, adoptSlots of them (the first repeated to
// fill the list): v in NFC and in NFD (a row written by code that
// decomposes accents), and in each form the spellings that differ from
// it in the case of letters outside ASCII, which SQLite's lower() keeps
// (as PostgreSQL's does under the "C" collation): every one (each letter
// replaced by the members of its simple case-folding orbit) when they
// are at most adoptCaseVariants, else four: as sent, all lower case, all
// upper case, and capitalised at the start of each word.
// Under a lower() that folds every letter (PostgreSQL in a UTF-8 locale)
// the forms alone suffice; the case spellings then find nothing more.
// Spellings lower() makes equal (they differ in ASCII case) are listed
// once.
func adoptSpellings(v string) [adoptSlots]string {
	var out [adoptSlots]string
	n := 0
	seen := make(map[string]bool, adoptSlots)
	add := func(s string) {
		k := names.Lower(s) // what every database's lower() does at least
		if n < adoptSlots && !seen[k] {
			seen[k] = true
			out[n] = s
			n++
		}
	}
	for _, f := range []norm.Form{norm.NFC, norm.NFD} {
		s := f.String(v)
		if vs, ok := caseVariants(s, adoptCaseVariants); ok {
			for _, x := range vs {
				add(x)
			}
			continue
		}
		add(s)
		add(strings.ToLower(s))
		add(strings.ToUpper(s))
		add(titleWords(s))
	}
	for i := n; i < adoptSlots; i++ {
		out[i] = out[0]
	}
	return out
}

// oneSpelling reports whether v, a Match value in NFC, has one of
// adoptSpellings (every ASCII value has), which lower(column) = lower(v)
// compares alone, without listing them: v is the same in NFC and in NFD,
// and none of its letters outside ASCII has another case
// (unicode.SimpleFold, the orbit caseVariants spells), so every spelling
// adoptSpellings makes is v.
// Otherwise some spelling differs from v in bytes outside ASCII, which
// lower() on either side keeps apart (TestOneSpellingIsAdoptSpellings).
func oneSpelling(v string) bool {
	ascii := true
	for _, r := range v {
		if r >= utf8.RuneSelf {
			if unicode.SimpleFold(r) != r {
				return false
			}
			ascii = false
		}
	}
	return ascii || norm.NFC.IsNormalString(v) && norm.NFD.IsNormalString(v)
}

// caseVariants returns every spelling of s whose letters outside ASCII
// are replaced by members of their simple case-folding orbit (the
// letters strings.EqualFold takes for them), s first, when there are at
// most max of them; ok is false when there are more.
func caseVariants(s string, max int) (vs []string, ok bool) {
	vs = []string{""}
	for _, r := range s {
		alts := []rune{r}
		if r >= utf8.RuneSelf {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				alts = append(alts, f)
			}
		}
		if len(vs)*len(alts) > max {
			return nil, false
		}
		next := make([]string, 0, len(vs)*len(alts))
		for _, p := range vs {
			for _, a := range alts {
				next = append(next, p+string(a))
			}
		}
		vs = next
	}
	return vs, true
}

// titleWords returns s lower-cased but for the first letter of each
// word (a run of letters and marks), upper-cased.
func titleWords(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	inWord := false
	for _, r := range s {
		letter := unicode.IsLetter(r) || unicode.Is(unicode.M, r)
		switch {
		case letter && !inWord:
			r = unicode.ToUpper(r)
		case letter:
			r = unicode.ToLower(r)
		}
		inWord = letter
		b.WriteRune(r)
	}
	return b.String()
}
