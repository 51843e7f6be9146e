package filter

import (
	"errors"
	"strconv"
)

// ErrTooLong is wrapped by the *SyntaxError returned for an input longer
// than Parser.MaxLength; test for it with errors.Is.
var ErrTooLong = errors.New("input too long")

// ErrTooDeep is wrapped by the *SyntaxError returned for an input whose
// parentheses, "not (" and value-path brackets nest deeper than
// Parser.MaxDepth; test for it with errors.Is.
var ErrTooDeep = errors.New("input nests too deeply")

// ErrUnsupportedComparison is wrapped by the *SyntaxError returned for
// an ordering operator (gt, ge, lt, le) with true, false or null, which
// have no order: RFC 7644 §3.12's invalidFilter ("the specified
// attribute and filter comparison combination is not supported") where
// the filter stands, a list's or a PATCH path's, rather than that path's
// invalidPath. Test for it with errors.Is.
var ErrUnsupportedComparison = errors.New("comparison not supported")

// ErrInValueFilter is wrapped by the *SyntaxError returned for a problem
// inside a value filter's brackets (emails[type eq], emails[value gt ]),
// whatever else it wraps, but not for a '[' never closed or closed on
// nothing (title[, emails[]), which holds no value filter: in a PATCH
// path that is the
// filter's syntax, RFC 7644 §3.12's invalidFilter ("The specified filter
// syntax was invalid", for "PATCH (Path Filter)"), where a problem in the
// path around the brackets is the path's invalidPath. In a filter every
// problem is the filter's. ErrUnsupportedComparison, which the parser
// finds only in a comparison, comes with it in a path. Test for it with
// errors.Is.
var ErrInValueFilter = errors.New("in a value filter")

// SyntaxError is the error returned for every input that Parse or
// ParsePath rejects. Its Error text is meant for the client that sent the
// filter, e.g. "expected a value after 'eq' at offset 11".
type SyntaxError struct {
	// Offset is the byte offset into the input that Msg is about: where
	// the offending token starts, or where a missing token was expected.
	// For a bracket or string that is never closed it is the offset of
	// the opening '[', '(' or '"'. For an empty input it is 0 and for one
	// that is too long it is the maximum length; Error then omits it.
	Offset int
	// Msg describes the problem, without the offset.
	Msg string

	// detail is appended after the offset, e.g. ", found 'or' at offset 9".
	detail string
	// kind is ErrTooLong, ErrTooDeep or ErrUnsupportedComparison, or nil.
	kind error
	// whole is set when the problem concerns the whole input (empty or
	// too long), so Error does not mention an offset.
	whole bool
	// inValue is set when the problem is inside a value filter's
	// brackets (ErrInValueFilter).
	inValue bool
}

// Error returns the message followed by " at offset N" and any detail,
// e.g. "unexpected 'xyz' at offset 5, expected 'and', 'or' or end of
// filter".
func (e *SyntaxError) Error() string {
	if e.whole {
		return e.Msg
	}
	return e.Msg + " at offset " + strconv.Itoa(e.Offset) + e.detail
}

// Unwrap returns ErrTooLong, ErrTooDeep or ErrUnsupportedComparison for
// those problems, and ErrInValueFilter for one inside a value filter's
// brackets (for errors.Is and errors.As; errors.Unwrap sees none).
func (e *SyntaxError) Unwrap() []error {
	switch {
	case e.kind != nil && e.inValue:
		return []error{e.kind, ErrInValueFilter}
	case e.kind != nil:
		return []error{e.kind}
	case e.inValue:
		return []error{ErrInValueFilter}
	}
	return nil
}
