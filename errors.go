package scim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/clienttext"
	"github.com/scimkit/scim/internal/patch"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

// SCIM error keywords (RFC 7644 §3.12).
const (
	ScimTypeInvalidFilter  = "invalidFilter"
	ScimTypeTooMany        = "tooMany"
	ScimTypeUniqueness     = "uniqueness"
	ScimTypeMutability     = "mutability"
	ScimTypeInvalidSyntax  = "invalidSyntax"
	ScimTypeInvalidPath    = "invalidPath"
	ScimTypeNoTarget       = "noTarget"
	ScimTypeInvalidValue   = "invalidValue"
	ScimTypeInvalidVersion = "invalidVers"
	ScimTypeSensitive      = "sensitive"
	// ScimTypeInvalidCursor and ScimTypeExpiredCursor answer a cursor
	// (RFC 9865) that is not valid for the request, or past its expiry.
	ScimTypeInvalidCursor = "invalidCursor"
	ScimTypeExpiredCursor = "expiredCursor"
)

const errorSchema = "urn:ietf:params:scim:api:messages:2.0:Error"

// Error is a SCIM error response (RFC 7644 §3.12). A store may return one
// (directly or wrapped) to choose the response itself.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// ScimType is the error keyword, or "".
	ScimType string
	// Detail is a human-readable message. An Error the handler made of
	// client text (errorf) has it made when the handler answers with it,
	// concealing its model's secrets; until then Detail is "" and Error()
	// gives the message made with the password's rule alone, so a store
	// that reads an Error its change callback returned reads Error().
	Detail string
	// format and args are what errorf gave for Detail, which is made of
	// them once, by the handler that answers, concealing its model's
	// secrets (concealed); format is "" once Detail is made, and for an
	// Error made otherwise.
	format string
	args   []any
}

func (e *Error) Error() string {
	if e.ScimType != "" {
		return fmt.Sprintf("scim: %d %s: %s", e.Status, e.ScimType, e.detail())
	}
	return fmt.Sprintf("scim: %d: %s", e.Status, e.detail())
}

// detail is e's Detail, made of errorf's format and args (concealing the
// password alone) when no handler has made it yet: for an Error read
// outside the request's answer (a log, a test).
func (e *Error) detail() string {
	if e.format == "" {
		return e.Detail
	}
	return clienttext.Sprintf(e.format, e.args...)
}

// MarshalJSON renders the RFC 7644 §3.12 body; status is a string.
func (e *Error) MarshalJSON() ([]byte, error) {
	type body struct {
		Schemas  []string `json:"schemas"`
		Status   string   `json:"status"`
		ScimType string   `json:"scimType,omitempty"`
		Detail   string   `json:"detail,omitempty"`
	}
	return jsonMarshal(body{[]string{errorSchema}, strconv.Itoa(e.Status), e.ScimType, e.detail()})
}

// errorf is the SCIM error whose detail is format with args, as every
// message from client text is made (clienttext.Secrets.Sprintf): a %q
// argument is quoted in part when long, token-shaped text is redacted,
// and text naming a secret concealed, so a detail is bounded whatever the
// client sent and never shows a token or a secret. It is made where no
// model may be at hand, so the detail is made once, when toError answers
// with it and its handler's model's secrets (concealed), not here. A
// format without verbs or arguments holds no client text: it is the
// detail, and the package's errors made so (errStale) are answered as
// they are.
func errorf(status int, scimType, format string, args ...any) *Error {
	if len(args) == 0 && !strings.Contains(format, "%") {
		return &Error{Status: status, ScimType: scimType, Detail: format}
	}
	return &Error{Status: status, ScimType: scimType, format: format, args: args}
}

// concealed is e with its detail made by secrets, when errorf left it to
// be made: e itself otherwise.
func (e *Error) concealed(secrets *clienttext.Secrets) *Error {
	if e.format == "" {
		return e
	}
	return &Error{Status: e.Status, ScimType: e.ScimType, Detail: secrets.Sprintf(e.format, e.args...)}
}

