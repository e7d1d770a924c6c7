"""The HTTP face: translates between HTTP and the request path; holds no policy."""
