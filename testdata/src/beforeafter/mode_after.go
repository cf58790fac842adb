//go:build after

package beforeafter

// buffered selects the write strategy: after = the same bytes through a bufio.Writer.
const buffered = true
