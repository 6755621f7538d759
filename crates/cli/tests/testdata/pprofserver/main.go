// A small net/http/pprof server for ferroprof's HTTP tests: it listens on 127.0.0.1 (a free
// port), prints "listening on HOST:PORT", burns CPU in main.spin and contends on a mutex.
package main

import (
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"sync"
	"time"
)

var sink uint64

//go:noinline
func spin() {
	for {
		for i := 0; i < 1000000; i++ {
			sink += uint64(i) * 7
		}
		time.Sleep(time.Microsecond)
	}
}

func contend(mu *sync.Mutex) {
	for {
		mu.Lock()
		time.Sleep(100 * time.Microsecond)
		mu.Unlock()
	}
}

func main() {
	runtime.SetMutexProfileFraction(1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go spin()
	var mu sync.Mutex
	for i := 0; i < 3; i++ {
		go contend(&mu)
	}
	fmt.Printf("listening on %s\n", ln.Addr())
	http.Serve(ln, nil)
}
