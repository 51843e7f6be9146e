package scim

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadAll: readAll reads what io.ReadAll reads, whatever size the
// request announced.
func TestReadAll(t *testing.T) {
	body := strings.Repeat("abcdefgh", 100)
	for _, size := range []int64{-1, 0, 1, 7, 799, 800, 801, 5000} {
		for name, r := range map[string]func() io.Reader{
			"whole":        func() io.Reader { return strings.NewReader(body) },
			"byte a read":  func() io.Reader { return iotest.OneByteReader(strings.NewReader(body)) },
			"data and EOF": func() io.Reader { return iotest.DataErrReader(strings.NewReader(body)) },
		} {
			got, err := readAll(r(), size)
			require.NoError(t, err, "%s %d", name, size)
			assert.Equal(t, body, string(got), "%s %d", name, size)
		}
	}
	boom := errors.New("boom")
	got, err := readAll(io.MultiReader(bytes.NewReader([]byte("ab")), iotest.ErrReader(boom)), 10)
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, "ab", string(got))
}
