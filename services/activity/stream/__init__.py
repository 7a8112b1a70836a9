"""Server-sent events of the live updates, served in the activity process's event loop."""
