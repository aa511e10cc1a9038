"""What Casusbank does for its users, between the web and CLI above and the models, the
search package, rendering and the indexer below. No service reads the request, builds a
web address or knows who is signed in unless the caller passes that person.

Grouped by what a user does:

- contributing/  writing cases and reflections: the steps every kind shares, revisions,
                 history and restoring
- editorial/     the editors' work: workflow, desk, merging, featuring, the vocabularies,
                 the audit log
- reading/       finding and reading: search, browsing, role patterns, reading lists, feeds
- people/        accounts, sign-in sessions, API tokens, managing users
- exchange/      content in and out: content folders, backups, open data

Three modules stay at the top because every group leans on them: permissions.py (the one
home of who may see and do what), catalog.py (roles, vocabularies and groups, cached) and
validation.py (input checks shared by every way in).
"""
