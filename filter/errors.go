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
// those problems, nil otherwise.
func (e *SyntaxError) Unwrap() error { return e.kind }
