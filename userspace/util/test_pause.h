#pragma once
// A test-only pause at a named phase of a run, so that tests can deliver a signal at a
// known point (tests/integration/probe_signals_test.cpp). Compiled in always and harmless:
// unless the environment variable FWPATH_TEST_PAUSE_AT names this phase, pause_point()
// only turns a stop request that already arrived into the Interrupted error.
//
// FWPATH_TEST_PAUSE_AT=PHASE[,PHASE...] (setup, tracing, report): at each phase named
// fwpath writes "fwpath: paused at PHASE" to stderr and waits for a signal: SIGUSR1 goes
// on (so that a test can change the world at a known point), SIGINT/SIGTERM/SIGHUP unwind
// as for any interruption (exit 4, everything removed). Phases of `fwpath probe`:
//   setup    the trace session is up (tables, sockets, BPF attached); no probe sent yet
//   tracing  the probes were sent and answered; the session is still tracing
//   report   the session is closed; the report is about to be printed
#include "util/error.h"

namespace fwpath {

Status pause_point(const char* phase);

}  // namespace fwpath
