//go:build !after

package beforeafter

// buffered selects the write strategy: before = many small unbuffered f.Write calls.
const buffered = false
