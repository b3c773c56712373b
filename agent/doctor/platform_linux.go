package doctor

import (
	"os"
	"strconv"
	"strings"
)

// dialogPrograms are the programs ncruces/zenity runs for dialogs, in the order it tries them.
var dialogPrograms = []string{"qarma", "zenity", "matedialog"}

// processName returns /proc/PID/comm, or "".
func processName(pid int) string {
	if pid <= 0 {
		return ""
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
