"""Writing cases and reflections: what each kind is (item_kind.py), submitting and
changing one (cases.py, reflections.py), the snapshot after every save (revisions.py),
and comparing and restoring earlier versions (history.py)."""
