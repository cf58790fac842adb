// Package stackgen is sysflame test data for Go 1.21+ generic names (issue
// 15 point 5), built with Go 1.22 as a test binary (go test -c
// -ldflags='-s -w').  Go 1.21+ writes generic instantiations into the
// pclntab with their shapes (stackgen.Map[go.shape.int]) and the runtime
// prints them as stackgen.Map[...]; the markers below (prctl with option
// 0x5F5F0000+id, as in the oracle test) record runtime.Callers at call sites
// inside generic functions, methods, closures and inlined generic bodies.
package stackgen

import "sync"

// Map is a generic function called with two shapes (int, string).
//
//go:noinline
func Map[T any](id int, xs []T, f func(T) int) int {
	n := 0
	for _, x := range xs {
		n += f(x)
	}
	marker(id)
	return n
}

// Stack's Push is a generic method called with two shapes (int, *byte).
type Stack[T any] struct{ items []T }

//go:noinline
func (s *Stack[T]) Push(id int, v T) {
	s.items = append(s.items, v)
	marker(id)
}

// Pair's Swap has a value receiver: through the Swapper interface the
// compiler calls it from a generated pointer wrapper.
type Pair[K comparable, V any] struct {
	k K
	v V
}

//go:noinline
func (p Pair[K, V]) Swap(id int) int {
	marker(id)
	return 0
}

type Swapper interface{ Swap(int) int }

// Apply returns a closure of a generic function (Apply[...].func1) that
// runs a nested closure (Apply[...].func1.1).
//
//go:noinline
func Apply[T any](id int, v T) func() T {
	return func() T {
		inner := func() T {
			marker(id)
			return v
		}
		return inner()
	}
}

// OnceLike is shaped like sync.OnceValue: the returned closure (func1) runs
// a closure (func1.1) through sync.Once.  Not inlined, unlike
// sync.OnceValue below, whose closures the runtime names after the test
// function they were inlined into (TestX.OnceValue[...].func5).
//
//go:noinline
func OnceLike[T any](f func() T) func() T {
	var once sync.Once
	var r T
	return func() T {
		once.Do(func() { r = f() })
		return r
	}
}

// small is a generic function small enough to be inlined into its caller:
// the runtime shows the inlined frame with its generic name.
func small[T any](id int, v T) T {
	marker(id)
	return v
}

//go:noinline
func callsSmall(id int) int { return small(id, id) }

// Deferred runs a deferred call in a generic function (a defer wrapper
// closure, which the runtime hides).
//
//go:noinline
func Deferred[T any](id int, v T) T {
	for i := 0; i < 1; i++ {
		defer marker(id)
	}
	return v
}
