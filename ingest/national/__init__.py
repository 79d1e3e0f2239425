"""The SYNTHETIC national dataset: a whole country's portal statistics, plans and submissions.

``country`` draws the institutions, services, projects and demand parameters; ``portal_exports``
writes the daily statistics; ``submissions`` the plans and yearly submissions with the outcome
each must have; ``dataset`` writes it all into one folder with a manifest.
"""
