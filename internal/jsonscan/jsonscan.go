// Package jsonscan reads JSON text that json.Valid has accepted, without
// reflection: the one JSON walker behind resources.Decode (every request
// body), the PATCH decoder, which reads an operation's members in place,
// and, through Members, the change feed's diff of two stored documents and
// resources.UserFromJSON and GroupFromJSON. One rule refuses a request
// body that gives a member name twice in one object: Names.Parse checks
// it while it decodes (resources.DecodeRequest), ValidRepeated without
// decoding (the PATCH decoder), and RepeatedError words the refusal.
// Names lets a decoder take the strings a document repeats (its schema's
// member names, schema URNs) from a table instead of making them.
// Parse and ValidRepeated read text not yet checked and say whether it
// is valid JSON exactly as json.Valid would, in the pass that reads it:
// a request body is scanned once, not by json.Valid and then again.
// Every other reader but Members, CheckString and LoneSurrogate assumes
// valid JSON; on other input its result is undefined, so callers check
// it first. AppendString is the way back: the one JSON string encoder,
// for resources' documents and the feed's lists.
//
// A value is walked by two functions, value (Value, Names.Parse) and
// repeatedIn (ValidRepeated), and this is why they are two: value builds
// the decoded value and finds a repeated name by the size of the map it
// fills, repeatedIn builds nothing and costs an ordinary body no
// allocation, comparing an object's names in place (SmallObject). One walk
// for both would test at every member whether to build, or call through
// a function value for every value, on every request body. They share
// all the rest, each token's walk (stringEnd, the one walk of a string,
// scalarEnd, afterValue) and the depth limit (maxDepth), so they differ
// only in what they keep; FuzzParse and FuzzRepeated hold both to
// json.Valid and to finding a repetition in the same texts.
package jsonscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/scimkit/scim/internal/clienttext"
)

// Value decodes the JSON value that starts at data[i], which
// json.Valid has checked, as encoding/json decodes into an any with
// UseNumber: objects map[string]any (a repeated name keeps its last
// value), lists []any, numbers json.Number, strings unquoted with every
// byte that is not UTF-8 and every lone surrogate as U+FFFD. It returns
// the value and the index after it. A request body is decoded by the
// same walker, checking as it goes (Parse; the PATCH decoder takes its
// operations' values through Value): it does what encoding/json does
// there without its reflection and second pass.
func Value(data []byte, i int) (any, int) {
	return value(data, i, nil, nil, 0)
}

// InvalidUTF8 returns the index of the first byte of s that is not part
// of a UTF-8 encoding, or -1 when s is UTF-8: where a request body or a
// filter's string is refused for it, the error says where.
func InvalidUTF8(s string) int {
	if utf8.ValidString(s) {
		return -1
	}
	for i := 0; ; {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
}

// LoneSurrogate returns the index in JSON text data of the first \u
// escape that names half of a UTF-16 surrogate pair without the other
// half right after it ("\ud800" alone; the escape is data[at:at+6]), or
// -1 when there is none. Decoded, such an escape is U+FFFD, a character
// the sender never wrote, so a request body that has one is refused as
// raw bytes that are not UTF-8 are, and so is a filter's string. Outside
// strings valid JSON has no backslash, so the text is read as a whole (or
// a string's content alone); on text that is not JSON the answer means
// nothing, but it never panics.
func LoneSurrogate(data []byte) (at int) {
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], '\\')
		if j < 0 {
			return -1
		}
		i += j
		if i+1 < len(data) && data[i+1] != 'u' {
			i += 2 // an escaped character, perhaps a backslash
			continue
		}
		if i+6 > len(data) {
			return -1
		}
		if r := hex4(data[i+2 : i+6]); utf16.IsSurrogate(r) {
			if i+12 <= len(data) && data[i+6] == '\\' && data[i+7] == 'u' &&
				utf16.DecodeRune(r, hex4(data[i+8:i+12])) != utf8.RuneError {
				i += 12
				continue
			}
			return i
		}
		i += 6
	}
}

// RepeatedError is the error of an object that gives the member name
// twice (the name Parse or ValidRepeated reports), worded the same
// wherever a request body is refused for it. The name is any text the
// client chose, so it is quoted concealing secrets, the model's set of
// secret names of the handler that refuses the body (nil: the password
// alone).
func RepeatedError(secrets *clienttext.Secrets, name string) error {
	return secrets.Errorf("the member %q is given twice in one object; send it once", name)
}

