// Command benchtable reads `go test -bench` output on its standard input, passes it through
// as it comes, and at the end prints the figures as one table: `make bench` pipes into it
// so that a run ends with every figure in one place. It exits 1 when a benchmark or a
// package failed, so the pipe does not hide a failure.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// figure is one number a benchmark reported.
type figure struct {
	pkg, bench, unit string
	value            float64
}

func main() {
	figures, failed, err := read(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	fmt.Println()
	fmt.Println("== passthrough benchmark figures ==")
	write(os.Stdout, figures)
	if failed {
		fmt.Println("\nSome benchmarks FAILED: see above.")
		os.Exit(1)
	}
}

// read copies in to out line by line and collects the figures of every benchmark line.
func read(in io.Reader, out io.Writer) ([]figure, bool, error) {
	var figures []figure
	failed, pkg := false, ""
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(out, line)
		switch {
		case strings.HasPrefix(line, "pkg: "):
			pkg = strings.TrimPrefix(line, "pkg: ")
		case strings.HasPrefix(line, "FAIL"), strings.HasPrefix(line, "--- FAIL"), strings.HasPrefix(line, "panic: "):
			failed = true
		case strings.HasPrefix(line, "Benchmark"):
			figures = append(figures, parse(pkg, line)...)
		}
	}
	return figures, failed, sc.Err()
}

// parse reads "BenchmarkName-2  1  123 ns/op  4.5 unit …".
func parse(pkg, line string) []figure {
	f := strings.Fields(line)
	if len(f) < 4 {
		return nil
	}
	name := strings.TrimPrefix(f[0], "Benchmark")
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			name = name[:i] // the GOMAXPROCS suffix
		}
	}
	var out []figure
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			continue
		}
		unit := f[i+1]
		if unit == "B/op" || unit == "allocs/op" {
			continue
		}
		out = append(out, figure{pkg: pkg[strings.LastIndexByte(pkg, '/')+1:], bench: name, unit: unit, value: v})
	}
	return out
}

// write prints one line per benchmark with all its figures.
func write(w io.Writer, figures []figure) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PACKAGE\tBENCHMARK\tFIGURES")
	for i := 0; i < len(figures); {
		j := i
		var parts []string
		for ; j < len(figures) && figures[j].pkg == figures[i].pkg && figures[j].bench == figures[i].bench; j++ {
			parts = append(parts, show(figures[j]))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", figures[i].pkg, figures[i].bench, strings.Join(parts, "  "))
		i = j
	}
	tw.Flush()
}

// show writes a figure for people: durations as durations, three significant digits.
// A unit ending in "-s" is a duration in seconds named by the rest: "p99-s" 0.0212 is
// "p99 21.2ms".
func show(f figure) string {
	switch {
	case f.unit == "ns/op":
		return time.Duration(f.value).Round(roundTo(f.value)).String() + "/op"
	case strings.HasSuffix(f.unit, "-s"):
		ns := f.value * float64(time.Second)
		return strings.TrimSuffix(f.unit, "-s") + " " + time.Duration(ns).Round(roundTo(ns)).String()
	case f.value >= 100:
		return strconv.FormatFloat(f.value, 'f', 0, 64) + " " + f.unit
	case f.value >= 1:
		return strconv.FormatFloat(f.value, 'f', 2, 64) + " " + f.unit
	}
	return strconv.FormatFloat(f.value, 'g', 3, 64) + " " + f.unit
}

// roundTo keeps about three significant digits of a duration in nanoseconds.
func roundTo(ns float64) time.Duration {
	r := time.Duration(1)
	for float64(r)*1000 < ns {
		r *= 10
	}
	return r
}
