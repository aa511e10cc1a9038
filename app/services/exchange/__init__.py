"""Content in and out of Casusbank: content folders read (content_import.py,
item_files.py, content_files.py, content_vocabulary.py) and written (content_export.py,
export_folder.py), backups and restores (backup.py), and open data rows for the API
(open_data.py)."""
