package scim

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

// TestRequestScopeSize holds the scope the middleware allocates for every
// request to the 576-byte size class: an object of more than 512 bytes
// that holds pointers carries an 8-byte header, so 568 bytes of it are
// the most that class takes, and a field more moves every request to the
// 640-byte class (64 bytes more for the collector on each one).
func TestRequestScopeSize(t *testing.T) {
	assert.LessOrEqual(t, unsafe.Sizeof(requestScope{}), uintptr(568),
		"requestScope grew past the 576-byte size class; pack its fields (see its doc comment)")
}
