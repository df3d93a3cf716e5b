"""API routers, one module per resource; ``ROUTERS`` is what the app mounts."""
