// Package benchmod is the code under test of tests/ci-recipe.sh: the test
// commits this module as the base of a pull request and, as its head, the
// module with size.go replaced by one of variants/, then runs the README's
// GitHub Actions recipe on the two commits.
//
// One Encode allocates a 64-byte header (newHeader) and a body of bodySize
// bytes (encodeBody), both sizes the allocator does not round, so the bytes
// allocated per op are known exactly and only encodeBody differs between
// the variants.
package benchmod

import "encoding/binary"

type header struct {
	id, seq, flags, a, b, c, d, e uint64 // 64 bytes, a Go size class
}

// Encode returns a record of bodySize bytes that starts with id.
func Encode(id uint64) []byte {
	return encodeBody(newHeader(id))
}

// Not inlined, so that each allocation has its own frame in the profile.
//
//go:noinline
func newHeader(id uint64) *header {
	return &header{id: id}
}

//go:noinline
func encodeBody(h *header) []byte {
	b := make([]byte, bodySize)
	binary.LittleEndian.PutUint64(b, h.id)
	return b
}
