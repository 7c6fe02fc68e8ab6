from boligarkiv.app.cli import app

app()
