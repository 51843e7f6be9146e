// Package clienttext makes text a client sent fit to show in a message, a
// warning or a log: token-shaped text redacted, however it is
// percent-encoded, text that can hold a password or another secret
// attribute's value concealed (Secrets.Conceals), and each quoted piece
// bounded. The secrets are a model's: the password always, and the
// attributes the model makes returned "never", gathered into a Secrets
// once, when the model is built, and handed to every place that quotes
// client text for that model's handler; the package holds no state of
// its own, so two handlers of two models each conceal their own. It is
// one place because
// every package that builds a message from client text needs it (the
// handler, the filter parser, the PATCH engine, the schema checks of
// resources, the request log of admin, and tokens, which makes the text
// it recognises), and none of those may import the handler.
package clienttext

import (
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// TokenPrefix starts every token package tokens generates; the rest of a
// token is made of IsTokenChar characters (base64url).
const TokenPrefix = "scim_"

// Redacted replaces token-shaped text.
const Redacted = TokenPrefix + "[REDACTED]"

// minTokenBody is how many token characters after TokenPrefix make text
// token-shaped: a generated token has 43, and 16 (96 bits) is past
// guessing, while "scim_user" stays readable.
const minTokenBody = 16

// maxEscapeDepth is how many times over a character may be
// percent-encoded and still be read as the character: "_" as "%5F",
// "%255F" or "%25255F". Deeper nesting is no longer trivially decoded.
const maxEscapeDepth = 3

// IsTokenChar reports whether c can appear in a token after its prefix.
func IsTokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// Redact returns s with every token-shaped text in it replaced by
// Redacted. Token-shaped is TokenPrefix (in any letter case) followed by
// at least 16 token characters, each character read as it is or through
// up to three levels of percent-encoding ("scim%5F…", "%73cim_…",
// "scim_a%42c…", "scim%255F…"): a log keeps a path or a query string
// escaped as sent, and a reader decodes it at a glance.
//
// It runs on every request's path and query and on every message built
// from client text, so it reads as little as it can. Text shorter than
// a token (21 bytes), or holding neither '%' nor '_' (no token, encoded
// or not, can be in it), comes back after at most two byte scans. In
// other text a token can only be in a run of 21 or more bytes that are
// token characters or '%' (an escape is made of those): the scan looks
// for such runs, skipping text where none can be without reading most
// of it, and within a run decodes only where a byte and the two after
// it can start the prefix ("sc", "s%", an escape of 's'), which few of
// the '%'s and 's's of a query or a message can. Text without a token
// comes back as it is, without allocating.
func Redact(s string) string {
	if len(s) < minTokenLen || strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '_') < 0 {
		return s
	}
	var b strings.Builder
	done := 0  // s[:done] is written to b, or nothing when done is 0
	known := 0 // s[i:known] are tokenBytes, when known > i
	for i := 0; i+minTokenLen <= len(s); {
		// Token-shaped text starting at i covers s[i:end] at least, and
		// all it covers is tokenBytes. Look at the bytes of s[i:end] not
		// yet looked at, the last first: one that is not a tokenByte
		// rules out every start up to it.
		end := i + minTokenLen
		low := max(known, i)
		k := end - 1
		for k >= low && tokenByte[s[k]] {
			k--
		}
		known = end
		if k >= low {
			i = k + 1
			continue
		}
		// s[i:end] begins a run of tokenBytes: find where it ends, and
		// try the starts in it that leave room for a token and that
		// tokenStart allows.
		for end < len(s) && tokenByte[s[end]] {
			end++
		}
		for ; i+minTokenLen <= end; i++ {
			if !tokenStart.at(s, i) {
				continue
			}
			tokenEnd, ok := tokenAt(s, i)
			if !ok {
				continue
			}
			b.WriteString(s[done:i])
			b.WriteString(Redacted)
			done, i = tokenEnd, tokenEnd-1
		}
		i = end + 1 // s[end], if there is one, is not a tokenByte
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

// minTokenLen is the fewest bytes token-shaped text takes: each of its
// characters is one byte as it is, and more escaped.
const minTokenLen = len(TokenPrefix) + minTokenBody

// tokenByte reports whether a byte can be part of token-shaped text as
// written: a token character (the prefix's letters and '_' are, and so
// are hex digits), or the '%' of an escape, whose digits, escaped or
// not, are made of the same bytes.
var tokenByte = func() (t [256]bool) {
	for c := range len(t) {
		t[c] = IsTokenChar(byte(c)) || c == '%'
	}
	return t
}()

// at reports whether the word of w, read as Redact and NamesPassword
// read it (wordAt: each letter in either case, as it is or
// through up to maxEscapeDepth levels of percent-encoding), can start at
// s[i], from s[i] and the two bytes after it (i+2 < len(s)), before
// anything is decoded. word's first two bytes are lower-case ASCII
// letters (TokenPrefix's "sc", "pa"). It is false only where the word
// cannot start:
//   - a literal first letter, in either case, must be followed by the
//     second letter, in either case, or by a '%' that may escape it;
//   - a '%' must start an escape that stands for the first letter in
//     either case (for 's', 0x73 or 0x53: a high digit '7' or '5', then
//     the low digit '3'), or for a '%' (0x25) that starts one in turn
//     ("%2573"), or a digit may itself be escaped (a '%' in its place).
//
// The escapes client text is full of ("%22", "%20", "%40") are passed
// over this way without decoding: Redact runs on every logged request.
func (w wordStart) at(s string, i int) bool {
	// s[i+1] and s[i+2] are read whatever s[i] is, which keeps at
	// within the compiler's inlining budget: a call for every byte cost
	// more than the two loads (BENCHMARKS.md, "Redaction's scan").
	c, n, lo := s[i], s[i+1], s[i+2]
	if c != '%' {
		return c|0x20 == w.first && (n|0x20 == w.second || n == '%')
	}
	// n is the escape's high digit: an upper-case letter's is the
	// lower-case one's less 2 ('5' and '7' for 'S' and 's'), so n|2
	// folds them; lo is its low digit, a decimal one or a letter in
	// either case (lo|0x20 leaves a decimal digit as it is).
	return n|2 == w.hi && (lo|0x20 == w.lo || lo == '%') ||
		n == '2' && (lo == '5' || lo == '%') || n == '%'
}

// wordStart is what at compares the start of a word with: its first two
// letters, and the high and low digits of an escape of its first letter
// in lower case. It is made once per word (startOf), not per byte looked
// at.
type wordStart struct{ first, second, hi, lo byte }

// startOf returns the wordStart of word, whose first two bytes are
// lower-case ASCII letters.
func startOf(word string) wordStart {
	f := word[0]
	return wordStart{first: f, second: word[1], hi: hexDigits[f>>4], lo: hexDigits[f&0xf]}
}

// The starts of the two words client text is searched for.
var (
	tokenStart    = startOf(TokenPrefix)
	passwordStart = startOf(passwordName)
)

// hexDigits are the digits of an escape, lower-case: a letter digit
// compares with them once folded (|0x20), a decimal one as it is.
const hexDigits = "0123456789abcdef"

// tokenAt reports whether token-shaped text starts at s[i], and where it
// ends.
func tokenAt(s string, i int) (end int, ok bool) {
	j := wordAt(s, i, TokenPrefix)
	if j < 0 {
		return 0, false
	}
	n := 0
	for j < len(s) {
		c, next := decodeAt(s, j, maxEscapeDepth)
		if !IsTokenChar(c) {
			break
		}
		j, n = next, n+1
	}
	return j, n >= minTokenBody
}

// wordAt returns the index after word when s holds it at s[i], each of
// its bytes in either letter case (word is lower-case), as it is or read
// through up to maxEscapeDepth levels of percent-encoding; -1 when it
// does not.
func wordAt(s string, i int, word string) int {
	for k := 0; k < len(word); k++ {
		if i >= len(s) {
			return -1
		}
		c, next := decodeAt(s, i, maxEscapeDepth)
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != word[k] {
			return -1
		}
		i = next
	}
	return i
}

// decodeAt returns the byte the text at s[i] stands for, read through up
// to depth levels of percent-encoding (the two hex digits of an escape
// may themselves be escaped), and the index after it. A '%' that starts
// no escape stands for itself.
func decodeAt(s string, i, depth int) (byte, int) {
	c, next := s[i], i+1
	for c == '%' && depth > 0 && next < len(s) {
		hi, n1 := decodeAt(s, next, depth-1)
		if !isHex(hi) || n1 >= len(s) {
			break
		}
		lo, n2 := decodeAt(s, n1, depth-1)
		if !isHex(lo) {
			break
		}
		c, next = unhex(hi)<<4|unhex(lo), n2
		depth--
	}
	return c, next
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f'
}

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c | 0x20 - 'a' + 10
}

// MaxQuoted is how many bytes of one piece of client text a message
// quotes: enough to recognise an attribute name, a path or a value, and
// a bound on a message whatever the client sent.
const MaxQuoted = 128

// Cut returns s cut to at most max bytes at a character boundary (never
// inside a UTF-8 sequence), and whether anything was cut.
func Cut(s string, max int) (string, bool) {
	if len(s) <= max {
		return s, false
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut], true
}

// Clip returns s cut to at most max bytes (max > 3) at a character
// boundary, the cut marked with "…": a field of a log kept whole when it
// fits. s itself comes back when it fits, without allocating.
func Clip(s string, max int) string {
	const ellipsis = "…"
	if len(s) <= max {
		return s
	}
	head, _ := Cut(s, max-len(ellipsis))
	return head + ellipsis
}

// Field returns the client text s as a field of a log keeps it: redacted
// (Redact), then clipped to max bytes (Clip). The request log's entries
// and the handler's log line both keep a request's path so, and one
// function keeps them agreeing.
func Field(s string, max int) string {
	return Clip(Redact(s), max)
}

// Excerpt returns what a message shows of the client text t: head, t
// with token-shaped text redacted and cut to MaxQuoted bytes, and rest,
// "" when nothing was cut, or "… (N bytes)" with N the length of t as
// sent, to follow head (quoted or not). Text that Conceals is shown as
// Concealed, without its length.
func (s *Secrets) Excerpt(t string) (head, rest string) {
	if s.Conceals(t) {
		return Concealed, ""
	}
	head, cut := Cut(Redact(t), MaxQuoted)
	if !cut {
		return head, ""
	}
	return head, "… (" + strconv.Itoa(len(t)) + " bytes)"
}

// Quote returns the client text t as a message quotes it: the Excerpt's
// head in Go (and JSON-compatible) double quotes, then its rest.
func (s *Secrets) Quote(t string) string {
	head, rest := s.Excerpt(t)
	return strconv.Quote(head) + rest
}

// MaxListed is how many texts QuoteList names before "and N more": a
// push of a thousand unprovisioned members needs no line of every one to
// be understood.
const MaxListed = 5

// QuoteList renders the client texts ts (member values, say) as a message
// lists them: each quoted as Quote quotes it, comma-separated, the first
// MaxListed of them and then how many more there are.
func (s *Secrets) QuoteList(ts []string) string {
	return s.QuoteListAt(nil, ts)
}

// QuoteListAt is QuoteList with each text after the label saying where
// the client sent it (labels[i] names ts[i], as in members[2] "x"); nil
// labels is QuoteList.
func (s *Secrets) QuoteListAt(labels, ts []string) string {
	var b strings.Builder
	for i, t := range ts {
		if i == MaxListed {
			fmt.Fprintf(&b, " and %d more", len(ts)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		if labels != nil {
			b.WriteString(labels[i])
			b.WriteByte(' ')
		}
		b.WriteString(s.Quote(t))
	}
	return b.String()
}

// Unquoted returns the client text t as a message shows it without
// quotes (a member name after "Operations[1]."): the Excerpt's head, then
// its rest.
func (s *Secrets) Unquoted(t string) string {
	head, rest := s.Excerpt(t)
	return head + rest
}

// Args returns args fit for a message's fmt.Sprintf, as every message
// built from client text takes them: each string that needs it (longer
// than MaxQuoted, holding token-shaped text, or text that Conceals) is
// formatted by %q as Quote makes it, and by any other verb redacted but
// whole (a %s argument is the message's own text, not the client's); an
// error's text is redacted. args itself comes back when nothing needs it.
// A part of a piece of client text is passed as PartOf makes it.
func (s *Secrets) Args(args []any) []any {
	var out []any
	for i, a := range args {
		var t any
		switch x := a.(type) {
		case string:
			if len(x) > MaxQuoted || Redact(x) != x || s.Conceals(x) {
				t = text{x, s}
			}
		case error:
			if e := x.Error(); Redact(e) != e {
				t = redactedError{x}
			}
		}
		if t == nil {
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = t
	}
	if out == nil {
		return args
	}
	return out
}

// Sprintf is fmt.Sprintf of format and s.Args(args).
func (s *Secrets) Sprintf(format string, args ...any) string {
	return fmt.Sprintf(format, s.Args(args)...)
}

// Sprintf is Secrets.Sprintf of the password alone, for a message whose
// client text no model's attribute names can be in.
func Sprintf(format string, args ...any) string {
	return (*Secrets)(nil).Sprintf(format, args...)
}

// Errorf is fmt.Errorf of format and s.Args(args): %w still wraps.
func (s *Secrets) Errorf(format string, args ...any) error {
	return fmt.Errorf(format, s.Args(args)...)
}

// Errorf is Secrets.Errorf of the password alone, for an error whose
// client text no model's attribute names can be in.
func Errorf(format string, args ...any) error {
	return (*Secrets)(nil).Errorf(format, args...)
}

// text is client text for fmt: %q quotes its excerpt (concealed as its
// Secrets say), other verbs write it redacted.
type text struct {
	s       string
	secrets *Secrets
}

// Format implements fmt.Formatter; %+q quotes in ASCII, as for a string.
func (t text) Format(f fmt.State, verb rune) {
	if verb != 'q' {
		_, _ = io.WriteString(f, Redact(t.s))
		return
	}
	head, rest := t.secrets.Excerpt(t.s)
	if f.Flag('+') {
		head = strconv.QuoteToASCII(head)
	} else {
		head = strconv.Quote(head)
	}
	_, _ = io.WriteString(f, head+rest)
}

// redactedError is an error whose text holds a token: its text redacted,
// the error itself still there for errors.Is and %w.
type redactedError struct{ err error }

func (e redactedError) Error() string { return Redact(e.err.Error()) }
func (e redactedError) Unwrap() error { return e.err }

// Concealed is what a message, a warning or a log shows in place of
// client text that Conceals.
const Concealed = "[REDACTED: names a secret]"

// passwordName is the attribute whose values client text must not show
// whatever the model: RFC 7643 makes it returned "never" in every User.
const passwordName = "password"

// NamesPassword reports whether s names the password attribute: it holds
// "password" in any ASCII letter case (as attribute names match,
// internal/names), each letter as it is or read through up to three
// levels of percent-encoding, as Redact reads a token: "password",
// "PASSWORD", "urn:...:User:password", "%70assword". It allocates
// nothing.
func NamesPassword(s string) bool {
	for i := 0; i+len(passwordName) <= len(s); i++ {
		if passwordStart.at(s, i) && wordAt(s, i, passwordName) >= 0 {
			return true
		}
	}
	return false
}

// secretName is a name of a Secrets: lower-case, with its wordStart when
// at can look ahead for it (hasStart: three bytes or more, the first two
// letters).
type secretName struct {
	name     string
	start    wordStart
	hasStart bool
}

// Secrets is the set of secret attribute names client text is searched
// for: the password, whatever the model (RFC 7643 makes it returned
// "never" in every User), and the names of the attributes and
// sub-attributes a model marks returned "never" (RFC 7643 §2.4), which
// package resources gathers once, when it builds a model, and every place
// that quotes client text for that model's handler is handed. A nil
// *Secrets is the password alone. A Secrets is never changed once built,
// so one value serves any number of goroutines.
//
// It holds the bytes a name can start with as written (its first letter
// in either case, or the '%' of an escape): NamesSecret passes over any
// other byte with one lookup, whatever the number of names.
type Secrets struct {
	names []secretName
	list  []string // each of names' name, for Names
	first [256]bool
}

// NewSecrets returns the Secrets of names (attribute names, matched in
// any letter case) besides the password: nil, the password alone, when
// every name holds "password" (which is recognised already) or none is
// given. A name given twice is kept once.
func NewSecrets(names ...string) *Secrets {
	var set *Secrets // made at the first name kept: none, nothing allocated
	for _, n := range names {
		n = strings.ToLower(n)
		if n == "" || NamesPassword(n) || set != nil && slices.ContainsFunc(set.names, func(s secretName) bool { return s.name == n }) {
			continue
		}
		if set == nil {
			set = &Secrets{}
		}
		sn := secretName{name: n}
		if len(n) >= 3 && isLower(n[0]) && isLower(n[1]) {
			sn.start, sn.hasStart = startOf(n), true
		}
		set.names = append(set.names, sn)
		set.list = append(set.list, n)
		set.first[n[0]], set.first[n[0]&^0x20], set.first['%'] = true, true, true
	}
	return set
}

// Names returns the names s holds besides the password, lower-case, in
// the order NewSecrets was given them (nil for a nil s), without
// allocating: the caller must not change the list. A model's set is the
// union of its types' (NewSecrets of both lists), and a filter.Parser
// takes them as its SecretNames.
func (s *Secrets) Names() []string {
	if s == nil {
		return nil
	}
	return slices.Clip(s.list)
}

// NamesSecret reports whether t names a secret attribute: the password
// (NamesPassword, "password" anywhere in it), or a name of s as a whole
// attribute name, not part of a longer one ("pin" in "urn:...:pin" or
// "pin[value eq 1]", not in "spinner"), read as NamesPassword reads the
// password. It allocates nothing, and for a nil s costs NamesPassword's
// scan alone.
func (s *Secrets) NamesSecret(t string) bool {
	if NamesPassword(t) {
		return true
	}
	if s == nil {
		return false
	}
	for i := 0; i < len(t); i++ {
		if !s.first[t[i]] {
			continue
		}
		for _, n := range s.names {
			if namesWordAt(t, i, n) {
				return true
			}
		}
	}
	return false
}

// namesWordAt reports whether s holds n as a whole attribute name at
// s[i]: n's letters (in either case, each as it is or percent-encoded)
// with no name character on either side.
func namesWordAt(s string, i int, n secretName) bool {
	if i+len(n.name) > len(s) || n.hasStart && !n.start.at(s, i) {
		return false
	}
	return wholeNameAt(s, i, n.name)
}

// wholeNameAt is namesWordAt without its look-ahead: wordAt, then the
// bounds on either side.
func wholeNameAt(s string, i int, name string) bool {
	j := wordAt(s, i, name)
	if j < 0 {
		return false
	}
	if j < len(s) {
		if c, _ := decodeAt(s, j, maxEscapeDepth); isNameByte(c) {
			return false
		}
	}
	return nameStartsAt(s, i)
}

// nameStartsAt reports whether no name character ends just before s[i]:
// i is 0, the byte before is none, or an escape of one that is none ends
// there ("%3Apin"). Either reading of bytes that may be an escape or not
// counts, so that in doubt text is concealed.
func nameStartsAt(s string, i int) bool {
	if i == 0 || !isNameByte(s[i-1]) {
		return true
	}
	// An escape at maxEscapeDepth takes at most 27 bytes (each digit of
	// each level escaped in turn).
	for k := i - 1; k >= 0 && k >= i-27; k-- {
		if s[k] != '%' {
			continue
		}
		if c, next := decodeAt(s, k, maxEscapeDepth); next == i && !isNameByte(c) {
			return true
		}
	}
	return false
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }

// isNameByte reports whether c can be part of an attribute name (RFC 7643
// §2.1's nameChar, and the '$' of "$ref").
func isNameByte(c byte) bool { return IsTokenChar(c) || c == '$' }

// Conceals reports whether a message, a warning or a log must not show
// the client text t, nor any part of it (PartOf): t names a secret
// attribute (NamesSecret: the password, or a name of s, an attribute the
// model marks returned "never") and is more than an attribute path, so that it can
// hold a value compared with the secret, or the secret itself: a filter
// (password eq "…", urn:...:pin eq "…"), a PATCH path or sortBy with a
// value filter (password[value eq "…"]), a query string. A bare
// attribute path ("password", "urn:...:User:password", "name.givenName")
// holds no value and is shown as it is: it is what a refusal names.
//
// The rule is by name, not by what a request's resource type makes of
// it: every piece of client text that can hold a secret is concealed
// wherever a message, a warning or the request log would show it, before
// anything has parsed it (a filter that does not parse is quoted too).
func (s *Secrets) Conceals(t string) bool {
	return s.NamesSecret(t) && !isAttrPath(t)
}

// isAttrPath reports whether s is made of the characters of an attribute
// path alone (RFC 7643 §2.1's nameChar, "$" of "$ref", and the ':' and
// '.' of a schema URN and a sub-attribute), which no comparison, quoted
// string or escape is made of.
func isAttrPath(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !IsTokenChar(c) && c != ':' && c != '.' && c != '$' {
			return false
		}
	}
	return true
}

// concealsPart reports whether a message must not show part, a part of
// the client text whole (a token of a filter, a value of a PATCH path):
// whole Conceals, or names a secret and part is not all of it (a value
// compared with an attribute the path "password" names).
func (s *Secrets) concealsPart(whole, part string) bool {
	return s.Conceals(whole) || part != whole && s.NamesSecret(whole)
}

// ExcerptOf is Excerpt of part, a part of the client text whole, which a
// message quotes (a token a filter's parser did not expect, an unquoted
// value of a PATCH path): Concealed when whole names a secret (see
// PartOf).
func (s *Secrets) ExcerptOf(whole, part string) (head, rest string) {
	if s.concealsPart(whole, part) {
		return Concealed, ""
	}
	return s.Excerpt(part)
}

// PartOf returns part, a part of the client text whole, as an argument
// for Sprintf or Errorf: formatted as a string argument of Args is, or as
// Concealed when whole names a secret (NamesSecret) and part is not whole
// itself, or whole Conceals. "unexpected 'Hunter2' at offset 20" quotes no
// password, but does of the filter password eq correct Hunter2: the
// piece of client text a message quotes from decides nothing, the text
// it is a part of does.
func (s *Secrets) PartOf(whole, part string) any {
	if s.concealsPart(whole, part) {
		return text{s: Concealed}
	}
	return part
}

// ConcealQuery returns target, a request's path and query string as sent
// (escapes kept), with the value of each query parameter that names a
// secret (s.NamesSecret) concealed: the parameter is kept as name=Concealed, or as
// Concealed whole when its name is more than an attribute path. A value
// that is an attribute path alone (sortBy=password) is kept, as Conceals
// keeps it. The value of an access_token parameter (bearerParam) goes
// too, whatever it holds: as Redacted when it holds one of our tokens,
// else as Concealed. The request log keeps a request's
// target so. target itself comes back, without allocating, when its query
// names no secret.
func (s *Secrets) ConcealQuery(target string) string {
	path, _, ok := strings.Cut(target, "?")
	if !ok {
		return target
	}
	// One pass over the pairs: b is grown at the first pair that
	// changes, and holds target up to kept.
	var b strings.Builder
	kept := 0
	for at := len(path) + 1; ; {
		pair, _, more := strings.Cut(target[at:], "&")
		if name, value, changed := s.concealPair(pair); changed {
			if kept == 0 {
				b.Grow(len(target))
			}
			b.WriteString(target[kept:at])
			if name != "" {
				b.WriteString(name)
				b.WriteByte('=')
			}
			b.WriteString(value)
			kept = at + len(pair)
		}
		if !more {
			break
		}
		at += len(pair) + 1
	}
	if kept == 0 {
		return target
	}
	b.WriteString(target[kept:])
	return b.String()
}

// concealPair says what ConcealQuery writes for pair, one parameter of a
// query as sent: changed false, pair as it is; else name, '=' and value,
// or value alone when name is "" (the whole pair concealed).
func (s *Secrets) concealPair(pair string) (name, value string, changed bool) {
	name, v, hasValue := strings.Cut(pair, "=")
	switch {
	case hasValue && bearerParam(name):
		// All of the value goes; one of our tokens is still shown to be
		// one, as Redact shows it anywhere else.
		if Redact(v) != v {
			return name, Redacted, true
		}
		return name, Concealed, true
	case !s.NamesSecret(pair), !s.NamesSecret(name) && isAttrPath(v): // sortBy=password
		return "", "", false
	case !isAttrPath(name):
		return "", Concealed, true
	case !hasValue: // "password" alone
		return "", "", false
	}
	return name, Concealed, true
}

// bearerName is the query parameter RFC 6750 §2.3 carries a bearer token
// in. The handler never reads a token there, but a client may send one
// (some send it besides the header), of any shape: a host's own
// Authenticator may take tokens Redact does not know.
const bearerName = "access_token"

// bearerParam reports whether name, a query parameter's name as sent, is
// bearerName in any letter case, percent-encoded or not (as a server
// reading the query decodes it).
func bearerParam(name string) bool {
	if len(name) < len(bearerName) || len(name) > 3*len(bearerName) {
		return false
	}
	if strings.EqualFold(name, bearerName) {
		return true
	}
	if strings.IndexByte(name, '%') < 0 {
		return false
	}
	d, err := url.QueryUnescape(name)
	return err == nil && strings.EqualFold(d, bearerName)
}

// ConcealQuery is Secrets.ConcealQuery of the password alone, for an
// entry kept without a model (admin.Request.Sanitized).
func ConcealQuery(target string) string { return (*Secrets)(nil).ConcealQuery(target) }
