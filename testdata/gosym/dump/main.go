// gosymdump writes the golden files of sysflame's pclntab tests using Go's
// own debug/gosym (an independent reader; Go 1.19's handles every pclntab
// format up to Go 1.19).  Usage: gosymdump ELF STEP
// Output, for every STEP-th function (and the first and last):
//   func <entry-hex> <end-hex> <name>
//   line <pc-hex> <line> <file>        (at entry, entry+size/2, end-1)
package main

import (
	"debug/elf"
	"debug/gosym"
	"fmt"
	"os"
	"strconv"
)

func main() {
	f, err := elf.Open(os.Args[1])
	if err != nil {
		panic(err)
	}
	step, _ := strconv.Atoi(os.Args[2])
	pcln := f.Section(".gopclntab")
	data, err := pcln.Data()
	if err != nil {
		panic(err)
	}
	text := f.Section(".text").Addr
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, text))
	if err != nil {
		panic(err)
	}
	fmt.Printf("nfunc %d\n", len(tab.Funcs))
	for i := range tab.Funcs {
		fn := &tab.Funcs[i]
		if i%step != 0 && i != len(tab.Funcs)-1 {
			continue
		}
		fmt.Printf("func %x %x %s\n", fn.Entry, fn.End, fn.Name)
		for _, pc := range []uint64{fn.Entry, fn.Entry + (fn.End-fn.Entry)/2, fn.End - 1} {
			file, line, _ := tab.PCToLine(pc)
			fmt.Printf("line %x %d %s\n", pc, line, file)
		}
	}
}
