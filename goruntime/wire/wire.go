// Package wire is the JSON document the scenario program (goruntime/mainprog)
// prints on stdout and the harness (package goruntime) reads: one
// declaration for both sides.
package wire

// Counts are the object's callback invocations by logical command.
type Counts struct {
	GetProc       uint64 `json:"getproc"`
	GetProcNull   uint64 `json:"getproc_null"` // answered while no P was current
	SymbolizeCode uint64 `json:"symbolize_code"`
	SymbolizeData uint64 `json:"symbolize_data"`
	Unknown       uint64 `json:"unknown"`
}

// Level is one RSS sample of the leak scenario.
type Level struct {
	Work       int     `json:"work"`
	Iterations int     `json:"iterations"`
	RSSBytes   uint64  `json:"rss_bytes"`
	Seconds    float64 `json:"seconds"`
	GCs        int     `json:"gcs"`
}

// RSSMiB is the sample in MiB.
func (l Level) RSSMiB() float64 { return float64(l.RSSBytes) / (1 << 20) }

// Result is one scenario's outcome as the program reports it.
type Result struct {
	Scenario      string  `json:"scenario"`
	Interface     string  `json:"interface"` // as detected by the C shim at run time
	OK            bool    `json:"ok"`
	NotApplicable bool    `json:"not_applicable,omitempty"`
	Detail        string  `json:"detail,omitempty"`
	Callbacks     Counts  `json:"callbacks"`
	Levels        []Level `json:"levels,omitempty"`
	HeapBase      string  `json:"heap_base,omitempty"`
}
