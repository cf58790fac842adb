package oracle

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Marker ids are listed in ../../README (section "oracle marker ids"); each fires exactly once.

func init() { marker(1) }

func TestMain(m *testing.M) {
	// Nothing may reach standard output: in pipe mode (perf record -o -) it is perf's data stream.
	os.Stdout = os.Stderr
	marker(2)
	code := m.Run()
	if p := os.Getenv("ORACLE_OUT"); p != "" {
		if err := writeOracle(p); err != nil {
			fmt.Fprintln(os.Stderr, "oracle:", err)
			code = 1
		}
	}
	if v := variantReport(); v != "" {
		fmt.Fprintln(os.Stderr, "oracle: ids with differing stacks:", v)
		code = 1
	}
	os.Exit(code)
}

func TestDirect(t *testing.T) { marker(3) }

func TestMethods(t *testing.T) {
	c := &Counter{}
	c.Inc(4)
	c.IncInl(5)
	p := Point{1, 2}
	p.Sum(6)
	pp := &Point{3, 4}
	pp.Sum(7)
	measure(&Rect{2, 3}, 8)
	measure(Square{3}, 9)
	var g Greeter = Outer{Base: &Base{name: "b"}}
	g.Hello(10)
	f := c.Inc // method value: called through the Inc-fm wrapper
	f(11)
	(*Counter).Inc(c, 12) // method expression
}

func TestClosures(t *testing.T) {
	func() {
		marker(13)
		func() {
			func() {}()
		}()
		func() {
			marker(14) // TestClosures.func1.2
		}()
	}()
	add := makeAdder(15)
	add(1)
	apply(func(id int) { marker(id) }, 16)
}

func TestGenerics(t *testing.T) {
	SumOf([]int{1, 2, 3}, 17)
	SumOf([]float64{1.5, 2.5}, 18)
	fired := false
	MapSlice([]int{1, 2}, func(x int) string {
		if !fired {
			fired = true
			marker(19)
		}
		return fmt.Sprint(x)
	})
	var ss Stack[string]
	ss.Push("a", 20)
	var si Stack[int]
	si.Push(1, 21)
	First([]string{"x"}, 22)
}

func TestInlined(t *testing.T) {
	inlLeaf(23)
	inlTop(24)
	func() {
		inlTop(25)
	}()
}

func TestGoroutines(t *testing.T) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		marker(26)
	}()
	wg.Wait()

	done := make(chan struct{})
	go goNamed(27, done) // the compiler wraps the call in a closure
	<-done

	wg.Add(1)
	go func() {
		var inner sync.WaitGroup
		inner.Add(1)
		go func() {
			defer inner.Done()
			marker(28)
		}()
		inner.Wait()
		wg.Done()
	}()
	wg.Wait()

	wg.Add(1)
	go func() {
		defer wg.Done()
		inlTop(29)
	}()
	wg.Wait()

	c := &Counter{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		go c.Inc(30)
	}()
	wg.Wait()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		oracleMu.Lock()
		_, ok := sites[30]
		oracleMu.Unlock()
		if ok {
			break
		}
		time.Sleep(time.Millisecond)
	}
}

func TestDefers(t *testing.T) {
	func() {
		defer marker(31) // open-coded defer of marker itself
		defer func() { marker(32) }()
	}()
	func() {
		for i := 0; i < 1; i++ {
			defer func() { marker(33) }() // in a loop: not open-coded, run by runtime.deferreturn
		}
	}()
	func() {
		for i := 0; i < 1; i++ {
			defer deferredNamed(34)
		}
	}()
}

func TestPanics(t *testing.T) {
	func() {
		defer func() {
			if r := recover(); r != nil {
				marker(35) // running under runtime.gopanic
			}
		}()
		panicky()
	}()
	func() {
		defer func() { recover() }()
		defer func() { marker(36) }() // runs during panicking, before the recover above
		panicky()
	}()
	func() {
		defer func() {
			if r := recover(); r != nil {
				marker(37) // under gopanic <- panicmem <- sigpanic (nil dereference)
			}
		}()
		nilDeref(nil)
	}()
	safe := func() {
		defer func() { recover() }()
		panicky()
	}
	safe()
	marker(38)
}

func TestSub(t *testing.T) {
	t.Run("a", func(t *testing.T) { marker(39) })
	t.Run("b", func(t *testing.T) {
		t.Run("inner", func(t *testing.T) { marker(40) })
	})
	t.Run("par", func(t *testing.T) {
		t.Run("p1", func(t *testing.T) {
			t.Parallel()
			marker(41)
		})
		t.Run("p2", func(t *testing.T) {
			t.Parallel()
			marker(42)
		})
	})
}

