"""What the functions do, as plain modules: no Lambda event, no environment. A handler
parses its event, calls one of these with its clients and settings, and shapes the answer."""
