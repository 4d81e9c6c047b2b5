// Replaced by the credentials library.
