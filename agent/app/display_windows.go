package app

// displayProblem is always "" on Windows: the desktop is there for any login session.
func displayProblem() string { return "" }
