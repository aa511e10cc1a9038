"""Finding and reading, always within what the reader may see: search (search.py), the
searches that found little, counted for the editors without who searched (search_log.py),
role and group pages and facets (browse.py, browse_facets.py), reflection patterns across
the roles (patterns.py), a learning group's reading list (reading_list.py), and the Atom
feeds (feeds.py)."""
