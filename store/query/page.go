package query

import (
	"cmp"
	"slices"
)

// Window returns the page of s that starts at the 1-based index start (a
// start below 1 counts as 1) and is at most count long. It returns nil when
// count is not positive or start lies past the end. The page shares s's
// backing array.
func Window[T any](s []T, start, count int) []T {
	if start < 1 {
		start = 1
	}
	if count <= 0 || start > len(s) {
		return nil
	}
	from := start - 1
	to := len(s)
	if count < to-from {
		to = from + count
	}
	return s[from:to]
}

// Comparer is a sort key that orders itself against another key of its
// type (SortKey).
type Comparer[K any] interface {
	// Compare returns -1, 0 or +1 as the key sorts before, with or after o.
	Compare(o K) int
}

// compareKeySeq orders (ak, aseq) against (bk, bseq) as a walk sorted by
// key does: by key, reversed when desc, then by ascending sequence.
func compareKeySeq[K Comparer[K], Q cmp.Ordered](ak K, aseq Q, bk K, bseq Q, desc bool) int {
	c := ak.Compare(bk)
	if desc {
		c = -c
	}
	if c == 0 {
		c = cmp.Compare(aseq, bseq)
	}
	return c
}

// SortStable sorts s by the key that key returns for each element (called
// once per element), descending when desc. Elements with equal keys are
// ordered by their sequence number, ascending also when desc (creation
// order), and keep their relative order when those are equal too.
func SortStable[T any, K Comparer[K], Q cmp.Ordered](s []T, desc bool, key func(T) (K, Q)) {
	type item struct {
		key K
		seq Q
		v   T
	}
	items := make([]item, len(s))
	for i, v := range s {
		k, seq := key(v)
		items[i] = item{k, seq, v}
	}
	slices.SortStableFunc(items, func(a, b item) int { return compareKeySeq(a.key, a.seq, b.key, b.seq, desc) })
	for i := range items {
		s[i] = items[i].v
	}
}

// With returns a shallow copy of doc with key set to v; doc is not
// changed.
func With(doc map[string]any, key string, v any) map[string]any {
	out := make(map[string]any, len(doc)+1)
	for k, x := range doc {
		out[k] = x
	}
	out[key] = v
	return out
}