func TestRecursion(t *testing.T) {
	recurse(300, 43) // deeper than the 8 KiB perf stack copy: truncated on purpose
	recurse(500, 44)
	recurse(20, 45)
	isEven(32, 46) // mutual recursion, 33 levels
}

func TestStdlibCallbacks(t *testing.T) {
	viaOnce(47)
	viaSort(48)
	viaStringsMap(49)
	viaReflect(50)
	done := make(chan struct{})
	time.AfterFunc(time.Millisecond, func() {
		marker(51)
		close(done)
	})
	<-done
}

func TestChannels(t *testing.T) {
	jobs := make(chan int)
	results := make(chan int)
	go func() {
		for id := range jobs {
			marker(id)
			results <- id
		}
		close(results)
	}()
	jobs <- 52
	<-results
	quit := make(chan struct{})
	tick := make(chan int) // unbuffered: the send completes before quit is closed
	go func() {
		tick <- 53
		close(quit)
	}()
	for {
		select {
		case id := <-tick:
			marker(id)
		case <-quit:
			close(jobs)
			for range results {
			}
			return
		}
	}
}

//go:noinline
func createFile(path string, id int) *os.File {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	marker(id)
	return f
}

//go:noinline
func writeChunks(f *os.File, id int) {
	for i := 0; i < 8; i++ {
		if _, err := f.Write(bytes.Repeat([]byte{'a' + byte(i)}, 512)); err != nil {
			panic(err)
		}
	}
	marker(id)
}

//go:noinline
func readBack(path string, id int) int {
	f, err := os.Open(path)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	n, err := io.Copy(io.Discard, f)
	if err != nil {
		panic(err)
	}
	marker(id)
	return int(n)
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data.bin")
	f := createFile(path, 54)
	writeChunks(f, 55)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if n := readBack(path, 56); n != 8*512 {
		t.Fatalf("read %d bytes", n)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "small.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	marker(57)
}

//go:noinline
func handleTCP(c net.Conn, wg *sync.WaitGroup) {
	defer wg.Done()
	defer c.Close()
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	if err != nil || n == 0 {
		return
	}
	c.Write(bytes.ToUpper(buf[:n]))
	marker(60 + int(buf[0]-'0'))
}

//go:noinline
func tcpClient(t *testing.T, addr string, i int, wg *sync.WaitGroup) {
	defer wg.Done()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return
	}
	defer c.Close()
	msg := []byte(fmt.Sprintf("%d hello over tcp", i))
	if _, err := c.Write(msg); err != nil {
		t.Error(err)
		return
	}
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Error(err)
		return
	}
	marker(63 + i)
}

func TestTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var handlers, clients sync.WaitGroup
	acceptDone := make(chan struct{})
	go func() {
		defer close(acceptDone)
		for i := 0; i < 3; i++ {
			c, err := ln.Accept()
			if err != nil {
				t.Error(err)
				return
			}
			if i == 0 {
				marker(66)
			}
			handlers.Add(1)
			go handleTCP(c, &handlers)
		}
	}()
	for i := 0; i < 3; i++ {
		clients.Add(1)
		go tcpClient(t, ln.Addr().String(), i, &clients)
	}
	clients.Wait()
	<-acceptDone
	handlers.Wait()
}

func TestUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	srvDone := make(chan struct{})
	go func() {
		defer close(srvDone)
		buf := make([]byte, 256)
		for i := 0; i < 2; i++ {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				t.Error(err)
				return
			}
			pc.WriteTo(bytes.ToUpper(buf[:n]), from)
			marker(70 + int(buf[0]-'0'))
		}
	}()
	var clients sync.WaitGroup
	for i := 0; i < 2; i++ {
		clients.Add(1)
		go func(i int) {
			defer clients.Done()
			c, err := net.Dial("udp", pc.LocalAddr().String())
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			c.Write([]byte(fmt.Sprintf("%d ping", i)))
			buf := make([]byte, 64)
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			if _, err := c.Read(buf); err != nil {
				t.Error(err)
				return
			}
			marker(72 + i)
		}(i)
	}
	clients.Wait()
	<-srvDone
}

func TestGoroutineDeferPanic(t *testing.T) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			recover()
			marker(81)
		}()
		defer func() { marker(80) }()
		panicky()
	}()
	<-done
}
