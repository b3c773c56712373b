package app

// displayProblem is always "" on macOS: the window server is there for any login session.
func displayProblem() string { return "" }
