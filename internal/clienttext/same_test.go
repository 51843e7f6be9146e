package clienttext

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestRedactSame holds Redact to redactRef (its output at 5d2be4d) on
// the seeds and on text made to be near a token: the prefix's and the
// body's characters each written as they are or escaped up to four
// levels deep, hex digits of either case and each possibly escaped in
// turn, among bytes that look like parts of escapes; a short fuzz of
// FuzzRedactSame rarely builds such text on its own.
func TestRedactSame(t *testing.T) {
	for _, s := range redactSeeds {
		if got, want := Redact(s), redactRef(s); got != want {
			t.Fatalf("Redact(%q) = %q, was %q", s, got, want)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	n := 200000
	if testing.Short() {
		n = 20000
	}
	var b strings.Builder
	for range n {
		b.Reset()
		for range r.IntN(4) {
			writeNear(r, &b)
		}
		s := b.String()
		if got, want := Redact(s), redactRef(s); got != want {
			t.Fatalf("Redact(%q) = %q, was %q", s, got, want)
		}
	}
}

// writeNear writes to b a piece of text near a token: noise, or a
// prefix and a body of 14–18 characters, any character escaped.
func writeNear(r *rand.Rand, b *strings.Builder) {
	const noise = "%sScC_25735fF%.x/"
	if r.IntN(3) == 0 {
		for range r.IntN(8) {
			b.WriteByte(noise[r.IntN(len(noise))])
		}
		return
	}
	word := "scim_"
	if r.IntN(2) == 0 {
		word = "SCIM_"
	}
	if r.IntN(8) == 0 { // a near miss of the prefix
		w := []byte(word)
		w[r.IntN(len(w))] = noise[r.IntN(len(noise))]
		word = string(w)
	}
	body := "0123456789abcdefAB-_"[:14+r.IntN(5)]
	for _, c := range []byte(word + body) {
		writeEscaped(r, b, c, r.IntN(5)-1)
	}
}

// writeEscaped writes c to b escaped depth levels deep (as it is when
// depth < 1), each hex digit of either case and, at random, escaped in
// turn one level less deep; now and then it breaks the escape.
func writeEscaped(r *rand.Rand, b *strings.Builder, c byte, depth int) {
	if depth < 1 {
		b.WriteByte(c)
		return
	}
	const hex = "0123456789ABCDEF"
	digit := func(d byte) {
		h := hex[d]
		if h >= 'A' && r.IntN(2) == 0 {
			h |= 0x20
		}
		if r.IntN(3) == 0 {
			writeEscaped(r, b, h, depth-1)
		} else {
			b.WriteByte(h)
		}
	}
	if r.IntN(3) == 0 { // c as '%' escaped ("%25"), then c's escape
		b.WriteByte('%')
		digit(2)
		digit(5)
	} else {
		b.WriteByte('%')
	}
	if r.IntN(40) == 0 {
		b.WriteByte("G%x"[r.IntN(3)])
		return
	}
	digit(c >> 4)
	digit(c & 15)
}
