// Benchmark workload for sysflame: a Go test doing file, TCP, UDP and
// net/http work on loopback from several goroutines, so that a capture of
// syscalls:sys_enter_* has many samples with ~10-20 frame Go stacks.
// BENCH_ROUNDS scales the amount of work (and so the size of the capture).
package workload

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// pace sleeps BENCH_PACE_US microseconds every 10 operations, so that perf
// record can drain its buffers on big captures instead of losing samples.
var paceEvery = func() time.Duration {
	n, err := strconv.Atoi(os.Getenv("BENCH_PACE_US"))
	if err != nil || n <= 0 {
		return 0
	}
	return time.Duration(n) * time.Microsecond
}()

func pace(i int) {
	if paceEvery > 0 && i%10 == 9 {
		time.Sleep(paceEvery)
	}
}

func rounds(t *testing.T) int {
	n, err := strconv.Atoi(os.Getenv("BENCH_ROUNDS"))
	if err != nil || n <= 0 {
		return 50
	}
	return n
}

func fileWork(t *testing.T, dir string, n int) {
	buf := make([]byte, 512)
	for i := 0; i < n; i++ {
		pace(i)
		p := filepath.Join(dir, fmt.Sprintf("f%d", i%8))
		if err := os.WriteFile(p, buf, 0o600); err != nil {
			t.Error(err)
			return
		}
		f, err := os.Open(p)
		if err != nil {
			t.Error(err)
			return
		}
		_, _ = io.ReadAll(f)
		_, _ = f.Stat()
		f.Close()
	}
}

func tcpWork(t *testing.T, n int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Error(err)
		return
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}(c)
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Error(err)
		return
	}
	defer c.Close()
	msg := []byte("ping-pong-payload")
	back := make([]byte, len(msg))
	for i := 0; i < n; i++ {
		pace(i)
		if _, err := c.Write(msg); err != nil {
			t.Error(err)
			return
		}
		if _, err := io.ReadFull(c, back); err != nil {
			t.Error(err)
			return
		}
	}
}

func udpWork(t *testing.T, n int) {
	srv, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Error(err)
		return
	}
	defer srv.Close()
	go func() {
		b := make([]byte, 256)
		for {
			m, addr, err := srv.ReadFrom(b)
			if err != nil {
				return
			}
			_, _ = srv.WriteTo(b[:m], addr)
		}
	}()
	c, err := net.Dial("udp", srv.LocalAddr().String())
	if err != nil {
		t.Error(err)
		return
	}
	defer c.Close()
	b := make([]byte, 256)
	for i := 0; i < n; i++ {
		pace(i)
		if _, err := c.Write([]byte("datagram")); err != nil {
			t.Error(err)
			return
		}
		if _, err := c.Read(b); err != nil {
			t.Error(err)
			return
		}
	}
}

func httpWork(t *testing.T, n int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Error(err)
		return
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.URL.Path)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/x"
	for i := 0; i < n; i++ {
		pace(i)
		resp, err := http.Get(url)
		if err != nil {
			t.Error(err)
			return
		}
		_, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
}

func TestSyscallMix(t *testing.T) {
	n := rounds(t)
	dir := t.TempDir()
	var wg sync.WaitGroup
	for g := 0; g < 2; g++ {
		sub := filepath.Join(dir, strconv.Itoa(g))
		if err := os.Mkdir(sub, 0o700); err != nil {
			t.Fatal(err)
		}
		wg.Add(4)
		go func() { defer wg.Done(); fileWork(t, sub, 4*n) }()
		go func() { defer wg.Done(); tcpWork(t, 10*n) }()
		go func() { defer wg.Done(); udpWork(t, 10*n) }()
		go func() { defer wg.Done(); httpWork(t, n) }()
	}
	wg.Wait()
}
