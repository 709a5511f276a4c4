"""Ray Serve applications: the HTTP and WebSocket front door of arenalab."""
