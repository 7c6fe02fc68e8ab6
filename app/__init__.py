"""The application (top floor): CLI, whole-job pipeline, scheduler, digest, follows and the sample web.

Installed as `boligarkiv.app`; it may import the core and every stage. Reports and the web app live beside
it in `report/` and `web/` (`boligarkiv.report`, `boligarkiv.web`).
"""
