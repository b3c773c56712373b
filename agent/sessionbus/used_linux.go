package sessionbus

// Used is true where the agent's notifications and tray icon go over the session bus.
const Used = true
