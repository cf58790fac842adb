// deepgo: deep Go stacks for the stitching truth test (testdata/stitch).
// Several goroutines recurse through functions with big frames (a parser's
// shape: a 1.5 KB and a 700 B frame, mutually recursive) and make a
// syscall on the way down and on the way up, so most samples lie deeper
// than an 8 KiB stack copy reaches.  Goroutine stacks grow (and move)
// while the recursion deepens for the first time.
package main

import (
	"os"
	"sync"
	"syscall"
	"time"
)

var null int
var one = []byte{'x'}

func touch(n int) {
	syscall.Write(null, one)
}

//go:noinline
func parseBlock(depth, n int) int {
	var buf [1536]byte
	for i := range buf {
		buf[i] = byte(i + n)
	}
	touch(n)
	s := int(buf[n%len(buf)])
	if depth > 0 {
		s += parseExpr(depth-1, n+1)
	}
	touch(n)
	return s + int(buf[(n*7)%len(buf)])
}

//go:noinline
func parseExpr(depth, n int) int {
	var buf [704]byte
	for i := range buf {
		buf[i] = byte(i ^ n)
	}
	s := int(buf[n%len(buf)])
	if depth > 0 {
		if n%3 == 0 {
			s += parseExpr(depth-1, n+1)
		} else {
			s += parseBlock(depth-1, n+1)
		}
	} else {
		touch(n)
	}
	return s
}

func worker(id, rounds int, out *int) {
	for r := 0; r < rounds; r++ {
		*out += parseBlock(10+(r*5+id*3)%25, r)
		time.Sleep(2 * time.Millisecond)
	}
}

func main() {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		panic(err)
	}
	null = int(f.Fd())
	var wg sync.WaitGroup
	res := make([]int, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			worker(g, 12, &res[g])
		}(g)
	}
	wg.Wait()
	s := 0
	for _, v := range res {
		s += v
	}
	if s == 42 {
		println(s)
	}
}
