// Package racetest is the one engine that runs Go's own race tests in a
// GOROOT and reads what they print, for verify's goroot stage and for the
// history of Go releases alike:
//
//   - Env runs a release's go command in a GOROOT (a copy that objects are
//     installed into, or the installed Go) in a clean environment;
//   - the suites (Packages: runtime/race, sync, sync/atomic) run natively
//     (Env.RunRaceTests) or cross-built for windows and run under wine64
//     (Env.RunWindowsRaceTests, with the checks runtime/race's tests would
//     exec driven from here: TestOutput's table, a racy program), and
//     ParseSuite and ProcessLog read their output in every form from Go
//     1.6 to today's;
//   - ObjectRun.Judge holds a run on its own, Judge holds ours against the
//     shipped object's run;
//   - ProvenanceOf tells which object a built binary links, over a symbol
//     reader (ELFSymbols, PESymbols);
//   - the leak measurements (the leak program of every release,
//     BenchmarkSyncLeak where a release has it) give LeakPoints, summarized
//     with Median, the one median of every measurement;
//   - Runs remembers the runs of one process, so that a suite runs once
//     per object per verify.
package racetest