type dupName struct {
	name  string
	found bool
}

// ValidRepeated reports whether data is valid JSON text, as
// json.Valid(data) would (FuzzRepeated holds it to it), and, when it is,
// the first member name an object of it repeats exactly ({"a":1,"a":2},
// or "a\u0062" and "ab"), at any depth, and the index in data where its
// repetition starts; at is -1 when no object repeats a name (name is ""
// then, and may be "" too when "" is the name repeated). It is Parse's
// check without the value, in the pass that checks the text: it decodes
// nothing, and an object of up to 16 members costs no allocation, so a
// reader that takes members in place (the PATCH decoder) checks a whole
// body with one call. It and Parse find a repetition in the same texts
// (FuzzRepeated), though not always the same one when there are several.
func ValidRepeated(data []byte) (name string, at int, valid bool) {
	rep := repetition{at: -1}
	end := repeatedIn(data, SkipSpace(data, 0), &rep, 0)
	if end < 0 || SkipSpace(data, end) != len(data) {
		return "", -1, false
	}
	return rep.name, rep.at, true
}

// repetition is the first repeated member name a walk of repeatedIn
// finds: its name and where its repetition starts (at -1: none yet).
type repetition struct {
	name string
	at   int
}

// found records a repetition unless an earlier one was recorded.
func (r *repetition) found(name []byte, at int) {
	if r.at < 0 {
		r.name, r.at = Unquote(name[1:len(name)-1]), at
	}
}

// SmallObject is how many member names a check for repeats compares
// pairwise before it keeps them in a map (repeatedIn here, the handler's
// message bodies): a few comparisons cost less than a map, a thousand
// would cost a million. names.Repeated keeps the same limit (its
// smallSet): neither package imports the other, so change both.
const SmallObject = 16

// repeatedIn is ValidRepeated for the value at data[i], nested depth
// deep: it returns the index after the value, or a negative number when
// the text is not valid JSON there. The first repetition goes to rep; the
// walk goes on past it, as the rest of the text must be checked too.
func repeatedIn(data []byte, i int, rep *repetition, depth int) (end int) {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '{':
		if depth >= maxDepth {
			return -1
		}
		var small [SmallObject][]byte
		keys := small[:0]
		var set map[string]bool
		i = SkipSpace(data, i+1)
		if i < len(data) && data[i] == '}' {
			return i + 1
		}
		for {
			if i >= len(data) || data[i] != '"' {
				return -1
			}
			kend := stringEnd(data, i, false)
			if kend < 0 {
				return -1
			}
			key := data[i:kend]
			if rep.at >= 0 {
				// One repetition is all the caller needs: the rest is
				// only checked.
			} else if set == nil && len(keys) < SmallObject {
				for _, k := range keys {
					if sameName(k, key) {
						rep.found(key, i)
						break
					}
				}
				keys = append(keys, key)
			} else {
				if set == nil {
					set = make(map[string]bool, 2*SmallObject)
					for _, k := range keys {
						set[Unquote(k[1:len(k)-1])] = true
					}
				}
				k := Unquote(key[1 : len(key)-1])
				if set[k] {
					rep.found(key, i)
				}
				set[k] = true
			}
			if i = SkipSpace(data, kend); i >= len(data) || data[i] != ':' {
				return -1
			}
			if i = repeatedIn(data, SkipSpace(data, i+1), rep, depth+1); i < 0 {
				return -1
			}
			var closed, ok bool
			if i, closed, ok = afterValue(data, i, '}'); !ok || closed {
				return i
			}
		}
	case '[':
		if depth >= maxDepth {
			return -1
		}
		i = SkipSpace(data, i+1)
		if i < len(data) && data[i] == ']' {
			return i + 1
		}
		for {
			if i = repeatedIn(data, i, rep, depth+1); i < 0 {
				return -1
			}
			var closed, ok bool
			if i, closed, ok = afterValue(data, i, ']'); !ok || closed {
				return i
			}
		}
	}
	return scalarEnd(data, i)
}

