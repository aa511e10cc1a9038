"""The editors' work: moving items through the workflow (workflow.py), their desk and the
author's own overview (desk.py), merging two cases (merge.py), the front page's featured
cases (featured.py), tidying the vocabularies (taxonomy.py), and the audit log that
records who did what (audit.py)."""
