package stackgen

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
)

// TestMain writes the oracle (ORACLE_OUT) once every test has run.
func TestMain(m *testing.M) {
	code := m.Run()
	if out := os.Getenv("ORACLE_OUT"); out != "" {
		if err := writeOracle(out); err != nil {
			fmt.Fprintln(os.Stderr, "stackgen:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func TestGenericFunc(t *testing.T) {
	Map(1, []int{1, 2}, func(x int) int { return x })           // 1: Map[go.shape.int]
	Map(2, []string{"a"}, func(s string) int { return len(s) }) // 2: Map[go.shape.string]
}

func TestGenericMethod(t *testing.T) {
	(&Stack[int]{}).Push(3, 1) // 3: (*Stack[go.shape.int]).Push
	b := byte(1)
	(&Stack[*byte]{}).Push(4, &b) // 4: (*Stack[go.shape.*uint8]).Push
	var s Swapper = &Pair[string, int]{"k", 1}
	s.Swap(5) // 5: (*Pair[...]).Swap wrapper around Pair[...].Swap
}

func TestGenericClosures(t *testing.T) {
	Apply(6, 1)()                                     // 6: Apply[...].func1.1 <- Apply[...].func1
	Apply(7, "x")()                                   // 7: the same, shape string
	f := OnceLike(func() int { marker(8); return 1 }) // 8: under OnceLike[...].func1.1
	f()
	f()
	g := sync.OnceValue(func() string { marker(9); return "v" }) // 9: under sync.OnceValue[...].func1
	g()
	t.Run("sub", func(t *testing.T) {
		h := OnceLike(func() []string { return strings.Fields("a b") })
		Apply(10, h)()() // 10: shape func, inside a subtest
	})
}

func TestGenericInlineDefer(t *testing.T) {
	callsSmall(11)    // 11: small[...] inlined into callsSmall
	Deferred(12, 1.5) // 12: deferred call in Deferred[go.shape.float64]
}
