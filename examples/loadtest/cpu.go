package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTicks is the unit of /proc/PID/stat's CPU times: USER_HZ, which
// Linux fixes at 100 on every architecture Go supports, whatever the
// kernel's own tick rate.
const clockTicks = 100

// processCPU returns the CPU time (user and system, every thread) process
// pid has used, pid 0 meaning this process, read from /proc. ok is false
// where there is no /proc (not Linux) or the process is gone.
//
// A throughput ratio on a shared two-core machine measures how the kernel
// shares the cores out as much as the server's cost, most of all for a
// server in another process, which competes with the load generator
// instead of sharing its scheduler; CPU time a request does not depend on
// that share. Its resolution is a tick (10 ms), fine over phases of
// seconds.
func processCPU(pid int) (d time.Duration, ok bool) {
	name := "/proc/self/stat"
	if pid != 0 {
		name = "/proc/" + strconv.Itoa(pid) + "/stat"
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return 0, false
	}
	utime, stime, err := parseStat(b)
	if err != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, true
}

// parseStat reads utime and stime (fields 14 and 15, in ticks) of a
// /proc/PID/stat line. The command name (field 2) is in parentheses and
// may hold spaces and parentheses itself, so fields are counted from the
// last ')'.
func parseStat(b []byte) (utime, stime int64, err error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("no command name in %q", b)
	}
	f := bytes.Fields(b[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("%d fields after the command name, want at least 13", len(f))
	}
	if utime, err = strconv.ParseInt(string(f[11]), 10, 64); err != nil {
		return 0, 0, err
	}
	stime, err = strconv.ParseInt(string(f[12]), 10, 64)
	return utime, stime, err
}

// cpuMeter measures the CPU a turn costs: the load generator's process
// (which also runs every target it started) and, for an -external target
// given with -external-pid, the server's process.
type cpuMeter struct {
	pid   int
	start time.Duration
	ok    bool
}

// startCPU starts measuring the CPU of this process and of t's server
// process, when it has one of its own.
func startCPU(t *target) cpuMeter {
	m := cpuMeter{pid: t.pid}
	m.start, m.ok = m.now()
	return m
}

func (m cpuMeter) now() (time.Duration, bool) {
	self, ok := processCPU(0)
	if !ok || m.pid == 0 {
		return self, ok
	}
	server, ok := processCPU(m.pid)
	return self + server, ok
}

// seconds is the CPU used since startCPU, or -1 when it cannot be told.
func (m cpuMeter) seconds() float64 {
	end, ok := m.now()
	if !m.ok || !ok {
		return -1
	}
	return (end - m.start).Seconds()
}
