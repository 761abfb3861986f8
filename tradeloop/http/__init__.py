"""The aiohttp edge: routes, schemas, authentication, error rendering, streams."""
