"""The embedded sample: raw extracts as the users' systems deliver them, generated deterministically."""