// toError maps any error to the SCIM error to answer r with, in one place.
// Unrecognised errors become a generic 500 and are logged, never echoed.
func (h *handler) toError(r *http.Request, err error) *Error {
	ctx := r.Context()
	var se *Error
	if errors.As(err, &se) {
		return se.concealed(h.secrets)
	}
	var pe *patch.Error
	if errors.As(err, &pe) {
		status := pe.Status
		if status == 0 {
			status = http.StatusBadRequest
		}
		return &Error{Status: status, ScimType: pe.ScimType, Detail: pe.Detail}
	}
	var ae *resources.AttrError
	if errors.As(err, &ae) {
		t := ae.ScimType
		if t == "" {
			t = ScimTypeInvalidValue
		}
		return &Error{Status: http.StatusBadRequest, ScimType: t, Detail: ae.Error()}
	}
	var fe *filter.SyntaxError
	if errors.As(err, &fe) {
		return &Error{Status: http.StatusBadRequest, ScimType: ScimTypeInvalidFilter, Detail: "invalid filter: " + fe.Error()}
	}
	var ee *query.FilterError
	if errors.As(err, &ee) {
		return &Error{Status: http.StatusBadRequest, ScimType: ScimTypeInvalidFilter, Detail: ee.Error()}
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Detail: h.notFoundDetail(r)}
	case errors.Is(err, store.ErrConflict):
		return &Error{Status: http.StatusConflict, ScimType: ScimTypeUniqueness, Detail: h.conflictDetail(err)}
	case errors.Is(err, store.ErrPreconditionFailed):
		return errStale
	case errors.Is(err, store.ErrUnknownMembers):
		// memberWrite names the values when the store noted them; a
		// store may return the sentinel without noting any, or from a
		// call memberWrite does not wrap.
		return &Error{Status: http.StatusBadRequest, ScimType: ScimTypeInvalidValue, Detail: "a member value names no user or group of this server; provision it first, or leave it out"}
	case errors.Is(err, store.ErrInvalidCursor):
		return errInvalidCursor("the store cannot read its position")
	case errors.Is(err, store.ErrUnsupportedFilter):
		return &Error{Status: http.StatusBadRequest, ScimType: ScimTypeInvalidFilter, Detail: "this server cannot evaluate that filter"}
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		h.cfg.Logger.LogAttrs(ctx, slog.LevelError, "scim: store unavailable", slog.String("request_id", requestID(ctx)), loggedError(err))
		return &Error{Status: http.StatusServiceUnavailable, Detail: "the database is unavailable or did not answer in time; retry later (request " + requestID(ctx) + ")"}
	case errors.Is(err, context.Canceled):
		return &Error{Status: http.StatusServiceUnavailable, Detail: "the request was cancelled"}
	}
	if cerr := ctx.Err(); cerr != nil {
		// An error of no known kind after the request's store deadline
		// passed, or after the client left, is most likely that: a store
		// on database/sql whose transaction was rolled back under it
		// reports sql.ErrTxDone, not the context's error. A 503 asks the
		// provider to retry; a 500 would not.
		return h.toError(r, fmt.Errorf("%w: %w", cerr, err))
	}
	h.cfg.Logger.LogAttrs(ctx, slog.LevelError, "scim: internal error", slog.String("request_id", requestID(ctx)), loggedError(err))
	return &Error{Status: http.StatusInternalServerError, Detail: "internal server error (request " + requestID(ctx) + ")"}
}

// notFoundDetail is the detail of a 404 for a resource the store does
// not hold: it names the path r (the request, or a /Bulk operation's
// sub-request) addressed, quoted as client text, so that an admin
// reading a provider's log tells which resource is gone, and says why it
// may be.
func (h *handler) notFoundDetail(r *http.Request) string {
	return h.secrets.Sprintf("resource not found: nothing is at %q (it was never created here, or was deleted); create it with a POST, or find it with a filter", r.URL.Path)
}

// loggedError is err as the handler logs it, its token-shaped text
// redacted (clienttext.Redact): a store's or a host's error may quote what
// the client sent where a token does not belong (an id, a filter value;
// PostgreSQL's "invalid input syntax for type uuid" names the value), and
// the request line beside it redacts the path alike.
func loggedError(err error) slog.Attr {
	return slog.String("error", clienttext.Redact(err.Error()))
}

// loggedPanic is a recovered panic's value as the handler logs it,
// redacted as loggedError redacts an error's text.
func loggedPanic(p any) slog.Attr {
	return slog.String("panic", clienttext.Redact(fmt.Sprint(p)))
}

// conflictDetail keeps the part of a store's conflict message that names
// the attribute ("userName \"bjensen\" is already taken"): the Detail of
// a query.NameConflict, quoted with the model's secrets, or the text
// after the sentinel's when the store wrapped ErrConflict with
// fmt.Errorf("%w: ..."). An error that wraps another beside ErrConflict
// (fmt.Errorf("%w: %w", store.ErrConflict, dbErr)) carries that error's
// text, a database's SQL, constraint and row values, which is never
// echoed: the detail is then the handler's own words.
func (h *handler) conflictDetail(err error) string {
	const ours = "a resource with the same unique attribute value already exists"
	if nc, ok := errors.AsType[*query.NameConflictError](err); ok {
		return nc.Detail(h.model.SecretNames()...)
	}
	if m, ok := err.(interface{ Unwrap() []error }); ok && len(m.Unwrap()) > 1 {
		return ours
	}
	msg := err.Error()
	prefix := store.ErrConflict.Error() + ": "
	if len(msg) > len(prefix) && msg[:len(prefix)] == prefix {
		// The store's words, which may quote the value the client sent:
		// redacted and concealed as a message of the handler's own is.
		return h.secrets.Sprintf("%s", msg[len(prefix):])
	}
	return ours
}
