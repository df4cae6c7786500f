"""``derive serve``: worksheets, a check page, a grad page and the JSON API on a local server."""
