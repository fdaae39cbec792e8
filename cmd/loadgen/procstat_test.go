package main

import (
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"
)

func TestParseVmRSS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    uint64
		wantErr bool
	}{
		{name: "real", in: "Name:\tchargebooth\nVmPeak:\t 1500000 kB\nVmRSS:\t  183404 kB\nRssAnon:\t 170000 kB\n", want: 183404 * 1024},
		{name: "zero", in: "VmRSS:\t0 kB\n", want: 0},
		{name: "no newline", in: "VmRSS: 12 kB", want: 12 * 1024},
		{name: "missing", in: "Name:\tzombie\nState:\tZ (zombie)\n", wantErr: true},
		{name: "no unit", in: "VmRSS:\t12\n", wantErr: true},
		{name: "not a number", in: "VmRSS:\tlots kB\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseVmRSS([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseVmRSS error = %v, want error: %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("parseVmRSS = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestParseCPUTicks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    uint64
		wantErr bool
	}{
		{name: "real", in: "4242 (chargebooth) S 1 4242 4242 0 -1 4194560 9000 0 0 0 1500 250 0 0 20 0 12 0 100 2000000 45000 18446744073709551615\n", want: 1750},
		{name: "name with spaces and parens", in: "7 (a) b (c)) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 1 1 1\n", want: 7},
		{name: "truncated", in: "7 (x) R 1 7 7 0 -1 0 0 0 0 0 3\n", wantErr: true},
		{name: "no name", in: "7 x R 1", wantErr: true},
		{name: "bad utime", in: "7 (x) R 1 7 7 0 -1 0 0 0 0 0 -3 4 0\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseCPUTicks([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseCPUTicks error = %v, want error: %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("parseCPUTicks = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestReadProcSelf(t *testing.T) {
	t.Parallel()
	for _, pid := range []string{"self", strconv.Itoa(os.Getpid())} {
		s, err := readProc(pid)
		if err != nil {
			t.Fatalf("readProc(%s): %v", pid, err)
		}
		if s.rssBytes == 0 {
			t.Errorf("readProc(%s) RSS = 0, want more", pid)
		}
	}
	if _, err := readProc("999999999"); err == nil {
		t.Error("readProc of no process: no error")
	}
}

func TestCPUBetween(t *testing.T) {
	t.Parallel()
	var st ProcStats
	cpuBetween(&st, procSample{cpuTicks: 100}, procSample{cpuTicks: 250}, 3*time.Second)
	if st.CPUSeconds != 1.5 || st.CPUPercent != 50 {
		t.Errorf("cpu = %v s, %v %%, want 1.5 s, 50 %%", st.CPUSeconds, st.CPUPercent)
	}
}

func FuzzParseProc(f *testing.F) {
	for _, pid := range []string{"self", "1"} {
		if b, err := os.ReadFile("/proc/" + pid + "/stat"); err == nil {
			f.Add(b)
		}
		if b, err := os.ReadFile("/proc/" + pid + "/status"); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("7 (a) b (c)) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 1 1 1\n"))
	f.Add([]byte("VmRSS:\t  183404 kB\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if rss, err := parseVmRSS(b); err == nil && rss%1024 != 0 {
			t.Fatalf("parseVmRSS(%q) = %d, not whole KiB", b, rss)
		}
		_, _ = parseCPUTicks(b)
	})
}

// TestWatchesStopAtTheLoadsEnd: the largest RSS is the load's; what the
// process takes after markLoaded (while loadgen closes the sockets) is not
// counted.
func TestWatchesStopAtTheLoadsEnd(t *testing.T) {
	w := startWatches(os.Getpid())
	w.markConnected()
	w.markLoaded(time.Second)
	grown := make([]byte, 64<<20)
	for i := range grown {
		grown[i] = 1 // resident
	}
	time.Sleep(3 * sampleEvery)
	var res Result
	w.stop(&res)
	after, err := readProc(strconv.Itoa(os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	if res.Server.RSSMaxBytes+32<<20 > after.rssBytes {
		t.Errorf("largest RSS %d MiB counts memory taken after the load (RSS now %d MiB)", res.Server.RSSMaxBytes>>20, after.rssBytes>>20)
	}
	runtime.KeepAlive(grown)
}
