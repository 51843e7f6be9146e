package query

import "github.com/scimkit/scim/internal/fold"

// Fold maps s to a key under which strings equal by strings.EqualFold
// (Unicode simple case folding) coincide. Every rune is replaced by
// FoldRune's member of its folding orbit, so ASCII letters become lower
// case and the byte order of folded strings is the case-insensitive order of
// every store: the Evaluator's filters and Sorter compare with FoldRune too. It does not allocate for ASCII strings
// without upper-case letters.
//
// store/sqlstore persists these keys: the output for a given input must
// never change.
func Fold(s string) string { return fold.String(s) }

// FoldRune returns the representative of r's folding orbit: the lower-case
// form of the orbit's smallest rune when that is in the orbit, else the
// smallest rune. Runes without case partners (and utf8.RuneError) are
// returned as they are.
func FoldRune(r rune) rune { return fold.Rune(r) }