// afterValue reads what follows a member or element that ends before
// data[i], white space aside: close (the object's '}', the list's ']')
// ends the object or list, and closed is true with next the index after
// it; a comma is followed by another member or element, at next. ok is
// false, and next -1, for anything else, which json.Valid refuses.
func afterValue(data []byte, i int, close byte) (next int, closed, ok bool) {
	if i = SkipSpace(data, i); i < len(data) {
		switch data[i] {
		case close:
			return i + 1, true, true
		case ',':
			return SkipSpace(data, i+1), false, true
		}
	}
	return -1, false, false
}

// maxDepth is how deep objects and lists may nest in a text json.Valid
// accepts (encoding/json's scanner refuses one nested deeper).
const maxDepth = 10000

// scalarEnd returns the index after the string, number, true, false or
// null that starts at b[i], or a negative number when none starts there
// as RFC 8259 spells it.
func scalarEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i, false)
	case 't':
		return literalEnd(b, i, "true")
	case 'f':
		return literalEnd(b, i, "false")
	case 'n':
		return literalEnd(b, i, "null")
	}
	return numberEnd(b, i)
}

// literalEnd returns the index after lit when b[i:] starts with it, else -1.
func literalEnd(b []byte, i int, lit string) int {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit)
	}
	return -1
}

// numberEnd returns the index after the JSON number that starts at b[i],
// or -1 when none does (Number).
func numberEnd(b []byte, i int) int {
	end, _, ok := Number(b, i)
	if !ok {
		return -1
	}
	return end
}

// Number scans the JSON number (RFC 8259 §6:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?) that starts at s[i],
// the one grammar of a number for the request decoders and the filter
// parser. It returns the index after it and whether it is an integer
// literal (no fraction, no exponent); ok is false when no number starts
// at i, and end is then meaningless.
func Number[T string | []byte](s T, i int) (end int, isInt, ok bool) {
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i >= len(s) || !isDigit(s[i]):
		return i, false, false
	case s[i] == '0':
		i++
	default:
		i = digitsEnd(s, i+1)
	}
	isInt = true
	if i < len(s) && s[i] == '.' {
		if i+1 >= len(s) || !isDigit(s[i+1]) {
			return i, false, false
		}
		isInt, i = false, digitsEnd(s, i+1)
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		if i++; i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			return i, false, false
		}
		isInt, i = false, digitsEnd(s, i)
	}
	return i, isInt, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digitsEnd returns the index of the first byte at or after s[i] that is
// not a decimal digit.
func digitsEnd[T string | []byte](s T, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

// stringEnd is the one walk of a JSON string, the string that starts at
// b[i] (b[i] is '"'), in a request body or a filter: it returns the index
// after it, or, when it is not closed or holds a control character
// unescaped, which no JSON text does, a negative number, ^k with k the
// index where it went wrong (len(b) when not closed; CheckString). Without
// lenient an escape must be one RFC 8259 defines (json.Valid's rule),
// else k is its backslash; with lenient a backslash takes whatever byte
// follows it (Members names a stored document's broken escape as written,
// and StringEnd reads text already checked, where every escape is right).
// Bytes that are not UTF-8 are accepted, as encoding/json accepts them.
func stringEnd[T string | []byte](b T, i int, lenient bool) int {
	for j := i + 1; ; j++ {
		// The plain run, most of a string: eight bytes at a time, then
		// one table load a byte up to the byte that stops it.
		for j+8 <= len(b) && !stopIn(load64(b, j)) {
			j += 8
		}
		for j < len(b) && !stringStop[b[j]] {
			j++
		}
		if j >= len(b) {
			return ^len(b)
		}
		switch b[j] {
		case '"':
			return j + 1
		case '\\':
			if j++; j >= len(b) {
				return ^len(b)
			}
			if lenient {
				continue
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(b)-j <= 4 {
					return ^(j - 1)
				}
				for k := j + 1; k < j+5; k++ {
					if h := b[k]; !isDigit(h) && (h|0x20 < 'a' || h|0x20 > 'f') {
						return ^(j - 1)
					}
				}
				j += 4
			default:
				return ^(j - 1)
			}
		default: // a control character
			return ^j
		}
	}
}

// load64 is binary.LittleEndian.Uint64(b[j:]) for a string as well: the
// compiler makes the eight loads one.
func load64[T string | []byte](b T, j int) uint64 {
	b = b[j : j+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// stopIn reports whether one of the eight bytes of w is one stringEnd
// stops at (stringStop), without looking at them one by one: a byte equal
// to '"' or '\\' is a zero byte of w XORed with eight of it, and a zero
// byte, or one below 0x20, is one that borrows when 1, or 0x20, is taken
// from each byte and had its high bit clear. Whether the block holds one
// is exact; which byte it is the byte loop after it finds (a borrow can
// mark bytes above the first as well; TestStopIn).
func stopIn(w uint64) bool {
	return (zeroIn(w^(ones*'"')) | zeroIn(w^(ones*'\\')) | belowIn(w, 0x20)) != 0
}

// ones and highs are a byte's 1 and its high bit in each of a word's eight
// bytes.
const ones, highs = 0x0101010101010101, 0x8080808080808080

// zeroIn has a high bit set in a byte's place when one of the eight
// bytes of x is zero (exact as to whether there is one, not which:
// stopIn's comment).
func zeroIn(x uint64) uint64 { return (x - ones) &^ x & highs }

// belowIn is zeroIn for a byte below n (n at most 0x80).
func belowIn(x, n uint64) uint64 { return (x - ones*n) &^ x & highs }

// stringStop marks the bytes stringEnd stops at: the quote that closes a
// string, a backslash, and the control characters JSON refuses unescaped.
var stringStop = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// CheckString walks the JSON string that starts at s[i] (s[i] is '"') by
// RFC 8259's rule, json.Valid's, with the walk every request body is read
// with: ok, end is the index after its closing quote; not ok, end is
// where the string stops being JSON: len(s) when it is never closed, a
// control character written as it is, or the backslash of an escape RFC
// 8259 does not define (\x, a \u without four hex digits). Like
// json.Valid it accepts bytes that are not UTF-8 and \u escapes of half
// a surrogate pair alone (LoneSurrogate), which Unquote makes U+FFFD. It
// is the filter parser's reader of a comparison's string (RFC 7644
// §3.4.2.2: a JSON string), which says where the string went wrong.
func CheckString[T string | []byte](s T, i int) (end int, ok bool) {
	if end = stringEnd(s, i, false); end < 0 {
		return ^end, false
	}
	return end, true
}

// sameName reports whether two member names, quoted as in the JSON text,
// are one name: the same bytes, or the same once unquoted when either
// escapes a character.
func sameName(a, b []byte) bool {
	if bytes.IndexByte(a, '\\') < 0 && bytes.IndexByte(b, '\\') < 0 {
		return bytes.Equal(a, b)
	}
	return Unquote(a[1:len(a)-1]) == Unquote(b[1:len(b)-1])
}

// value decodes the value at data[i] (after white space), nested depth
// deep, and returns it with the index after it; the index is -1 when the
// text is not valid JSON there (json.Valid's rule), and the value then
// means nothing.
func value(data []byte, i int, dup *dupName, names *Names, depth int) (any, int) {
	if i = SkipSpace(data, i); i >= len(data) {
		return nil, -1
	}
	switch data[i] {
	case '{':
		if depth >= maxDepth {
			return nil, -1
		}
		m := make(map[string]any)
		i = SkipSpace(data, i+1)
		if i < len(data) && data[i] == '}' {
			return m, i + 1
		}
		for {
			if i >= len(data) || data[i] != '"' {
				return nil, -1
			}
			end := stringEnd(data, i, false)
			if end < 0 {
				return nil, -1
			}
			key := names.Key(data[i+1 : end-1])
			if i = SkipSpace(data, end); i >= len(data) || data[i] != ':' {
				return nil, -1
			}
			var v any
			if v, i = value(data, i+1, dup, names, depth+1); i < 0 {
				return nil, -1
			}
			n := len(m)
			m[key] = v
			if len(m) == n && dup != nil && !dup.found {
				dup.name, dup.found = key, true
			}
			var closed, ok bool
			if i, closed, ok = afterValue(data, i, '}'); !ok {
				return nil, -1
			} else if closed {
				return m, i
			}
		}
	case '[':
		if depth >= maxDepth {
			return nil, -1
		}
		list := []any{}
		i = SkipSpace(data, i+1)
		if i < len(data) && data[i] == ']' {
			return list, i + 1
		}
		for {
			var v any
			if v, i = value(data, i, dup, names, depth+1); i < 0 {
				return nil, -1
			}
			list = append(list, v)
			var closed, ok bool
			if i, closed, ok = afterValue(data, i, ']'); !ok {
				return nil, -1
			} else if closed {
				return list, i
			}
		}
	case '"':
		end := stringEnd(data, i, false)
		if end < 0 {
			return nil, -1
		}
		return names.str(data[i+1 : end-1]), end
	case 't':
		return true, literalEnd(data, i, "true")
	case 'f':
		return false, literalEnd(data, i, "false")
	case 'n':
		return nil, literalEnd(data, i, "null")
	}
	end := numberEnd(data, i)
	if end < 0 {
		return nil, -1
	}
	return json.Number(data[i:end]), end
}

// Names are strings a decoder returns without making them: member names
// (Keys, each mapped to itself) and string values (Values, each mapped to
// itself in an any, so that one in a decoded document costs neither the
// string nor its boxing). A request body's names are mostly the schema's
// own, and a few of its values (schema URNs, canonical values such as
// "work") too, so a table of them saves an allocation per name. A string
// is looked up by its bytes in the JSON text: one written with an escape
// is unquoted as any other, with the same result. Names are only read
// once made, so any number of decoders may share them; a nil *Names
// holds nothing.
type Names struct {
	Keys   map[string]string
	Values map[string]any
}

// Key is the member name whose text (without its quotes) is raw: the one
// in n.Keys when it is there, else raw unquoted.
func (n *Names) Key(raw []byte) string {
	if n != nil {
		if k, ok := n.Keys[string(raw)]; ok {
			return k
		}
	}
	return Unquote(raw)
}

// str is the string value whose text (without its quotes) is raw, in an
// any: the one in n.Values when it is there, else raw unquoted.
func (n *Names) str(raw []byte) any {
	if n != nil {
		if v, ok := n.Values[string(raw)]; ok {
			return v
		}
	}
	return Unquote(raw)
}

// Value is the package's Value, with the names and string values in n
// taken from it.
func (n *Names) Value(data []byte, i int) (any, int) {
	return value(data, i, nil, n, 0)
}

// Parse decodes the whole of data, text not yet checked (a request
// body), as Value does: ok is what json.Valid(data) says (FuzzParse holds
// it to it), and v is meaningful only when ok. With unique it also
// reports a name an object of the value repeats exactly ({"a":1,"a":2};
// found is false when none does, and the name repeated may be ""): RFC
// 8259 §4 leaves what such an object means to the receiver, and a request
// body read with the last value where another reader took the first is
// refused instead (ValidRepeated's rule, checked in the pass that decodes
// and checks: a second pass over a user's POST cost about 15% of its
// decoding, BENCHMARKS.md). Without unique, repetitions are not looked
// for (found is false), as Value does not. The names and string values in
// n are taken from it; a nil n makes them.
func (n *Names) Parse(data []byte, unique bool) (v any, repeated string, found, ok bool) {
	var dup dupName
	dp := &dup
	if !unique {
		dp = nil
	}
	v, end := value(data, 0, dp, n, 0)
	if end < 0 || SkipSpace(data, end) != len(data) {
		return nil, "", false, false
	}
	return v, dup.name, dup.found, true
}

// SkipSpace returns the index of the first byte at or after b[i] that is
// not JSON white space.
func SkipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// StringEnd returns the index after the JSON string that starts at b[i]
// (valid JSON; len(b) when the string is not closed).
func StringEnd(b []byte, i int) int {
	if end := stringEnd(b, i, true); end >= 0 {
		return end
	}
	return len(b)
}

// Unquote is the content of a valid JSON string (without its quotes), as
// encoding/json unquotes it.
func Unquote(s []byte) string {
	r := 0
	for r < len(s) {
		c := s[r]
		if c == '\\' {
			break
		}
		if c < utf8.RuneSelf {
			r++
			continue
		}
		rr, size := utf8.DecodeRune(s[r:])
		if rr == utf8.RuneError && size == 1 {
			break
		}
		r += size
	}
	if r == len(s) {
		return string(s)
	}
	b := make([]byte, r, len(s)+2*utf8.UTFMax)
	copy(b, s[:r])
	for r < len(s) {
		switch c := s[r]; {
		case c == '\\':
			r++
			switch s[r] {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				rr := hex4(s[r+1:])
				r += 4
				if utf16.IsSurrogate(rr) {
					if r+6 < len(s)+0 && s[r+1] == '\\' && s[r+2] == 'u' {
						if dec := utf16.DecodeRune(rr, hex4(s[r+3:])); dec != utf8.RuneError {
							b = utf8.AppendRune(b, dec)
							r += 7
							continue
						}
					}
					rr = utf8.RuneError
				}
				b = utf8.AppendRune(b, rr)
			default: // '"', '\\', '/'
				b = append(b, s[r])
			}
			r++
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			if rr == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
				r++
				continue
			}
			b = append(b, s[r:r+size]...)
			r += size
		}
	}
	return string(b)
}

// hex4 reads the four hex digits of a \u escape.
func hex4(s []byte) rune {
	var r rune
	for _, c := range s[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		default:
			c = c - 'A' + 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// ValueEnd returns the index after the JSON value starting at b[i] (valid
// JSON).
func ValueEnd(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return StringEnd(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = StringEnd(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(b) { // a number, true, false or null
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// NextMember reads the member of the JSON object obj (valid JSON, its
// text from '{' to '}') that starts at or after obj[i]: pass 1 to read
// the first, then next. key is the name's text between the quotes
// (escapes as written), val the value's text. ok is false after the last
// member. It walks a value in place, without decoding it or checking it
// again, where Members checks text not yet checked.
func NextMember(obj []byte, i int) (key, val []byte, next int, ok bool) {
	i = SkipSpace(obj, i)
	if i < len(obj) && obj[i] == ',' {
		i = SkipSpace(obj, i+1)
	}
	if i >= len(obj) || obj[i] != '"' {
		return nil, nil, i, false
	}
	end := StringEnd(obj, i)
	key = obj[i+1 : end-1]
	i = SkipSpace(obj, SkipSpace(obj, end)+1) // past ':'
	end = ValueEnd(obj, i)
	return key, obj[i:end], end, true
}

// NextElement is NextMember for the JSON array list: the element that
// starts at or after list[i] (1 for the first, then next).
func NextElement(list []byte, i int) (val []byte, next int, ok bool) {
	i = SkipSpace(list, i)
	if i < len(list) && list[i] == ',' {
		i = SkipSpace(list, i+1)
	}
	if i >= len(list) || list[i] == ']' {
		return nil, i, false
	}
	end := ValueEnd(list, i)
	return list[i:end], end, true
}

// UnquoteValue is Unquote of the JSON string s with its quotes.
func UnquoteValue(s []byte) string { return Unquote(s[1 : len(s)-1]) }

// Member is a top-level member of a JSON object: its name's text between
// the quotes (escapes as written) and its value's text.
type Member struct{ Key, Val []byte }

var errNotObject = errors.New("not a JSON object")

// Members appends to out the top-level members of JSON object doc, in
// document order, without decoding them (query.ChangedAttributes diffs a
// write's two documents by their members' text). Unlike the rest of the
// package it takes text json.Valid has not checked, and checks the
// structure it walks: an object, names and strings closed, colons and
// commas in place, brackets matched, a value for each name, nothing after
// the object. It does not check the spelling of numbers and literals or
// the commas inside nested values.
func Members(doc []byte, out []Member) ([]Member, error) {
	i := SkipSpace(doc, 0)
	if i >= len(doc) || doc[i] != '{' {
		return nil, errNotObject
	}
	i = SkipSpace(doc, i+1)
	if i < len(doc) && doc[i] == '}' {
		return out, endOfDoc(doc, i+1)
	}
	for {
		if i >= len(doc) || doc[i] != '"' {
			return nil, errNotObject
		}
		end, err := checkedStringEnd(doc, i)
		if err != nil {
			return nil, err
		}
		key := doc[i+1 : end-1]
		i = SkipSpace(doc, end)
		if i >= len(doc) || doc[i] != ':' {
			return nil, errNotObject
		}
		start := SkipSpace(doc, i+1)
		if i, err = checkedValueEnd(doc, start); err != nil {
			return nil, err
		}
		out = append(out, Member{Key: key, Val: doc[start:i]})
		i = SkipSpace(doc, i)
		if i >= len(doc) {
			return nil, errNotObject
		}
		switch doc[i] {
		case ',':
			i = SkipSpace(doc, i+1)
		case '}':
			return out, endOfDoc(doc, i+1)
		default:
			return nil, errNotObject
		}
	}
}

// endOfDoc checks that only white space follows the object at i.
func endOfDoc(doc []byte, i int) error {
	if SkipSpace(doc, i) != len(doc) {
		return errNotObject
	}
	return nil
}

// checkedStringEnd is StringEnd on text not checked: an unterminated
// string or a control character in it is an error. Unlike CheckString it
// takes any escape: a corrupt stored document's name with a broken one is
// listed as written (TestChangedAttributesBrokenEscapeInName).
func checkedStringEnd(doc []byte, i int) (int, error) {
	if end := stringEnd(doc, i, true); end >= 0 {
		return end, nil
	}
	return 0, errNotObject
}

// checkedValueEnd is ValueEnd on text not checked: brackets must match
// and strings be closed.
func checkedValueEnd(doc []byte, i int) (int, error) {
	if i >= len(doc) {
		return 0, errNotObject
	}
	switch doc[i] {
	case '"':
		return checkedStringEnd(doc, i)
	case '{', '[':
		var buf [32]byte
		closers := buf[:0] // what each open bracket needs
		for j := i; j < len(doc); j++ {
			switch c := doc[j]; c {
			case '"':
				end, err := checkedStringEnd(doc, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{':
				closers = append(closers, '}')
			case '[':
				closers = append(closers, ']')
			case '}', ']':
				if closers[len(closers)-1] != c {
					return 0, errNotObject
				}
				if closers = closers[:len(closers)-1]; len(closers) == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errNotObject
	}
	j := i
	for j < len(doc) && strings.IndexByte("-+.0123456789eEtruefalsn", doc[j]) >= 0 {
		j++
	}
	if j == i {
		return 0, errNotObject
	}
	return j, nil
}

// plain reports, per byte, whether AppendString writes it as it is
// whatever follows: ASCII from space up, but for '"', '\\', '<', '>' and
// '&'. Bytes from 0x80 start a rune it must look at.
var plain = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	return t
}()

// escapeIn reports whether any of the eight bytes of w (the text's next
// eight, little-endian) is one plain does not mark: a quote, a
// backslash, '<', '>', '&', a control character or a byte of a
// multi-byte character. It may not say which; AppendString's byte loop
// finds it. A byte b is '"' or '&' exactly when b|4 is '&', and '<' or
// '>' exactly when b|2 is '>'; one below 0x20 or from 0x80 up has its
// high bit set in b-0x20 or in b itself (stopIn's borrow), so five
// tests are three zero tests and one of high bits.
func escapeIn(w uint64) bool {
	return (zeroIn((w|ones*4)^(ones*'&'))|zeroIn((w|ones*2)^(ones*'>'))|zeroIn(w^(ones*'\\')))|
		((w-ones*0x20)|w)&highs != 0
}

// AppendString appends s as a JSON string exactly as encoding/json writes
// it with HTML escaping on (its appendString): '<', '>' and '&' as
// \u003c, \u003e and \u0026, U+2028 and U+2029 escaped, each byte that
// is not valid UTF-8 as \ufffd, the short escapes \b \f \n \r \t and
// other control bytes as \u00XX. It is the encoder behind resources'
// documents and the change feed's lists, so both write what
// json.Marshal writes without its reflection.
func AppendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Most text is ASCII that needs no escape: eight bytes at a
		// time, then one table load a byte up to the byte that stopped
		// the block (within eight), and the run appended at once.
		for i+8 <= len(s) && !escapeIn(load64(s, i)) {
			i += 8
		}
		for i < len(s) && plain[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		if b := s[i]; b < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// SortedKeys appends the member names of a decoded JSON object (or of a map
// of members' raw texts) to dst in sorted order and returns the result.
// Whoever walks a request body (or anything decoded from one) in a way the
// answer can show (which of two errors answers, the order of warnings,
// which of two spellings wins) walks it in this order, not Go's map order,
// which changes from run to run: the same request must get the same answer
// every time. Passing a stack array's slice as dst (var buf
// [jsonscan.SmallObject]string) keeps a walk of an ordinary object free of
// allocations.
func SortedKeys[V any](dst []string, m map[string]V) []string {
	for k := range m {
		dst = append(dst, k)
	}
	slices.Sort(dst)
	return dst
}
